import MPIPool

extension Scenarios {
    /// Jobs until close(); join() waits for all; use after close is refused.
    static func lifecycle(_ t: TestTasks) throws {
        try Pool.run(t.registry) { pool in
            value("life.joinBeforeClose", outcome { try pool.join() })
            // An imap iterated a little before close() (its first window is in flight).
            let started = try pool.imap(t.square, over: 0..<100, chunkSize: 2, window: 2)
            let firstOfStarted = try started.next()
            let callbacks = Box(0)
            var results: [AsyncResult<Int>] = []
            for _ in 0..<3 { results.append(try pool.applyAsync(t.nap, 0.2, callback: { _ in callbacks.update { $0 += 1 } })) }
            let mapped = try pool.mapAsync(t.square, over: 0..<40, chunkSize: 3, callback: { _ in callbacks.update { $0 += 1 } })
            // More work while the first runs.
            for _ in 0..<3 { results.append(try pool.applyAsync(t.nap, 0.3, callback: { _ in callbacks.update { $0 += 1 } })) }
            let late = try pool.imap(t.square, over: 0..<10)
            pool.close()
            value("life.readyAtClose", results.filter(\.isReady).count)
            value("life.applyAfterClose", outcome { try pool.applyAsync(t.square, 1) })
            value("life.applySyncAfterClose", outcome { try pool.apply(t.square, 1) })
            value("life.mapAfterClose", outcome { try pool.map(t.square, over: [1, 2]) })
            value("life.starmapAfterClose", outcome { try pool.starmapAsync(t.add, over: [(1, 2)]) })
            value("life.imapAfterClose", outcome { try pool.imap(t.square, over: [1, 2]) })
            value("life.imapUnorderedAfterClose", outcome { try pool.imapUnordered(t.square, over: [1, 2]) })
            value("life.submitAfterClose", outcome { try Executor(pool).submit(t.square, 1) })
            value("life.asyncMapAfterClose", outcome { try blocking { try await pool.map(t.square, over: [1, 2]) } })
            let start = ContinuousClock.now
            value("life.join", outcome { try pool.join() })
            value("life.joinSeconds", fmt(seconds(since: start)))
            value("life.allReadyAfterJoin", results.allSatisfy(\.isReady) && mapped.isReady)
            value("life.callbacksAfterJoin", callbacks.get())
            value("life.resultsAfterJoin", results.allSatisfy { (try? $0.get()) != nil } && (try? mapped.get())?.count == 40)
            // The imap submitted its first window before close; its later chunks are refused.
            var lateValues: [String] = []
            while true {
                do {
                    guard let x = try late.next() else { break }
                    lateValues.append("\(x)")
                } catch {
                    lateValues.append(errorName(error))
                    break
                }
            }
            value("life.imapMadeBeforeClose", lateValues.joined(separator: ","))
            var startedCount = firstOfStarted == nil ? 0 : 1
            var startedEnd = "end"
            do { while try started.next() != nil { startedCount += 1 } } catch { startedEnd = errorName(error) }
            value("life.imapIteratedBeforeClose", "\(startedCount):\(startedEnd)")
            value("life.joinAgain", outcome { try pool.join() })
            value("life.statsAfterJoin", pool.workerStats().count)
        }
    }

    /// terminate() with 10,000 queued 0.1 s tasks: fast, results fail with terminated, later use is refused.
    static func terminate(_ t: TestTasks) throws {
        try Pool.run(t.registry) { pool in
            let warm = try pool.applyAsync(t.nap, 0.1)
            let big = try pool.mapAsync(t.nap, over: Array(repeating: 0.1, count: 10_000), chunkSize: 1)
            let extra = try (0..<5).map { _ in try pool.applyAsync(t.nap, 0.1) }
            let callbackErrors = Box<[String]>([])
            let withCallback = try pool.applyAsync(t.nap, 0.1, errorCallback: { e in callbackErrors.update { $0.append(errorName(e)) } })
            _ = try warm.get()
            let start = ContinuousClock.now
            pool.terminate()
            value("term.seconds", fmt(seconds(since: start)))
            value("term.big", outcome { try big.get() })
            value("term.bigProgress", big.progress.done < 10_000)
            value("term.extra", Set(extra.map { r in outcome { try r.get() } }).sorted().joined(separator: ","))
            value("term.withCallback", outcome { try withCallback.get() })
            value("term.errorCallback", callbackErrors.get().joined(separator: ","))
            value("term.applyAfter", outcome { try pool.applyAsync(t.square, 1) })
            value("term.mapAfter", outcome { try pool.map(t.square, over: [1]) })
            value("term.imapAfter", outcome { try pool.imap(t.square, over: [1]) })
            value("term.submitAfter", outcome { try Executor(pool).submit(t.square, 1) })
            value("term.joinAfter", outcome { try pool.join() })
            pool.close()
            pool.terminate()
            value("term.statsAfter", pool.workerStats().count)
        }
    }

    /// When the body throws, Pool.run terminates the pool (queued work dropped) and rethrows, without waiting for the work.
    static func bodyThrows(_ t: TestTasks) throws {
        let start = ContinuousClock.now
        let queued = Box<AsyncResult<[Int]>?>(nil)
        let error = thrown {
            try Pool.run(t.registry) { pool in
                queued.set(try pool.mapAsync(t.nap, over: Array(repeating: 0.1, count: 1000)))
                throw TestFailure(text: "body gave up")
            }
        }
        guard isSpeaker else { return }
        value("bodyThrows.error", error.map(errorName) ?? "none")
        value("bodyThrows.queued", queued.get().map { r in outcome { try r.get() } } ?? "none")
        value("bodyThrows.seconds", fmt(seconds(since: start)))
    }
}
