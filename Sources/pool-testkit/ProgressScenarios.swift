import MPIPool
import PoolCLI

extension Scenarios {
    /// Progress displays under `PoolOptions(progress: .lines)`, on stderr (the test reads it):
    /// a map of 5 (the pool's default style), a map of 7 with `progress: .off` (nothing), an imap over
    /// 30 naps of 0.12 s from a lazy input of unknown length (a count and a rate, no total; over a
    /// second, so lines come while it runs), an imap over an array of 6 (total known), an
    /// `AsyncSequence` imap of 4 (no total), and a `mapAsync` of 9 awaited with `value`.
    static func progressShown(_ t: TestTasks) throws {
        try Pool.run(t.registry, options: PoolOptions(progress: .lines)) { pool in
            value("progress.map", list(try pool.map(t.square, over: 1...5)))
            value("progress.mapOff", list(try pool.map(t.square, over: 1...7, progress: .off)))
            var napped = 0
            let naps = try pool.imapUnordered(t.nap, over: (0..<30).lazy.filter { _ in true }.map { _ in 0.12 })
            while try naps.next() != nil { napped += 1 }
            value("progress.imapUnknown", napped)
            var squares: [Int] = []
            let known = try pool.imap(t.square, over: Array(1...6), chunkSize: 2)
            while let s = try known.next() { squares.append(s) }
            value("progress.imapKnown", list(squares))
            let streamed = try blocking { () async throws -> [Int] in
                let stream = AsyncStream<Int> { c in
                    for i in 1...4 { c.yield(i) }
                    c.finish()
                }
                var out: [Int] = []
                for try await x in try pool.imap(t.square, over: stream) { out.append(x) }
                return out
            }
            value("progress.imapAsync", list(streamed))
            let awaited = try blocking { try await pool.mapAsync(t.square, over: 1...9, chunkSize: 3).value }
            value("progress.mapAsyncValue", list(awaited))
        }
    }
}
