import Glibc
import MPIPool

/// What `stat` says a path is.
enum FileKind: Equatable, CaseIterable {
    case regular, directory, symbolicLink, fifo, characterDevice, blockDevice, socket, unknown

    init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symbolicLink
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFSOCK: self = .socket
        default: self = .unknown
        }
    }

    /// How the kind is named on stderr: `not a regular file (fifo)`.
    var name: String {
        switch self {
        case .regular: "regular file"
        case .directory: "directory"
        case .symbolicLink: "symbolic link"
        case .fifo: "fifo"
        case .characterDevice: "character device"
        case .blockDevice: "block device"
        case .socket: "socket"
        case .unknown: "unknown kind"
        }
    }
}

/// A path that was not counted, and why; each is named on stderr and makes
/// the exit status 1.
///
/// ```swift
/// PathProblem.notRegular(path: "in.fifo", kind: .fifo).message   // "skipped 'in.fifo': not a regular file (fifo)"
/// ```
enum PathProblem: Error, Equatable, CustomStringConvertible {
    /// The path does not exist, is a dangling link, or cannot be opened or read.
    case unreadable(path: String, reason: String)
    /// A FIFO, device or socket: never opened (a FIFO blocks, a device may never end).
    case notRegular(path: String, kind: FileKind)
    /// A folder inside a walk that cannot be listed (its files are not counted).
    case unreadableFolder(path: String, reason: String)
    /// A regular file that is not text: a "word" longer than the limit.
    case notText(path: String, reason: String)

    /// The line printed after `countwords-mpi: `.
    var message: String {
        switch self {
        case .unreadable(let path, let reason): "error: cannot read '\(path)': \(reason)"
        case .notRegular(let path, let kind): "skipped '\(path)': not a regular file (\(kind.name))"
        case .unreadableFolder(let path, let reason): "error: cannot read folder '\(path)': \(reason)"
        case .notText(let path, let reason): "skipped '\(path)': not text: \(reason)"
        }
    }

    var description: String { message }

    /// Whether the path is a folder (not counted among the files).
    var isFolder: Bool {
        if case .unreadableFolder = self { return true }
        return false
    }

    /// The system's reason for the last failed call.
    static var systemReason: String { String(cString: strerror(errno)) }
}

extension PathProblem: WireCodable {
    /// One byte for the case, then the path and the reason (or the kind's code).
    static func write(_ value: PathProblem, to writer: inout WireWriter) throws {
        let (tag, path, detail): (UInt8, String, String) = switch value {
        case .unreadable(let path, let reason): (0, path, reason)
        case .notRegular(let path, let kind): (1, path, kind.name)
        case .unreadableFolder(let path, let reason): (2, path, reason)
        case .notText(let path, let reason): (3, path, reason)
        }
        writer.write(tag)
        try String.write(path, to: &writer)
        try String.write(detail, to: &writer)
    }

    static func read(from reader: inout WireReader) throws -> PathProblem {
        let tag = try reader.read(UInt8.self)
        let path = try String.read(from: &reader)
        let detail = try String.read(from: &reader)
        switch tag {
        case 0: return .unreadable(path: path, reason: detail)
        case 1: return .notRegular(path: path, kind: FileKind.allCases.first { $0.name == detail } ?? .unknown)
        case 2: return .unreadableFolder(path: path, reason: detail)
        case 3: return .notText(path: path, reason: detail)
        default: throw WireError("unknown path problem \(tag)")
        }
    }
}
