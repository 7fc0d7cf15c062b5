import Dispatch
import MPIPool

extension Scenarios {
    /// Swift concurrency forms, and cancelling the awaiting Swift task cancels its pending work.
    static func concurrency(_ t: TestTasks) throws {
        try Pool.run(t.registry) { pool in
            try blocking {
                value("async.map", list(try await pool.map(t.square, over: 1...5)))
                value("async.mapAuto", list(try await pool.map(t.square, over: 1...7, chunkSize: .auto)))
                value("async.starmap", list(try await pool.starmap(t.add, over: zip(1...3, 4...6))))
                value("async.apply", try await pool.apply(t.add, (2, 3)))
                var got: [Int] = []
                for try await x in try pool.imapUnordered(t.square, over: 0..<20, chunkSize: 3) { got.append(x) }
                value("async.imapUnorderedOnce", got.sorted() == (0..<20).map { $0 * $0 })
                var inOrder: [Int] = []
                for try await x in try pool.imap(t.echoAfter, over: [(0, 200), (1, 0), (2, 50)]) { inOrder.append(x) }
                value("async.imapOrder", list(inOrder))
                value("async.futureValue", try await Executor(pool).submit(t.square, 9).value)
                value("async.asyncResultValue", list(try await pool.mapAsync(t.square, over: 0..<4).value))
                do {
                    _ = try await pool.apply(t.job, (1, 0, true))
                    value("async.applyError", "none")
                } catch {
                    value("async.applyError", errorName(error))
                }
            }

            // Slow chunks first, so the scheduler does not prefetch a second chunk per worker.
            _ = try pool.map(t.nap, over: [0.05, 0.05, 0.05])
            let blockers = try (0..<3).map { _ in try pool.applyAsync(t.nap, 1.0) }
            let start = ContinuousClock.now
            let handed = DispatchSemaphore(value: 0)
            let submitted = Box<AsyncResult<Int>?>(nil)
            let task = Task { () async throws -> Int in
                let r = try pool.applyAsync(t.nap, 0.05)
                submitted.set(r)
                handed.signal()
                return try await r.value
            }
            handed.wait()
            task.cancel()
            let result = try blocking { await task.result }
            value("async.cancelOutcome", outcome { try result.get() })
            value("async.cancelSeconds", fmt(seconds(since: start)))
            let r = submitted.get()!
            value("async.cancelledResultReady", r.isReady)
            value("async.cancelledGet", outcome { try r.get() })

            let mapTask = Task { try await pool.map(t.square, over: 0..<40, chunkSize: 4) }
            mapTask.cancel()
            value("async.cancelMap", outcome { try (try blocking { await mapTask.result }).get() })

            let future = try Executor(pool).submit(t.nap, 0.05)
            let futureTask = Task { try await future.value }
            futureTask.cancel()
            value("async.cancelFutureValue", outcome { try (try blocking { await futureTask.result }).get() })
            value("async.futureCancelled", future.isCancelled)
            // All of that happened while every worker still ran a blocker: the cancelled work was pending.
            value("async.blockersStillRunning", blockers.allSatisfy { !$0.isReady })
            for b in blockers { _ = try b.get() }
            value("async.servesAfterCancel", try pool.apply(t.square, 5))
        }
    }
}
