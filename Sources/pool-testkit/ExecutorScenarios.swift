import Dispatch
import Glibc
import MPIPool

extension Scenarios {
    /// Executor and Future: submit/result/exception/done, cancel, addDoneCallback, map(timeout:),
    /// asCompleted, wait(returnWhen:), shutdown(cancelFutures:).
    static func executor(_ t: TestTasks) throws {
        try Pool.run(t.registry) { pool in
            let ex = Executor(pool)
            let f = try ex.submit(t.square, 12)
            value("exec.result", outcome { try f.result() })
            value("exec.resultWithTimeout", outcome { try f.result(timeout: .seconds(5)) })
            value("exec.exception", outcome { try f.exception().map(errorName) ?? "nil" })
            value("exec.done", f.isDone)
            value("exec.cancelledFlag", f.isCancelled)
            value("exec.cancelDone", f.cancel())
            let bad = try ex.submit(t.job, (4, 0, true))
            value("exec.failResult", outcome { try bad.result() })
            value("exec.failException", outcome { try bad.exception().map(errorName) ?? "nil" })

            let slowOne = try ex.submit(t.nap, 0.5)
            value("exec.doneWhileRunning", slowOne.isDone)
            let t0 = ContinuousClock.now
            value("exec.resultTimeout", outcome { try slowOne.result(timeout: .seconds(0.1)) })
            value("exec.resultTimeoutSeconds", fmt(seconds(since: t0)))
            value("exec.exceptionTimeout", outcome { try slowOne.exception(timeout: .seconds(0.05)).map(errorName) ?? "nil" })
            value("exec.resultAfterTimeout", outcome { try slowOne.result() > 0 })

            // cancel(): 12 slow tasks on 3 workers — the last is still queued, the first is running.
            let slow = try (0..<12).map { _ in try ex.submit(t.nap, 0.3) }
            let last = slow.last!
            value("exec.cancelPending", last.cancel())
            value("exec.cancelPendingCancelled", last.isCancelled)
            value("exec.cancelPendingDone", last.isDone)
            value("exec.cancelPendingResult", outcome { try last.result() })
            value("exec.cancelPendingException", outcome { try last.exception().map(errorName) ?? "nil" })
            value("exec.cancelAgain", last.cancel())
            value("exec.cancelRunning", slow[0].cancel())
            value("exec.cancelRunningCancelled", slow[0].isCancelled)
            value("exec.runningResult", outcome { try slow[0].result() > 0 })
            value("exec.cancelFinished", slow[0].cancel())
            for g in slow.dropLast() { _ = try g.result() }

            // addDoneCallback: on a pending future, on a done one, on a cancelled one.
            let mainThread = UInt(pthread_self())
            let called = DispatchSemaphore(value: 0)
            let seen = Box<[String]>([])
            let onCallbackThread = Box(true)
            let pending = try ex.submit(t.nap, 0.2)
            pending.addDoneCallback { g in
                seen.update { $0.append("pending:done=\(g.isDone):\(outcome { try g.result() > 0 })") }
                if UInt(pthread_self()) == mainThread { onCallbackThread.set(false) }
                called.signal()
            }
            f.addDoneCallback { g in
                seen.update { $0.append("already:done=\(g.isDone):\(outcome { try g.result() })") }
                if UInt(pthread_self()) == mainThread { onCallbackThread.set(false) }
                called.signal()
            }
            last.addDoneCallback { g in
                seen.update { $0.append("cancelled:cancelled=\(g.isCancelled)") }
                called.signal()
            }
            var signalled = 0
            for _ in 0..<3 where called.wait(timeout: .now() + 10) == .success { signalled += 1 }
            value("exec.doneCallbacksCalled", signalled)
            value("exec.doneCallbacks", seen.get().sorted().joined(separator: ";"))
            value("exec.doneCallbacksOffMainThread", onCallbackThread.get())

            // asCompleted: completion order, and a timeout that ends iteration early.
            let durations = [0.5, 0.1, 0.3]
            let racing = try durations.map { try ex.submit(t.nap, $0) }
            let order = ex.asCompleted(racing).map { g in racing.firstIndex { $0 === g }! }
            value("exec.asCompleted", list(order))
            let lonely = [try ex.submit(t.nap, 0.5)]
            let timed = ex.asCompleted(lonely, timeout: .seconds(0.1))
            let early = Array(timed)
            value("exec.asCompletedTimeout", "\(early.count):timedOut=\(timed.didTimeOut)")
            _ = try lonely[0].result()

            // wait(returnWhen:)
            let a = try [0.1, 0.6, 0.6].map { try ex.submit(t.nap, $0) }
            let w1 = ex.wait(a, returnWhen: .firstCompleted)
            value("exec.waitFirstCompleted", "\(w1.done.count)/\(w1.notDone.count):first=\(w1.done.first === a[0])")
            _ = try a.map { try $0.result() }
            let b = [try ex.submit(t.job, (1, 50, true)), try ex.submit(t.job, (2, 600, false)), try ex.submit(t.job, (3, 600, false))]
            let w2 = ex.wait(b, returnWhen: .firstException)
            value("exec.waitFirstException", "\(w2.done.count)/\(w2.notDone.count):first=\(w2.done.first === b[0])")
            let w3 = ex.wait(b, returnWhen: .allCompleted)
            value("exec.waitAllCompleted", "\(w3.done.count)/\(w3.notDone.count)")
            let c = try [0.05, 0.1].map { try ex.submit(t.nap, $0) }
            let w4 = ex.wait(c, returnWhen: .firstException)
            value("exec.waitFirstExceptionNoneFails", "\(w4.done.count)/\(w4.notDone.count)")
            let d = [try ex.submit(t.nap, 0.5)]
            let w5 = ex.wait(d, timeout: .seconds(0.1))
            value("exec.waitTimeout", "\(w5.done.count)/\(w5.notDone.count)")
            _ = try d[0].result()

            // map, map over two sequences, map(timeout:)
            value("exec.map", outcome { list(try ex.map(t.square, over: 0..<10, chunkSize: 3)) })
            value("exec.map2", outcome { list(try ex.map(t.add, over: [1, 2, 3], [10, 20, 30])) })
            value("exec.mapFailure", outcome { try ex.map(t.job, over: [(0, 0, false), (1, 0, true)]) })
            let t1 = ContinuousClock.now
            value("exec.mapTimeout", outcome { try ex.map(t.nap, over: [0.4, 0.4, 0.4], timeout: .seconds(0.1)) })
            value("exec.mapTimeoutSeconds", fmt(seconds(since: t1)))

            // shutdown(cancelFutures: true): what has not started is cancelled, the rest finishes.
            let many = try (0..<12).map { _ in try ex.submit(t.nap, 0.2) }
            _ = try many[0].result()
            ex.shutdown(wait: true, cancelFutures: true)
            value("exec.shutdownAllDone", many.allSatisfy(\.isDone))
            let cancelled = many.filter(\.isCancelled).count
            let completed = many.filter { (try? $0.result()) != nil }.count
            value("exec.shutdownCancelled", cancelled)
            value("exec.shutdownCompleted", completed)
            value("exec.shutdownCancelledResults", many.filter(\.isCancelled).map { g in outcome { try g.result() } }.allSatisfy { $0 == "error:cancelled" })
            value("exec.submitAfterShutdown", outcome { try ex.submit(t.square, 1) })
        }
    }
}
