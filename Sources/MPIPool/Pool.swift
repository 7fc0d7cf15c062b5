/// A pool of MPI worker ranks: Python's `multiprocessing.Pool`, on rank 0.
///
/// You get one from `Pool.run`, which runs your closure on rank 0 while the
/// other ranks serve as workers. Every call is thread-safe.
///
/// ```swift
/// var tasks = TaskRegistry()
/// let add = tasks.register("add") { (x: Int, y: Int) in x + y }
/// try Pool.run(tasks) { pool in
///     let sums = try pool.starmapAsync(add, over: zip(a, b), chunkSize: 5)
///     print(try sums.get().reduce(0, +))
/// }
/// ```
///
/// Callbacks (`callback:` / `errorCallback:`) run on the master, on one
/// callback thread, one at a time, in the order results complete; a result is
/// `isReady` only after its callback has run (as in Python).
public final class Pool: Sendable {
    let core: PoolCore
    /// Only the first `maxWorkers` workers run this view's work (nil = all).
    let maxWorkers: Int?

    init(core: PoolCore, maxWorkers: Int? = nil) {
        self.core = core
        self.maxWorkers = maxWorkers
    }

    /// The number of ranks that run tasks for this pool.
    public var workerCount: Int { min(core.workerCount, maxWorkers ?? .max) }

    /// A view of this pool whose work runs on the first `maxWorkers` worker
    /// ranks only (for speed-up sweeps). Throws if `maxWorkers` < 1.
    public func limited(toWorkers maxWorkers: Int) throws(PoolError) -> Pool {
        guard maxWorkers >= 1 else { throw .invalidArgument("maxWorkers must be at least 1, got \(maxWorkers)") }
        return Pool(core: core, maxWorkers: min(maxWorkers, self.maxWorkers ?? .max))
    }

    // MARK: map / starmap
    //
    // Every submission takes `timeout:` (the longest one item may run; nil: the
    // pool's `PoolOptions.taskTimeout`) and `retries:` (nil: `PoolOptions.retries`).

    /// Applies `task` to every item, in chunks, without waiting (Python's `map_async`).
    /// The result holds the values in input order.
    ///
    /// An item that runs longer than `timeout` fails with a ``TaskError`` of reason
    /// `.timedOut` (the rest of the map goes on; see ``Retries`` to run it again).
    ///
    /// With a `journal`, finished results are recorded in it, and results it already holds for
    /// this map (identified by `key`, default its place among the run's journaled maps) are
    /// returned without running their items again: see ``Journal``.
    ///
    /// `progress` shows the map's progress on stderr (nil: ``PoolOptions/progress``, off by
    /// default): the display reads ``AsyncResult/progress`` on its own timer and prints its final
    /// line when the map ends (at the latest when `get()`, `wait()` or `value` returns).
    ///
    /// ```swift
    /// let pending = try pool.mapAsync(simulate, over: parameters, chunkSize: .auto, progress: .lines)
    /// // Work is in progress... 23/78 items, 1204 items/s, 3 s elapsed, ETA 9 s
    /// let results = try pending.get()
    /// ```
    public func mapAsync<A, R>(
        _ task: PoolTask<A, R>, over items: some Sequence<A>, chunkSize: ChunkSize = 1,
        timeout: Duration? = nil, retries: Retries? = nil, journal: Journal? = nil, key: String? = nil,
        progress: ProgressStyle? = nil,
        callback: (@Sendable ([R]) -> Void)? = nil, errorCallback: (@Sendable (any Error) -> Void)? = nil
    ) throws -> AsyncResult<[R]> {
        let policy = try policy(chunkSize, timeout, retries)
        let inputs = Array(items)
        let display = progressDisplay(progress, total: inputs.count)
        if let journal {
            return try journaledMap(task, inputs, policy: policy, journal: journal, key: key, display: display,
                                    callback: callback, errorCallback: errorCallback)
        }
        return try submit(task, inputs, policy: policy, display: display, transform: { $0 }, callback: callback, errorCallback: errorCallback)
    }

    /// Applies `task` to every item and waits for all results, in input order (Python's `map`).
    /// If items fail, throws the `TaskError` of the lowest failing index once every chunk has finished.
    /// `progress` shows its progress on stderr, as for ``mapAsync(_:over:chunkSize:timeout:retries:journal:key:progress:callback:errorCallback:)``.
    ///
    /// ```swift
    /// let squares = try pool.map(square, over: 1...100_000, chunkSize: .auto, progress: .auto)
    /// ```
    public func map<A, R>(_ task: PoolTask<A, R>, over items: some Sequence<A>, chunkSize: ChunkSize = 1,
                          timeout: Duration? = nil, retries: Retries? = nil, journal: Journal? = nil, key: String? = nil,
                          progress: ProgressStyle? = nil) throws -> [R] {
        try mapAsync(task, over: items, chunkSize: chunkSize, timeout: timeout, retries: retries, journal: journal, key: key,
                     progress: progress).get()
    }

    /// `mapAsync` for a task of several arguments, over tuples (Python's `starmap_async`).
    public func starmapAsync<A, R>(
        _ task: PoolTask<A, R>, over tuples: some Sequence<A>, chunkSize: ChunkSize = 1,
        timeout: Duration? = nil, retries: Retries? = nil, journal: Journal? = nil, key: String? = nil,
        progress: ProgressStyle? = nil,
        callback: (@Sendable ([R]) -> Void)? = nil, errorCallback: (@Sendable (any Error) -> Void)? = nil
    ) throws -> AsyncResult<[R]> {
        try mapAsync(task, over: tuples, chunkSize: chunkSize, timeout: timeout, retries: retries, journal: journal, key: key,
                     progress: progress, callback: callback, errorCallback: errorCallback)
    }

    /// `map` for a task of several arguments, over tuples (Python's `starmap`).
    public func starmap<A, R>(_ task: PoolTask<A, R>, over tuples: some Sequence<A>, chunkSize: ChunkSize = 1,
                              timeout: Duration? = nil, retries: Retries? = nil, journal: Journal? = nil, key: String? = nil,
                              progress: ProgressStyle? = nil) throws -> [R] {
        try mapAsync(task, over: tuples, chunkSize: chunkSize, timeout: timeout, retries: retries, journal: journal, key: key,
                     progress: progress).get()
    }

    // MARK: apply

    /// Runs `task` once with `arguments` on a worker, without waiting (Python's `apply_async`).
    public func applyAsync<A, R>(
        _ task: PoolTask<A, R>, _ arguments: A, timeout: Duration? = nil, retries: Retries? = nil,
        callback: (@Sendable (R) -> Void)? = nil, errorCallback: (@Sendable (any Error) -> Void)? = nil
    ) throws -> AsyncResult<R> {
        try submit(task, [arguments], policy: policy(1, timeout, retries), transform: { $0[0] }, transformOne: { $0 },
                   callback: callback, errorCallback: errorCallback)
    }

    /// Runs `task` once with `arguments` on a worker and waits for the result (Python's `apply`).
    public func apply<A, R>(_ task: PoolTask<A, R>, _ arguments: A, timeout: Duration? = nil, retries: Retries? = nil) throws -> R {
        try applyAsync(task, arguments, timeout: timeout, retries: retries).get()
    }

    /// Runs a task without arguments once (`apply(task)`).
    public func apply<R>(_ task: PoolTask<NoArguments, R>, timeout: Duration? = nil, retries: Retries? = nil) throws -> R {
        try applyAsync(task, NoArguments(), timeout: timeout, retries: retries).get()
    }

    // MARK: Life cycle

    /// Accepts no more work; what was submitted still runs (Python's `close`).
    /// An `imap` made before it runs to its end.
    public func close() { core.close() }

    /// Waits until every submitted job has finished and its callbacks ran (Python's `join`).
    /// Throws ``PoolError/invalidArgument(_:)`` unless `close()` or `terminate()` came first, as in Python.
    /// In a callback it throws ``PoolError/wouldDeadlock(_:)`` at once: it would wait for the callback itself.
    public func join() throws(PoolError) {
        if core.callbacks.isCurrentThread { throw .wouldDeadlock("join() in a callback waits for every callback, this one included") }
        guard core.isClosed else { throw .invalidArgument("join() needs close() or terminate() first (the pool is still open)") }
        core.waitForAllJobs()
    }

    /// Stops at once: queued work is dropped (its results fail with
    /// ``PoolError/terminated``), workers stop between items, and the pool
    /// accepts nothing more. Returns when the workers have stopped.
    public func terminate() { core.terminate() }

    /// Per-worker figures so far: chunks, items, busy seconds, host and pid.
    public func workerStats() -> [WorkerStats] { core.stats() }

    // MARK: Submission

    /// The policy of one submission: its arguments, else the pool's defaults; checked.
    func policy(_ chunkSize: ChunkSize, _ timeout: Duration?, _ retries: Retries?, indexOffset: Int = 0) throws(PoolError) -> SubmitPolicy {
        try chunkSize.validate()
        let retries = retries ?? core.defaultRetries
        try retries.validate()
        let timeout = timeout ?? core.defaultTimeout
        var nanos: UInt64 = 0
        if let timeout {
            guard timeout > .zero else { throw .invalidArgument("timeout must be positive, got \(timeout)") }
            nanos = MonotonicClock.nanoseconds(timeout) ?? 0  // beyond the clock's range: no limit
        }
        return SubmitPolicy(chunking: chunkSize, maxWorkers: maxWorkers, timeoutNanos: nanos, timeout: timeout,
                            retries: retries, indexOffset: indexOffset)
    }

    /// The progress display of a map of `total` items (nil: unknown), or nil when it shows none:
    /// `style` (nil: the pool's default) is off, or the map is empty.
    func progressDisplay(_ style: ProgressStyle?, total: Int?) -> ProgressReporter? {
        let style = style ?? core.defaultProgress
        guard style != .off, total != 0 else { return nil }
        return ProgressReporter(total: total, style: style)
    }

    /// Submits one job. A `display` follows its result: `displayOffset` items (taken from a
    /// journal) count as done, the rest are read from the result's progress on the display's timer.
    func submit<A, R, T>(
        _ task: PoolTask<A, R>, _ inputs: [A], policy: SubmitPolicy, afterClose: Bool = false,
        display: ProgressReporter? = nil, displayOffset: Int = 0, transform: @escaping @Sendable ([R]) -> T,
        transformOne: (@Sendable (R) -> T)? = nil, callback: (@Sendable (T) -> Void)?, errorCallback: (@Sendable (any Error) -> Void)?
    ) throws(PoolError) -> AsyncResult<T> {
        var made: AsyncResult<T>?
        try core.submit(afterClose: afterClose) { id in
            let result = AsyncResult<T>(core: core, total: inputs.count, jobID: id, hasCallback: callback != nil || errorCallback != nil,
                                        display: display)
            made = result
            return Job(id: id, task: task, inputs: inputs, policy: policy, result: result,
                       transform: transform, transformOne: transformOne, callback: callback, errorCallback: errorCallback)
        }
        let result = made!
        if let display {
            display.track { [weak result] in displayOffset + (result?.progress.done ?? 0) }
            display.start()
            // Observers run on the MPI thread, which must not write: the final line is written on another.
            result.observe { display.finishSoon() }
        }
        return result
    }
}
