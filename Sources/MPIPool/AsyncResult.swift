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
    // The outcome is kept as a value box and an error, not as a `Result<T, any Error>`: these
    // methods run unspecialised (a generic class, called from other modules and through `AnyJob`),
    // and there every use of `Result<T, …>`, of an enum over it or of `[CheckedContinuation<T, …>]`
    // asks the runtime for its type metadata: sixteen look-ups per `applyAsync`, 15 % of rank 0's
    // instructions (callgrind, 20,000 `applyAsync`).

    let core: PoolCore
    /// Set once the outcome is published; guarded by `core.monitor` (so no dynamic exclusivity checks either).
    @exclusivity(unchecked) nonisolated(unsafe) private var isDone = false
    /// The value, once staged (before `isDone`; never changed after it).
    @exclusivity(unchecked) nonisolated(unsafe) private var box: UnsafeMutablePointer<T>?
    /// The error, once staged (before `isDone`; never changed after it).
    @exclusivity(unchecked) nonisolated(unsafe) private var failure: (any Error)?
    /// Resumes the continuations of `await value`, guarded by `core.monitor`.
    @exclusivity(unchecked) nonisolated(unsafe) private var resumers: [@Sendable () -> Void] = []
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

    deinit {
        if let box {
            box.deinitialize(count: 1)
            box.deallocate()
        }
    }

    /// Whether the result is available (successfully or not). With a callback,
    /// only once the callback has run.
    public var isReady: Bool { core.monitor.withLock { isDone } }

    /// Whether the work finished without error (Python's `successful()`: a method,
    /// since it throws). Throws ``PoolError/notReady`` if it has not finished.
    public func successful() throws(PoolError) -> Bool {
        guard core.monitor.withLock({ isDone }) else { throw .notReady }
        return failure == nil
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
        _ = wait(deadline: nil)
        display?.finish()
        return try published()
    }

    /// Waits at most `timeout`; throws ``PoolError/timeout(after:)`` if the result is not
    /// ready then (the work goes on). A timeout of any size waits; none traps.
    ///
    /// ```swift
    /// let value = try result.get(timeout: .seconds(2))
    /// ```
    public func get(timeout: Duration) throws -> T {
        if wouldDeadlock { throw PoolError.wouldDeadlock("get(timeout:) in a callback, on a result whose own callback has not run yet") }
        guard wait(deadline: MonotonicClock.deadline(after: timeout)) else { throw PoolError.timeout(after: timeout) }
        display?.finish()
        return try published()
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
        guard wait(deadline: MonotonicClock.deadline(after: timeout)) else { return false }
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
                    let finished: Bool = core.monitor.withLock {
                        if isDone { return true }
                        resumers.append { self.resume(continuation) }
                        return false
                    }
                    if finished { resume(continuation) }
                }
            } onCancel: {
                self.core.requestCancel(jobID: self.jobID)
            }
        }
    }

    /// The outcome if ready, else nil (does not wait).
    var outcome: Result<T, any Error>? {
        guard core.monitor.withLock({ isDone }) else { return nil }
        if let failure { return .failure(failure) }
        return .success(box!.pointee)
    }

    /// The published outcome: the value, or its error thrown (only once `isDone`).
    private func published() throws -> T {
        if let failure { throw failure }
        return box!.pointee
    }

    private func resume(_ continuation: CheckedContinuation<T, any Error>) {
        if let failure { continuation.resume(throwing: failure) } else { continuation.resume(returning: box!.pointee) }
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
            if isDone { return nil }
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

    /// Whether an outcome is staged (master thread).
    var isStaged: Bool { box != nil || failure != nil }

    /// Stages the value (master thread, before `completeLocked`; at most one outcome is staged).
    func stage(_ value: consuming T) {
        guard !isStaged else { return }
        let box = UnsafeMutablePointer<T>.allocate(capacity: 1)
        box.initialize(to: value)
        self.box = box
    }

    /// Stages the error (master thread, before `completeLocked`).
    func stage(failure: any Error) {
        guard !isStaged else { return }
        self.failure = failure
    }

    /// Runs `success` or `failure` on the staged outcome (the callback thread, before it is published).
    func withStaged(success: (T) -> Void, failure fail: (any Error) -> Void) {
        if let box { success(box.pointee) } else if let failure { fail(failure) }
    }

    /// Publishes the staged outcome. The caller holds `core.monitor`; returns what must run after unlocking.
    func completeLocked() -> (@Sendable () -> Void)? {
        guard !isDone, isStaged else { return nil }
        isDone = true
        let waiting = resumers
        let watchers = observers
        resumers = []
        observers = []
        if waiting.isEmpty && watchers.isEmpty { return nil }
        return {
            for resume in waiting { resume() }
            for o in watchers { o.run() }
        }
    }

    /// Waits until done or `deadline` (nil: no deadline); whether it is done.
    private func wait(deadline: UInt64?) -> Bool {
        core.monitor.lock()
        defer { core.monitor.unlock() }
        _ = core.waitLocked(deadline: deadline) { isDone }
        return isDone
    }
}
