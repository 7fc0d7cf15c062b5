import Foundation
import Workloads

/// A Gantt chart of a trace as a standalone SVG document: one row per worker
/// (labelled with its rank and host), one bar per chunk coloured by task, the
/// trace's idle gaps hatched in grey, a time axis in s or ms from the pool's
/// start, a legend with one entry per task, and a title with the makespan and
/// utilisation. Every bar has a tooltip (`<title>`) with its chunk, items and times.
///
/// Elements carry classes for tools and tests: `row` (one `<g>` per worker,
/// `data-rank`), `chunk`, `chunk-label` (items on bars wide enough), `idle`, `tick`,
/// `legend-task`, `legend-idle`, `submit` (when there are several submissions).
///
/// ```swift
/// let trace = try PoolTrace(contentsOfFile: "run.json")
/// try GanttChart(trace).svg.write(toFile: "run.svg", atomically: true, encoding: .utf8)
/// ```
public struct GanttChart: Sendable {
    public let trace: PoolTrace
    public let summary: TimelineSummary
    /// Width of the whole picture in pixels; rows are `rowHeight` high.
    public var width = 960.0
    public var rowHeight = 22.0
    /// The title; nil: "Pool timeline: N workers, makespan …, utilisation …".
    public var title: String?

    /// A chart of `trace` (its summary computed unless given).
    public init(_ trace: PoolTrace, summary: TimelineSummary? = nil) {
        self.trace = trace
        self.summary = summary ?? TimelineSummary(trace)
    }

    /// The colour of each task, in the order tasks first ran: Tableau 10, then golden-angle hues.
    public var colors: [String: String] {
        let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
        var colors: [String: String] = [:]
        for (i, task) in summary.tasks.enumerated() {
            colors[task] = i < palette.count ? palette[i]
                : "hsl(\(Int((Double(i) * 137.508).truncatingRemainder(dividingBy: 360))), 55%, 55%)"
        }
        return colors
    }

    /// The default title.
    public var defaultTitle: String {
        let n = summary.workers.count
        return "Pool timeline: \(n) worker\(n == 1 ? "" : "s"), makespan \(Self.duration(summary.makespan)), "
            + "utilisation \(fixed(summary.utilisation * 100, 1)) %"
    }

    /// The chart as an SVG document.
    public var svg: String {
        let workers = summary.workers
        let labels = workers.map { w in "rank \(w.rank)" + (w.rank == 0 ? " (master)" : "") + (w.host.map { " · \($0)" } ?? "") }
        let left = max(70, 7.0 * Double(labels.map(\.count).max() ?? 0) + 20), right = 24.0, top = 62.0
        let plotW = max(100, width - left - right), plotH = rowHeight * Double(max(1, workers.count))
        let lastTime = max(trace.chunks.map(\.end).max() ?? 0, trace.gaps.map(\.end).max() ?? 0)
        let axis = TimeAxis(upTo: lastTime)
        func px(_ t: Double) -> Double { left + t / axis.end * plotW }
        let legend = legendLayout(left: left, width: plotW)
        let axisY = top + plotH
        let height = axisY + 48 + legend.height + 16
        let colors = self.colors
        let chunksOfRank = Dictionary(grouping: trace.chunks, by: \.rank), gapsOfRank = Dictionary(grouping: trace.gaps, by: \.rank)
        let bar = rowHeight * 0.72, inset = (rowHeight - bar) / 2

        var out = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="sans-serif" font-size="12">
        <defs><pattern id="idle-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#f0f0f0"/><line x1="0" y1="0" x2="0" y2="6" stroke="#bdbdbd" stroke-width="2"/></pattern></defs>
        <rect x="0" y="0" width="\(f(width))" height="\(f(height))" fill="white"/>
        <text x="\(f(left))" y="24" font-size="16">\(xmlEscaped(title ?? defaultTitle))</text>
        <text x="\(f(left))" y="44" fill="#555555">\(xmlEscaped(subtitle))</text>

        """
        // Vertical grid first, under the bars.
        for tick in axis.ticks {
            out += "<line x1=\"\(f(px(tick)))\" y1=\"\(f(top))\" x2=\"\(f(px(tick)))\" y2=\"\(f(axisY))\" stroke=\"#e6e6e6\"/>\n"
        }
        for (i, (w, label)) in zip(workers, labels).enumerated() {
            let y = top + Double(i) * rowHeight
            out += "<g class=\"row\" data-rank=\"\(w.rank)\">\n"
            out += "<rect x=\"\(f(left))\" y=\"\(f(y))\" width=\"\(f(plotW))\" height=\"\(f(rowHeight))\" fill=\"\(i % 2 == 0 ? "#fbfbfb" : "#f5f5f5")\" fill-opacity=\"0.6\"/>\n"
            out += "<text x=\"\(f(left - 8))\" y=\"\(f(y + rowHeight / 2 + 4))\" text-anchor=\"end\">\(xmlEscaped(label))</text>\n"
            for gap in gapsOfRank[w.rank] ?? [] {
                out += "<rect class=\"idle\" x=\"\(f(px(gap.start)))\" y=\"\(f(y + inset))\" width=\"\(f(max(0.5, px(gap.end) - px(gap.start))))\" height=\"\(f(bar))\" fill=\"url(#idle-hatch)\">"
                    + "<title>idle \(Self.duration(gap.duration)) from \(Self.duration(gap.start))</title></rect>\n"
            }
            for c in chunksOfRank[w.rank] ?? [] {
                let x = px(c.start), wide = max(0.5, px(c.end) - x)
                let edge = wide >= 3 ? " stroke=\"white\" stroke-width=\"0.5\"" : ""
                out += "<rect class=\"chunk\" x=\"\(f(x))\" y=\"\(f(y + inset))\" width=\"\(f(wide))\" height=\"\(f(bar))\" fill=\"\(colors[c.task] ?? "#888888")\"\(edge)>"
                    + "<title>\(xmlEscaped(tooltip(c)))</title></rect>\n"
                let label = itemsLabel(c)
                if wide >= 7 * Double(label.count) + 6 {
                    out += "<text class=\"chunk-label\" x=\"\(f(x + 4))\" y=\"\(f(y + rowHeight / 2 + 3.5))\" font-size=\"10\" fill=\"white\">\(xmlEscaped(label))</text>\n"
                }
            }
            out += "</g>\n"
        }
        if workers.isEmpty {
            out += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(top + rowHeight / 2 + 4))\" text-anchor=\"middle\" fill=\"#777777\">no workers</text>\n"
        }
        // Submissions, when there are several: a dashed line where each was submitted.
        if summary.submissions.count > 1 {
            for e in trace.masterEvents where e.name == "submit" && e.time <= axis.end {
                out += "<line class=\"submit\" x1=\"\(f(px(e.time)))\" y1=\"\(f(top - 6))\" x2=\"\(f(px(e.time)))\" y2=\"\(f(axisY))\" stroke=\"#555555\" stroke-dasharray=\"3 3\"/>\n"
                out += "<text x=\"\(f(px(e.time) + 3))\" y=\"\(f(top - 8))\" font-size=\"10\" fill=\"#555555\">\(xmlEscaped("s\(e.submission.map(String.init) ?? "?")"))</text>\n"
            }
        }
        // Time axis.
        out += "<line x1=\"\(f(left))\" y1=\"\(f(axisY))\" x2=\"\(f(left + plotW))\" y2=\"\(f(axisY))\" stroke=\"black\"/>\n"
        for tick in axis.ticks {
            out += "<line class=\"tick\" x1=\"\(f(px(tick)))\" y1=\"\(f(axisY))\" x2=\"\(f(px(tick)))\" y2=\"\(f(axisY + 5))\" stroke=\"black\"/>\n"
            out += "<text x=\"\(f(px(tick)))\" y=\"\(f(axisY + 18))\" text-anchor=\"middle\">\(axis.label(tick))</text>\n"
        }
        out += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(axisY + 36))\" text-anchor=\"middle\">time since the pool started (\(axis.unit))</text>\n"
        // Legend: one entry per task, then the idle hatch.
        for entry in legend.entries {
            let y = axisY + 48 + entry.y
            let swatch = entry.task.map { colors[$0] ?? "#888888" } ?? "url(#idle-hatch)"
            out += "<g class=\"\(entry.task == nil ? "legend-idle" : "legend-task")\">"
                + "<rect x=\"\(f(entry.x))\" y=\"\(f(y))\" width=\"14\" height=\"14\" fill=\"\(swatch)\" stroke=\"#999999\" stroke-width=\"0.5\"/>"
                + "<text x=\"\(f(entry.x + 20))\" y=\"\(f(y + 11))\">\(xmlEscaped(entry.task ?? "idle"))</text></g>\n"
        }
        out += "</svg>\n"
        return out
    }

    /// `makespan ÷ greedy list scheduling of the same chunks (1.287 s) = 1.001 · 19 chunks, 19 items · work 8.472 s`.
    var subtitle: String {
        "makespan ÷ greedy list scheduling of the same chunks (\(Self.duration(summary.greedyMakespan))) = \(fixed(summary.ratio, 3))"
            + " · \(summary.chunkCount) chunk\(summary.chunkCount == 1 ? "" : "s"), \(summary.itemCount) item\(summary.itemCount == 1 ? "" : "s")"
            + " · work \(Self.duration(summary.busy))"
    }

    /// What a bar is labelled with when it is wide enough: its items (`12`, `10–11`), `s:` and the submission first when there are several.
    private func itemsLabel(_ c: PoolTrace.Chunk) -> String {
        let items = c.count == 1 ? "\(c.first)" : "\(c.first)–\(c.first + c.count - 1)"
        return summary.submissions.count > 1 ? "\(c.submission):\(items)" : items
    }

    private func tooltip(_ c: PoolTrace.Chunk) -> String {
        let items = c.count == 1 ? "item \(c.first)" : "items \(c.first)…\(c.first + c.count - 1)"
        return "\(c.task): \(c.chunk.map { "chunk \($0), " } ?? "")submission \(c.submission), \(items), rank \(c.rank), "
            + "from \(Self.duration(c.start)) for \(Self.duration(c.duration))"
    }

    /// Where each legend entry goes, wrapping into lines as wide as the plot.
    private func legendLayout(left: Double, width: Double) -> (entries: [(task: String?, x: Double, y: Double)], height: Double) {
        var entries: [(task: String?, x: Double, y: Double)] = []
        var x = left, y = 0.0
        for task in summary.tasks.map(Optional.some) + [nil] {
            let wide = 20 + 7 * Double((task ?? "idle").count) + 18
            if x > left, x + wide > left + width { x = left; y += 20 }
            entries.append((task, x, y))
            x += wide
        }
        return (entries, y + 14)
    }

    private func f(_ x: Double) -> String { String(format: "%.1f", x) }

    /// Three significant digits at least: `1.289 s`, `125 ms`, `12.5 ms`, `9.00 ms`, `480 µs`.
    static func duration(_ seconds: Double) -> String {
        let a = abs(seconds)
        if a >= 1 { return fixed(seconds, 3) + " s" }
        func digits(_ x: Double) -> Int { x >= 100 ? 0 : x >= 10 ? 1 : 2 }
        if a >= 1e-3 { return fixed(seconds * 1e3, digits(a * 1e3)) + " ms" }
        return fixed(seconds * 1e6, digits(a * 1e6)) + " µs"
    }
}

/// A time axis from 0: about 8 ticks 1, 2 or 5 × 10ᵏ apart, labelled in s from 1 s up, else in ms.
struct TimeAxis {
    let step: Double
    let end: Double
    let unit: String
    let scale: Double

    init(upTo last: Double) {
        let last = last > 0 ? last : 1e-3
        let raw = last / 8
        let magnitude = pow(10, log10(raw).rounded(.down))
        step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-9) } ?? 10 * magnitude
        end = max(step, (last / step - 1e-9).rounded(.up) * step)
        (unit, scale) = last >= 1 ? ("s", 1) : ("ms", 1e3)
    }

    var ticks: [Double] {
        let n = Int((end / step).rounded())
        return (0 ... n).map { Double($0) * step }
    }

    /// The tick's value in `unit`, with as many decimals as the step needs.
    func label(_ t: Double) -> String {
        let decimals = max(0, Int((-log10(step * scale) + 1e-9).rounded(.up)))
        return fixed(t * scale, decimals)
    }
}
