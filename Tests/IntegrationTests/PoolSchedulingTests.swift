import Foundation
import Testing

/// Scheduling under real mpirun: workers hold a second short job while the queue is deep, and a
/// job held behind a slow one goes back to the queue for an idle worker instead of waiting.
@Suite(.serialized) struct PoolSchedulingTests {
    @Test func aQuickJobHeldBehindASlowOneIsGivenBackToAnIdleWorker() throws {
        let run = try ScenarioRun("give-back", environment: ["MPIPOOL_TRACE": "1"])
        #expect(run.outcome.status == 0, "\(run)")
        #expect(run["giveback.results"] == "24", "\(run)")
        let quick = try #require(run["giveback.quickSeconds"].flatMap(Double.init), "\(run)")
        let slow = try #require(run["giveback.slowSeconds"].flatMap(Double.init), "\(run)")
        // 23 jobs of 10 ms on the two other workers take about 0.12 s; held behind the 1.5 s job, one would end after it.
        #expect(quick < 1.0 && slow >= 1.5, "the quick jobs ended at \(quick) s, the slow one at \(slow) s: \(run)")
        let gaveBack = run.outcome.stderr.split(separator: "\n").filter { $0.contains("gave back") && $0.contains("unstarted") }
        #expect(gaveBack.count >= 1, "the worker with the slow job gave back what it held: \(run)")
    }
}
