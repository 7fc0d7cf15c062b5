/// The result of `Executor.submit`: Python's `concurrent.futures.Future`.
///
/// ```swift
/// let f = try executor.submit(square, 12)
/// f.addDoneCallback { f in print("done:", f.isDone) }
/// print(try f.result(timeout: .seconds(5)))   // 144
/// print(try await f.value)             // 144, from Swift concurrency
/// ```
public final class Future<R: Sendable>: Sendable {
    let asyncResult: AsyncResult<R>
    let core: PoolCore

    init(_ asyncResult: AsyncResult<R>) {
        self.asyncResult = asyncResult
        self.core = asyncResult.core
    }

    /// Whether it finished: with a value, an error, or cancelled (Python's `done()`).
    public var isDone: Bool { asyncResult.isReady }

    /// Whether it was cancelled before it ran (Python's `cancelled()`).
    public var isCancelled: Bool {
        if case .failure(let error)? = asyncResult.outcome, let e = error as? PoolError, e == .cancelled { return true }
        return false
    }

    /// The value; waits up to `timeout` (nil: without limit). Rethrows the task's
    /// error; throws ``PoolError/timeout(after:)`` if still running then, ``PoolError/cancelled`` if cancelled.
    public func result(timeout: Duration? = nil) throws -> R {
        if let timeout { return try asyncResult.get(timeout: timeout) }
        return try asyncResult.get()
    }

    /// The error it ended with, or nil if it succeeded; waits like `result(timeout:)`.
    /// Throws `PoolError.cancelled` if it was cancelled (Python raises `CancelledError`).
    public func exception(timeout: Duration? = nil) throws -> (any Error)? {
        if let timeout { asyncResult.wait(timeout: timeout) } else { asyncResult.wait() }
        guard let outcome = asyncResult.outcome else { throw PoolError.timeout(after: timeout ?? .zero) }
        if isCancelled { throw PoolError.cancelled }  // as Python raises CancelledError
        if case .failure(let error) = outcome { return error }
        return nil
    }

    /// The value, awaited. Cancelling the awaiting Swift task cancels the work if it has not started.
    public var value: R { get async throws { try await asyncResult.value } }

    /// Cancels the work if it has not started; returns whether it is now cancelled.
    @discardableResult
    public func cancel() -> Bool { asyncResult.cancel() || isCancelled }

    /// Runs `callback` with this future once it is done — on the master's
    /// callback thread, in completion order; at once (on that thread) if already done.
    public func addDoneCallback(_ callback: @escaping @Sendable (Future<R>) -> Void) {
        let callbacks = core.callbacks
        asyncResult.observe { [self] in callbacks.enqueue { callback(self) } }
    }
}
