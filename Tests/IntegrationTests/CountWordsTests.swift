import Foundation
import Testing

/// countwords-mpi under real mpirun, checked word by word against an independent Python count.
@Suite(.serialized) struct CountWordsTests {
    static let corpus = Programs.fixtures.appendingPathComponent("corpus").path
    static let counter = Programs.fixtures.appendingPathComponent("count_words.py").path

    /// `word<TAB>count` lines as a dictionary.
    static func parseCounts(_ text: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t")
            if parts.count == 2, let n = Int(parts[1]) { counts[String(parts[0])] = n }
        }
        return counts
    }

    /// The Python script's count of `paths`.
    static func pythonCounts(_ paths: [String]) throws -> [String: Int] {
        let outcome = try Launcher.run("python3", [counter] + paths, timeout: 300)
        guard outcome.status == 0 else { throw ProgramTestError("count_words.py failed: \(outcome)") }
        return parseCounts(outcome.stdout)
    }

    /// Runs countwords-mpi with `--counts` and returns the outcome and the counts it wrote.
    static func countWithMPI(_ ranks: Int, _ arguments: [String], timeout: Double = 60) throws -> (Outcome, [String: Int]) {
        let file = Programs.temporaryPath("counts.tsv")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let outcome = try Launcher.mpirun(ranks, "countwords-mpi", arguments + ["--counts", file], timeout: timeout)
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        return (outcome, parseCounts(text))
    }

    @Test(arguments: [1, 3])
    func fixtureCountsMatchPythonWordByWord(chunksize: Int) throws {
        let expected = try Self.pythonCounts([Self.corpus])
        #expect(expected.count > 100, "the fixture has words")
        let (outcome, counts) = try Self.countWithMPI(3, [Self.corpus, "--chunksize", "\(chunksize)", "--progress", "lines"])
        #expect(outcome.status == 0, "\(outcome)")
        for (word, n) in expected where counts[word] != n { Issue.record("\(word): MPI \(counts[word] ?? 0), Python \(n)") }
        for word in counts.keys where expected[word] == nil { Issue.record("\(word) counted by MPI only") }
        let total = expected.values.reduce(0, +)
        #expect(Programs.summary(outcome, "Total words") == Double(total))
        let files = try FileManager.default.subpathsOfDirectory(atPath: Self.corpus).filter { $0.hasSuffix(".txt") }.count
        #expect(outcome.errorLines.last == "Work is in progress... \(files)/\(files) files, \(total) words", "\(outcome)")
    }

    @Test func topWordsAreTheMostFrequentTiesAlphabetical() throws {
        let expected = try Self.pythonCounts([Self.corpus])
        let best = expected.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(5)
        let outcome = try Launcher.mpirun(3, "countwords-mpi", [Self.corpus, "--top", "5", "--no-progress"])
        #expect(outcome.status == 0, "\(outcome)")
        let rows = try Programs.matches(outcome.lines, #"^\s+(\d+)  (\S+)\s+([0-9,]+)$"#)
        #expect(rows.map { $0[1] } == best.map(\.key))
        #expect(rows.map { Int($0[2].replacingOccurrences(of: ",", with: ""))! } == best.map(\.value))
        #expect(!outcome.stderr.contains("Work is in progress"), "--no-progress is silent")
    }

    @Test func unreadableAndMissingFilesAreNamedAndTheRestCounted() throws {
        let folder = Programs.temporaryPath("corpus")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let good = (folder as NSString).appendingPathComponent("sonnet.txt")
        try FileManager.default.copyItem(atPath: (Self.corpus as NSString).appendingPathComponent("sonnet-18.txt"), toPath: good)
        let dangling = (folder as NSString).appendingPathComponent("gone.txt")
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: "/nonexistent/target.txt")
        let missing = "/nonexistent/missing-play.txt"
        let hamlet = (Self.corpus as NSString).appendingPathComponent("hamlet-3-1.txt")
        let expected = try Self.pythonCounts([good, hamlet])
        let (outcome, counts) = try Self.countWithMPI(3, [folder, missing, hamlet, "--no-progress"])
        #expect(outcome.status != 0, "\(outcome)")
        #expect(outcome.stderr.contains("cannot read '\(missing)'"), "\(outcome)")
        #expect(outcome.stderr.contains("cannot read '\(dangling)'"), "\(outcome)")
        #expect(counts == expected, "the readable files are still counted")
        #expect(outcome.lines.contains { $0.contains("in 2 of 4 files") }, "\(outcome)")
    }

    @Test(arguments: [["--chunksize", "0"], ["--top", "-1"], ["--progress", "sometimes"]])
    func badFlagsExitWith64(arguments: [String]) throws {
        let outcome = try Launcher.mpirun(3, "countwords-mpi", [Self.corpus] + arguments, timeout: 30)
        #expect(outcome.status == 64, "\(outcome)")
        #expect(!outcome.stdout.contains("Counted"))
    }

    static let shakespeare = Launcher.packageRoot.appendingPathComponent("data/shakespeare").path

    @Test(.enabled(if: FileManager.default.fileExists(atPath: shakespeare), "run scripts/fetch-shakespeare first"))
    func wholeCorpusMatchesPythonWhenFetched() throws {
        let expected = try Self.pythonCounts([Self.shakespeare])
        let (outcome, counts) = try Self.countWithMPI(3, [Self.shakespeare, "--no-progress"], timeout: 300)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(counts == expected)
        #expect(outcome.lines.contains { $0.contains("in 78 of 78 files") })
    }

    @Test func helpExitsZero() throws {
        let outcome = try Launcher.direct("countwords-mpi", ["--help"], timeout: 30)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout.contains("USAGE: countwords-mpi"))
    }
}
