/// Swift concurrency forms of the pool calls: none of the Python peers has them.
///
/// ```swift
/// let squares = try await pool.map(square, over: 1...100)
/// let one = try await pool.apply(square, 7)
/// for try await s in try pool.imapUnordered(square, over: xs) { … }
/// ```
///
/// Awaiting never blocks a thread. Cancelling the awaiting Swift task cancels
/// the submitted work that has not started yet.
extension Pool {
    /// `map`, awaited. `progress` shows its progress on stderr (nil: ``PoolOptions/progress``).
    ///
    /// ```swift
    /// let squares = try await pool.map(square, over: 1...100_000, chunkSize: .auto, progress: .bar)
    /// ```
    public func map<A, R>(_ task: PoolTask<A, R>, over items: some Sequence<A>, chunkSize: ChunkSize = 1,
                          timeout: Duration? = nil, retries: Retries? = nil, progress: ProgressStyle? = nil) async throws -> [R] {
        try await mapAsync(task, over: items, chunkSize: chunkSize, timeout: timeout, retries: retries, progress: progress).value
    }

    /// `starmap`, awaited. `progress` shows its progress on stderr (nil: ``PoolOptions/progress``).
    public func starmap<A, R>(_ task: PoolTask<A, R>, over tuples: some Sequence<A>, chunkSize: ChunkSize = 1,
                              timeout: Duration? = nil, retries: Retries? = nil, progress: ProgressStyle? = nil) async throws -> [R] {
        try await mapAsync(task, over: tuples, chunkSize: chunkSize, timeout: timeout, retries: retries, progress: progress).value
    }

    /// `apply`, awaited.
    public func apply<A, R>(_ task: PoolTask<A, R>, _ arguments: A, timeout: Duration? = nil, retries: Retries? = nil) async throws -> R {
        try await applyAsync(task, arguments, timeout: timeout, retries: retries).value
    }

    /// Maps `task` over an asynchronous input: reads it all, then maps (its `progress` display,
    /// if any, starts then, with the total known).
    /// If the input throws while being read, that error is rethrown and nothing is submitted.
    public func map<S: AsyncSequence, R>(_ task: PoolTask<S.Element, R>, over items: S, chunkSize: ChunkSize = 1,
                                         timeout: Duration? = nil, retries: Retries? = nil,
                                         progress: ProgressStyle? = nil) async throws -> [R]
    where S.Element: Sendable {
        var collected: [S.Element] = []
        for try await item in items { collected.append(item) }
        return try await map(task, over: collected, chunkSize: chunkSize, timeout: timeout, retries: retries, progress: progress)
    }

    /// Lazily maps `task` over an asynchronous input, in order; iterate with `for try await`.
    /// Items read before a failure of the input are yielded first, then its error is thrown.
    /// A `journal` records and resumes it as for a synchronous input. A `progress` display counts
    /// the results as they are consumed, with their rate (the total of an asynchronous input is unknown).
    ///
    /// ```swift
    /// for try await line in try pool.imap(parse, over: file.lines, progress: .lines) { … }
    /// // Work is in progress... 23 items, 1204 items/s, 3 s elapsed
    /// ```
    public func imap<S: AsyncSequence, R>(
        _ task: PoolTask<S.Element, R>, over items: S, chunkSize: ChunkSize = 1, window: Int? = nil,
        timeout: Duration? = nil, retries: Retries? = nil, journal: Journal? = nil, key: String? = nil,
        progress: ProgressStyle? = nil
    ) throws -> IMapResults<S.Element, R> where S.Element: Sendable {
        reading(items, into: try makeIMap(task, EmptyCollection<S.Element>(), expectedItems: 0, chunkSize: chunkSize,
                                          window: window, timeout: timeout, retries: retries, ordered: true,
                                          journal: journal, key: key, progress: progress))
    }

    /// Lazily maps `task` over an asynchronous input, yielding results as they complete;
    /// `progress` counts the results as they are consumed, as for `imap` over an asynchronous input.
    public func imapUnordered<S: AsyncSequence, R>(
        _ task: PoolTask<S.Element, R>, over items: S, chunkSize: ChunkSize = 1, window: Int? = nil,
        timeout: Duration? = nil, retries: Retries? = nil, journal: Journal? = nil, key: String? = nil,
        progress: ProgressStyle? = nil
    ) throws -> IMapResults<S.Element, R> where S.Element: Sendable {
        reading(items, into: try makeIMap(task, EmptyCollection<S.Element>(), expectedItems: 0, chunkSize: chunkSize,
                                          window: window, timeout: timeout, retries: retries, ordered: false,
                                          journal: journal, key: key, progress: progress))
    }

    /// Makes `results` (created over an empty input) pull its items from `items` instead.
    private func reading<S: AsyncSequence, R>(_ items: S, into results: IMapResults<S.Element, R>) -> IMapResults<S.Element, R> {
        var iterator = items.makeAsyncIterator()
        results.readAsynchronously { try await iterator.next() }
        return results
    }
}
