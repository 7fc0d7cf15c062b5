import ArgumentParser
import Foundation
import MPIPool
import PoolCLI
import Workloads

/// The benchmark candidate for ../shared/bench-peers: flags in, one JSON line out.
@main
struct PoolBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool-bench",
        abstract: "MPIPool on the bench-peers workloads (w1 tiny tasks, w2 uneven sleeps, w3 CPU loop, idle, imap memory, soak, backlog).",
        discussion: """
        Run as `mpirun -n W+1 pool-bench --workload WL --workers W …`. Rank 0 prints one JSON line.
          w1    --tasks N --reps R --mode map --chunksize C | --mode async
          w2    --durations FILE --mode map --chunksize C | --mode async
                (also reports the master's CPU seconds and peak RSS)
          w3    --tasks T --x X --reps R
          idle  --seconds S         (prints READY, then idles)
          imap  --tasks N [--chunksize C]  (lazy imap over N generated items; reports the master's peak RSS)
          soak  --tasks N [--chunksize C] [--batch B]
                (N tasks as small submissions of C items, B at a time, each batch
                waited; reports the master's RSS after 100000 tasks and at the end)
          backlog --tasks N  (N applyAsync of a trivial task, all submitted before any
                is waited on; reports the master's CPU seconds, per task, and peak RSS)
        Limits: --tasks 1…10000000 (imap and soak: 1…1000000000), --chunksize
        1…10000000, --reps 1…10000, --x 0…3037000499, --seconds 0…1000000,
        --spin-microseconds 0…1000000, --batch 1…1000000; w2's durations 0…1000000 s.
        Unknown flags are ignored, as the harness contract asks.
        """
    )

    @Option(help: "w1, w2, w3, idle, imap, soak or backlog.") var workload: String
    @Option(help: "Worker ranks expected (must match mpirun -n minus 1).") var workers: Int?
    @Option(help: "Number of tasks.") var tasks: Int = 20000
    @Option(help: "Repetitions (median reported).") var reps: Int = 3
    @Option(help: "map or async.") var mode: String = "map"
    @Option(help: "Items per chunk.") var chunksize: Int = 1
    @Option(help: "fixed (use --chunksize), auto (⌈n/(4·workers)⌉) or guided (shrinking, floor --chunksize).") var chunking: String = "fixed"
    @Option(help: "w2: file with one duration (s) per line.") var durations: String?
    @Option(help: "w3: loop length of sum_all_values.") var x: Int = 250_000_000
    @Option(help: "idle: seconds to idle.") var seconds: Double = 5
    @Option(help: "Microseconds a waiting rank polls before it sleeps.") var spinMicroseconds: UInt64 = 50
    @Option(help: "soak: submissions per batch (each batch is waited before the next).") var batch: Int = 1000
    @Option(help: "w1 map mode: record every map's results in a new journal at this path (its cost).") var journal: String?
    @Argument(parsing: .allUnrecognized, help: .hidden) var ignored: [String] = []

    static func main() { mainForMPI() }

    /// The most tasks of a workload that streams them (imap, soak) rather than holding them in arrays.
    static let streamedTasks = 1_000_000_000
    /// The largest --x: x(x+1)/2 must fit in 64 bits.
    static let largestX = 3_037_000_499

    func validate() throws {
        guard ["w1", "w2", "w3", "idle", "imap", "soak", "backlog", "pingpong"].contains(workload) else { throw ValidationError("unknown --workload \(workload)") }
        guard tasks >= 1, reps >= 1, chunksize >= 1 else { throw ValidationError("--tasks, --reps and --chunksize must be at least 1") }
        try FlagLimits.check(tasks, "--tasks", in: 1...(["imap", "soak"].contains(workload) ? Self.streamedTasks : FlagLimits.items))
        try FlagLimits.check(reps, "--reps", in: 1...10_000)
        try FlagLimits.check(chunksize, "--chunksize", in: 1...FlagLimits.items)
        try FlagLimits.check(x, "--x", in: 0...Self.largestX)
        try FlagLimits.checkSeconds(seconds, "--seconds")
        guard spinMicroseconds <= 1_000_000 else { throw ValidationError("--spin-microseconds must be 0…1000000 (got \(spinMicroseconds))") }
        try FlagLimits.check(batch, "--batch", in: 1...1_000_000)
        if let workers { try FlagLimits.check(workers, "--workers", in: 0...FlagLimits.items) }
        if workload == "w2" && durations == nil { throw ValidationError("w2 needs --durations FILE") }
        guard ["fixed", "auto", "guided"].contains(chunking) else { throw ValidationError("--chunking must be fixed, auto or guided") }
    }

    func run() throws {
        if workload == "pingpong" {
            // A pool has no raw rank-to-rank transport to time; the harness skips unsupported rows.
            if (launcherRank ?? 0) == 0 {
                Console.out(#"{"workload": "pingpong", "ok": false, "unsupported": true, "error": "pool-bench measures pool round trips, not raw ping-pong"}"#)
            }
            return
        }
        var registry = TaskRegistry()
        let add = registry.register("add") { (x: Int, y: Int) in x + y }
        let sleeper = registry.register("sleep") { (index: Int, nanos: Int) -> Int in
            var ts = timespec(tv_sec: nanos / 1_000_000_000, tv_nsec: nanos % 1_000_000_000)
            nanosleep(&ts, nil)
            return index
        }
        let sumAll = registry.register("sum_all_values") { (x: Int) in sumAllValues(x) }
        let square = registry.register("square") { (x: Int) in x &* x }
        let bench = self
        try Pool.run(registry, options: PoolOptions(spin: .microseconds(Int64(clamping: spinMicroseconds)))) { pool in
            if let w = bench.workers, w != pool.workerCount {
                Console.out(#"{"workload": "\#(bench.workload)", "ok": false, "error": "need \#(w) workers, have \#(pool.workerCount)"}"#)
                return
            }
            let json: String
            switch bench.workload {
            case "w1": json = try bench.w1(pool, add)
            case "w2": json = try bench.w2(pool, sleeper)
            case "w3": json = try bench.w3(pool, sumAll)
            case "imap": json = try bench.imap(pool, square)
            case "soak": json = try bench.soak(pool, square)
            case "backlog": json = try bench.backlog(pool, square)
            default: json = try bench.idle(pool, add)
            }
            Console.out(json)
        }
    }

    /// The chunk size policy the flags ask for.
    var chunkSize: ChunkSize {
        switch chunking {
        case "auto": .auto
        case "guided": .guided(minimum: chunksize)
        default: .fixed(chunksize)
        }
    }

    private func warm(_ pool: Pool, _ add: PoolTask<(Int, Int), Int>) throws {
        _ = try pool.starmap(add, over: (0..<max(64, pool.workerCount * 8)).map { ($0, $0) }, chunkSize: 1)
    }

    func w1(_ pool: Pool, _ add: PoolTask<(Int, Int), Int>) throws -> String {
        let n = tasks
        let pairs = (0..<n).map { ($0, $0 + n) }
        try warm(pool, add)
        var times: [Double] = []
        var sum = 0
        if let journal { unlink(journal) }
        let journaled = try journal.map { try Journal(path: $0) }
        for _ in 0..<reps {
            let start = now()
            let results: [Int]
            if mode == "async" {
                let pending = try pairs.map { try pool.applyAsync(add, $0) }
                results = try pending.map { try $0.get() }
            } else {
                results = try pool.starmap(add, over: pairs, chunkSize: chunkSize, journal: journaled)
            }
            times.append(now() - start)
            sum = results.reduce(0, +)
        }
        let (median, low, high) = spread(times)
        return #"{"workload": "w1", "params": {"tasks": \#(n), "chunksize": \#(mode == "async" ? 1 : chunksize), "chunking": "\#(chunking)", "workers": \#(pool.workerCount), "reps": \#(reps), "mode": "\#(mode)"}, "seconds": \#(median), "seconds_min": \#(low), "seconds_max": \#(high), "tasks_per_s": \#(Double(n) / median), "sum": \#(sum), "ok": \#(sum == 2 * n * n - n)}"#
    }

    func w2(_ pool: Pool, _ sleeper: PoolTask<(Int, Int), Int>) throws -> String {
        let text = try String(contentsOfFile: durations!, encoding: .utf8)
        let values = text.split(whereSeparator: \.isNewline).compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        if let bad = values.first(where: { !($0 >= 0 && $0 <= FlagLimits.seconds) }) {
            throw BenchError("w2: every duration in \(durations!) must be 0…1000000 seconds (got \(bad))")
        }
        let jobs = values.enumerated().map { ($0.offset, Int(($0.element * 1e9).rounded())) }
        _ = try pool.starmap(sleeper, over: (0..<pool.workerCount).map { ($0, 0) })
        let cpuStart = processCPU()
        let start = now()
        let results: [Int]
        if mode == "async" {
            let pending = try jobs.map { try pool.applyAsync(sleeper, $0) }
            results = try pending.map { try $0.get() }
        } else {
            results = try pool.starmap(sleeper, over: jobs, chunkSize: chunkSize)
        }
        let makespan = now() - start
        let cpu = processCPU() - cpuStart
        let sum = results.reduce(0, +)
        let ok = results == Array(0..<jobs.count)
        return #"{"workload": "w2", "params": {"jobs": \#(jobs.count), "chunksize": \#(mode == "async" ? 1 : chunksize), "chunking": "\#(chunking)", "workers": \#(pool.workerCount), "mode": "\#(mode)"}, "seconds": \#(makespan), "makespan": \#(makespan), "master_cpu_s": \#(cpu.total), "master_peak_rss_kb": \#(peakRSSKilobytes()), "sum": \#(sum), "ok": \#(ok)}"#
    }

    func w3(_ pool: Pool, _ sumAll: PoolTask<Int, Int>) throws -> String {
        _ = try pool.map(sumAll, over: Array(repeating: 1000, count: pool.workerCount))
        var times: [Double] = []
        var sum = 0
        for _ in 0..<reps {
            let start = now()
            let results = try pool.map(sumAll, over: Array(repeating: x, count: tasks), chunkSize: .fixed(chunksize))
            times.append(now() - start)
            sum = results.reduce(0, &+)
        }
        let (median, low, high) = spread(times)
        let expected = tasks &* (x &* (x + 1) / 2)
        return #"{"workload": "w3", "params": {"tasks": \#(tasks), "x": \#(x), "chunksize": \#(chunksize), "workers": \#(pool.workerCount), "reps": \#(reps)}, "seconds": \#(median), "seconds_min": \#(low), "seconds_max": \#(high), "sum": \#(sum), "ok": \#(sum == expected)}"#
    }

    func idle(_ pool: Pool, _ add: PoolTask<(Int, Int), Int>) throws -> String {
        try warm(pool, add)
        Console.out("READY")
        let start = now()
        pause(seconds: seconds)
        let slept = now() - start
        return #"{"workload": "idle", "params": {"workers": \#(pool.workerCount), "seconds": \#(seconds)}, "seconds": \#(slept), "ok": true}"#
    }

    func imap(_ pool: Pool, _ square: PoolTask<Int, Int>) throws -> String {
        let n = tasks
        let before = peakRSSMegabytes()
        let start = now()
        var sum = 0
        var count = 0
        var inOrder = true
        let results = try pool.imap(square, over: (0..<n).lazy.map { $0 }, chunkSize: .fixed(chunksize))
        while let value = try results.next() {
            if value != count &* count { inOrder = false }
            sum &+= value
            count += 1
        }
        let seconds = now() - start
        let expected = (0..<n).reduce(0) { $0 &+ $1 &* $1 }
        return #"{"workload": "imap", "params": {"tasks": \#(n), "chunksize": \#(chunksize), "workers": \#(pool.workerCount)}, "seconds": \#(seconds), "tasks_per_s": \#(Double(n) / seconds), "peak_rss_mb_before": \#(before), "peak_rss_mb": \#(peakRSSMegabytes()), "sum": \#(sum), "ok": \#(sum == expected && count == n && inOrder)}"#
    }
}

/// A failure of a run (not of its flags): `Error: …` on rank 0, exit status 1.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func spread(_ times: [Double]) -> (median: Double, min: Double, max: Double) {
    let sorted = times.sorted()
    return (sorted[sorted.count / 2], sorted.first!, sorted.last!)
}

/// The process's peak resident set (VmHWM) in MB, from /proc/self/status.
func peakRSSMegabytes() -> Double { procStatusMegabytes("VmHWM") }

/// The process's resident set now (VmRSS) in MB, from /proc/self/status.
func residentMegabytes() -> Double { procStatusMegabytes("VmRSS") }

/// A `Field:  N kB` line of /proc/self/status in MB; -1 when it cannot be read.
func procStatusMegabytes(_ field: String) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return -1 }
    return kb / 1024
}
