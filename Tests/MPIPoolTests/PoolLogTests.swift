import Logging
import Synchronization
import Testing
@testable import MPIPool

/// A `LogHandler` that keeps what it is sent.
private struct Collector: LogHandler {
    final class Store: Sendable {
        let events = Mutex<[LogEvent]>([])
    }
    let store: Store
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { store.events.withLock { $0.append(event) } }
}

/// How `PoolOptions(logger:)` and `tracesScheduling` decide what is logged, and what a decision carries.
/// Serialized: the process has one logger (set by `Pool.run`, here by `PoolLog.install`).
@Suite(.serialized) struct PoolLogTests {
    private func logger(_ level: Logger.Level) -> (Logger, Collector.Store) {
        let store = Collector.Store()
        return (Logger(label: "test") { _ in Collector(store: store, logLevel: level) }, store)
    }

    @Test func theDefaultLoggerPrintsDecisionsOnlyWhenTracing() {
        defer { _ = PoolLog.install(PoolOptions()) }
        if !PoolOptions().tracesScheduling {  // MPIPOOL_TRACE unset in the test's environment
            #expect(PoolLog.install(PoolOptions()).tracesScheduling == false)
            #expect(PoolLog.logger.logLevel == .info)
        }
        #expect(PoolLog.install(PoolOptions(tracesScheduling: true)).tracesScheduling)
        #expect(PoolLog.logger.logLevel == .trace)
        #expect(PoolLog.logger.label == "MPIPool")
    }

    @Test func aCustomLoggerAtTraceOrDebugGetsTheDecisionsWithoutTracesScheduling() {
        defer { _ = PoolLog.install(PoolOptions()) }
        guard !PoolOptions().tracesScheduling else { return }  // MPIPOOL_TRACE set: every logger is lowered
        for (level, traced) in [(Logger.Level.trace, true), (.debug, true), (.info, false), (.warning, false)] {
            let (custom, _) = logger(level)
            #expect(PoolLog.install(PoolOptions(logger: custom)).tracesScheduling == traced, "\(level)")
            #expect(PoolLog.logger.logLevel == level, "the logger keeps its level")
        }
    }

    @Test func tracesSchedulingLowersACustomLoggerToTrace() {
        defer { _ = PoolLog.install(PoolOptions()) }
        let (custom, store) = logger(.info)
        let resolved = PoolLog.install(PoolOptions(tracesScheduling: true, logger: custom))
        #expect(resolved.tracesScheduling)
        #expect(PoolLog.logger.logLevel == .trace)
        PoolLog.decision(.trace, "trace: done chunk 0 (submission 0 items 0..<1) from rank 1",
                         chunk: Scheduler.Chunk(id: 0, submission: 0, first: 0, count: 1), rank: 1)
        #expect(store.events.withLock { $0.count } == 1)
    }

    @Test func aDecisionCarriesItsTextLevelAndTheChunksFactsAsMetadata() throws {
        defer { _ = PoolLog.install(PoolOptions()) }
        let (custom, store) = logger(.trace)
        _ = PoolLog.install(PoolOptions(logger: custom))
        let chunk = Scheduler.Chunk(id: 3, submission: 1, first: 5, count: 5)
        PoolLog.decision(.trace, "trace: send \(chunk) to rank 2", chunk: chunk, rank: 2)
        PoolLog.decision(.debug, "trace: rank 2 rejoined", rank: 2)
        PoolLog.warning("MPIPool: no worker ranks (run without mpirun, or with -n 1): rank 0 runs every task itself")
        let events = store.events.withLock { $0 }
        try #require(events.count == 3)
        #expect(events[0].level == .trace)
        #expect("\(events[0].message)" == "trace: send chunk 3 (submission 1 items 5..<10) to rank 2")
        #expect(events[0].metadata?["chunk"] == "3")
        #expect(events[0].metadata?["submission"] == "1")
        #expect(events[0].metadata?["items"] == "5..<10")
        #expect(events[0].metadata?["rank"] == "2")
        #expect(events[0].source == "MPIPool")
        #expect(events[1].level == .debug && events[1].metadata?["chunk"] == nil && events[1].metadata?["rank"] == "2")
        #expect(events[2].level == .warning && "\(events[2].message)".hasPrefix("MPIPool: no worker ranks"))
    }

    @Test func aLoggerAtDebugIsNotSentTheTraceLevelDecisions() {
        defer { _ = PoolLog.install(PoolOptions()) }
        guard !PoolOptions().tracesScheduling else { return }
        let (custom, store) = logger(.debug)
        _ = PoolLog.install(PoolOptions(logger: custom))
        let chunk = Scheduler.Chunk(id: 1, submission: 0, first: 0, count: 2)
        PoolLog.decision(.trace, "trace: send \(chunk) to rank 1", chunk: chunk, rank: 1)
        PoolLog.decision(.debug, "trace: retry \(chunk) (item 0 failed on rank 1)", chunk: chunk, rank: 1)
        #expect(store.events.withLock { $0.map(\.level) } == [.debug])
    }
}
