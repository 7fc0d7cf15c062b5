import ArgumentParser
import Foundation
import MPIPool
import PoolCLI
import Workloads

/// `sumvalues-mpi amdahl`: the same CPU work with 1, 2, … W workers; measured
/// speed-up, Amdahl's parallel fraction fitted by least squares, and a plot.
struct AmdahlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amdahl",
        abstract: "Measure the speed-up of sum_all_values with 1, 2, … workers and fit Amdahl's law.",
        discussion: """
        Runs the same values (default 24 values from 20000000) with the first 1, 2, … W workers \
        (Pool.limited(toWorkers:)), best of --repeats, and fits the parallel fraction p of \
        S(n) = 1 / ((1 − p) + p / n) by least squares on T(n)/T(1), over the worker counts that \
        have a core each. With more workers than cores the ranks share cores and the curve \
        flattens: the output says so.
        """
    )

    @OptionGroup var workload: Workload

    @Option(help: "Largest number of workers to try (default: all).")
    var maxWorkers: Int?

    @Option(help: "Runs per worker count; the fastest counts (1…1000000).")
    var repeats = 1

    @Option(help: "Write an SVG plot (measured points, fitted Amdahl curve, ideal line) here.")
    var plot: String?

    /// Limits: --max-workers ≥ 1 (more than the job has means all of them); --repeats 1…10⁶
    /// (each repeat runs the whole sweep again).
    func validate() throws {
        if let maxWorkers, maxWorkers < 1 { throw ValidationError("--max-workers must be at least 1 (got \(maxWorkers))") }
        try FlagLimits.check(repeats, "--repeats", in: 1...1_000_000)
    }

    func run() throws {
        var tasks = TaskRegistry()
        let sum = registerSum(&tasks)
        let command = self
        try Pool.run(tasks, options: workload.options) { pool in try command.sweep(pool, sum) }
    }

    struct Measurement { var workers: Int; var seconds: Double }

    func sweep(_ pool: Pool, _ sum: PoolTask<(Int, Int), SumResult>) throws {
        let load = workload
        let xs = load.values(defaultStart: 20_000_000, defaultCount: 24)
        let items = xs.enumerated().map { ($0.offset, $0.element) }
        let top = min(maxWorkers ?? pool.workerCount, pool.workerCount)
        let stats = pool.workerStats()
        let hosts = Set(stats.map(\.host))
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let sameHost = hosts.count <= 1
        Console.out("Amdahl: sum_all_values over \(xs.count) values from \(xs[0]) (\(grouped(xs.reduce(0, +))) additions), "
                    + "1…\(top) workers, chunksize \(load.chunksize), best of \(repeats)")
        Console.out(sameHost ? "Host: \(hosts.first ?? PoolContext.host), \(cores) cores (rank 0 schedules; ranks 1…\(top) work)"
                             : "Workers on \(hosts.count) hosts; rank 0's host has \(cores) cores")
        _ = try pool.starmap(sum, over: items.prefix(pool.workerCount).map { ($0.0, min($0.1, 1000)) })  // wake every worker
        var measured: [Measurement] = []
        Console.out("workers   time (s)   speed-up   efficiency")
        for n in 1...top {
            let view = try pool.limited(toWorkers: n)
            var best = Double.infinity
            for _ in 0..<repeats {
                let clock = Stopwatch()
                let results = try view.starmap(sum, over: items, chunkSize: .fixed(load.chunksize))
                best = min(best, clock.elapsed)
                for r in results where r.value != xs[r.record.job] * (xs[r.record.job] + 1) / 2 {
                    throw RunError("sum_all_values(\(xs[r.record.job])) returned \(r.value)")
                }
            }
            measured.append(Measurement(workers: n, seconds: best))
            let speedup = measured[0].seconds / best
            let crowded = sameHost && n > cores ? "   (\(n) workers share \(cores) cores)" : ""
            Console.out(pad(n, 7) + fixed(best, decimals: 4, width: 11) + fixed(speedup, decimals: 2, width: 11)
                        + fixed(100 * speedup / Double(n), decimals: 0, width: 12) + "%" + crowded)
        }
        let points = measured.map { (workers: $0.workers, speedup: measured[0].seconds / $0.seconds) }
        let ownCore = sameHost ? points.filter { $0.workers <= cores } : points
        let fitted = ownCore.count >= 2 ? ownCore : points
        guard let fit = AmdahlFit(points: fitted) else {
            Console.out("One worker only: nothing to fit (run with more ranks, e.g. mpirun -n 3).")
            return
        }
        let over = fitted.count == points.count ? "all \(points.count) worker counts" : "1…\(fitted.last!.workers) workers (one core each)"
        Console.out("Amdahl fit over \(over): parallel fraction p = \(fixed(fit.parallelFraction, decimals: 4)), "
                    + "rms error \(fixed(fit.rmsError, decimals: 3))")
        Console.out("Predicted limit 1/(1 - p) = " + (fit.limit.isFinite ? fixed(fit.limit, decimals: 1) + "x" : "unbounded (p = 1)")
                    + "; predicted speed-up with \(top) workers \(fixed(fit.speedup(workers: top), decimals: 2))x")
        if sameHost && top > cores {
            let flat = points.filter { $0.workers > cores }.map(\.speedup).max() ?? 0
            Console.out("Note: this host has \(cores) cores. Beyond \(cores) workers the ranks (and rank 0, which schedules) share "
                        + "cores, so the measured speed-up flattens near \(cores) (best \(fixed(flat, decimals: 2))x) whatever p is: "
                        + "that is the machine, not Amdahl's law.")
        }
        if let plot { try writePlot(plot, points: points, fit: fit, top: top, cores: sameHost ? cores : nil) }
    }

    func writePlot(_ path: String, points: [(workers: Int, speedup: Double)], fit: AmdahlFit, top: Int, cores: Int?) throws {
        var chart = SVGPlot(title: "sum_all_values: speed-up on MPI workers (Amdahl p = \(fixed(fit.parallelFraction, decimals: 3)))",
                            xLabel: "workers", yLabel: "speed-up T(1) / T(n)")
        let xs = stride(from: 1.0, through: Double(top), by: 0.1).map { $0 } + [Double(top)]
        chart.add(.init(name: "ideal (S = n)", points: [(1, 1), (Double(top), Double(top))], style: .dashedLine, color: "#7f7f7f"))
        chart.add(.init(name: "Amdahl fit", points: xs.map { ($0, fit.speedup(workers: $0)) }, style: .line, color: "#1f77b4"))
        chart.add(.init(name: "measured", points: points.map { (Double($0.workers), $0.speedup) }, style: .points, color: "#d62728"))
        if let cores, cores < top { chart.addMarker(x: Double(cores), label: "\(cores) cores") }
        do {
            try chart.svg.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw RunError("cannot write the plot '\(path)': \(error.localizedDescription)")
        }
        Console.out("Plot written to \(path): measured speed-ups (points), the fitted Amdahl curve, the ideal line S = n"
                    + (cores.map { $0 < top ? ", and a marker at \($0) cores" : "" } ?? ""))
    }
}

/// `n` right-aligned in `width` characters.
func pad(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return String(repeating: " ", count: max(0, width - s.count)) + s
}
