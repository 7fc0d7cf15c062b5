import Foundation
import Testing

/// Helpers for the program tests (sleepjobs, sumvalues, countwords).
enum Programs {
    /// The fixture folder committed for the tests (outside any target, so SwiftPM ignores it).
    static let fixtures = Launcher.packageRoot.appendingPathComponent("Tests/Fixtures")

    /// Runs a Python snippet and returns its stdout (Python is the independent reference).
    static func python(_ code: String, _ arguments: [String] = []) throws -> String {
        let outcome = try Launcher.run("python3", ["-c", code] + arguments, timeout: 120)
        guard outcome.status == 0 else { throw ProgramTestError("python3 failed: \(outcome)") }
        return outcome.stdout
    }

    /// `count` durations `maxSeconds * random.random()` after `random.seed(seed)`, by CPython itself.
    static func pythonDurations(count: Int, seed: Int, maxSeconds: Double) throws -> [Double] {
        let text = try python("import random, sys; random.seed(int(sys.argv[1])); print(*[float(sys.argv[3]) * random.random() for _ in range(int(sys.argv[2]))])",
                              [String(seed), String(count), String(maxSeconds)])
        return text.split(whereSeparator: \.isWhitespace).map { Double($0)! }
    }

    /// A fresh path in the temporary folder.
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("mpipool-\(UUID().uuidString)-\(name)").path
    }

    /// The first capture groups of `pattern` in each line that matches it.
    static func matches(_ lines: [String], _ pattern: String) throws -> [[String]] {
        let regex = try NSRegularExpression(pattern: pattern)
        return lines.compactMap { line in
            let range = NSRange(line.startIndex..., in: line)
            guard let m = regex.firstMatch(in: line, range: range) else { return nil }
            return (1..<m.numberOfRanges).map { i in
                Range(m.range(at: i), in: line).map { String(line[$0]) } ?? ""
            }
        }
    }

    /// The value printed after `label` in a `{:>25s} {:12.4f}` summary line.
    static func summary(_ outcome: Outcome, _ label: String) -> Double? {
        for line in outcome.lines where line.trimmingCharacters(in: .whitespaces).hasPrefix(label) {
            let rest = line.trimmingCharacters(in: .whitespaces).dropFirst(label.count)
            if let value = rest.split(separator: " ").first.flatMap({ Double($0) }) { return value }
        }
        return nil
    }
}

/// One row of the "Total time spent in each process" table.
struct TableRow: Equatable {
    var number: Int
    var rank: Int
    var pid: Int
    var seconds: Double
    var jobs: [Int]

    /// The rows of the table printed in `outcome`.
    static func parse(_ outcome: Outcome) throws -> [TableRow] {
        let rows = try Programs.matches(outcome.lines,
            #"^Process\s+(\d+) \(rank\s+(\d+), pid\s+(\d+)\)\s+([0-9.]+)\(s\)\s+(\d+) job\(s\) \(([0-9, ]*)\)"#)
        return rows.map { g in
            let ids = g[5].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            return TableRow(number: Int(g[0])!, rank: Int(g[1])!, pid: Int(g[2])!, seconds: Double(g[3])!, jobs: ids)
        }
    }
}

struct ProgramTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
