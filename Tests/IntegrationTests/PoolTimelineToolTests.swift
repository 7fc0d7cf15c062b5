import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// The built `pool-timeline` on the committed sleepjobs-shaped trace (Tests/Fixtures/timeline-sleepjobs.json,
/// made by timeline_sleepjobs.py): the printed table against the trace read independently here, the SVG,
/// and the exit statuses. No MPI: each run is one short process under a timeout.
@Suite struct PoolTimelineToolTests {
    static let fixture = Programs.fixtures.appendingPathComponent("timeline-sleepjobs.json").path

    /// Per rank: (busy seconds, job ids) and the makespan, read from the fixture with JSONSerialization.
    static func expected() throws -> (rows: [Int: (Double, [Int])], makespan: Double, chunks: Int) {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let events = try #require(root["traceEvents"] as? [[String: Any]])
        var rows: [Int: (Double, [Int])] = [:]
        var start = Double.infinity, end = -Double.infinity, chunks = 0
        for e in events where e["cat"] as? String == "chunk" {
            let rank = e["tid"] as! Int, ts = (e["ts"] as! NSNumber).doubleValue / 1e6, dur = (e["dur"] as! NSNumber).doubleValue / 1e6
            let first = (e["args"] as! [String: Any])["first"] as! Int
            rows[rank, default: (0, [])].0 += dur
            rows[rank]!.1.append(first)
            start = min(start, ts); end = max(end, ts + dur); chunks += 1
        }
        return (rows, end - start, chunks)
    }

    @Test func printsTheTableAndTheBoundsOfTheSleepjobsTrace() throws {
        let outcome = try Launcher.direct("pool-timeline", [Self.fixture], timeout: 60)
        #expect(outcome.status == 0 && outcome.stderr.isEmpty, "\(outcome)")
        let (expected, makespan, chunks) = try Self.expected()
        #expect(chunks == 19)
        let rows = try Programs.matches(outcome.lines,
            #"^Process\s+(\d+) \(rank (\d+), node01\)\s+([0-9.]+)\(s\)\s+([0-9.]+)% +(\d+) job\(s\) \(([0-9, ]*)\)"#)
        #expect(rows.map { Int($0[0])! } == Array(1 ... 8))
        #expect(rows.map { Int($0[1])! } == Array(1 ... 8), "one row per worker, rank 0 (the master) not among them")
        for row in rows {
            let rank = Int(row[1])!, (busy, jobs) = try #require(expected[rank])
            #expect(abs(Double(row[2])! - busy) <= 0.5e-4, "rank \(rank)")
            #expect(abs(Double(row[3])! - busy / makespan * 100) <= 0.051, "rank \(rank) utilisation")
            #expect(Int(row[4])! == jobs.count)
            #expect(row[5].split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! } == jobs.sorted())
        }
        // The seed's table for these durations: process 2 runs jobs 1, 12 and 16.
        #expect(outcome.lines.contains { $0.hasPrefix("Process  2 (rank 2, node01)") && $0.hasSuffix("3 job(s) (1, 12, 16)") })
        let total = expected.values.reduce(0) { $0 + $1.0 }
        #expect(abs(try #require(Programs.summary(outcome, "Total work done (s)")) - total) <= 0.5e-4)
        #expect(abs(try #require(Programs.summary(outcome, "Makespan (s)")) - makespan) <= 0.5e-4)
        // Greedy list scheduling of Python's durations × 0.2 on 8 workers is 0.2 × 6.4369 s; the trace's
        // chunks are each a few tens of µs longer than their sleep.
        let greedy = try #require(Programs.summary(outcome, "Greedy makespan (s)"))
        #expect(abs(greedy - 0.2 * 6.4369) < 0.001, "\(greedy)")
        let ratio = try #require(Programs.summary(outcome, "Makespan / greedy"))
        #expect(abs(ratio - makespan / greedy) < 0.0002)
        let utilisation = try #require(Programs.summary(outcome, "Utilisation (%)"))
        #expect(abs(utilisation - total / (8 * makespan) * 100) < 0.01)
        #expect(outcome.lines.first == "Pool of 8 workers on 1 host (9 ranks): 19 chunks, 19 items, 1 submission, task sleep")
    }

    @Test func writesAWellFormedChartWithARowPerWorkerAndABarPerChunk() throws {
        let svg = Programs.temporaryPath("timeline.svg")
        defer { try? FileManager.default.removeItem(atPath: svg) }
        let outcome = try Launcher.direct("pool-timeline", [Self.fixture, "--svg", svg, "--quiet"], timeout: 60)
        #expect(outcome.status == 0 && outcome.stdout.isEmpty && outcome.stderr.isEmpty, "\(outcome)")
        let parser = try #require(XMLParser(contentsOf: URL(fileURLWithPath: svg)))
        let counter = ClassCounter()
        parser.delegate = counter
        #expect(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
        #expect(counter.root == "svg")
        #expect(counter.count["row"] == 8 && counter.count["chunk"] == 19)
        #expect(counter.count["idle"] == 11, "19 chunks on 8 workers: 11 gaps between a worker's chunks")
        #expect(counter.count["legend-task"] == 1 && counter.count["legend-idle"] == 1)
        #expect(counter.text.contains("Pool timeline: 8 workers, makespan 1.289 s, utilisation 82.1 %"))
    }

    @Test func listsTheChunksByStartTimeOnRequest() throws {
        let outcome = try Launcher.direct("pool-timeline", [Self.fixture, "--chunks"], timeout: 60)
        #expect(outcome.status == 0, "\(outcome)")
        let chunks = try Programs.matches(outcome.lines,
            #"^chunk (\d+) rank (\d+) start ([0-9.]+) end ([0-9.]+) submission 1 first (\d+) count 1 task sleep$"#)
        #expect(chunks.count == 19)
        let starts = chunks.map { Double($0[2])! }
        #expect(starts == starts.sorted())
        #expect(Set(chunks.map { Int($0[4])! }) == Set(0 ..< 19))
    }

    @Test func badFilesAndFlagsEndWithAMessageAndTheirStatus() throws {
        let notJSON = Programs.temporaryPath("not.json"), negative = Programs.temporaryPath("negative.json")
        defer { try? FileManager.default.removeItem(atPath: notJSON); try? FileManager.default.removeItem(atPath: negative) }
        try "this is not a trace".write(toFile: notJSON, atomically: true, encoding: .utf8)
        try #"{"traceEvents":[{"ph":"X","cat":"chunk","name":"sleep","tid":1,"ts":5,"dur":-3,"args":{"submission":1,"first":0,"count":1}}]}"#
            .write(toFile: negative, atomically: true, encoding: .utf8)
        let cases: [([String], Int32, String)] = [
            ([notJSON], 65, "Error: the trace is not JSON: "),
            ([negative], 65, "Error: event 0 (a chunk slice) has a negative duration: \"dur\" is -3.0 µs"),
            (["/nonexistent/run.json"], 66, "Error: cannot read the trace '/nonexistent/run.json': "),
            ([Self.fixture, "--svg", "/nonexistent/dir/out.svg"], 73, "Error: cannot write the chart '/nonexistent/dir/out.svg': "),
            ([Self.fixture, "--decimals", "40"], 64, "Error: --decimals must be 0…12 (got 40)"),
            ([], 64, "Error: Missing expected argument '<trace>'"),
        ]
        for (arguments, status, message) in cases {
            let outcome = try Launcher.direct("pool-timeline", arguments, timeout: 60)
            #expect(outcome.status == status, "\(arguments): \(outcome)")
            #expect(outcome.errorLines.first?.hasPrefix(message) == true, "\(arguments): \(outcome)")
        }
    }
}

/// Counts `class` attributes and gathers the text of an SVG.
private final class ClassCounter: NSObject, XMLParserDelegate {
    var count: [String: Int] = [:]
    var root: String?
    var text = ""
    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if root == nil { root = elementName }
        if let c = attributes["class"] { count[c, default: 0] += 1 }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) { text += "\n" }
}
