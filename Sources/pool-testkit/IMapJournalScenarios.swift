#if canImport(Glibc)
import Glibc
#endif
import MPIPool

extension Scenarios {
    /// Journaled imaps (ordered, unordered, and iterated with `for try await`), chunks of 4 over
    /// MPIPOOL_TEST_ITEMS items (default 40), each run noted in `<prefix>-ran`; item 30 fails
    /// while `<prefix>-fail` exists. MPIPOOL_TEST_CHANGE=k gives item k another argument.
    /// Prints each map's results by position (a value, or the error at that place).
    static func journaledIMap(_ t: TestTasks) throws {
        let r = ReliabilityTasks()
        let environment = { (name: String, fallback: String) in getenv(name).map { String(cString: $0) } ?? fallback }
        let path = environment("MPIPOOL_TEST_JOURNAL", "/tmp/mpipool-imap-journal")
        let prefix = environment("MPIPOOL_TEST_PREFIX", "/tmp/mpipool-imap-journal-marks")
        let items = Int(environment("MPIPOOL_TEST_ITEMS", "40")) ?? 40
        let changed = Int(environment("MPIPOOL_TEST_CHANGE", "-1")) ?? -1
        // A lazy input: the imap cannot know its length.
        let inputs = (0..<items).lazy.map { i in (i == changed ? prefix + "-changed" : prefix, i) }
        try Pool.run(r.registry) { pool in
            let journal = try Journal(path: path)
            value("imapj.torn", journal.tornBytes)
            let ordered = try pool.imap(r.counted, over: inputs, chunkSize: 4, journal: journal, key: "ordered")
            value("imapj.ordered", drain { try ordered.next() })
            let unordered = try pool.imapUnordered(r.counted, over: inputs, chunkSize: 3, journal: journal, key: "unordered")
            value("imapj.unordered", drain(sorted: true) { try unordered.next() })
            let task = r.counted, asyncInputs = Array(inputs)
            value("imapj.async", try blocking { () async throws -> String in
                // `for try await` over an asynchronous input.
                let stream = AsyncStream<(String, Int)> { continuation in
                    for input in asyncInputs { continuation.yield(input) }
                    continuation.finish()
                }
                let iterated = try pool.imap(task, over: stream, chunkSize: 5, journal: journal, key: "async")
                var all: [String] = []
                while true {
                    do {
                        guard let v = try await iterated.nextAsync() else { break }
                        all.append(String(v))
                    } catch let error as PoolError {
                        if case .journalMismatch = error { all.append("mismatch:\(error)"); break }
                        all.append("error:\(errorName(error))")
                    } catch {
                        all.append("error:\(errorName(error))")
                    }
                }
                return all.joined(separator: ",")
            })
            value("imapj.resumed", journal.resumedItems)
            // The same key for a map of the other kind is refused.
            value("imapj.kind", (thrown { _ = try pool.map(r.counted, over: [(prefix, 0)], journal: journal, key: "ordered") })
                .map { "\($0)" } ?? "none")
        }
    }

    /// Every result of `next` as `v,v,error:Name,v…` (iteration goes on after an item's error;
    /// a journal mismatch ends it), optionally sorted (the values; errors last).
    private static func drain(sorted: Bool = false, _ next: () throws -> Int?) -> String {
        var values: [Int] = [], errors: [String] = [], all: [String] = []
        while true {
            do {
                guard let v = try next() else { break }
                values.append(v)
                all.append(String(v))
            } catch let error as PoolError {
                if case .journalMismatch = error { errors.append("mismatch:\(error)"); all.append("mismatch:\(error)"); break }
                errors.append("error:\(errorName(error))"); all.append("error:\(errorName(error))")
            } catch {
                errors.append("error:\(errorName(error))"); all.append("error:\(errorName(error))")
            }
        }
        return sorted ? (values.sorted().map(String.init) + errors).joined(separator: ",") : all.joined(separator: ",")
    }
}
