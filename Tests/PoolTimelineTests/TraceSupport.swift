import Foundation
@testable import PoolTimeline

/// Hand-written traces in the pool's format, built event by event.
enum Traces {
    /// A whole trace file around `events` (each one JSON object).
    static func file(_ events: [String], otherData: String? = #"{"mpipool": 1, "ranks": 5, "workers": 4, "clock": "test"}"#) -> Data {
        let other = otherData.map { "\"otherData\": \($0),\n " } ?? ""
        return Data("{\"displayTimeUnit\": \"ms\",\n \(other)\"traceEvents\": [\n  \(events.joined(separator: ",\n  "))\n]}".utf8)
    }

    static func trace(_ events: [String], otherData: String? = #"{"mpipool": 1, "ranks": 5, "workers": 4, "clock": "test"}"#) throws -> PoolTrace {
        try PoolTrace(json: file(events, otherData: otherData))
    }

    /// `text` as a JSON string literal, quotes included.
    static func quoted(_ text: String) -> String { String(decoding: try! JSONEncoder().encode(text), as: UTF8.self) }

    static func chunk(rank: Int, task: String = "sleep", submission: Int = 1, first: Int, count: Int = 1, ts: Double, dur: Double,
                      chunk: Int? = nil, pid: Int = 1) -> String {
        #"{"ph":"X","cat":"chunk","name":\#(quoted(task)),"pid":\#(pid),"tid":\#(rank),"ts":\#(ts),"dur":\#(dur),"#
            + #""args":{"chunk":\#(chunk ?? first),"submission":\#(submission),"first":\#(first),"count":\#(count),"bytesIn":16,"bytesOut":16,"computeMs":\#(dur / 1000)}}"#
    }

    static func idle(rank: Int, ts: Double, dur: Double, pid: Int = 1) -> String {
        #"{"ph":"X","cat":"idle","name":"idle","pid":\#(pid),"tid":\#(rank),"ts":\#(ts),"dur":\#(dur)}"#
    }

    static func host(_ pid: Int, _ name: String) -> String {
        #"{"ph":"M","name":"process_name","pid":\#(pid),"args":{"name":"host \#(name)"}}"#
    }

    static func rank(_ tid: Int, pid: Int = 1) -> String {
        #"{"ph":"M","name":"thread_name","pid":\#(pid),"tid":\#(tid),"args":{"name":"rank \#(tid)"}}"#
    }

    static func submit(_ submission: Int, task: String, items: Int, ts: Double) -> String {
        #"{"ph":"i","cat":"master","name":"submit","pid":1,"tid":0,"ts":\#(ts),"s":"t","args":{"submission":\#(submission),"task":\#(quoted(task)),"items":\#(items)}}"#
    }

    static func instant(_ name: String, chunk: Int, rank: Int, ts: Double) -> String {
        #"{"ph":"i","cat":"master","name":"\#(name)","pid":1,"tid":0,"ts":\#(ts),"s":"t","args":{"chunk":\#(chunk),"rank":\#(rank)}}"#
    }

    /// Five ranks on two hosts (0–2 on node01, 3–4 on node02), two submissions, rank 4 idle:
    ///
    ///     rank 1  sleep s1 items 0–1  1.0 → 5.0 ms, idle 5 → 6 ms, sleep s1 item 4  6.0 → 8.0 ms
    ///     rank 2  sleep s1 items 2–3  1.5 → 8.0 ms
    ///     rank 3  square s2 items 0–2 9.0 → 10.0 ms
    ///     rank 4  nothing
    ///
    /// Makespan 9 ms; busy 6, 6.5, 1, 0 ms (13.5 ms); greedy in submission order on 4 workers:
    /// 4, 6.5, 2, 1 ms on free workers → 6.5 ms; lower bound max(13.5 / 4, 6.5) = 6.5 ms.
    /// Events deliberately out of order, with unknown ones mixed in.
    static let twoSubmissions: [String] = [
        chunk(rank: 3, task: "square", submission: 2, first: 0, count: 3, ts: 9000, dur: 1000, chunk: 3, pid: 2),
        idle(rank: 1, ts: 5000, dur: 1000),
        #"{"ph":"X","cat":"gc","name":"collect","pid":1,"tid":1,"ts":2000,"dur":-5}"#,
        chunk(rank: 1, first: 4, ts: 6000, dur: 2000, chunk: 2),
        host(2, "node02"),
        rank(3, pid: 2), rank(4, pid: 2), rank(0), rank(1), rank(2),
        submit(2, task: "square", items: 3, ts: 8500),
        chunk(rank: 2, first: 2, count: 2, ts: 1500, dur: 6500, chunk: 1),
        #"{"ph":"C","name":"queue","pid":1,"ts":100,"args":{"depth":3},"extra":[1,2,3]}"#,
        chunk(rank: 1, first: 0, count: 2, ts: 1000, dur: 4000, chunk: 0),
        instant("send", chunk: 0, rank: 1, ts: 900),
        instant("retry", chunk: 2, rank: 1, ts: 5900),
        submit(1, task: "sleep", items: 5, ts: 800),
        host(1, "node01"),
        #"{"ph":"X","cat":"callback","name":"callback","pid":1,"tid":0,"ts":8100,"dur":50,"args":{"submission":1}}"#,
    ]
}
