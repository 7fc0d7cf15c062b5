/// Why a file is not a pool trace that `PoolTrace` can read. Events are
/// numbered from 0 in the order of the file's `traceEvents` array.
///
/// ```swift
/// do { _ = try PoolTrace(json: Data("[]".utf8)) }
/// catch { print(error) }   // the trace is an array, not an object with "traceEvents"
/// ```
public enum TraceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The bytes are not JSON; `reason` is the parser's.
    case notJSON(reason: String)
    /// The top level is JSON but not an object (`found`: "an array", "a number", …).
    case notAnObject(found: String)
    /// The object has no `traceEvents` array (`found`: what is there instead, nil when absent).
    case noTraceEvents(found: String?)
    /// `traceEvents[index]` is not an object.
    case eventNotAnObject(index: Int, found: String)
    /// A chunk or idle slice lacks a field it needs (`ts`, `dur`, `tid`, `name`, `args.first`, …)
    /// or has a value of the wrong type there.
    case missingField(index: Int, slice: String, field: String)
    /// A field that is present holds an impossible value (a negative item count, an infinite time).
    case invalidField(index: Int, slice: String, field: String, value: String)
    /// A chunk or idle slice with `dur` below zero.
    case negativeDuration(index: Int, slice: String, duration: Double)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read the trace '\(path)': \(reason)"
        case .notJSON(let reason):
            "the trace is not JSON: \(reason)"
        case .notAnObject(let found):
            "the trace is \(found), not an object with \"traceEvents\" (Chrome trace-event JSON)"
        case .noTraceEvents(nil):
            "the trace has no \"traceEvents\" array (Chrome trace-event JSON)"
        case .noTraceEvents(let found?):
            "the trace's \"traceEvents\" is \(found), not an array of events"
        case .eventNotAnObject(let index, let found):
            "event \(index) is \(found), not an object"
        case .missingField(let index, let slice, let field):
            "\(Self.event(index, slice)) has no \(field == "name" ? "string" : "numeric") \"\(field)\""
        case .invalidField(let index, let slice, let field, let value):
            "\(Self.event(index, slice)) has an invalid \"\(field)\": \(value)"
        case .negativeDuration(let index, let slice, let duration):
            "\(Self.event(index, slice)) has a negative duration: \"dur\" is \(duration) µs"
        }
    }

    /// `event 3 (a chunk slice)`, `event 4 (an idle slice)`.
    private static func event(_ index: Int, _ slice: String) -> String {
        "event \(index) (\(slice.first.map { "aeiou".contains($0) } == true ? "an" : "a") \(slice) slice)"
    }
}

/// Something odd in a trace that still lets it be read.
///
/// ```swift
/// for warning in trace.warnings { print("warning:", warning) }
/// // warning: rank 2: chunk 8 (sleep, from 0.4900 s) starts 0.0028 s before chunk 7 (sleep) ends
/// ```
public enum TraceWarning: Equatable, Sendable, CustomStringConvertible {
    /// Two chunk slices on one rank overlap in time (a rank runs one chunk at a time):
    /// `later` starts `seconds` before `earlier` ends.
    case overlap(rank: Int, earlier: PoolTrace.Chunk, later: PoolTrace.Chunk, seconds: Double)
    /// The trace holds no chunk slice at all.
    case noChunks
    /// `otherData.mpipool` is a format version this reader does not know (it reads 1).
    case unknownVersion(Int)

    public var description: String {
        switch self {
        case .overlap(let rank, let earlier, let later, let seconds):
            "rank \(rank): \(later.label) (\(later.task), from \(fixed(later.start, 4)) s) starts \(fixed(seconds, 4)) s before \(earlier.label) (\(earlier.task)) ends"
        case .noChunks:
            "the trace holds no chunk slice (cat \"chunk\"): nothing ran"
        case .unknownVersion(let version):
            "otherData.mpipool is \(version); this reader knows version 1 and ignores what it does not know"
        }
    }
}
