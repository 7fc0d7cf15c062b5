import Foundation
import Testing

extension PoolAPITests {
    /// Python: `Future.exception()` raises `CancelledError` when the future was cancelled.
    @Test func cancelledFutureExceptionThrowsCancelled() throws {
        let run = try ScenarioRun.shared("executor")
        run.expectClean()
        run.expect("exec.cancelPendingException", "error:cancelled")
    }

    @Test func asyncResultCancelOnlyPendingWorkAndGetTimeoutZero() throws {
        let run = try ScenarioRun.shared("edges")
        run.expectClean()
        run.expect("edges.cancelPending", "true")
        run.expect("edges.cancelPendingGet", "error:cancelled")
        run.expect("edges.cancelPendingSuccessful", "value:false")
        run.expect("edges.cancelDone", "false")
        run.expect("edges.getTimeoutZeroWhenReady", "value:true")
    }

    /// Python: once `cancel()` returned True, `cancelled()` and `done()` are True.
    @Test func futureIsDoneAndCancelledAsSoonAsCancelAnswersTrue() throws {
        let run = try ScenarioRun.shared("edges")
        run.expectClean()
        run.expect("edges.wallsStillRunning", "true")
        run.expect("edges.cancelAnsweredTrue", "60")
        run.expect("edges.notDoneRightAfterCancel", "0")
        run.expect("edges.notCancelledRightAfterCancel", "0")
    }

    /// `cancel()` is documented "cancels the work if none of it has started; returns whether that
    /// happened": when it answers false, the result must not end as cancelled.
    @Test func cancelThatAnswersFalseLeavesTheWorkRunning() throws {
        let run = try ScenarioRun.shared("edges")
        run.expectClean()
        run.expect("edges.cancelPartlyStarted", "false")
        run.expect("edges.cancelPartlyStartedGet", "value:12")
        run.expect("edges.cancelPartlyStartedConsistent", "true")
    }

    @Test func callbacksMaySubmitAndErrorCallbackGetsTheLowestIndex() throws {
        let run = try ScenarioRun.shared("edges")
        run.expectClean()
        run.expect("edges.errorCallbackIndex", "index=1")
        run.expect("edges.callbackSubmits", "value:256")
    }

    @Test func cancellingTheTaskIteratingImapDropsItsQueuedChunks() throws {
        let run = try ScenarioRun.shared("edges")
        run.expectClean()
        run.expect("edges.imapCancelled", "error:CancellationError")
        // 60 × 0.2 s on 3 workers would keep the pool busy 4 s; only started chunks still run.
        let freed = try #require(run.number("edges.imapCancelFreedSeconds"), "\(run)")
        #expect(freed < 2.5, "the pool was busy \(freed) s after the cancel")
        run.expect("edges.afterImapCancel", "36")
        #expect((run.number("edges.shutdownNoWaitSeconds") ?? 99) < 0.3, "\(run)")
        run.expect("edges.shutdownNoWaitResult", "value:true")
    }
}
