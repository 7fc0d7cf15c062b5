import MPIPool

extension Scenarios {
    /// `try await Pool.run` with an async body: map, imap, future.value, huge timeouts,
    /// a cancelled child task cancelling its pending work; then a second `Pool.run`
    /// (refused), the pool used after its scope, and the rank known before the pool.
    static func asyncBody(_ t: TestTasks) throws {
        let before = "\(PoolContext.rank)/\(PoolContext.size)"
        let escaped = Box<Pool?>(nil)
        let answer: Int? = try blocking {
            try await Pool.run(t.registry) { pool in
                escaped.set(pool)
                value("abody.map", list(try await pool.map(t.square, over: 1...5, chunkSize: .auto)))
                var got: [Int] = []
                for try await x in try pool.imapUnordered(t.square, over: 0..<20, chunkSize: .auto) { got.append(x) }
                value("abody.imapUnordered", got.sorted() == (0..<20).map { $0 * $0 })
                var ordered: [Int] = []
                for try await x in try pool.imap(t.square, over: 0..<10, chunkSize: .guided()) { ordered.append(x) }
                value("abody.imap", list(ordered))
                value("abody.futureValue", try await Executor(pool).submit(t.square, 9).value)

                // Timeouts of any size wait; none traps. A negative one has already passed.
                let executor = Executor(pool)
                value("abody.hugeGet", outcome { try pool.applyAsync(t.square, 6).get(timeout: .seconds(Int64.max)) })
                let longest = Duration(secondsComponent: .max, attosecondsComponent: 999_999_999_999_999_999)
                value("abody.longestWait", try pool.applyAsync(t.square, 7).wait(timeout: longest))
                value("abody.hugeResult", outcome { try executor.submit(t.square, 8).result(timeout: .seconds(Int64.max)) })
                value("abody.hugeExecutorMap", outcome { list(try executor.map(t.square, over: 1...3, timeout: longest)) })
                let completed = executor.asCompleted([try executor.submit(t.square, 2)], timeout: longest)
                value("abody.hugeAsCompleted", "\(completed.map { _ in 1 }.count):\(completed.didTimeOut)")
                value("abody.hugeWait", executor.wait([try executor.submit(t.square, 3)], timeout: longest).done.count)
                value("abody.negativeGet", outcome { try pool.applyAsync(t.nap, 0.2).get(timeout: .seconds(-5)) })
                let slow = try pool.applyAsync(t.nap, 0.3)
                let start = ContinuousClock.now
                value("abody.shortGet", outcome { try slow.get(timeout: .milliseconds(50)) })
                value("abody.shortGetSeconds", fmt(seconds(since: start)))

                // A cancelled child task cancels its pending work. Slow chunks first (no prefetch),
                // then every worker busy, so the child's work is still queued.
                _ = try await pool.map(t.nap, over: Array(repeating: 0.05, count: pool.workerCount))
                let blockers = try (0..<pool.workerCount).map { _ in try pool.applyAsync(t.nap, 1.0) }
                let pending = try pool.applyAsync(t.nap, 0.05)
                let childError: String = await withTaskGroup(of: String.self) { group in
                    group.addTask { do { return "value:\(try await pending.value)" } catch { return "error:\(errorName(error))" } }
                    group.cancelAll()
                    return await group.next() ?? "none"
                }
                value("abody.childCancelled", childError)
                value("abody.pendingCancelled", outcome { try pending.get() })
                value("abody.blockersStillRunning", blockers.allSatisfy { !$0.isReady })
                for b in blockers { _ = try await b.value }
                return try await pool.apply(t.square, 11)
            }
        }
        let rank = PoolContext.rank
        value("abody.rankBefore.rank\(rank)", before)
        value("abody.answer.rank\(rank)", answer.map(String.init) ?? "nil")
        value("abody.secondRun.rank\(rank)", outcome { try Pool.run(t.registry) { _ in 1 } })
        if let pool = escaped.get() {
            value("abody.mapAfterScope", outcome { try pool.map(t.square, over: [1]) })
            value("abody.applyAsyncAfterScope", outcome { try pool.applyAsync(t.square, 1) })
            value("abody.imapAfterScope", outcome { try pool.imap(t.square, over: [1]) })
            value("abody.submitAfterScope", outcome { try Executor(pool).submit(t.square, 1) })
        }
    }

    /// An error thrown by the async body: as from the synchronous body, the pool is
    /// terminated (queued work dropped) and the error rethrown on rank 0 only.
    static func asyncBodyThrows(_ t: TestTasks) throws {
        let start = ContinuousClock.now
        let queued = Box<AsyncResult<[Int]>?>(nil)
        let error = thrown {
            try blocking {
                try await Pool.run(t.registry) { pool -> Int in
                    _ = try await pool.map(t.square, over: 1...3)
                    queued.set(try pool.mapAsync(t.nap, over: Array(repeating: 0.1, count: 1000)))
                    throw TestFailure(text: "async body gave up")
                }
            }
        }
        value("athrow.error.rank\(PoolContext.rank)", error.map(errorName) ?? "none")
        guard isSpeaker else { return }
        value("athrow.queued", queued.get().map { r in outcome { try r.get() } } ?? "none")
        value("athrow.seconds", fmt(seconds(since: start)))
    }
}
