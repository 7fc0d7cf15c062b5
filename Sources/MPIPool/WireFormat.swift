import MPI

/// The messages ranks exchange, with a hand-written binary layout.
///
/// Every frame starts with an 8-byte header: magic `"MP"` (2 bytes), protocol
/// version (1), kind (1), and 4 reserved bytes. Fields follow in little-endian
/// order; task arguments and results are an opaque payload at the end.
///
/// | kind | direction | fields |
/// |---|---|---|
/// | hello | worker → master | protocol, fingerprint, pid, host, initializer error ("" = none) |
/// | chunk | master → worker | chunk id, task id, first index, count, item timeout ns (0 = none), give-back ns (0 = never), records timeline (u8), payload (arguments) |
/// | results | worker → master | chunk id, count, compute ns, payload (results) |
/// | failure | worker → master | chunk id, failing offset, compute ns, reason, message |
/// | shutdown | master → worker | stop now (terminate) or after draining |
/// | goodbye | worker → master | chunks run, tasks run, busy ns |
/// | rejoin | worker → master | chunk id of the overrunning chunk, whose task has now returned (its result is discarded) |
/// | returned | worker → master | chunk id of a chunk given back unstarted: the one it ran took longer than its give-back time |
/// | timeline | worker → master | n, then n × (chunk id, start ns, end ns) on the worker's clock (batches, and before goodbye) |
/// | large | either | total bytes of a frame that follows on the body tag |
enum Frame: Equatable {
    case hello(Hello)
    case chunk(ChunkHeader, payload: UnsafeRawBufferPointer)
    case results(ResultHeader, payload: UnsafeRawBufferPointer)
    case failure(FailureReport)
    case shutdown(immediate: Bool)
    case goodbye(WorkerTotals)
    case rejoin(chunkID: UInt64)
    case returned(chunkID: UInt64)
    case timeline([ChunkTiming])
    case large(totalBytes: Int)

    static func == (a: Frame, b: Frame) -> Bool {
        switch (a, b) {
        case let (.hello(x), .hello(y)): x == y
        case let (.chunk(x, p), .chunk(y, q)): x == y && Array(p) == Array(q)
        case let (.results(x, p), .results(y, q)): x == y && Array(p) == Array(q)
        case let (.failure(x), .failure(y)): x == y
        case let (.shutdown(x), .shutdown(y)): x == y
        case let (.goodbye(x), .goodbye(y)): x == y
        case let (.rejoin(x), .rejoin(y)): x == y
        case let (.returned(x), .returned(y)): x == y
        case let (.timeline(x), .timeline(y)): x == y
        case let (.large(x), .large(y)): x == y
        default: false
        }
    }
}

struct Hello: Equatable, Sendable {
    var protocolVersion: UInt32
    var fingerprint: UInt64
    var pid: Int32
    var host: String
    /// What the pool's initializer threw on that rank; empty when it succeeded.
    var initializerError: String = ""
}

struct ChunkHeader: Equatable, Sendable {
    var chunkID: UInt64
    var taskID: UInt32
    var firstIndex: Int64
    var count: UInt32
    /// The longest one item may run before the worker reports it timed out; 0 = no limit.
    var timeoutNanos: UInt64 = 0
    /// If this chunk runs longer than this, the worker gives back the chunks it holds behind
    /// it, unstarted, so that an idle worker can take them; 0 = never.
    var giveBackNanos: UInt64 = 0
    /// Whether the worker records when it ran the chunk (`PoolOptions.timeline`).
    var recordsTimeline = false
}

/// When a worker ran a chunk, on its own clock (`MonotonicClock.now`).
struct ChunkTiming: Equatable, Sendable {
    var chunkID: UInt64
    var start: UInt64
    var end: UInt64
}

struct ResultHeader: Equatable, Sendable {
    var chunkID: UInt64
    var count: UInt32
    var computeNanos: UInt64
}

/// Why a chunk did not produce all its results.
enum FailureReason: UInt8, Sendable {
    case taskThrew = 1
    case argumentsUndecodable = 2
    case resultUnencodable = 3
    case unknownTask = 4
    /// An item ran longer than its timeout; the worker takes no work until it returns.
    case timedOut = 5
    /// The worker left the pool (an immediate shutdown) while this item, without a timeout, still ran.
    case abandoned = 6
}

struct FailureReport: Equatable, Sendable {
    var chunkID: UInt64
    /// Offset in the chunk of the item that failed.
    var offset: UInt32
    var computeNanos: UInt64
    var reason: FailureReason
    var message: String
}

struct WorkerTotals: Equatable, Sendable {
    var chunks: UInt64
    var tasks: UInt64
    var busyNanos: UInt64
}

enum FrameKind: UInt8 {
    case hello = 1, chunk, results, failure, shutdown, goodbye, large, rejoin, returned, timeline
}

enum WireProtocol {
    static let magic: UInt16 = 0x504D // "MP" little-endian
    static let version: UInt8 = 3
    static let headerSize = 8
    /// MPI tag of every frame; a `large` frame's body follows on `bodyTag`.
    static let frameTag = 1
    static let bodyTag = 2
    /// Frames up to this size travel in one message into a pre-posted receive.
    static let maxInlineFrame = 64 * 1024
}

extension WireWriter {
    /// Starts a frame: writes the header. Field writes follow.
    mutating func beginFrame(_ kind: FrameKind) {
        write(WireProtocol.magic)
        write(WireProtocol.version)
        write(kind.rawValue)
        write(UInt32(0))
    }
}

enum FrameEncoder {
    static func hello(_ h: Hello, into w: inout WireWriter) {
        w.beginFrame(.hello)
        w.write(h.protocolVersion); w.write(h.fingerprint); w.write(h.pid); w.write(h.host); w.write(h.initializerError)
    }
    /// Writes the chunk header; the caller appends the arguments payload.
    static func chunk(_ c: ChunkHeader, into w: inout WireWriter) {
        w.beginFrame(.chunk)
        w.write(c.chunkID); w.write(c.taskID); w.write(c.firstIndex); w.write(c.count); w.write(c.timeoutNanos); w.write(c.giveBackNanos)
        w.write(UInt8(c.recordsTimeline ? 1 : 0))
    }
    /// Writes the results header; the caller appends the results payload.
    static func results(_ r: ResultHeader, into w: inout WireWriter) {
        w.beginFrame(.results)
        w.write(r.chunkID); w.write(r.count); w.write(r.computeNanos)
    }
    static func failure(_ f: FailureReport, into w: inout WireWriter) {
        w.beginFrame(.failure)
        w.write(f.chunkID); w.write(f.offset); w.write(f.computeNanos); w.write(f.reason.rawValue); w.write(f.message)
    }
    static func shutdown(immediate: Bool, into w: inout WireWriter) {
        w.beginFrame(.shutdown)
        w.write(UInt8(immediate ? 1 : 0))
    }
    static func goodbye(_ t: WorkerTotals, into w: inout WireWriter) {
        w.beginFrame(.goodbye)
        w.write(t.chunks); w.write(t.tasks); w.write(t.busyNanos)
    }
    static func rejoin(chunkID: UInt64, into w: inout WireWriter) {
        w.beginFrame(.rejoin)
        w.write(chunkID)
    }
    static func returned(chunkID: UInt64, into w: inout WireWriter) {
        w.beginFrame(.returned)
        w.write(chunkID)
    }
    static func timeline(_ timings: ArraySlice<ChunkTiming>, into w: inout WireWriter) {
        w.beginFrame(.timeline)
        w.write(UInt32(timings.count))
        for t in timings { w.write(t.chunkID); w.write(t.start); w.write(t.end) }
    }
    static func large(totalBytes: Int, into w: inout WireWriter) {
        w.beginFrame(.large)
        w.write(UInt64(totalBytes))
    }
}

enum FrameDecoder {
    /// Decodes one frame. Payload slices point into `bytes`.
    /// Anything malformed — wrong magic or version, unknown kind, truncated
    /// fields, bytes left over — throws `WireError`; nothing traps.
    static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> Frame {
        var r = WireReader(bytes)
        guard bytes.count >= WireProtocol.headerSize else { throw WireError("frame of \(bytes.count) bytes is shorter than the header") }
        let magic = try r.read(UInt16.self)
        guard magic == WireProtocol.magic else { throw WireError("bad magic 0x\(String(magic, radix: 16))") }
        let version = try r.read(UInt8.self)
        guard version == WireProtocol.version else {
            throw WireError("protocol version \(version), expected \(WireProtocol.version)")
        }
        let rawKind = try r.read(UInt8.self)
        _ = try r.read(UInt32.self)
        guard let kind = FrameKind(rawValue: rawKind) else { throw WireError("unknown frame kind \(rawKind)") }
        let frame: Frame
        switch kind {
        case .hello:
            frame = .hello(Hello(protocolVersion: try r.read(), fingerprint: try r.read(), pid: try r.read(), host: try r.readString(),
                                 initializerError: try r.readString()))
        case .chunk:
            let header = ChunkHeader(chunkID: try r.read(), taskID: try r.read(), firstIndex: try r.read(), count: try r.read(),
                                     timeoutNanos: try r.read(), giveBackNanos: try r.read(), recordsTimeline: try Self.flag(&r))
            return .chunk(header, payload: r.rest)
        case .results:
            let header = ResultHeader(chunkID: try r.read(), count: try r.read(), computeNanos: try r.read())
            return .results(header, payload: r.rest)
        case .failure:
            let chunkID: UInt64 = try r.read(), offset: UInt32 = try r.read(), nanos: UInt64 = try r.read()
            let rawReason = try r.read(UInt8.self)
            guard let reason = FailureReason(rawValue: rawReason) else { throw WireError("unknown failure reason \(rawReason)") }
            frame = .failure(FailureReport(chunkID: chunkID, offset: offset, computeNanos: nanos, reason: reason, message: try r.readString()))
        case .shutdown:
            let flag = try r.read(UInt8.self)
            guard flag <= 1 else { throw WireError("bad shutdown flag \(flag)") }
            frame = .shutdown(immediate: flag == 1)
        case .goodbye:
            frame = .goodbye(WorkerTotals(chunks: try r.read(), tasks: try r.read(), busyNanos: try r.read()))
        case .rejoin:
            frame = .rejoin(chunkID: try r.read())
        case .returned:
            frame = .returned(chunkID: try r.read())
        case .timeline:
            let n = Int(try r.read(UInt32.self))
            guard n <= r.remaining / 24 else { throw WireError("timeline of \(n) records in \(r.remaining) bytes") }
            var timings: [ChunkTiming] = []
            timings.reserveCapacity(n)
            for _ in 0..<n { timings.append(ChunkTiming(chunkID: try r.read(), start: try r.read(), end: try r.read())) }
            frame = .timeline(timings)
        case .large:
            let total = try r.read(UInt64.self)
            guard total <= UInt64(Int32.max) else { throw WireError("large frame of \(total) bytes exceeds the limit") }
            frame = .large(totalBytes: Int(total))
        }
        guard r.remaining == 0 else { throw WireError("\(r.remaining) unexpected bytes after a \(kind) frame") }
        return frame
    }

    private static func flag(_ r: inout WireReader) throws(WireError) -> Bool {
        let flag = try r.read(UInt8.self)
        guard flag <= 1 else { throw WireError("bad flag \(flag)") }
        return flag == 1
    }
}
