import Testing
@testable import MPIPool

/// Chunks that end without results: retried elsewhere, or an item past its timeout
/// with its worker stuck until it rejoins.
@Suite struct SchedulerRequeueTests {
    @Test func aRetriedChunkGoesToAnotherWorkerAtTheFrontOfTheQueue() throws {
        var s = Scheduler(workers: [1, 2])
        let first = s.submit(0, items: 4, chunking: 1)
        #expect(first.sentRanges == [SentRange(0, 0..<1, 1), SentRange(0, 1..<2, 2)])
        let onOne = try #require(s.inFlight[1]?.first)
        // Rank 1's item fails and is retried: it is queued before items 2 and 3, but not for rank 1.
        let (_, retried) = s.requeue(chunk: onOne.id, on: 1, failedOffset: nil, stuck: false)
        #expect(retried.sentRanges == [SentRange(0, 2..<3, 1)], "rank 1 takes the next item, not its own failure")
        let onTwo = try #require(s.inFlight[2]?.first)
        let (_, next) = s.finished(chunk: onTwo.id, on: 2, computeNanos: longNanos)
        #expect(next.sentRanges == [SentRange(0, 0..<1, 2)], "the retried item goes first, to the other worker")
    }

    @Test func aTimedOutItemFailsTheRestOfItsChunkRunsElsewhereAndItsWorkerIsStuckUntilItRejoins() throws {
        var s = Scheduler(workers: [1, 2])
        _ = s.submit(0, items: 8, chunking: 4)
        let chunk = try #require(s.inFlight[1]?.first)   // items 0..<4 on rank 1
        let onTwo = try #require(s.inFlight[2]?.first)   // items 4..<8 on rank 2
        // Item 1 of rank 1's chunk overruns: items 0, 2, 3 go back to the queue; rank 1 gets nothing.
        let (_, afterTimeout) = s.requeue(chunk: chunk.id, on: 1, failedOffset: 1, stuck: true)
        #expect(afterTimeout.sends.isEmpty, "rank 2 is busy and rank 1 is stuck")
        #expect(s.stuckRanks == [1])
        #expect(s.itemsQueued == 3)
        let (_, afterTwo) = s.finished(chunk: onTwo.id, on: 2, computeNanos: longNanos)
        #expect(afterTwo.sentRanges == [SentRange(0, 0..<1, 2)])
        let piece = try #require(s.inFlight[2]?.first)
        let (_, more) = s.finished(chunk: piece.id, on: 2, computeNanos: longNanos)
        #expect(more.sentRanges == [SentRange(0, 2..<4, 2)])
        // Rank 1's task returns: it rejoins, but nothing is left for it.
        #expect(s.rejoined(1).isEmpty)
        #expect(s.stuckRanks.isEmpty)
        let last = try #require(s.inFlight[2]?.first)
        let (_, end) = s.finished(chunk: last.id, on: 2, computeNanos: longNanos)
        #expect(end.completions == [0], "7 items ran and the timed-out one counts as finished")
    }

    @Test func chunksPrefetchedToAWorkerThatGetsStuckAreHandedToTheOthers() throws {
        var s = Scheduler(workers: [1, 2])
        // Prove the task short (single-item submissions share their group's evidence), so workers hold a second chunk.
        _ = s.submit(0, items: 1, chunking: 1, statsGroup: 9)
        _ = s.submit(1, items: 1, chunking: 1, statsGroup: 9)
        for rank in [1, 2] {
            let c = try #require(s.inFlight[rank]?.first)
            _ = s.finished(chunk: c.id, on: rank, computeNanos: shortNanos)
        }
        // Six more: deep enough (after a second chunk, one more each) for ranks 1 and 2 to prefetch.
        for submission in 2...7 { _ = s.submit(submission, items: 1, chunking: 1, statsGroup: 9) }
        let held = try #require(s.inFlight[1])
        #expect(held.count == 2, "rank 1 holds a prefetched chunk")
        let (_, decisions) = s.requeue(chunk: held[0].id, on: 1, failedOffset: 0, stuck: true)
        #expect(decisions.completions == [held[0].submission], "the timed-out single item completes its submission")
        #expect(s.inFlight[1] == [], "the prefetched chunk left the stuck worker")
        #expect(s.itemsQueued == 3, "it waits, with the two never sent, for rank 2")
    }

    @Test func anUnknownChunkOrRankIsIgnored() {
        var s = Scheduler(workers: [1])
        _ = s.submit(0, items: 1, chunking: 1)
        #expect(s.requeue(chunk: 99, on: 1, failedOffset: nil, stuck: true).chunk == nil)
        #expect(s.requeue(chunk: 0, on: 7, failedOffset: nil, stuck: true).chunk == nil)
        #expect(s.stuckRanks.isEmpty)
        #expect(s.rejoined(7).isEmpty)
    }
}
