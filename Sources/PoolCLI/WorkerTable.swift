import MPIPool

/// A plain-text table of what each worker did, for programs to print.
///
/// ```
///  rank  host        pid     chunks  tasks  busy (s)
///     1  node01      41203        2     10    5.0112
/// ```
public struct WorkerTable: Sendable {
    public let rows: [WorkerStats]
    public init(_ rows: [WorkerStats]) { self.rows = rows }

    public var rendered: String {
        let hostWidth = max(4, rows.map(\.host.count).max() ?? 4)
        func pad(_ s: String, _ n: Int, left: Bool = false) -> String {
            let space = String(repeating: " ", count: max(0, n - s.count))
            return left ? s + space : space + s
        }
        var lines = [pad("rank", 5) + "  " + pad("host", hostWidth, left: true) + "  " + pad("pid", 8) + pad("chunks", 8) + pad("tasks", 8) + pad("busy (s)", 10)]
        for r in rows {
            lines.append(pad("\(r.rank)", 5) + "  " + pad(r.host, hostWidth, left: true) + "  " + pad("\(r.pid)", 8)
                         + pad("\(r.chunks)", 8) + pad("\(r.tasks)", 8) + pad(String(format4(r.busySeconds)), 10))
        }
        return lines.joined(separator: "\n")
    }
}

/// `x` with 4 decimals, without Foundation.
func format4(_ x: Double) -> String {
    let scaled = Int((abs(x) * 10_000).rounded())
    let whole = scaled / 10_000, frac = scaled % 10_000
    let fracText = String(frac)
    return (x < 0 ? "-" : "") + "\(whole)." + String(repeating: "0", count: 4 - fracText.count) + fracText
}
