import Dispatch
import MPIPool

extension Scenarios {
    /// Cancel of partly started work, imap cancelled from Swift, shutdown(wait: false), callbacks that submit.
    static func edges(_ t: TestTasks) throws {
        try Pool.run(t.registry) { pool in
            // Slow chunks first, so no second chunk is prefetched per worker.
            _ = try pool.map(t.nap, over: [0.05, 0.05, 0.05])

            // AsyncResult.cancel(): pending → true; done → false; partly started → false and nothing dropped.
            let blockers = try (0..<3).map { _ in try pool.applyAsync(t.nap, 0.5) }
            let pending = try pool.applyAsync(t.square, 3)
            value("edges.cancelPending", pending.cancel())
            value("edges.cancelPendingGet", outcome { try pending.get() })
            value("edges.cancelPendingSuccessful", outcome { try pending.successful() })
            for b in blockers { _ = try b.get() }
            value("edges.cancelDone", blockers[0].cancel())
            value("edges.getTimeoutZeroWhenReady", outcome { try blockers[0].get(timeout: .seconds(0)) > 0 })
            let partly = try pool.mapAsync(t.nap, over: Array(repeating: 0.2, count: 12))
            let answer = partly.cancel()
            value("edges.cancelPartlyStarted", answer)
            value("edges.cancelPartlyStartedGet", outcome { try partly.get().count })
            value("edges.cancelPartlyStartedConsistent", answer == ((try? partly.get()) == nil))

            // Right after cancel() answers true, the result is ready and cancelled (no window where it is not).
            let walls = try (0..<3).map { _ in try pool.applyAsync(t.nap, 1.0) }
            let ex = Executor(pool)
            var notReadyAfterCancel = 0, notCancelledAfterCancel = 0, answeredTrue = 0
            for i in 0..<60 {
                let f = try ex.submit(t.square, i)
                guard f.cancel() else { continue }
                answeredTrue += 1
                if !f.isDone { notReadyAfterCancel += 1 }
                if !f.isCancelled { notCancelledAfterCancel += 1 }
            }
            value("edges.cancelAnsweredTrue", answeredTrue)
            value("edges.notDoneRightAfterCancel", notReadyAfterCancel)
            value("edges.notCancelledRightAfterCancel", notCancelledAfterCancel)
            value("edges.wallsStillRunning", walls.allSatisfy { !$0.isReady })
            for w in walls { _ = try w.get() }

            // errorCallback of a map with several failures gets the lowest index.
            let received = Box<[String]>([])
            let failing = try pool.mapAsync(t.job, over: (0..<9).map { ($0, $0 == 1 ? 200 : 0, $0 % 4 == 1) }, chunkSize: 1,
                                            errorCallback: { e in received.update { $0.append(taskErrorFacts(e)) } })
            failing.wait()
            value("edges.errorCallbackIndex", received.get().map { $0.split(separator: ";")[1] }.joined(separator: ","))

            // A callback may submit more work; its result arrives.
            let chained = Box<AsyncResult<Int>?>(nil)
            let chainedReady = DispatchSemaphore(value: 0)
            let first = try pool.applyAsync(t.square, 4, callback: { v in
                chained.set(try? pool.applyAsync(t.square, v))
                chainedReady.signal()
            })
            first.wait()
            value("edges.callbackSubmits", chainedReady.wait(timeout: .now() + 10) == .success
                  ? outcome { try chained.get()?.get() ?? -1 } : "no callback")

            // Cancelling the Swift task iterating an imapUnordered drops the chunks not yet started.
            let cancelStart = ContinuousClock.now
            let firstSeen = DispatchSemaphore(value: 0)
            let iterating = Task { () async throws -> Int in
                var n = 0
                for try await _ in try pool.imapUnordered(t.nap, over: Array(repeating: 0.2, count: 60)) {
                    n += 1
                    if n == 1 { firstSeen.signal() }
                }
                return n
            }
            firstSeen.wait()
            iterating.cancel()
            let ended = try blocking { await iterating.result }
            value("edges.imapCancelled", outcome { try ended.get() })
            // 60 × 0.2 s on 3 workers is 4 s; after the cancel only the started chunks run.
            let probe = try pool.apply(t.square, 6)
            value("edges.imapCancelFreedSeconds", fmt(seconds(since: cancelStart)))
            value("edges.afterImapCancel", probe)

            // shutdown(wait: false) returns at once; the work still finishes.
            let slow = try ex.submit(t.nap, 0.5)
            let t0 = ContinuousClock.now
            ex.shutdown(wait: false)
            value("edges.shutdownNoWaitSeconds", fmt(seconds(since: t0)))
            value("edges.shutdownNoWaitResult", outcome { try slow.result() > 0 })
        }
    }
}
