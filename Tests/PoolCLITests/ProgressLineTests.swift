import Testing
import PoolCLI

@Suite struct ProgressLineTests {
    @Test func withoutRateTheLinesAreAsBefore() {
        let reporter = ProgressReporter(total: 78, unit: "files", countName: "words", style: .silent)
        #expect(reporter.plainLine(done: 23, count: 512345) == "Work is in progress... 23/78 files, 512345 words")
        #expect(reporter.barLine(done: 39, count: 10, seconds: 1, width: 10) == "[#####-----] 39/78 files   10 words   10 words/s")
    }

    @Test func withRateTheyShowFailuresRateAndTimeLeft() {
        let reporter = ProgressReporter(total: 78, unit: "tasks", style: .silent, showsRate: true)
        #expect(reporter.plainLine(done: 23, count: 0, failures: 2, seconds: 2) == "Work is in progress... 23/78 tasks, 2 failed, 11.5 tasks/s, ETA 0:05")
        #expect(reporter.barLine(done: 23, count: 0, seconds: 2, width: 10, failures: 2)
                == "[##--------] 23/78 tasks   2 failed   11.5 tasks/s   ETA 0:05")
        #expect(reporter.plainLine(done: 1, count: 0, seconds: 100) == "Work is in progress... 1/78 tasks, 0 failed, 0.0 tasks/s, ETA 2:08:20")
        #expect(reporter.plainLine(done: 0, count: 0) == "Work is in progress... 0/78 tasks, 0 failed, 0.0 tasks/s", "no ETA before the first task")
    }

    @Test func anUnknownTotalShowsCountsAndNoTimeLeft() {
        let reporter = ProgressReporter(total: nil, unit: "tasks", style: .silent, showsRate: true)
        #expect(reporter.plainLine(done: 2500, count: 0, failures: 0, seconds: 2) == "Work is in progress... 2500 tasks, 0 failed, 1,250 tasks/s")
        #expect(reporter.barLine(done: 2500, count: 0, seconds: 2, failures: 1) == "2500 tasks   1 failed   1,250 tasks/s")
    }
}
