import Foundation
import Glibc
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
        // The final line: every file, the words, their rate and the time (no ETA: nothing is left).
        let last = outcome.errorLines.last ?? ""
        #expect(last.hasPrefix("Work is in progress... \(files)/\(files) files, \(total) words, "), "\(outcome)")
        #expect(try !Programs.matches([last], #", [0-9.]+ words/s, \d+( min \d+)? s elapsed$"#).isEmpty, "\(outcome)")
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

    // MARK: - Every kind of input: nothing hangs, nothing reads without end

    static let sonnet = (corpus as NSString).appendingPathComponent("sonnet-18.txt")
    static let peakRSS = Programs.fixtures.appendingPathComponent("peak_rss.py").path

    /// Runs `body` with a fresh temporary folder, removed afterwards (its modes restored first).
    static func withFolder(_ body: (String) throws -> Void) throws {
        let folder = Programs.temporaryPath("inputs")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer {
            _ = try? Launcher.run("chmod", ["-R", "u+rwx", folder], timeout: 30)
            try? FileManager.default.removeItem(atPath: folder)
        }
        try body(folder)
    }

    /// `folder/name`, after creating the intermediate folders.
    static func path(_ folder: String, _ name: String) throws -> String {
        let path = (folder as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        return path
    }

    static func copySonnet(to path: String) throws { try FileManager.default.copyItem(atPath: sonnet, toPath: path) }

    static func isBlockDevice(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFBLK
    }

    static func makeFIFO(_ path: String) throws { try #require(mkfifo(path, 0o644) == 0, "mkfifo \(path)") }

    /// Runs countwords-mpi on `ranks` ranks, each under `peak_rss.py`; returns the outcome and each rank's peak RSS in KiB.
    static func countMeasuringMemory(_ ranks: Int, _ arguments: [String], timeout: Double = 60) throws -> (Outcome, [Int: Int]) {
        let command = Launcher.launch(ranks) + ["python3", peakRSS, Launcher.executable("countwords-mpi")] + arguments
        let outcome = try Launcher.run(command[0], Array(command.dropFirst()), timeout: timeout)
        let regex = try NSRegularExpression(pattern: #"peak-rss-kb (\d+) (\d+)"#)   // anywhere: mpirun may join lines
        let text = outcome.stderr as NSString
        let peaks = regex.matches(in: outcome.stderr, range: NSRange(location: 0, length: text.length)).map {
            (Int(text.substring(with: $0.range(at: 1)))!, Int(text.substring(with: $0.range(at: 2)))!)
        }
        return (outcome, Dictionary(peaks, uniquingKeysWith: max))
    }

    @Test func fifosAndSocketsGivenOrInsideAFolderAreSkippedByNameAndTheRestCounted() throws {
        try Self.withFolder { folder in
            let tree = try Self.path(folder, "tree")
            try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
            try Self.copySonnet(to: try Self.path(tree, "sonnet.txt"))
            let inner = try Self.path(tree, "pipe.txt"), direct = try Self.path(folder, "direct.fifo")
            try Self.makeFIFO(inner)
            try Self.makeFIFO(direct)
            let socket = try Self.path(tree, "listener.sock")
            _ = try Programs.python("import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", [socket])
            let expected = try Self.pythonCounts([Self.sonnet])
            let (outcome, counts) = try Self.countWithMPI(3, [tree, direct, "--no-progress"], timeout: 60)
            #expect(!outcome.timedOut && outcome.seconds < 30, "no FIFO is opened: \(outcome)")
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.stderr.contains("countwords-mpi: skipped '\(inner)': not a regular file (fifo)"), "\(outcome)")
            #expect(outcome.stderr.contains("countwords-mpi: skipped '\(direct)': not a regular file (fifo)"), "\(outcome)")
            #expect(outcome.stderr.contains("countwords-mpi: skipped '\(socket)': not a regular file (socket)"), "\(outcome)")
            #expect(counts == expected, "the sonnet is still counted")
            #expect(outcome.lines.contains { $0.contains("in 1 of 4 files") }, "\(outcome)")
        }
    }

    @Test func devicesGivenDirectlyAreSkippedByNameWithoutBeingRead() throws {
        let blockDevice = ["/dev/loop0"].filter(Self.isBlockDevice)
        let expected = try Self.pythonCounts([Self.sonnet])
        let (outcome, counts) = try Self.countWithMPI(3, ["/dev/zero"] + blockDevice + [Self.sonnet, "--no-progress"], timeout: 60)
        #expect(!outcome.timedOut && outcome.seconds < 30, "/dev/zero is never read: \(outcome)")
        #expect(outcome.status == 1, "\(outcome)")
        #expect(outcome.stderr.contains("countwords-mpi: skipped '/dev/zero': not a regular file (character device)"), "\(outcome)")
        for device in blockDevice {
            #expect(outcome.stderr.contains("countwords-mpi: skipped '\(device)': not a regular file (block device)"), "\(outcome)")
        }
        #expect(counts == expected)
        #expect(outcome.lines.contains { $0.contains("in 1 of \(2 + blockDevice.count) files") }, "\(outcome)")
    }

    @Test func aLinkedFolderGivenAsArgumentCountsAsTheFolder() throws {
        try Self.withFolder { folder in
            let link = try Self.path(folder, "linked-corpus")
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: Self.corpus)
            let expected = try Self.pythonCounts([Self.corpus])
            let (real, realCounts) = try Self.countWithMPI(3, [Self.corpus, "--no-progress"])
            let (linked, linkedCounts) = try Self.countWithMPI(3, [link, "--no-progress"])
            #expect(real.status == 0 && linked.status == 0, "\(real)\n\(linked)")
            #expect(linkedCounts == expected && realCounts == expected)
            let files = try FileManager.default.subpathsOfDirectory(atPath: Self.corpus).filter { $0.hasSuffix(".txt") }.count
            #expect(linked.lines.contains { $0.contains("in \(files) of \(files) files") }, "\(linked)")
        }
    }

    /// A loop (`sub/back -> ..`, `self -> .`) and a second way into a folder (`twin -> sub`) are noted, not
    /// followed: every file is counted once and nothing was left out, so the exit status is 0.
    @Test func linkLoopsInsideAFolderAreNotedNotFollowedAndEveryFileCountedOnce() throws {
        try Self.withFolder { folder in
            let tree = try Self.path(folder, "tree")
            try Self.copySonnet(to: try Self.path(tree, "a.txt"))
            try FileManager.default.copyItem(atPath: (Self.corpus as NSString).appendingPathComponent("hamlet-3-1.txt"),
                                             toPath: try Self.path(tree, "sub/b.txt"))
            let back = try Self.path(tree, "sub/back"), this = try Self.path(tree, "self"), twin = try Self.path(tree, "twin")
            try FileManager.default.createSymbolicLink(atPath: back, withDestinationPath: "..")
            try FileManager.default.createSymbolicLink(atPath: this, withDestinationPath: ".")
            try FileManager.default.createSymbolicLink(atPath: twin, withDestinationPath: "sub")
            let expected = try Self.pythonCounts([tree])   // os.walk does not follow links to folders: each file once
            let (outcome, counts) = try Self.countWithMPI(3, [tree, "--no-progress"], timeout: 60)
            #expect(!outcome.timedOut && outcome.seconds < 30, "\(outcome)")
            #expect(outcome.status == 0, "\(outcome)")
            #expect(outcome.stderr.contains("countwords-mpi: note: not following '\(back)': it leads back to '\(tree)' (a loop)"), "\(outcome)")
            #expect(outcome.stderr.contains("countwords-mpi: note: not following '\(this)': it leads back to '\(tree)' (a loop)"), "\(outcome)")
            #expect(outcome.stderr.contains("countwords-mpi: note: not following '\(twin)': it leads to '\(tree)/sub', counted already"), "\(outcome)")
            #expect(counts == expected)
            #expect(outcome.lines.contains { $0.contains("in 2 of 2 files") }, "\(outcome)")
        }
    }

    /// `x -> y`, `y -> x` resolve to nothing (ELOOP): like a dangling link, an error, and exit status 1.
    @Test func linksThatNeverResolveAreNamedAsErrors() throws {
        try Self.withFolder { folder in
            let tree = try Self.path(folder, "tree")
            try Self.copySonnet(to: try Self.path(tree, "a.txt"))
            let x = try Self.path(tree, "x"), y = try Self.path(tree, "y")
            try FileManager.default.createSymbolicLink(atPath: x, withDestinationPath: "y")
            try FileManager.default.createSymbolicLink(atPath: y, withDestinationPath: "x")
            let (outcome, counts) = try Self.countWithMPI(3, [tree, "--no-progress"], timeout: 60)
            #expect(outcome.status == 1, "\(outcome)")
            for link in [x, y] {
                #expect(outcome.stderr.contains("countwords-mpi: error: cannot read '\(link)': Too many levels of symbolic links"), "\(outcome)")
            }
            #expect(counts == (try Self.pythonCounts([Self.sonnet])))
        }
    }

    @Test func aSparse8GiBFileCountsZeroWordsQuicklyInLittleMemory() throws {
        try Self.withFolder { folder in
            let sparse = try Self.path(folder, "sparse.txt")
            #expect(FileManager.default.createFile(atPath: sparse, contents: nil))
            try #require(truncate(sparse, 8 << 30) == 0)
            // Words at the start, just before a hole, and after 3 GiB of it: the hole's zeros separate them.
            let holey = try Self.path(folder, "holey.txt")
            #expect(FileManager.default.createFile(atPath: holey, contents: nil))
            let handle = try #require(FileHandle(forWritingAtPath: holey))
            try handle.write(contentsOf: Array("abc ".utf8))
            try handle.seek(toOffset: 4094)
            try handle.write(contentsOf: Array("xy".utf8))
            try handle.seek(toOffset: 3 << 30)
            try handle.write(contentsOf: Array("zdef ghi".utf8))
            try handle.truncate(atOffset: 5 << 30)
            try handle.close()
            let (baseline, baselinePeaks) = try Self.countMeasuringMemory(2, [Self.sonnet, "--no-progress", "--top", "0"])
            #expect(baseline.status == 0, "\(baseline)")
            let (outcome, peaks) = try Self.countMeasuringMemory(2, [sparse, "--no-progress", "--top", "0"], timeout: 60)
            #expect(!outcome.timedOut && outcome.seconds < 20, "holes are skipped, not read: \(outcome)")
            #expect(outcome.status == 0, "\(outcome)")
            #expect(Programs.summary(outcome, "Total words") == 0, "\(outcome)")
            #expect(outcome.lines.contains { $0.contains("in 1 of 1 files") }, "\(outcome)")
            #expect(peaks.count == 2 && baselinePeaks.count == 2, "\(outcome)")
            for (rank, kb) in peaks {
                #expect(kb - (baselinePeaks[rank] ?? 0) < 16 << 10, "rank \(rank): \(kb) KiB against \(baselinePeaks[rank] ?? 0) KiB for the sonnet")
            }
            let (holes, counts) = try Self.countWithMPI(2, [holey, "--no-progress"], timeout: 60)
            #expect(!holes.timedOut && holes.seconds < 20 && holes.status == 0, "\(holes)")
            #expect(counts == ["abc": 1, "xy": 1, "zdef": 1, "ghi": 1])
        }
    }

    /// A few MiB in which a word straddles each 1 MiB block boundary, cut inside an ASCII word, inside æ, inside
    /// ’ (after its first and its second byte), right after an apostrophe, and inside a 4-byte letter (after
    /// each of its first three bytes); checked word by word against Python, which reads the file whole.
    @Test func wordsAcrossBlockBoundariesMatchPythonWordByWord() throws {
        try Self.withFolder { folder in
            let text = try Self.path(folder, "boundaries.txt")
            _ = try Programs.python("""
                import glob, sys
                corpus, path = sys.argv[1], sys.argv[2]
                base = "".join(open(f, encoding="utf-8").read() for f in sorted(glob.glob(corpus + "/**/*.txt", recursive=True))).encode()
                cuts = [("Boundary", 4), ("Cæsar", 2), ("King’s", 5), ("King’s", 6), ("o'er", 2), ("𐐀bc", 1), ("𐐀bc", 2), ("𐐀bc", 3)]
                out = bytearray()
                for block, (word, cut) in enumerate(cuts, start=1):
                    fill = block * (1 << 20) - 1 - cut - len(out)   # the boundary falls `cut` bytes into the word
                    out += (base * (fill // len(base) + 1))[:fill] + b" " + word.encode() + b" "
                out += base
                open(path, "wb").write(out)
                """, [Self.corpus, text])
            let expected = try Self.pythonCounts([text])
            let (outcome, counts) = try Self.countWithMPI(3, [text, "--no-progress"], timeout: 120)
            #expect(outcome.status == 0, "\(outcome)")
            for (word, n) in expected where counts[word] != n { Issue.record("\(word): MPI \(counts[word] ?? 0), Python \(n)") }
            for word in counts.keys where expected[word] == nil { Issue.record("\(word) counted by MPI only") }
            #expect(counts["boundary"] == 1 && counts["𐐨bc"] == 3 && counts["bc"] == nil && counts["boun"] == nil, "\(counts)")
        }
    }

    /// 40 MiB of text, a word straddling nearly every block boundary: exact counts, and the worker's peak RSS
    /// within 16 MiB of what it is for a small file (reading the file whole would add its 40 MiB).
    @Test func aLargeFileIsCountedExactlyInBoundedMemory() throws {
        try Self.withFolder { folder in
            let large = try Self.path(folder, "large.txt")
            let line = Array("Cæsar’s ghost walks o'er Philippi\n".utf8)   // 35 bytes, prime to 1 MiB
            let repeats = (40 << 20) / line.count
            #expect(FileManager.default.createFile(atPath: large, contents: Data(Array([[UInt8]](repeating: line, count: repeats).joined()))))
            let (baseline, baselinePeaks) = try Self.countMeasuringMemory(2, [Self.sonnet, "--no-progress", "--top", "0"])
            #expect(baseline.status == 0, "\(baseline)")
            let counts = Programs.temporaryPath("counts.tsv")
            defer { try? FileManager.default.removeItem(atPath: counts) }
            let (outcome, peaks) = try Self.countMeasuringMemory(2, [large, "--no-progress", "--top", "0", "--counts", counts], timeout: 240)
            #expect(outcome.status == 0, "\(outcome)")
            let words = Self.parseCounts((try? String(contentsOfFile: counts, encoding: .utf8)) ?? "")
            #expect(words == ["cæsar's": repeats, "ghost": repeats, "walks": repeats, "o'er": repeats, "philippi": repeats])
            #expect(peaks.count == 2, "\(outcome)")
            for (rank, kb) in peaks {
                #expect(kb - (baselinePeaks[rank] ?? 0) < 16 << 10, "rank \(rank): \(kb) KiB against \(baselinePeaks[rank] ?? 0) KiB for the sonnet")
            }
        }
    }

    /// 17 MiB of letters is one "word" past the 16 MiB limit: the file is skipped as not text, in bounded memory.
    @Test func aFileOfOneEndlessWordIsSkippedAsNotText() throws {
        try Self.withFolder { folder in
            let endless = try Self.path(folder, "endless.txt")
            #expect(FileManager.default.createFile(atPath: endless, contents: Data(repeating: 0x61, count: 17 << 20)))
            let (outcome, counts) = try Self.countWithMPI(3, [endless, Self.sonnet, "--no-progress"], timeout: 120)
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.stderr.contains("countwords-mpi: skipped '\(endless)': not text: a word longer than 16 MiB"), "\(outcome)")
            #expect(counts == (try Self.pythonCounts([Self.sonnet])), "the sonnet is still counted")
        }
    }

    /// Root reads every folder, so as root the program runs as `nobody` (setpriv) for this test; as another
    /// user it runs as that user.
    @Test(.enabled(if: geteuid() != 0 || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs setpriv as root"))
    func unreadableFoldersAndFilesInsideAWalkAreNamedAndTheRestCounted() throws {
        try Self.withFolder { folder in
            let tree = try Self.path(folder, "tree")
            try Self.copySonnet(to: try Self.path(tree, "ok.txt"))
            let locked = try Self.path(tree, "locked"), secret = try Self.path(tree, "secret.txt")
            try Self.copySonnet(to: try Self.path(locked, "inner.txt"))
            try Self.copySonnet(to: secret)
            try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: locked)
            try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: secret)
            let countsFile = Programs.temporaryPath("counts.tsv")
            defer { try? FileManager.default.removeItem(atPath: countsFile) }
            let asUser = geteuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
            let command = asUser + Launcher.launch(3) + [Launcher.executable("countwords-mpi"), tree, "--no-progress", "--counts", countsFile]
            let outcome = try Launcher.run(command[0], Array(command.dropFirst()), timeout: 60)
            #expect(outcome.status == 1, "\(outcome)")
            #expect(outcome.stderr.contains("countwords-mpi: error: cannot read folder '\(locked)': Permission denied"), "\(outcome)")
            #expect(outcome.stderr.contains("countwords-mpi: error: cannot read '\(secret)': Permission denied"), "\(outcome)")
            let counts = Self.parseCounts((try? String(contentsOfFile: countsFile, encoding: .utf8)) ?? "")
            #expect(counts == (try Self.pythonCounts([Self.sonnet])))
            #expect(outcome.lines.contains { $0.contains("in 1 of 2 files") }, "\(outcome)")
        }
    }

    @Test func helpExitsZero() throws {
        let outcome = try Launcher.direct("countwords-mpi", ["--help"], timeout: 30)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout.contains("USAGE: countwords-mpi"))
    }

    /// --journal: a second run takes every file from the journal and prints the same counts; a
    /// torn last record is counted again; a changed file stops the count (65), named, the journal kept.
    @Test func aJournaledCountResumesAndRefusesChangedFiles() throws {
        try Self.withFolder { folder in
            let texts = try Self.path(folder, "texts/x")
            try FileManager.default.removeItem(atPath: (texts as NSString).deletingLastPathComponent)
            try FileManager.default.copyItem(atPath: Self.corpus, toPath: (texts as NSString).deletingLastPathComponent)
            let corpus = (texts as NSString).deletingLastPathComponent
            let files = try FileManager.default.subpathsOfDirectory(atPath: corpus).filter { $0.hasSuffix(".txt") }.sorted()
            let journal = (folder as NSString).appendingPathComponent("count.journal")
            let expected = try Self.pythonCounts([corpus])
            let arguments = [corpus, "--journal", journal, "--no-progress", "--chunksize", "2"]

            let (first, firstCounts) = try Self.countWithMPI(3, arguments)
            #expect(first.status == 0 && firstCounts == expected, "\(first)")
            #expect(first.lines.contains("journal \(journal): resumed 0 of \(files.count) files, counted \(files.count)"), "\(first)")
            let (second, secondCounts) = try Self.countWithMPI(3, arguments)
            #expect(second.status == 0 && secondCounts == expected, "\(second)")
            #expect(second.lines.contains("journal \(journal): resumed \(files.count) of \(files.count) files, counted 0"), "\(second)")

            // The last record torn (a kill while writing): its files (a chunk of 1 or 2) are counted again.
            let size = try #require(try FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int)
            #expect(truncate(journal, off_t(size - 3)) == 0)
            let (third, thirdCounts) = try Self.countWithMPI(3, arguments)
            #expect(third.status == 0 && thirdCounts == expected, "\(third)")
            let line = try #require(try Programs.matches(third.lines, #"^journal .*: resumed (\d+) of \d+ files, counted (\d+)$"#).first, "\(third)")
            let (resumed, counted) = (Int(line[0]) ?? -1, Int(line[1]) ?? -1)
            #expect(resumed >= files.count - 2 && resumed < files.count && resumed + counted == files.count, "one chunk counted again: \(third)")

            // A file changed since: refused, the file named, what the journal held kept as it was.
            let recorded = try Data(contentsOf: URL(fileURLWithPath: journal))
            let changed = (corpus as NSString).appendingPathComponent(files[0])
            let handle = try #require(FileHandle(forWritingAtPath: changed))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(" more words".utf8))
            try handle.close()
            let refused = try Launcher.mpirun(3, "countwords-mpi", arguments, timeout: 60)
            #expect(refused.status == 65, "\(refused)")
            #expect(refused.stderr.contains("the files differ from the run recorded in '\(journal)'") && refused.stderr.contains("'\(changed)' is not the file recorded there"),
                    "\(refused)")
            let after = try Data(contentsOf: URL(fileURLWithPath: journal))
            #expect(after.prefix(recorded.count) == recorded, "the journal's records are kept (a refused run only appends)")
        }
    }
}
