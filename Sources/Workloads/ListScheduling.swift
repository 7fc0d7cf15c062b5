/// The makespan a greedy pool reaches: jobs are cut into chunks of
/// `chunkSize` consecutive jobs, and each chunk, in order, goes to the worker
/// that becomes free first (the lowest-numbered one on ties), as
/// `multiprocessing.Pool` and `MPIPool` hand out work.
///
/// ```swift
/// let d = sleepDurations(count: 19, seed: 1234, maxSeconds: 5)
/// listScheduleMakespan(d, workers: 8)                  // 6.4369
/// listScheduleMakespan(d, workers: 8, chunkSize: 4)    // 11.6283 (5 chunks, 3 workers idle)
/// ```
public func listScheduleMakespan(_ durations: [Double], workers: Int, chunkSize: Int = 1) -> Double {
    listSchedule(durations, workers: workers, chunkSize: chunkSize).makespan
}

/// The schedule behind `listScheduleMakespan`: which worker (0-based) runs
/// each job, each worker's busy time, and the makespan.
public struct ListSchedule: Sendable, Equatable {
    /// `workerOfJob[j]` is the worker that runs job `j`.
    public var workerOfJob: [Int]
    /// Total time each worker is busy.
    public var busy: [Double]
    /// When the last worker finishes.
    public var makespan: Double { busy.max() ?? 0 }
    /// Workers that get no job at all.
    public var idleWorkers: Int { busy.indices.filter { !workerOfJob.contains($0) }.count }
}

/// Simulates greedy list scheduling of `durations` in chunks on `workers` workers.
public func listSchedule(_ durations: [Double], workers: Int, chunkSize: Int = 1) -> ListSchedule {
    let workers = max(1, workers), size = max(1, chunkSize)
    var free = [Double](repeating: 0, count: workers)
    var owner = [Int](repeating: 0, count: durations.count)
    var start = 0
    while start < durations.count {
        let end = min(durations.count, start + size)
        var w = 0
        for i in 1..<workers where free[i] < free[w] { w = i }
        for j in start..<end { owner[j] = w; free[w] += durations[j] }
        start = end
    }
    return ListSchedule(workerOfJob: owner, busy: free)
}
