/// One line of a joblog, in GNU parallel's `--joblog` format: nine tab-separated columns
/// under the header `Seq Host Starttime JobRuntime Send Receive Exitval Signal Command`.
///
/// ```
/// Seq	Host	Starttime	JobRuntime	Send	Receive	Exitval	Signal	Command
/// 1	node07	1718000000.123	     0.004	0	12	0	0	echo hello
/// 2	node07	1718000000.125	     2.001	0	0	-1	15	sleep 60
/// ```
///
/// `Starttime` is seconds since the epoch, `JobRuntime` seconds (both with 3 decimals, the
/// runtime right-aligned in 10 characters, as parallel writes them), `Send` the bytes given to
/// the task's standard input (always 0), `Receive` the bytes of its standard output. `Exitval`
/// is the exit status, 0 when a signal ended the task (`Signal` then names it), and -1 when it
/// ran past its timeout (`Signal`: the signal that stopped it, 15 or 9). `Command` is the rest
/// of the line: it may itself hold tabs.
public struct JoblogEntry: Sendable, Equatable {
    /// The columns, in order (see above).
    public var seq: Int
    public var host: String
    public var startTime: Double
    public var runtime: Double
    public var send: Int
    public var receive: Int
    public var exitValue: Int
    public var signal: Int
    public var command: [UInt8]

    /// An entry with these columns.
    public init(seq: Int, host: String, startTime: Double, runtime: Double, send: Int = 0, receive: Int,
                exitValue: Int, signal: Int, command: [UInt8]) {
        self.seq = seq
        self.host = host
        self.startTime = startTime
        self.runtime = runtime
        self.send = send
        self.receive = receive
        self.exitValue = exitValue
        self.signal = signal
        self.command = command
    }

    /// The header line, without its newline.
    public static let header = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand"

    /// Whether the task succeeded: exit status 0 and no signal (what `--resume-failed` keeps).
    public var succeeded: Bool { exitValue == 0 && signal == 0 }

    /// The line, newline included.
    public var line: [UInt8] {
        // A host name with a tab or newline would shift the columns: such characters become spaces.
        let safeHost = host.isEmpty ? ":" : String(host.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
        var text = "\(seq)\t\(safeHost)\t\(Self.fixed3(startTime))\t"
        let runtime = Self.fixed3(runtime)
        text += String(repeating: " ", count: max(0, 10 - runtime.utf8.count)) + runtime
        text += "\t\(send)\t\(receive)\t\(exitValue)\t\(signal)\t"
        // A command cannot hold a newline (it came from one line), but keep the log one line per task.
        return Array(text.utf8) + command.map { $0 == 0x0A ? 0x20 : $0 } + [0x0A]
    }

    /// Parses one line (without its newline); nil for the header and for anything that is not an entry.
    public static func parse(_ line: some Collection<UInt8>) -> JoblogEntry? {
        var fields: [ArraySlice<UInt8>] = []
        var rest = ArraySlice(line)
        while fields.count < 8, let tab = rest.firstIndex(of: 0x09) {
            fields.append(rest[rest.startIndex..<tab])
            rest = rest[(tab + 1)...]
        }
        guard fields.count == 8 else { return nil }
        func text(_ i: Int) -> String { String(decoding: fields[i], as: UTF8.self).trimmingSpaces }
        guard let seq = Int(text(0)), seq >= 1, let start = Double(text(2)), let runtime = Double(text(3)),
              let send = Int(text(4)), let receive = Int(text(5)), let exitValue = Int(text(6)), let signal = Int(text(7))
        else { return nil }
        return JoblogEntry(seq: seq, host: text(1), startTime: start, runtime: runtime, send: send, receive: receive,
                           exitValue: exitValue, signal: signal, command: Array(rest))
    }

    /// `x` with exactly three decimals (`1.5` → `1.500`), without Foundation.
    public static func fixed3(_ x: Double) -> String {
        guard x.isFinite else { return "0.000" }
        let thousandths = Int((abs(x) * 1000).rounded())
        let fraction = String(thousandths % 1000)
        return (x < 0 && thousandths > 0 ? "-" : "") + "\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

extension String {
    /// Without leading and trailing spaces (the runtime column is padded).
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " })!
        return String(scalars[first...last])
    }
}
