import Foundation

/// A pool's timeline, read from the Chrome trace-event JSON that MPIPool writes on
/// rank 0 (`PoolOptions(timeline:)` or `MPIPOOL_TIMELINE=path`): what each rank ran
/// and when, in seconds since the pool started, on rank 0's clock.
///
/// Read: chunk slices (`"ph":"X","cat":"chunk"`), idle slices (`"cat":"idle"`),
/// callback slices (`"cat":"callback"`), the master's instants (`"ph":"i","cat":"master"`),
/// `process_name` (hosts) and `thread_name` (ranks) metadata, and `otherData`. Everything
/// else — other categories, other phases, unknown fields — is ignored; events may come
/// in any order. Malformed input throws a `TraceError` naming the event and field;
/// chunks overlapping on one rank are kept and reported in `warnings`.
///
/// ```swift
/// let trace = try PoolTrace(contentsOfFile: "run.json")
/// print(trace.chunks.count, trace.workerRanks)   // 19 [1, 2, 3, 4, 5, 6, 7, 8]
/// ```
public struct PoolTrace: Sendable, Equatable {
    /// One chunk as a rank ran it (a `"cat":"chunk"` slice).
    public struct Chunk: Sendable, Equatable {
        /// The rank that ran it (the slice's `tid`).
        public var rank: Int
        /// The task's name (the slice's `name`).
        public var task: String
        /// The submission (map, apply, …) it belongs to, from 1.
        public var submission: Int
        /// The pool's number for the chunk, when the trace gives one.
        public var chunk: Int?
        /// Its items: indices `first ..< first + count` of the submission's input.
        public var first: Int
        public var count: Int
        /// Seconds since the pool started, and how long the rank spent on it.
        public var start: Double
        public var duration: Double
        /// Bytes of arguments and results on the wire, and the task's own compute time, when given.
        public var bytesIn: Int?
        public var bytesOut: Int?
        public var computeSeconds: Double?

        /// A chunk of `count` items from `first`, run on `rank` from `start` for `duration` seconds.
        public init(rank: Int, task: String, submission: Int, chunk: Int? = nil, first: Int, count: Int,
                    start: Double, duration: Double, bytesIn: Int? = nil, bytesOut: Int? = nil, computeSeconds: Double? = nil) {
            self.rank = rank
            self.task = task
            self.submission = submission
            self.chunk = chunk
            self.first = first
            self.count = count
            self.start = start
            self.duration = duration
            self.bytesIn = bytesIn
            self.bytesOut = bytesOut
            self.computeSeconds = computeSeconds
        }

        /// When the rank finished it.
        public var end: Double { start + duration }
        /// The indices of its items in the submission's input.
        public var items: Range<Int> { first ..< first + count }
        /// `chunk 7`, or `items 10…11` when the trace gives no chunk number.
        public var label: String {
            if let chunk { return "chunk \(chunk)" }
            return count == 1 ? "item \(first)" : "items \(first)…\(first + count - 1)"
        }
    }

    /// A stretch of time on one rank: an idle gap between a worker's chunks, or a callback on the master.
    public struct Span: Sendable, Equatable {
        public var rank: Int
        /// Seconds since the pool started, and the length in seconds.
        public var start: Double
        public var duration: Double
        /// A span on `rank` from `start` for `duration` seconds.
        public init(rank: Int, start: Double, duration: Double) {
            self.rank = rank
            self.start = start
            self.duration = duration
        }
        public var end: Double { start + duration }
    }

    /// One of the master's instants: `submit`, `send`, `result`, `timeout`, `retry`, `returned`, …
    public struct MasterEvent: Sendable, Equatable {
        public var name: String
        /// Seconds since the pool started.
        public var time: Double
        /// The arguments the trace gives (nil when absent).
        public var submission: Int?
        public var chunk: Int?
        public var rank: Int?
        public var task: String?
        public var items: Int?
    }

    /// `otherData`: ranks in the job, workers in the pool, how worker clocks were aligned, format version.
    public var ranks: Int?
    public var workers: Int?
    public var clock: String?
    public var version: Int?
    /// The host of each rank, from `process_name` (`"host node01"` → `node01`) and the slices' `pid`.
    public var hosts: [Int: String] = [:]
    /// Ranks named by `thread_name` metadata.
    public var namedRanks: Set<Int> = []
    /// Every chunk, by start time (then rank).
    public var chunks: [Chunk] = []
    /// Idle gaps between a worker's chunks, by start time.
    public var gaps: [Span] = []
    /// Callbacks run on the master, by start time.
    public var callbacks: [Span] = []
    /// The master's instants, by time.
    public var masterEvents: [MasterEvent] = []
    /// What is odd but readable: overlapping chunks on a rank, no chunks, an unknown version.
    public var warnings: [TraceWarning] = []

    /// The ranks that work: every rank that ran a chunk (rank 0 too, if it did), every
    /// rank other than 0 named by `thread_name`, and — when the trace names no rank —
    /// ranks 1 ..< `ranks`. Sorted.
    public var workerRanks: [Int] {
        var ranks = Set(chunks.map(\.rank)).union(namedRanks.filter { $0 != 0 })
        if namedRanks.isEmpty, let total = self.ranks, total > 1 { ranks.formUnion(1 ..< total) }
        return ranks.sorted()
    }

    /// Reads the trace in the file at `path`.
    public init(contentsOfFile path: String) throws(TraceError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
            throw .unreadable(path: path, reason: reason)
        }
        try self.init(json: data)
    }

    /// Reads a trace from its JSON bytes.
    public init(json data: Data) throws(TraceError) {
        let raw = try RawTrace.parse(data)
        if let kind = raw.notAnObject { throw .notAnObject(found: kind) }
        guard let events = raw.traceEvents else { throw .noTraceEvents(found: raw.eventsKind) }
        ranks = raw.ranks?.wholeNumber
        workers = raw.workers?.wholeNumber
        clock = raw.clock
        version = raw.version?.wholeNumber
        var hostOfPid: [Int: String] = [:]
        var pidOfRank: [Int: Int] = [:]
        for (index, event) in events.enumerated() {
            if let kind = event.notAnObject { throw .eventNotAnObject(index: index, found: kind) }
            switch (event.ph, event.cat) {
            case ("M", _):
                if event.name == "process_name", let pid = event.pid?.wholeNumber, let name = event.args?.name {
                    hostOfPid[pid] = name.hasPrefix("host ") ? String(name.dropFirst(5)) : name
                } else if event.name == "thread_name", let tid = event.tid?.wholeNumber {
                    namedRanks.insert(tid)
                    if let pid = event.pid?.wholeNumber { pidOfRank[tid] = pid }
                }
            case ("X", "chunk"):
                let chunk = try Self.chunk(event, index: index)
                chunks.append(chunk)
                if let pid = event.pid?.wholeNumber, pidOfRank[chunk.rank] == nil { pidOfRank[chunk.rank] = pid }
            case ("X", "idle"):
                gaps.append(try Self.span(event, index: index, slice: "idle"))
            case ("X", "callback"):
                callbacks.append(try Self.span(event, index: index, slice: "callback"))
            case ("i", "master"), ("I", "master"):
                if let name = event.name, let ts = event.ts, ts.isFinite {
                    let args = event.args
                    masterEvents.append(MasterEvent(name: name, time: ts / 1e6, submission: args?.submission?.wholeNumber,
                                                    chunk: args?.chunk?.wholeNumber, rank: args?.rank?.wholeNumber,
                                                    task: args?.task, items: args?.items?.wholeNumber))
                }
            default:
                continue
            }
        }
        for (rank, pid) in pidOfRank { if let host = hostOfPid[pid] { hosts[rank] = host } }
        chunks.sort { ($0.start, $0.rank) < ($1.start, $1.rank) }
        gaps.sort { ($0.start, $0.rank) < ($1.start, $1.rank) }
        callbacks.sort { $0.start < $1.start }
        masterEvents.sort { $0.time < $1.time }
        if let version, version != 1 { warnings.append(.unknownVersion(version)) }
        if chunks.isEmpty { warnings.append(.noChunks) }
        warnings += Self.overlaps(chunks)
    }

    /// A chunk slice, every field it needs checked.
    private static func chunk(_ event: RawEvent, index: Int) throws(TraceError) -> Chunk {
        let (rank, start, duration) = try place(event, index: index, slice: "chunk")
        guard let task = event.name else { throw .missingField(index: index, slice: "chunk", field: "name") }
        let args = event.args
        func integer(_ value: Double?, _ field: String) throws(TraceError) -> Int {
            guard let value else { throw .missingField(index: index, slice: "chunk", field: "args.\(field)") }
            guard let whole = value.wholeNumber, whole >= 0 else {
                throw .invalidField(index: index, slice: "chunk", field: "args.\(field)", value: "\(value) (a whole number ≥ 0 is needed)")
            }
            return whole
        }
        return Chunk(rank: rank, task: task, submission: try integer(args?.submission, "submission"), chunk: args?.chunk?.wholeNumber,
                     first: try integer(args?.first, "first"), count: try integer(args?.count, "count"),
                     start: start, duration: duration, bytesIn: args?.bytesIn?.wholeNumber, bytesOut: args?.bytesOut?.wholeNumber,
                     computeSeconds: args?.computeMs.map { $0 / 1e3 })
    }

    private static func span(_ event: RawEvent, index: Int, slice: String) throws(TraceError) -> Span {
        let (rank, start, duration) = try place(event, index: index, slice: slice)
        return Span(rank: rank, start: start, duration: duration)
    }

    /// A slice's rank (`tid`), start (`ts`) and duration (`dur`), in seconds.
    private static func place(_ event: RawEvent, index: Int, slice: String) throws(TraceError) -> (Int, Double, Double) {
        guard let tid = event.tid else { throw .missingField(index: index, slice: slice, field: "tid") }
        guard let rank = tid.wholeNumber, rank >= 0 else {
            throw .invalidField(index: index, slice: slice, field: "tid", value: "\(tid) (a rank, a whole number ≥ 0, is needed)")
        }
        guard let ts = event.ts else { throw .missingField(index: index, slice: slice, field: "ts") }
        guard let dur = event.dur else { throw .missingField(index: index, slice: slice, field: "dur") }
        guard ts.isFinite else { throw .invalidField(index: index, slice: slice, field: "ts", value: "\(ts)") }
        guard dur.isFinite else { throw .invalidField(index: index, slice: slice, field: "dur", value: "\(dur)") }
        guard dur >= 0 else { throw .negativeDuration(index: index, slice: slice, duration: dur) }
        return (rank, ts / 1e6, dur / 1e6)
    }

    /// Chunks on one rank that overlap in time, each against the one of the earlier chunks that ends last.
    /// A nanosecond of slack absorbs the rounding of microseconds written with three decimals.
    static func overlaps(_ chunks: [Chunk]) -> [TraceWarning] {
        var warnings: [TraceWarning] = []
        for (rank, onRank) in Dictionary(grouping: chunks, by: \.rank).sorted(by: { $0.key < $1.key }) {
            var latest: Chunk?
            for chunk in onRank {   // already by start time
                if let earlier = latest, chunk.start < earlier.end - 1e-9 {
                    warnings.append(.overlap(rank: rank, earlier: earlier, later: chunk, seconds: earlier.end - chunk.start))
                }
                if latest == nil || chunk.end > latest!.end { latest = chunk }
            }
        }
        return warnings
    }
}

/// `x` with `decimals` decimals, right-aligned in `width` characters.
func fixed(_ x: Double, _ decimals: Int, width: Int = 0) -> String {
    String(format: "%\(width).\(max(0, decimals))f", x)
}
