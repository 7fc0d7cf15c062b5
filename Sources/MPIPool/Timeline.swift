#if canImport(Glibc)
import Glibc
#endif

/// What the pool records for `PoolOptions.timeline` (or `MPIPOOL_TIMELINE=path`), and the
/// Chrome trace-event file rank 0 writes when the pool ends (Perfetto, chrome://tracing, and
/// `pool-timeline` read it).
///
/// - The master notes, per chunk, when it sent it and when its result came (its clock), and
///   instants: submit, send, result, timeout, retry, returned. Workers note when they ran each
///   chunk (their clock) and send those notes in batches of up to 2048 with their results
///   traffic, and the rest before their goodbye: no extra message per task.
/// - Worker clocks are aligned to the master's per rank from the chunks themselves: a chunk
///   starts after it was sent and ends before its result arrived, so the offset lies in
///   [max(sent − start), min(arrived − end)]; the middle of that interval is used (on one
///   host, where every rank reads the same monotonic clock, it contains 0).
/// - Off, it costs nothing: no clock read, nothing stored. On, the master keeps about 100
///   bytes per chunk until the end.
final class TimelineRecorder {
    let path: String
    let origin: UInt64

    struct Sent {
        var rank: Int
        var submission: Int
        var task: Int
        var first: Int
        var count: Int
        var bytesIn: Int
        var bytesOut = 0
        var sent: UInt64
        var arrived: UInt64 = 0
        var computeNanos: UInt64 = 0
    }

    /// A master event: its name by index into `eventNames` (no string per event on the hot path).
    struct Instant {
        var name: UInt8
        var at: UInt64
        var chunk: UInt64
        var rank: Int32
    }

    static let eventNames = ["send", "result", "timeout", "failure", "retry", "returned"]

    /// By chunk id (the scheduler's ids are dense).
    private var chunks: [Sent?] = []
    /// When each chunk ran, on its rank's clock, by chunk id.
    private var ran: [ChunkTiming?] = []
    private var submits: [(at: UInt64, submission: Int, task: String, items: Int)] = []
    private var instants: [Instant] = []
    private var taskNames: [String] = []
    private var taskIndex: [String: Int] = [:]
    /// The last task seen, to skip the dictionary for runs of chunks of one task.
    private var lastTask: (name: String, index: Int)?

    init(path: String) {
        self.path = path
        origin = MonotonicClock.now
    }

    /// The path from the options or the environment; nil when the timeline is off.
    static func path(_ options: PoolOptions) -> String? {
        if let url = options.timeline { return url.path }
        guard let raw = getenv("MPIPOOL_TIMELINE") else { return nil }
        let path = String(cString: raw)
        return path.isEmpty ? nil : path
    }

    func submitted(_ submission: Int, task: String, items: Int) {
        submits.append((MonotonicClock.now, submission, task, items))
    }

    func sent(_ chunk: Scheduler.Chunk, to rank: Int, task: String, bytes: Int) {
        let id = Int(chunk.id)
        if chunks.count <= id { chunks += Array(repeating: nil, count: id + 1 - chunks.count) }
        let index: Int
        if let last = lastTask, last.name == task { index = last.index } else if let known = taskIndex[task] { index = known } else {
            index = taskNames.count
            taskNames.append(task)
            taskIndex[task] = index
        }
        lastTask = (task, index)
        let now = MonotonicClock.now
        chunks[id] = Sent(rank: rank, submission: chunk.submission, task: index, first: chunk.first, count: chunk.count,
                          bytesIn: bytes, sent: now)
        instants.append(Instant(name: 0, at: now, chunk: chunk.id, rank: Int32(truncatingIfNeeded: rank)))
    }

    func arrived(_ chunkID: UInt64, bytes: Int, computeNanos: UInt64) {
        let now = MonotonicClock.now
        let id = Int(chunkID)
        guard id < chunks.count, chunks[id] != nil else { return }
        chunks[id]!.arrived = now
        chunks[id]!.bytesOut = bytes
        chunks[id]!.computeNanos = computeNanos
        instants.append(Instant(name: 1, at: now, chunk: chunkID, rank: Int32(truncatingIfNeeded: chunks[id]!.rank)))
    }

    func event(_ name: String, chunk: UInt64, rank: Int) {
        let kind = Self.eventNames.firstIndex(of: name) ?? 3
        instants.append(Instant(name: UInt8(kind), at: MonotonicClock.now, chunk: chunk, rank: Int32(truncatingIfNeeded: rank)))
    }

    func ran(_ timings: [ChunkTiming]) {
        for timing in timings {
            let id = Int(timing.chunkID)
            if ran.count <= id { ran += Array(repeating: nil, count: id + 1 - ran.count) }
            ran[id] = timing
        }
    }

    // MARK: The file

    /// Writes the trace; returns what went wrong, if anything.
    func write(hosts: [Int: String], ranks: Int, workers: Int) -> String? {
        // Clock offsets per rank from the bounds every chunk gives.
        var low: [Int: Int64] = [:], high: [Int: Int64] = [:]
        for (id, sent) in chunks.enumerated() {
            guard let sent, sent.arrived > 0, id < ran.count, let timing = ran[id], sent.rank != 0 else { continue }
            let l = Int64(bitPattern: sent.sent &- timing.start), h = Int64(bitPattern: sent.arrived &- timing.end)
            low[sent.rank] = max(low[sent.rank] ?? .min, l)
            high[sent.rank] = min(high[sent.rank] ?? .max, h)
        }
        var offset: [Int: Int64] = [0: 0]
        var crossed: [Int] = []
        for (rank, l) in low {
            let h = high[rank]!
            if l <= h { offset[rank] = l / 2 + h / 2 } else { offset[rank] = h; crossed.append(rank) }
        }
        var hostIDs: [String: Int] = [:]
        for rank in hosts.keys.sorted() where hostIDs[hosts[rank]!] == nil { hostIDs[hosts[rank]!] = hostIDs.count + 1 }
        let pid = { (rank: Int) in hostIDs[hosts[rank] ?? "?"] ?? 1 }

        var out = TraceText()
        out.raw("{\"displayTimeUnit\": \"ms\",\n \"otherData\": {\"mpipool\": 1, \"ranks\": \(ranks), \"workers\": \(workers), \"clock\": ")
        out.string("each worker's monotonic clock shifted into rank 0's by the middle of [max(sent - start), min(arrived - end)] over its chunks"
                   + (crossed.isEmpty ? "" : "; ranks \(crossed.sorted()) had crossing bounds (clock drift?): shifted by min(arrived - end)"))
        out.raw("},\n \"traceEvents\": [\n")
        for (host, id) in hostIDs.sorted(by: { $0.value < $1.value }) {
            out.raw("  {\"ph\":\"M\",\"name\":\"process_name\",\"pid\":\(id),\"args\":{\"name\":")
            out.string("host " + host)
            out.raw("}},\n")
        }
        for rank in hosts.keys.sorted() {
            out.raw("  {\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":\(pid(rank)),\"tid\":\(rank),\"args\":{\"name\":\"rank \(rank)\"}},\n")
        }
        // Chunk slices, then each rank's idle gaps between them.
        var slices: [Int: [(start: Int64, end: Int64)]] = [:]
        for (id, sent) in chunks.enumerated() {
            guard let sent, id < ran.count, let timing = ran[id] else { continue }
            let shift = offset[sent.rank] ?? 0
            let start = Int64(bitPattern: timing.start &- origin) &+ shift, end = Int64(bitPattern: timing.end &- origin) &+ shift
            slices[sent.rank, default: []].append((start, end))
            out.raw("  {\"ph\":\"X\",\"cat\":\"chunk\",\"name\":")
            out.string(taskNames[sent.task])
            out.raw(",\"pid\":\(pid(sent.rank)),\"tid\":\(sent.rank),\"ts\":")
            out.micros(start)
            out.raw(",\"dur\":")
            out.micros(max(0, end - start))
            out.raw(",\"args\":{\"chunk\":\(id),\"submission\":\(sent.submission),\"first\":\(sent.first),\"count\":\(sent.count)"
                    + ",\"bytesIn\":\(sent.bytesIn),\"bytesOut\":\(sent.bytesOut),\"computeMs\":")
            out.millis(Int64(sent.computeNanos))
            out.raw("}},\n")
        }
        for (rank, spans) in slices {
            let ordered = spans.sorted { $0.start < $1.start }
            for (a, b) in zip(ordered, ordered.dropFirst()) where b.start > a.end {
                out.raw("  {\"ph\":\"X\",\"cat\":\"idle\",\"name\":\"idle\",\"pid\":\(pid(rank)),\"tid\":\(rank),\"ts\":")
                out.micros(a.end)
                out.raw(",\"dur\":")
                out.micros(b.start - a.end)
                out.raw("},\n")
            }
        }
        for s in submits {
            out.raw("  {\"ph\":\"i\",\"cat\":\"master\",\"name\":\"submit\",\"pid\":\(pid(0)),\"tid\":0,\"s\":\"t\",\"ts\":")
            out.micros(Int64(bitPattern: s.at &- origin))
            out.raw(",\"args\":{\"submission\":\(s.submission),\"task\":")
            out.string(s.task)
            out.raw(",\"items\":\(s.items)}},\n")
        }
        for e in instants {
            out.raw("  {\"ph\":\"i\",\"cat\":\"master\",\"name\":\"\(Self.eventNames[Int(e.name)])\",\"pid\":\(pid(0)),\"tid\":0,\"s\":\"t\",\"ts\":")
            out.micros(Int64(bitPattern: e.at &- origin))
            out.raw(",\"args\":{\"chunk\":\(e.chunk),\"rank\":\(e.rank)}},\n")
        }
        out.endList()
        out.raw(" ]}\n")
        return out.save(to: path)
    }
}

/// The trace's JSON text, built in one buffer.
struct TraceText {
    private(set) var bytes: [UInt8] = []

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// A JSON string, escaped.
    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for c in text.utf8 {
            switch c {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                raw("\\u00")
                bytes.append(hex[Int(c >> 4)]); bytes.append(hex[Int(c & 15)])
            default: bytes.append(c)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Nanoseconds as microseconds with three decimals.
    mutating func micros(_ nanos: Int64) { fixed(nanos, 1_000) }
    /// Nanoseconds as milliseconds with six decimals.
    mutating func millis(_ nanos: Int64) { fixed(nanos, 1_000_000) }

    private mutating func fixed(_ value: Int64, _ unit: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        raw(String(magnitude / UInt64(unit)))
        var fraction = String(magnitude % UInt64(unit))
        let digits = String(unit).count - 1
        fraction = String(repeating: "0", count: digits - fraction.count) + fraction
        raw("." + fraction)
    }

    /// Drops the comma after the last event of a list.
    mutating func endList() {
        if bytes.count >= 2, bytes[bytes.count - 2] == UInt8(ascii: ","), bytes.last == 0x0A {
            bytes.removeLast(2)
            bytes.append(0x0A)
        }
    }

    /// Writes the text to `path` (replacing it); returns the system's reason on failure.
    func save(to path: String) -> String? {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return "cannot open '\(path)': \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        var offset = 0
        let failure: String? = bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return "cannot write '\(path)': \(String(cString: strerror(errno)))" }
                offset += n
            }
            return nil
        }
        return failure
    }
}
