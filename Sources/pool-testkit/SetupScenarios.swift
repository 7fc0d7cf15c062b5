import MPIPool

extension Scenarios {
    /// maxWorkers: PoolOptions(maxWorkers:), limited(toWorkers:), and invalid sizes refused at the call.
    static func workers(_ t: TestTasks) throws {
        // Refused before MPI starts, on every rank; then a real pool runs.
        let zero = thrown { try Pool.run(t.registry, options: PoolOptions(maxWorkers: 0)) { _ in 1 } }
        if isSpeaker { value("workers.optionsZero", zero.map(errorName) ?? "none") }
        try Pool.run(t.registry, options: PoolOptions(maxWorkers: 2)) { pool in
            value("workers.workerCount", pool.workerCount)
            value("workers.ranks", list(Set(try pool.map(t.whoami, over: 0..<60)).sorted()))
            value("workers.stats", list(pool.workerStats().map(\.rank)))
            let one = try pool.limited(toWorkers: 1)
            value("workers.limitedCount", one.workerCount)
            value("workers.limitedRanks", list(Set(try one.map(t.whoami, over: 0..<30, chunkSize: 2)).sorted()))
            value("workers.limitedAsyncRanks", list(Set(try one.mapAsync(t.whoami, over: 0..<30, chunkSize: .auto).get()).sorted()))
            var imapRanks = Set<Int>()
            let lazy = try one.imapUnordered(t.whoami, over: 0..<20, chunkSize: 2)
            while let r = try lazy.next() { imapRanks.insert(r) }
            value("workers.limitedImapRanks", list(imapRanks.sorted()))
            value("workers.limitedApply", try one.apply(t.rankNow))
            value("workers.limitedExecutor", try Executor(one).submit(t.whoami, 0).result())
            value("workers.limitedWider", try one.limited(toWorkers: 5).workerCount)
            value("workers.limitedBeyond", try pool.limited(toWorkers: 9).workerCount)
            value("workers.limitedZero", outcome { try pool.limited(toWorkers: 0) })
            value("workers.limitedNegative", outcome { try pool.limited(toWorkers: -1) })
            value("workers.mapChunkZero", outcome { try pool.map(t.square, over: [1, 2], chunkSize: 0) })
            value("workers.mapAsyncChunkZero", outcome { try pool.mapAsync(t.square, over: [1, 2], chunkSize: .fixed(0)) })
            value("workers.starmapChunkZero", outcome { try pool.starmap(t.add, over: [(1, 2)], chunkSize: 0) })
            value("workers.guidedZero", outcome { try pool.map(t.square, over: [1, 2], chunkSize: .guided(minimum: 0)) })
            value("workers.emptyChunkZero", outcome { try pool.map(t.square, over: [Int](), chunkSize: 0) })
            value("workers.imapChunkZero", outcome { try pool.imap(t.square, over: [1, 2], chunkSize: 0) })
            value("workers.imapUnorderedChunkZero", outcome { try pool.imapUnordered(t.square, over: [1, 2], chunkSize: 0) })
            value("workers.imapWindowZero", outcome { try pool.imap(t.square, over: [1, 2], window: 0) })
            value("workers.executorMapChunkZero", outcome { try Executor(pool).map(t.square, over: [1, 2], chunkSize: 0) })
            value("workers.asyncMapChunkZero", outcome { try blocking { try await pool.map(t.square, over: [1, 2], chunkSize: 0) } })
            value("workers.servesAfter", list(try pool.map(t.square, over: 0..<5)))
        }
    }

    /// Chunk sizes, with `tracesScheduling: true`: job ids are submission numbers, in the order below.
    static func chunking(_ t: TestTasks) throws {
        try Pool.run(t.registry, options: PoolOptions(tracesScheduling: true)) { pool in
            let expected = (0..<100).map { $0 * $0 }
            let cases: [(String, ChunkSize, Int)] = [
                ("fixed7", .fixed(7), 100), ("literal10", 10, 100), ("auto", .auto, 100), ("guided", .guided(), 100),
                ("guided4", .guided(minimum: 4), 100), ("auto5", .auto, 5), ("auto13", .auto, 13), ("fixedBig", 500, 100),
            ]
            var submission = 0
            for (name, size, n) in cases {
                let got = try pool.map(t.square, over: 0..<n, chunkSize: size)
                value("chunk.\(name).submission", submission)
                value("chunk.\(name).correct", got == Array(expected.prefix(n)))
                submission += 1
            }
            let one = try pool.limited(toWorkers: 1)
            let got = try one.map(t.square, over: 0..<100, chunkSize: .auto)
            value("chunk.limitedAuto.submission", submission)
            value("chunk.limitedAuto.correct", got == expected)
            submission += 1
            let starred = try pool.starmapAsync(t.add, over: zip(0..<50, 0..<50), chunkSize: .guided(minimum: 2)).get()
            value("chunk.starGuided.submission", submission)
            value("chunk.starGuided.correct", starred == (0..<50).map { 2 * $0 })
        }
    }

    /// masterRunsTasks and the initializer: rank 0 runs tasks too; every process initialised once first.
    static func masterAndInitializer(_ t: TestTasks) throws {
        let options = PoolOptions(masterRunsTasks: true, initializer: { InitState.initialize() })
        try Pool.run(t.registry, options: options) { pool in
            value("master.workerCount", pool.workerCount)
            let probes = try pool.map(t.initProbe, over: 0..<60)
            value("master.ranks", list(Set(probes.map { $0[0] }).sorted()))
            value("master.initRunsOnce", probes.allSatisfy { $0[1] == 1 })
            value("master.initValues", probes.allSatisfy { $0[2] == $0[0] * 10 + 7 })
            let bad = probes.first { $0[1] != 1 || $0[2] != $0[0] * 10 + 7 }
            value("master.firstBadProbe", bad.map { list($0) } ?? "none")
            value("master.stats", list(pool.workerStats().map(\.rank)))
            value("master.errorOnRank0", ((thrown { try pool.map(t.job, over: (0..<8).map { ($0, 20, true) }) }) as? TaskError).map { "\($0.reason.rawValue)" } ?? "none")
        }
    }

    /// An initializer that throws on rank 2: Pool.run throws initializerFailed(rank: 2), no hang.
    static func initializerFails(_ t: TestTasks) throws {
        let options = PoolOptions(initializer: {
            if PoolContext.rank == 2 { throw TestFailure(text: "initializer refused on rank 2") }
        })
        let start = ContinuousClock.now
        let bodyRan = Box(false)
        let error = thrown { try Pool.run(t.registry, options: options) { _ in bodyRan.set(true) } }
        guard isSpeaker else { return }
        value("initFail.error", error.map(errorName) ?? "none")
        if case .initializerFailed(let rank, let host, let message)? = error as? PoolError {
            value("initFail.rank", rank)
            value("initFail.hostOk", host == PoolContext.host)
            value("initFail.message", message)
        }
        value("initFail.bodyRan", bodyRan.get())
        value("initFail.seconds", fmt(seconds(since: start)))
    }
}
