import Testing
import TaskFarm

@Suite struct OutputLinesTests {
    @Test func groupedOutputEndsWithANewline() {
        #expect(OutputLines.grouped([]) == [])
        #expect(OutputLines.grouped(Array("a\nb".utf8)) == Array("a\nb\n".utf8))
        #expect(OutputLines.grouped(Array("a\n".utf8)) == Array("a\n".utf8))
    }

    @Test func taggedOutputPrefixesEveryLine() {
        #expect(OutputLines.tagged(Array("a\nb\n".utf8), task: 7) == Array("7\ta\n7\tb\n".utf8))
        #expect(OutputLines.tagged(Array("a\n\nb".utf8), task: 12) == Array("12\ta\n12\t\n12\tb\n".utf8))
        #expect(OutputLines.tagged([], task: 1) == [])
    }
}

@Suite struct FarmTallyTests {
    @Test func countsEveryEndingAndKeepsTheSlowest() {
        var tally = FarmTally(keepingSlowest: 2)
        let endings: [TaskEnding] = [.succeeded, .exited(3), .signalled(9), .timedOut, .couldNotStart, .succeeded]
        for (i, ending) in endings.enumerated() {
            tally.add(task: i + 1, seconds: [0.5, 0.1, 3, 2, 0, 1][i], command: Array("c\(i + 1)".utf8), ending: ending, attempts: i == 5 ? 2 : 1)
        }
        tally.skipped = 4
        #expect(tally.finished == 6 && tally.succeeded == 2 && tally.failed == 4 && tally.retried == 1)
        #expect(tally.slowest.map(\.task) == [3, 4])
        #expect(tally.summaryLine == "6 tasks: 2 succeeded, 4 failed (1 exited non-zero, 1 killed by a signal, 1 timed out, 1 could not start), "
                + "1 retried, 4 skipped (done in the joblog)")
    }
}

@Suite struct TaskEnvironmentTests {
    @Test func theLaunchersVariablesAreLeftOutAndTheTasksAdded() {
        let base = TaskEnvironment.filtered(["PATH=/bin", "OMPI_COMM_WORLD_RANK=3", "OMPI_MCA_orte_hnp_uri=x", "PMIX_RANK=3", "PMI_FD=4",
                                             "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1", "SLURM_JOB_ID=7",
                                             "MPIPOOL_TASK_ID=9", "HOME=/root", "OMPIX=kept"])
        #expect(base == ["PATH=/bin", "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1", "SLURM_JOB_ID=7", "HOME=/root", "OMPIX=kept"])
        #expect(TaskEnvironment.forTask(["A=1"], task: 5, rank: 2, host: "n1", attempt: 1)
                == ["A=1", "MPIPOOL_TASK_ID=5", "MPIPOOL_RANK=2", "MPIPOOL_HOST=n1", "MPIPOOL_ATTEMPT=1"])
    }
}
