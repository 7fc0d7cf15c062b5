import Testing
@testable import MPIPool

/// The scheduler's transitions, driven with plain values: no MPI, no clocks.
@Suite struct SchedulerTests {
    // MARK: Cutting and order

    @Test func chunksFiveGoToThreeWorkersThenFirstFinisher() throws {
        var s = Scheduler(workers: [1, 2, 3])
        let add = s.submit(0, items: 10, chunking: 5)
        let product = s.submit(1, items: 10, chunking: 5)
        #expect(add.sentRanges == [SentRange(0, 0..<5, 1), SentRange(0, 5..<10, 2)])
        #expect(product.sentRanges == [SentRange(1, 0..<5, 3)])
        #expect(add.completions.isEmpty && product.completions.isEmpty)
        #expect(s.itemsQueued == 5)

        // Rank 2 finishes first: the last chunk goes to it, not to rank 1.
        let rank2Chunk = try #require(s.inFlight[2]?.first)
        let (returned, decisions) = s.finished(chunk: rank2Chunk.id, on: 2, computeNanos: longNanos)
        #expect(returned == rank2Chunk)
        #expect(decisions.sentRanges == [SentRange(1, 5..<10, 2)])
        #expect(decisions.completions.isEmpty, "submission 0 still has a chunk on rank 1")
        #expect(s.itemsQueued == 0)
        #expect(s.chunksInFlight == 3)
        // Chunk ids follow the sends: 0, 1, 2, then 3.
        #expect((add + product + decisions).sends.map(\.chunk.id) == [0, 1, 2, 3])
    }

    @Test func chunksAreCutInOrderAndContiguous() {
        var s = Scheduler(workers: [1])
        var trace = Trace()
        trace.record(s.submit(7, items: 23, chunking: 4), scheduler: s)
        drain(&s, trace: &trace)
        let ranges = trace.sends.map { $0.chunk.first..<$0.chunk.first + $0.chunk.count }
        #expect(ranges == [0..<4, 4..<8, 8..<12, 12..<16, 16..<20, 20..<23])
        #expect(trace.sends.allSatisfy { $0.chunk.submission == 7 && $0.rank == 1 })
        #expect(trace.completions == [7])
    }

    @Test func queuedChunksAreServedFIFOAcrossSubmissions() {
        var s = Scheduler(workers: [1])
        var trace = Trace()
        for submission in [10, 11, 12] { trace.record(s.submit(submission, items: 3, chunking: 2), scheduler: s) }
        drain(&s, trace: &trace)
        #expect(trace.sends.map(\.chunk.submission) == [10, 10, 11, 11, 12, 12])
        #expect(trace.sends.map(\.chunk.first) == [0, 2, 0, 2, 0, 2])
        #expect(trace.completions == [10, 11, 12])
    }

    @Test func workersAreSortedAndIdleOnesServedInRankOrder() throws {
        var s = Scheduler(workers: [4, 2, 3, 1])
        #expect(s.workers == [1, 2, 3, 4])
        // Ranks 1 and 2 busy; 3 and 4 idle.
        let first = s.submit(0, items: 2, chunking: 1)
        #expect(first.sends.map(\.rank) == [1, 2])
        // Rank 1 frees up: now 1, 3 and 4 are idle, and a new submission reaches them in rank order.
        let chunk = try #require(s.inFlight[1]?.first)
        let finished = s.finished(chunk: chunk.id, on: 1, computeNanos: longNanos)
        #expect(finished.decisions.sends.isEmpty, "nothing queued")
        let second = s.submit(1, items: 5, chunking: 1)
        #expect(second.sends.map(\.rank) == [1, 3, 4])
        #expect(second.sends.map(\.chunk.first) == [0, 1, 2])
        #expect(s.itemsQueued == 2)
    }

    @Test func rankZeroCanBeAWorkerAndComesFirst() {
        var s = Scheduler(workers: [2, 0, 1])
        let decisions = s.submit(0, items: 5, chunking: 1)
        #expect(decisions.sends.map(\.rank) == [0, 1, 2])
        #expect(s.inFlight.keys.sorted() == [0, 1, 2])
    }

    /// Submitting an id that is still open is a precondition failure: the process stops.
    @Test func submittingAnOpenIDTwiceStopsTheProcess() async {
        await #expect(processExitsWith: .failure) {
            var s = Scheduler(workers: [1])
            _ = s.submit(0, items: 1, chunking: 1)
            _ = s.submit(0, items: 1, chunking: 1)
        }
    }

    @Test func aCompletedIDMayBeSubmittedAgain() {
        var s = Scheduler(workers: [1])
        #expect(s.submit(0, items: 0, chunking: 1) == [.completed(submission: 0)])
        #expect(s.submit(0, items: 0, chunking: 1) == [.completed(submission: 0)])
    }

    @Test func oneWorkerHoldsOneChunkUntilItsFirstResult() {
        var s = Scheduler(workers: [1, 2])
        let decisions = s.submit(0, items: 100, chunking: 1)
        #expect(decisions.sends.map(\.rank) == [1, 2])
        #expect(s.inFlight[1]?.count == 1 && s.inFlight[2]?.count == 1)
        #expect(s.itemsQueued == 98)
    }

    // MARK: Matching results

    @Test func resultsAreMatchedToTheirSubmissionAndRange() {
        var s = Scheduler(workers: [1, 2, 3])
        var sent: [UInt64: (Scheduler.Chunk, Int)] = [:]
        for d in s.submit(0, items: 4, chunking: 2) + s.submit(1, items: 3, chunking: 2) {
            if let (chunk, rank) = d.sent { sent[chunk.id] = (chunk, rank) }
        }
        // Finish in the reverse order of sending; every chunk comes back as it was sent.
        var pending = sent.keys.sorted(by: >)
        while let id = pending.first {
            pending.removeFirst()
            let (chunk, rank) = sent[id]!
            let (returned, decisions) = s.finished(chunk: id, on: rank, computeNanos: longNanos)
            #expect(returned == chunk)
            for case let (newChunk, newRank)? in decisions.map(\.sent) {
                sent[newChunk.id] = (newChunk, newRank)
                pending.append(newChunk.id)
            }
        }
        let covered = sent.values.map { "\($0.0.submission):\($0.0.first)+\($0.0.count)" }.sorted()
        #expect(covered == ["0:0+2", "0:2+2", "1:0+2", "1:2+1"])
        #expect(s.isIdle)
    }

    @Test func unknownChunkIDIsIgnored() throws {
        var s = Scheduler(workers: [1, 2])
        _ = s.submit(0, items: 4, chunking: 1)
        let before = (s.inFlight, s.itemsQueued, s.openSubmissions)
        let unknown = s.finished(chunk: 999, on: 1, computeNanos: shortNanos)
        #expect(unknown.chunk == nil && unknown.decisions.isEmpty)
        // A real id reported by the wrong rank is not that rank's chunk.
        let onRank1 = try #require(s.inFlight[1]?.first)
        let wrongRank = s.finished(chunk: onRank1.id, on: 2, computeNanos: shortNanos)
        #expect(wrongRank.chunk == nil && wrongRank.decisions.isEmpty)
        for rank in [42, 0, -1, Int.max] {
            let notAWorker = s.finished(chunk: onRank1.id, on: rank, computeNanos: shortNanos)
            #expect(notAWorker.chunk == nil && notAWorker.decisions.isEmpty, "rank \(rank)")
        }
        #expect(s.inFlight == before.0 && s.itemsQueued == before.1 && s.openSubmissions == before.2)
        #expect(s.meanChunkNanos.isEmpty, "ignored reports are no evidence")
        // The same chunk reported twice counts once.
        let first = s.finished(chunk: onRank1.id, on: 1, computeNanos: longNanos)
        #expect(first.chunk == onRank1)
        let again = s.finished(chunk: onRank1.id, on: 1, computeNanos: longNanos)
        #expect(again.chunk == nil && again.decisions.isEmpty)
    }

    // MARK: Completion

    @Test func completedIsEmittedExactlyOnceAfterTheLastChunk() {
        var s = Scheduler(workers: [1, 2])
        var trace = Trace()
        trace.record(s.submit(3, items: 9, chunking: 2), scheduler: s)
        var completedAfter: [Int] = []
        var finishedChunks = 0
        while s.chunksInFlight > 0 {
            let rank = s.inFlight.filter { !$0.value.isEmpty }.keys.max()!
            let chunk = s.inFlight[rank]![0]
            let (_, decisions) = s.finished(chunk: chunk.id, on: rank, computeNanos: longNanos)
            finishedChunks += 1
            trace.record(decisions, scheduler: s)
            if !decisions.completions.isEmpty { completedAfter.append(finishedChunks) }
        }
        #expect(trace.completions == [3])
        #expect(completedAfter == [5], "9 items in chunks of 2 make 5 chunks; completion comes with the 5th")
        #expect(s.openSubmissions == 0)
        #expect(s.isIdle)
    }

    @Test func emptySealedSubmissionCompletesAtOnce() {
        var s = Scheduler(workers: [1, 2])
        #expect(s.submit(5, items: 0, chunking: 3) == [.completed(submission: 5)])
        #expect(s.openSubmissions == 0 && s.isIdle && s.chunksInFlight == 0)
        #expect(s.submit(6, items: 0, chunking: .auto) == [.completed(submission: 6)])
        #expect(s.submit(7, items: 0, chunking: .guided()) == [.completed(submission: 7)])
    }

    @Test func openSubmissionCompletesOnlyAfterSeal() throws {
        var s = Scheduler(workers: [1])
        #expect(s.submit(0, items: 0, chunking: 1, sealed: false).isEmpty)
        #expect(s.openSubmissions == 1)
        let extended = s.extend(0, from: 0, items: 2, chunking: 2)
        #expect(extended.sentRanges == [SentRange(0, 0..<2, 1)])
        let chunk = try #require(s.inFlight[1]?.first)
        let done = s.finished(chunk: chunk.id, on: 1, computeNanos: longNanos)
        #expect(done.decisions.isEmpty, "not sealed: more items may follow")
        let more = s.extend(0, from: 2, items: 3, chunking: 2)
        #expect(more.sentRanges == [SentRange(0, 2..<4, 1)])
        #expect(s.seal(0).isEmpty, "items still outstanding")
        var trace = Trace()
        drain(&s, trace: &trace)
        #expect(trace.sends.map(\.chunk.first) == [4])
        #expect(trace.completions == [0])
        // Sealing an unknown or finished submission, or extending a finished one, does nothing.
        let resealed = s.seal(0), unknown = s.seal(99), lateExtension = s.extend(0, from: 5, items: 1, chunking: 1)
        #expect(resealed.isEmpty && unknown.isEmpty && lateExtension.isEmpty)
        #expect(s.isIdle && s.itemsQueued == 0)
    }

    @Test func sealAfterEverythingFinishedCompletesThere() throws {
        var s = Scheduler(workers: [1])
        _ = s.submit(0, items: 1, chunking: 1, sealed: false)
        let chunk = try #require(s.inFlight[1]?.first)
        let done = s.finished(chunk: chunk.id, on: 1, computeNanos: longNanos)
        #expect(done.decisions.isEmpty)
        let sealed = s.seal(0)
        #expect(sealed == [.completed(submission: 0)])
        let sealedAgain = s.seal(0)
        #expect(sealedAgain.isEmpty)
    }

    // MARK: Cancel and terminate

    @Test func cancelDropsQueuedItemsOnly() throws {
        var s = Scheduler(workers: [1])
        _ = s.submit(0, items: 20, chunking: 5)
        _ = s.submit(1, items: 4, chunking: 2)
        let (dropped, decisions) = s.cancel(0)
        #expect(dropped == 15)
        #expect(decisions.isEmpty, "the chunk on rank 1 still runs")
        #expect(s.itemsQueued == 4, "submission 1 keeps its items")
        var trace = Trace()
        drain(&s, trace: &trace)
        #expect(trace.returned.first.map { "\($0.submission):\($0.first)+\($0.count)" } == "0:0+5")
        #expect(trace.sends.allSatisfy { $0.chunk.submission == 1 }, "nothing more of submission 0 is sent")
        #expect(trace.completions == [0, 1])
        #expect(s.isIdle && s.openSubmissions == 0)
    }

    @Test func cancellingAFullyQueuedSubmissionCompletesItAtOnce() {
        var s = Scheduler(workers: [1])
        _ = s.submit(0, items: 1, chunking: 1)
        _ = s.submit(1, items: 10, chunking: 3)
        let (dropped, decisions) = s.cancel(1)
        #expect(dropped == 10)
        #expect(decisions == [.completed(submission: 1)])
        #expect(s.itemsQueued == 0)
        // Cancelling again, or an unknown submission, drops nothing.
        let again = s.cancel(1), unknown = s.cancel(77)
        #expect(again.dropped == 0 && again.decisions.isEmpty)
        #expect(unknown.dropped == 0 && unknown.decisions.isEmpty)
        var trace = Trace()
        drain(&s, trace: &trace)
        #expect(trace.sends.isEmpty && trace.completions == [0])
    }

    @Test func cancelledOpenSubmissionIsSealed() throws {
        var s = Scheduler(workers: [1])
        _ = s.submit(0, items: 3, chunking: 1, sealed: false)
        let cancelled = s.cancel(0)
        #expect(cancelled.dropped == 2 && cancelled.decisions.isEmpty)
        let chunk = try #require(s.inFlight[1]?.first)
        let done = s.finished(chunk: chunk.id, on: 1, computeNanos: longNanos)
        #expect(done.decisions == [.completed(submission: 0)])
    }

    @Test func dropAllQueuedEmptiesTheQueueAndNamesTheSubmissions() {
        var s = Scheduler(workers: [1, 2])
        _ = s.submit(4, items: 2, chunking: 1)     // both chunks sent, nothing queued
        _ = s.submit(9, items: 6, chunking: 2)     // all queued
        _ = s.submit(2, items: 1, chunking: 1)     // queued
        #expect(s.itemsQueued == 7)
        #expect(s.dropAllQueued() == [2, 9])
        #expect(s.itemsQueued == 0)
        #expect(s.chunksInFlight == 2)
        var trace = Trace()
        drain(&s, trace: &trace)
        #expect(trace.sends.isEmpty, "nothing left to send")
        #expect(trace.completions == [4], "only the submission whose items all ran completes")
        #expect(s.isIdle)
        let droppedAgain = s.dropAllQueued()
        #expect(droppedAgain.isEmpty)
    }

    // MARK: maxWorkers

    @Test func maxWorkersOneOnlyEverUsesTheLowestRank() {
        var s = Scheduler(workers: [1, 2, 3])
        var trace = Trace()
        trace.record(s.submit(0, items: 12, chunking: 1, maxWorkers: 1), scheduler: s)
        trace.record(s.submit(1, items: 4, chunking: 1), scheduler: s)
        // Short chunks too: prefetching must not break the limit.
        drain(&s, trace: &trace, nanos: shortNanos, pick: { $0.last! })
        #expect(trace.sends.filter { $0.chunk.submission == 0 }.allSatisfy { $0.rank == 1 })
        #expect(coverage(trace, submission: 0, items: 12) == Array(repeating: 1, count: 12))
        #expect(Set(trace.sends.filter { $0.chunk.submission == 1 }.map(\.rank)).isSubset(of: [1, 2, 3]))
        #expect(trace.sends.prefix(3).map(\.rank) == [1, 2, 3], "ranks 2 and 3 take the unlimited submission meanwhile")
        #expect(trace.completions.sorted() == [0, 1])
    }

    @Test(arguments: [(0, [1]), (1, [1]), (2, [1, 2]), (3, [1, 2, 3]), (10, [1, 2, 3])])
    func maxWorkersLimitsToTheFirstRanks(maxWorkers: Int, allowed: [Int]) {
        var s = Scheduler(workers: [1, 2, 3])
        var trace = Trace()
        trace.record(s.submit(0, items: 30, chunking: 1, maxWorkers: maxWorkers), scheduler: s)
        #expect(trace.sends.map(\.rank) == allowed, "the first dispatch fills exactly the allowed ranks")
        drain(&s, trace: &trace, pick: { $0.last! })
        #expect(Set(trace.sends.map(\.rank)) == Set(allowed))
        #expect(coverage(trace, submission: 0, items: 30) == Array(repeating: 1, count: 30))
    }

    // MARK: ChunkSize

    @Test func chunkSizeValidatesAndDescribesItself() {
        #expect(throws: PoolError.self) { try ChunkSize.fixed(0).validate() }
        #expect(throws: PoolError.self) { try ChunkSize.fixed(-3).validate() }
        #expect(throws: PoolError.self) { try ChunkSize.guided(minimum: 0).validate() }
        #expect(throws: Never.self) { try ChunkSize.fixed(1).validate() }
        #expect(throws: Never.self) { try ChunkSize.auto.validate() }
        #expect(throws: Never.self) { try ChunkSize.guided().validate() }
        let literal: ChunkSize = 7
        #expect(literal == .fixed(7))
        #expect(ChunkSize.guided() == .guided(minimum: 1))
        #expect(["\(ChunkSize.fixed(5))", "\(ChunkSize.auto)", "\(ChunkSize.guided(minimum: 3))"] == ["5", "auto", "guided(min 3)"])
    }

    @Test func chunkDescriptionIsWhatTheTracePrints() {
        let chunk = Scheduler.Chunk(id: 3, submission: 1, first: 5, count: 5)
        #expect(chunk.description == "chunk 3 (submission 1 items 5..<10)")
    }
}
