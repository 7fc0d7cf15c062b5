/// Durations as users type them on the command line: `90` (seconds), `1.5s`, `250ms`, `2m`,
/// `1h30m`, `1d`.
///
/// ```swift
/// DurationText.seconds("1h30m")   // 5400
/// DurationText.seconds("250ms")   // 0.25
/// ```
public enum DurationText {
    /// The seconds `text` stands for, or nil unless it is one or more `<number><unit>` parts
    /// (units `ms`, `s`, `m`, `h`, `d`; a lone number is seconds) adding up to a finite value ≥ 0.
    public static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        var rest = Substring(text.lowercased())
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number.filter({ $0 == "." }).count <= 1, number != ".", let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            if rest.isEmpty {
                total += value
                break
            }
            guard let (unit, scale) = units.first(where: { rest.hasPrefix($0.0) && !(rest.hasPrefix("ms") && $0.0 == "m") }) else { return nil }
            total += value * scale
            rest = rest.dropFirst(unit.count)
        }
        return total.isFinite ? total : nil
    }
}
