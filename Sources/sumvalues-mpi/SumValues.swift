import ArgumentParser
import Foundation
import MPIPool
import PoolCLI
import Synchronization
import Workloads

/// "Asynchronous Processes" (CSE251): `sum_all_values(x)` on a pool of MPI
/// workers, in the seed's forms, with its log timers; `amdahl` measures speed-up.
@main
struct SumValues: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sumvalues-mpi",
        abstract: "Sum 1…x by a real loop for a range of x on MPI workers (CSE251 asynchronous processes).",
        discussion: "Run with `mpirun -n 5 sumvalues-mpi --mode callback`. `sumvalues-mpi amdahl` measures the speed-up with 1, 2, … workers.",
        subcommands: [Modes.self, AmdahlCommand.self],
        defaultSubcommand: Modes.self
    )

    static func main() { mainForMPI() }
}

/// The x values and how they are handed out, shared by both subcommands.
struct Workload: ParsableArguments {
    @Option(help: "First x (default 10000000; 20000000 for amdahl; the seed uses 10000 and 100000000; start + count ≤ 3037000499).")
    var start: Int?

    @Option(help: "How many x: start, start+1, … (default 100; 4 in over-time mode; 24 for amdahl; 1…10000000).")
    var count: Int?

    @Option(help: "Values per chunk (map and amdahl; 1…10000000).")
    var chunksize = 1

    @Flag(help: "Print every scheduling decision on stderr.")
    var trace = false

    @Option(help: "Progress of the maps on stderr (--mode map and amdahl): auto (a bar on a terminal, else lines), bar, lines, none.")
    var progress: ProgressOption = .none

    /// The pool's options: tracing and progress as the flags say.
    var options: PoolOptions { PoolOptions(tracesScheduling: trace, progress: progress.style) }

    /// x(x+1)/2 must fit in 64 bits.
    static let largestX = 3_037_000_499

    /// Limits: --count and --chunksize 1…10⁷ (the master holds every x and result in arrays);
    /// --start 0…`largestX`, and start + count ≤ `largestX` (checked without overflow).
    func validate() throws {
        if let start { try FlagLimits.check(start, "--start", in: 0...Self.largestX) }
        if let count { try FlagLimits.check(count, "--count", in: 1...FlagLimits.items) }
        try FlagLimits.check(chunksize, "--chunksize", in: 1...FlagLimits.items)
        // Both are in range now, so the subtraction cannot overflow.
        guard (start ?? 20_000_000) <= Self.largestX - (count ?? 100) else {
            throw ValidationError("--start + --count must stay below \(Self.largestX) so that the sums fit in 64 bits")
        }
    }

    /// start, start+1, … (count values), with the given defaults.
    func values(defaultStart: Int = 10_000_000, defaultCount: Int = 100) -> [Int] {
        let first = start ?? defaultStart
        return Array(first..<first + (count ?? defaultCount))
    }
}

/// A failure while running (not a usage error): printed as `Error: …`, exit status 1.
struct RunError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What a sum job returns: the value, and where and how long it ran.
struct SumResult: BitwiseWireCodable {
    var value: Int
    var record: JobRecord
}

/// The task every rank registers: `sum_all_values(x)` for job `job`, timed on the worker.
func registerSum(_ tasks: inout TaskRegistry) -> PoolTask<(Int, Int), SumResult> {
    tasks.register("sum_all_values") { (job: Int, x: Int) -> SumResult in
        let record = JobRecord.begin(job: job)
        let value = sumAllValues(x)
        return SumResult(value: value, record: record.ended(measured: true))
    }
}

/// Python's printing of a list of ints: `[50005000, 50015001]`.
func pythonList(_ values: [Int]) -> String { "[" + values.map(String.init).joined(separator: ", ") + "]" }

/// The loop's speed, to show it really loops: nanoseconds per addition over the whole run.
func loopSpeedLine(_ results: [SumResult], xs: [Int]) -> String {
    let additions = results.reduce(0.0) { $0 + Double(xs[$1.record.job]) }
    let seconds = results.reduce(0.0) { $0 + $1.record.seconds }
    let ns = additions > 0 ? seconds / additions * 1e9 : 0
    return "sum_all_values: \(grouped(Int(additions))) additions in \(fixed(seconds, decimals: 3)) s of worker time"
        + " = \(fixed(ns, decimals: 3)) ns per addition (a loop folded into a closed form would show ≈ 0)"
}

/// `sumvalues-mpi [--mode …]`: the seed's examples.
struct Modes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run sum_all_values over a range in one of the seed's forms (the default subcommand)."
    )

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case map, applyAsync = "apply-async", callback, overTime = "over-time"
    }

    @OptionGroup var workload: Workload

    @Option(help: "map (Pool.map), apply-async (apply_async, then get each), callback (results gathered by a callback, close + join), over-time (jobs added one at a time with pauses).")
    var mode: Mode = .map

    @Option(help: "Also write the timer lines to this log file.")
    var log: String?

    @Option(help: "Seconds the master pauses between jobs in over-time mode (0…1000000).")
    var pause = 1.0

    @Flag(help: "Print the time spent in each process.")
    var table = false

    @Option(help: "Record finished results in this journal; a re-run with it computes only what is missing (--mode map).")
    var journal: String?

    func validate() throws {
        try FlagLimits.checkSeconds(pause, "--pause")
        if journal != nil && mode != .map { throw ValidationError("--journal applies to --mode map only") }
        if workload.progress != .none && mode != .map {
            throw ValidationError("--progress applies to --mode map only (\(mode.rawValue) submits one value at a time)")
        }
        if workload.chunksize != 1 && mode != .map {
            throw ValidationError("--chunksize applies to --mode map only (\(mode.rawValue) submits one value at a time)")
        }
    }

    func run() throws {
        var tasks = TaskRegistry()
        let sum = registerSum(&tasks)
        let command = self
        try Pool.run(tasks, options: workload.options) { pool in
            let log = try TimerLog(path: command.log)
            try command.run(pool, sum, log: log)
        }
    }

    func run(_ pool: Pool, _ sum: PoolTask<(Int, Int), SumResult>, log: TimerLog) throws {
        let xs = workload.values(defaultCount: mode == .overTime ? 4 : 100)
        let items = Array(xs.enumerated()).map { ($0.offset, $0.element) }
        Console.out("sum_all_values(x) for x = \(xs.first!)…\(xs.last!) (\(xs.count) values) on \(pool.workerCount) workers, mode \(mode.rawValue)")
        log.startTimer()
        var results: [SumResult]
        switch mode {
        case .map:
            let recorder = try journal.map { try Journal(path: $0) }
            results = try pool.starmap(sum, over: items, chunkSize: .fixed(workload.chunksize), journal: recorder)
            log.stopTimer("Finished: ")
            if let recorder {
                Console.out("journal \(recorder.path): resumed \(recorder.resumedItems) of \(items.count) values, computed \(items.count - recorder.resumedItems)")
            }
        case .applyAsync:
            let pending = try items.map { try pool.applyAsync(sum, $0) }
            log.stepTimer("After apply_async")
            // Do something else here; then collect every result in order.
            results = try pending.map { try $0.get() }
            log.stopTimer("Finished: ")
        case .callback:
            let gathered = Mutex<[SumResult]>([])
            log.stepTimer("Before For loop")
            for item in items {
                // Callbacks run on the master, one at a time, in completion order.
                _ = try pool.applyAsync(sum, item, callback: { r in gathered.withLock { $0.append(r) } })
            }
            log.stepTimer("After For loop")
            pool.close()
            try pool.join()
            log.stopTimer("Finished: ")
            results = gathered.withLock { $0 }
        case .overTime:
            let gathered = Mutex<[SumResult]>([])
            for (i, item) in items.enumerated() {
                if i > 0 { PoolCLI.pause(seconds: pause) }  // the master does something else meanwhile
                _ = try pool.applyAsync(sum, item, callback: { r in
                    gathered.withLock { $0.append(r) }
                    log.stepTimer("Result of sum_all_values(\(xs[r.record.job])) arrived")
                })
                log.stepTimer("Added sum_all_values(\(item.1))")
            }
            pool.close()
            try pool.join()
            log.stopTimer("Finished: ")
            results = gathered.withLock { $0 }
        }
        Console.out(pythonList(results.map(\.value)))
        let wrong = results.filter { $0.value != xs[$0.record.job] * (xs[$0.record.job] + 1) / 2 }
        Console.out(wrong.isEmpty ? "All \(results.count) sums equal x(x+1)/2."
                                  : "\(wrong.count) sums differ from x(x+1)/2: jobs \(wrong.map(\.record.job))")
        Console.out(loopSpeedLine(results, xs: xs))
        if table {
            Console.out("")
            Console.out(ProcessTable(records: results.map(\.record), workers: pool.workerStats()).rendered())
        }
        if !wrong.isEmpty { throw ExitCode(1) }
    }
}
