#if canImport(Glibc)
import Glibc
#endif
import Logging
import MPIPool
import PoolCLI

/// A `LogHandler` that keeps every message it is sent (the test's window on the library's logging).
struct CollectingLogHandler: LogHandler {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
        var source: String
    }

    let entries: Box<[Entry]>
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let entry = Entry(level: event.level, message: "\(event.message)",
                          metadata: metadata.merging(event.metadata ?? [:]) { _, new in new }, source: event.source)
        entries.update { $0.append(entry) }
    }
}

extension Scenarios {
    /// A map of 6 items in chunks of 2 with `PoolOptions(logger:)`: a collecting logger at the level
    /// MPIPOOL_TEST_LOG_LEVEL names (default `trace`; `MPIPOOL_TRACE=1` may lower it). Prints, on rank 0,
    /// what reached it: the scheduling decisions (count, levels, text, metadata), the warnings, the sources.
    static func logged(_ t: TestTasks) throws {
        let name = getenv("MPIPOOL_TEST_LOG_LEVEL").map { String(cString: $0) } ?? "trace"
        let level = Logger.Level(rawValue: name) ?? .trace
        let entries = Box<[CollectingLogHandler.Entry]>([])
        let logger = Logger(label: "testkit") { _ in CollectingLogHandler(entries: entries, logLevel: level) }
        try Pool.run(t.registry, options: PoolOptions(logger: logger)) { pool in
            value("logger.map", list(try pool.map(t.square, over: 1...6, chunkSize: 2)))
        }
        guard isSpeaker else { return }
        let got = entries.get()
        let sends = got.filter { $0.message.hasPrefix("trace: send chunk ") }
        let dones = got.filter { $0.message.hasPrefix("trace: done chunk ") }
        value("logger.sends", sends.count)
        value("logger.dones", dones.count)
        value("logger.decisionLevels", Set((sends + dones).map(\.level.rawValue)).sorted().joined(separator: ","))
        // Each decision's metadata names its chunk, submission, items and rank, as its text does.
        let consistent = (sends + dones).allSatisfy { entry in
            guard let chunk = entry.metadata["chunk"], let submission = entry.metadata["submission"],
                  let items = entry.metadata["items"], let rank = entry.metadata["rank"] else { return false }
            return entry.message.contains("chunk \(chunk) (submission \(submission) items \(items))")
                && entry.message.hasSuffix("rank \(rank)")
        }
        value("logger.metadataMatchesText", consistent)
        if let first = sends.first {
            value("logger.firstSend", first.message)
            value("logger.firstSendMetadata", first.metadata.keys.sorted().map { "\($0)=\(first.metadata[$0]!)" }.joined(separator: ";"))
        }
        value("logger.warnings", got.filter { $0.level == .warning }.map(\.message).joined(separator: " | "))
        value("logger.sources", Set(got.map(\.source)).sorted().joined(separator: ","))
    }
}
