/// A command with GNU parallel-style placeholders, filled in from one line of an arguments file.
///
/// - `{}`: the whole line; `{1}`, `{2}`, …: its tab-separated columns (a missing column is
///   empty); `{#}`: the task number (1, 2, …).
/// - Every substituted argument is shell-quoted (``ShellQuote``), so that whatever a line holds
///   reaches the command as one word, as data. Do not put placeholders inside quotes of your own:
///   `'{1}'` would end the quoting the substitution adds.
/// - Any other text is kept as written, braces included (`awk '{print $1}'`, `${HOME}`).
/// - A template with no placeholder gets ` {}` appended, as in GNU parallel.
///
/// ```swift
/// let template = try CommandTemplate("simulate --seed {1} --out run-{1}.dat")
/// template.render(line: Array("42\tx".utf8), task: 1)   // simulate --seed 42 --out run-42.dat
/// ```
public struct CommandTemplate: Sendable, Equatable {
    /// One piece of the template.
    public enum Part: Sendable, Equatable {
        case literal([UInt8])
        /// `{}`
        case line
        /// `{N}`, N ≥ 1
        case column(Int)
        /// `{#}`
        case taskNumber
    }

    /// The pieces, in order.
    public let parts: [Part]

    /// Parses `text`. Throws ``TemplateError`` for `{0}` (columns count from 1) and for a
    /// column number too large to be one.
    public init(_ text: String) throws(TemplateError) {
        var parts: [Part] = []
        var literal: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "{"), let (part, length) = try Self.placeholder(bytes, at: i) {
                if !literal.isEmpty { parts.append(.literal(literal)); literal = [] }
                parts.append(part)
                i += length
            } else {
                literal.append(bytes[i])
                i += 1
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        if !parts.contains(where: { if case .literal = $0 { false } else { true } }) {
            parts.append(.literal(Array(" ".utf8)))
            parts.append(.line)
        }
        self.parts = parts
    }

    /// The placeholder starting at `bytes[i]` (a `{`) and its length, or nil if it is plain text.
    private static func placeholder(_ bytes: [UInt8], at i: Int) throws(TemplateError) -> (Part, Int)? {
        var j = i + 1
        guard j < bytes.count else { return nil }
        if bytes[j] == UInt8(ascii: "}") { return (.line, 2) }
        if bytes[j] == UInt8(ascii: "#"), j + 1 < bytes.count, bytes[j + 1] == UInt8(ascii: "}") { return (.taskNumber, 3) }
        var digits = 0
        while j < bytes.count, bytes[j] >= 0x30, bytes[j] <= 0x39 { j += 1; digits += 1 }
        guard digits > 0, j < bytes.count, bytes[j] == UInt8(ascii: "}") else { return nil }
        let text = String(decoding: bytes[(i + 1)..<j], as: UTF8.self)
        guard digits <= 6, let n = Int(text) else { throw .columnTooLarge(text) }
        guard n >= 1 else { throw .columnZero }
        return (.column(n), j + 1 - i)
    }

    /// Whether a placeholder names a column (`{1}`…): then lines are split at tabs.
    public var usesColumns: Bool { parts.contains { if case .column = $0 { true } else { false } } }

    /// The command for one line of the arguments file (without its newline), as task `task`.
    public func render(line: some Collection<UInt8>, task: Int) -> [UInt8] {
        let columns: [ArraySlice<UInt8>] = usesColumns ? Array(line).split(separator: 0x09, omittingEmptySubsequences: false) : []
        var out: [UInt8] = []
        for part in parts {
            switch part {
            case .literal(let text): out += text
            case .line: out += ShellQuote.quote(line)
            case .column(let n): out += ShellQuote.quote(n <= columns.count ? columns[n - 1] : [])
            case .taskNumber: out += Array(String(task).utf8)
            }
        }
        return out
    }
}

/// A `--command` template that cannot be used.
public enum TemplateError: Error, Equatable, CustomStringConvertible {
    /// `{0}`: columns are numbered from 1.
    case columnZero
    /// `{12345678}`: more digits than any line has columns.
    case columnTooLarge(String)

    /// What is wrong, in a sentence.
    public var description: String {
        switch self {
        case .columnZero: "{0} is not a column: columns are numbered from 1 ({1} is the first, {} the whole line)"
        case .columnTooLarge(let digits): "{\(digits)} is not a column number a line can have"
        }
    }
}
