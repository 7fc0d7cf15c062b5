import Foundation
import Testing

/// sumvalues-mpi under real mpirun: the sums, the timer lines, the log file, and amdahl.
@Suite(.serialized) struct SumValuesTests {
    /// The sum 1…x, by the formula (the program loops).
    static func gauss(_ x: Int) -> Int { x * (x + 1) / 2 }

    /// The `[a, b, c]` line the program prints.
    static func printedList(_ outcome: Outcome) throws -> [Int] {
        let line = try #require(outcome.lines.first { $0.hasPrefix("[") && $0.hasSuffix("]") }, "\(outcome)")
        return line.dropFirst().dropLast().split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! }
    }

    /// Timer lines `HH:MM:SS| label = seconds`, as (label, seconds).
    static func timerLines(_ lines: [String]) throws -> [(label: String, seconds: Double)] {
        try Programs.matches(lines, #"^\d\d:\d\d:\d\d\| (.+) = (\d+\.\d{8})$"#).map { ($0[0], Double($0[1])!) }
    }

    @Test(arguments: ["map", "apply-async", "callback", "over-time"])
    func everyModeSumsEveryValueAndLogsItsTimers(mode: String) throws {
        let log = Programs.temporaryPath("sumvalues.log")
        defer { try? FileManager.default.removeItem(atPath: log) }
        let count = mode == "over-time" ? 3 : 10
        var arguments = ["--mode", mode, "--start", "10000", "--count", "\(count)", "--log", log]
        if mode == "over-time" { arguments += ["--pause", "0.05"] }
        let outcome = try Launcher.mpirun(3, "sumvalues-mpi", arguments)
        #expect(outcome.status == 0, "\(outcome)")
        let values = try Self.printedList(outcome)
        let expected = (10000..<10000 + count).map(Self.gauss)
        if mode == "map" || mode == "apply-async" {
            #expect(values == expected, "in input order")
        } else {
            #expect(values.sorted() == expected, "in completion order")
        }
        let timers = try Self.timerLines(outcome.lines)
        let labels = timers.map(\.label)
        #expect(labels.last == "Finished: ")
        #expect(timers.map(\.seconds) == timers.map(\.seconds).sorted(), "elapsed times only grow")
        switch mode {
        case "callback": #expect(Array(labels.prefix(2)) == ["Before For loop", "After For loop"])
        case "apply-async": #expect(labels.first == "After apply_async")
        case "over-time":
            #expect(labels.filter { $0.hasPrefix("Added sum_all_values(") }.count == count)
            #expect(labels.filter { $0.hasPrefix("Result of sum_all_values(") }.count == count)
        default: #expect(labels == ["Finished: "])
        }
        let logged = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(logged == outcome.lines.filter { (try? Self.timerLines([$0]).count == 1) ?? false }, "the log holds the same timer lines")
        #expect(outcome.lines.contains("All \(count) sums equal x(x+1)/2."))
    }

    @Test func theSeedsRangeGivesTheSeedsSums() throws {
        let outcome = try Launcher.mpirun(4, "sumvalues-mpi", ["--mode", "apply-async", "--start", "10000", "--count", "10"])
        #expect(try Self.printedList(outcome) == [50005000, 50015001, 50025003, 50035006, 50045010, 50055015, 50065021, 50075028, 50085036, 50095045])
    }

    @Test func chunkedMapTableCountsEveryValueOnce() throws {
        let outcome = try Launcher.mpirun(3, "sumvalues-mpi", ["--start", "5000", "--count", "12", "--chunksize", "5", "--table"])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(try Self.printedList(outcome) == (5000..<5012).map(Self.gauss))
        let rows = try TableRow.parse(outcome)
        #expect(rows.flatMap(\.jobs).sorted() == Array(0..<12))
        for row in rows { #expect(Set(row.jobs.map { $0 / 5 }).count * 5 >= row.jobs.count, "whole chunks of 5") }
    }

    @Test func amdahlMeasuresEachWorkerCountFitsAndPlots() throws {
        let plot = Programs.temporaryPath("amdahl.svg")
        defer { try? FileManager.default.removeItem(atPath: plot) }
        let outcome = try Launcher.mpirun(4, "sumvalues-mpi", ["amdahl", "--start", "200000", "--count", "6", "--plot", plot], timeout: 120)
        #expect(outcome.status == 0, "\(outcome)")
        let rows = try Programs.matches(outcome.lines, #"^\s+(\d+)\s+([0-9.]+)\s+([0-9.]+)\s+(\d+)%"#)
        #expect(rows.map { Int($0[0])! } == [1, 2, 3])
        #expect(rows.first?[2] == "1.00", "speed-up with one worker is 1")
        let fit = try #require(try Programs.matches(outcome.lines, #"parallel fraction p = ([0-9.]+)"#).first)
        let p = try #require(Double(fit[0]))
        #expect(p >= 0 && p <= 1)
        #expect(outcome.lines.contains { $0.hasPrefix("Predicted limit 1/(1 - p) = ") })
        let cores = ProcessInfo.processInfo.activeProcessorCount
        #expect(outcome.lines.contains { $0.hasPrefix("Note: this host has \(cores) cores") } == (3 > cores),
                "the note appears exactly when workers exceed cores")
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        #expect(svg.hasPrefix("<?xml"))
        #expect(svg.components(separatedBy: "class=\"point\"").count - 1 == 3, "one point per worker count")
        #expect(svg.components(separatedBy: "class=\"line\"").count - 1 == 2, "fitted curve and ideal line")
    }

    @Test func amdahlMaxWorkersLimitsTheSweep() throws {
        let outcome = try Launcher.mpirun(4, "sumvalues-mpi", ["amdahl", "--start", "1000", "--count", "4", "--max-workers", "2"])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(try Programs.matches(outcome.lines, #"^\s+(\d+)\s+[0-9.]+\s+[0-9.]+\s+\d+%"#).map { Int($0[0])! } == [1, 2])
    }

    @Test func unwritableLogIsAnErrorNamingTheFile() throws {
        let outcome = try Launcher.mpirun(3, "sumvalues-mpi", ["--count", "2", "--start", "10", "--log", "/nonexistent-dir/x.log"])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("/nonexistent-dir/x.log"), "\(outcome)")
    }

    @Test(arguments: [["--help"], ["amdahl", "--help"], ["help", "amdahl"], ["run", "-h"]])
    func helpIsPrintedOnceAndExitsZero(arguments: [String]) throws {
        let outcome = try Launcher.mpirun(3, "sumvalues-mpi", arguments, timeout: 30)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.lines.filter { $0.hasPrefix("USAGE: sumvalues-mpi") }.count == 1, "\(outcome)")
    }

    @Test(arguments: [["--count", "0"], ["--mode", "callback", "--chunksize", "2"], ["amdahl", "--max-workers", "0"],
                      ["--start", "4000000000"], ["--pause", "-1"], ["--mode", "callback", "--progress", "lines"], ["--progress", "often"]])
    func badFlagsExitWith64(arguments: [String]) throws {
        let outcome = try Launcher.mpirun(3, "sumvalues-mpi", arguments, timeout: 30)
        #expect(outcome.status == 64, "\(outcome)")
        #expect(!outcome.lines.contains { $0.hasPrefix("[") })
    }

    /// Values at the edges are refused by `validate()` on every rank before MPI starts: a count that
    /// would make the master allocate without bound, start + count past 64-bit sums, NaN, infinite or
    /// negative pauses. Exit 64, one message naming the flag, at once.
    @Test(arguments: [
        (["--count", "1000000000000"], "--count"), (["--start", "0", "--count", "3000000000"], "--count"),
        (["--count", "-1"], "--count"), (["--start", "-5"], "--start"), (["--start", String(Int.max)], "--start"),
        (["--start", "3037000000", "--count", "1000"], "--start + --count"),
        (["--pause", "nan"], "--pause"), (["--pause", "1e300"], "--pause"), (["--pause", "inf"], "--pause"),
        (["--mode", "over-time", "--pause=-1"], "--pause"), (["--chunksize", "100000000"], "--chunksize"),
        (["amdahl", "--count", "20000000"], "--count"), (["amdahl", "--repeats", "0"], "--repeats"),
        (["amdahl", "--repeats", "1000000000"], "--repeats"), (["amdahl", "--start", "-1"], "--start"),
    ])
    func extremeValuesAreRefusedBeforeAnySumStarts(arguments: [String], flag: String) throws {
        let outcome = try Launcher.mpirun(3, "sumvalues-mpi", arguments, timeout: 30)
        #expect(!outcome.timedOut && outcome.status == 64, "\(outcome)")
        #expect(outcome.seconds < 20, "nothing allocated first: \(outcome)")
        let errors = outcome.errorLines.filter { $0.hasPrefix("Error:") }
        #expect(errors.count == 1 && errors[0].contains(flag), "one message, by rank 0, naming \(flag): \(outcome)")
        #expect(!outcome.lines.contains { $0.hasPrefix("[") || $0.hasPrefix("sum_all_values(x)") || $0.hasPrefix("Amdahl:") })
    }

    @Test func aSecondRunWithTheJournalResumesEveryValueAndOtherValuesAreRefused() throws {
        let journal = FileManager.default.temporaryDirectory.appendingPathComponent("mpipool-sumvalues-\(UUID().uuidString).journal").path
        defer { try? FileManager.default.removeItem(atPath: journal) }
        let arguments = ["--mode", "map", "--start", "10000", "--count", "10", "--chunksize", "3", "--journal", journal]
        let first = try Launcher.mpirun(3, "sumvalues-mpi", arguments)
        #expect(first.status == 0 && first.lines.contains("journal \(journal): resumed 0 of 10 values, computed 10"), "\(first)")
        let second = try Launcher.mpirun(3, "sumvalues-mpi", arguments)
        #expect(second.status == 0 && second.lines.contains("journal \(journal): resumed 10 of 10 values, computed 0"), "\(second)")
        let sums = first.lines.first { $0.hasPrefix("[") }
        #expect(sums != nil && sums == second.lines.first { $0.hasPrefix("[") }, "the same sums: \(second)")
        var other = arguments
        other[3] = "10001"
        let third = try Launcher.mpirun(3, "sumvalues-mpi", other)
        #expect(third.status != 0, "\(third)")
        #expect(third.errorLines.contains { $0.hasPrefix("Error: journal mismatch: the journal '\(journal)' holds map 1 with other arguments") }, "\(third)")
        let wrongMode = try Launcher.mpirun(2, "sumvalues-mpi", ["--mode", "callback", "--journal", journal])
        #expect(wrongMode.status == 64, "\(wrongMode)")
    }
}
