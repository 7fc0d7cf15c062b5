import Testing
@testable import MPIPool

/// Deadlines and observers, without MPI: a pool core with no master behind it.
@Suite struct WaitingTests {
    @Test func hugeTimeoutsMeanNoDeadlineAndNeverTrap() {
        #expect(MonotonicClock.deadline(after: .seconds(Int64.max)) == nil)
        #expect(MonotonicClock.deadline(after: Duration(secondsComponent: .max, attosecondsComponent: 999_999_999_999_999_999)) == nil)
        #expect(MonotonicClock.deadline(after: .seconds(1_000_000_000_000)) == nil)  // ~31,700 years
        #expect(MonotonicClock.nanoseconds(.seconds(Int64.max)) == nil)
    }

    @Test func negativeAndTinyTimeoutsArePassedDeadlines() throws {
        let now = MonotonicClock.now
        #expect(MonotonicClock.nanoseconds(.seconds(-5)) == 0)
        #expect(MonotonicClock.nanoseconds(.zero) == 0)
        #expect(MonotonicClock.nanoseconds(.nanoseconds(1)) == 1)
        #expect(MonotonicClock.nanoseconds(.milliseconds(1500)) == 1_500_000_000)
        let passed = try #require(MonotonicClock.deadline(after: .seconds(-5)))
        #expect(passed >= now && passed <= MonotonicClock.now)
    }

    @Test func aResultWaitedForWithATimeoutThatIsNeverCompletedTimesOut() {
        let core = PoolCore(workerCount: 1)
        let result = AsyncResult<Int>(core: core, total: 1, jobID: 0)
        #expect(result.wait(timeout: .milliseconds(20)) == false)
        #expect(throws: PoolError.timeout(after: .milliseconds(20))) { try result.get(timeout: .milliseconds(20)) }
        #expect(throws: PoolError.notReady) { try result.successful() }
    }

    @Test func pollingWaitAndAsCompletedOnAPendingFutureLeavesNoObserversBehind() {
        let core = PoolCore(workerCount: 1)
        let result = AsyncResult<Int>(core: core, total: 1, jobID: 0)
        let future = Future(result)
        let executor = Executor(Pool(core: core))
        for _ in 0..<500 { _ = executor.wait([future], timeout: .zero) }
        for _ in 0..<500 { _ = Array(executor.asCompleted([future], timeout: .zero)) }
        #expect(result.observerCount == 0)
        let live = executor.asCompleted([future], timeout: .zero)
        #expect(result.observerCount == 1)
        withExtendedLifetime(live) {}
    }
}
