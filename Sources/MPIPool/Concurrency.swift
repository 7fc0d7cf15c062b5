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
    /// `map`, awaited.
    public func map<A, R>(_ task: PoolTask<A, R>, over items: some Sequence<A>, chunkSize: ChunkSize = 1,
                          timeout: Duration? = nil, retries: Retries? = nil) async throws -> [R] {
        try await mapAsync(task, over: items, chunkSize: chunkSize, timeout: timeout, retries: retries).value
    }

    /// `starmap`, awaited.
    public func starmap<A, R>(_ task: PoolTask<A, R>, over tuples: some Sequence<A>, chunkSize: ChunkSize = 1,
                              timeout: Duration? = nil, retries: Retries? = nil) async throws -> [R] {
        try await mapAsync(task, over: tuples, chunkSize: chunkSize, timeout: timeout, retries: retries).value
    }

    /// `apply`, awaited.
    public func apply<A, R>(_ task: PoolTask<A, R>, _ arguments: A, timeout: Duration? = nil, retries: Retries? = nil) async throws -> R {
        try await applyAsync(task, arguments, timeout: timeout, retries: retries).value
    }

    /// Maps `task` over an asynchronous input: reads it all, then maps.
    /// If the input throws while being read, that error is rethrown and nothing is submitted.
    public func map<S: AsyncSequence, R>(_ task: PoolTask<S.Element, R>, over items: S, chunkSize: ChunkSize = 1,
                                         timeout: Duration? = nil, retries: Retries? = nil) async throws -> [R]
    where S.Element: Sendable {
        var collected: [S.Element] = []
        for try await item in items { collected.append(item) }
        return try await map(task, over: collected, chunkSize: chunkSize, timeout: timeout, retries: retries)
    }

    /// Lazily maps `task` over an asynchronous input, in order; iterate with `for try await`.
    /// Items read before a failure of the input are yielded first, then its error is thrown.
    /// A `journal` records and resumes it as for a synchronous input.
    public func imap<S: AsyncSequence, R>(
        _ task: PoolTask<S.Element, R>, over items: S, chunkSize: ChunkSize = 1, window: Int? = nil,
        timeout: Duration? = nil, retries: Retries? = nil, journal: Journal? = nil, key: String? = nil
    ) throws -> IMapResults<S.Element, R> where S.Element: Sendable {
        reading(items, into: try makeIMap(task, EmptyCollection<S.Element>(), expectedItems: 0, chunkSize: chunkSize,
                                          window: window, timeout: timeout, retries: retries, ordered: true,
                                          journal: journal, key: key))
    }

    /// Lazily maps `task` over an asynchronous input, yielding results as they complete.
    public func imapUnordered<S: AsyncSequence, R>(
        _ task: PoolTask<S.Element, R>, over items: S, chunkSize: ChunkSize = 1, window: Int? = nil,
        timeout: Duration? = nil, retries: Retries? = nil, journal: Journal? = nil, key: String? = nil
    ) throws -> IMapResults<S.Element, R> where S.Element: Sendable {
        reading(items, into: try makeIMap(task, EmptyCollection<S.Element>(), expectedItems: 0, chunkSize: chunkSize,
                                          window: window, timeout: timeout, retries: retries, ordered: false,
                                          journal: journal, key: key))
    }

    /// Makes `results` (created over an empty input) pull its items from `items` instead.
    private func reading<S: AsyncSequence, R>(_ items: S, into results: IMapResults<S.Element, R>) -> IMapResults<S.Element, R> {
        var iterator = items.makeAsyncIterator()
        results.readAsynchronously { try await iterator.next() }
        return results
    }
}
