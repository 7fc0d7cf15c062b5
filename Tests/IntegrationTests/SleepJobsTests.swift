import Foundation
import Testing

/// sleepjobs-mpi under real mpirun, at a tiny scale: durations, table rows and job placement.
@Suite(.serialized) struct SleepJobsTests {
    /// One "In process <pid> (rank r) ( j) is sleeping d seconds" line.
    struct Start { var pid: Int; var rank: Int; var job: Int; var seconds: Double }

    static func starts(_ outcome: Outcome) throws -> [Start] {
        try Programs.matches(outcome.lines, #"^In process (\d+) \(rank (\d+)\) \(\s*(\d+)\) is sleeping\s+([0-9.]+) seconds$"#)
            .map { Start(pid: Int($0[0])!, rank: Int($0[1])!, job: Int($0[2])!, seconds: Double($0[3])!) }
    }

    /// Checks what every mode must show: each job started once with Python's
    /// duration, and a table whose rows hold every job once, on the process that ran it.
    static func checkJobsAndTable(_ outcome: Outcome, durations: [Double], tolerance: Double) throws -> [TableRow] {
        #expect(outcome.status == 0, "\(outcome)")
        let starts = try starts(outcome)
        #expect(starts.map(\.job).sorted() == Array(durations.indices), "\(outcome)")
        for s in starts { #expect(abs(s.seconds - durations[s.job]) <= tolerance, "job \(s.job): \(s.seconds) vs \(durations[s.job])") }
        let rows = try TableRow.parse(outcome)
        #expect(!rows.isEmpty, "\(outcome)")
        #expect(rows.map(\.number) == Array(1...rows.count))
        #expect(rows.flatMap(\.jobs).sorted() == Array(durations.indices), "every job in exactly one row")
        let pidOfJob = Dictionary(uniqueKeysWithValues: starts.map { ($0.job, $0.pid) })
        for row in rows {
            #expect(abs(row.seconds - row.jobs.reduce(0) { $0 + durations[$1] }) <= tolerance * Double(max(1, row.jobs.count)))
            for job in row.jobs { #expect(pidOfJob[job] == row.pid, "job \(job) printed by pid \(pidOfJob[job] ?? -1), listed under \(row.pid)") }
            #expect(row.rank >= 1)
        }
        let total = try #require(Programs.summary(outcome, "Total work done (s)"))
        #expect(abs(total - durations.reduce(0, +)) <= tolerance * Double(durations.count))
        #expect(Programs.summary(outcome, "Wall clock time (s)") != nil)
        return rows
    }

    @Test(arguments: ["map", "map-async", "apply", "apply-async", "callback"])
    func everyModeRunsEachJobOnceWithPythonsDurations(mode: String) throws {
        let longest = mode == "callback" ? 30.0 : 5.0
        let durations = try Programs.pythonDurations(count: 19, seed: 1234, maxSeconds: longest).map { $0 * 0.001 }
        let outcome = try Launcher.mpirun(4, "sleepjobs-mpi", ["--mode", mode, "--scale", "0.001"])
        // Scale 0.001 prints 7 decimals.
        let rows = try Self.checkJobsAndTable(outcome, durations: durations, tolerance: 0.6e-7)
        #expect(rows.count == 3, "three workers in the table, busy or idle")
        // Rank 0's first line. Not the output's first line: rank 0 writes it before any job starts,
        // but the launcher reads each rank's pipe on its own, and a worker's first line written a
        // few microseconds later was seen forwarded first (twice in a dozen runs, Open MPI).
        #expect(outcome.lines.first { !$0.hasPrefix("In process ") } == "Launching 19 jobs on 3 workers (mode \(mode), chunksize 1)",
                "\(outcome)")
        if mode == "callback" {
            let done = try Programs.matches(outcome.lines, #"^Process (\d+) \(rank \d+\), job\s+(\d+) is done in\s+([0-9.]+) \(s\) \(wc/rt\s+([0-9.]+)/([0-9.]+)\)$"#)
            #expect(done.map { Int($0[1])! }.sorted() == Array(0..<19), "one callback line per job")
            let runningTotals = done.map { Double($0[4])! }
            #expect(runningTotals == runningTotals.sorted(), "running totals only grow")
            #expect(abs(runningTotals.last! - durations.reduce(0, +)) < 0.01)
            #expect(outcome.lines.contains("---> Do some useful work while we are waiting for background jobs."))
            #expect(outcome.lines.contains("---> Done with our other work !!!"))
        }
    }

    @Test func otherSeedsAndLengthsFollowPython() throws {
        let durations = try Programs.pythonDurations(count: 7, seed: 42, maxSeconds: 2).map { $0 * 0.01 }
        let outcome = try Launcher.mpirun(3, "sleepjobs-mpi", ["--jobs", "7", "--seed", "42", "--max-seconds", "2", "--scale", "0.01", "--mode", "map"])
        _ = try Self.checkJobsAndTable(outcome, durations: durations, tolerance: 0.6e-6)
    }

    @Test func chunksOfFourStayTogetherAndLeaveWorkersIdle() throws {
        let durations = try Programs.pythonDurations(count: 8, seed: 1234, maxSeconds: 5).map { $0 * 0.001 }
        let outcome = try Launcher.mpirun(4, "sleepjobs-mpi", ["--jobs", "8", "--chunksize", "4", "--scale", "0.001"])
        let rows = try Self.checkJobsAndTable(outcome, durations: durations, tolerance: 0.6e-7)
        // Two chunks for three workers: one worker per chunk, the third idle.
        #expect(rows.map(\.jobs).filter { !$0.isEmpty }.sorted { $0[0] < $1[0] } == [[0, 1, 2, 3], [4, 5, 6, 7]])
        #expect(rows.filter(\.jobs.isEmpty).count == 1)
        #expect(outcome.lines.contains { $0.hasPrefix("Process") && $0.hasSuffix("0 job(s) ()  idle") })
    }

    @Test func chunksOfFourOverNineteenJobsAreWholeChunks() throws {
        let durations = try Programs.pythonDurations(count: 19, seed: 1234, maxSeconds: 5).map { $0 * 0.001 }
        let outcome = try Launcher.mpirun(4, "sleepjobs-mpi", ["--chunksize", "4", "--scale", "0.001", "--mode", "map"])
        let rows = try Self.checkJobsAndTable(outcome, durations: durations, tolerance: 0.6e-7)
        for row in rows {
            let chunks = Set(row.jobs.map { $0 / 4 })
            #expect(row.jobs.count == chunks.reduce(0) { $0 + min(4, 19 - 4 * $1) }, "row \(row.jobs) holds whole chunks")
        }
    }

    @Test func applyRunsTheJobsOneAfterAnother() throws {
        let trace = Programs.temporaryPath("sleepjobs-timeline.json")
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let outcome = try Launcher.mpirun(4, "sleepjobs-mpi", ["--mode", "apply", "--jobs", "6", "--scale", "0.002", "--timeline", trace])
        #expect(outcome.status == 0, "\(outcome)")
        // The pool's trace, and pool-timeline reads it: 6 jobs, one after another.
        let summary = try Launcher.direct("pool-timeline", [trace, "--chunks"], timeout: 30)
        #expect(summary.status == 0 && summary.lines.filter { $0.hasPrefix("chunk ") }.count == 6, "\(summary)")
        let spans = try Programs.matches(outcome.lines, #"^job\s+(\d+) rank \d+ pid \d+ start (-?[0-9.]+) end (-?[0-9.]+)$"#)
            .map { (job: Int($0[0])!, start: Double($0[1])!, end: Double($0[2])!) }
        #expect(spans.map(\.job) == Array(0..<6))
        for (a, b) in zip(spans, spans.dropFirst()) { #expect(b.start >= a.end, "job \(b.job) started before job \(a.job) ended") }
    }

    @Test func runsWithoutMpirunOnOneProcess() throws {
        let durations = try Programs.pythonDurations(count: 3, seed: 1234, maxSeconds: 5).map { $0 * 0.001 }
        let outcome = try Launcher.direct("sleepjobs-mpi", ["--jobs", "3", "--scale", "0.001"])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(try Self.starts(outcome).map(\.job).sorted() == [0, 1, 2])
        let total = try #require(Programs.summary(outcome, "Total work done (s)"))
        #expect(abs(total - durations.reduce(0, +)) < 1e-6)
    }

    @Test(arguments: [["--jobs", "0"], ["--scale", "0"], ["--mode", "apply", "--chunksize", "2"], ["--other-work", "1"], ["--mode", "nope"],
                      ["--mode", "apply", "--progress", "lines"], ["--progress", "sometimes"]])
    func badFlagsExitWith64OnEveryRankPrintedOnce(arguments: [String]) throws {
        let outcome = try Launcher.mpirun(3, "sleepjobs-mpi", arguments, timeout: 30)
        #expect(outcome.status == 64, "\(outcome)")
        #expect(outcome.errorLines.filter { $0.contains("Error:") }.count == 1, "printed once, by rank 0: \(outcome)")
        #expect(try Self.starts(outcome).isEmpty)
    }

    /// Values at the edges (too big to sleep or to allocate, NaN, infinite, negative) are refused by
    /// `validate()` on every rank before MPI starts: exit 64, one message naming the flag, at once.
    @Test(arguments: [
        (["--scale", "1e300"], "--scale"), (["--scale", "nan"], "--scale"), (["--scale", "inf"], "--scale"),
        (["--scale", "-1"], "--scale"), (["--scale", "1e-300"], "--scale"), (["--jobs", "1000000000"], "--jobs"),
        (["--max-seconds", "1e300"], "--max-seconds"), (["--max-seconds", "nan"], "--max-seconds"),
        (["--max-seconds", "100", "--scale", "100000"], "--max-seconds"),
        (["--mode", "callback", "--other-work", "inf"], "--other-work"),
        (["--mode", "callback", "--other-work", "-1"], "--other-work"),
        (["--mode", "callback", "--max-seconds", "1", "--scale", "100000"], "--other-work"),
        (["--chunksize", "100000000"], "--chunksize"),
    ])
    func extremeValuesAreRefusedBeforeAnyJobStarts(arguments: [String], flag: String) throws {
        let outcome = try Launcher.mpirun(3, "sleepjobs-mpi", arguments, timeout: 30)
        #expect(!outcome.timedOut && outcome.status == 64, "\(outcome)")
        #expect(outcome.seconds < 20, "nothing allocated or slept first: \(outcome)")
        let errors = outcome.errorLines.filter { $0.hasPrefix("Error:") }
        #expect(errors.count == 1 && errors[0].contains(flag), "one message, by rank 0, naming \(flag): \(outcome)")
        #expect(try Self.starts(outcome).isEmpty)
        #expect(!outcome.lines.contains { $0.hasPrefix("Launching") })
    }

    @Test func helpExitsZero() throws {
        let outcome = try Launcher.direct("sleepjobs-mpi", ["--help"], timeout: 30)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout.contains("USAGE: sleepjobs-mpi"))
    }

    @Test(arguments: ["map", "map-async"])
    func aSecondRunWithTheJournalRunsNoJobAgain(mode: String) throws {
        let journal = FileManager.default.temporaryDirectory.appendingPathComponent("mpipool-sleepjobs-\(UUID().uuidString).journal").path
        defer { try? FileManager.default.removeItem(atPath: journal) }
        let arguments = ["--mode", mode, "--jobs", "12", "--scale", "0.001", "--journal", journal]
        let first = try Launcher.mpirun(4, "sleepjobs-mpi", arguments)
        #expect(first.status == 0, "\(first)")
        #expect(first.lines.contains { $0.hasPrefix("journal \(journal): resumed 0 of 12 jobs") && $0.hasSuffix("ran 12") }, "\(first)")
        let second = try Launcher.mpirun(4, "sleepjobs-mpi", arguments)
        #expect(second.status == 0, "\(second)")
        #expect(second.lines.contains { $0.hasPrefix("journal \(journal): resumed 12 of 12 jobs") && $0.hasSuffix("ran 0") }, "\(second)")
        #expect(!second.lines.contains { $0.contains("is sleeping") }, "no job ran again: \(second)")
        let wrongMode = try Launcher.mpirun(2, "sleepjobs-mpi", ["--mode", "apply", "--journal", journal])
        #expect(wrongMode.status == 64, "\(wrongMode)")
    }
}
