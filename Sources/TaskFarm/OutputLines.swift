/// How a task's captured output is shown on the terminal: whole lines only, so that the output
/// of two tasks never shares a line.
///
/// ```swift
/// OutputLines.grouped(Array("a\nb".utf8))            // "a\nb\n"
/// OutputLines.tagged(Array("a\nb\n".utf8), task: 7)  // "7\ta\n7\tb\n"
/// ```
public enum OutputLines {
    /// The output as it is, with a newline added if its last line has none (empty stays empty).
    public static func grouped(_ output: [UInt8]) -> [UInt8] {
        guard let last = output.last else { return [] }
        return last == 0x0A ? output : output + [0x0A]
    }

    /// Every line of the output prefixed with the task number and a tab (GNU parallel's `--tag`
    /// puts the arguments there; the number names a task whatever its arguments).
    public static func tagged(_ output: [UInt8], task: Int) -> [UInt8] {
        guard !output.isEmpty else { return [] }
        let prefix = Array("\(task)\t".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(output.count + output.count / 8 + prefix.count)
        var atLineStart = true
        for byte in output {
            if atLineStart { out += prefix }
            out.append(byte)
            atLineStart = byte == 0x0A
        }
        if !atLineStart { out.append(0x0A) }
        return out
    }
}
