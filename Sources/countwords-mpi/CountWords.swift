import ArgumentParser
import Foundation
import MPIPool
import PoolCLI
import Workloads

/// The seed's exercise over the real corpus: every word of every file counted
/// by an asynchronous map over files (one file a task), with a live status.
@main
struct CountWords: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "countwords-mpi",
        abstract: "Count every word in files and folders with an asynchronous map over MPI workers.",
        discussion: """
        Run with `mpirun -n 4 countwords-mpi data/shakespeare` (scripts/fetch-shakespeare fetches the corpus). \
        A word is a run of letters, lower-cased, with apostrophes kept between letters (o'er, king's); \
        everything else separates words. Only regular files are read, a block at a time: FIFOs, devices and \
        sockets are skipped. Paths skipped or unreadable (folders too) are named on stderr, the others are \
        still counted, and the exit status is 1; a link to a folder counted already (a loop) is noted, not followed.
        """
    )

    /// How the live status is shown.
    enum Progress: String, ExpressibleByArgument, CaseIterable {
        case auto, bar, lines, none
    }

    @Argument(help: "Files and folders to count (folders are walked recursively). Default: data/shakespeare.")
    var paths: [String] = []

    @Option(help: "Files per task chunk.")
    var chunksize = 1

    @Option(help: "How many of the most frequent words to print.")
    var top = 20

    @Option(help: "Live status on stderr: auto (a bar on a terminal, else lines), bar, lines, none.")
    var progress: Progress = .auto

    @Flag(help: "No live status (same as --progress none).")
    var noProgress = false

    @Option(help: "Write every word and its count, tab-separated, in code-point order, to this file.")
    var counts: String?

    @Flag(help: "Print every scheduling decision on stderr.")
    var trace = false

    static func main() { mainForMPI() }

    func validate() throws {
        guard chunksize >= 1 else { throw ValidationError("--chunksize must be at least 1 (got \(chunksize))") }
        guard top >= 0 else { throw ValidationError("--top must be 0 or more (got \(top))") }
    }

    func run() throws {
        var tasks = TaskRegistry()
        let countFile = tasks.register("count_words") { (path: String) -> FileCount in FileCount.count(path: path) }
        let command = self
        let status = try Pool.run(tasks, options: PoolOptions(tracesScheduling: trace)) { pool in try command.count(pool, countFile) }
        if let status, status != 0 { throw ExitCode(status) }
    }

    /// The status style: as asked, or on `auto` a bar when the user sees a terminal.
    var style: ProgressReporter.Style {
        if noProgress { return .silent }
        switch progress {
        case .none: return .silent
        case .bar: return .bar
        case .lines: return .lines
        case .auto: return ProgressReporter.automaticStyle
        }
    }

    /// Counts on rank 0; returns the exit status.
    func count(_ pool: Pool, _ countFile: PoolTask<String, FileCount>) throws -> Int32 {
        var arguments = paths
        if arguments.isEmpty {
            arguments = ["data/shakespeare"]
            if !FileManager.default.fileExists(atPath: arguments[0]) {
                Console.error("countwords-mpi: no files given and data/shakespeare is missing: run scripts/fetch-shakespeare, or name files or folders")
                return 66
            }
        }
        let found = expandPaths(arguments)
        let files = found.files
        var problems = found.problems
        for problem in problems { Console.error("countwords-mpi: \(problem.message)") }
        for note in found.notes { Console.error("countwords-mpi: note: \(note)") }
        let clock = Stopwatch()
        let reporter = ProgressReporter(total: files.count, unit: "files", countName: "words", style: style)
        reporter.start()
        var totals = WordCounts()
        var counted = 0
        if !files.isEmpty {
            let results = try pool.imapUnordered(countFile, over: files, chunkSize: .fixed(chunksize))
            while let file = try results.next() {
                if let problem = file.problem {
                    problems.append(problem)
                    Console.error("countwords-mpi: \(problem.message)")
                } else {
                    totals.add(words: file.words, counts: file.counts)
                    counted += 1
                }
                reporter.advance(by: 1, count: file.total)
            }
        }
        reporter.finish()
        let wall = clock.elapsed
        Console.out("Counted \(grouped(totals.total)) words (\(grouped(totals.distinct)) distinct) in \(counted) of \(found.fileCount) files"
                    + " with \(pool.workerCount) worker\(pool.workerCount == 1 ? "" : "s"), chunksize \(chunksize)")
        if top > 0 {
            Console.out("Top \(top) words:")
            let best = totals.top(top)
            let width = best.map(\.word.count).max() ?? 4
            for (i, entry) in best.enumerated() {
                Console.out(pad(i + 1, 4) + "  " + entry.word + String(repeating: " ", count: width - entry.word.count)
                            + "  " + String(repeating: " ", count: max(0, 10 - grouped(entry.count).count)) + grouped(entry.count))
            }
        }
        Console.out(summaryLine("Total words", Double(totals.total), decimals: 0))
        Console.out(summaryLine("Wall clock time (s)", wall))
        if let counts { try writeCounts(totals, to: counts) }
        if !problems.isEmpty {
            Console.error("countwords-mpi: \(problems.count) path\(problems.count == 1 ? " was" : "s were") skipped or could not be read; the others were counted")
            return 1
        }
        return 0
    }

    func writeCounts(_ totals: WordCounts, to path: String) throws {
        var text = ""
        for entry in totals.alphabetical { text += "\(entry.word)\t\(entry.count)\n" }
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw WriteError(path: path, reason: error.localizedDescription)
        }
    }
}

/// `n` right-aligned in `width` characters.
func pad(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return String(repeating: " ", count: max(0, width - s.count)) + s
}
