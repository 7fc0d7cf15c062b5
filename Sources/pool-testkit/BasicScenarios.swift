import Dispatch
import Glibc
import MPIPool
import PoolCLI

extension Scenarios {
    /// map, mapAsync, starmap, starmapAsync, apply, applyAsync; get(timeout:), successful, progress; workerStats.
    static func basics(_ t: TestTasks) throws {
        try Pool.run(t.registry) { pool in
            value("basics.workerCount", pool.workerCount)
            value("basics.map", list(try pool.map(t.square, over: 1...10)))
            value("basics.mapChunk3", list(try pool.map(t.square, over: 1...10, chunkSize: 3)))
            value("basics.mapAsync", list(try pool.mapAsync(t.square, over: 0..<5).get()))
            value("basics.starmap", list(try pool.starmap(t.add, over: zip(1...5, 11...15))))
            value("basics.starmapAsync", list(try pool.starmapAsync(t.add, over: zip(1...5, 11...15), chunkSize: 2).get()))
            value("basics.apply", try pool.apply(t.add, (20, 22)))
            value("basics.applyAsync", try pool.applyAsync(t.square, 12).get())
            value("basics.applyNoArguments", try pool.apply(t.rankNow))
            value("basics.threeArguments", try pool.apply(t.job, (7, 0, false)))
            value("basics.string", try pool.apply(t.shout, "héllo"))

            // get(timeout:) on a slow task: times out after ≈ the timeout, the task goes on.
            let start = ContinuousClock.now
            let slow = try pool.applyAsync(t.nap, 1.0)
            value("basics.successfulBeforeReady", outcome { try slow.successful() })
            value("basics.progressBeforeReady", "\(slow.progress.done)/\(slow.progress.total)")
            let t0 = ContinuousClock.now
            value("basics.getTimeout", outcome { try slow.get(timeout: .seconds(0.3)) })
            value("basics.getTimeoutSeconds", fmt(seconds(since: t0)))
            value("basics.readyAfterTimeout", slow.isReady)
            value("basics.waitTimeoutShort", slow.wait(timeout: .seconds(0.05)))
            value("basics.laterGet", outcome { try slow.get() })
            value("basics.slowTotalSeconds", fmt(seconds(since: start)))
            value("basics.successfulAfter", outcome { try slow.successful() })
            value("basics.progressAfter", "\(slow.progress.done)/\(slow.progress.total)")
            value("basics.waitTimeoutReady", slow.wait(timeout: .seconds(0.01)))

            let big = try pool.mapAsync(t.square, over: 0..<100, chunkSize: 7)
            big.wait()
            value("basics.bigReady", big.isReady)
            value("basics.bigProgress", "\(big.progress.done)/\(big.progress.total)")
            value("basics.bigSum", try big.get().reduce(0, +))
            value("basics.bigAwaited", try blocking { try await big.value.count })

            let stats = pool.workerStats()
            value("basics.statsRanks", list(stats.map(\.rank)))
            value("basics.statsTasksPositive", stats.reduce(0) { $0 + $1.tasks } > 0)
            value("basics.statsPidsDistinct", Set(stats.map(\.pid)).count == stats.count && stats.allSatisfy { $0.pid > 0 })
            value("basics.statsHostsKnown", stats.allSatisfy { !$0.host.isEmpty && $0.host != "?" })
        }
    }

    /// Callbacks: on the master, one thread, one at a time, in completion order; ready only after the callback.
    static func callbacks(_ t: TestTasks) throws {
        try Pool.run(t.registry) { pool in
            let mainThread = pthread_self()
            let order = Box<[Int]>([])
            let threads = Box<[UInt]>([])
            let running = Box(0)
            let maxRunning = Box(0)
            let finished = Box<Set<Int>>([])
            let readyInside = Box<[Bool]>([])
            let ranks = Box<Set<Int>>([])
            let results = Box<[Int: AsyncResult<Int>]>([:])
            @Sendable func callback(_ i: Int) {
                let now = running.update { $0 += 1; return $0 }
                maxRunning.update { $0 = max($0, now) }
                order.update { $0.append(i) }
                ranks.update { _ = $0.insert(PoolContext.rank) }
                threads.update { $0.append(UInt(pthread_self())) }
                if let mine = results.get()[i] { readyInside.update { $0.append(mine.isReady) } }
                pause(seconds: 0.05)
                finished.update { _ = $0.insert(i) }
                running.update { $0 -= 1 }
            }
            // Three tasks on three workers finish in the order 1, 2, 0.
            let durations = [0.6, 0.2, 0.4]
            for (i, d) in durations.enumerated() {
                let r = try pool.applyAsync(t.nap, d, callback: { _ in callback(i) })
                results.update { $0[i] = r }
            }
            let rs = results.get()
            // A result is ready only after its callback ran: check right when each wait returns.
            var finishedWhenReady: [Bool] = []
            for i in durations.indices {
                rs[i]!.wait()
                finishedWhenReady.append(finished.get().contains(i))
            }
            value("callbacks.order", list(order.get()))
            value("callbacks.finishedWhenReady", finishedWhenReady.allSatisfy { $0 })
            value("callbacks.readyInsideCallback", readyInside.get().map(String.init).joined(separator: ","))
            value("callbacks.maxConcurrent", maxRunning.get())
            value("callbacks.threadCount", Set(threads.get()).count)
            value("callbacks.offMainThread", !threads.get().contains(UInt(mainThread)))
            value("callbacks.rankInCallback", list(ranks.get().sorted()))

            // Many quick results with callbacks, map and apply mixed: all on one thread, never overlapping.
            let counter = Box(0)
            var many: [AsyncResult<[Int]>] = []
            for i in 0..<30 {
                many.append(try pool.mapAsync(t.square, over: [i, i + 1], callback: { values in
                    let now = running.update { $0 += 1; return $0 }
                    maxRunning.update { $0 = max($0, now) }
                    threads.update { $0.append(UInt(pthread_self())) }
                    counter.update { $0 += values.count }
                    running.update { $0 -= 1 }
                }))
            }
            let done = DispatchSemaphore(value: 0)
            let applied = try pool.applyAsync(t.add, (1, 2), callback: { v in
                counter.update { $0 += v }
                done.signal()
            })
            for r in many { r.wait() }
            applied.wait()
            value("callbacks.manyCounter", counter.get())
            value("callbacks.manyMaxConcurrent", maxRunning.get())
            value("callbacks.manyThreadCount", Set(threads.get()).count)
            value("callbacks.applyCallbackSignalled", done.wait(timeout: .now()) == .success)

            // errorCallback gets the TaskError; the callback is not called.
            let errors = Box<[String]>([])
            let failing = try pool.applyAsync(t.job, (3, 0, true), callback: { _ in errors.update { $0.append("callback") } },
                                              errorCallback: { e in errors.update { $0.append(errorName(e)) } })
            failing.wait()
            value("callbacks.errorCallback", errors.get().joined(separator: ","))
        }
    }

    /// Empty inputs: every form returns an empty result at once, any chunk size.
    static func empty(_ t: TestTasks) throws {
        let answer = try Pool.run(t.registry) { pool -> Int in
            let start = ContinuousClock.now
            let none: [Int] = []
            var counts: [Int] = []
            let sizes: [ChunkSize] = [1, 5, .auto, .guided(), .guided(minimum: 3)]
            for size in sizes {
                counts.append(try pool.map(t.square, over: none, chunkSize: size).count)
                counts.append(try pool.starmap(t.add, over: [(Int, Int)](), chunkSize: size).count)
                let called = Box(false)
                let r = try pool.mapAsync(t.square, over: none, chunkSize: size, callback: { v in called.set(v.isEmpty) })
                counts.append(try r.get().count)
                value("empty.callbackRan.\(size)", called.get())
                counts.append(try pool.starmapAsync(t.add, over: [(Int, Int)](), chunkSize: size).get().count)
                counts.append(try blocking { try await pool.map(t.square, over: none, chunkSize: size).count })
            }
            for chunk: ChunkSize in [1, 4, .auto] {
                counts.append(try pool.imap(t.square, over: none, chunkSize: chunk).next() == nil ? 0 : 1)
                counts.append(try pool.imapUnordered(t.square, over: none, chunkSize: chunk).next() == nil ? 0 : 1)
                counts.append(try Executor(pool).map(t.square, over: none, chunkSize: chunk).count)
                counts.append(try blocking {
                    var n = 0
                    for try await _ in try pool.imapUnordered(t.square, over: none, chunkSize: chunk) { n += 1 }
                    return n
                })
            }
            let stream = AsyncThrowingStream<Int, any Error> { $0.finish() }
            counts.append(try blocking { try await pool.map(t.square, over: stream).count })
            value("empty.forms", counts.count)
            value("empty.allEmpty", counts.allSatisfy { $0 == 0 })
            value("empty.seconds", fmt(seconds(since: start)))
            return 42
        }
        // Pool.run returns the body's value on rank 0, nil on the workers.
        Console.out("check empty.runReturned.rank\(launcherRank ?? 0)=\(answer.map(String.init) ?? "nil")")
    }
}
