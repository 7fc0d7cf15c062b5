import Glibc
import MPIPool
import Workloads

/// One file's word counts, as a worker sends them back: the words and their
/// counts in two parallel arrays, or why the file was not counted.
struct FileCount: WireCodable {
    var path: String
    /// Nil when the file was read.
    var problem: PathProblem?
    var words: [String]
    var counts: [Int]

    var total: Int { counts.reduce(0, +) }

    /// The bytes read from the file at a time.
    static let blockSize = 1 << 20
    /// The longest word a file may hold (UTF-8 bytes): what a worker holds of
    /// a file is one block and the word being read, about 64 MiB at most
    /// (the word's storage may be twice its length, and is copied once when
    /// it ends), however large the file.
    static let maximumWordBytes = 16 << 20

    static func write(_ value: FileCount, to writer: inout WireWriter) throws {
        try String.write(value.path, to: &writer)
        try PathProblem?.write(value.problem, to: &writer)
        try [String].write(value.words, to: &writer)
        try [Int].write(value.counts, to: &writer)
    }

    static func read(from reader: inout WireReader) throws -> FileCount {
        let path = try String.read(from: &reader)
        let problem = try PathProblem?.read(from: &reader)
        let words = try [String].read(from: &reader)
        let counts = try [Int].read(from: &reader)
        guard words.count == counts.count else { throw WireError("\(words.count) words but \(counts.count) counts") }
        return FileCount(path: path, problem: problem, words: words, counts: counts)
    }

    /// Reads and counts the file at `path` (run on a worker): only a regular
    /// file is opened, and it is read a block at a time.
    static func count(path: String) -> FileCount {
        do {
            let pairs = try countWords(inFileAt: path).counts
            return FileCount(path: path, problem: nil, words: Array(pairs.keys), counts: Array(pairs.values))
        } catch {
            return FileCount(path: path, problem: error, words: [], counts: [])
        }
    }
}

/// A file that could not be written (`--counts`).
struct WriteError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot write '\(path)': \(reason)" }
}

/// The word counts of the regular file at `path`, by POSIX calls so that
/// failures carry `strerror`.
///
/// The kind is checked with `stat` before opening (opening a FIFO for reading
/// blocks until a writer comes; a device may never end); the file is opened
/// with `O_NONBLOCK` in case it was swapped for a FIFO in between, checked
/// again with `fstat`, and read in blocks of `FileCount.blockSize` bytes with
/// `O_NONBLOCK` cleared. Holes of a sparse file are skipped (`SEEK_DATA`),
/// not read: they hold zero bytes, which only separate words.
func countWords(inFileAt path: String) throws(PathProblem) -> WordCounts {
    var info = stat()
    guard stat(path, &info) == 0 else { throw .unreadable(path: path, reason: PathProblem.systemReason) }
    guard FileKind(mode: info.st_mode) == .regular else { throw .notRegular(path: path, kind: FileKind(mode: info.st_mode)) }
    let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else { throw .unreadable(path: path, reason: PathProblem.systemReason) }
    defer { close(fd) }
    guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, reason: PathProblem.systemReason) }
    guard FileKind(mode: info.st_mode) == .regular else { throw .notRegular(path: path, kind: FileKind(mode: info.st_mode)) }
    let flags = fcntl(fd, F_GETFL)
    guard flags >= 0, fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0 else {
        throw .unreadable(path: path, reason: PathProblem.systemReason)
    }
    do {
        return try countBlocks(of: fd, size: info.st_size)
    } catch let error as WordTooLong {
        throw .notText(path: path, reason: error.description)
    } catch {
        throw .unreadable(path: path, reason: "\(error)")
    }
}

/// `lseek`'s "next offset holding data" (Linux's value: glibc declares it only
/// under `_GNU_SOURCE`, which Swift's Glibc module does not set).
private let SEEK_DATA: Int32 = 3

/// The reason of a failed `read` or `lseek`.
private struct SystemError: Error, CustomStringConvertible {
    let description: String
}

/// Counts the words of the regular file open at `fd` (of `size` bytes when
/// opened), one block at a time, jumping over holes.
private func countBlocks(of fd: Int32, size: off_t) throws -> WordCounts {
    var counting = StreamingWordCounts(maximumWordBytes: FileCount.maximumWordBytes)
    let block = UnsafeMutableRawBufferPointer.allocate(byteCount: FileCount.blockSize, alignment: 16)
    defer { block.deallocate() }
    let zero: [UInt8] = [0]
    var offset: off_t = 0
    var seeksData = true
    while true {
        if seeksData {
            let data = lseek(fd, offset, SEEK_DATA)
            if data < 0 && errno == ENXIO && offset < size { break }   // only a hole is left: zeros, no words
            if data < 0 {   // the file system cannot tell (or a pseudo-file of size 0): read every byte
                seeksData = false
                guard lseek(fd, offset, SEEK_SET) == offset else { throw SystemError(description: PathProblem.systemReason) }
            } else if data > offset {   // a hole: its zeros separate words, one as well as many
                try zero.withUnsafeBytes { try counting.add(utf8Block: $0) }
                offset = data
            }
        }
        let n = read(fd, block.baseAddress, block.count)
        if n < 0 {
            if errno == EINTR { continue }
            throw SystemError(description: PathProblem.systemReason)
        }
        if n == 0 { break }
        try counting.add(utf8Block: UnsafeRawBufferPointer(rebasing: block[0..<n]))
        offset += off_t(n)
    }
    return counting.finish()
}
