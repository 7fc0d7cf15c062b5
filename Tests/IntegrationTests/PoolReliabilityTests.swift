import Testing

/// Never hang, never lose work: per-task timeouts, stuck workers, bounded ends,
/// retries and callback re-entry, under `mpirun -n 4`.
@Suite(.serialized) struct PoolReliabilityTests {
    @Test func anItemThatNeverReturnsFailsWithATimeoutNamingItAndTheRestGoesOn() throws {
        let run = try ScenarioRun.shared("timeouts", timeout: 60)
        run.expectClean()
        run.expect("to.imap", "0,1,4,timedOut@3,16,25")
        let error = try #require(run["to.error"], "\(run)")
        #expect(error.hasPrefix("task hang item 3 timed out on rank "), "\(error)")
        #expect(error.hasSuffix("ran longer than its timeout of 1.0 seconds"), "\(error)")
        let seconds = try #require(run.number("to.imapSeconds"), "\(run)")
        #expect(seconds >= 1 && seconds < 5, "the imap took \(seconds) s with a 1 s timeout")
    }

    @Test func aStuckWorkerGetsNoWorkQuickJobsRunElsewhereAndALateTaskRejoins() throws {
        let run = try ScenarioRun.shared("timeouts", timeout: 60)
        run.expectClean()
        run.expect("to.quickAllDone", "true")
        run.expect("to.quickValues", "0,1,4,9,16,25,36,49,64,81")
        #expect((run.number("to.quickSeconds") ?? 99) < 2.5, "quick jobs waited behind the stuck worker: \(run)")
        run.expect("to.late", "timedOut@0x1")   // its late result is discarded: the error stays
        run.expect("to.lateRankDiffers", "true")
        run.expect("to.rejoined", "true")
        run.expect("to.stuckRankIdle", "true")
        // Every worker but the one stuck for ever (which one gets the hanging item depends on timing).
        let stuckRank = try #require(run.ints("to.stuckRank")?.first, "\(run)")
        run.expect("to.mapRanks", [1, 2, 3].filter { $0 != stuckRank }.map(String.init).joined(separator: ","))
    }

    @Test func aPoolWithAWorkerStuckPastItsTimeoutStillEndsCleanly() throws {
        let run = try ScenarioRun.shared("timeouts", timeout: 60)
        run.expectClean()
        run.expect("to.runReturned", "true")
        #expect((run.number("to.totalSeconds") ?? 99) < 20, "a hang guard: \(run)")
    }

    @Test func terminateAndAThrowWithATimedStuckTaskEndAtOnce() throws {
        let run = try ScenarioRun.shared("timed-terminate", timeout: 60)
        run.expectClean()
        run.expect("timedTerminate.stuck", "error:terminated")
        run.expect("timedTerminate.error", "TestFailure(after terminate)")
        #expect((run.number("timedTerminate.terminateSeconds") ?? 99) < 2, "\(run)")
    }

    /// Without a timeout the stuck rank's MPI thread is inside the task: its watchdog answers the
    /// immediate shutdown, reports the item abandoned, finalises MPI and leaves, so every rank
    /// finalises and mpirun ends normally. The pool's end names the rank and its task; the program
    /// exits non-zero (`Pool.run` throws `tasksAbandoned`, or the body's own error).
    @Test(arguments: ["stuck-terminate", "stuck-throw"])
    func aTaskThatNeverReturnsWithoutATimeoutIsAbandonedNamedAndTheJobEnds(scenario: String) throws {
        let outcome = try ScenarioRun(scenario, timeout: 30).outcome
        #expect(!outcome.timedOut, "\(outcome)")
        #expect(outcome.status == 1, "\(outcome)")
        #expect(outcome.seconds < 10, "\(outcome)")
        #expect(outcome.stderr.contains("MPIPool: rank 1 (") || outcome.stderr.contains("MPIPool: rank 2 (") || outcome.stderr.contains("MPIPool: rank 3 ("),
                "\(outcome)")
        #expect(outcome.stderr.contains(") left the pool inside task hang item 0, which had not returned"), "\(outcome)")
        if scenario == "stuck-throw" {
            #expect(outcome.stderr.contains("Error: the body gave up on a stuck task"), "the body's error is the one reported: \(outcome)")
        } else {
            #expect(outcome.stdout.contains("check stuckTerminate.returned=true"), "terminate() returned: \(outcome)")
            #expect(outcome.stderr.contains("Error: the pool ended while tasks had not returned: rank "), "\(outcome)")
        }
    }

    @Test func retriesRunAFailedItemAgainOnAnotherWorkerAndCountAttempts() throws {
        let run = try ScenarioRun.shared("retries", timeout: 60)
        run.expectClean()
        run.expect("retry.onceAttempts", "2,2,2,2,2,2")
        run.expect("retry.otherWorker", "true")
        run.expect("retry.always", "threw@0x3")
        #expect(run["retry.alwaysMessage"]?.contains("(after 3 attempts)") == true, "\(run)")
        run.expect("retry.noRetry", "threw@0x1")
        run.expect("retry.timeout", "2")
        run.expect("retry.timeoutNotChosen", "timedOut@0x1")
        run.expect("retry.throwNotChosen", "threw@0x1")
        run.expect("retry.negative", "error:invalidArgument")
        run.expect("retry.zeroTimeout", "error:invalidArgument")
        run.expect("retry.chunkedCount", "12")
        run.expect("retry.chunkedFailedItemAttempts", "2")
    }

    @Test func blockingCallsInACallbackWorkOrThrowAtOnce() throws {
        let run = try ScenarioRun.shared("callback-reentry", timeout: 60)
        run.expectClean()
        run.expect("reentry.callbackFinished", "true")
        run.expect("reentry.getOnCallbackResult", "error:wouldDeadlock")
        run.expect("reentry.getTimeoutOnCallbackResult", "error:wouldDeadlock")
        run.expect("reentry.waitOnCallbackResult", "false")
        run.expect("reentry.waitsReturnedQuickly", "true")
        run.expect("reentry.getOnPlainResult", "value:9")
        run.expect("reentry.mapInCallback", "value:1,4,9")
        run.expect("reentry.join", "error:wouldDeadlock")
        run.expect("reentry.shutdownInCallback", "true")
    }

    /// Submits, cancels and stats from three threads for 50 rounds, then a thread submitting
    /// while the body returns; five launches. Every call is answered, nothing hangs.
    @Test(arguments: 1...5)
    func racingSubmitsCancelsAndTheEndOfThePoolAllGetAnswers(launch: Int) throws {
        let run = try ScenarioRun("races", timeout: 90)
        run.expectClean()
        run.expect("races.unansweredRounds", "0")
        run.expect("races.submitterStopped", "true")
        run.expect("races.total", "1500")
        run.expect("races.onlyExpected", "true")
    }

    /// Arguments and results over MPI's 2 GiB limit for one message fail their task with a
    /// clear error and the pool goes on. (About 4 GB per process; a minute in a debug build.)
    @Test func framesOverMPIsMessageLimitFailTheirTaskNotTheJob() throws {
        let outcome = try Launcher.mpirun(2, "pool-testkit", ["--scenario", "huge"], timeout: 300)
        #expect(!outcome.timedOut && outcome.status == 0, "\(outcome)")
        #expect(outcome.lines.contains("check huge.arguments=TaskError.argumentsUnencodable: WireError: malformed message: "
                                       + "the arguments of this chunk take 2147483701 bytes, over MPI's limit of 2147483647 for one message"), "\(outcome)")
        #expect(outcome.lines.contains("check huge.results=TaskError.resultUnencodable: "
                                       + "the results of this chunk take 2147483680 bytes, over MPI's limit of 2147483647 for one message"), "\(outcome)")
        #expect(outcome.lines.contains("check huge.after=144"), "the pool goes on: \(outcome)")
    }

    @Test func rankZerosOwnChunkNeverStallsTheProgressLoop() throws {
        let run = try ScenarioRun.shared("master-busy", timeout: 60)
        run.expectClean()
        run.expect("busy.longRank", "0")
        run.expect("busy.otherWorker", "49")
        #expect((run.number("busy.statsSeconds") ?? 99) < 0.5, "stats waited for rank 0's chunk: \(run)")
        #expect((run.number("busy.applySeconds") ?? 99) < 0.5, "another worker's result waited for rank 0's chunk: \(run)")
    }
}
