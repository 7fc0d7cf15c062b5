import Foundation

/// A small x–y chart written as a standalone SVG file: axes with ticks,
/// any number of series drawn as points or lines, vertical markers and a legend.
///
/// ```swift
/// var plot = SVGPlot(title: "Speed-up", xLabel: "workers", yLabel: "speed-up")
/// plot.add(SVGPlot.Series(name: "measured", points: [(1, 1), (2, 1.9)], style: .points, color: "#d62728"))
/// plot.add(SVGPlot.Series(name: "ideal", points: [(1, 1), (2, 2)], style: .dashedLine, color: "#7f7f7f"))
/// try plot.svg.write(toFile: "speedup.svg", atomically: true, encoding: .utf8)
/// ```
public struct SVGPlot: Sendable {
    /// How a series is drawn.
    public enum Style: Sendable { case points, line, dashedLine }

    /// One named set of points.
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var style: Style
        public var color: String
        /// A series named `name`, drawn in `style` and `color` (any SVG colour).
        public init(name: String, points: [(x: Double, y: Double)], style: Style, color: String) {
            self.name = name
            self.points = points
            self.style = style
            self.color = color
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var width = 720.0
    public var height = 480.0
    public private(set) var series: [Series] = []
    /// Vertical lines at `x` with a label (e.g. the number of cores).
    public private(set) var markers: [(x: Double, label: String)] = []

    /// An empty chart.
    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// Adds a series (drawn in the order added).
    public mutating func add(_ series: Series) { self.series.append(series) }

    /// Adds a labelled vertical line at `x`.
    public mutating func addMarker(x: Double, label: String) { markers.append((x, label)) }

    /// The chart as an SVG document.
    public var svg: String {
        let left = 70.0, right = 190.0, top = 50.0, bottom = 60.0
        let plotW = width - left - right, plotH = height - top - bottom
        let xs = series.flatMap { $0.points.map(\.x) } + markers.map(\.x)
        let ys = series.flatMap { $0.points.map(\.y) }
        let xMax = niceCeiling(xs.max() ?? 1), yMax = niceCeiling(ys.max() ?? 1)
        let xMin = 0.0, yMin = 0.0
        func px(_ x: Double) -> Double { left + (x - xMin) / max(xMax - xMin, 1e-12) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yMin) / max(yMax - yMin, 1e-12) * plotH }
        var out = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="sans-serif" font-size="12">
        <rect x="0" y="0" width="\(f(width))" height="\(f(height))" fill="white"/>
        <text x="\(f(left + plotW / 2))" y="28" text-anchor="middle" font-size="16">\(escape(title))</text>

        """
        // Grid and ticks.
        for tick in ticks(upTo: xMax) {
            out += "<line x1=\"\(f(px(tick)))\" y1=\"\(f(top))\" x2=\"\(f(px(tick)))\" y2=\"\(f(top + plotH))\" stroke=\"#eeeeee\"/>\n"
            out += "<text x=\"\(f(px(tick)))\" y=\"\(f(top + plotH + 18))\" text-anchor=\"middle\">\(label(tick))</text>\n"
        }
        for tick in ticks(upTo: yMax) {
            out += "<line x1=\"\(f(left))\" y1=\"\(f(py(tick)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(py(tick)))\" stroke=\"#eeeeee\"/>\n"
            out += "<text x=\"\(f(left - 8))\" y=\"\(f(py(tick) + 4))\" text-anchor=\"end\">\(label(tick))</text>\n"
        }
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(left + plotW))\" y2=\"\(f(top + plotH))\" stroke=\"black\"/>\n"
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotH))\" stroke=\"black\"/>\n"
        out += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 18))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        out += "<text x=\"18\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(f(top + plotH / 2)))\">\(escape(yLabel))</text>\n"
        for marker in markers {
            out += "<line class=\"marker\" x1=\"\(f(px(marker.x)))\" y1=\"\(f(top))\" x2=\"\(f(px(marker.x)))\" y2=\"\(f(top + plotH))\" stroke=\"#9467bd\" stroke-dasharray=\"2 4\"/>\n"
            out += "<text x=\"\(f(px(marker.x) + 4))\" y=\"\(f(top + 14))\" fill=\"#9467bd\">\(escape(marker.label))</text>\n"
        }
        // Series.
        for s in series {
            switch s.style {
            case .points:
                for p in s.points {
                    out += "<circle class=\"point\" cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"5\" fill=\"\(s.color)\"><title>\(escape(s.name)): \(label(p.x)), \(label(p.y))</title></circle>\n"
                }
            case .line, .dashedLine:
                let path = s.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                let dash = s.style == .dashedLine ? " stroke-dasharray=\"6 4\"" : ""
                out += "<polyline class=\"line\" points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dash)/>\n"
            }
        }
        // Legend.
        for (i, s) in series.enumerated() {
            let y = top + 10 + Double(i) * 22, x = left + plotW + 16
            switch s.style {
            case .points: out += "<circle cx=\"\(f(x + 10))\" cy=\"\(f(y))\" r=\"5\" fill=\"\(s.color)\"/>\n"
            case .line, .dashedLine:
                let dash = s.style == .dashedLine ? " stroke-dasharray=\"6 4\"" : ""
                out += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 20))\" y2=\"\(f(y))\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dash)/>\n"
            }
            out += "<text x=\"\(f(x + 28))\" y=\"\(f(y + 4))\">\(escape(s.name))</text>\n"
        }
        out += "</svg>\n"
        return out
    }

    private func f(_ x: Double) -> String { String(format: "%.1f", x) }
    private func label(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%.2f", x) }

    private func escape(_ text: String) -> String { xmlEscaped(text) }

    /// The smallest of 1, 2, 5 × 10ᵏ (or an integer for small ranges) at or above `x`.
    private func niceCeiling(_ x: Double) -> Double {
        guard x > 0 else { return 1 }
        if x <= 10 { return x.rounded(.up) }
        let magnitude = pow(10, (log10(x)).rounded(.down))
        for step in [1.0, 2, 5, 10] where step * magnitude >= x { return step * magnitude }
        return 10 * magnitude
    }

    private func ticks(upTo maximum: Double) -> [Double] {
        let raw = maximum / 8
        let magnitude = pow(10, log10(max(raw, 1e-12)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let usable = max(step, maximum <= 10 ? 1 : step)
        return stride(from: 0, through: maximum + usable / 1e6, by: usable).map { $0 }
    }
}

/// `text` made safe inside XML character data and quoted attributes: `&`, `<`, `>`, `"`, `'`
/// become entities, and the characters XML 1.0 forbids even as references (controls other
/// than tab, newline and return; U+FFFE, U+FFFF) become U+FFFD.
///
/// ```swift
/// xmlEscaped("a<b & \"c\"")   // a&lt;b &amp; &quot;c&quot;
/// ```
public func xmlEscaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
        case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
            out += "\u{FFFD}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
