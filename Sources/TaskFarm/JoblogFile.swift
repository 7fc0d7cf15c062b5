#if canImport(Glibc)
import Glibc
#endif

/// What a joblog says of earlier runs, for `--resume` and `--resume-failed`: for each task
/// number, whether its last entry succeeded, and a hash of its command (to notice that the
/// tasks changed since). Eight bytes a task: a table over task numbers, not the lines.
///
/// ```swift
/// let done = try ResumeTable(path: "run.joblog")
/// switch done.decide(task, rerunFailed: false) { case .run: …; case .skip: …; case .changed: … }
/// ```
public struct ResumeTable: Sendable {
    /// Task numbers above this are refused (the table would not fit in memory): 100,000,000.
    public static let largestTaskNumber = 100_000_000

    /// By task number − 1: 0 when not recorded, else the command's hash with the two low bits
    /// replaced by 1 (succeeded) or 2 (failed).
    private var slots: [UInt64] = []
    /// Distinct tasks recorded, and how many of them succeeded.
    public private(set) var recorded = 0
    /// Of those, the tasks whose last entry succeeded.
    public private(set) var succeeded = 0

    /// An empty table (no joblog yet).
    public init() {}

    /// Reads the joblog at `path`; a file that does not exist gives an empty table. The last
    /// entry of a task counts (a rerun appends). A last line without its newline (torn by a
    /// kill) is ignored; any other line that is not an entry or the header is an error.
    public init(path: String) throws(JoblogError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        let reader: LineReader
        do { reader = try LineReader(path: path) } catch { throw .cannotOpen(path: path, reason: "\(error)") }
        while true {
            let line: [UInt8]?
            do { line = try reader.next() } catch { throw .unreadable(path: path, reason: "\(error)") }
            guard let line else { break }
            if line.isEmpty || line.starts(with: Array("Seq\t".utf8)) { continue }
            guard let entry = JoblogEntry.parse(line) else {
                if reader.lastLineUnterminated { break }
                throw .notAnEntry(path: path, line: reader.lineNumber)
            }
            guard entry.seq <= Self.largestTaskNumber else { throw .taskNumberTooLarge(path: path, line: reader.lineNumber) }
            if reader.lastLineUnterminated { break }   // torn: its task is not known to be done
            record(entry)
        }
    }

    /// Takes `entry` as the latest word on its task.
    public mutating func record(_ entry: JoblogEntry) {
        let index = entry.seq - 1
        if index >= slots.count { slots += [UInt64](repeating: 0, count: index + 1 - slots.count) }
        let old = slots[index]
        if old == 0 { recorded += 1 } else if old & 3 == 1 { succeeded -= 1 }
        slots[index] = (Self.hash(entry.command) & ~3) | (entry.succeeded ? 1 : 2)
        if entry.succeeded { succeeded += 1 }
    }

    /// What to do with a task on a resumed run.
    public enum Decision: Equatable, Sendable {
        /// Not recorded (or recorded as failed, with `rerunFailed`): run it.
        case run
        /// Recorded: skip it.
        case skip
        /// Recorded with another command: the tasks changed since the joblog was written.
        case changed
    }

    /// Whether to run `task`: `--resume` skips every recorded task, `--resume-failed`
    /// (`rerunFailed`) only those that succeeded.
    public func decide(_ task: TaskLine, rerunFailed: Bool) -> Decision {
        let index = task.number - 1
        guard index < slots.count, slots[index] != 0 else { return .run }
        let slot = slots[index]
        guard slot & ~3 == Self.hash(task.command) & ~3 else { return .changed }
        if rerunFailed && slot & 3 == 2 { return .run }
        return .skip
    }

    /// FNV-1a, 64 bits.
    static func hash(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }
}

/// Appends entries to a joblog as tasks finish: one `write(2)` per line, so that every line
/// reaches the file (the kernel's page cache) at once and survives a kill of the job; `fsync`
/// at most once a second (``syncIfDue()``) and at the end (``sync()``), so that a crash of the
/// machine loses about a second at most. Used by one thread (rank 0's consumer loop).
public final class JoblogWriter {
    /// The joblog's file.
    public let path: String
    private let fd: Int32
    private var lastSync = 0.0

    /// Opens `path`. Appending (a resumed run), a torn last line is cut off first; otherwise
    /// the file is emptied. Either way a file without the header gets it.
    public init(path: String, appending: Bool) throws(JoblogError) {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | (appending ? 0 : O_TRUNC), 0o644)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        var size = Int(lseek(fd, 0, SEEK_END))
        if size > 0 {
            let good = try Self.lengthOfWholeLines(fd, size: size, path: path)
            if good < size {
                guard ftruncate(fd, off_t(good)) == 0 else { throw .unwritable(path: path, reason: String(cString: strerror(errno))) }
                size = good
            }
        }
        _ = lseek(fd, 0, SEEK_END)
        if size == 0 { try write(Array((JoblogEntry.header + "\n").utf8)) }
        lastSync = Self.now()
    }

    deinit {
        _ = fsync(fd)
        close(fd)
    }

    /// Appends `entry`'s line.
    public func append(_ entry: JoblogEntry) throws(JoblogError) { try write(entry.line) }

    /// `fsync`s if the last one was a second ago or more.
    public func syncIfDue() {
        let now = Self.now()
        if now - lastSync >= 1 { sync() }
    }

    /// `fsync`s now (the end of the run, or a signal).
    public func sync() {
        _ = fsync(fd)
        lastSync = Self.now()
    }

    private func write(_ bytes: [UInt8]) throws(JoblogError) {
        var offset = 0
        let failure: Int32? = bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue } else { return errno } }
                offset += n
            }
            return nil
        }
        if let failure { throw .unwritable(path: path, reason: String(cString: strerror(failure))) }
    }

    /// The length of the file up to and including its last newline.
    private static func lengthOfWholeLines(_ fd: Int32, size: Int, path: String) throws(JoblogError) -> Int {
        var end = size
        var block = [UInt8](repeating: 0, count: 4096)
        while end > 0 {
            let start = max(0, end - block.count)
            let n = block.withUnsafeMutableBytes { pread(fd, $0.baseAddress, end - start, off_t(start)) }
            guard n == end - start else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
            if let newline = block[0..<n].lastIndex(of: 0x0A) { return start + newline + 1 }
            end = start
        }
        return 0
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// A joblog that cannot be used.
public enum JoblogError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    /// A line (not the last) that is neither the header nor an entry.
    case notAnEntry(path: String, line: Int)
    case taskNumberTooLarge(path: String, line: Int)

    /// What is wrong, naming the file.
    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open the joblog '\(path)': \(reason)"
        case .unreadable(let path, let reason): "cannot read the joblog '\(path)': \(reason)"
        case .unwritable(let path, let reason): "cannot write the joblog '\(path)': \(reason)"
        case .notAnEntry(let path, let line):
            "line \(line) of '\(path)' is not a joblog entry (Seq, Host, Starttime, JobRuntime, Send, Receive, Exitval, Signal, Command, tab-separated)"
        case .taskNumberTooLarge(let path, let line):
            "line \(line) of '\(path)' names a task beyond \(ResumeTable.largestTaskNumber): not a joblog of these tasks"
        }
    }
}
