import ArgumentParser
import Foundation
import MPIPool
import PoolCLI
import Synchronization
import Workloads

/// "Using a pool of workers": J sleep jobs of random length on the MPI workers,
/// in each of the seed's six forms, then the time spent in each process.
@main
struct SleepJobs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sleepjobs-mpi",
        abstract: "Run J sleep jobs of random length on a pool of MPI workers and show how the pool balanced them.",
        discussion: """
        Run with `mpirun -n 9 sleepjobs-mpi` (rank 0 schedules, ranks 1…8 work). Durations are \
        `max-seconds * random.random()` after Python's `random.seed(seed)`, reproduced exactly: \
        the defaults give 4.8323, 2.2037, 0.0375, … (19 jobs, 42.3570 s in all).
        Modes: map (Pool.map), map-async (Pool.map_async), apply (Pool.apply, one job after another), \
        apply-async (Pool.apply_async, then close + join), callback (apply_async with a callback that \
        prints running totals while the master does other work).
        """
    )

    /// The seed's six examples (map-async with --chunksize 4 is the fifth).
    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case map, mapAsync = "map-async", apply, applyAsync = "apply-async", callback
    }

    @Option(help: "Number of jobs (1…10000000).")
    var jobs = 19

    @Option(help: "Seed of Python's random.seed(): the same seed gives the same durations as Python.")
    var seed = 1234

    @Option(help: "Longest job in seconds: durations are max-seconds * random.random() (default 5; 30 in callback mode, as in the seed; 0…1000000).")
    var maxSeconds: Double?

    @Option(help: "Multiply every duration (and the master's other work) by this, e.g. 0.01 for quick runs (1e-9…1000000; scaled durations at most 1000000 s).")
    var scale = 1.0

    @Option(help: "How the jobs are submitted: \(Mode.allCases.map(\.rawValue).joined(separator: ", ")).")
    var mode: Mode = .mapAsync

    @Option(help: "Jobs per chunk (map and map-async only; 1…10000000).")
    var chunksize = 1

    @Option(help: "Seconds of other work the master does in callback mode before join (default 25, as in the seed; scaled; 0…1000000).")
    var otherWork: Double?

    @Option(help: ArgumentHelp("Write the pool's timeline (a Chrome trace) to this file, and print each job's start and end, in seconds since the master started.",
                               discussion: "Draw it with `pool-timeline PATH --svg chart.svg`, or open it in Perfetto."))
    var timeline: String?

    @Flag(help: "Print every scheduling decision on stderr.")
    var trace = false

    @Option(help: "Record finished jobs in this journal; a re-run with it runs only the jobs not recorded (map and map-async).")
    var journal: String?

    @Option(help: "Progress of the jobs on stderr (map and map-async): auto (a bar on a terminal, else lines), bar, lines, none.")
    var progress: ProgressOption = .none

    static func main() { mainForMPI() }

    /// The smallest `--scale`: a nanosecond per second, and at most 13 decimals in the output.
    static let smallestScale = 1e-9

    /// Limits (see `FlagLimits`): --jobs and --chunksize 1…10⁷; --max-seconds, --other-work
    /// 0…10⁶ s; --scale 10⁻⁹…10⁶, and a scaled duration (longest job, other work) at most 10⁶ s.
    func validate() throws {
        try FlagLimits.check(jobs, "--jobs", in: 1...FlagLimits.items)
        if let maxSeconds { try FlagLimits.checkSeconds(maxSeconds, "--max-seconds") }
        guard scale >= Self.smallestScale, scale <= FlagLimits.seconds else {
            throw ValidationError("--scale must be 1e-9…1000000 (got \(scale))")
        }
        try FlagLimits.check(chunksize, "--chunksize", in: 1...FlagLimits.items)
        if journal != nil && !(mode == .map || mode == .mapAsync) {
            throw ValidationError("--journal applies to --mode map and map-async only")
        }
        if progress != .none && !(mode == .map || mode == .mapAsync) {
            throw ValidationError("--progress applies to --mode map and map-async only (\(mode.rawValue) submits one job at a time)")
        }
        if chunksize != 1 && !(mode == .map || mode == .mapAsync) {
            throw ValidationError("--chunksize applies to --mode map and map-async only (\(mode.rawValue) submits one job at a time)")
        }
        if let otherWork {
            try FlagLimits.checkSeconds(otherWork, "--other-work")
            guard mode == .callback else { throw ValidationError("--other-work applies to --mode callback only") }
        }
        if longest * scale > FlagLimits.seconds {
            throw ValidationError("--max-seconds × --scale must be at most 1000000 seconds (got \(longest) × \(scale))")
        }
        if mode == .callback, (otherWork ?? 25) * scale > FlagLimits.seconds {
            throw ValidationError("--other-work × --scale must be at most 1000000 seconds (got \(otherWork ?? 25) × \(scale))")
        }
    }

    /// The longest job before scaling.
    var longest: Double { maxSeconds ?? (mode == .callback ? 30 : 5) }

    func run() throws {
        let longest = self.longest
        let decimals = 4 + max(0, Int((-log10(scale)).rounded(.up)))
        var tasks = TaskRegistry()
        let sleep = tasks.register("sleep") { (job: Int, seconds: Double) -> JobRecord in
            let record = JobRecord.begin(job: job, seconds: seconds)
            Console.out("In process \(record.pid) (rank \(record.rank)) (\(pad(job, 2))) is sleeping \(fixed(seconds, decimals: decimals, width: 8)) seconds")
            pause(seconds: seconds)
            return record.ended()
        }
        let options = self
        let trace = PoolOptions(tracesScheduling: trace, timeline: timeline.map { URL(fileURLWithPath: $0) }, progress: progress.style)
        try Pool.run(tasks, options: trace) { pool in
            // Only the master needs the durations: the workers get theirs with the jobs.
            let durations = sleepDurations(count: options.jobs, seed: options.seed, maxSeconds: longest).map { $0 * options.scale }
            try options.runJobs(pool, sleep, durations: durations, longest: longest, decimals: decimals)
        }
    }

    func runJobs(_ pool: Pool, _ sleep: PoolTask<(Int, Double), JobRecord>, durations: [Double], longest: Double, decimals: Int) throws {
        let workers = pool.workerCount
        Console.out("Launching \(jobs) jobs on \(workers) worker\(workers == 1 ? "" : "s") (mode \(mode.rawValue), chunksize \(chunksize))")
        let longestText = longest == longest.rounded() ? fixed(longest, decimals: 0) : "\(longest)"
        Console.out("Durations: \(longestText) * random.random() after random.seed(\(seed))"
                    + (scale == 1 ? "" : ", scaled by \(scale)"))
        let t0 = wallClockSeconds()
        let clock = Stopwatch()
        let items = Array(zip(0..<jobs, durations))
        let recorder = try journal.map { try Journal(path: $0) }
        var finished = false
        defer {
            if let recorder {
                Console.out("journal \(recorder.path): resumed \(recorder.resumedItems) of \(jobs) jobs (their figures are from the run that did them), "
                            + (finished ? "ran \(jobs - recorder.resumedItems)" : "stopped before the others finished: run again with the journal to go on"))
            }
        }
        var records: [JobRecord]
        switch mode {
        case .map:
            records = try pool.starmap(sleep, over: items, chunkSize: .fixed(chunksize), journal: recorder)
        case .mapAsync:
            let pending = try pool.starmapAsync(sleep, over: items, chunkSize: .fixed(chunksize), journal: recorder)
            records = try pending.get()
        case .apply:
            records = []
            for item in items { records.append(try pool.apply(sleep, item)) }
        case .applyAsync:
            let pending = try items.map { try pool.applyAsync(sleep, $0) }
            pool.close()
            try pool.join()
            records = try pending.map { try $0.get() }
        case .callback:
            records = try runWithCallback(pool, sleep, items: items, decimals: decimals)
        }
        finished = true
        let wall = clock.elapsed
        let table = ProcessTable(records: records, workers: pool.workerStats())
        if timeline != nil {
            for r in records.sorted(by: { $0.job < $1.job }) {
                Console.out("job \(pad(r.job, 2)) rank \(r.rank) pid \(r.pid) start \(fixed(r.started - t0, decimals: 6)) end \(fixed(r.finished - t0, decimals: 6))")
            }
        }
        Console.out("")
        Console.out(table.rendered(decimals: decimals))
        Console.out(summaryLine("Wall clock time (s)", wall, decimals: decimals))
        let schedule = listSchedule(durations, workers: mode == .apply ? 1 : workers, chunkSize: chunksize)
        let how = mode == .apply ? "one job after another" : "\(workers) workers, chunksize \(chunksize), \(schedule.idleWorkers) idle"
        Console.out(summaryLine("Greedy makespan (s)", schedule.makespan, decimals: decimals) + "   (\(how))")
    }

    /// The seed's sixth example: results printed by a callback on the master as
    /// jobs finish, with running totals, while the master does other work.
    func runWithCallback(_ pool: Pool, _ sleep: PoolTask<(Int, Double), JobRecord>, items: [(Int, Double)], decimals: Int) throws -> [JobRecord] {
        let start = Stopwatch()
        let runningTotal = Mutex(0.0)
        // Callbacks run on the master, one at a time, in completion order.
        let pending = try items.map {
            try pool.applyAsync(sleep, $0, callback: { r in
                let total = runningTotal.withLock { $0 += r.seconds; return $0 }
                Console.out("Process \(r.pid) (rank \(r.rank)), job \(pad(r.job, 2)) is done in \(fixed(r.seconds, decimals: decimals, width: 8)) (s)"
                            + " (wc/rt \(fixed(start.elapsed, decimals: 2, width: 8))/\(fixed(total, decimals: 2)))")
            })
        }
        pool.close()
        Console.out("---> Do some useful work while we are waiting for background jobs.")
        pause(seconds: (otherWork ?? 25) * scale)
        Console.out("---> Done with our other work !!!")
        try pool.join()
        return try pending.map { try $0.get() }
    }
}

/// `n` right-aligned in `width` characters.
func pad(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return String(repeating: " ", count: max(0, width - s.count)) + s
}
