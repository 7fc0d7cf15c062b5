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
        still counted, and the exit status is 1; a link to a folder counted already (a loop) is noted, not followed. \
        With --journal, a re-run counts only the files the journal does not hold; if the files differ from the \
        recorded run (one added before others, removed or changed), the count stops there with exit status 65.
        """
    )

    @Argument(help: "Files and folders to count (folders are walked recursively). Default: data/shakespeare.")
    var paths: [String] = []

    @Option(help: "Files per task chunk.")
    var chunksize = 1

    @Option(help: "How many of the most frequent words to print.")
    var top = 20

    @Option(help: "Live status on stderr (files, words, words/s, elapsed, ETA): auto (a bar on a terminal, else lines), bar, lines, none.")
    var progress: ProgressOption = .auto

    @Flag(help: "No live status (same as --progress none).")
    var noProgress = false

    @Option(help: "Write every word and its count, tab-separated, in code-point order, to this file.")
    var counts: String?

    @Option(help: ArgumentHelp("Record each counted file in this journal; a re-run with it counts only the files not recorded.",
                               discussion: "Files are recognised by path, size and modification time: if one was added, removed or changed, the journal is refused."))
    var journal: String?

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
        // With a journal each file goes with its size and modification time, so that a changed file is not taken from the journal.
        let countStamped = tasks.register("count_words_stamped") { (path: String, _: Int, _: Int) -> FileCount in FileCount.count(path: path) }
        let command = self
        let status = try Pool.run(tasks, options: PoolOptions(tracesScheduling: trace)) { pool in
            try command.count(pool, countFile, countStamped)
        }
        if let status, status != 0 { throw ExitCode(status) }
    }

    /// The status style: as asked (`auto`: a bar when the user sees a terminal), off with `--no-progress`.
    var style: ProgressStyle { noProgress ? .off : progress.style }

    /// Counts on rank 0; returns the exit status.
    func count(_ pool: Pool, _ countFile: PoolTask<String, FileCount>, _ countStamped: PoolTask<(String, Int, Int), FileCount>) throws -> Int32 {
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
        let recorder = try journal.map { try Journal(path: $0) }
        if !files.isEmpty {
            let next: () throws -> FileCount?
            if let recorder {
                let results = try pool.imapUnordered(countStamped, over: files.map(Self.stamped), chunkSize: .fixed(chunksize), journal: recorder)
                next = { try results.next() }
            } else {
                let results = try pool.imapUnordered(countFile, over: files, chunkSize: .fixed(chunksize))
                next = { try results.next() }
            }
            do {
                while let file = try next() {
                    if let problem = file.problem {
                        problems.append(problem)
                        Console.error("countwords-mpi: \(problem.message)")
                    } else {
                        totals.add(words: file.words, counts: file.counts)
                        counted += 1
                    }
                    reporter.advance(by: 1, count: file.total)
                }
            } catch let error as PoolError {
                guard case .journalMismatch = error, let recorder else { throw error }
                reporter.finish()
                // The library names the item; say which file that is.
                let text = "\(error)"
                let index = text.firstRange(of: "for item ").flatMap { Int(text[$0.upperBound...].prefix { $0.isNumber }) }
                let file = index.flatMap { files.indices.contains($0) ? " ('\(files[$0])' is not the file recorded there)" : nil } ?? ""
                Console.error("countwords-mpi: the files differ from the run recorded in '\(recorder.path)' (a file was added, removed or changed)\(file): "
                              + "use another journal, or delete it to start over (\(text))")
                return 65
            }
        }
        reporter.finish()
        let wall = clock.elapsed
        if let recorder {
            Console.out("journal \(recorder.path): resumed \(recorder.resumedItems) of \(files.count) files, counted \(files.count - recorder.resumedItems)")
        }
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

    /// A file with its size and modification time (nanoseconds), for a journaled count; -1 if it cannot be read.
    static func stamped(_ path: String) -> (String, Int, Int) {
        var info = stat()
        guard stat(path, &info) == 0 else { return (path, -1, -1) }
        return (path, Int(info.st_size), Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec))
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
