/// When `Executor.wait` returns (Python's `FIRST_COMPLETED`, `FIRST_EXCEPTION`, `ALL_COMPLETED`).
public enum ReturnWhen: Sendable {
    /// As soon as any future is done.
    case firstCompleted
    /// As soon as any future fails, or when all are done.
    case firstException
    /// When every future is done.
    case allCompleted
}

/// `concurrent.futures.ProcessPoolExecutor` / mpi4py's `MPIPoolExecutor` over a `Pool`.
///
/// ```swift
/// let executor = Executor(pool)
/// let futures = try (1...10).map { try executor.submit(square, $0) }
/// for f in executor.asCompleted(futures, timeout: .seconds(60)) { print(try f.result()) }
/// let (done, notDone) = executor.wait(futures, returnWhen: .firstException)
/// executor.shutdown(wait: true)
/// ```
public final class Executor: Sendable {
    /// The pool the executor submits to.
    public let pool: Pool

    /// An executor over `pool` (several executors may share one pool).
    public init(_ pool: Pool) { self.pool = pool }

    /// Schedules `task(arguments)`; returns its future. `timeout` bounds how long the
    /// task may run (nil: `PoolOptions.taskTimeout`); `retries` runs it again after a failure.
    public func submit<A, R>(_ task: PoolTask<A, R>, _ arguments: A, timeout: Duration? = nil, retries: Retries? = nil) throws -> Future<R> {
        Future(try pool.applyAsync(task, arguments, timeout: timeout, retries: retries))
    }

    /// Maps `task` over `items` in chunks; returns the results in input order.
    /// Throws ``PoolError/timeout(after:)`` if they are not all done `timeout` after the call
    /// (the work goes on: Python's meaning of `timeout` here), or the first failing item's error.
    /// `taskTimeout` bounds each item, like `timeout:` of the pool's own calls.
    ///
    /// ```swift
    /// let squares = try executor.map(square, over: 1...100, chunkSize: .auto, timeout: .seconds(30))
    /// ```
    public func map<A, R>(_ task: PoolTask<A, R>, over items: some Sequence<A>, chunkSize: ChunkSize = 1,
                          timeout: Duration? = nil, taskTimeout: Duration? = nil, retries: Retries? = nil) throws -> [R] {
        let result = try pool.mapAsync(task, over: items, chunkSize: chunkSize, timeout: taskTimeout, retries: retries)
        if let timeout { return try result.get(timeout: timeout) }
        return try result.get()
    }

    /// `map` for two-argument tasks over two sequences, as `executor.map(f, a, b)` in Python
    /// (stops at the shorter one).
    public func map<A, B, R>(_ task: PoolTask<(A, B), R>, over first: some Sequence<A>, _ second: some Sequence<B>,
                             chunkSize: ChunkSize = 1, timeout: Duration? = nil, taskTimeout: Duration? = nil,
                             retries: Retries? = nil) throws -> [R] {
        try map(task, over: Array(zip(first, second)), chunkSize: chunkSize, timeout: timeout, taskTimeout: taskTimeout, retries: retries)
    }

    /// The futures in the order they complete; waits for each (Python's `as_completed`).
    /// If `timeout` runs out first, iteration ends early and the sequence's `didTimeOut` is true.
    public func asCompleted<R>(_ futures: [Future<R>], timeout: Duration? = nil) -> CompletionSequence<R> {
        CompletionSequence(futures, deadline: timeout.flatMap { MonotonicClock.deadline(after: $0) })
    }

    /// Waits until `returnWhen` holds or `timeout` passes; returns the futures done and not done
    /// (Python's `concurrent.futures.wait`).
    public func wait<R>(_ futures: [Future<R>], timeout: Duration? = nil, returnWhen: ReturnWhen = .allCompleted)
        -> (done: [Future<R>], notDone: [Future<R>]) {
        let completions = CompletionSequence(futures, deadline: timeout.flatMap { MonotonicClock.deadline(after: $0) })
        while let finished = completions.next() {
            if returnWhen == .firstCompleted { break }
            if returnWhen == .firstException, (try? finished.exception(timeout: .zero)) != nil { break }
        }
        let done = futures.filter(\.isDone)
        let notDone = futures.filter { !$0.isDone }
        return (done, notDone)
    }

    /// Accepts no more work. With `cancelFutures`, cancels what has not started;
    /// with `wait`, returns when everything else has finished — except in a callback,
    /// where waiting for every callback could never end: there it does not wait.
    public func shutdown(wait: Bool = true, cancelFutures: Bool = false) {
        pool.close()
        if cancelFutures { pool.core.cancelAllPending() }
        if wait && !pool.core.callbacks.isCurrentThread { try? pool.join() }
    }
}
