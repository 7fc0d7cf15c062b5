import ArgumentParser
import MPIPool
import PoolCLI
import TaskFarm
#if canImport(Glibc)
import Glibc
#endif

/// A task farm for any command: every worker rank runs tasks as child processes, rank 0 reads
/// the tasks, schedules them, keeps the joblog and shows the output.
@main
struct MPIPoolRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mpipool-run",
        abstract: "Run shell commands on MPI worker ranks: a task farm with a joblog, resume, timeouts and retries.",
        discussion: """
        Run with `mpirun -n N mpipool-run tasks.txt` (one shell command a line; blank lines and # comments are skipped) \
        or `mpirun -n N mpipool-run --command 'simulate --seed {1} --out run-{1}.dat' --args seeds.txt` ({} is the whole \
        line, {1}, {2}, ... its tab-separated columns, {#} the task number; each argument is shell-quoted). Rank 0 \
        schedules; ranks 1...N-1 each run one task at a time with /bin/sh -c, in a process group of its own, with \
        MPIPOOL_TASK_ID, MPIPOOL_RANK, MPIPOOL_HOST and MPIPOOL_ATTEMPT set (and the launcher's OMPI_*/PMIX_*/PMI_* \
        variables removed, so that a task may itself be an MPI program). The tasks file is read a line at a time. \
        Output is shown per task, whole, when it ends (--tag prefixes each line with the task number), or written to \
        --output-dir as DIR/<task>.out and .err. --joblog FILE is GNU parallel's format, written as tasks finish; \
        with --resume a re-run skips what it records, with --resume-failed it runs the failed ones again. \
        SIGTERM (a time limit, scancel) stops the running tasks' process groups, completes the joblog and exits 143. \
        Exit status: 0 when every task succeeded, 1 when some failed, 64 for bad flags, 65 when the tasks differ from \
        the joblog being resumed (or a line is too long to be a command), 66 when the input cannot be read, 73/74 when the joblog or output folder cannot be written.
        """
    )

    enum Progress: String, ExpressibleByArgument, CaseIterable {
        case auto, bar, lines, none
    }

    @Argument(help: "A file of shell commands, one a line ('-': standard input). Not with --command.")
    var tasks: String?

    @Option(help: ArgumentHelp("A command template: {} the whole line of --args, {1} {2}… its tab-separated columns, {#} the task number.",
                               discussion: "Substituted arguments are shell-quoted: do not put placeholders in quotes. Without any placeholder, ' {}' is appended.",
                               valueName: "template"))
    var command: String?

    @Option(name: .customLong("args"), help: ArgumentHelp("The arguments file of --command, one task a line ('-': standard input).", valueName: "file"))
    var argumentsFile: String?

    @Option(help: ArgumentHelp("Write GNU parallel's joblog here as tasks finish (Seq Host Starttime JobRuntime Send Receive Exitval Signal Command).",
                               valueName: "file"))
    var joblog: String?

    @Flag(help: "Skip the tasks the joblog records (run only what is missing), and append to it.")
    var resume = false

    @Flag(help: "Skip the tasks the joblog records as succeeded; run the failed and the missing ones.")
    var resumeFailed = false

    @Option(help: ArgumentHelp("Stop a task that runs longer: SIGTERM to its process group, SIGKILL after --kill-after (e.g. 90, 30s, 5m, 1h30m).",
                               valueName: "duration"))
    var timeout: String?

    @Option(help: ArgumentHelp("Time between SIGTERM and SIGKILL for a task past its --timeout.", valueName: "duration"))
    var killAfter = "2s"

    @Option(help: "Run a failed task (non-zero exit, signal, timeout) again up to this many times, at once, on the same worker (0…1000).")
    var retries = 0

    @Option(help: ArgumentHelp("Write each task's output to DIR/<task>.out and DIR/<task>.err instead of the terminal (a folder every node sees).",
                               valueName: "dir"))
    var outputDir: String?

    @Flag(help: "Prefix each line of a task's output with its task number and a tab.")
    var tag = false

    @Option(help: "Live status on stderr (tasks done, rate, time left, failures): auto (a bar on a terminal, else lines), bar, lines, none.")
    var progress: Progress = .auto

    @Option(help: "Tasks sent to a worker at a time (1…10000000): more for many very short tasks.")
    var chunkSize = 1

    @Flag(help: "Print the commands (with their numbers under --tag) instead of running them.")
    var dryRun = false

    @Flag(help: "Print every scheduling decision on stderr.")
    var trace = false

    static func main() { mainForMPI() }

    func validate() throws {
        switch (tasks, command, argumentsFile) {
        case (.some, nil, nil), (nil, .some, .some): break
        case (.some, .some, _), (.some, _, .some): throw ValidationError("give a tasks file or --command with --args, not both")
        case (nil, .some, nil): throw ValidationError("--command needs --args FILE (or --args - for standard input)")
        case (nil, nil, .some): throw ValidationError("--args needs --command TEMPLATE")
        case (nil, nil, nil): throw ValidationError("give a tasks file (one command a line), or --command TEMPLATE --args FILE")
        }
        if let command {
            do { _ = try CommandTemplate(command) } catch { throw ValidationError("--command: \(error)") }
        }
        if resume && resumeFailed { throw ValidationError("--resume and --resume-failed exclude each other") }
        if (resume || resumeFailed) && joblog == nil { throw ValidationError("--\(resume ? "resume" : "resume-failed") needs --joblog FILE") }
        if tag && outputDir != nil { throw ValidationError("--tag applies to output on the terminal, not with --output-dir") }
        if let timeout {
            guard let seconds = DurationText.seconds(timeout), seconds > 0, seconds <= FlagLimits.seconds else {
                throw ValidationError("--timeout must be a duration above 0 and at most 1000000 s, such as 90, 30s, 5m or 1h30m (got '\(timeout)')")
            }
        }
        if (DurationText.seconds(killAfter) ?? .infinity) > FlagLimits.seconds {
            throw ValidationError("--kill-after must be a duration of 0…1000000 s, such as 2s or 500ms (got '\(killAfter)')")
        }
        try FlagLimits.check(retries, "--retries", in: 0...1000)
        try FlagLimits.check(chunkSize, "--chunk-size", in: 1...FlagLimits.items)
    }

    func run() throws {
        ChildProcess.stopChildrenAtExit()
        let runner = CommandRunner(timeout: timeout.flatMap(DurationText.seconds), killAfter: DurationText.seconds(killAfter) ?? 2,
                                   retries: retries, outputDirectory: outputDir, captureLimit: 16 << 20, dryRun: dryRun,
                                   environment: TaskEnvironment.inherited())
        var registry = TaskRegistry()
        let runCommand = registry.register("run_command") { (spec: TaskSpec) -> TaskReport in runner.run(spec) }
        let plan = try makePlan()
        // A worker that leaves its task behind (SIGTERM, the pool stopping) stops the task's process group first.
        let options = PoolOptions(tracesScheduling: trace, resumeAdvice: resumeAdvice, onTaskAbandoned: { ChildProcess.stopRunning() })
        let status: Int32?
        do {
            status = try Pool.run(registry, options: options) { pool in try Farm(plan).run(pool, runCommand) }
        } catch let stop as FarmStop {
            Console.error("mpipool-run: \(stop.message)")
            throw ExitCode(stop.code)
        }
        if let status, status != 0 { throw ExitCode(status) }
    }

    /// What rank 0 needs of the flags (validated: the template parses).
    func makePlan() throws -> FarmPlan {
        let style: ProgressStyle = switch progress {
        case .none: .off
        case .bar: .bar
        case .lines: .lines
        case .auto: ProgressStyle.automatic
        }
        var form = TaskForm.commands
        if let command {
            do { form = .template(try CommandTemplate(command)) } catch { throw ValidationError("--command: \(error)") }
        }
        return FarmPlan(input: tasks ?? argumentsFile ?? "-", form: form,
                        joblog: joblog, resume: resume ? .all : resumeFailed ? .failed : .none, tag: tag, outputDirectory: outputDir,
                        dryRun: dryRun, chunkSize: chunkSize, progress: style, timeoutText: timeout ?? "")
    }

    /// What the pool prints after SIGTERM/SIGINT: the command that runs only what is missing.
    var resumeAdvice: String {
        guard let joblog else { return "no --joblog was given: a re-run starts over (give --joblog FILE to make a run resumable)" }
        var words = CommandLine.arguments.map(ShellQuote.quote)
        if !resume && !resumeFailed { words.append("--resume") }
        var command = words.joined(separator: " ")
        if launcherRank != nil { command = "mpirun -n \(PoolContext.size) " + command }
        var advice = "the joblog '\(joblog)' records every finished task; to run only the rest: \(command)"
        if PoolContext.isInBatchJob { advice += " (in a batch job: resubmit it with --resume)" }
        return advice
    }
}

/// What rank 0 needs of the flags to run the farm.
struct FarmPlan: Sendable {
    enum Resume: Sendable { case none, all, failed }
    var input: String
    var form: TaskForm
    var joblog: String?
    var resume: Resume
    var tag: Bool
    var outputDirectory: String?
    var dryRun: Bool
    var chunkSize: Int
    var progress: ProgressStyle
    /// `--timeout` as given, for messages.
    var timeoutText: String
}

extension PoolContext {
    /// Whether this process runs inside a Slurm or PBS job.
    static var isInBatchJob: Bool {
        getenv("SLURM_JOB_ID") != nil || getenv("PBS_JOBID") != nil
    }
}
