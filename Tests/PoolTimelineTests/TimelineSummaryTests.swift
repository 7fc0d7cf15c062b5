import Foundation
import Testing
import Workloads
@testable import PoolTimeline

@Suite struct TimelineSummaryTests {
    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool { abs(a - b) <= tolerance }

    @Test func busyTimeJobsAndUtilisationPerWorker() throws {
        let summary = TimelineSummary(try Traces.trace(Traces.twoSubmissions))
        #expect(summary.workers.map(\.rank) == [1, 2, 3, 4])
        #expect(summary.workers.map(\.host) == ["node01", "node01", "node02", "node02"])
        #expect(zip(summary.workers.map(\.busy), [0.006, 0.0065, 0.001, 0]).allSatisfy { Self.close($0, $1) })
        #expect(summary.workers.map(\.chunks) == [2, 1, 1, 0])
        #expect(Self.close(summary.workers[0].idle, 0.001) && summary.workers[1].idle == 0)
        #expect(summary.workers[0].jobs == [.init(submission: 1, index: 0), .init(submission: 1, index: 1), .init(submission: 1, index: 4)])
        #expect(summary.workers.map(\.jobLabels) == [["1:0", "1:1", "1:4"], ["1:2", "1:3"], ["2:0", "2:1", "2:2"], []],
                "two submissions: ids are submission:index")
        #expect(Self.close(summary.makespan, 0.009) && Self.close(summary.start, 0.001) && Self.close(summary.end, 0.010))
        #expect(zip(summary.workers.map(\.utilisation), [6.0 / 9, 6.5 / 9, 1.0 / 9, 0]).allSatisfy { Self.close($0, $1, 1e-9) })
        #expect(Self.close(summary.busy, 0.0135))
        #expect(Self.close(summary.utilisation, 0.0135 / (4 * 0.009), 1e-9), "busy ÷ (workers × makespan), the idle worker included")
        #expect(summary.submissions == [1, 2] && summary.tasks == ["sleep", "square"])
        #expect(summary.chunkCount == 4 && summary.itemCount == 8)
        #expect(summary.masterEventCounts == ["submit": 2, "send": 1, "retry": 1])
    }

    @Test func theBoundIsGreedyListSchedulingInSubmissionOrder() throws {
        let summary = TimelineSummary(try Traces.trace(Traces.twoSubmissions))
        // In submission order 4, 6.5, 2, 1 ms on 4 workers: every chunk on a free worker → 6.5 ms.
        #expect(Self.close(summary.greedyMakespan, 0.0065))
        #expect(Self.close(summary.ratio, 0.009 / 0.0065, 1e-9))
        #expect(Self.close(summary.lowerBound, 0.0065), "max(13.5 / 4, 6.5) ms")
    }

    @Test func theBoundFollowsSubmissionOrderNotStartOrderOnFewerWorkers() throws {
        // Two workers; in submission order (first item) the chunks last 3, 1, 1, 3 ms, but they started
        // in another order. Greedy: w0 3 | w1 1, 1 → 2, then 3 on w1 → 5 ms.
        let trace = try Traces.trace([
            Traces.rank(1), Traces.rank(2),
            Traces.chunk(rank: 1, first: 3, ts: 0, dur: 3000), Traces.chunk(rank: 2, first: 0, ts: 0, dur: 3000),
            Traces.chunk(rank: 1, first: 1, ts: 3000, dur: 1000), Traces.chunk(rank: 2, first: 2, ts: 3000, dur: 1000),
        ])
        let summary = TimelineSummary(trace)
        #expect(Self.close(summary.greedyMakespan, listScheduleMakespan([0.003, 0.001, 0.001, 0.003], workers: 2)))
        #expect(Self.close(summary.greedyMakespan, 0.005))
        #expect(Self.close(summary.makespan, 0.004) && summary.ratio < 1, "a lucky order beats greedy in submission order")
        #expect(summary.workers.map(\.jobLabels) == [["1", "3"], ["0", "2"]], "one submission: plain indices")
    }

    @Test func theTableReadsLikeTheSeeds() throws {
        let text = TimelineSummary(try Traces.trace(Traces.twoSubmissions)).rendered(decimals: 4)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "Pool of 4 workers on 2 hosts (5 ranks): 4 chunks, 8 items, 2 submissions, tasks sleep, square")
        #expect(lines[1] == "Clock: test")
        #expect(lines.contains("Total time spent in each process"))
        #expect(lines.contains("Process  1 (rank 1, node01)    0.0060(s)  66.7%    3 job(s) (1:0, 1:1, 1:4)"))
        #expect(lines.contains("Process  2 (rank 2, node01)    0.0065(s)  72.2%    2 job(s) (1:2, 1:3)"))
        #expect(lines.contains("Process  3 (rank 3, node02)    0.0010(s)  11.1%    3 job(s) (2:0, 2:1, 2:2)"))
        #expect(lines.contains("Process  4 (rank 4, node02)    0.0000(s)   0.0%    0 job(s) ()  idle"))
        #expect(lines.contains("      Total work done (s)       0.0135"))
        #expect(lines.contains("             Makespan (s)       0.0090   (first chunk start to last chunk end)"))
        #expect(lines.contains("      Greedy makespan (s)       0.0065   (4 chunks in submission order on 4 workers, no hand-off)"))
        #expect(lines.contains("        Makespan / greedy       1.3846"))
        #expect(lines.contains("          Lower bound (s)       0.0065   (max of work / workers and the longest chunk)"))
        #expect(lines.contains("          Utilisation (%)        37.50   (work / (workers × makespan))"))
        #expect(lines.contains("           Chunks retried            1"))
    }

    @Test func aSingleJobIsPrintedWithPythonsTupleComma() throws {
        let text = TimelineSummary(try Traces.trace([Traces.chunk(rank: 1, first: 7, ts: 0, dur: 2_000_000)], otherData: nil)).rendered()
        #expect(text.contains("Process  1 (rank 1)    2.0000(s) 100.0%    1 job(s) (7,)"), "\(text)")
        #expect(text.hasPrefix("Pool of 1 worker: 1 chunk, 1 item, 1 submission, task sleep\n"))
    }

    @Test(arguments: [(2.0, 4), (1.0, 4), (0.5, 5), (0.009, 7), (0.0001, 8), (1e-12, 9)])
    func shortRunsGetMoreDecimals(makespan: Double, decimals: Int) throws {
        let summary = TimelineSummary(try Traces.trace([Traces.chunk(rank: 1, first: 0, ts: 0, dur: makespan * 1e6)]))
        #expect(summary.automaticDecimals == decimals)
    }

    @Test func aTraceWithoutChunksSummarisesToZeros() throws {
        let summary = TimelineSummary(try Traces.trace([Traces.rank(0), Traces.rank(1)]))
        #expect(summary.workers.map(\.rank) == [1] && summary.makespan == 0 && summary.utilisation == 0)
        #expect(summary.greedyMakespan == 0 && summary.ratio == 0)
        #expect(summary.rendered().contains("Process  1 (rank 1)    0.0000(s)   0.0%    0 job(s) ()  idle"))
    }
}
