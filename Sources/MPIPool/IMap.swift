import MPI

/// The lazily computed results of `imap` / `imapUnordered`.
///
/// Items are pulled from the input only as results are consumed: at most
/// `window` chunks are in flight, so mapping over millions of lazily made items
/// keeps the master's memory flat. Use it synchronously with `next()`, or as
/// an `AsyncSequence`:
///
/// ```swift
/// let squares = try pool.imap(square, over: (1...).lazy.prefix(10_000_000), chunkSize: 1000)
/// while let s = try squares.next() { total += s }
///
/// for try await s in try pool.imapUnordered(square, over: xs) { print(s) }
/// ```
///
/// With a `journal`, each finished chunk is recorded with a hash of each item's encoded
/// argument; a re-run yields the recorded results of items whose argument is unchanged
/// without running them, runs the rest, and ends with ``PoolError/journalMismatch(_:)``
/// at the first item whose argument differs from the recorded one (after yielding what
/// came before it).
///
/// A failing item throws from `next()` at its place; iteration may go on after
/// it. If the input itself throws while being read, the items read before it
/// are yielded first, then its error is thrown. Not thread-safe: consume it
/// from one thread or task.
public final class IMapResults<A: Sendable, R: Sendable>: AsyncSequence {
    public typealias Element = R

    private let pool: Pool
    private let task: PoolTask<A, R>
    private let chunkSize: ChunkSize
    /// The input's `underestimatedCount` (exact for collections), for `.auto` and `.guided`.
    private let expectedItems: Int
    private let workers: Int
    private let timeout: Duration?
    private let retries: Retries?
    private var pulled = 0
    private let window: Int
    private let ordered: Bool
    private var pull: () throws -> A?
    /// Set when the input is an `AsyncSequence`: then only `for try await` / `nextAsync` can read it.
    private var asyncPull: (() async throws -> A?)?
    private var exhausted = false
    private var sourceError: (any Error)?
    /// A chunk in flight, or results a journal held (yielded without running them).
    private enum Entry {
        case running(AsyncResult<[R]>)
        case recorded([R])
    }
    private var pending: [Int: Entry] = [:]
    /// The journal and this map's key in it; what it held for this map, by index.
    private var journal: (journal: Journal, key: String)?
    private var recorded: [Int: (hash: UInt64, value: R)] = [:]
    private lazy var scratch = MessageBuffer(capacity: 256)
    private var order: [Int] = []
    private var orderHead = 0
    private var nextID = 0
    private let ready = ReadyQueue()
    private var current: [R] = []
    private var position = 0

    init(pool: Pool, task: PoolTask<A, R>, chunkSize: ChunkSize, timeout: Duration?, retries: Retries?,
         expectedItems: Int, window: Int, ordered: Bool, pull: @escaping () throws -> A?) {
        self.timeout = timeout
        self.retries = retries
        self.pool = pool
        self.task = task
        self.chunkSize = chunkSize
        self.expectedItems = expectedItems
        self.workers = Swift.max(1, pool.workerCount)
        self.window = window
        self.ordered = ordered
        self.pull = pull
    }

    /// The next result (in input order for `imap`, completion order for
    /// `imapUnordered`), or nil when all are consumed. Blocks while waiting.
    public func next() throws -> R? {
        if asyncPull != nil {
            throw PoolError.invalidArgument("the input is an AsyncSequence: iterate with `for try await` or nextAsync()")
        }
        while true {
            if let value = takeBuffered() { return value }
            try refill()
            guard let id = nextFinishedID(blocking: true) else { return try end() }
            switch pending.removeValue(forKey: id)! {
            case .running(let result): load(try result.get())
            case .recorded(let values): load(values)
            }
        }
    }

    /// The next result, awaited without blocking a thread. Cancelling the
    /// awaiting Swift task cancels the chunks not yet started.
    public func nextAsync() async throws -> R? {
        while true {
            if let value = takeBuffered() { return value }
            try Task.checkCancellation()
            if asyncPull != nil { try await refillAsync() } else { try refill() }
            let id: Int
            if ordered {
                guard let front = nextFinishedID(blocking: false) else { return try end() }
                id = front
            } else {
                guard !pending.isEmpty else { return try end() }
                id = await ready.pop()
            }
            let entry = pending.removeValue(forKey: id)!
            guard case .running(let result) = entry else {
                if case .recorded(let values) = entry { load(values) }
                continue
            }
            let results = pending.values.compactMap { entry -> AsyncResult<[R]>? in
                if case .running(let other) = entry { other } else { nil }
            }
            let values = try await withTaskCancellationHandler {
                try await result.value
            } onCancel: {
                for other in results { other.core.requestCancel(jobID: other.jobID) }
            }
            load(values)
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let results: IMapResults
        public mutating func next() async throws -> R? { try await results.nextAsync() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(results: self) }

    private func takeBuffered() -> R? {
        guard position < current.count else { return nil }
        defer { position += 1 }
        return current[position]
    }

    private func load(_ values: [R]) {
        current = values
        position = 0
    }

    private func end() throws -> R? {
        if let error = sourceError {
            sourceError = nil
            throw error
        }
        return nil
    }

    /// In order: the oldest chunk. Unordered: the first to finish (blocking) —
    /// or, when not blocking, the oldest (the async path awaits the ready queue itself).
    private func nextFinishedID(blocking: Bool) -> Int? {
        if ordered || !blocking {
            while orderHead < order.count {
                let id = order[orderHead]
                orderHead += 1
                if pending[id] != nil { return id }
            }
            return nil
        }
        guard !pending.isEmpty else { return nil }
        return ready.pop(deadline: nil)
    }

    /// Items in the next chunk: `.fixed` as given; `.auto` ⌈n / (4 × workers)⌉ and
    /// `.guided` ⌈remaining / (2 × workers)⌉ (at least its minimum), where n is the
    /// input's `underestimatedCount` — exact for collections; for a sequence of
    /// unknown length (0) they fall back to their minimum, 1.
    private func nextChunkLength() -> Int {
        switch chunkSize {
        case .fixed(let n): return n
        case .auto:
            let share = 4 * workers
            return Swift.max(1, (expectedItems + share - 1) / share)
        case .guided(let minimum):
            let share = 2 * workers
            let remaining = Swift.max(0, expectedItems - pulled)
            return Swift.max(minimum, (remaining + share - 1) / share)
        }
    }

    /// Pulls items and submits chunks until `window` chunks are in flight.
    private func refill() throws {
        while pending.count < window && !exhausted {
            let length = nextChunkLength()
            var items: [A] = []
            items.reserveCapacity(Swift.min(length, 65_536))
            do {
                while items.count < length {
                    guard let item = try pull() else { exhausted = true; break }
                    items.append(item)
                }
            } catch {
                sourceError = error
                exhausted = true
            }
            guard !items.isEmpty else { break }
            try submit(items)
        }
    }

    /// `refill` for an asynchronous input.
    private func refillAsync() async throws {
        guard let asyncPull else { return }
        while pending.count < window && !exhausted {
            let length = nextChunkLength()
            var items: [A] = []
            items.reserveCapacity(Swift.min(length, 65_536))
            do {
                while items.count < length {
                    guard let item = try await asyncPull() else { exhausted = true; break }
                    items.append(item)
                }
            } catch {
                sourceError = error
                exhausted = true
            }
            guard !items.isEmpty else { break }
            try submit(items)
        }
    }

    /// Submits one chunk of items as its own job (shared by both refills). With a journal,
    /// runs of items it holds become recorded entries and only the others are submitted.
    private func submit(_ items: [A]) throws {
        let first = pulled
        pulled += items.count
        guard let journal else { return try submitRun(items[...], first: first, sink: nil) }
        let hashes = try items.map { item in try argumentHash(item) }
        var k = 0
        while k < items.count {
            if let known = recorded[first + k] {
                guard known.hash == hashes[k] else {
                    // Yield what came before, then say why the map stops here.
                    sourceError = PoolError.journalMismatch("the journal '\(journal.journal.path)' holds \(journal.key) with another argument "
                                                            + "for item \(first + k); use another journal or key for a different map")
                    exhausted = true
                    return
                }
                var values: [R] = []
                while k < items.count, let known = recorded[first + k], known.hash == hashes[k] {
                    values.append(known.value)
                    recorded[first + k] = nil
                    k += 1
                }
                journal.journal.noteResumed(values.count)
                add(.recorded(values))
            } else {
                let start = k
                while k < items.count && recorded[first + k] == nil { k += 1 }
                let sink = JournalSink(journal: journal.journal, key: journal.key, offset: first + start, hashes: Array(hashes[start..<k]))
                try submitRun(items[start..<k], first: first + start, sink: sink)
            }
        }
    }

    private func submitRun(_ items: ArraySlice<A>, first: Int, sink: JournalSink?) throws {
        // An imap made before close() runs to its end, as in Python. Errors name the item's index in the input.
        var policy = try pool.policy(.fixed(items.count), timeout, retries, indexOffset: first)
        policy.journal = sink
        let result = try pool.submit(task, Array(items), policy: policy, afterClose: true, transform: { $0 },
                                     callback: nil, errorCallback: nil)
        add(.running(result))
    }

    private func add(_ entry: Entry) {
        let id = nextID
        nextID += 1
        pending[id] = entry
        if ordered {
            order.append(id)
            // Keep the order queue as short as the window, whatever the input's length.
            if orderHead > 1024 { order.removeFirst(orderHead); orderHead = 0 }
        } else if case .running(let result) = entry {
            let ready = self.ready
            result.observe { ready.push(id) }
        } else {
            ready.push(id)
        }
    }

    /// The hash of one item's encoded argument (what an imap's journal records check).
    private func argumentHash(_ item: A) throws -> UInt64 {
        scratch.count = 0
        var writer = WireWriter(scratch)
        try withUnsafePointer(to: item) { try task.arguments.writeRun(UnsafeBufferPointer(start: $0, count: 1), &writer) }
        return JournalCodec.hash(scratch.bytes)
    }

    /// Starts (or resumes) this imap in `journal`: checks its identity and takes what it holds.
    func use(_ journal: Journal, key: String?, fingerprint: UInt64) throws(PoolError) {
        let key = key ?? journal.nextKey()
        let held = try journal.begin(Journal.MapRecord(key: key, task: task.name, fingerprint: fingerprint,
                                                      count: Journal.MapRecord.streamed, argumentsHash: 0))
        for record in held {
            guard let hashes = record.hashes, let values = record.values(task.results) else { continue }
            for (k, index) in record.indices.enumerated() { recorded[index] = (hashes[k], values[k]) }
        }
        self.journal = (journal, key)
    }

    func readAsynchronously(_ pull: @escaping () async throws -> A?) { asyncPull = pull }
}

extension Pool {
    /// Chunks in flight per worker by default for `imap` / `imapUnordered`.
    public static let defaultWindowPerWorker = 4

    /// Lazily maps `task` over `items`, yielding results in input order (Python's `imap`).
    /// At most `window` chunks (default 4 per worker) are in flight at once.
    /// `.auto` and `.guided` chunk sizes use the input's `underestimatedCount`
    /// (exact for collections; for a lazy sequence of unknown length they give chunks of 1).
    ///
    /// ```swift
    /// for try await s in try pool.imap(square, over: 1...1_000_000, chunkSize: .auto) { total += s }
    /// ```
    ///
    /// With a `journal`, finished chunks are recorded, and a re-run takes the results the
    /// journal holds for this map (its `key`, default its place among the run's journaled
    /// maps) instead of running those items again; see ``IMapResults``.
    public func imap<S: Sequence, R>(
        _ task: PoolTask<S.Element, R>, over items: S, chunkSize: ChunkSize = 1, window: Int? = nil,
        timeout: Duration? = nil, retries: Retries? = nil, journal: Journal? = nil, key: String? = nil
    ) throws -> IMapResults<S.Element, R> where S.Element: Sendable {
        try makeIMap(task, items, chunkSize: chunkSize, window: window, timeout: timeout, retries: retries, ordered: true,
                     journal: journal, key: key)
    }

    /// Lazily maps `task` over `items`, yielding results as they complete (Python's `imap_unordered`).
    /// A `journal` works as for ``imap(_:over:chunkSize:window:timeout:retries:journal:key:)-1m5c3``;
    /// recorded results come first.
    public func imapUnordered<S: Sequence, R>(
        _ task: PoolTask<S.Element, R>, over items: S, chunkSize: ChunkSize = 1, window: Int? = nil,
        timeout: Duration? = nil, retries: Retries? = nil, journal: Journal? = nil, key: String? = nil
    ) throws -> IMapResults<S.Element, R> where S.Element: Sendable {
        try makeIMap(task, items, chunkSize: chunkSize, window: window, timeout: timeout, retries: retries, ordered: false,
                     journal: journal, key: key)
    }

    func makeIMap<S: Sequence, R>(
        _ task: PoolTask<S.Element, R>, _ items: S, expectedItems: Int? = nil, chunkSize: ChunkSize, window: Int?,
        timeout: Duration?, retries: Retries?, ordered: Bool, journal: Journal? = nil, key: String? = nil
    ) throws(PoolError) -> IMapResults<S.Element, R> where S.Element: Sendable {
        _ = try policy(chunkSize, timeout, retries)  // checks them now, not at the first chunk
        let window = window ?? max(1, workerCount) * Pool.defaultWindowPerWorker
        guard window >= 1 else { throw .invalidArgument("window must be at least 1, got \(window)") }
        try core.checkOpen()
        var iterator = items.makeIterator()
        let results = IMapResults(pool: self, task: task, chunkSize: chunkSize, timeout: timeout, retries: retries,
                                  expectedItems: expectedItems ?? items.underestimatedCount,
                                  window: window, ordered: ordered) { iterator.next() }
        if let journal { try results.use(journal, key: key, fingerprint: core.fingerprint) }
        return results
    }
}
