import Foundation
import Testing

/// Progress displays of every form of map (the `progress` scenario and the programs' `--progress`),
/// under a pipe and under a pseudo-terminal, and a custom `Logger` receiving the library's
/// diagnostics (the `logger` scenario).
@Suite(.serialized) struct ProgressAndLoggingTests {
    /// One `Work is in progress... 23/78 items, 1204 items/s, 3 s elapsed, ETA 9 s` line.
    struct ProgressLine {
        var done: Int
        var total: Int?
        var rate: Double
        var hasETA: Bool
    }

    static let duration = #"\d+ (?:s|min \d+ s|h \d+ min|d \d+ h)"#

    /// The progress lines of `text` (stderr), in order; `unit` is what the items are called.
    static func progressLines(_ text: String, unit: String = "items") throws -> [ProgressLine] {
        let lines = text.split(separator: "\n").map(String.init)
        let pattern = #"^Work is in progress\.\.\. (\d+)(?:/(\d+))? "# + unit + #", ([0-9.]+) "# + unit + #"/s, "#
            + duration + #" elapsed(, ETA "# + duration + ")?$"
        return try Programs.matches(lines, pattern).map {
            ProgressLine(done: Int($0[0])!, total: $0[1].isEmpty ? nil : Int($0[1])!, rate: Double($0[2])!, hasETA: !$0[3].isEmpty)
        }
    }

    // MARK: The library: every form of map

    @Test func everyFormOfMapShowsItsLinesAndAFinalLineOnStderr() throws {
        let run = try ScenarioRun("progress", timeout: 90)
        run.expectClean()
        run.expect("progress.imapUnknown", "30")
        run.expect("progress.imapKnown", "1,4,9,16,25,36")
        #expect(!run.outcome.stdout.contains("Work is in progress"), "on stderr only")
        let lines = try Self.progressLines(run.outcome.stderr)
        let described = run.outcome.stderr
        // The final line of each map, once, without an ETA: map of 5 (the pool's default style),
        // imap over an array of 6, mapAsync of 9 awaited; no total for the lazy and async inputs.
        for total in [5, 6, 9] {
            let finals = lines.filter { $0.total == total && $0.done == total }
            #expect(finals.count == 1 && finals.allSatisfy { !$0.hasETA && $0.rate > 0 }, "\(total): \(described)")
        }
        #expect(!lines.contains { $0.total == 7 }, "progress: .off shows nothing: \(described)")
        let unknown = lines.filter { $0.total == nil }
        #expect(unknown.filter { $0.done == 30 }.count == 1, "\(described)")
        #expect(unknown.filter { $0.done == 4 }.count == 1, "\(described)")
        // 30 naps of 0.12 s on 3 workers take at least 1.2 s: a line comes at 1 s, before the end.
        #expect(unknown.contains { $0.done > 0 && $0.done < 30 && !$0.hasETA }, "\(described)")
        #expect(unknown.allSatisfy { !$0.hasETA })
    }

    // MARK: The programs' --progress

    @Test func sleepjobsShowsLinesUnderAPipeEverySecondAndAFinalOne() throws {
        let outcome = try Launcher.mpirun(4, "sleepjobs-mpi", ["--scale", "0.1", "--progress", "lines"], timeout: 60)
        #expect(outcome.status == 0, "\(outcome)")
        let lines = try Self.progressLines(outcome.stderr)
        let last = try #require(lines.last, "\(outcome)")
        #expect(last.done == 19 && last.total == 19 && !last.hasETA, "\(outcome)")
        // 42 s of jobs scaled by 0.1 on 3 workers: at least 1.4 s, so a line at 1 s with an ETA.
        #expect(lines.dropLast().contains { $0.done < 19 && $0.total == 19 && ($0.done == 0 || $0.hasETA) }, "\(outcome)")
        #expect(outcome.errorLines.filter { $0.hasPrefix("Work is in progress") }.count == lines.count, "every line well formed")
        #expect(!outcome.stderr.contains("\r"), "no bar under a pipe")
    }

    @Test func autoUnderAPipeGivesLinesAndTheSeedsOutputIsUnchangedWithoutTheFlag() throws {
        let auto = try Launcher.mpirun(4, "sleepjobs-mpi", ["--scale", "0.01", "--progress", "auto"], timeout: 60)
        #expect(auto.status == 0, "\(auto)")
        #expect(try Self.progressLines(auto.stderr).last?.done == 19, "\(auto)")
        #expect(!auto.stderr.contains("\r"), "\(auto)")
        let plain = try Launcher.mpirun(4, "sleepjobs-mpi", ["--scale", "0.01"], timeout: 60)
        #expect(plain.status == 0, "\(plain)")
        #expect(!plain.stderr.contains("Work is in progress") && !plain.stderr.contains("items/s"), "\(plain)")
    }

    @Test func sumvaluesMapShowsItsValues() throws {
        let outcome = try Launcher.mpirun(3, "sumvalues-mpi", ["--count", "12", "--start", "1000", "--progress", "lines"], timeout: 60)
        #expect(outcome.status == 0, "\(outcome)")
        let last = try #require(try Self.progressLines(outcome.stderr).last, "\(outcome)")
        #expect(last.done == 12 && last.total == 12, "\(outcome)")
    }

    /// A bar asked for under a pipe is drawn all the same; two maps at once share the line (the
    /// oldest draws, both print their final state).
    @Test func asyncmapDrawsABarForEachOfItsTwoMaps() throws {
        let outcome = try Launcher.mpirun(4, "asyncmap-mpi", ["--sleep", "0.05", "--progress", "bar"], timeout: 60)
        #expect(outcome.status == 0, "\(outcome)")
        let finals = outcome.stderr.components(separatedBy: "\r").filter {
            $0.hasPrefix("[########################] 10/10 items") && $0.contains("elapsed\u{1B}[K\n")
        }
        #expect(finals.count == 2, "\(outcome)")
        #expect(!outcome.stderr.contains("Work is in progress"), "\(outcome)")
    }

    static let script = "/usr/bin/script"

    /// Under a pseudo-terminal (util-linux `script`) mpirun's stderr is a terminal: `auto` gives the
    /// bar, redrawn in place (`\r` … `ESC[K`), ending with a full bar on a line of its own.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: script), "needs util-linux script"))
    func autoUnderAPseudoTerminalDrawsTheBar() throws {
        let command = (["timeout", "--kill-after=5", "60"] + Launcher.launch(4) + [
                       Launcher.executable("sleepjobs-mpi"), "--scale", "0.1", "--progress", "auto"]).joined(separator: " ")
        let outcome = try Launcher.run(Self.script, ["-qfec", command, "/dev/null"], timeout: 90)
        #expect(outcome.status == 0, "\(outcome)")
        let text = outcome.stdout
        #expect(text.contains("\r[") && text.contains("\u{1B}[K"), "\(outcome)")
        #expect(text.contains("] 19/19 items"), "the final bar: \(outcome)")
        #expect(text.contains("[########################] 19/19 items"), "\(outcome)")
        #expect(!text.contains("Work is in progress"), "no plain lines on a terminal: \(outcome)")
    }

    // MARK: Logging

    @Test func aCustomLoggerReceivesEveryDecisionWithItsMetadataAndNothingIsPrinted() throws {
        let run = try ScenarioRun("logger")
        run.expectClean()
        run.expect("logger.map", "1,4,9,16,25,36")
        run.expect("logger.sends", "3")
        run.expect("logger.dones", "3")
        run.expect("logger.decisionLevels", "trace")
        run.expect("logger.metadataMatchesText", "true")
        run.expect("logger.firstSendMetadata", "chunk=0;items=0..<2;rank=\(run["logger.firstSend"]?.split(separator: " ").last ?? "?");submission=0")
        run.expect("logger.sources", "MPIPool")
        #expect(!run.outcome.stderr.contains("trace:"), "the custom logger replaces the default's lines: \(run)")
    }

    @Test func mpipoolTraceLowersACustomLoggerAtInfoToTrace() throws {
        let run = try ScenarioRun("logger", environment: ["MPIPOOL_TRACE": "1", "MPIPOOL_TEST_LOG_LEVEL": "info"])
        run.expectClean()
        run.expect("logger.sends", "3")
        run.expect("logger.dones", "3")
        #expect(!run.outcome.stderr.contains("trace:"), "\(run)")
    }

    @Test func aCustomLoggerAtInfoGetsNoDecisions() throws {
        let run = try ScenarioRun("logger", environment: ["MPIPOOL_TEST_LOG_LEVEL": "info"])
        run.expectClean()
        run.expect("logger.sends", "0")
        run.expect("logger.dones", "0")
    }

    @Test func withoutALauncherTheNoWorkerWarningGoesToTheCustomLogger() throws {
        let outcome = try Launcher.direct("pool-testkit", ["--scenario", "logger"], timeout: 60)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.lines.contains("check logger.warnings=MPIPool: no worker ranks (run without mpirun, or with -n 1): rank 0 runs every task itself"),
                "\(outcome)")
        #expect(outcome.lines.contains("check logger.sends=3"), "rank 0 sends its chunks to itself: \(outcome)")
        #expect(!outcome.stderr.contains("no worker ranks"), "\(outcome)")
    }

    @Test func theDefaultLoggerStillPrintsTheWarningAndTheTraceLinesOnStderr() throws {
        let outcome = try Launcher.direct("asyncmap-mpi", ["--sleep", "0", "--trace"], timeout: 60)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.errorLines.contains("MPIPool: no worker ranks (run without mpirun, or with -n 1): rank 0 runs every task itself"), "\(outcome)")
        #expect(outcome.errorLines.contains("trace: send chunk 0 (submission 0 items 0..<1) to rank 0"), "\(outcome)")
        #expect(outcome.errorLines.contains("trace: done chunk 0 (submission 0 items 0..<1) from rank 0"), "\(outcome)")
    }
}
