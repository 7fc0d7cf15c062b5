#if canImport(Glibc)
import Glibc
#endif

/// Reads a file (or standard input) one line at a time, a 64 KiB block at a time, so that a
/// file of a million lines is never held in memory: what is held is one block and one line.
///
/// Lines come without their `\n` (and without a `\r` before it: files written on Windows work);
/// a last line without a newline still counts. A line longer than ``maximumLineBytes`` stops the
/// reading with ``LineReaderError/lineTooLong(line:limit:)`` (a command that long could not be
/// run anyway: Linux limits one argument to 128 KiB).
///
/// ```swift
/// let reader = try LineReader(path: "tasks.txt")
/// while let line = try reader.next() { … }
/// ```
public final class LineReader {
    /// The longest line accepted, in bytes (1 MiB).
    public static let maximumLineBytes = 1 << 20
    /// The file's name as given (`-` for standard input).
    public let path: String
    /// Lines read so far (the number of the line `next()` returned last).
    public private(set) var lineNumber = 0
    /// Whether the last line read ended the file without a newline (a log line torn by a kill).
    public private(set) var lastLineUnterminated = false

    private let fd: Int32
    private let ownsDescriptor: Bool
    private var block: [UInt8]
    private var start = 0
    private var end = 0
    private var atEnd = false
    private let limit: Int

    /// Opens `path` for reading (`-`: standard input). Throws ``LineReaderError/cannotOpen(path:reason:)``.
    public init(path: String, blockSize: Int = 1 << 16, maximumLineBytes: Int = LineReader.maximumLineBytes) throws(LineReaderError) {
        self.path = path
        if path == "-" {
            fd = 0
            ownsDescriptor = false
        } else {
            var info = stat()
            if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
                throw .cannotOpen(path: path, reason: "it is a folder")
            }
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
            ownsDescriptor = true
        }
        block = [UInt8](repeating: 0, count: max(16, blockSize))
        limit = maximumLineBytes
    }

    deinit { if ownsDescriptor { close(fd) } }

    /// The next line, or nil at the end of the file.
    public func next() throws(LineReaderError) -> [UInt8]? {
        var line: [UInt8] = []
        while true {
            if start < end {
                let newline = block.withUnsafeBytes { raw in
                    memchr(raw.baseAddress! + start, 0x0A, end - start).map { $0 - UnsafeMutableRawPointer(mutating: raw.baseAddress!) }
                }
                let stop = newline ?? end
                if line.count + (stop - start) > limit { throw .lineTooLong(line: lineNumber + 1, limit: limit) }
                line += block[start..<stop]
                if let newline {
                    start = newline + 1
                    return finish(&line)
                }
                start = end
            }
            if atEnd {
                guard !line.isEmpty else { return nil }
                lastLineUnterminated = true
                return finish(&line)
            }
            try fill()
        }
    }

    private func finish(_ line: inout [UInt8]) -> [UInt8] {
        lineNumber += 1
        if line.last == 0x0D { line.removeLast() }
        return line
    }

    private func fill() throws(LineReaderError) {
        start = 0
        end = 0
        while true {
            let n = block.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .readFailed(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { atEnd = true }
            end = n
            return
        }
    }
}

/// Why a task or arguments file could not be read.
public enum LineReaderError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case readFailed(path: String, reason: String)
    case lineTooLong(line: Int, limit: Int)

    /// What went wrong, naming the file or the line.
    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open '\(path)': \(reason)"
        case .readFailed(let path, let reason): "cannot read '\(path)': \(reason)"
        case .lineTooLong(let line, let limit): "line \(line) is longer than \(limit) bytes"
        }
    }
}
