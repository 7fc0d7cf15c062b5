import Foundation
import Synchronization
import Testing

/// One launch of `pool-testkit --scenario NAME` under `mpirun -n 4 --oversubscribe`, with its
/// `check name=value` lines parsed.
struct ScenarioRun: CustomStringConvertible {
    let name: String
    let outcome: Outcome
    let checks: [String: String]

    init(_ name: String, timeout: Double = 60, environment: [String: String] = [:]) throws {
        self.name = name
        outcome = try Launcher.mpirun(4, "pool-testkit", ["--scenario", name], timeout: timeout, environment: environment)
        var checks: [String: String] = [:]
        for line in outcome.lines where line.hasPrefix("check ") {
            let body = line.dropFirst("check ".count)
            guard let eq = body.firstIndex(of: "=") else { continue }
            checks[String(body[..<eq])] = String(body[body.index(after: eq)...])
        }
        self.checks = checks
    }

    subscript(_ key: String) -> String? { checks[key] }

    private static let launched = Mutex<[String: ScenarioRun]>([:])

    /// The scenario's run, launched once per test process and shared by the tests that check it
    /// (each mpirun start costs time; several tests assert on different lines of one run).
    static func shared(_ name: String, timeout: Double = 60) throws -> ScenarioRun {
        if let run = launched.withLock({ $0[name] }) { return run }
        let run = try ScenarioRun(name, timeout: timeout)
        launched.withLock { $0[name] = run }
        return run
    }

    /// A printed number of seconds (or any double).
    func number(_ key: String) -> Double? { checks[key].flatMap(Double.init) }

    /// A printed comma-separated list of integers.
    func ints(_ key: String) -> [Int]? {
        guard let text = checks[key] else { return nil }
        if text.isEmpty { return [] }
        let parts = text.split(separator: ",").compactMap { Int($0) }
        return parts.count == text.split(separator: ",").count ? parts : nil
    }


    var description: String { "scenario \(name): \(outcome)" }

    /// The launch ended normally: exit 0, in time, `done NAME` printed.
    func expectClean(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!outcome.timedOut, "timed out: \(self)", sourceLocation: sourceLocation)
        #expect(outcome.status == 0, "\(self)", sourceLocation: sourceLocation)
        #expect(outcome.lines.contains("done \(name)"), "no `done \(name)` line: \(self)", sourceLocation: sourceLocation)
    }

    /// Expects `key` printed exactly `expected`.
    func expect(_ key: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(checks[key] == expected, "\(key): got \(checks[key] ?? "<missing>"), expected \(expected)", sourceLocation: sourceLocation)
    }

    /// Expects every key with `prefix` to be `value` (and at least one such key).
    func expectAll(withPrefix prefix: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let keys = checks.keys.filter { $0.hasPrefix(prefix) }
        #expect(!keys.isEmpty, "no checks named \(prefix)…", sourceLocation: sourceLocation)
        for key in keys.sorted() {
            #expect(checks[key] == expected, "\(key): got \(checks[key]!), expected \(expected)", sourceLocation: sourceLocation)
        }
    }
}

/// One `trace: send chunk N (submission S items A..<B) to rank R` line.
struct TracedChunk: Equatable {
    let chunk: Int
    let submission: Int
    let first: Int
    let end: Int
    let rank: Int
    var count: Int { end - first }

    /// The sent chunks in the order the trace printed them.
    static func parse(_ stderr: String) -> [TracedChunk] {
        let pattern = /trace: send chunk (\d+) \(submission (\d+) items (\d+)\.\.<(\d+)\) to rank (\d+)/
        return stderr.split(separator: "\n").compactMap { line in
            guard let m = line.firstMatch(of: pattern) else { return nil }
            return TracedChunk(chunk: Int(m.1)!, submission: Int(m.2)!, first: Int(m.3)!, end: Int(m.4)!, rank: Int(m.5)!)
        }
    }
}

/// The chunk sizes the pool should cut, in order.
enum ExpectedChunks {
    static func fixed(_ size: Int, items: Int) -> [Int] {
        stride(from: 0, to: items, by: size).map { min(size, items - $0) }
    }

    /// Python's heuristic: ⌈n / (4 × workers)⌉.
    static func auto(items: Int, workers: Int) -> [Int] {
        fixed((items + 4 * workers - 1) / (4 * workers), items: items)
    }

    /// ⌈remaining / (2 × workers)⌉, never below `minimum`.
    static func guided(items: Int, workers: Int, minimum: Int) -> [Int] {
        var sizes: [Int] = []
        var remaining = items
        while remaining > 0 {
            let size = min(remaining, max(minimum, (remaining + 2 * workers - 1) / (2 * workers)))
            sizes.append(size)
            remaining -= size
        }
        return sizes
    }
}
