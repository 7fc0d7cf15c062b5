/// The pool's scheduling decisions as a pure state machine: events in,
/// decisions out. No MPI, no clocks, no I/O — the master feeds it and carries
/// out what it returns.
///
/// - Submissions are split into chunks in order; chunks are queued FIFO across
///   submissions.
/// - Idle workers are served in rank order.
/// - A worker holds one chunk at a time; when chunks turn out to be short
///   (mean compute time under `prefetchBelowNanos`) and the queue is deep
///   (after this chunk, one more for every worker), it may hold a second one
///   so it never waits for a round trip — more than a second when a hand-off
///   (``noteHandOff(_:)``, measured by the master) takes longer than a chunk:
///   enough to cover it, up to `prefetchDepth`, each level asking for a deeper
///   queue. Long chunks are never prefetched, so
///   uneven jobs still go to the first worker that is free; in the tail of a
///   queue nothing is prefetched, so the last chunks go to whoever is free.
///   The evidence is the submission's own finished chunks (a fast warm-up of
///   the same task says nothing about the next map); single-item submissions
///   (`apply`) share the evidence of their `statsGroup`.
/// - A chunk sent to a worker that already holds one carries a give-back
///   time (``giveBackNanos(for:)``): if the chunk before it runs longer, the
///   worker gives it back unstarted (`returned`) and it goes to the front of
///   the queue, for an idle worker; that worker gets no second chunk until
///   it finishes the one it runs.
/// - Results are matched to their submission and item range by chunk id.
/// - A chunk that ends without results (a failure to retry, an item that ran
///   past its timeout) is `requeue`d: its items go back to the front of the
///   queue, preferably for another worker. A worker whose item overran is
///   *stuck*: it gets nothing until it `rejoined`, and the chunks it held
///   behind the overrunning one are queued again for the others.
struct Scheduler: Sendable {
    /// A run of consecutive items of one submission.
    struct Chunk: Equatable, Sendable, CustomStringConvertible {
        var id: UInt64
        var submission: Int
        var first: Int
        var count: Int
        var description: String { "chunk \(id) (submission \(submission) items \(first)..<\(first + count))" }
    }

    enum Decision: Equatable, Sendable {
        /// Send this chunk to this rank.
        case send(Chunk, to: Int)
        /// Every item of this submission has finished (successfully or not).
        case completed(submission: Int)
    }

    struct Pending: Sendable {
        var submission: Int
        var next: Int
        var end: Int
        var chunking: ChunkSize
        /// Only the first `limit` workers (in rank order) may run it; nil = all.
        var limit: Int?
        /// The group whose chunk times decide prefetching (single-item submissions), else nil: the submission's own.
        var group: Int?
        /// The worker (by position) that should not run it when another can: the one it failed on.
        var avoid: Int?
        /// False for items given back by a worker: they are not prefetched again.
        var prefetch = true
    }

    /// Chunk-time evidence is kept per submission, or per group for single-item submissions.
    enum StatsKey: Hashable, Sendable {
        case submission(Int)
        case group(Int)
    }

    struct Progress: Sendable {
        var unfinished: Int
        var sealed: Bool
        /// Set for single-item submissions: they pool their evidence per group.
        var group: Int?
        /// Mean compute time of this submission's finished chunks.
        var meanNanos: Double?
        /// Its worker limit, for items queued again.
        var limit: Int?
    }

    /// Worker ranks, ascending.
    let workers: [Int]
    /// Chunks each worker holds, oldest first, by the worker's position in `workers`.
    private var held: [[Chunk]]
    /// Workers (by position) whose item overran its timeout and has not returned yet.
    private var stuck: [Bool]
    /// Workers (by position) that gave back a chunk: no second chunk until their current one finishes.
    private var slow: [Bool]
    /// Items queued and not yet cut into chunks (the sum over `queue`, kept as it changes).
    private(set) var itemsQueued = 0
    /// A worker's position in `workers`, indexed by rank (-1: not a worker).
    private let positionOfRank: [Int]
    /// Chunks each worker holds, oldest first, by rank.
    var inFlight: [Int: [Chunk]] {
        Dictionary(uniqueKeysWithValues: workers.enumerated().map { ($0.element, held[$0.offset]) })
    }
    private var queue: [Pending] = []
    private var queueHead = 0
    private var progress = IDTable<Progress>()
    private var nextChunkID: UInt64 = 0
    /// Mean compute time of recent chunks of single-item submissions, per group.
    private var groupMeanNanos: [Int: Double] = [:]
    /// Mean compute time of recent chunks (nanoseconds) per evidence key (for inspection).
    var meanChunkNanos: [StatsKey: Double] {
        var all: [StatsKey: Double] = [:]
        for (group, mean) in groupMeanNanos { all[.group(group)] = mean }
        for (submission, p) in progress.entries { if p.group == nil, let mean = p.meanNanos { all[.submission(submission)] = mean } }
        return all
    }
    /// The most items one chunk may hold: its count travels as a UInt32.
    static let maxChunkItems = Int(UInt32.max)
    /// Chunks shorter than this on average are prefetched (a second one in flight per worker)
    /// while the queue is deep. Default 50 ms: below that, a hand-off of up to a millisecond
    /// (a waiting rank's sleep) costs a visible share of each chunk.
    var prefetchBelowNanos: Double
    /// The most chunks a worker may hold when prefetching.
    var prefetchDepth: Int
    /// Mean time from sending a chunk to a worker holding nothing to its result, less its
    /// compute time: what a worker waits for its next chunk without a prefetch.
    private(set) var handOffNanos: Double?

    init(workers: [Int], prefetchBelowNanos: Double = 50_000_000, prefetchDepth: Int = 8) {
        self.workers = workers.sorted()
        self.held = Array(repeating: [], count: workers.count)
        self.stuck = Array(repeating: false, count: workers.count)
        self.slow = Array(repeating: false, count: workers.count)
        var positions = Array(repeating: -1, count: (workers.max() ?? 0) + 1)
        for (position, rank) in self.workers.enumerated() { positions[rank] = position }
        self.positionOfRank = positions
        self.prefetchBelowNanos = prefetchBelowNanos
        self.prefetchDepth = max(1, prefetchDepth)
    }

    /// Chunks sent and not yet finished, over all workers.
    var chunksInFlight: Int { held.reduce(0) { $0 + $1.count } }
    /// Whether nothing is queued or in flight.
    var isIdle: Bool { queueHead == queue.count && chunksInFlight == 0 }
    /// Submissions not yet completed.
    var openSubmissions: Int { progress.count }
    /// Ranks that are stuck in an overrunning item, ascending.
    var stuckRanks: [Int] { workers.enumerated().filter { stuck[$0.offset] }.map(\.element) }

    /// Adds `items` items of `submission` to the queue and returns what to send now.
    /// With `sealed: false` more items may follow (`extend`), and the submission
    /// completes only after `seal`. An empty sealed submission completes at once.
    /// With `maxWorkers`, only the first `maxWorkers` workers in rank order run it.
    /// `statsGroup` (e.g. the task) pools the prefetch evidence of single-item submissions.
    mutating func submit(_ submission: Int, items: Int, chunking: ChunkSize, maxWorkers: Int? = nil,
                                statsGroup: Int? = nil, sealed: Bool = true) -> [Decision] {
        precondition(progress[submission] == nil, "submission \(submission) submitted twice")
        progress[submission] = Progress(unfinished: 0, sealed: false, group: (items == 1 && sealed) ? statsGroup : nil)
        return extend(submission, from: 0, items: items, chunking: chunking, maxWorkers: maxWorkers) + (sealed ? seal(submission) : [])
    }

    /// Queues items `first..<first + items` of an open submission.
    mutating func extend(_ submission: Int, from first: Int, items: Int, chunking: ChunkSize, maxWorkers: Int? = nil) -> [Decision] {
        guard items > 0, var p = progress[submission] else { return [] }
        let group = p.group
        let limit = maxWorkers.map { min(max(1, $0), workers.count) }
        p.unfinished += items
        p.limit = limit
        progress[submission] = p
        var chunking = chunking
        if case .auto = chunking {
            let (size, extra) = items.quotientAndRemainder(dividingBy: max(1, limit ?? workers.count) * 4)
            chunking = .fixed(max(1, size + (extra > 0 ? 1 : 0)))
        }
        queue.append(Pending(submission: submission, next: first, end: first + items, chunking: chunking, limit: limit, group: group))
        itemsQueued += items
        var decisions: [Decision] = []
        dispatch(into: &decisions)
        return decisions
    }

    /// Declares that no more items will be added to `submission`.
    mutating func seal(_ submission: Int) -> [Decision] {
        guard progress[submission] != nil else { return [] }
        progress[submission]!.sealed = true
        return completeIfDone(submission)
    }

    /// A worker reports a chunk done (results or failure) after `computeNanos` of work.
    mutating func finished(chunk id: UInt64, on rank: Int, computeNanos: UInt64) -> (chunk: Chunk?, decisions: [Decision]) {
        guard rank >= 0, rank < positionOfRank.count, positionOfRank[rank] >= 0 else { return (nil, []) }
        let position = positionOfRank[rank]
        guard let index = held[position].firstIndex(where: { $0.id == id }) else { return (nil, []) }
        let chunk = held[position].remove(at: index)
        slow[position] = false
        let sample = Double(computeNanos)
        var decisions: [Decision] = []
        decisions.reserveCapacity(workers.count + 1)
        var completed = false
        if var p = progress[chunk.submission] {
            if let group = p.group {
                groupMeanNanos[group] = groupMeanNanos[group].map { 0.8 * $0 + 0.2 * sample } ?? sample
            } else {
                p.meanNanos = p.meanNanos.map { 0.8 * $0 + 0.2 * sample } ?? sample
            }
            p.unfinished -= chunk.count
            completed = p.sealed && p.unfinished == 0
            progress[chunk.submission] = completed ? nil : p
        }
        dispatch(into: &decisions)
        if completed { decisions.append(.completed(submission: chunk.submission)) }
        return (chunk, decisions)
    }

    /// A chunk ended on `rank` without results: its items are queued again, at the
    /// front, for another worker when there is one — all of them, or all but the one
    /// at `failedOffset`, which counts as finished (it failed for good). With `stuck`
    /// (its item overran its timeout and still runs), the rank gets no work until
    /// `rejoined`, and the chunks it held behind this one are queued again too.
    mutating func requeue(chunk id: UInt64, on rank: Int, failedOffset: Int?, stuck isStuck: Bool)
        -> (chunk: Chunk?, decisions: [Decision]) {
        guard rank >= 0, rank < positionOfRank.count, positionOfRank[rank] >= 0 else { return (nil, []) }
        let position = positionOfRank[rank]
        guard let index = held[position].firstIndex(where: { $0.id == id }) else { return (nil, []) }
        let chunk = held[position].remove(at: index)
        var pieces: [Chunk] = []
        if let offset = failedOffset, offset >= 0, offset < chunk.count {
            pieces.append(Chunk(id: 0, submission: chunk.submission, first: chunk.first, count: offset))
            pieces.append(Chunk(id: 0, submission: chunk.submission, first: chunk.first + offset + 1, count: chunk.count - offset - 1))
            progress[chunk.submission]?.unfinished -= 1
        } else {
            pieces.append(chunk)
        }
        if isStuck {
            stuck[position] = true
            pieces += held[position]
            held[position] = []
        }
        var ranges: [Pending] = []
        for piece in pieces where piece.count > 0 {
            guard let p = progress[piece.submission] else { continue }
            ranges.append(Pending(submission: piece.submission, next: piece.first, end: piece.first + piece.count,
                                  chunking: .fixed(piece.count), limit: p.limit, group: p.group, avoid: position))
            itemsQueued += piece.count
        }
        compactQueue()
        queue.insert(contentsOf: ranges, at: queueHead)
        var decisions = completeIfDone(chunk.submission)
        dispatch(into: &decisions)
        return (chunk, decisions)
    }

    /// A hand-off measured by the master (send to a worker that held nothing → its result, less the compute time).
    mutating func noteHandOff(_ nanos: UInt64) {
        let sample = Double(nanos)
        handOffNanos = handOffNanos.map { 0.8 * $0 + 0.2 * sample } ?? sample
    }

    /// How many chunks `rank` holds (sent, not finished).
    func heldCount(of rank: Int) -> Int {
        guard rank >= 0, rank < positionOfRank.count, positionOfRank[rank] >= 0 else { return 0 }
        return held[positionOfRank[rank]].count
    }

    /// How many chunks of this range a worker may hold: 1 unless its chunks proved short;
    /// then enough to cover a hand-off (1 + ⌈hand-off ÷ mean chunk⌉), at least 2, at most `prefetchDepth`.
    private func depth(for pending: Pending) -> Int {
        guard pending.prefetch, prefetchDepth > 1 else { return 1 }
        let mean = pending.group.map { groupMeanNanos[$0] } ?? progress[pending.submission]?.meanNanos
        guard let mean, mean < prefetchBelowNanos else { return 1 }
        guard let handOff = handOffNanos else { return 2 }
        let cover = (handOff / max(mean, 1)).rounded(.up)
        return Int(min(Double(prefetchDepth), max(2, 1 + cover)))
    }

    /// `rank` gave back the chunk `id` unstarted (the chunk it ran took longer than the give-back
    /// time): it goes to the front of the queue, whole and not to be prefetched again, for an idle
    /// worker; `rank` gets no second chunk until its current one finishes.
    mutating func returned(chunk id: UInt64, on rank: Int) -> (chunk: Chunk?, decisions: [Decision]) {
        guard rank >= 0, rank < positionOfRank.count, positionOfRank[rank] >= 0 else { return (nil, []) }
        let position = positionOfRank[rank]
        guard let index = held[position].firstIndex(where: { $0.id == id }) else { return (nil, []) }
        let chunk = held[position].remove(at: index)
        if !held[position].isEmpty { slow[position] = true }
        var decisions: [Decision] = []
        if let p = progress[chunk.submission] {
            compactQueue()
            queue.insert(Pending(submission: chunk.submission, next: chunk.first, end: chunk.first + chunk.count, chunking: .fixed(chunk.count),
                                 limit: p.limit, group: p.group, prefetch: false), at: queueHead)
            itemsQueued += chunk.count
            dispatch(into: &decisions)
        }
        return (chunk, decisions)
    }

    /// How long a chunk of `submission` may run before the worker gives back the chunks it
    /// holds behind it: four times the submission's mean chunk time, at least 2 ms; 0 (never)
    /// for submissions that are not prefetched.
    func giveBackNanos(for submission: Int) -> UInt64 {
        guard let p = progress[submission] else { return 0 }
        let mean = p.group.map { groupMeanNanos[$0] } ?? p.meanNanos
        guard let mean, mean < prefetchBelowNanos else { return 0 }
        return max(2_000_000, UInt64(4 * mean))
    }

    /// The chunk `id` if `rank` holds it (sent, not finished).
    func inFlight(chunk id: UInt64, on rank: Int) -> Chunk? {
        guard rank >= 0, rank < positionOfRank.count, positionOfRank[rank] >= 0 else { return nil }
        return held[positionOfRank[rank]].first { $0.id == id }
    }

    /// A stuck worker's overrunning item has returned: it takes work again.
    mutating func rejoined(_ rank: Int) -> [Decision] {
        guard rank >= 0, rank < positionOfRank.count, positionOfRank[rank] >= 0 else { return [] }
        stuck[positionOfRank[rank]] = false
        var decisions: [Decision] = []
        dispatch(into: &decisions)
        return decisions
    }

    /// Drops the queued (not yet sent) items of `submission`; returns how many were dropped.
    /// Chunks already sent still finish. Completes the submission if nothing of it is left.
    mutating func cancel(_ submission: Int) -> (dropped: Int, decisions: [Decision]) {
        var dropped = 0
        for i in queueHead..<queue.count where queue[i].submission == submission {
            dropped += queue[i].end - queue[i].next
            queue[i].next = queue[i].end
        }
        itemsQueued -= dropped
        guard progress[submission] != nil else { return (dropped, []) }
        progress[submission]!.unfinished -= dropped
        progress[submission]!.sealed = true
        compactQueue()
        return (dropped, completeIfDone(submission))
    }

    /// Drops everything queued (for `terminate`); returns the submissions that had queued items.
    mutating func dropAllQueued() -> [Int] {
        let affected = Set(queue[queueHead...].filter { $0.next < $0.end }.map(\.submission))
        queue.removeAll()
        queueHead = 0
        itemsQueued = 0
        return affected.sorted()
    }

    private mutating func completeIfDone(_ submission: Int) -> [Decision] {
        guard let p = progress[submission], p.sealed, p.unfinished == 0 else { return [] }
        progress[submission] = nil
        return [.completed(submission: submission)]
    }

    /// Hands queued chunks to workers with room: first every worker holding
    /// nothing, in rank order, then (when prefetching) a second chunk each.
    private mutating func dispatch(into decisions: inout [Decision]) {
        for level in 0..<prefetchDepth {
            for (position, rank) in workers.enumerated() where held[position].count == level && !stuck[position] && !(level > 0 && slow[position]) {
                if queueHead == queue.count { compactQueue(); return }
                guard let chunk = nextChunk(forWorkerAt: position, level: level) else { continue }
                held[position].append(chunk)
                decisions.append(.send(chunk, to: rank))
            }
        }
        compactQueue()
    }

    /// Cuts the next chunk the worker at `position` (in rank order) may run:
    /// the oldest queued range, skipping ranges limited to fewer workers.
    /// At `level` > 0 (prefetching), only ranges whose chunks proved short qualify, up to their depth.
    private mutating func nextChunk(forWorkerAt position: Int, level: Int) -> Chunk? {
        let prefetching = level > 0
        compactQueue()
        var i = queueHead
        while i < queue.count {
            let p = queue[i]
            if p.next < p.end && (p.limit == nil || position < p.limit!) && (p.avoid != position || !othersCanRun(p)) { break }
            i += 1
        }
        guard i < queue.count else { return nil }
        if prefetching && level >= depth(for: queue[i]) { return nil }
        let p = queue[i]
        let remaining = p.end - p.next
        let size: Int
        switch p.chunking {
        case .fixed(let n): size = min(max(1, n), remaining)
        case .guided(let minimum):
            let share = 2 * max(1, p.limit ?? workers.count)
            size = min(remaining, max(minimum, (remaining + share - 1) / share))
        case .auto: size = remaining // resolved in extend; not reached
        }
        let count = min(size, Scheduler.maxChunkItems)
        // Prefetch only from a deep queue: after this chunk, `level` more for every worker.
        if prefetching && itemsQueued - count < workers.count * count * level { return nil }
        queue[i].next += count
        itemsQueued -= count
        defer { nextChunkID += 1 }
        return Chunk(id: nextChunkID, submission: p.submission, first: p.next, count: count)
    }

    /// Whether a worker other than the one `pending` avoids may run it (not stuck, within its limit).
    private func othersCanRun(_ pending: Pending) -> Bool {
        let limit = pending.limit ?? workers.count
        for position in 0..<min(limit, workers.count) where position != pending.avoid && !stuck[position] { return true }
        return false
    }

    private mutating func compactQueue() {
        while queueHead < queue.count && queue[queueHead].next >= queue[queueHead].end { queueHead += 1 }
        if queueHead > 64 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
    }
}
