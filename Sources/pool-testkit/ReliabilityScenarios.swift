import Dispatch
import Glibc
import MPIPool
import PoolCLI

/// Tasks for the never-hang scenarios, registered in the same order on every rank.
struct ReliabilityTasks: Sendable {
    let registry: TaskRegistry
    /// x < 0: never returns. 1000 ≤ x: sleeps x − 1000 ms, returns x. 500 ≤ x < 1000: 20 ms, returns the rank. Else x² after 10 ms.
    let hang: PoolTask<Int, Int>
    /// (file prefix, item, mode) → 1000 × the rank of the first attempt + 100 × this rank + attempts, after:
    /// mode 0 throws on the first attempt, 1 sleeps 30 s on the first attempt, 2 always throws.
    let flaky: PoolTask<(String, Int, Int), Int>
    /// (file prefix, item) → item², noting each run in `<prefix>-ran`; throws for item 30 while `<prefix>-fail` exists.
    let counted: PoolTask<(String, Int), Int>

    init() {
        var tasks = TaskRegistry()
        hang = tasks.register("hang") { (x: Int) -> Int in
            if x < 0 { while true { pause(seconds: 1) } }
            if x >= 1000 { pause(seconds: Double(x - 1000) / 1000); return x }
            if x >= 500 { pause(seconds: 0.02); return PoolContext.rank }
            pause(seconds: 0.01)
            return x * x
        }
        flaky = tasks.register("flaky") { (folder: String, item: Int, mode: Int) throws -> Int in
            let (attempt, firstRank) = recordAttempt("\(folder)-item-\(item)")
            if mode == 2 || (mode == 0 && attempt == 1) { throw TestFailure(text: "attempt \(attempt) of item \(item) failed") }
            if mode == 1 && attempt == 1 { pause(seconds: 30) }
            return 1000 * firstRank + 100 * PoolContext.rank + attempt
        }
        counted = tasks.register("counted") { (prefix: String, item: Int) throws -> Int in
            _ = recordAttempt("\(prefix)-ran")
            if item == 30 && access("\(prefix)-fail", F_OK) == 0 { throw TestFailure(text: "item 30 fails this time") }
            return item * item
        }
        registry = tasks
    }
}

/// Appends this rank to the file; returns the attempt number (lines so far) and the first attempt's rank.
private func recordAttempt(_ path: String) -> (attempt: Int, firstRank: Int) {
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
    let line = "\(PoolContext.rank)\n"
    _ = line.withCString { write(fd, $0, strlen($0)) }
    close(fd)
    let lines = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
    return (lines.count, Int(lines.first ?? "0") ?? 0)
}

/// `outcome` with the facts of a TaskError: `timedOut@3x1` (reason, index, attempts).
private func brief(_ body: () throws -> Int) -> String {
    do { return "\(try body())" } catch let e as TaskError { return "\(e.reason.rawValue)@\(e.index)x\(e.attempts)" } catch { return errorName(error) }
}

/// A fresh folder for attempt files.
private func scratchFolder(_ name: String) -> String {
    let path = "/tmp/mpipool-\(name)-\(getpid())"
    mkdir(path, 0o755)
    return path
}

extension Scenarios {
    /// Per-task timeouts: an item that never returns fails with a timeout naming it, the
    /// rest goes on, its worker gets no work while stuck (quick jobs run elsewhere), a worker
    /// whose task returns late rejoins, and the pool still ends (exit 0).
    static func timeouts(_ t: TestTasks) throws {
        let r = ReliabilityTasks()
        let start = ContinuousClock.now
        try Pool.run(r.registry) { pool in
            var seen: [String] = []
            var stuckRank = -1
            let items = try pool.imap(r.hang, over: [0, 1, 2, -1, 4, 5], timeout: .seconds(1))
            while true {
                do { guard let v = try items.next() else { break }; seen.append("\(v)") } catch let e as TaskError {
                    seen.append("\(e.reason.rawValue)@\(e.index)")
                    value("to.error", e.description)
                    stuckRank = e.rank
                }
            }
            value("to.imap", seen.joined(separator: ","))
            value("to.imapSeconds", fmt(seconds(since: start)))

            // One worker is stuck for ever now: quick jobs must all finish on the others.
            let t0 = ContinuousClock.now
            let quick = try (0..<10).map { try pool.applyAsync(r.hang, $0) }
            let done = quick.allSatisfy { $0.wait(timeout: .seconds(5)) }
            value("to.quickAllDone", done)
            value("to.quickSeconds", fmt(seconds(since: t0)))
            value("to.quickValues", list(try quick.map { try $0.get() }))

            // A task that returns after its timeout: the error, then its worker rejoins and works again.
            let late = try pool.applyAsync(r.hang, 2200, timeout: .milliseconds(400))
            value("to.late", brief { try late.get() })
            let lateRank = (thrown { try late.get() } as? TaskError)?.rank ?? -1
            let ranks = try pool.map(r.hang, over: Array(repeating: 500, count: 150))
            value("to.rejoined", Set(ranks).contains(lateRank))
            value("to.stuckRank", stuckRank)
            value("to.stuckRankIdle", stuckRank > 0 && !Set(ranks).contains(stuckRank))
            value("to.lateRankDiffers", lateRank > 0 && lateRank != stuckRank)
            value("to.mapRanks", Set(ranks).sorted().map(String.init).joined(separator: ","))
        }
        guard isSpeaker else { return }
        value("to.runReturned", true)
        value("to.totalSeconds", fmt(seconds(since: start)))
    }

    /// A task without a timeout that never returns, then terminate(): the job must end within
    /// the grace period, naming the rank and its task (exit non-zero), never hang.
    static func stuckTerminate(_ t: TestTasks) throws {
        let r = ReliabilityTasks()
        try Pool.run(r.registry, options: PoolOptions(shutdownGrace: .seconds(1))) { pool in
            let stuck = try pool.applyAsync(r.hang, -1)
            _ = stuck.wait(timeout: .milliseconds(300))  // let it start; it never returns
            value("stuckTerminate.terminating", true)
            pool.terminate()
            value("stuckTerminate.returned", true)
        }
    }

    /// The same, with the body throwing: its error is printed before the job ends.
    static func stuckThrow(_ t: TestTasks) throws {
        let r = ReliabilityTasks()
        try Pool.run(r.registry, options: PoolOptions(shutdownGrace: .seconds(1))) { pool in
            let stuck = try pool.applyAsync(r.hang, -1)
            _ = stuck.wait(timeout: .milliseconds(300))
            value("stuckThrow.throwing", true)
            throw TestFailure(text: "the body gave up on a stuck task")
        }
    }

    /// A stuck task with a timeout, then terminate and a throw: the worker's MPI thread is
    /// free, so the job ends at once and cleanly.
    static func timedTerminate(_ t: TestTasks) throws {
        let r = ReliabilityTasks()
        let start = ContinuousClock.now
        let error = thrown {
            try Pool.run(r.registry) { pool in
                let stuck = try pool.applyAsync(r.hang, -1, timeout: .seconds(30))
                _ = stuck.wait(timeout: .milliseconds(300))
                let t0 = ContinuousClock.now
                pool.terminate()
                value("timedTerminate.terminateSeconds", fmt(seconds(since: t0)))
                value("timedTerminate.stuck", outcome { try stuck.get() })
                throw TestFailure(text: "after terminate")
            }
        }
        guard isSpeaker else { return }
        value("timedTerminate.error", error.map(errorName) ?? "none")
        value("timedTerminate.seconds", fmt(seconds(since: start)))
    }

    /// Retries: a failure retried succeeds (on another worker), attempts are counted in the
    /// final error, timeouts are retried too, and the predicate chooses what is retried.
    static func retries(_ t: TestTasks) throws {
        let r = ReliabilityTasks()
        let folder = scratchFolder("retries")
        try Pool.run(r.registry) { pool in
            let once = try pool.map(r.flaky, over: (0..<6).map { ("\(folder)/a", $0, 0) }, retries: 1)
            value("retry.onceAttempts", list(once.map { $0 % 100 }))
            value("retry.otherWorker", once.allSatisfy { ($0 / 1000) != ($0 / 100) % 10 })
            value("retry.always", brief { try pool.apply(r.flaky, ("\(folder)/b", 0, 2), retries: 2) })
            value("retry.alwaysMessage", (thrown { try pool.apply(r.flaky, ("\(folder)/c", 0, 2), retries: 2) }).map { "\($0)" } ?? "none")
            value("retry.noRetry", brief { try pool.apply(r.flaky, ("\(folder)/d", 0, 0)) })
            value("retry.timeout", brief { try pool.apply(r.flaky, ("\(folder)/e", 0, 1), timeout: .milliseconds(500), retries: 1) % 100 })
            let onlyThrows = Retries.upTo(3, when: { $0.reason == .threw })
            value("retry.timeoutNotChosen", brief { try pool.apply(r.flaky, ("\(folder)/f", 0, 1), timeout: .milliseconds(500), retries: onlyThrows) })
            let onlyTimeouts = Retries.upTo(3, when: { $0.reason == .timedOut })
            value("retry.throwNotChosen", brief { try pool.apply(r.flaky, ("\(folder)/g", 0, 0), retries: onlyTimeouts) })
            value("retry.negative", outcome { try pool.map(r.hang, over: [1], retries: Retries.upTo(-1)) })
            value("retry.zeroTimeout", outcome { try pool.map(r.hang, over: [1], timeout: .zero) })
            // Chunks of several items: the failed chunk runs again whole; every result once, in order.
            let chunked = try pool.map(r.flaky, over: (0..<12).map { ("\(folder)/h", $0, $0 == 5 ? 0 : 3) }, chunkSize: 4, retries: 1)
            value("retry.chunkedCount", chunked.count)
            value("retry.chunkedFailedItemAttempts", chunked[5] % 100)
        }
    }

    /// Blocking calls from inside a callback: each works or throws at once — never a deadlock.
    static func callbackReentry(_ t: TestTasks) throws {
        try Pool.run(t.registry) { pool in
            let seen = Box<[String]>([])
            let finished = DispatchSemaphore(value: 0)
            let slowWithCallback = try pool.applyAsync(t.nap, 0.5, callback: { _ in })
            let plain = try pool.applyAsync(t.square, 3)
            _ = try pool.applyAsync(t.square, 2, callback: { _ in
                var lines: [String] = []
                lines.append("getOnCallbackResult=\(outcome { try slowWithCallback.get() })")
                lines.append("getTimeoutOnCallbackResult=\(outcome { try slowWithCallback.get(timeout: .seconds(5)) })")
                let t0 = ContinuousClock.now
                lines.append("waitOnCallbackResult=\(slowWithCallback.wait(timeout: .seconds(5)))")
                slowWithCallback.wait()
                lines.append("waitsReturnedQuickly=\(seconds(since: t0) < 0.4)")
                lines.append("getOnPlainResult=\(outcome { try plain.get() })")
                lines.append("mapInCallback=\(outcome { list(try pool.map(t.square, over: 1...3)) })")
                lines.append("join=\(outcome { try pool.join() })")
                seen.set(lines)
                finished.signal()
            })
            let inTime = finished.wait(timeout: .now() + 20) == .success
            value("reentry.callbackFinished", inTime)
            for line in seen.get() { value("reentry.\(line.split(separator: "=")[0])", String(line.split(separator: "=", maxSplits: 1)[1])) }
            let ex = Executor(pool)
            let f = try ex.submit(t.square, 4)
            let shutdownReturned = DispatchSemaphore(value: 0)
            f.addDoneCallback { _ in
                ex.shutdown(wait: true)
                shutdownReturned.signal()
            }
            value("reentry.shutdownInCallback", shutdownReturned.wait(timeout: .now() + 20) == .success)
        }
    }
}

extension Scenarios {
    /// Races with the pool's own protocol: submits, cancels and stats from several threads at once,
    /// 50 rounds; then a thread that keeps submitting while the body returns. Every call gets an
    /// answer (a value, `cancelled`, `ended`, `closed`), every waiter wakes: nothing hangs.
    static func races(_ t: TestTasks) throws {
        let outcomes = Box<[String: Int]>([:])
        @Sendable func count(_ key: String) { outcomes.update { $0[key, default: 0] += 1 } }
        let submitter = DispatchSemaphore(value: 0)
        try Pool.run(t.registry) { pool in
            var unanswered = 0
            for round in 0..<50 {
                let results = Box<[AsyncResult<Int>]>([])
                let group = DispatchGroup()
                for thread in 0..<3 {
                    DispatchQueue.global().async(group: group) {
                        for i in 0..<10 {
                            if let r = try? pool.applyAsync(t.square, round * 100 + thread * 10 + i) { results.update { $0.append(r) } }
                            if thread == 2 { for r in results.get().suffix(3) { _ = r.cancel() } ; _ = pool.workerStats() }
                        }
                    }
                }
                if group.wait(timeout: .now() + 20) == .timedOut { unanswered += 1 }
                for r in results.get() {
                    switch outcome({ try r.get(timeout: .seconds(20)) }) {
                    case let o where o.hasPrefix("value:"): count("value")
                    case "error:cancelled": count("cancelled")
                    case let o: count(o)
                    }
                }
            }
            value("races.unansweredRounds", unanswered)
            // A thread that keeps submitting while the body returns.
            DispatchQueue.global().async {
                while true {
                    do { _ = try pool.applyAsync(t.square, 3).get(timeout: .seconds(20)) } catch {
                        count("end:\(errorName(error))")
                        break
                    }
                }
                submitter.signal()
            }
        }
        guard isSpeaker else { return }
        value("races.submitterStopped", submitter.wait(timeout: .now() + 20) == .success)
        let seen = outcomes.get()
        value("races.outcomes", seen.keys.sorted().map { "\($0)=\(seen[$0]!)" }.joined(separator: ","))
        value("races.total", seen.filter { !$0.key.hasPrefix("end:") }.values.reduce(0, +))
        value("races.onlyExpected", seen.keys.allSatisfy { ["value", "cancelled", "end:ended", "end:closed"].contains($0) })
    }
}

extension Scenarios {
    /// Frames over MPI's 2 GiB message limit: the chunk fails with a clear TaskError, the
    /// pool goes on. (Needs about 10 GB of memory on one machine.)
    static func huge(_ t: TestTasks) throws {
        try Pool.run(t.registry) { pool in
            let count = MPIErrorLimit.items + 1   // 2³¹ bytes of Int, plus one
            value("huge.arguments", describeOutcome { try pool.apply(t.reversed, [Int](repeating: 7, count: count)).count })
            value("huge.results", describeOutcome { try pool.apply(t.makeRange, count).count })
            value("huge.after", try pool.apply(t.square, 12))
        }
    }
}

/// MPI's limit for one message, in `Int`s.
enum MPIErrorLimit { static let items = Int(Int32.max) / MemoryLayout<Int>.stride }

/// `value:<v>` or the error: `TaskError.<reason>: <message>`.
private func describeOutcome<T>(_ body: () throws -> T) -> String {
    do { return "value:\(try body())" } catch let e as TaskError { return "TaskError.\(e.reason.rawValue): \(e.message)" } catch { return "error:\(errorName(error))" }
}

extension Scenarios {
    /// SIGTERM (or SIGINT) while a map runs: the test sends it once `signal.ready` is printed.
    /// Pool.run throws `interrupted` with the counts; the program exits 128 + signal.
    static func signalled(_ t: TestTasks) throws {
        try Pool.run(t.registry) { pool in
            _ = try pool.map(t.square, over: 0..<6)
            let long = try pool.mapAsync(t.nap, over: Array(repeating: 0.2, count: 300))
            value("signal.ready", true)
            value("signal.outcome", outcome { try long.get().count })
            value("signal.submitAfter", outcome { try pool.apply(t.square, 2) })
        }
    }
}

extension Scenarios {
    /// With `masterRunsTasks`, rank 0's own chunk runs off the progress loop: while it runs,
    /// stats, cancels and other workers' results are served at once.
    static func masterBusy(_ t: TestTasks) throws {
        try Pool.run(t.registry, options: PoolOptions(masterRunsTasks: true)) { pool in
            let long = try pool.applyAsync(t.nap, 1.5)     // rank 0 is first in rank order: it takes this one
            _ = long.wait(timeout: .milliseconds(100))
            var t0 = ContinuousClock.now
            _ = pool.workerStats()
            value("busy.statsSeconds", fmt(seconds(since: t0)))
            t0 = ContinuousClock.now
            value("busy.otherWorker", try pool.apply(t.square, 7))
            value("busy.applySeconds", fmt(seconds(since: t0)))
            value("busy.longRank", try long.get())
        }
    }
}

extension Scenarios {
    /// A journaled map (chunks of 4 over 40 items), run several times by the test with the
    /// environment: MPIPOOL_TEST_JOURNAL (the file), MPIPOOL_TEST_PREFIX (marker files), MPIPOOL_TEST_ITEMS.
    static func journaled(_ t: TestTasks) throws {
        let r = ReliabilityTasks()
        let path = String(cString: getenv("MPIPOOL_TEST_JOURNAL") ?? strdup("/tmp/mpipool-journal"))
        let prefix = String(cString: getenv("MPIPOOL_TEST_PREFIX") ?? strdup("/tmp/mpipool-journal-marks"))
        let items = Int(String(cString: getenv("MPIPOOL_TEST_ITEMS") ?? strdup("40"))) ?? 40
        try Pool.run(r.registry) { pool in
            let journal = try Journal(path: path)
            value("journal.torn", journal.tornBytes)
            value("journal.map", outcome { list(try pool.map(r.counted, over: (0..<items).map { (prefix, $0) }, chunkSize: 4, journal: journal)) })
            value("journal.error", (thrown { _ = try pool.map(r.counted, over: [(prefix, 0)], journal: journal, key: "map 1") }).map { "\($0)" } ?? "none")
            value("journal.resumed", journal.resumedItems)
        }
    }
}
