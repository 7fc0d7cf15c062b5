import Glibc

/// What the command-line paths name: the regular files to count, the paths
/// that are not counted (each named, exit status 1), and notes on links not
/// followed because they lead to a folder walked already (exit status 0).
struct PathExpansion {
    var files: [String] = []
    var problems: [PathProblem] = []
    var notes: [String] = []

    /// The files named or found, counted or not (folders that could not be listed are not files).
    var fileCount: Int { files.count + problems.filter { !$0.isFolder }.count }
}

/// The files named by `arguments`, found without opening any file.
///
/// An argument is followed if it is a link (a linked folder counts as the
/// folder). Folders are walked recursively, hidden entries skipped, and their
/// files sorted by path. Each entry's kind is checked with `lstat`/`stat`
/// only: FIFOs, devices and sockets become `.notRegular` problems, never
/// opened. Inside a walk a link to a folder is followed once: each folder is
/// known by its (device, inode), so a link back to a folder being walked (a
/// loop) or to one walked already is named in `notes` and not followed; real
/// folders are walked before linked ones, so the real path is the one
/// counted. Each argument is walked on its own: a folder named twice counts
/// twice, as a file named twice does.
///
/// ```swift
/// let found = expandPaths(["poems", "/dev/zero"])
/// found.files      // ["poems/a.txt", "poems/b.txt"]
/// found.problems   // [.notRegular(path: "/dev/zero", kind: .characterDevice)]
/// ```
func expandPaths(_ arguments: [String]) -> PathExpansion {
    var expansion = PathExpansion()
    for argument in arguments {
        var info = stat()
        guard stat(argument, &info) == 0 else {
            expansion.problems.append(.unreadable(path: argument, reason: PathProblem.systemReason))
            continue
        }
        switch FileKind(mode: info.st_mode) {
        case .regular: expansion.files.append(argument)
        case .directory:
            var walk = FolderWalk(root: argument, info: info)
            walk.walk(into: &expansion)
        case let kind: expansion.problems.append(.notRegular(path: argument, kind: kind))
        }
    }
    return expansion
}

/// A folder, known by its device and inode whatever path leads to it.
struct FolderID: Hashable {
    let device: UInt64
    let inode: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

/// One argument's walk: an explicit stack (no recursion, however deep the tree)
/// and the folders entered so far with the path each was entered by.
private struct FolderWalk {
    /// Real folders still to list.
    var folders: [String]
    /// Links to folders met, followed after every real folder.
    var linked: [(path: String, id: FolderID)] = []
    var entered: [FolderID: String]
    var found: [String] = []

    init(root: String, info: stat) {
        folders = [root]
        entered = [FolderID(info): root]
    }

    mutating func walk(into expansion: inout PathExpansion) {
        while let folder = nextFolder(&expansion) {
            let names: [String]
            switch listFolder(folder) {
            case .success(let listed): names = listed
            case .failure(let problem):
                expansion.problems.append(problem)
                continue
            }
            for name in names.sorted() where !name.hasPrefix(".") {
                visit(join(folder, name), &expansion)
            }
        }
        expansion.files += found.sorted()
    }

    /// The next folder to list: a real one, else a linked one not entered yet.
    mutating func nextFolder(_ expansion: inout PathExpansion) -> String? {
        if let folder = folders.popLast() { return folder }
        while !linked.isEmpty {
            let link = linked.removeFirst()
            if let note = alreadyEntered(link.path, link.id) { expansion.notes.append(note); continue }
            entered[link.id] = link.path
            return link.path
        }
        return nil
    }

    /// Sorts one entry: a file to count, a folder to walk, or a problem.
    mutating func visit(_ path: String, _ expansion: inout PathExpansion) {
        var info = stat()
        guard lstat(path, &info) == 0 else {   // it vanished since the listing
            expansion.problems.append(.unreadable(path: path, reason: PathProblem.systemReason))
            return
        }
        let isLink = FileKind(mode: info.st_mode) == .symbolicLink
        if isLink && stat(path, &info) != 0 {   // dangling, or a chain of links that never ends (ELOOP)
            expansion.problems.append(.unreadable(path: path, reason: PathProblem.systemReason))
            return
        }
        switch FileKind(mode: info.st_mode) {
        case .regular:
            found.append(path)
        case .directory where isLink:
            linked.append((path, FolderID(info)))
        case .directory:
            let id = FolderID(info)
            if let note = alreadyEntered(path, id) { expansion.notes.append(note); return }   // a bind mount of an ancestor
            entered[id] = path
            folders.append(path)
        case let kind:
            expansion.problems.append(.notRegular(path: path, kind: kind))
        }
    }

    /// The note for `path` if its folder was entered already, else nil.
    func alreadyEntered(_ path: String, _ id: FolderID) -> String? {
        guard let first = entered[id] else { return nil }
        if path.hasPrefix(first.hasSuffix("/") ? first : first + "/") {
            return "not following '\(path)': it leads back to '\(first)' (a loop)"
        }
        return "not following '\(path)': it leads to '\(first)', counted already"
    }
}

/// The names in the folder at `path` (without `.` and `..`), or why it cannot be listed.
func listFolder(_ path: String) -> Result<[String], PathProblem> {
    guard let folder = opendir(path) else {
        return .failure(.unreadableFolder(path: path, reason: PathProblem.systemReason))
    }
    defer { closedir(folder) }
    var names: [String] = []
    while true {
        errno = 0
        guard let entry = readdir(folder) else {
            if errno != 0 { return .failure(.unreadableFolder(path: path, reason: PathProblem.systemReason)) }
            return .success(names)
        }
        let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
}

/// `folder/name`, without doubling a slash the folder ends with.
func join(_ folder: String, _ name: String) -> String {
    folder.hasSuffix("/") ? folder + name : folder + "/" + name
}
