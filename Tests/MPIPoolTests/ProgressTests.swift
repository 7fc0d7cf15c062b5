import Testing
@testable import MPIPool

/// The progress display's text (rate, elapsed, ETA, unknown totals), and a display following a result.
@Suite struct ProgressTests {
    @Test func aLineShowsDoneOfTotalTheRateTheTimeElapsedAndTheTimeLeft() {
        let progress = ProgressReporter(total: 1200, style: .off)
        #expect(progress.plainLine(done: 300, seconds: 3) == "Work is in progress... 300/1200 items, 100 items/s, 3 s elapsed, ETA 9 s")
        #expect(progress.plainLine(done: 300, seconds: 3, final: true) == "Work is in progress... 300/1200 items, 100 items/s, 3 s elapsed")
        #expect(progress.plainLine(done: 1200, seconds: 12) == "Work is in progress... 1200/1200 items, 100 items/s, 12 s elapsed",
                "no ETA once everything is done")
    }

    @Test func beforeTheFirstItemTheRateIsZeroAndThereIsNoETA() {
        let progress = ProgressReporter(total: 78, style: .off)
        #expect(progress.plainLine(done: 0, seconds: 0) == "Work is in progress... 0/78 items, 0 items/s, 0 s elapsed")
        #expect(progress.plainLine(done: 0, seconds: 4) == "Work is in progress... 0/78 items, 0 items/s, 4 s elapsed")
    }

    @Test func anUnknownTotalShowsTheCountAndTheRateWithoutATotalOrAnETA() {
        let progress = ProgressReporter(total: nil, style: .off)
        #expect(progress.plainLine(done: 23, seconds: 2) == "Work is in progress... 23 items, 11.5 items/s, 2 s elapsed")
        #expect(progress.barLine(done: 1234, seconds: 2) == "1,234 items   617 items/s   2 s elapsed")
    }

    @Test func aCountOfItsOwnComesWithItsRateAndTheETAGoesByTheItems() {
        let progress = ProgressReporter(total: 78, unit: "files", countName: "words", style: .off)
        #expect(progress.plainLine(done: 23, count: 512_345, seconds: 5)
                == "Work is in progress... 23/78 files, 512345 words, 102469 words/s, 5 s elapsed, ETA 12 s")
        #expect(progress.barLine(done: 23, count: 6_021_655, seconds: 5)
                == "[#######-----------------] 23/78 files   6,021,655 words   1,204,331 words/s   5 s elapsed   ETA 12 s")
    }

    @Test func theBarFillsInProportionAndAlignsTheCount() {
        let progress = ProgressReporter(total: 78, style: .off)
        #expect(progress.barLine(done: 0, seconds: 0) == "[------------------------]  0/78 items   0 items/s   0 s elapsed")
        #expect(progress.barLine(done: 23, seconds: 3) == "[#######-----------------] 23/78 items   7.67 items/s   3 s elapsed   ETA 7 s")
        #expect(progress.barLine(done: 78, seconds: 10, width: 10, final: true) == "[##########] 78/78 items   7.80 items/s   10 s elapsed")
    }

    @Test(arguments: [(0.5, "0.50"), (7.666, "7.67"), (12.34, "12.3"), (9.996, "10.0"), (99.96, "100"), (1204.4, "1204"), (0, "0"), (.nan, "0"), (.infinity, "0")])
    func ratesKeepThreeSignificantFiguresBelowAHundred(rate: Double, text: String) {
        #expect(ProgressText.rate(rate) == text)
    }

    @Test(arguments: [(0.4, "0 s"), (9, "9 s"), (59.6, "1 min 0 s"), (75, "1 min 15 s"), (3725, "1 h 2 min"), (90_000, "1 d 1 h"),
                      (-3, "0 s"), (.nan, "0 s"), (1e300, "11574074 d 1 h")])
    func durationsReadAsSecondsMinutesHoursAndDays(seconds: Double, text: String) {
        #expect(ProgressText.duration(seconds) == text)
    }

    @Test func theETAIsTheItemsLeftAtTheMeanRateSoFar() {
        #expect(ProgressText.eta(done: 23, total: 78, seconds: 23) == 55)
        #expect(ProgressText.eta(done: 0, total: 78, seconds: 5) == nil)
        #expect(ProgressText.eta(done: 78, total: 78, seconds: 5) == nil)
        #expect(ProgressText.eta(done: 5, total: nil, seconds: 5) == nil)
    }

    @Test func stylesOtherThanAutoStayAsTheyAre() {
        #expect(ProgressStyle.bar.resolved == .bar)
        #expect(ProgressStyle.lines.resolved == .lines)
        #expect(ProgressStyle.off.resolved == .off)
        #expect([.bar, .lines].contains(ProgressStyle.auto.resolved))
        #expect(ProgressReporter(total: 3, style: .auto).style != .auto)
    }

    @Test func aDisplayFollowingAResultReadsItsProgressAndFinishesWhenItIsWaitedFor() throws {
        let core = PoolCore(workerCount: 1)
        let display = ProgressReporter(total: 10, style: .off)
        let result = AsyncResult<Int>(core: core, total: 10, jobID: 0, display: display)
        display.track { [weak result] in 2 + (result?.progress.done ?? 0) }
        result.addProgress(8)
        #expect(display.snapshot.finished == false)
        result.stage(42)
        core.monitor.lock()
        let after = result.completeLocked()
        core.monitor.unlock()
        after?()
        #expect(try result.get() == 42)
        #expect(display.snapshot.done == 10)
        #expect(display.snapshot.finished)
        display.advance(by: 5)
        display.finish()   // a second finish changes nothing shown
        #expect(display.snapshot.finished)
    }

    @Test func itemsAndCountsAddUp() {
        let display = ProgressReporter(total: nil, unit: "files", countName: "words", style: .off)
        display.advance(by: 1, count: 10)
        display.advance(by: 2, count: 5)
        #expect(display.snapshot.done == 3 && display.snapshot.count == 15)
    }

    /// A task farm's display: how many failed so far, in the lines and the bar.
    @Test func failuresAreShownWhenAsked() {
        let reporter = ProgressReporter(total: 78, unit: "tasks", style: .off, showsFailures: true)
        #expect(reporter.plainLine(done: 23, failures: 2, seconds: 2).hasPrefix("Work is in progress... 23/78 tasks, 2 failed, "))
        #expect(reporter.barLine(done: 23, failures: 2, seconds: 2).contains("23/78 tasks   2 failed   "))
        let plain = ProgressReporter(total: 78, unit: "tasks", style: .off)
        #expect(!plain.plainLine(done: 23, failures: 2, seconds: 2).contains("failed"))
    }
}
