import MPIPool

/// Counts how many items a lazy input handed out.
final class PullCounter: Sendable {
    let pulls = Box(0)
    /// A lazy sequence of 0..<n that counts every element pulled.
    func source(_ n: Int) -> LazyMapSequence<Range<Int>, Int> {
        let pulls = self.pulls
        return (0..<n).lazy.map { i in pulls.update { $0 += 1 }; return i }
    }
}

/// Thrown by the asynchronous inputs after some items.
struct StreamFailure: Error, CustomStringConvertible {
    var description: String { "StreamFailure" }
}

extension Scenarios {
    /// imap / imapUnordered: order, laziness, failing items, AsyncSequence inputs that throw.
    static func imap(_ t: TestTasks) throws {
        try Pool.run(t.registry) { pool in
            // Completion order differs from input order: item 2 finishes first.
            let items = [(0, 400), (1, 300), (2, 150), (3, 50), (4, 50), (5, 50), (6, 50), (7, 50), (8, 50)]
            var ordered: [Int] = []
            let inOrder = try pool.imap(t.echoAfter, over: items)
            while let x = try inOrder.next() { ordered.append(x) }
            value("imap.ordered", list(ordered))
            var unordered: [Int] = []
            let asCompleted = try pool.imapUnordered(t.echoAfter, over: items)
            while let x = try asCompleted.next() { unordered.append(x) }
            value("imap.unordered", list(unordered))

            var squares: [Int] = []
            let chunked = try pool.imap(t.square, over: 0..<50, chunkSize: 3)
            while let x = try chunked.next() { squares.append(x) }
            value("imap.chunkedOk", squares == (0..<50).map { $0 * $0 })
            var unorderedSquares: [Int] = []
            let chunkedU = try pool.imapUnordered(t.square, over: 0..<50, chunkSize: 4)
            while let x = try chunkedU.next() { unorderedSquares.append(x) }
            value("imap.unorderedChunkedOnce", unorderedSquares.sorted() == (0..<50).map { $0 * $0 })

            // Laziness: with window 2 and chunks of 5, the first result needs only 2 × 5 items pulled.
            for (name, ordered) in [("imap", true), ("imapUnordered", false)] {
                let counter = PullCounter()
                let results = ordered
                    ? try pool.imap(t.square, over: counter.source(3000), chunkSize: 5, window: 2)
                    : try pool.imapUnordered(t.square, over: counter.source(3000), chunkSize: 5, window: 2)
                value("lazy.\(name).beforeFirst", counter.pulls.get())
                var got = [try results.next()!]
                value("lazy.\(name).afterFirst", counter.pulls.get())
                var maxAhead = 0
                while let x = try results.next() {
                    got.append(x)
                    maxAhead = max(maxAhead, counter.pulls.get() - got.count)
                }
                value("lazy.\(name).maxAhead", maxAhead)
                value("lazy.\(name).pullsAtEnd", counter.pulls.get())
                let expected = (0..<3000).map { $0 * $0 }
                value("lazy.\(name).correct", ordered ? got == expected : got.sorted() == expected)
            }
            let counter = PullCounter()
            let defaultWindow = try pool.imap(t.square, over: counter.source(1000), chunkSize: 4)
            _ = try defaultWindow.next()
            value("lazy.defaultWindow.afterFirst", counter.pulls.get())
            value("lazy.defaultWindowPerWorker", Pool.defaultWindowPerWorker)

            // A failing item throws at its place; iteration goes on after it.
            var seen: [String] = []
            let failing = try pool.imap(t.job, over: (0..<6).map { ($0, 0, $0 == 3) })
            while true {
                do {
                    guard let x = try failing.next() else { break }
                    seen.append("\(x)")
                } catch {
                    seen.append(errorName(error))
                }
            }
            value("imap.failingItem", seen.joined(separator: ","))

            // An AsyncThrowingStream that throws after 7 items: the 7 results first, then its error.
            for (name, ordered) in [("imap", true), ("imapUnordered", false)] {
                let (yielded, error) = try blocking { () async throws -> ([Int], String) in
                    let stream = AsyncThrowingStream<Int, any Error> { c in
                        for i in 0..<7 { c.yield(i) }
                        c.finish(throwing: StreamFailure())
                    }
                    let results = ordered ? try pool.imap(t.square, over: stream, chunkSize: 2)
                                          : try pool.imapUnordered(t.square, over: stream, chunkSize: 2)
                    var yielded: [Int] = []
                    do {
                        for try await x in results { yielded.append(x) }
                        return (yielded, "none")
                    } catch {
                        return (yielded, "\(error)")
                    }
                }
                value("asyncInput.\(name).yielded", list(ordered ? yielded : yielded.sorted()))
                value("asyncInput.\(name).error", error)
            }
            // next() on an AsyncSequence input is refused rather than blocking.
            let streamed = try pool.imap(t.square, over: AsyncThrowingStream<Int, any Error> { $0.finish() })
            value("asyncInput.syncNext", outcome { try streamed.next() })

            // A clean AsyncSequence input, all items.
            let asyncSquares = try blocking { () async throws -> [Int] in
                let stream = AsyncStream<Int> { c in
                    for i in 0..<20 { c.yield(i) }
                    c.finish()
                }
                var out: [Int] = []
                for try await x in try pool.imap(t.square, over: stream, chunkSize: 3) { out.append(x) }
                return out
            }
            value("asyncInput.cleanOk", asyncSquares == (0..<20).map { $0 * $0 })

            // map over a throwing AsyncSequence rethrows its error.
            let mapped = try blocking { () async throws -> String in
                let stream = AsyncThrowingStream<Int, any Error> { c in
                    for i in 0..<5 { c.yield(i) }
                    c.finish(throwing: StreamFailure())
                }
                do { return "value:\(try await pool.map(t.square, over: stream))" } catch { return "error:\(error)" }
            }
            value("asyncInput.map", mapped)
            let mappedClean = try blocking { () async throws -> [Int] in
                let stream = AsyncStream<Int> { c in
                    for i in 0..<6 { c.yield(i) }
                    c.finish()
                }
                return try await pool.map(t.square, over: stream, chunkSize: 2)
            }
            value("asyncInput.mapClean", list(mappedClean))
        }
    }
}
