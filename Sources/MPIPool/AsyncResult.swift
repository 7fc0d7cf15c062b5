import Synchronization

/// The pending result of `mapAsync`, `starmapAsync` or `applyAsync`: Python's `AsyncResult`.
///
/// ```swift
/// let sums = try pool.starmapAsync(add, over: zip(a, b), chunkSize: 5)
/// if sums.wait(timeout: .seconds(10)) { print("ready:", sums.isReady) }
/// let values = try sums.get()          // rethrows a task's TaskError
/// let again = try await sums.value     // the same, from Swift concurrency
/// ```
///
/// Completed exactly once, by the master. All methods are thread-safe.
public final class AsyncResult<T: Sendable>: Sendable {
    enum State {
        case pending
        case done(Result<T, any Error>)
    }

    let core: PoolCore
    /// Guarded by `core.monitor` (so no dynamic exclusivity checks either).
    @exclusivity(unchecked) nonisolated(unsafe) private var state: State = .pending
    /// Continuations of `await value`, guarded by `core.monitor`.
    @exclusivity(unchecked) nonisolated(unsafe) private var continuations: [CheckedContinuation<T, any Error>] = []
    /// Run on the master thread right after completion (internal observers), guarded by `core.monitor`.
    @exclusivity(unchecked) nonisolated(unsafe) private var observers: [(id: Int, run: @Sendable () -> Void)] = []
    @exclusivity(unchecked) nonisolated(unsafe) private var nextObserverID = 0
    private let done = Atomic<Int>(0)
    /// The number of items in the submission.
    public let total: Int
    /// The master's id of the job behind this result.
    let jobID: Int
    /// Whether a callback runs before it is ready (on the callback thread).
    let hasCallback: Bool
    /// The map's progress display (`progress:`), finished when the result is first waited for
    /// successfully, so that its final line comes before what the caller prints next.
    let display: ProgressReporter?

    init(core: PoolCore, total: Int, jobID: Int, hasCallback: Bool = false, display: ProgressReporter? = nil) {
        self.core = core
        self.total = total
        self.jobID = jobID
        self.hasCallback = hasCallback
        self.display = display
    }

    /// Whether the result is available (successfully or not). With a callback,
    /// only once the callback has run.
    public var isReady: Bool { core.monitor.withLock { if case .done = state { true } else { false } } }

    /// Whether the work finished without error (Python's `successful()`: a method,
    /// since it throws). Throws ``PoolError/notReady`` if it has not finished.
    public func successful() throws(PoolError) -> Bool {
        guard let outcome else { throw .notReady }
        if case .success = outcome { return true } else { return false }
    }

    /// Items finished so far and the total; poll it while waiting.
    public var progress: (done: Int, total: Int) { (done.load(ordering: .relaxed), total) }

    /// Waits for the result and returns it, or rethrows the error that ended it
    /// (a ``TaskError`` for a failed item).
    ///
    /// From inside a callback it works for results without a callback; for a
    /// result whose own callback has not run yet it throws ``PoolError/wouldDeadlock(_:)``
    /// at once (that callback would run only after the current one returns).
    public func get() throws -> T {
        if wouldDeadlock { throw PoolError.wouldDeadlock("get() in a callback, on a result whose own callback has not run yet") }
        let result = wait(deadline: nil)!
        display?.finish()
        return try result.get()
    }

    /// Waits at most `timeout`; throws ``PoolError/timeout(after:)`` if the result is not
    /// ready then (the work goes on). A timeout of any size waits; none traps.
    ///
    /// ```swift
    /// let value = try result.get(timeout: .seconds(2))
    /// ```
    public func get(timeout: Duration) throws -> T {
        if wouldDeadlock { throw PoolError.wouldDeadlock("get(timeout:) in a callback, on a result whose own callback has not run yet") }
        guard let result = wait(deadline: MonotonicClock.deadline(after: timeout)) else { throw PoolError.timeout(after: timeout) }
        display?.finish()
        return try result.get()
    }

    /// Waits until the result is ready. In a callback, on a result whose own
    /// callback has not run yet, it returns at once (waiting could never end).
    public func wait() {
        if wouldDeadlock { return }
        _ = wait(deadline: nil)
        display?.finish()
    }

    /// Waits until the result is ready or `timeout` passes; returns whether it is ready.
    /// In a callback, on a result whose own callback has not run yet, returns false at once.
    @discardableResult
    public func wait(timeout: Duration) -> Bool {
        if wouldDeadlock { return false }
        guard wait(deadline: MonotonicClock.deadline(after: timeout)) != nil else { return false }
        display?.finish()
        return true
    }

    /// Whether waiting here would wait for ever: on the callback thread, for a
    /// result that becomes ready only after its own callback, queued behind this one.
    private var wouldDeadlock: Bool { hasCallback && core.callbacks.isCurrentThread && !isReady }

    /// The result, awaited without blocking a thread. Cancelling the awaiting
    /// Swift task cancels this work if it has not started.
    public var value: T {
        get async throws {
            defer { display?.finish() }
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                    let finished: Result<T, any Error>? = core.monitor.withLock {
                        if case .done(let result) = state { return result }
                        continuations.append(continuation)
                        return nil
                    }
                    if let finished { continuation.resume(with: finished) }
                }
            } onCancel: {
                self.core.requestCancel(jobID: self.jobID)
            }
        }
    }

    /// The outcome if ready, else nil (does not wait).
    var outcome: Result<T, any Error>? {
        core.monitor.withLock { if case .done(let r) = state { r } else { nil } }
    }

    /// Cancels the work if none of it has started; returns whether that happened
    /// (when it returns true the result is already done, failing with `PoolError.cancelled`).
    @discardableResult
    public func cancel() -> Bool { core.cancel(jobID: jobID) }

    // MARK: Completion (master side)

    func addProgress(_ items: Int) { done.add(items, ordering: .relaxed) }

    /// Adds an observer run (on the master thread, must not block) when the result completes; runs it now if it has.
    /// Returns a token for `stopObserving` (nil when it ran at once).
    @discardableResult
    func observe(_ observer: @escaping @Sendable () -> Void) -> Int? {
        let id: Int? = core.monitor.withLock {
            if case .done = state { return nil }
            nextObserverID += 1
            observers.append((nextObserverID, observer))
            return nextObserverID
        }
        if id == nil { observer() }
        return id
    }

    /// Removes an observer that is no longer wanted (an abandoned `asCompleted` or `wait`).
    func stopObserving(_ id: Int) {
        core.monitor.withLock { observers.removeAll { $0.id == id } }
    }

    /// Observers still registered (for tests).
    var observerCount: Int { core.monitor.withLock { observers.count } }

    /// Sets the outcome. The caller holds `core.monitor`; returns what must run after unlocking.
    func completeLocked(_ result: Result<T, any Error>) -> (@Sendable () -> Void)? {
        guard case .pending = state else { return nil }
        state = .done(result)
        let waiting = continuations
        let watchers = observers
        continuations = []
        observers = []
        if waiting.isEmpty && watchers.isEmpty { return nil }
        return {
            for c in waiting { c.resume(with: result) }
            for o in watchers { o.run() }
        }
    }

    /// Waits until done or `deadline` (nil: no deadline); the outcome, or nil if the time ran out.
    private func wait(deadline: UInt64?) -> Result<T, any Error>? {
        core.monitor.lock()
        defer { core.monitor.unlock() }
        _ = core.waitLocked(deadline: deadline) { if case .done = state { true } else { false } }
        if case .done(let result) = state { return result }
        return nil
    }
}
