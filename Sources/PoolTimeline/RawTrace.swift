import Foundation

/// The trace file as JSONDecoder reads it, before any check: every field the reader uses,
/// nil when absent *or* of another type (so an unknown event with odd fields is no error,
/// and a chunk slice whose `ts` is a string reads as one without `ts`). Unknown keys are
/// skipped by the decoder. Only a wrong type costs a thrown error, so a large trace decodes fast.
struct RawTrace: Decodable {
    /// What the top level is when it is not an object ("an array", …).
    var notAnObject: String?
    /// nil when absent; `eventsKind` says what stands there when it is not an array.
    var traceEvents: [RawEvent]?
    var eventsKind: String?
    var ranks: Double?
    var workers: Double?
    var clock: String?
    var version: Double?

    private enum Keys: String, CodingKey { case traceEvents, otherData }
    private enum OtherKeys: String, CodingKey { case ranks, workers, clock, mpipool }

    init(from decoder: any Decoder) throws {
        guard let c = try? decoder.container(keyedBy: Keys.self) else {
            notAnObject = try JSONKind(from: decoder).kind
            return
        }
        if c.contains(.traceEvents) {
            traceEvents = try? c.decode([RawEvent].self, forKey: .traceEvents)
            if traceEvents == nil { eventsKind = try c.decode(JSONKind.self, forKey: .traceEvents).kind }
        }
        if let other = try? c.nestedContainer(keyedBy: OtherKeys.self, forKey: .otherData) {
            ranks = other.lenient(Double.self, .ranks)
            workers = other.lenient(Double.self, .workers)
            clock = other.lenient(String.self, .clock)
            version = other.lenient(Double.self, .mpipool)
        }
    }

    /// Parses `data`, or throws `TraceError.notJSON` with a reason. The decoder says only
    /// "not valid JSON"; Foundation's JSONSerialization says where ("Invalid value around
    /// character 1."), so its message is used when it has one.
    static func parse(_ data: Data) throws(TraceError) -> RawTrace {
        do {
            return try JSONDecoder().decode(RawTrace.self, from: data)
        } catch {
            var reason = "not valid JSON"
            if case DecodingError.dataCorrupted(let context) = error { reason = context.debugDescription }
            do { _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
                if let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String { reason = detail }
            }
            throw .notJSON(reason: reason)
        }
    }
}

/// One element of `traceEvents`, the fields of every kind of event the reader knows.
struct RawEvent: Decodable {
    /// What the element is when it is not an object ("a number", …).
    var notAnObject: String?
    var ph: String?
    var cat: String?
    var name: String?
    var pid: Double?
    var tid: Double?
    var ts: Double?
    var dur: Double?
    var args: Args?

    /// `args`: of a chunk slice (chunk, submission, first, count, bytes, compute), of an instant
    /// (submission, task, items, chunk, rank), of metadata (name).
    struct Args: Decodable {
        var name: String?
        var task: String?
        var chunk, submission, first, count, bytesIn, bytesOut, computeMs, rank, items: Double?

        private enum Keys: String, CodingKey { case name, task, chunk, submission, first, count, bytesIn, bytesOut, computeMs, rank, items }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            name = c.lenient(String.self, .name)
            task = c.lenient(String.self, .task)
            chunk = c.lenient(Double.self, .chunk)
            submission = c.lenient(Double.self, .submission)
            first = c.lenient(Double.self, .first)
            count = c.lenient(Double.self, .count)
            bytesIn = c.lenient(Double.self, .bytesIn)
            bytesOut = c.lenient(Double.self, .bytesOut)
            computeMs = c.lenient(Double.self, .computeMs)
            rank = c.lenient(Double.self, .rank)
            items = c.lenient(Double.self, .items)
        }
    }

    private enum Keys: String, CodingKey { case ph, cat, name, pid, tid, ts, dur, args }

    init(from decoder: any Decoder) throws {
        guard let c = try? decoder.container(keyedBy: Keys.self) else {
            notAnObject = try JSONKind(from: decoder).kind
            return
        }
        ph = c.lenient(String.self, .ph)
        cat = c.lenient(String.self, .cat)
        name = c.lenient(String.self, .name)
        pid = c.lenient(Double.self, .pid)
        tid = c.lenient(Double.self, .tid)
        ts = c.lenient(Double.self, .ts)
        dur = c.lenient(Double.self, .dur)
        args = c.lenient(Args.self, .args)
    }
}

/// What kind of JSON value stands somewhere, for messages: `an array`, `a string`.
struct JSONKind: Decodable {
    var kind: String
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    init(from decoder: any Decoder) throws {
        if (try? decoder.container(keyedBy: AnyKey.self)) != nil { kind = "an object"; return }
        if (try? decoder.unkeyedContainer()) != nil { kind = "an array"; return }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { kind = "null" }
        else if (try? c.decode(Bool.self)) != nil { kind = "a Boolean" }
        else if (try? c.decode(Double.self)) != nil { kind = "a number" }
        else { kind = "a string" }
    }
}

extension KeyedDecodingContainer {
    /// The value at `key`, or nil when it is absent, null or of another type.
    func lenient<T: Decodable>(_ type: T.Type, _ key: Key) -> T? {
        guard contains(key) else { return nil }
        return try? decode(T.self, forKey: key)
    }
}

extension Double {
    /// The number as an `Int` when it is a whole number that fits.
    var wholeNumber: Int? { self == rounded() && abs(self) < 9.0e15 ? Int(self) : nil }
}
