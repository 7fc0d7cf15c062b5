import Foundation
import Testing

/// mpipool-run under real mpirun: what a task's end looks like in the joblog, retries, quoting,
/// output, resuming after SIGKILL and SIGTERM, `--resume-failed`, a 100,000-line task file, flags.
/// Each test works in a fresh folder; every launch is bounded (Launcher's timeout, or the script's).
@Suite(.serialized) struct MPIPoolRunTests {
    /// One row of a joblog, parsed here independently of the program: nine tab-separated columns.
    struct Row: Equatable {
        var seq: Int, host: String, start: Double, runtime: Double, send: Int, receive: Int, exitValue: Int, signal: Int, command: String

        /// The rows of the joblog at `path`: the header first, then whole lines (a last line
        /// without its newline is a write cut short by a kill, and is left out).
        static func read(_ path: String) throws -> [Row] {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines.first == "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand", "the header: \(text)")
            lines.removeFirst()
            lines.removeLast()   // what follows the last newline: "" or a torn line
            return try lines.map { line in
                let f = line.split(separator: "\t", maxSplits: 8, omittingEmptySubsequences: false).map(String.init)
                try #require(f.count == 9, "nine columns: \(line)")
                let number = { (i: Int) in f[i].trimmingCharacters(in: .whitespaces) }
                return Row(seq: try #require(Int(f[0])), host: f[1], start: try #require(Double(f[2])), runtime: try #require(Double(number(3))),
                           send: try #require(Int(f[4])), receive: try #require(Int(f[5])), exitValue: try #require(Int(f[6])),
                           signal: try #require(Int(f[7])), command: f[8])
            }
        }
    }

    /// A fresh folder for one test, removed afterwards.
    static func withFolder(_ body: (String) throws -> Void) throws {
        let folder = Programs.temporaryPath("farm")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try body(folder)
    }

    static func write(_ text: String, to path: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }

    /// `mpirun -n ranks mpipool-run --progress none arguments…` in `folder` (the library's launcher).
    static func farm(_ ranks: Int, _ arguments: [String], in folder: String, environment: [String: String] = [:],
                     timeout: Double = 60) throws -> Outcome {
        let launch = Launcher.launch(ranks)
        return try Launcher.run(launch[0], Array(launch.dropFirst()) + [Launcher.executable("mpipool-run"), "--progress", "none"] + arguments,
                                timeout: timeout, environment: environment, currentDirectory: URL(fileURLWithPath: folder))
    }

    /// Shell functions for a job started with `$mark` exported: `job` lists its live processes, the
    /// tasks included. Open MPI's ranks stay in mpirun's session, but MPICH's Hydra starts its proxy
    /// and each rank in a session of their own, so the job is found by a mark in the environment.
    static func jobFunctions(mark: String) -> String {
        """
        mark=MPIPOOL_FARM_RUN=\(mark)
        job() {
          for d in /proc/[0-9]*; do
            tr '\\0' '\\n' <$d/environ 2>/dev/null | grep -qx "$mark" || continue
            [ "$(sed 's/.*) //' $d/stat 2>/dev/null | cut -d' ' -f1)" = Z ] || echo ${d#/proc/}
          done
        }
        """
    }

    static var hostName: String { ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "" }

    // MARK: How tasks end

    /// One worker (mpirun -n 2), so the tasks run one after another on it: the one past its
    /// timeout is stopped and the worker goes on with the rest. The timeout (1.5 s) leaves room
    /// for a loaded machine: every other task must end well within it.
    @Test func successFailureSignalAndTimeoutAreLoggedInParallelsColumns() throws {
        try Self.withFolder { folder in
            let commands = ["sleep 30", "echo ok", "exit 3", "kill -KILL $$", "echo \"$MPIPOOL_TASK_ID $MPIPOOL_RANK $MPIPOOL_HOST $MPIPOOL_ATTEMPT\""]
            try Self.write("# one of each\n" + commands.joined(separator: "\n") + "\n", to: "\(folder)/tasks.txt")
            let before = Date().timeIntervalSince1970
            let outcome = try Self.farm(2, ["--joblog", "run.log", "--timeout", "1500ms", "--kill-after", "0.5", "tasks.txt"], in: folder)
            let after = Date().timeIntervalSince1970
            #expect(outcome.status == 1, "some failed: \(outcome)")
            #expect(outcome.stderr.contains("mpipool-run: 5 tasks: 2 succeeded, 3 failed (1 exited non-zero, 1 killed by a signal, 1 timed out)"), "\(outcome)")
            #expect(outcome.stderr.contains("mpipool-run: 3 of 5 tasks failed"), "\(outcome)")
            #expect(outcome.stderr.contains("mpipool-run: task 3 failed: exit status 3 (rank 1 on "), "\(outcome)")
            #expect(outcome.stderr.contains("mpipool-run: task 4 failed: killed by SIGKILL"), "\(outcome)")
            #expect(outcome.stderr.contains("mpipool-run: task 1 failed: ran past its timeout of 1500ms and was stopped with SIGTERM"), "\(outcome)")
            #expect(outcome.lines.contains("ok"), "\(outcome)")
            let identity = "5 1 \(Self.hostName) 1"
            #expect(outcome.lines.contains(identity), "\(outcome)")

            let rows = try Row.read("\(folder)/run.log").sorted { $0.seq < $1.seq }
            #expect(rows.map(\.seq) == [1, 2, 3, 4, 5])
            #expect(rows.map(\.command) == commands)
            #expect(rows.map(\.exitValue) == [-1, 0, 3, 0, 0], "a timeout is -1, a signal 0, as GNU parallel logs them")
            #expect(rows.map(\.signal) == [15, 0, 0, 9, 0])
            #expect(rows.map(\.receive) == [0, 3, 0, 0, identity.utf8.count + 1], "bytes of standard output")
            #expect(rows.allSatisfy { $0.send == 0 && $0.host == Self.hostName })
            #expect(rows.allSatisfy { $0.start >= before - 1 && $0.start + $0.runtime <= after + 1 })
            #expect(rows[0].runtime >= 1.5 && rows[0].runtime < 4, "stopped at its timeout: \(rows[0])")
            for (a, b) in zip(rows, rows.dropFirst()) {
                #expect(b.start >= a.start + a.runtime - 0.01, "one worker, one task after another, the timed-out one first")
            }
        }
    }

    @Test func aTaskThatFailsOnceSucceedsOnItsRetryAndOneThatAlwaysFailsRunsRetriesPlusOneTimes() throws {
        try Self.withFolder { folder in
            let flaky = "if [ -e marker ]; then echo \"second try: $MPIPOOL_ATTEMPT\"; else touch marker; echo first; exit 1; fi"
            let hopeless = "echo x >> attempts; exit 7"
            // The tasks come on standard input (`-`).
            let script = "printf '%s\\n' \(Self.quoted(flaky)) \(Self.quoted(hopeless)) | \(Launcher.launchLine(3)) "
                + "\(Launcher.executable("mpipool-run")) --progress none --retries 2 --joblog run.log -"
            let outcome = try Launcher.run("bash", ["-c", script], timeout: 60, currentDirectory: URL(fileURLWithPath: folder))
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.lines.contains("second try: 2"), "\(outcome)")
            #expect(!outcome.lines.contains("first"), "only the last attempt's output is shown: \(outcome)")
            #expect(try String(contentsOfFile: "\(folder)/attempts", encoding: .utf8) == "x\nx\nx\n", "1 + 2 retries")
            #expect(outcome.stderr.contains("mpipool-run: 2 tasks: 1 succeeded, 1 failed (1 exited non-zero), 2 retried"), "\(outcome)")
            #expect(outcome.stderr.contains("mpipool-run: task 2 failed: exit status 7 (rank "), "\(outcome)")
            #expect(outcome.stderr.contains(", 3 attempts): echo x >> attempts; exit 7"), "\(outcome)")
            let rows = try Row.read("\(folder)/run.log").sorted { $0.seq < $1.seq }
            #expect(rows.map(\.exitValue) == [0, 7], "one line per task: its last attempt")
        }
    }

    // MARK: Quoting and output

    @Test func hostileArgumentsReachTheCommandAsDataAndTaggedLinesStayWhole() throws {
        try Self.withFolder { folder in
            let marker = Programs.temporaryPath("must-not-exist")
            let arguments = ["a b", "'", "\"", "$(touch \(marker))", ";rm -rf nothing-here", "`touch \(marker)`", "if", "first\tsecond col"]
            try Self.write(arguments.joined(separator: "\n") + "\n", to: "\(folder)/args.txt")
            let outcome = try Self.farm(3, ["--tag", "--command", "printf '[%s|%s]\\n' {1} {2}; printf 'task {#} line 2\\n'", "--args", "args.txt"],
                                        in: folder)
            #expect(outcome.status == 0, "\(outcome)")
            #expect(!FileManager.default.fileExists(atPath: marker), "$(…) and `…` in data never ran")
            for (i, argument) in arguments.enumerated() {
                let columns = argument.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                let first = "\(i + 1)\t[\(columns[0])|\(columns.count > 1 ? columns[1] : "")]"
                let index = try #require(outcome.lines.firstIndex(of: first), "\(first): \(outcome)")
                #expect(outcome.lines[index + 1] == "\(i + 1)\ttask \(i + 1) line 2", "a task's lines stay together: \(outcome)")
            }
            #expect(outcome.lines.count == 2 * arguments.count, "\(outcome)")
        }
    }

    /// A named pipe can be read only once: no first pass to count its lines, and every line runs.
    @Test func aFIFOAsTheArgumentsFileIsReadOnceAndEveryLineRuns() throws {
        try Self.withFolder { folder in
            let script = "mkfifo args.fifo && { seq 1 7 > args.fifo & } && \(Launcher.launchLine(3)) "
                + "\(Self.quoted(Launcher.executable("mpipool-run"))) --progress none --command 'echo got {}' --args args.fifo"
            let outcome = try Launcher.run("bash", ["-c", script], timeout: 60, currentDirectory: URL(fileURLWithPath: folder))
            #expect(outcome.status == 0, "\(outcome)")
            #expect(outcome.lines.sorted() == (1...7).map { "got \($0)" }.sorted(), "\(outcome)")
            #expect(outcome.stderr.contains("mpipool-run: running tasks from 'args.fifo' as they come on 2 workers"), "\(outcome)")
        }
    }

    @Test func outputDirGetsEachTasksOutputAndErrorAndTheTerminalNothing() throws {
        try Self.withFolder { folder in
            try Self.write("echo out-1; echo err-1 >&2\nprintf 'no newline'\ntrue\n", to: "\(folder)/tasks.txt")
            let outcome = try Self.farm(3, ["--output-dir", "out/sub", "--joblog", "run.log", "tasks.txt"], in: folder)
            #expect(outcome.status == 0, "\(outcome)")
            #expect(outcome.stdout.isEmpty, "\(outcome)")
            let read = { (name: String) in try String(contentsOfFile: "\(folder)/out/sub/\(name)", encoding: .utf8) }
            #expect(try read("1.out") == "out-1\n" && read("1.err") == "err-1\n")
            #expect(try read("2.out") == "no newline" && read("2.err") == "")
            #expect(try read("3.out") == "" && read("3.err") == "")
            #expect(try Row.read("\(folder)/run.log").sorted { $0.seq < $1.seq }.map(\.receive) == [6, 10, 0])
        }
    }

    @Test func anMPIProgramRunsAsATaskWithoutTheWorkersIdentity() throws {
        try Self.withFolder { folder in
            try Self.write("\(Launcher.executable("asyncmap-mpi")) --sleep 0 | grep -c '^Sum of'\nenv | grep -c '^PMIX_\\|^OMPI_COMM\\|^PMI_' || true\n",
                           to: "\(folder)/tasks.txt")
            let outcome = try Self.farm(2, ["--timeout", "30", "tasks.txt"], in: folder)
            #expect(outcome.status == 0, "\(outcome)")
            #expect(outcome.lines == ["2", "0"] || outcome.lines == ["0", "2"], "both sums, and no launcher variable: \(outcome)")
        }
    }

    // MARK: Resuming

    @Test func afterSIGKILLOfTheWholeJobResumeRunsOnlyWhatIsMissing() throws {
        try Self.withFolder { folder in
            let tasks = 40
            try Self.write((1...tasks).map { _ in "echo $MPIPOOL_TASK_ID >> \"$MARK\"; sleep 0.05" }.joined(separator: "\n") + "\n",
                           to: "\(folder)/tasks.txt")
            // In a session of its own, so that every process of the job can be killed, children included.
            let script = """
            cd \(Self.quoted(folder))
            \(Self.jobFunctions(mark: UUID().uuidString))
            (export "$mark"; MARK=first.ran exec setsid \(Launcher.launchLine(3)) \(Self.quoted(Launcher.executable("mpipool-run"))) \
              --progress none --joblog run.log tasks.txt >out 2>err) &
            pid=$!
            for i in $(seq 300); do [ "$(grep -c . run.log 2>/dev/null || echo 0)" -ge 11 ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.05; done
            kill -KILL -- -$pid
            for p in $(job); do kill -KILL $p 2>/dev/null; done
            wait $pid
            echo "logged=$(($(grep -c . run.log) - 1))"
            """
            let killed = try Launcher.run("bash", ["-c", script], timeout: 60)
            let logged = try Row.read("\(folder)/run.log").map(\.seq)
            #expect(logged.count >= 10 && logged.count < tasks, "killed part-way: \(killed)")
            #expect(Set(logged).count == logged.count)

            let resumed = try Self.farm(3, ["--joblog", "run.log", "--resume", "tasks.txt"], in: folder, environment: ["MARK": "second.ran"])
            #expect(resumed.status == 0, "\(resumed)")
            #expect(resumed.stderr.contains("the joblog 'run.log' records \(logged.count) (\(logged.count) succeeded): they are skipped"), "\(resumed)")
            let ran = try String(contentsOfFile: "\(folder)/second.ran", encoding: .utf8).split(separator: "\n").compactMap { Int($0) }
            #expect(Set(ran) == Set(1...tasks).subtracting(logged), "only what the joblog did not record")
            #expect(ran.count == tasks - logged.count, "each once")
            let rows = try Row.read("\(folder)/run.log")
            #expect(rows.map(\.seq).sorted() == Array(1...tasks), "the joblog is complete, each task once")
            #expect(resumed.stderr.contains("mpipool-run: \(tasks - logged.count) tasks: \(tasks - logged.count) succeeded, 0 failed, \(logged.count) skipped (done in the joblog)"),
                    "\(resumed)")
        }
    }

    /// SIGTERM while two tasks run — to mpirun (Ctrl-C, `kill`), or to every process of the job,
    /// the tasks included, as Slurm does at a time limit or on scancel: the tasks' process groups
    /// are stopped, nothing of the job is left, the joblog holds the finished ones only (not the
    /// two the signal ended) and the advice names the command that resumes; it runs only the two.
    @Test(arguments: ["mpirun", "every process"])
    func sigtermStopsTheRunningTasksAndTheAdvisedResumeRunsOnlyThem(target: String) throws {
        try Self.withFolder { folder in
            try Self.write("echo quick 1\necho quick 2\necho quick 3\ntest -e fast || sleep 30\ntest -e fast || sleep 30\n", to: "\(folder)/tasks.txt")
            let script = """
            cd \(Self.quoted(folder))
            unblocked() { exec python3 -c 'import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execvp(sys.argv[1], sys.argv[1:])' "$@"; }
            \(Self.jobFunctions(mark: UUID().uuidString))
            (export "$mark"; unblocked setsid \(Launcher.launchLine(3)) \(Self.quoted(Launcher.executable("mpipool-run"))) \
              --progress none --joblog run.log tasks.txt >out 2>err) &
            pid=$!
            sleeping() { for p in $(job); do cat /proc/$p/cmdline 2>/dev/null | tr '\\0' ' '; echo; done | grep -c '^sleep 30'; }
            ready=0
            for i in $(seq 300); do [ "$(sleeping)" = 2 ] && { ready=1; break; }; kill -0 $pid 2>/dev/null || break; sleep 0.05; done
            running=$(sleeping)
            if [ \(target == "mpirun" ? 1 : 0) = 1 ]; then kill -TERM $pid; else kill -TERM $(job); fi
            timedout=1
            for i in $(seq 100); do kill -0 $pid 2>/dev/null || { timedout=0; break; }; sleep 0.1; done
            wait $pid; rc=$?
            alive() { job | wc -l; }
            for i in $(seq 200); do [ "$(alive)" = 0 ] && break; sleep 0.05; done  # up to 10 s: ranks outlive mpirun a moment
            left=$(alive)
            for p in $(job); do kill -KILL $p 2>/dev/null; done
            echo "ready=$ready running=$running rc=$rc timedout=$timedout left=$left"
            """
            let stopped = try Launcher.run("bash", ["-c", script], timeout: 60)
            let err = (try? String(contentsOfFile: "\(folder)/err", encoding: .utf8)) ?? ""
            #expect(stopped.stdout.contains("ready=1 running=2 "), "two sleeps were running: \(stopped)\n\(err)")
            #expect(stopped.stdout.contains(" timedout=0 left=0"), "the job ended and left no process, tasks included: \(stopped)\n\(err)")
            // Hydra's mpiexec may end with 0 after a SIGTERM (it races its clean-up against the ranks'
            // exit codes, see PoolSignalTests); Open MPI's mpirun ends non-zero.
            if Launcher.mpi == .openMPI { #expect(!stopped.stdout.contains(" rc=0 "), "\(stopped)") }
            // The two running tasks end without a log line either way: stopped by their worker, which the
            // signal reached too (mpirun and Hydra pass it to every rank), their failures may come back
            // before rank 0 stops, and are then counted as cut.
            let stopLine = err.split(separator: "\n").first { $0.hasPrefix("mpipool-run: stopped by SIGTERM: ") }.map(String.init) ?? ""
            #expect(["mpipool-run: stopped by SIGTERM: 3 tasks: 3 succeeded, 0 failed; the tasks still running were stopped and are not in the joblog",
                     "mpipool-run: stopped by SIGTERM: 3 tasks: 3 succeeded, 0 failed (and 1 that failed as the signal came, not logged); "
                        + "the tasks still running were stopped and are not in the joblog",
                     "mpipool-run: stopped by SIGTERM: 3 tasks: 3 succeeded, 0 failed (and 2 that failed as the signal came, not logged); "
                        + "the tasks still running were stopped and are not in the joblog"].contains(stopLine), "\(err)")
            let advice = try #require(err.split(separator: "\n").first { $0.hasPrefix("MPIPool: the joblog 'run.log' records every finished task; to run only the rest: ") },
                                      "\(err)")
            #expect(advice.hasSuffix("--progress none --joblog run.log tasks.txt --resume"), "\(advice)")
            #expect(try Row.read("\(folder)/run.log").map(\.seq).sorted() == [1, 2, 3])

            try Self.write("", to: "\(folder)/fast")
            let resumed = try Self.farm(3, ["--joblog", "run.log", "tasks.txt", "--resume"], in: folder)
            #expect(resumed.status == 0, "\(resumed)")
            #expect(!resumed.stdout.contains("quick"), "the quick ones did not run again: \(resumed)")
            #expect(resumed.stderr.contains("mpipool-run: 2 tasks: 2 succeeded, 0 failed, 3 skipped (done in the joblog)"), "\(resumed)")
            #expect(try Row.read("\(folder)/run.log").map(\.seq).sorted() == [1, 2, 3, 4, 5])
        }
    }

    @Test func resumeFailedRerunsOnlyTheFailedAndAChangedTaskFileIsRefused() throws {
        try Self.withFolder { folder in
            let tasks = (1...5).map { n in "echo \(n) >> ran; " + (n % 2 == 0 ? "test -e fixed" : "true") }
            try Self.write(tasks.joined(separator: "\n") + "\n", to: "\(folder)/tasks.txt")
            let first = try Self.farm(3, ["--joblog", "run.log", "tasks.txt"], in: folder)
            #expect(first.status == 1 && first.stderr.contains("mpipool-run: 2 of 5 tasks failed"), "\(first)")
            try Self.write("", to: "\(folder)/fixed")
            try FileManager.default.removeItem(atPath: "\(folder)/ran")

            let again = try Self.farm(3, ["--joblog", "run.log", "--resume-failed", "tasks.txt"], in: folder)
            #expect(again.status == 0, "\(again)")
            #expect(again.stderr.contains("records 5 (3 succeeded): the failed ones run again"), "\(again)")
            let ran = try String(contentsOfFile: "\(folder)/ran", encoding: .utf8).split(separator: "\n").compactMap { Int($0) }
            #expect(ran.sorted() == [2, 4], "only the failed ones")
            let rows = try Row.read("\(folder)/run.log")
            #expect(rows.count == 7, "the reruns are appended")
            var last: [Int: Int] = [:]
            for row in rows { last[row.seq] = row.exitValue }
            #expect(last == [1: 0, 2: 0, 3: 0, 4: 0, 5: 0], "each task's last line says it succeeded")

            let nothing = try Self.farm(3, ["--joblog", "run.log", "--resume", "tasks.txt"], in: folder)
            #expect(nothing.status == 0 && nothing.stderr.contains("mpipool-run: 0 tasks: 0 succeeded, 0 failed, 5 skipped"), "\(nothing)")

            try Self.write(tasks.enumerated().map { $0.offset == 2 ? "echo changed" : $0.element }.joined(separator: "\n") + "\n",
                           to: "\(folder)/tasks.txt")
            let changed = try Self.farm(3, ["--joblog", "run.log", "--resume", "tasks.txt"], in: folder)
            #expect(changed.status == 65, "\(changed)")
            #expect(changed.stderr.contains("mpipool-run: task 3 (line 3 of 'tasks.txt') is not the command the joblog records for it"), "\(changed)")
            #expect(try Row.read("\(folder)/run.log").count == 7, "nothing ran, nothing was written")
        }
    }

    // MARK: Scale and flags

    static let peakRSS = Programs.fixtures.appendingPathComponent("peak_rss.py").path

    /// Rank 0's peak RSS (KiB) for a dry run over `lines` lines of 200 bytes (the lines go
    /// through the pool: every one is sent to a worker and comes back).
    static func masterPeak(lines: Int, in folder: String) throws -> Int {
        let path = "\(folder)/args-\(lines).txt"
        let filler = String(repeating: "x", count: 190)
        var text = ""
        text.reserveCapacity(lines * 200)
        for i in 0..<lines { text += "\(filler) \(i)\n" }
        try Self.write(text, to: path)
        let script = "\(Launcher.launchLine(3)) python3 \(quoted(peakRSS)) \(quoted(Launcher.executable("mpipool-run"))) "
            + "--progress none --dry-run --chunk-size 50 --command 'true {}' --args \(quoted(path)) | grep -c \"^true '\(filler) \""
        let outcome = try Launcher.run("bash", ["-c", script], timeout: 120, currentDirectory: URL(fileURLWithPath: folder))
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout == "\(lines)\n", "every command printed: \(outcome)")
        #expect(outcome.stderr.contains("mpipool-run: dry run: \(lines) tasks listed, none run"), "\(outcome)")
        let peak = try Programs.matches(outcome.errorLines, #"peak-rss-kb 0 (\d+)"#).first.flatMap { Int($0[0]) }
        return try #require(peak, "\(outcome)")
    }

    @Test func aHundredThousandLineTaskFileKeepsTheMastersMemoryFlat() throws {
        try Self.withFolder { folder in
            let small = try Self.masterPeak(lines: 1_000, in: folder)
            let large = try Self.masterPeak(lines: 100_000, in: folder)
            // The file is 20 MB; held in memory it would add that much and more.
            #expect(large - small < 8 << 10, "rank 0: \(large) KiB for 100,000 lines against \(small) KiB for 1,000")
        }
    }

    @Test(arguments: [
        (["--resume", "tasks.txt"], "--resume needs --joblog FILE"),
        (["--tag", "--output-dir", "x", "tasks.txt"], "--tag applies to output on the terminal"),
        (["--timeout", "0", "tasks.txt"], "--timeout must be a duration above 0"),
        (["--timeout", "soon", "tasks.txt"], "--timeout must be a duration above 0"),
        (["--command", "echo {0}", "--args", "a.txt"], "{0} is not a column"),
        (["--command", "echo {}"], "--command needs --args FILE"),
        (["tasks.txt", "--command", "echo", "--args", "a.txt"], "give a tasks file or --command with --args, not both"),
        ([], "give a tasks file"),
        (["--retries", "5000", "tasks.txt"], "--retries must be 0…1000"),
    ])
    func badFlagsExitWith64BeforeAnythingRuns(arguments: [String], message: String) throws {
        let outcome = try Launcher.direct("mpipool-run", arguments, timeout: 30)
        #expect(outcome.status == 64, "\(outcome)")
        #expect(outcome.stderr.contains(message), "\(outcome)")
    }

    @Test func underMpirunABadFlagIsPrintedOnceAndAMissingFileIsNamed() throws {
        try Self.withFolder { folder in
            let bad = try Self.farm(3, ["--resume-failed", "tasks.txt"], in: folder, timeout: 30)
            #expect(bad.status == 64, "\(bad)")
            #expect(bad.errorLines.filter { $0.contains("Error:") }.count == 1, "printed once, by rank 0: \(bad)")
            let missing = try Self.farm(2, ["no-such-tasks.txt"], in: folder, timeout: 30)
            #expect(missing.status == 66, "\(missing)")
            #expect(missing.stderr.contains("mpipool-run: cannot open 'no-such-tasks.txt': No such file or directory"), "\(missing)")
        }
    }

    /// `word` single-quoted for bash.
    static func quoted(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
