/// Where the tasks come from, and how a line becomes a command.
public enum TaskForm: Sendable, Equatable {
    /// A file of shell commands, one a line; blank lines and `#` comments are skipped.
    case commands
    /// One task per line of an arguments file, each line (every one, blank ones too, as in
    /// GNU parallel) filled into the template.
    case template(CommandTemplate)
}

/// One task read from the input: its number (1, 2, … in input order: `{#}`, the joblog's Seq),
/// the line of the file it came from, and the command to run.
public struct TaskLine: Sendable, Equatable {
    /// `{#}`: 1 for the first task.
    public var number: Int
    /// The line of the file it came from (1 for the first line, comments and blank lines counted).
    public var lineNumber: Int
    /// The command to run (bytes: the file's, not necessarily UTF-8).
    public var command: [UInt8]

    /// A task read from the input.
    public init(number: Int, lineNumber: Int, command: [UInt8]) {
        self.number = number
        self.lineNumber = lineNumber
        self.command = command
    }
}

/// Reads tasks lazily: one line at a time from the file, each turned into a command as it is read.
///
/// ```swift
/// let tasks = try TaskReader(path: "tasks.txt", form: .commands)
/// while let task = try tasks.next() { print(task.number, String(decoding: task.command, as: UTF8.self)) }
/// ```
public final class TaskReader {
    /// How lines become commands.
    public let form: TaskForm
    private let lines: LineReader
    private var count = 0

    /// Opens `path` (`-`: standard input).
    public init(path: String, form: TaskForm) throws(LineReaderError) {
        self.form = form
        lines = try LineReader(path: path)
    }

    /// The file's name as given.
    public var path: String { lines.path }

    /// The next task, or nil at the end of the input.
    public func next() throws(LineReaderError) -> TaskLine? {
        while let line = try lines.next() {
            switch form {
            case .commands:
                if Self.isBlankOrComment(line) { continue }
                count += 1
                return TaskLine(number: count, lineNumber: lines.lineNumber, command: line)
            case .template(let template):
                count += 1
                return TaskLine(number: count, lineNumber: lines.lineNumber, command: template.render(line: line, task: count))
            }
        }
        return nil
    }

    /// A line of spaces and tabs only, or whose first other character is `#`.
    public static func isBlankOrComment(_ line: [UInt8]) -> Bool {
        guard let first = line.first(where: { $0 != 0x20 && $0 != 0x09 }) else { return true }
        return first == UInt8(ascii: "#")
    }
}
