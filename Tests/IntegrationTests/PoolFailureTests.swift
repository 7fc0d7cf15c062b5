import Testing

/// Failures that end the whole job must end it quickly and say why — never hang.
@Suite(.serialized)
struct PoolFailureTests {
    @Test func ranksWithDifferentRegistriesStopTheJobNamingTheRank() throws {
        let outcome = try ScenarioRun("mismatch").outcome
        #expect(!outcome.timedOut, "\(outcome)")
        #expect(outcome.status != 0, "\(outcome)")
        #expect(outcome.stderr.contains("rank 2"), "\(outcome)")
        #expect(outcome.stderr.contains("registry fingerprint"), "\(outcome)")
        #expect(!outcome.stdout.contains("mismatch.bodyRan"), "the body must not run: \(outcome)")
    }

    @Test func aWorkerThatDiesEndsTheJobInsteadOfHanging() throws {
        let outcome = try ScenarioRun("worker-dies").outcome
        #expect(!outcome.timedOut, "\(outcome)")
        #expect(outcome.status != 0, "\(outcome)")
        #expect(!outcome.stdout.contains("dies.mapReturned"), "\(outcome)")
        // Printed by the task just before `_exit`, which skips the C library's flush:
        // it reaches the output only because stdout is line-buffered inside a pool.
        #expect(outcome.stdout.contains("check dies.printedBeforeExit=rank"), "a task's print before it died was lost: \(outcome)")
        #expect(Launcher.reportsDeadRank(exitStatus: 3, in: outcome), "the launcher names the dead rank's status: \(outcome)")
        #expect(outcome.seconds < 30, "\(outcome)")
    }
}
