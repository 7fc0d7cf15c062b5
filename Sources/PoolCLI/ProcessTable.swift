import Foundation
import MPIPool

/// What one job reports back with its value: which job, where it ran, for how long.
///
/// Under MPI, tasks run on other ranks, so the per-process table is built from
/// these records (carried in results), not from shared memory.
///
/// ```swift
/// let sleep = tasks.register("sleep") { (job: Int, seconds: Double) -> JobRecord in
///     let record = JobRecord.begin(job: job, seconds: seconds)
///     pause(seconds: seconds)
///     return record.ended()
/// }
/// ```
public struct JobRecord: BitwiseWireCodable, Equatable {
    /// The job's number (0-based, in submission order).
    public var job: Int
    /// The rank that ran it and that rank's process id.
    public var rank: Int
    public var pid: Int
    /// The job's own measure of its work in seconds (a sleep's requested length, a loop's measured time).
    public var seconds: Double
    /// Real-time clock (`wallClockSeconds()`) when it started and ended on its rank.
    public var started: Double
    public var finished: Double

    /// A record for `job` on this process, started now.
    public static func begin(job: Int, seconds: Double = 0) -> JobRecord {
        JobRecord(job: job, rank: PoolContext.rank, pid: PoolContext.pid, seconds: seconds,
                  started: wallClockSeconds(), finished: 0)
    }

    /// This record, ended now; with `measured`, its `seconds` becomes the time since it began.
    public func ended(measured: Bool = false) -> JobRecord {
        var copy = self
        copy.finished = wallClockSeconds()
        if measured { copy.seconds = copy.finished - copy.started }
        return copy
    }

    public init(job: Int, rank: Int, pid: Int, seconds: Double, started: Double, finished: Double) {
        self.job = job
        self.rank = rank
        self.pid = pid
        self.seconds = seconds
        self.started = started
        self.finished = finished
    }
}

/// The seed's "Total time spent in each process" table, one row per worker
/// process: number, rank, pid, seconds of work, job count and job ids.
///
/// ```
/// Total time spent in each process
/// Process  1 (rank 1, pid 4916)    4.8323(s)    1 job(s) (0,)
/// Process  2 (rank 2, pid 4917)    4.8496(s)    3 job(s) (1, 12, 16)
/// Process  3 (rank 3, pid 4918)    0.0000(s)    0 job(s) ()  idle
///
///       Total work done (s)      42.3570
/// ```
public struct ProcessTable: Sendable {
    /// One process's line.
    public struct Row: Sendable, Equatable {
        public var rank: Int
        public var pid: Int
        public var seconds: Double
        public var jobs: [Int]
    }

    /// Rows in rank order: every rank that ran a job, plus the idle workers given.
    public let rows: [Row]

    /// Groups `records` by rank; `workers` (e.g. `pool.workerStats()`) adds the ranks that ran nothing.
    public init(records: [JobRecord], workers: [WorkerStats] = []) {
        var byRank: [Int: Row] = [:]
        for r in records.sorted(by: { $0.job < $1.job }) {
            byRank[r.rank, default: Row(rank: r.rank, pid: r.pid, seconds: 0, jobs: [])].seconds += r.seconds
            byRank[r.rank]!.jobs.append(r.job)
        }
        for w in workers where byRank[w.rank] == nil {
            byRank[w.rank] = Row(rank: w.rank, pid: w.pid, seconds: 0, jobs: [])
        }
        rows = byRank.values.sorted { $0.rank < $1.rank }
    }

    /// The sum of every row's seconds.
    public var totalSeconds: Double { rows.reduce(0) { $0 + $1.seconds } }

    /// Ranks that ran no job.
    public var idleCount: Int { rows.filter { $0.jobs.isEmpty }.count }

    /// The table, seconds with `decimals` decimals, ending with the `Total work done` line.
    public func rendered(decimals: Int = 4) -> String {
        var lines = ["Total time spent in each process"]
        let rankWidth = String(rows.map(\.rank).max() ?? 0).count
        let pidWidth = rows.map { String($0.pid).count }.max() ?? 1
        for (i, row) in rows.enumerated() {
            let ids = row.jobs.count == 1 ? "(\(row.jobs[0]),)" : "(" + row.jobs.map(String.init).joined(separator: ", ") + ")"
            let where_ = "rank \(pad(String(row.rank), rankWidth)), pid \(pad(String(row.pid), pidWidth))"
            lines.append("Process " + pad(String(i + 1), 2) + " (" + where_ + ")  " + fixed(row.seconds, decimals: decimals, width: 8)
                         + "(s) " + pad(String(row.jobs.count), 4) + " job(s) " + ids + (row.jobs.isEmpty ? "  idle" : ""))
        }
        lines.append("")
        lines.append(summaryLine("Total work done (s)", totalSeconds, decimals: decimals))
        return lines.joined(separator: "\n")
    }

    private func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
}

/// A right-aligned summary line as the seed prints them: `{:>25s} {:12.4f}`.
///
/// ```swift
/// summaryLine("Wall clock time (s)", 6.489)   // "      Wall clock time (s)       6.4890"
/// ```
public func summaryLine(_ label: String, _ value: Double, decimals: Int = 4) -> String {
    let padded = String(repeating: " ", count: max(0, 25 - label.count)) + label
    return padded + " " + fixed(value, decimals: decimals, width: 12)
}

/// `value` with `decimals` decimals, right-aligned in `width` characters.
public func fixed(_ value: Double, decimals: Int, width: Int = 0) -> String {
    String(format: "%\(width).\(max(0, decimals))f", value)
}
