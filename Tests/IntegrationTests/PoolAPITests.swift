import Foundation
import Testing

/// The user-facing API of the pool, under real `mpirun -n 4 --oversubscribe` (rank 0 master,
/// ranks 1…3 workers). Each test launches one `pool-testkit` scenario, bounded by a timeout,
/// and checks the values it printed. Serialized: parallel mpirun jobs on 2 cores make timing flaky.
@Suite(.serialized)
struct PoolAPITests {
    @Test func mapStarmapApplyAndAsyncFormsReturnPythonResults() throws {
        let run = try ScenarioRun.shared("basics")
        run.expectClean()
        let squares = (1...10).map { String($0 * $0) }.joined(separator: ",")
        run.expect("basics.workerCount", "3")
        run.expect("basics.map", squares)
        run.expect("basics.mapChunk3", squares)
        run.expect("basics.mapAsync", "0,1,4,9,16")
        run.expect("basics.starmap", "12,14,16,18,20")
        run.expect("basics.starmapAsync", "12,14,16,18,20")
        run.expect("basics.apply", "42")
        run.expect("basics.applyAsync", "144")
        #expect([1, 2, 3].contains(run.ints("basics.applyNoArguments")?.first ?? -1), "\(run)")
        run.expect("basics.threeArguments", "49")
        run.expect("basics.string", "HÉLLO!")
        run.expect("basics.bigReady", "true")
        run.expect("basics.bigProgress", "100/100")
        run.expect("basics.bigSum", "\((0..<100).reduce(0) { $0 + $1 * $1 })")
        run.expect("basics.bigAwaited", "100")
        run.expect("basics.statsRanks", "1,2,3")
        run.expect("basics.statsTasksPositive", "true")
        run.expect("basics.statsPidsDistinct", "true")
        run.expect("basics.statsHostsKnown", "true")
    }

    @Test func getWithTimeoutThrowsAfterTheTimeoutAndTheTaskGoesOn() throws {
        let run = try ScenarioRun.shared("basics")
        run.expectClean()
        run.expect("basics.successfulBeforeReady", "error:notReady")
        run.expect("basics.progressBeforeReady", "0/1")
        run.expect("basics.getTimeout", "error:timeout")
        // ≈ 0.3 s (the timeout), well before the 1 s task ends.
        let waited = try #require(run.number("basics.getTimeoutSeconds"), "\(run)")
        #expect(waited >= 0.25 && waited < 0.9, "get(timeout: 0.3) returned after \(waited) s")
        run.expect("basics.readyAfterTimeout", "false")
        run.expect("basics.waitTimeoutShort", "false")
        // The task went on: a later get() returns its value (the rank that ran it).
        let later = try #require(run["basics.laterGet"])
        #expect(["value:1", "value:2", "value:3"].contains(later), "later get(): \(later)")
        #expect((run.number("basics.slowTotalSeconds") ?? 0) >= 0.95, "\(run)")
        run.expect("basics.successfulAfter", "value:true")
        run.expect("basics.progressAfter", "1/1")
        run.expect("basics.waitTimeoutReady", "true")
    }

    @Test func callbacksRunOnOneMasterThreadInCompletionOrderBeforeReady() throws {
        let run = try ScenarioRun.shared("callbacks")
        run.expectClean()
        // Tasks of 0.6, 0.2 and 0.4 s on three workers complete as 1, 2, 0.
        run.expect("callbacks.order", "1,2,0")
        run.expect("callbacks.finishedWhenReady", "true")
        run.expect("callbacks.readyInsideCallback", "false,false,false")
        run.expect("callbacks.maxConcurrent", "1")
        run.expect("callbacks.threadCount", "1")
        run.expect("callbacks.offMainThread", "true")
        run.expect("callbacks.rankInCallback", "0")
        run.expect("callbacks.manyCounter", "63") // 30 maps of 2 items, plus add(1, 2)
        run.expect("callbacks.manyMaxConcurrent", "1")
        run.expect("callbacks.manyThreadCount", "1")
        run.expect("callbacks.applyCallbackSignalled", "true")
        run.expect("callbacks.errorCallback", "TaskError.threw")
    }

    @Test func emptyInputsReturnEmptyResultsAtOnceForEveryForm() throws {
        let run = try ScenarioRun.shared("empty")
        run.expectClean()
        run.expect("empty.allEmpty", "true")
        run.expect("empty.forms", "38") // 5 sizes × 5 map forms + 3 sizes × 4 imap forms + the AsyncSequence map
        run.expectAll(withPrefix: "empty.callbackRan.", "true")
        #expect((run.number("empty.seconds") ?? 99) < 2, "\(run)")
        run.expect("empty.runReturned.rank0", "42")
        for rank in 1...3 { run.expect("empty.runReturned.rank\(rank)", "nil") }
    }

    @Test func imapYieldsInOrderAndImapUnorderedAsCompletedEachOnce() throws {
        let run = try ScenarioRun.shared("imap")
        run.expectClean()
        run.expect("imap.ordered", "0,1,2,3,4,5,6,7,8")
        let unordered = try #require(run.ints("imap.unordered"), "\(run)")
        #expect(unordered.sorted() == Array(0..<9), "every item exactly once: \(unordered)")
        #expect(unordered != Array(0..<9) && unordered.first != 0, "not in completion order: \(unordered)")
        run.expect("imap.chunkedOk", "true")
        run.expect("imap.unorderedChunkedOnce", "true")
        run.expect("imap.failingItem", "0,1,4,TaskError.threw,16,25")
    }

    @Test func imapPullsOnlyAWindowOfChunksAhead() throws {
        let run = try ScenarioRun.shared("imap")
        run.expectClean()
        for form in ["imap", "imapUnordered"] {
            run.expect("lazy.\(form).beforeFirst", "0")
            // window 2 × chunk 5
            let first = try #require(run.ints("lazy.\(form).afterFirst")?.first, "\(run)")
            #expect(first <= 15, "\(form) pulled \(first) items for the first result")
            let ahead = try #require(run.ints("lazy.\(form).maxAhead")?.first, "\(run)")
            #expect(ahead <= 15, "\(form) ran \(ahead) items ahead of the consumer")
            run.expect("lazy.\(form).pullsAtEnd", "3000")
            run.expect("lazy.\(form).correct", "true")
        }
        // Default window: 4 chunks per worker × 3 workers × chunk 4 = 48.
        let first = try #require(run.ints("lazy.defaultWindow.afterFirst")?.first, "\(run)")
        #expect(first <= 4 * 3 * 4 + 4, "pulled \(first) with the default window")
    }

    @Test func asyncInputThatThrowsYieldsEarlierResultsThenRethrows() throws {
        let run = try ScenarioRun.shared("imap")
        run.expectClean()
        for form in ["imap", "imapUnordered"] {
            run.expect("asyncInput.\(form).yielded", "0,1,4,9,16,25,36")
            run.expect("asyncInput.\(form).error", "StreamFailure")
        }
        run.expect("asyncInput.syncNext", "error:invalidArgument")
        run.expect("asyncInput.cleanOk", "true")
        run.expect("asyncInput.map", "error:StreamFailure")
        run.expect("asyncInput.mapClean", "0,1,4,9,16,25")
    }

    @Test func swiftConcurrencyFormsAndCancellingTheAwaitingTaskCancelsPendingWork() throws {
        let run = try ScenarioRun.shared("async")
        run.expectClean()
        run.expect("async.map", "1,4,9,16,25")
        run.expect("async.mapAuto", "1,4,9,16,25,36,49")
        run.expect("async.starmap", "5,7,9")
        run.expect("async.apply", "5")
        run.expect("async.imapUnorderedOnce", "true")
        run.expect("async.imapOrder", "0,1,2")
        run.expect("async.futureValue", "81")
        run.expect("async.asyncResultValue", "0,1,4,9")
        run.expect("async.applyError", "TaskError.threw")
        // Every worker runs a 1 s blocker meanwhile: the cancelled work was pending, and is cancelled.
        run.expect("async.cancelOutcome", "error:cancelled")
        run.expect("async.cancelledResultReady", "true")
        run.expect("async.cancelledGet", "error:cancelled")
        run.expect("async.cancelMap", "error:cancelled")
        run.expect("async.cancelFutureValue", "error:cancelled")
        run.expect("async.futureCancelled", "true")
        run.expect("async.blockersStillRunning", "true")
        #expect((run.number("async.cancelSeconds") ?? 99) < 0.9, "\(run)")
        run.expect("async.servesAfterCancel", "25")
    }

    @Test func chunkSizesFixedAutoAndGuidedAsTraced() throws {
        let run = try ScenarioRun.shared("chunking")
        run.expectClean()
        let chunks = TracedChunk.parse(run.outcome.stderr)
        #expect(!chunks.isEmpty, "no trace lines: \(run)")
        let cases: [(String, [Int])] = [
            ("fixed7", ExpectedChunks.fixed(7, items: 100)),
            ("literal10", ExpectedChunks.fixed(10, items: 100)),
            // Python: divmod(100, 3 * 4) = (8, 4) → chunksize 9: eleven chunks of 9 and one of 1.
            ("auto", Array(repeating: 9, count: 11) + [1]),
            ("guided", ExpectedChunks.guided(items: 100, workers: 3, minimum: 1)),
            ("guided4", ExpectedChunks.guided(items: 100, workers: 3, minimum: 4)),
            ("auto5", ExpectedChunks.auto(items: 5, workers: 3)),
            ("auto13", ExpectedChunks.auto(items: 13, workers: 3)),
            ("fixedBig", [100]),
            ("limitedAuto", ExpectedChunks.auto(items: 100, workers: 1)),
            ("starGuided", ExpectedChunks.guided(items: 50, workers: 3, minimum: 2)),
        ]
        for (name, expected) in cases {
            run.expect("chunk.\(name).correct", "true")
            let submission = try #require(run.ints("chunk.\(name).submission")?.first, "\(name): \(run)")
            let sent = chunks.filter { $0.submission == submission }
            #expect(sent.map(\.count) == expected, "\(name): sizes \(sent.map(\.count)), expected \(expected)")
            // Contiguous, in order, covering every item once.
            var next = 0
            for chunk in sent {
                #expect(chunk.first == next, "\(name): chunk \(chunk) does not start at \(next)")
                next = chunk.end
            }
            #expect(next == expected.reduce(0, +), "\(name): covered 0..<\(next)")
            if name == "limitedAuto" { #expect(Set(sent.map(\.rank)) == [1], "limited to one worker: \(sent)") }
            else { #expect(Set(sent.map(\.rank)).isSubset(of: [1, 2, 3]), "\(sent)") }
        }
    }
}
