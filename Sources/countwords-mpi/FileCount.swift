import Foundation
import Glibc
import MPIPool
import Workloads

/// One file's word counts, as a worker sends them back: the words and their
/// counts in two parallel arrays, or why the file could not be read.
struct FileCount: WireCodable {
    var path: String
    /// Empty when the file was read.
    var error: String
    var words: [String]
    var counts: [Int]

    var total: Int { counts.reduce(0, +) }

    static func write(_ value: FileCount, to writer: inout WireWriter) throws {
        writer.write(value.path)
        writer.write(value.error)
        try [String].write(value.words, to: &writer)
        try [Int].write(value.counts, to: &writer)
    }

    static func read(from reader: inout WireReader) throws -> FileCount {
        let path = try reader.readString()
        let error = try reader.readString()
        let words = try [String].read(from: &reader)
        let counts = try [Int].read(from: &reader)
        guard words.count == counts.count else { throw WireError("\(words.count) words but \(counts.count) counts") }
        return FileCount(path: path, error: error, words: words, counts: counts)
    }

    /// Reads and counts the file at `path` (run on a worker).
    static func count(path: String) -> FileCount {
        do {
            let bytes = try readFile(path)
            var counts = WordCounts()
            bytes.withUnsafeBytes { counts.add(utf8: $0) }
            let pairs = counts.counts
            return FileCount(path: path, error: "", words: Array(pairs.keys), counts: Array(pairs.values))
        } catch {
            return FileCount(path: path, error: error.description, words: [], counts: [])
        }
    }
}

/// A file that could not be read, with the system's reason.
struct ReadError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot read '\(path)': \(reason)" }
}

/// A file that could not be written (`--counts`).
struct WriteError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot write '\(path)': \(reason)" }
}

/// The whole file at `path`, by POSIX calls so that failures carry `strerror`.
func readFile(_ path: String) throws(ReadError) -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw ReadError(path: path, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw ReadError(path: path, reason: String(cString: strerror(errno))) }
    if (info.st_mode & S_IFMT) == S_IFDIR { throw ReadError(path: path, reason: "is a directory") }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(info.st_size))
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw ReadError(path: path, reason: String(cString: strerror(errno)))
        }
        if n == 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    return bytes
}

/// The files named by `arguments`: files as given, folders walked recursively
/// (hidden entries skipped, sorted by path). Paths that do not exist are
/// returned as `missing` so the caller can report them and count the rest.
func expandPaths(_ arguments: [String]) -> (files: [String], missing: [ReadError]) {
    var files: [String] = [], missing: [ReadError] = []
    let manager = FileManager.default
    for argument in arguments {
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: argument, isDirectory: &isDirectory) else {
            missing.append(ReadError(path: argument, reason: "No such file or directory"))
            continue
        }
        guard isDirectory.boolValue else { files.append(argument); continue }
        var found: [String] = []
        if let walker = manager.enumerator(atPath: argument) {
            while let relative = walker.nextObject() as? String {
                let name = (relative as NSString).lastPathComponent
                if name.hasPrefix(".") { walker.skipDescendants(); continue }
                let full = (argument as NSString).appendingPathComponent(relative)
                var dir: ObjCBool = false
                let exists = manager.fileExists(atPath: full, isDirectory: &dir)
                if exists && dir.boolValue { continue }
                found.append(full)  // a dangling link is kept: reading it reports the error
            }
        }
        files += found.sorted()
    }
    return (files, missing)
}
