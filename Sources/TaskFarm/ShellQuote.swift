/// Shell quoting for the task farm: data from an arguments file becomes exactly one word of
/// `/bin/sh -c`, whatever bytes it holds, so spaces, quotes, `;`, `$(…)` and newlines in data
/// never become shell syntax.
public enum ShellQuote {
    /// `word` as one POSIX shell word with exactly these bytes.
    ///
    /// A word made only of characters no shell treats specially (letters, digits, `-_./:,+@%`)
    /// stays as it is, unless it is a reserved word (`if`, `done`, …: syntax where a command
    /// name goes); anything else is put in single quotes, where the shell interprets nothing,
    /// and each `'` inside becomes `'\''` (close, an escaped quote, reopen). The empty word is
    /// `''`. Bytes that are not UTF-8 are kept as they are.
    ///
    /// ```swift
    /// ShellQuote.quote(Array("it's $(x)".utf8))   // 'it'\''s $(x)'
    /// ```
    public static func quote(_ word: some Collection<UInt8>) -> [UInt8] {
        let bytes = Array(word)
        let plain = bytes.withUnsafeBufferPointer { b in
            var i = 0
            while i < b.count && plainTable[Int(b[i])] { i += 1 }
            return i == b.count
        }
        if !bytes.isEmpty && plain && (bytes.count > 8 || !reservedWords.contains(bytes)) { return bytes }
        var out: [UInt8] = [0x27]
        out.reserveCapacity(bytes.count + 2)
        for byte in bytes {
            if byte == 0x27 { out += [0x27, 0x5C, 0x27, 0x27] } else { out.append(byte) }
        }
        out.append(0x27)
        return out
    }

    /// `quote` for a `String`.
    public static func quote(_ word: String) -> String {
        String(decoding: quote(Array(word.utf8)), as: UTF8.self)
    }

    /// The words a shell reads as syntax in a command name's place (POSIX, and bash's own).
    static let reservedWords: Set<[UInt8]> = Set(["case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in",
                                                  "then", "until", "while", "function", "select", "time", "coproc"].map { Array($0.utf8) })

    /// `isPlain` for every byte (a lookup: this runs for every argument of a million-line file).
    static let plainTable: [Bool] = (0..<256).map { isPlain(UInt8($0)) }

    /// Characters that mean nothing to a POSIX shell anywhere in a word. Not `~` and `#` (special
    /// at a word's start) nor `=` (`NAME=value` in a command name's place is an assignment).
    static func isPlain(_ c: UInt8) -> Bool {
        switch c {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true   // 0-9 A-Z a-z
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "+"), UInt8(ascii: "@"), UInt8(ascii: "%"): true
        default: false
        }
    }
}
