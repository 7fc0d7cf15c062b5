import MPIPool
import PoolCLI
import TaskFarm
#if canImport(Glibc)
import Glibc
#endif

/// Rank 0's side of a run: reads the tasks lazily, skips what the joblog records (`--resume`),
/// maps the workers' runner over the rest with `imapUnordered`, and for each task as it
/// finishes appends its joblog line, shows its output and counts it. Everything happens on the
/// body's thread, one report at a time; rank 0 holds no task while it runs.
final class Farm {
    let plan: FarmPlan
    private var tally = FarmTally(keepingSlowest: 3)
    private var joblog: JoblogWriter?
    private var progress: ProgressReporter?
    /// Tasks that failed after SIGTERM/SIGINT reached rank 0: the signal likely ended them too
    /// (a batch system signals every process of the job), so they are not logged as done.
    private var stopped = 0

    init(_ plan: FarmPlan) { self.plan = plan }

    /// Runs every task; returns the exit status (0: all succeeded, 1: some failed).
    /// Throws ``FarmStop`` for input or joblog problems, `PoolError.interrupted` after a signal.
    func run(_ pool: Pool, _ task: PoolTask<TaskSpec, TaskReport>) throws -> Int32 {
        let clock = Stopwatch()
        let table = try resumeTable()
        let total = try plannedTotal(table)
        if !plan.dryRun, let path = plan.joblog {
            do { joblog = try JoblogWriter(path: path, appending: plan.resume != .none) } catch { throw FarmStop(73, "\(error)") }
        }
        if let folder = plan.outputDirectory { try makeOutputDirectory(folder) }
        announce(total: total, table: table, workers: pool.workerCount)

        let pending = PendingTasks(reader: try openTasks(), table: table, rerunFailed: plan.resume == .failed)
        let progress = ProgressReporter(total: total, unit: "tasks", style: plan.progress, showsFailures: true)
        self.progress = progress
        progress.start()
        let results = try pool.imapUnordered(task, over: pending, chunkSize: .fixed(plan.chunkSize))
        do {
            while let report = try results.next() { try handle(report) }
            // Every task came back, but the signal came first (under a batch system it reaches the
            // tasks too, and the ones it ended came back failed): the run stopped all the same.
            if let signo = PoolContext.signalReceived, !plan.dryRun {
                throw PoolError.interrupted(signal: signo, done: tally.finished, remaining: stopped)
            }
        } catch let error as PoolError {
            guard case .interrupted(let signo, _, _) = error else { throw error }
            progress.finish()
            joblog?.sync()
            tally.skipped = pending.skipped
            let cut = stopped > 0 ? " (and \(stopped) that failed as the signal came, not logged)" : ""
            Console.error("mpipool-run: stopped by \(SignalName.of(Int(signo))): \(tally.summaryLine)\(cut); "
                          + "the tasks still running were stopped and are not in the joblog")
            throw error
        }
        progress.finish()
        joblog?.sync()
        tally.skipped = pending.skipped
        summarise(seconds: clock.elapsed, workers: pool.workerCount)
        if let stop = pending.stop { throw stop }
        return tally.failed > 0 ? 1 : 0
    }

    // MARK: Before the run

    private func openTasks() throws -> TaskReader {
        do { return try TaskReader(path: plan.input, form: plan.form) } catch { throw FarmStop.reading(error, path: plan.input) }
    }

    private func resumeTable() throws -> ResumeTable {
        guard plan.resume != .none, let path = plan.joblog else { return ResumeTable() }
        do { return try ResumeTable(path: path) } catch {
            if case .cannotOpen = error { throw FarmStop(66, "\(error)") }
            throw FarmStop(65, "\(error)")
        }
    }

    /// The number of tasks to run, by a first pass over the file that checks the joblog on the
    /// way (a changed task stops the run before anything runs); nil for standard input, a pipe
    /// (`<(…)`) or anything else that is not a regular file: those can be read only once.
    private func plannedTotal(_ table: ResumeTable) throws -> Int? {
        var info = stat()
        guard plan.input != "-", stat(plan.input, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        let reader = try openTasks()
        var count = 0
        do {
            while let task = try reader.next() {
                switch table.decide(task, rerunFailed: plan.resume == .failed) {
                case .run: count += 1
                case .skip: break
                case .changed: throw FarmStop.changed(task, plan: plan)
                }
            }
        } catch let error as LineReaderError {
            throw FarmStop.reading(error, path: plan.input)
        }
        return count
    }

    private func makeOutputDirectory(_ folder: String) throws {
        CommandRunner.makeDirectory(folder)
        var info = stat()
        guard stat(folder, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, access(folder, W_OK) == 0 else {
            throw FarmStop(73, "cannot write task output to '\(folder)': it is not a folder this user can write to")
        }
    }

    private func announce(total: Int?, table: ResumeTable, workers: Int) {
        let what = total.map { "\($0) task\($0 == 1 ? "" : "s")" } ?? "tasks from \(plan.input == "-" ? "standard input" : "'\(plan.input)'") as they come"
        var line = "mpipool-run: \(plan.dryRun ? "listing" : "running") \(what) on \(workers) worker\(workers == 1 ? "" : "s")"
        if plan.resume != .none, let path = plan.joblog {
            line += "; the joblog '\(path)' records \(table.recorded) (\(table.succeeded) succeeded)"
            line += plan.resume == .failed ? ": the failed ones run again" : ": they are skipped"
        }
        Console.error(line)
    }

    // MARK: As tasks finish

    private func handle(_ report: TaskReport) throws {
        if report.ending.failed && PoolContext.signalReceived != nil && !plan.dryRun {
            stopped += 1
            return
        }
        tally.add(task: report.number, seconds: report.runtime, command: report.command, ending: report.ending, attempts: report.attempts)
        if plan.dryRun {
            let line = report.command + [0x0A]
            RawOutput.write(plan.tag ? OutputLines.tagged(line, task: report.number) : line, to: 1)
            progress?.advance(by: 1)
            return
        }
        if let joblog {
            do { try joblog.append(report.joblogEntry) } catch { throw FarmStop(74, "\(error); stopping: a joblog with gaps cannot resume a run") }
            joblog.syncIfDue()
        }
        let failed = report.ending.failed
        let plan = self.plan
        progress?.writeAbove {
            if plan.outputDirectory == nil {
                let show = { (bytes: [UInt8]) in plan.tag ? OutputLines.tagged(bytes, task: report.number) : OutputLines.grouped(bytes) }
                RawOutput.write(show(report.stdout), to: 1)
                RawOutput.write(show(report.stderr), to: 2)
                for (name, bytes, kept) in [("standard output", report.stdoutBytes, report.stdout.count),
                                            ("standard error", report.stderrBytes, report.stderr.count)] where bytes > kept {
                    Console.error("mpipool-run: task \(report.number) wrote \(bytes) bytes to \(name); only the first \(kept) are shown "
                                  + "(--output-dir keeps all of it)")
                }
            }
            if failed { Console.error("mpipool-run: task \(report.number) \(Self.describe(report, plan: plan))") }
        }
        progress?.advance(by: 1, failures: failed ? 1 : 0)
    }

    /// `failed: exit status 3 (rank 2 on node07, 0.012 s, 2 attempts): exit 3`.
    static func describe(_ report: TaskReport, plan: FarmPlan) -> String {
        let how: String = switch report.ending {
        case .succeeded: "succeeded"
        case .exited(let status): "failed: exit status \(status)"
        case .signalled(let signo): "failed: killed by \(SignalName.of(signo))"
        case .timedOut: "failed: ran past its timeout of \(plan.timeoutText)\(plan.timeoutText.last?.isNumber == true ? " s" : "") and was stopped with \(SignalName.of(report.signal == 0 ? 15 : report.signal))"
        case .couldNotStart: "failed: could not start: \(report.spawnError)"
        }
        let attempts = report.attempts > 1 ? ", \(report.attempts) attempts" : ""
        return "\(how) (rank \(report.rank) on \(report.host), \(JoblogEntry.fixed3(report.runtime)) s\(attempts)): "
            + Self.shown(report.command)
    }

    /// A command for a message: at most 120 characters.
    static func shown(_ command: [UInt8]) -> String {
        let text = String(decoding: command, as: UTF8.self)
        return text.count <= 120 ? text : String(text.prefix(117)) + "..."
    }

    // MARK: After the run

    private func summarise(seconds: Double, workers: Int) {
        if plan.dryRun {
            Console.error("mpipool-run: dry run: \(tally.finished) task\(tally.finished == 1 ? "" : "s") listed, none run"
                          + (tally.skipped > 0 ? ", \(tally.skipped) skipped (done in the joblog)" : ""))
            return
        }
        Console.error("mpipool-run: \(tally.summaryLine)")
        let rate = seconds > 0 ? Double(tally.finished) / seconds : 0
        Console.error("mpipool-run: \(JoblogEntry.fixed3(seconds)) s with \(workers) worker\(workers == 1 ? "" : "s"), "
                      + "\(JoblogEntry.fixed3(rate)) tasks/s")
        for slow in tally.slowest where tally.finished > 1 {
            Console.error("mpipool-run: slowest: task \(slow.task), \(JoblogEntry.fixed3(slow.seconds)) s: \(Self.shown(slow.command))")
        }
        if tally.failed > 0 {
            var line = "mpipool-run: \(tally.failed) of \(tally.finished) task\(tally.finished == 1 ? "" : "s") failed"
            if let path = plan.joblog { line += " (the joblog '\(path)' has their exit status; --resume-failed runs them again)" }
            Console.error(line)
        }
    }
}

/// The lazy input of the map: the tasks of the file, less those the joblog says to skip.
/// Read on rank 0's body thread, by the `imapUnordered` that pulls from it. A read error or a
/// changed task ends it (the map finishes what is running) and is kept in `stop`.
final class PendingTasks: Sequence, IteratorProtocol {
    private let reader: TaskReader
    private let table: ResumeTable
    private let rerunFailed: Bool
    private(set) var skipped = 0
    private(set) var stop: FarmStop?

    init(reader: TaskReader, table: ResumeTable, rerunFailed: Bool) {
        self.reader = reader
        self.table = table
        self.rerunFailed = rerunFailed
    }

    func next() -> TaskSpec? {
        guard stop == nil else { return nil }
        do {
            while let task = try reader.next() {
                switch table.decide(task, rerunFailed: rerunFailed) {
                case .run: return TaskSpec(number: task.number, command: task.command)
                case .skip: skipped += 1
                case .changed:
                    stop = .changed(task, path: reader.path)
                    return nil
                }
            }
        } catch {
            stop = FarmStop.reading(error, path: reader.path)
        }
        return nil
    }
}

/// A reason to stop the run, with the exit status to end with.
struct FarmStop: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    init(_ code: Int32, _ message: String) {
        self.code = code
        self.message = message
    }
    var description: String { message }

    /// Status 65: task `task` is not the one the joblog records under its number.
    static func changed(_ task: TaskLine, path: String) -> FarmStop {
        FarmStop(65, "task \(task.number) (line \(task.lineNumber) of '\(path)') is not the command the joblog records for it: "
                 + "the tasks changed since the joblog was written; use another joblog, or leave out --resume to start over "
                 + "(task \(task.number) is now: \(Farm.shown(task.command)))")
    }

    static func changed(_ task: TaskLine, plan: FarmPlan) -> FarmStop { changed(task, path: plan.input) }

    /// Status 65 for a line too long to be a command (the data is wrong), else 66 (the input cannot be read).
    static func reading(_ error: LineReaderError, path: String) -> FarmStop {
        if case .lineTooLong = error { return FarmStop(65, "'\(path)': \(error): not a command line") }
        return FarmStop(66, "\(error)")
    }
}
