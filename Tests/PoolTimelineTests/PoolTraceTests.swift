import Foundation
import Testing
@testable import PoolTimeline

@Suite struct PoolTraceTests {
    @Test func chunksGapsHostsAndRanksAreReadInAnyOrderIgnoringUnknownEvents() throws {
        let trace = try Traces.trace(Traces.twoSubmissions)
        #expect(trace.ranks == 5 && trace.workers == 4 && trace.clock == "test" && trace.version == 1)
        #expect(trace.chunks.map(\.rank) == [1, 2, 1, 3], "by start time")
        #expect(trace.chunks.map(\.start) == [0.001, 0.0015, 0.006, 0.009])
        let first = try #require(trace.chunks.first)
        #expect(first == PoolTrace.Chunk(rank: 1, task: "sleep", submission: 1, chunk: 0, first: 0, count: 2, start: 0.001,
                                         duration: 0.004, bytesIn: 16, bytesOut: 16, computeSeconds: 0.004))
        #expect(first.items == 0 ..< 2 && first.end == 0.005)
        #expect(trace.gaps == [PoolTrace.Span(rank: 1, start: 0.005, duration: 0.001)], "the gc slice (unknown cat) is ignored")
        #expect(trace.callbacks == [PoolTrace.Span(rank: 0, start: 0.0081, duration: 0.00005)])
        #expect(trace.masterEvents.map(\.name) == ["submit", "send", "retry", "submit"])
        #expect(trace.masterEvents.first?.task == "sleep" && trace.masterEvents.first?.items == 5)
        #expect(trace.hosts == [0: "node01", 1: "node01", 2: "node01", 3: "node02", 4: "node02"])
        #expect(trace.workerRanks == [1, 2, 3, 4], "rank 4 is named but ran nothing; rank 0 ran nothing")
        #expect(trace.warnings.isEmpty)
    }

    @Test func rankZeroIsAWorkerWhenItRanChunks() throws {
        let trace = try Traces.trace([Traces.chunk(rank: 0, first: 0, ts: 10, dur: 5), Traces.chunk(rank: 0, first: 1, ts: 15, dur: 5)],
                                     otherData: #"{"mpipool": 1, "ranks": 1, "workers": 0}"#)
        #expect(trace.workerRanks == [0])
    }

    @Test func withoutThreadNamesTheWorkersAreRanksOneToRanks() throws {
        let trace = try Traces.trace([Traces.chunk(rank: 2, first: 0, ts: 10, dur: 5)], otherData: #"{"ranks": 4}"#)
        #expect(trace.workerRanks == [1, 2, 3])
        #expect(trace.hosts.isEmpty, "no process_name, no host")
    }

    @Test func overlappingChunksOnOneRankAreAWarningNotAnError() throws {
        let trace = try Traces.trace([
            Traces.chunk(rank: 1, first: 0, ts: 0, dur: 100), Traces.chunk(rank: 1, first: 1, ts: 100, dur: 50),  // touching: fine
            Traces.chunk(rank: 1, first: 2, ts: 140, dur: 10),                                                    // inside the second
            Traces.chunk(rank: 2, first: 3, ts: 50, dur: 100),                                                    // another rank: fine
        ])
        #expect(trace.chunks.count == 4)
        #expect(trace.warnings.count == 1)
        guard case .overlap(let rank, let earlier, let later, let seconds)? = trace.warnings.first else {
            Issue.record("no overlap warning: \(trace.warnings)"); return
        }
        #expect(rank == 1 && earlier.first == 1 && later.first == 2)
        #expect(abs(seconds - 10e-6) < 1e-12)
        #expect("\(trace.warnings[0])".hasPrefix("rank 1: chunk 2 (sleep, from 0.0001 s) starts 0.0000 s before chunk 1 (sleep) ends"))
    }

    @Test func aTraceWithoutChunksIsReadWithAWarning() throws {
        let trace = try Traces.trace([Traces.rank(0), Traces.rank(1), Traces.rank(2)], otherData: #"{"mpipool": 2}"#)
        #expect(trace.workerRanks == [1, 2])
        #expect(trace.warnings == [.unknownVersion(2), .noChunks])
    }

    /// Each malformed file, the error it gives, and words its message must hold.
    static let malformed: [(String, TraceError, String)] = [
        ("[]", .notAnObject(found: "an array"), "is an array, not an object"),
        (#"{"displayTimeUnit": "ms"}"#, .noTraceEvents(found: nil), "no \"traceEvents\""),
        (#"{"traceEvents": {"a": 1}}"#, .noTraceEvents(found: "an object"), "\"traceEvents\" is an object"),
        (#"{"traceEvents": [{"ph":"M"}, 7]}"#, .eventNotAnObject(index: 1, found: "a number"), "event 1 is a number"),
        (#"{"traceEvents": [{"ph":"X","cat":"chunk","name":"t","tid":1,"dur":5,"args":{"submission":1,"first":0,"count":1}}]}"#,
         .missingField(index: 0, slice: "chunk", field: "ts"), "event 0 (a chunk slice) has no numeric \"ts\""),
        (#"{"traceEvents": [{"ph":"X","cat":"chunk","name":"t","tid":1,"ts":"5","args":{"submission":1,"first":0,"count":1}}]}"#,
         .missingField(index: 0, slice: "chunk", field: "ts"), "no numeric \"ts\""),
        (#"{"traceEvents": [{"ph":"M"}, {"ph":"X","cat":"chunk","name":"t","tid":1,"ts":5,"args":{"submission":1,"first":0,"count":1}}]}"#,
         .missingField(index: 1, slice: "chunk", field: "dur"), "event 1 (a chunk slice) has no numeric \"dur\""),
        (#"{"traceEvents": [{"ph":"X","cat":"chunk","name":"t","tid":1,"ts":5,"dur":-0.5,"args":{"submission":1,"first":0,"count":1}}]}"#,
         .negativeDuration(index: 0, slice: "chunk", duration: -0.5), "negative duration: \"dur\" is -0.5 µs"),
        (#"{"traceEvents": [{"ph":"X","cat":"idle","name":"idle","tid":1,"ts":5,"dur":-2}]}"#,
         .negativeDuration(index: 0, slice: "idle", duration: -2), "event 0 (an idle slice)"),
        (#"{"traceEvents": [{"ph":"X","cat":"chunk","name":"t","ts":5,"dur":1,"args":{"submission":1,"first":0,"count":1}}]}"#,
         .missingField(index: 0, slice: "chunk", field: "tid"), "no numeric \"tid\""),
        (#"{"traceEvents": [{"ph":"X","cat":"chunk","tid":1,"ts":5,"dur":1,"args":{"submission":1,"first":0,"count":1}}]}"#,
         .missingField(index: 0, slice: "chunk", field: "name"), "has no string \"name\""),
        (#"{"traceEvents": [{"ph":"X","cat":"chunk","name":"t","tid":1,"ts":5,"dur":1,"args":{"submission":1,"count":1}}]}"#,
         .missingField(index: 0, slice: "chunk", field: "args.first"), "no numeric \"args.first\""),
        (#"{"traceEvents": [{"ph":"X","cat":"chunk","name":"t","tid":1,"ts":5,"dur":1,"args":{"submission":1,"first":0,"count":-1}}]}"#,
         .invalidField(index: 0, slice: "chunk", field: "args.count", value: "-1.0 (a whole number ≥ 0 is needed)"), "invalid \"args.count\""),
        (#"{"traceEvents": [{"ph":"X","cat":"chunk","name":"t","tid":1.5,"ts":5,"dur":1,"args":{"submission":1,"first":0,"count":1}}]}"#,
         .invalidField(index: 0, slice: "chunk", field: "tid", value: "1.5 (a rank, a whole number ≥ 0, is needed)"), "invalid \"tid\""),
    ]

    @Test(arguments: malformed.indices)
    func malformedFilesAreRejectedWithAMessageNamingTheProblem(_ i: Int) throws {
        let (text, expected, words) = Self.malformed[i]
        #expect(throws: expected, "\(text)") { try PoolTrace(json: Data(text.utf8)) }
        #expect(expected.description.contains(words), "\(expected.description)")
    }

    @Test(arguments: ["not json", "", #"{"traceEvents": [1, }"#, "\u{FF}\u{FE}"])
    func bytesThatAreNotJSONAreRejectedWithTheParsersReason(_ text: String) {
        #expect { try PoolTrace(json: Data(text.utf8)) } throws: { error in
            guard case .notJSON(let reason)? = error as? TraceError else { return false }
            return !reason.isEmpty && "\(error)" == "the trace is not JSON: \(reason)"
        }
    }

    @Test func aTimeTooLargeForADoubleIsRejected() {
        let text = #"{"traceEvents": [{"ph":"X","cat":"chunk","name":"t","tid":1,"ts":1e999,"dur":1,"args":{"submission":1,"first":0,"count":1}}]}"#
        #expect { try PoolTrace(json: Data(text.utf8)) } throws: { error in
            guard let error = error as? TraceError else { return false }
            return error == .missingField(index: 0, slice: "chunk", field: "ts") || error == .invalidField(index: 0, slice: "chunk", field: "ts", value: "inf")
        }
    }

    @Test func anUnreadableFileNamesThePath() {
        #expect {
            try PoolTrace(contentsOfFile: "/nonexistent/run.json")
        } throws: { error in
            guard case .unreadable(let path, _)? = error as? TraceError else { return false }
            return path == "/nonexistent/run.json" && "\(error)".hasPrefix("cannot read the trace '/nonexistent/run.json': ")
        }
    }
}
