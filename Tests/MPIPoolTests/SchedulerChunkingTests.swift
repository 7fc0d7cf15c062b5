import Testing
@testable import MPIPool

/// Chunk sizes (`.auto`, `.guided`), prefetching, and whole-run coverage tables.
@Suite struct SchedulerChunkingTests {
    // MARK: .auto

    /// ⌈n / (4 × workers)⌉, at least 1, written out independently of the scheduler.
    static func autoSize(items: Int, workers: Int) -> Int {
        max(1, Int((Double(items) / Double(4 * workers)).rounded(.up)))
    }

    @Test(arguments: [(1, 1), (10, 3), (12, 3), (13, 3), (100, 3), (1000, 4), (4096, 8), (7, 1), (17, 2)])
    func autoIsCeilingOfItemsOverFourTimesWorkers(items: Int, workerCount: Int) {
        var s = Scheduler(workers: Array(1...workerCount))
        var trace = Trace()
        trace.record(s.submit(0, items: items, chunking: .auto), scheduler: s)
        drain(&s, trace: &trace)
        let expected = Self.autoSize(items: items, workers: workerCount)
        let sizes = chunkSizes(trace, submission: 0)
        #expect(sizes.dropLast().allSatisfy { $0 == expected }, "sizes \(sizes), expected \(expected)")
        #expect((sizes.last ?? 0) <= expected && (sizes.last ?? 0) >= 1)
        #expect(sizes.reduce(0, +) == items)
    }

    @Test func autoExamplesFromPython() {
        // Python: chunksize, extra = divmod(len(iterable), len(pool) * 4); if extra: chunksize += 1
        #expect(Self.autoSize(items: 100, workers: 3) == 9)
        var s = Scheduler(workers: [1, 2, 3])
        let sent = s.submit(0, items: 100, chunking: .auto)
        #expect(sent.sends.map(\.chunk.count) == [9, 9, 9])
    }

    @Test func autoCountsOnlyTheWorkersAllowedByMaxWorkers() {
        var s = Scheduler(workers: [1, 2, 3, 4])
        let sent = s.submit(0, items: 40, chunking: .auto, maxWorkers: 2)
        #expect(sent.sends.map(\.chunk.count) == [5, 5], "⌈40 / (4 × 2)⌉ = 5")
        #expect(sent.sends.map(\.rank) == [1, 2])
    }

    // MARK: .guided

    @Test func guidedShrinksToItsFloor() {
        var s = Scheduler(workers: [1, 2])
        var trace = Trace()
        trace.record(s.submit(0, items: 100, chunking: .guided(minimum: 10)), scheduler: s)
        drain(&s, trace: &trace)
        // ⌈remaining / 4⌉ but at least 10: 100→25, 75→19, 56→14, 42→11, 31→10, 21→10, 11→10, 1→1.
        #expect(chunkSizes(trace, submission: 0) == [25, 19, 14, 11, 10, 10, 10, 1])
    }

    @Test(arguments: [(100, 2, 1), (100, 3, 4), (1000, 4, 1), (1000, 4, 50), (37, 3, 2), (5, 8, 1), (64, 1, 3)])
    func guidedIsNonIncreasingAndRespectsTheMinimum(items: Int, workerCount: Int, minimum: Int) {
        var s = Scheduler(workers: Array(1...workerCount))
        var trace = Trace()
        trace.record(s.submit(0, items: items, chunking: .guided(minimum: minimum)), scheduler: s)
        drain(&s, trace: &trace, pick: { $0.last! })
        let sizes = chunkSizes(trace, submission: 0)
        #expect(sizes.reduce(0, +) == items)
        #expect(zip(sizes, sizes.dropFirst()).allSatisfy { $0 >= $1 }, "sizes \(sizes) must not grow")
        #expect(sizes.dropLast().allSatisfy { $0 >= minimum }, "sizes \(sizes) below the minimum \(minimum)")
        let share = 2 * workerCount
        #expect(sizes.first == min(items, max(minimum, (items + share - 1) / share)))
        // Every chunk is the share of what was left when it was cut.
        var remaining = items
        for size in sizes {
            #expect(size == min(remaining, max(minimum, (remaining + share - 1) / share)))
            remaining -= size
        }
    }

    // MARK: Prefetch

    @Test func noSecondChunkBeforeAnyResult() {
        var s = Scheduler(workers: [1, 2])
        _ = s.submit(0, items: 50, chunking: 1)
        _ = s.submit(1, items: 50, chunking: 1)
        #expect(s.inFlight[1]?.count == 1 && s.inFlight[2]?.count == 1)
        #expect(s.meanChunkNanos.isEmpty)
    }

    @Test func shortChunksGetASecondChunkInFlight() throws {
        var s = Scheduler(workers: [1, 2])
        _ = s.submit(0, items: 50, chunking: 1)
        let chunk = try #require(s.inFlight[1]?.first)
        let (_, decisions) = s.finished(chunk: chunk.id, on: 1, computeNanos: shortNanos)
        // Rank 1 refilled first, then a second chunk for every worker, in rank order.
        #expect(decisions.sends.map(\.rank) == [1, 1, 2])
        #expect(decisions.sends.map(\.chunk.first) == [2, 3, 4])
        #expect(s.inFlight[1]?.count == 2 && s.inFlight[2]?.count == 2)
        #expect(s.meanChunkNanos[.submission(0)] == Double(shortNanos))
    }

    @Test func longChunksAreNeverPrefetched() {
        var s = Scheduler(workers: [1, 2, 3])
        var trace = Trace()
        trace.record(s.submit(0, items: 40, chunking: 2), scheduler: s)
        drain(&s, trace: &trace, nanos: longNanos, pick: { $0[$0.count / 2] })
        #expect(trace.maxHeld == 1)
        #expect(trace.completions == [0])
    }

    @Test(arguments: [(4_999, true), (5_000, false), (5_001, false), (0, true)])
    func prefetchNeedsMeanStrictlyBelowTheThreshold(nanos: UInt64, prefetches: Bool) throws {
        var s = Scheduler(workers: [1], prefetchBelowNanos: 5_000)
        _ = s.submit(0, items: 10, chunking: 1)
        let chunk = try #require(s.inFlight[1]?.first)
        _ = s.finished(chunk: chunk.id, on: 1, computeNanos: nanos)
        #expect(s.inFlight[1]?.count == (prefetches ? 2 : 1))
    }

    @Test func aLongChunkMovesTheMeanAndStopsPrefetching() throws {
        var s = Scheduler(workers: [1])
        _ = s.submit(0, items: 10, chunking: 1)
        var chunk = try #require(s.inFlight[1]?.first)
        _ = s.finished(chunk: chunk.id, on: 1, computeNanos: 1_000)
        #expect(s.inFlight[1]?.count == 2)
        chunk = try #require(s.inFlight[1]?.first)
        _ = s.finished(chunk: chunk.id, on: 1, computeNanos: 1_000_000_000)
        // 0.8 × 1 000 + 0.2 × 1 000 000 000: far above 50 ms.
        #expect(s.meanChunkNanos[.submission(0)] == 0.8 * 1_000 + 0.2 * 1_000_000_000)
        #expect(s.inFlight[1]?.count == 1, "the finished chunk's place is not refilled by a prefetch")
    }

    @Test(arguments: [0, 1, 2, 3, 5])
    func prefetchDepthBoundsWhatAWorkerHolds(depth: Int) {
        var s = Scheduler(workers: [1, 2], prefetchDepth: depth)
        s.noteHandOff(1_000_000_000)  // a hand-off far longer than a chunk: as deep as allowed
        var trace = Trace()
        trace.record(s.submit(0, items: 200, chunking: 1), scheduler: s)
        drain(&s, trace: &trace, nanos: shortNanos)
        #expect(trace.maxHeld == max(1, depth))
        #expect(coverage(trace, submission: 0, items: 200) == Array(repeating: 1, count: 200))
    }

    /// A second chunk only while, after it, one more waits for every worker: the tail goes to
    /// whoever is free.
    @Test func prefetchesOnlyFromADeepQueue() throws {
        var s = Scheduler(workers: [1, 2])
        _ = s.submit(0, items: 6, chunking: 1)
        let first = try #require(s.inFlight[1]?.first)
        _ = s.finished(chunk: first.id, on: 1, computeNanos: shortNanos)
        #expect(s.inFlight[1]?.map(\.first) == [2, 3], "3 queued: rank 1 takes a second, 2 remain for the 2 workers")
        #expect(s.inFlight[2]?.map(\.first) == [1])
        #expect(s.itemsQueued == 2)
        let second = try #require(s.inFlight[2]?.first)
        _ = s.finished(chunk: second.id, on: 2, computeNanos: shortNanos)
        #expect(s.inFlight[2]?.map(\.first) == [4], "1 queued: the tail, no second chunk")
        #expect(s.itemsQueued == 1)
    }

    /// A worker whose chunk ran past its give-back time returns the one it held: that goes to an
    /// idle worker, whole, is not prefetched again, and the slow worker gets no second chunk.
    @Test func aReturnedChunkGoesToAnIdleWorkerAndTheSlowOneGetsNoSecond() throws {
        var s = Scheduler(workers: [1, 2])
        _ = s.submit(0, items: 6, chunking: 1)
        let first = try #require(s.inFlight[1]?.first)
        _ = s.finished(chunk: first.id, on: 1, computeNanos: shortNanos)
        let held = try #require(s.inFlight[1])
        #expect(held.count == 2)
        // Rank 2 finishes everything else and goes idle.
        while let c = s.inFlight[2]?.first { _ = s.finished(chunk: c.id, on: 2, computeNanos: shortNanos) }
        #expect(s.itemsQueued == 0 && s.inFlight[2] == [])
        let (returned, decisions) = s.returned(chunk: held[1].id, on: 1)
        #expect(returned == held[1])
        let sent = try #require(decisions.compactMap(\.sent).first)
        #expect(sent.rank == 2 && sent.chunk.first == held[1].first && sent.chunk.count == 1, "\(decisions)")
        #expect(s.inFlight[1] == [held[0]])
        _ = s.finished(chunk: sent.chunk.id, on: 2, computeNanos: shortNanos)
        // More short work: rank 1 (slow) gets no second chunk until its long one ends.
        _ = s.submit(1, items: 20, chunking: 1)
        let evidence = try #require(s.inFlight[2]?.first { $0.submission == 1 })
        _ = s.finished(chunk: evidence.id, on: 2, computeNanos: shortNanos)
        #expect(s.inFlight[1]?.count == 1, "the slow worker holds only its running chunk")
        _ = s.finished(chunk: held[0].id, on: 1, computeNanos: 50_000_000)
        #expect(s.inFlight[1]?.count == 2, "once it finished, it takes two again")
        #expect(s.returned(chunk: 999, on: 1).chunk == nil && s.returned(chunk: 0, on: 9).chunk == nil)
    }

    @Test func theGiveBackTimeIsFourMeansAtLeastTwoMillisecondsAndNeverForLongChunks() throws {
        var s = Scheduler(workers: [1])
        _ = s.submit(0, items: 10, chunking: 1)
        #expect(s.giveBackNanos(for: 0) == 0, "no evidence yet")
        var c = try #require(s.inFlight[1]?.first)
        _ = s.finished(chunk: c.id, on: 1, computeNanos: shortNanos)
        #expect(s.giveBackNanos(for: 0) == 2_000_000)
        _ = s.submit(1, items: 10, chunking: 1)
        while let next = s.inFlight[1]?.first(where: { $0.submission == 0 }) { _ = s.finished(chunk: next.id, on: 1, computeNanos: shortNanos) }
        c = try #require(s.inFlight[1]?.first)
        _ = s.finished(chunk: c.id, on: 1, computeNanos: 10_000_000)
        #expect(s.giveBackNanos(for: 1) == 40_000_000)
        c = try #require(s.inFlight[1]?.first)
        _ = s.finished(chunk: c.id, on: 1, computeNanos: longNanos)
        #expect(s.giveBackNanos(for: 1) == 4 * UInt64(0.8 * 10_000_000 + 0.2 * Double(longNanos)), "still under 50 ms on average")
        _ = s.finished(chunk: try #require(s.inFlight[1]?.first).id, on: 1, computeNanos: 10 * longNanos)
        #expect(s.giveBackNanos(for: 1) == 0, "over 50 ms on average: not prefetched, nothing to give back")
        #expect(s.giveBackNanos(for: 42) == 0)
    }

    /// When a hand-off takes longer than a chunk, a worker holds enough chunks to cover it
    /// (1 + ⌈hand-off ÷ mean chunk⌉, at least 2, at most `prefetchDepth`), each level only from
    /// a queue deep enough to give every worker as many.
    @Test(arguments: [(UInt64?.none, 2), (500, 2), (2_500, 4), (1_000_000, 8)])
    func theDepthCoversAHandOff(handOff: UInt64?, depth: Int) throws {
        var s = Scheduler(workers: [1])
        if let handOff { s.noteHandOff(handOff) }
        _ = s.submit(0, items: 100, chunking: 1)
        let first = try #require(s.inFlight[1]?.first)
        _ = s.finished(chunk: first.id, on: 1, computeNanos: 1_000)
        #expect(s.inFlight[1]?.count == depth)
        // Each level needs a deeper queue: after the cut, level L leaves L more for each of the 2 workers.
        var t = Scheduler(workers: [1, 2])
        t.noteHandOff(1_000_000)
        _ = t.submit(0, items: 14, chunking: 1)
        let c = try #require(t.inFlight[1]?.first)
        _ = t.finished(chunk: c.id, on: 1, computeNanos: 1_000)
        // 11 queued once rank 1 has its next: level 1 for both (10, 9 left), level 2 for both (8, 7),
        // level 3 for rank 1 only (6 ≥ 6; then 5 < 6), level 4 for none.
        #expect(t.inFlight[1]?.count == 4 && t.inFlight[2]?.count == 3 && t.itemsQueued == 6, "\(t.inFlight)")
    }

    @Test func evidenceIsPerSubmissionAndForgottenOnCompletion() throws {
        var s = Scheduler(workers: [1])
        var trace = Trace()
        trace.record(s.submit(0, items: 6, chunking: 1), scheduler: s)
        drain(&s, trace: &trace, nanos: shortNanos)
        #expect(trace.maxHeld == 2, "submission 0 proved short")
        #expect(trace.completions == [0])
        #expect(s.meanChunkNanos[.submission(0)] == nil, "evidence of a completed submission is dropped")
        // A new map of the same task starts without evidence: one chunk per worker.
        _ = s.submit(1, items: 6, chunking: 1)
        #expect(s.inFlight[1]?.count == 1)
    }

    @Test func singleItemSubmissionsShareTheirGroupsEvidence() throws {
        var s = Scheduler(workers: [1])
        _ = s.submit(0, items: 1, chunking: 1, statsGroup: 7)
        let chunk = try #require(s.inFlight[1]?.first)
        _ = s.finished(chunk: chunk.id, on: 1, computeNanos: shortNanos)
        #expect(s.meanChunkNanos[.group(7)] == Double(shortNanos))
        _ = s.submit(1, items: 1, chunking: 1, statsGroup: 7)
        _ = s.submit(2, items: 1, chunking: 1, statsGroup: 7)
        #expect(s.inFlight[1]?.map(\.submission) == [1], "one queued: the tail, not prefetched")
        _ = s.submit(3, items: 1, chunking: 1, statsGroup: 7)
        #expect(s.inFlight[1]?.map(\.submission) == [1, 2], "the group proved short and one more waits: prefetched")
        // Another group, or no group, has no evidence.
        var t = Scheduler(workers: [1])
        _ = t.submit(0, items: 1, chunking: 1, statsGroup: 7)
        let first = try #require(t.inFlight[1]?.first)
        _ = t.finished(chunk: first.id, on: 1, computeNanos: shortNanos)
        _ = t.submit(1, items: 1, chunking: 1, statsGroup: 8)
        _ = t.submit(2, items: 1, chunking: 1)
        #expect(t.inFlight[1]?.count == 1)
    }

    // MARK: Coverage tables

    static let chunkings: [ChunkSize] = [.fixed(1), .fixed(3), .fixed(7), .fixed(100), .auto, .guided(), .guided(minimum: 4)]

    @Test(arguments: chunkings, [1, 2, 10, 37, 101])
    func everyItemIsSentExactlyOnce(chunking: ChunkSize, items: Int) {
        for nanos in [shortNanos, longNanos] {
            var s = Scheduler(workers: [1, 2, 3])
            var rng = SplitMix64(seed: UInt64(items) &* 31 &+ nanos)
            var trace = Trace()
            trace.record(s.submit(0, items: items, chunking: chunking), scheduler: s)
            drain(&s, trace: &trace, nanos: nanos, pick: { $0.randomElement(using: &rng)! })
            #expect(coverage(trace, submission: 0, items: items) == Array(repeating: 1, count: items), "\(chunking) over \(items), \(nanos) ns")
            #expect(trace.sends.allSatisfy { $0.chunk.count >= 1 && $0.chunk.first >= 0 && $0.chunk.first + $0.chunk.count <= items })
            #expect(trace.completions == [0])
            #expect(Set(trace.returned.map(\.id)).count == trace.sends.count)
            #expect(s.isIdle && s.openSubmissions == 0 && s.itemsQueued == 0)
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func manyInterleavedSubmissionsAreEachCoveredOnce(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let workerCount = Int.random(in: 1...5, using: &rng)
        var s = Scheduler(workers: Array((1...workerCount).map { $0 * 2 }), prefetchDepth: Int.random(in: 1...3, using: &rng))
        var trace = Trace()
        var sizes: [Int: Int] = [:]
        var limits: [Int: Int] = [:]
        for submission in 0..<12 {
            let items = Int.random(in: 0...60, using: &rng)
            let chunking = Self.chunkings.randomElement(using: &rng)!
            let limit: Int? = Bool.random(using: &rng) ? Int.random(in: 1...workerCount, using: &rng) : nil
            sizes[submission] = items
            limits[submission] = limit
            trace.record(s.submit(submission, items: items, chunking: chunking, maxWorkers: limit), scheduler: s)
            // Finish a few chunks between submissions, at random, short or long.
            for _ in 0..<Int.random(in: 0...4, using: &rng) where s.chunksInFlight > 0 {
                let busy = s.inFlight.filter { !$0.value.isEmpty }.keys.sorted()
                let rank = busy.randomElement(using: &rng)!
                let chunk = s.inFlight[rank]!.randomElement(using: &rng)!
                let nanos = Bool.random(using: &rng) ? shortNanos : longNanos
                let (returned, decisions) = s.finished(chunk: chunk.id, on: rank, computeNanos: nanos)
                #expect(returned == chunk)
                trace.record(decisions, scheduler: s)
            }
        }
        drain(&s, trace: &trace, nanos: shortNanos, pick: { $0.randomElement(using: &rng)! })
        for (submission, items) in sizes {
            #expect(coverage(trace, submission: submission, items: items) == Array(repeating: 1, count: items), "submission \(submission)")
            if let limit = limits[submission] {
                let allowed = Set(s.workers.prefix(limit))
                #expect(trace.sends.filter { $0.chunk.submission == submission }.allSatisfy { allowed.contains($0.rank) })
            }
        }
        #expect(trace.completions.sorted() == Array(0..<12), "each submission completes exactly once")
        #expect(trace.maxHeld <= s.prefetchDepth)
        #expect(Set(trace.sends.map(\.chunk.id)).count == trace.sends.count, "chunk ids are unique")
        #expect(s.isIdle && s.openSubmissions == 0)
    }
}
