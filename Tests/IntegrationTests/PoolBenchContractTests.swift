import Foundation
import Testing

/// pool-bench speaks the bench-peers candidate contract: flags in, one JSON line
/// last on stdout (only rank 0 prints it), `READY` before idling, and its own
/// check of the results. Tiny sizes: this is about the contract, not speed.
@Suite(.serialized)
struct PoolBenchContractTests {
    /// The last stdout line starting with `{`, parsed.
    func json(_ outcome: Outcome) throws -> [String: Any] {
        let line = try #require(outcome.lines.last { $0.hasPrefix("{") }, "no JSON line in \(outcome)")
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(object as? [String: Any])
    }

    func bench(_ ranks: Int, _ arguments: [String]) throws -> [String: Any] {
        let outcome = try Launcher.mpirun(ranks, "pool-bench", arguments, timeout: 90)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.lines.filter { $0.hasPrefix("{") }.count == 1, "exactly one JSON line (rank 0 only)")
        return try json(outcome)
    }

    @Test(arguments: [("map", 1), ("map", 16), ("async", 1)])
    func w1ReportsTheSumOfTheAdds(mode: String, chunksize: Int) throws {
        let n = 500
        let result = try bench(4, ["--workload", "w1", "--workers", "3", "--tasks", "\(n)", "--reps", "2",
                                   "--mode", mode, "--chunksize", "\(chunksize)", "--unknown-flag", "7"])
        #expect(result["workload"] as? String == "w1")
        #expect(result["ok"] as? Bool == true)
        #expect((result["sum"] as? Int) == 2 * n * n - n)
        #expect((result["seconds"] as? Double ?? 0) > 0)
        #expect((result["tasks_per_s"] as? Double ?? 0) > 0)
        let params = try #require(result["params"] as? [String: Any])
        #expect(params["tasks"] as? Int == n)
        #expect(params["workers"] as? Int == 3)
        #expect(params["mode"] as? String == mode)
    }

    @Test func w2ReturnsEveryJobIndexOnce() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("w2-\(UUID().uuidString).txt")
        let durations = [0.004, 0.001, 0.003, 0.002, 0.0, 0.005, 0.001]
        try durations.map { "\($0)" }.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try bench(4, ["--workload", "w2", "--workers", "3", "--durations", file.path, "--mode", "map", "--chunksize", "2"])
        #expect(result["ok"] as? Bool == true)
        #expect(result["sum"] as? Int == (0..<durations.count).reduce(0, +))
        let makespan = try #require(result["makespan"] as? Double)
        #expect(makespan >= durations.max()!, "the makespan cannot be shorter than the longest job")
        #expect(result["seconds"] as? Double == makespan)
    }

    @Test func w3SumsWithARealLoop() throws {
        let x = 1_000_000, tasks = 4
        let result = try bench(3, ["--workload", "w3", "--workers", "2", "--tasks", "\(tasks)", "--x", "\(x)", "--reps", "1"])
        #expect(result["ok"] as? Bool == true)
        #expect(result["sum"] as? Int == tasks * (x * (x + 1) / 2))
        #expect((result["seconds"] as? Double ?? 0) > 0)
    }

    @Test func idlePrintsReadyThenSleeps() throws {
        let outcome = try Launcher.mpirun(4, "pool-bench", ["--workload", "idle", "--workers", "3", "--seconds", "0.3"], timeout: 60)
        #expect(outcome.status == 0, "\(outcome)")
        let ready = try #require(outcome.lines.firstIndex(of: "READY"), "no READY line")
        let jsonLine = try #require(outcome.lines.lastIndex { $0.hasPrefix("{") })
        #expect(ready < jsonLine)
        let result = try json(outcome)
        #expect(result["ok"] as? Bool == true)
        #expect((result["seconds"] as? Double ?? 0) >= 0.3)
    }

    @Test func imapReportsPeakMemoryAndOrder() throws {
        let n = 20_000
        let result = try bench(4, ["--workload", "imap", "--workers", "3", "--tasks", "\(n)", "--chunksize", "100"])
        #expect(result["ok"] as? Bool == true)
        #expect(result["sum"] as? Int == (0..<n).reduce(0) { $0 + $1 * $1 })
        #expect((result["peak_rss_mb"] as? Double ?? 0) > 0)
    }

    /// soak at a tiny size: every task's result checked, the master's RSS read twice.
    @Test(arguments: [(1, 100), (7, 20)])
    func soakChecksEveryResultAndReportsTheMastersMemoryTwice(chunksize: Int, batch: Int) throws {
        let n = 3_000
        let result = try bench(4, ["--workload", "soak", "--workers", "3", "--tasks", "\(n)", "--chunksize", "\(chunksize)",
                                   "--batch", "\(batch)"])
        #expect(result["workload"] as? String == "soak")
        #expect(result["ok"] as? Bool == true, "\(result)")
        #expect(result["sum"] as? Int == (0..<n).reduce(0) { $0 + $1 * $1 })
        #expect(result["submissions"] as? Int == (n + chunksize - 1) / chunksize, "one submission per \(chunksize) tasks")
        #expect(result["warmup_tasks"] as? Int == n, "fewer tasks than the warm-up: both readings at the end")
        let warm = try #require(result["rss_mb_after_warmup"] as? Double), end = try #require(result["rss_mb_end"] as? Double)
        #expect(warm > 0 && end > 0)
        let ratio = try #require(result["rss_ratio"] as? Double)
        #expect(abs(ratio - end / warm) < 1e-9)
        #expect((result["tasks_per_s"] as? Double ?? 0) > 0)
        let params = try #require(result["params"] as? [String: Any])
        #expect(params["tasks"] as? Int == n && params["chunksize"] as? Int == chunksize && params["batch"] as? Int == batch)
        #expect(params["workers"] as? Int == 3)
    }

    /// backlog: 1,000 applyAsync submitted before any is waited on; the master's CPU (all its
    /// threads, per task) and peak memory reported, every result checked.
    @Test func backlogReportsTheMastersCPUAndPeakMemory() throws {
        let n = 1_000
        let result = try bench(4, ["--workload", "backlog", "--workers", "3", "--tasks", "\(n)", "--unknown-flag", "7"])
        #expect(result["workload"] as? String == "backlog")
        #expect(result["ok"] as? Bool == true, "\(result)")
        #expect(result["sum"] as? Int == (0..<n).reduce(0) { $0 + $1 * $1 })
        let seconds = try #require(result["seconds"] as? Double), submit = try #require(result["submit_seconds"] as? Double)
        #expect(seconds > 0 && submit > 0 && submit <= seconds, "submitting is part of the timed span")
        #expect((result["tasks_per_s"] as? Double ?? 0) > 0)
        let unfinished = try #require(result["unfinished_after_submit"] as? Int)
        #expect((0...n).contains(unfinished))
        let cpu = try #require(result["master_cpu_s"] as? Double)
        let user = try #require(result["master_cpu_user_s"] as? Double), system = try #require(result["master_cpu_sys_s"] as? Double)
        #expect(cpu > 0 && user >= 0 && system >= 0 && abs(cpu - (user + system)) < 1e-9)
        #expect(result["master_cpu_includes_threads"] as? Bool == true)
        let perTask = try #require(result["cpu_per_task_us"] as? Double)
        #expect(abs(perTask - cpu / Double(n) * 1e6) < 1e-6 * max(1, perTask))
        let before = try #require(result["master_peak_rss_kb_before"] as? Int), peak = try #require(result["master_peak_rss_kb"] as? Int)
        #expect(before > 0 && peak >= before, "VmHWM only grows")
        let params = try #require(result["params"] as? [String: Any])
        #expect(params["tasks"] as? Int == n && params["workers"] as? Int == 3 && params["mode"] as? String == "async")
    }

    /// w2 also reports the master's CPU over the timed map and its peak memory (for W4 at several widths).
    @Test func w2ReportsTheMastersCPUAndPeakMemory() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("w2-\(UUID().uuidString).txt")
        try Array(repeating: "0.002", count: 12).joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try bench(4, ["--workload", "w2", "--workers", "3", "--durations", file.path, "--mode", "map", "--chunksize", "1"])
        #expect(result["ok"] as? Bool == true)
        #expect((result["master_cpu_s"] as? Double ?? -1) >= 0)
        #expect((result["master_peak_rss_kb"] as? Int ?? 0) > 0)
    }

    /// Flag values that cannot be slept, looped or allocated are refused before MPI starts: exit 64, one message.
    @Test(arguments: [
        (["--workload", "idle", "--seconds", "1e300"], "--seconds"), (["--workload", "idle", "--seconds", "nan"], "--seconds"),
        (["--workload", "w3", "--x", "-1"], "--x"), (["--workload", "w3", "--x", String(Int.max)], "--x"),
        (["--workload", "w1", "--tasks", "1000000000"], "--tasks"), (["--workload", "w1", "--reps", "100000"], "--reps"),
        (["--workload", "soak", "--batch", "0"], "--batch"), (["--workload", "imap", "--chunksize", "100000000"], "--chunksize"),
        (["--workload", "backlog", "--tasks", "10000001"], "--tasks"),
        (["--workload", "w1", "--spin-microseconds", "18446744073709551615"], "--spin-microseconds"),
    ])
    func extremeFlagValuesExit64WithOneMessage(arguments: [String], flag: String) throws {
        let outcome = try Launcher.mpirun(2, "pool-bench", arguments, timeout: 30)
        #expect(!outcome.timedOut && outcome.status == 64, "\(outcome)")
        let errors = outcome.errorLines.filter { $0.hasPrefix("Error:") }
        #expect(errors.count == 1 && errors[0].contains(flag), "\(outcome)")
        #expect(!outcome.lines.contains { $0.hasPrefix("{") })
    }

    @Test func w2DurationsThatCannotBeSleptAreAnErrorNotATrap() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("w2-\(UUID().uuidString).txt")
        try "0.001\nnan\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let outcome = try Launcher.mpirun(2, "pool-bench", ["--workload", "w2", "--durations", file.path], timeout: 60)
        #expect(!outcome.timedOut && outcome.status == 1, "\(outcome)")
        #expect(outcome.stderr.contains("w2: every duration in \(file.path) must be 0…1000000 seconds (got nan)"), "\(outcome)")
    }

    @Test func wrongWorkerCountAndPingpongAreReportedNotCrashed() throws {
        let mismatch = try bench(4, ["--workload", "w1", "--workers", "5", "--tasks", "10"])
        #expect(mismatch["ok"] as? Bool == false)
        #expect((mismatch["error"] as? String ?? "").contains("need 5 workers"))
        let pingpong = try bench(2, ["--workload", "pingpong", "--workers", "1", "--iters", "10", "--bytes", "8"])
        #expect(pingpong["unsupported"] as? Bool == true)
        #expect(pingpong["ok"] as? Bool == false)
    }
}
