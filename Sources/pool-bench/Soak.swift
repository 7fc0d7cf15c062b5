import MPIPool

extension PoolBench {
    /// The soak's first memory reading is taken after this many tasks (or at the end, if fewer).
    static let soakWarmupTasks = 100_000

    /// soak: `tasks` squares submitted over time as many small submissions — `applyAsync` of one
    /// item (`--chunksize 1`) or `mapAsync` of `chunksize` items in one chunk — `batch` submissions
    /// at a time, each batch waited before the next. Reports the master's resident memory (VmRSS)
    /// after the first 100,000 tasks and at the end: a ratio near 1 means nothing piles up per
    /// submission (results, callbacks, bookkeeping). Every result is checked.
    func soak(_ pool: Pool, _ square: PoolTask<Int, Int>) throws -> String {
        let n = tasks, perSubmission = chunksize
        let warmup = min(Self.soakWarmupTasks, n)
        var next = 0, sum = 0, wrong = 0, submissions = 0
        var rssAfterWarmup: Double?
        let start = now()
        while next < n {
            if perSubmission == 1 {
                var pending: [(first: Int, result: AsyncResult<Int>)] = []
                pending.reserveCapacity(batch)
                while pending.count < batch && next < n {
                    pending.append((next, try pool.applyAsync(square, next)))
                    next += 1
                }
                for (first, result) in pending {
                    let value = try result.get()
                    if value != first &* first { wrong += 1 }
                    sum &+= value
                }
                submissions += pending.count
            } else {
                var pending: [(first: Int, result: AsyncResult<[Int]>)] = []
                pending.reserveCapacity(batch)
                while pending.count < batch && next < n {
                    let count = min(perSubmission, n - next)
                    pending.append((next, try pool.mapAsync(square, over: next..<next + count, chunkSize: .fixed(perSubmission))))
                    next += count
                }
                for (first, result) in pending {
                    for (offset, value) in try result.get().enumerated() {
                        if value != (first + offset) &* (first + offset) { wrong += 1 }
                        sum &+= value
                    }
                }
                submissions += pending.count
            }
            if rssAfterWarmup == nil && next >= warmup { rssAfterWarmup = residentMegabytes() }
        }
        let seconds = now() - start
        let rssEnd = residentMegabytes()
        let rssWarm = rssAfterWarmup ?? rssEnd
        let expected = (0..<n).reduce(0) { $0 &+ $1 &* $1 }
        let ratio = rssWarm > 0 ? rssEnd / rssWarm : -1
        return #"{"workload": "soak", "params": {"tasks": \#(n), "chunksize": \#(perSubmission), "batch": \#(batch), "workers": \#(pool.workerCount)}, "seconds": \#(seconds), "tasks_per_s": \#(Double(n) / seconds), "submissions": \#(submissions), "warmup_tasks": \#(warmup), "rss_mb_after_warmup": \#(rssWarm), "rss_mb_end": \#(rssEnd), "rss_ratio": \#(ratio), "sum": \#(sum), "ok": \#(wrong == 0 && sum == expected)}"#
    }
}
