import Foundation
import Testing

/// The timeline rank 0 writes (`PoolOptions(timeline:)`, `MPIPOOL_TIMELINE`): a Chrome trace-event
/// file whose chunk slices tell exactly what ran where.
@Suite(.serialized) struct PoolTimelineTests {
    struct Slice {
        var rank: Int
        var start: Double
        var duration: Double
        var submission: Int
        var first: Int
        var count: Int
    }

    /// Parses the file and checks the trace-event shape; returns the chunk slices.
    static func slices(of path: String, ranks: Int) throws -> (slices: [Slice], events: [[String: Any]]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "a JSON object")
        let events = try #require(root["traceEvents"] as? [[String: Any]], "traceEvents")
        #expect(root["displayTimeUnit"] as? String == "ms")
        let threads = events.filter { $0["ph"] as? String == "M" && $0["name"] as? String == "thread_name" }
        #expect(Set(threads.compactMap { $0["tid"] as? Int }) == Set(0..<ranks), "one track per rank")
        var slices: [Slice] = []
        for event in events where event["ph"] as? String == "X" {
            let ts = try #require(event["ts"] as? Double, "\(event)"), dur = try #require(event["dur"] as? Double, "\(event)")
            #expect(event["name"] is String && event["pid"] is Int && event["tid"] is Int, "\(event)")
            #expect(dur >= 0, "\(event)")
            guard event["cat"] as? String == "chunk" else { continue }
            let args = try #require(event["args"] as? [String: Any], "\(event)")
            for key in ["chunk", "submission", "first", "count", "bytesIn", "bytesOut"] { #expect(args[key] is Int, "\(key) in \(event)") }
            #expect(args["computeMs"] is Double, "\(event)")
            slices.append(Slice(rank: event["tid"] as! Int, start: ts, duration: dur, submission: args["submission"] as! Int,
                                first: args["first"] as! Int, count: args["count"] as! Int))
        }
        // Slices on one rank never overlap.
        for rank in Set(slices.map(\.rank)) {
            let mine = slices.filter { $0.rank == rank }.sorted { $0.start < $1.start }
            for (a, b) in zip(mine, mine.dropFirst()) {
                #expect(b.start >= a.start + a.duration - 0.001, "rank \(rank): \(a) overlaps \(b)")
            }
        }
        return (slices, events)
    }

    /// Item ranges of each submission cover its input exactly once.
    static func coverage(_ slices: [Slice], submission: Int) -> [Int] {
        var seen: [Int: Int] = [:]
        for s in slices where s.submission == submission { for i in s.first..<(s.first + s.count) { seen[i, default: 0] += 1 } }
        return (0..<(seen.keys.max().map { $0 + 1 } ?? 0)).map { seen[$0] ?? 0 }
    }

    @Test func theTimelineOfAPoolHasATrackPerRankAndASlicePerChunkCoveringEveryItemOnce() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mpipool-timeline-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try ScenarioRun("timeline", environment: ["MPIPOOL_TEST_TIMELINE": path])
        #expect(run.outcome.status == 0 && run["timeline.map"] == "50" && run["timeline.apply"] == "81", "\(run)")
        let (slices, events) = try Self.slices(of: path, ranks: 4)
        let submissions = Set(slices.map(\.submission)).sorted()
        #expect(submissions.count == 3, "map, map, apply: \(submissions)")
        #expect(Self.coverage(slices, submission: submissions[0]) == Array(repeating: 1, count: 50))
        #expect(slices.filter { $0.submission == submissions[0] }.allSatisfy { $0.count <= 3 })
        #expect(Self.coverage(slices, submission: submissions[1]) == Array(repeating: 1, count: 7))
        #expect(Self.coverage(slices, submission: submissions[2]) == [1])
        #expect(Set(slices.map(\.rank)).isSubset(of: [1, 2, 3]), "only workers run chunks")
        // A 2 ms nap is a slice of at least 2 ms, and the master's events are there.
        #expect(slices.filter { $0.submission == submissions[0] }.allSatisfy { $0.duration >= 2000 * Double($0.count) - 1 })
        let names = Set(events.filter { $0["cat"] as? String == "master" }.compactMap { $0["name"] as? String })
        #expect(names.isSuperset(of: ["submit", "send", "result"]), "\(names)")
        #expect(events.contains { $0["cat"] as? String == "idle" }, "idle gaps between chunks")
    }

    /// Any program gets it through the environment; without it, nothing is written.
    @Test func anyProgramWritesItWithTheEnvironmentVariable() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mpipool-timeline-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let off = try Launcher.mpirun(4, "sleepjobs-mpi", ["--scale", "0.01"])
        #expect(off.status == 0 && !FileManager.default.fileExists(atPath: path))
        let on = try Launcher.mpirun(4, "sleepjobs-mpi", ["--scale", "0.01"], environment: ["MPIPOOL_TIMELINE": path])
        #expect(on.status == 0, "\(on)")
        let (slices, _) = try Self.slices(of: path, ranks: 4)
        #expect(Self.coverage(slices, submission: slices.first?.submission ?? -1) == Array(repeating: 1, count: 19), "the 19 jobs, once each")
        let bad = try Launcher.mpirun(2, "sleepjobs-mpi", ["--scale", "0.01", "--jobs", "2"],
                                      environment: ["MPIPOOL_TIMELINE": "/nonexistent-folder/run.json"])
        #expect(bad.status == 0 && bad.stderr.contains("MPIPool: the timeline was not written: cannot open '/nonexistent-folder/run.json'"),
                "a timeline that cannot be written is said, the work still done: \(bad)")
    }
}
