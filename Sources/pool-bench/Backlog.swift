import Glibc
import MPIPool

extension PoolBench {
    /// backlog: `tasks` `applyAsync` of a trivial task (a square), every one submitted before
    /// any is waited on, then all waited in order. Reports the wall time, rank 0's CPU time
    /// for the submit + wait part (getrusage RUSAGE_SELF: user + sys of every thread of the
    /// process: the caller, the pool's MPI thread, the callback thread) and per task, rank 0's
    /// peak resident set (VmHWM) before submitting and at the end, and how many results were not
    /// yet done when the last submission returned (the backlog reached). Every result is checked.
    func backlog(_ pool: Pool, _ square: PoolTask<Int, Int>) throws -> String {
        let n = tasks
        _ = try pool.map(square, over: 0..<max(64, pool.workerCount * 8), chunkSize: .fixed(1))
        let peakBefore = peakRSSKilobytes()
        var pending: [AsyncResult<Int>] = []
        pending.reserveCapacity(n)
        let cpuStart = processCPU()
        let start = now()
        for i in 0..<n { pending.append(try pool.applyAsync(square, i)) }
        let submitted = now() - start
        var unfinished = 0
        for result in pending where result.progress.done < result.total { unfinished += 1 }
        var sum = 0, wrong = 0
        for (i, result) in pending.enumerated() {
            let value = try result.get()
            if value != i &* i { wrong += 1 }
            sum &+= value
        }
        let seconds = now() - start
        let cpu = processCPU() - cpuStart
        let peak = peakRSSKilobytes()
        let expected = (0..<n).reduce(0) { $0 &+ $1 &* $1 }
        return #"{"workload": "backlog", "params": {"tasks": \#(n), "chunksize": 1, "workers": \#(pool.workerCount), "mode": "async"}, "seconds": \#(seconds), "submit_seconds": \#(submitted), "tasks_per_s": \#(Double(n) / seconds), "unfinished_after_submit": \#(unfinished), "master_cpu_s": \#(cpu.total), "master_cpu_user_s": \#(cpu.user), "master_cpu_sys_s": \#(cpu.system), "master_cpu_includes_threads": true, "cpu_per_task_us": \#(cpu.total / Double(n) * 1e6), "master_peak_rss_kb_before": \#(peakBefore), "master_peak_rss_kb": \#(peak), "sum": \#(sum), "ok": \#(wrong == 0 && sum == expected)}"#
    }
}

/// CPU time a process used, in seconds.
struct CPUTime {
    var user: Double
    var system: Double
    var total: Double { user + system }

    static func - (a: CPUTime, b: CPUTime) -> CPUTime { CPUTime(user: a.user - b.user, system: a.system - b.system) }
}

/// This process's CPU time so far: getrusage(RUSAGE_SELF), which sums every thread of the
/// process (on rank 0: the caller, the pool's MPI thread and its callback thread).
func processCPU() -> CPUTime {
    var usage = rusage()
    _ = getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)  // fails only for a bad `who` or pointer
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return CPUTime(user: seconds(usage.ru_utime), system: seconds(usage.ru_stime))
}

/// The process's peak resident set (VmHWM) in kB, from /proc/self/status; -1 when it cannot be read.
func peakRSSKilobytes() -> Int {
    let mb = procStatusMegabytes("VmHWM")
    return mb < 0 ? -1 : Int((mb * 1024).rounded())
}
