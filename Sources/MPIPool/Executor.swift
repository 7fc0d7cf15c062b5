/// The result of `Executor.submit`: Python's `concurrent.futures.Future`.
///
/// ```swift
/// let f = try executor.submit(square, 12)
/// f.addDoneCallback { f in print("done:", f.done) }
/// print(try f.result(timeout: 5))     // 144
/// print(try await f.value)             // 144, from Swift concurrency
/// ```
public final class Future<R: Sendable>: Sendable {
    let asyncResult: AsyncResult<R>
    let core: PoolCore

    init(_ asyncResult: AsyncResult<R>) {
        self.asyncResult = asyncResult
        self.core = asyncResult.core
    }

    /// Whether it finished: with a value, an error, or cancelled.
    public var done: Bool { asyncResult.ready }

    /// Whether it was cancelled before it ran.
    public var cancelled: Bool {
        if case .failure(let error)? = asyncResult.outcome, let e = error as? PoolError, e == .cancelled { return true }
        return false
    }

    /// The value; waits up to `timeout` seconds (nil: forever). Rethrows the task's
    /// error; throws `PoolError.timeout` if still running then, `PoolError.cancelled` if cancelled.
    public func result(timeout: Double? = nil) throws -> R {
        if let timeout { return try asyncResult.get(timeout: timeout) }
        return try asyncResult.get()
    }

    /// The error it ended with, or nil if it succeeded; waits like `result(timeout:)`.
    /// Throws `PoolError.cancelled` if it was cancelled (Python raises `CancelledError`).
    public func exception(timeout: Double? = nil) throws -> (any Error)? {
        let finished = timeout.map { asyncResult.wait(timeout: $0) } ?? { asyncResult.wait(); return true }()
        guard finished, let outcome = asyncResult.outcome else { throw PoolError.timeout(seconds: timeout ?? 0) }
        if cancelled { throw PoolError.cancelled }  // as Python raises CancelledError
        if case .failure(let error) = outcome { return error }
        return nil
    }

    /// The value, awaited. Cancelling the awaiting Swift task cancels the work if it has not started.
    public var value: R { get async throws { try await asyncResult.value } }

    /// Cancels the work if it has not started; returns whether it is now cancelled.
    @discardableResult
    public func cancel() -> Bool { asyncResult.cancel() || cancelled }

    /// Runs `callback` with this future once it is done — on the master's
    /// callback thread, in completion order; at once (on that thread) if already done.
    public func addDoneCallback(_ callback: @escaping @Sendable (Future<R>) -> Void) {
        let callbacks = core.callbacks
        asyncResult.observe { [self] in callbacks.enqueue { callback(self) } }
    }
}

/// When `Executor.wait` returns.
public enum ReturnWhen: Sendable {
    case firstCompleted, firstException, allCompleted
}

/// `concurrent.futures.ProcessPoolExecutor` / mpi4py's `MPIPoolExecutor` over a `Pool`.
///
/// ```swift
/// let executor = Executor(pool)
/// let futures = try (1...10).map { try executor.submit(square, $0) }
/// for f in executor.asCompleted(futures) { print(try f.result()) }
/// let (done, notDone) = executor.wait(futures, returnWhen: .firstException)
/// executor.shutdown(wait: true)
/// ```
public final class Executor: Sendable {
    public let pool: Pool

    public init(_ pool: Pool) { self.pool = pool }

    /// Schedules `task(arguments)`; returns its future.
    public func submit<A, R>(_ task: PoolTask<A, R>, _ arguments: A) throws -> Future<R> {
        Future(try pool.applyAsync(task, arguments))
    }

    /// Maps `task` over `items` in chunks; returns the results in input order.
    /// Throws `PoolError.timeout` if they are not all done `timeout` seconds after the call
    /// (the work goes on), or the first failing item's error.
    public func map<A, R>(_ task: PoolTask<A, R>, _ items: some Sequence<A>, timeout: Double? = nil, chunkSize: Int = 1) throws -> [R] {
        let result = try pool.mapAsync(task, over: items, chunkSize: .fixed(chunkSize))
        if let timeout { return try result.get(timeout: timeout) }
        return try result.get()
    }

    /// `map` for two-argument tasks over two sequences, as `executor.map(f, a, b)` in Python.
    public func map<A, B, R>(_ task: PoolTask<(A, B), R>, _ first: some Sequence<A>, _ second: some Sequence<B>,
                             timeout: Double? = nil, chunkSize: Int = 1) throws -> [R] {
        try map(task, Array(zip(first, second)), timeout: timeout, chunkSize: chunkSize)
    }

    /// The futures in the order they complete; waits for each. If `timeout`
    /// runs out first, iteration ends early and the sequence's `timedOut` is true.
    public func asCompleted<R>(_ futures: [Future<R>], timeout: Double? = nil) -> CompletionSequence<R> {
        CompletionSequence(futures, deadline: timeout.map { Clock.after($0) })
    }

    /// Waits until `returnWhen` holds or `timeout` seconds pass; returns the futures done and not done.
    public func wait<R>(_ futures: [Future<R>], timeout: Double? = nil, returnWhen: ReturnWhen = .allCompleted)
        -> (done: [Future<R>], notDone: [Future<R>]) {
        let completions = CompletionSequence(futures, deadline: timeout.map { Clock.after($0) })
        while let finished = completions.next() {
            if returnWhen == .firstCompleted { break }
            if returnWhen == .firstException, (try? finished.exception(timeout: 0)) != nil { break }
        }
        let done = futures.filter(\.done)
        let notDone = futures.filter { !$0.done }
        return (done, notDone)
    }

    /// Accepts no more work. With `cancelFutures`, cancels what has not started;
    /// with `wait`, returns when everything else has finished.
    public func shutdown(wait: Bool = true, cancelFutures: Bool = false) {
        pool.close()
        if cancelFutures { pool.core.cancelAllPending() }
        if wait { try? pool.join() }
    }
}

/// Futures in completion order (see `Executor.asCompleted`).
public final class CompletionSequence<R: Sendable>: Sequence, IteratorProtocol {
    private let futures: [Future<R>]
    private let ready = ReadyQueue()
    private var remaining: Int
    private let deadline: UInt64?

    init(_ futures: [Future<R>], deadline: UInt64?) {
        self.futures = futures
        self.remaining = futures.count
        self.deadline = deadline
        let ready = self.ready
        for (i, future) in futures.enumerated() { future.asyncResult.observe { ready.push(i) } }
    }

    /// The next future to complete, nil when all have been returned.
    /// Returns nil too when the deadline passes (then `timedOut` is true).
    public func next() -> Future<R>? {
        guard remaining > 0, let i = ready.pop(deadline: deadline) else {
            timedOut = remaining > 0
            return nil
        }
        remaining -= 1
        return futures[i]
    }

    /// Whether iteration ended because the timeout ran out.
    public private(set) var timedOut = false
}
