import Testing

/// `try await Pool.run` with an async body, under `mpirun -n 4`.
@Suite(.serialized) struct PoolAsyncBodyTests {
    @Test func asyncBodyAwaitsMapImapAndFuturesDirectly() throws {
        let run = try ScenarioRun.shared("async-body")
        run.expectClean()
        run.expect("abody.map", "1,4,9,16,25")
        run.expect("abody.imapUnordered", "true")
        run.expect("abody.imap", "0,1,4,9,16,25,36,49,64,81")
        run.expect("abody.futureValue", "81")
        run.expect("abody.answer.rank0", "121")
        for rank in 1...3 { run.expect("abody.answer.rank\(rank)", "nil") }
    }

    @Test func hugeAndMaximalTimeoutsWaitAndNeverTrap() throws {
        let run = try ScenarioRun.shared("async-body")
        run.expectClean()
        run.expect("abody.hugeGet", "value:36")
        run.expect("abody.longestWait", "true")
        run.expect("abody.hugeResult", "value:64")
        run.expect("abody.hugeExecutorMap", "value:1,4,9")
        run.expect("abody.hugeAsCompleted", "1:false")
        run.expect("abody.hugeWait", "1")
        run.expect("abody.negativeGet", "error:timeout")
        run.expect("abody.shortGet", "error:timeout")
        let waited = try #require(run.number("abody.shortGetSeconds"), "\(run)")
        #expect(waited >= 0.04 && waited < 0.3, "get(timeout: .milliseconds(50)) returned after \(waited) s")
    }

    @Test func cancellingAChildTaskCancelsItsPendingWork() throws {
        let run = try ScenarioRun.shared("async-body")
        run.expectClean()
        run.expect("abody.childCancelled", "error:cancelled")
        run.expect("abody.pendingCancelled", "error:cancelled")
        run.expect("abody.blockersStillRunning", "true")
    }

    @Test func aPoolRunsOncePerProcessAndIsRefusedOutsideItsBody() throws {
        let run = try ScenarioRun.shared("async-body")
        run.expectClean()
        for rank in 0...3 { run.expect("abody.secondRun.rank\(rank)", "error:alreadyRun") }
        for form in ["map", "applyAsync", "imap", "submit"] { run.expect("abody.\(form)AfterScope", "error:ended") }
    }

    @Test func rankAndSizeAreKnownBeforeThePoolStarts() throws {
        let run = try ScenarioRun.shared("async-body")
        for rank in 0...3 { run.expect("abody.rankBefore.rank\(rank)", "\(rank)/4") }
    }

    @Test func anErrorThrownByTheAsyncBodyTerminatesThePoolAndIsRethrownOnRankZero() throws {
        let run = try ScenarioRun.shared("async-body-throws")
        run.expectClean()
        run.expect("athrow.error.rank0", "TestFailure(async body gave up)")
        for rank in 1...3 { run.expect("athrow.error.rank\(rank)", "none") }
        run.expect("athrow.queued", "error:terminated")
        #expect((run.number("athrow.seconds") ?? 99) < 10, "a hang guard: \(run)")
    }
}
