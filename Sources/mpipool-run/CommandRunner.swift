import MPIPool
import TaskFarm
#if canImport(Glibc)
import Glibc
#endif

/// The worker's side: runs one task's command as a child process (``ChildProcess``), again
/// after a failure while `--retries` allows, and reports how it went.
///
/// Every rank builds the same runner from the same flags (SPMD), so the settings need not
/// travel with each task. Retries run at once on the same worker: a command's failure is a
/// result (an exit status for the joblog), not an error the pool would move elsewhere.
struct CommandRunner: Sendable {
    /// Seconds a task may run (nil: no limit), and between its SIGTERM and SIGKILL after that.
    var timeout: Double?
    var killAfter: Double
    var retries: Int
    /// Output files go here as `<task>.out` / `<task>.err`; nil: output is captured and sent to rank 0.
    var outputDirectory: String?
    /// The most output of one stream kept for the terminal (the rest is counted, not shown).
    var captureLimit: Int
    var dryRun: Bool
    /// The environment of every task before its own variables (see ``TaskEnvironment``).
    var environment: [String]

    /// Runs `spec` on this rank.
    func run(_ spec: TaskSpec) -> TaskReport {
        var report = TaskReport(number: spec.number, command: spec.command, host: PoolContext.host, rank: PoolContext.rank,
                                startTime: 0, runtime: 0, exitStatus: 0, signal: 0, timedOut: false, spawnError: "",
                                attempts: 0, stdoutBytes: 0, stderrBytes: 0, stdout: [], stderr: [])
        guard !dryRun else { return report }
        guard PoolContext.signalReceived == nil else {
            // The job is stopping (a chunk sent before rank 0 heard of the signal): start nothing.
            report.spawnError = "not started: the job is stopping"
            return report
        }
        if let outputDirectory { Self.makeDirectory(outputDirectory) }
        var result: ChildProcess.Result
        repeat {
            report.attempts += 1
            var request = ChildProcess.Request(command: spec.command, timeout: timeout, killAfter: killAfter)
            request.environment = TaskEnvironment.forTask(environment, task: spec.number, rank: report.rank, host: report.host,
                                                          attempt: report.attempts)
            if let outputDirectory {
                request.stdout = .file("\(outputDirectory)/\(spec.number).out")
                request.stderr = .file("\(outputDirectory)/\(spec.number).err")
            } else {
                request.stdout = .capture(limit: captureLimit)
                request.stderr = .capture(limit: captureLimit)
            }
            result = ChildProcess.run(request)
            // No retry once the job is being stopped: under a batch system the signal reached the task too.
        } while !result.succeeded && report.attempts <= retries && PoolContext.signalReceived == nil
        report.startTime = result.startTime
        report.runtime = result.runtime
        report.exitStatus = result.exitStatus.map(Int.init) ?? -1
        report.signal = result.signal.map(Int.init) ?? 0
        report.timedOut = result.timedOut
        report.spawnError = result.spawnError ?? ""
        if let outputDirectory, let error = result.spawnError {
            report.spawnError = error + " (its output goes to \(outputDirectory)/\(spec.number).out and .err)"
        }
        report.stdoutBytes = result.stdoutBytes
        report.stderrBytes = result.stderrBytes
        report.stdout = result.stdout
        report.stderr = result.stderr
        return report
    }

    /// `mkdir -p`, quietly: a folder that cannot be made shows up as the task's failure to start.
    static func makeDirectory(_ path: String) {
        var info = stat()
        if stat(path, &info) == 0 { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            mkdir(prefix, 0o755)
            prefix += "/"
        }
    }
}
