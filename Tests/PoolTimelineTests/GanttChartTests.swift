import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import PoolTimeline

@Suite struct GanttChartTests {
    /// Parses `svg`, failing the test when it is not well-formed XML.
    static func parse(_ svg: String) throws -> SVGElements {
        let parser = XMLParser(data: Data(svg.utf8))
        let elements = SVGElements()
        parser.delegate = elements
        #expect(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "")\n\(svg)")
        return elements
    }

    @Test func oneRowPerWorkerOneBarPerChunkAndTheIdleGaps() throws {
        let chart = GanttChart(try Traces.trace(Traces.twoSubmissions))
        let svg = try Self.parse(chart.svg)
        #expect(svg.root == "svg")
        #expect(svg.elements(ofClass: "row").map { $0["data-rank"] } == ["1", "2", "3", "4"])
        #expect(svg.elements(ofClass: "chunk").count == 4)
        #expect(svg.elements(ofClass: "idle").count == 1)
        #expect(svg.elements(ofClass: "submit").count == 2, "several submissions: each marked")
        #expect(svg.texts.contains("rank 1 · node01") && svg.texts.contains("rank 4 · node02"))
        // Colours by task: sleep's three bars share one, square's differs.
        let fills = svg.elements(ofClass: "chunk").map { $0["fill"] ?? "" }
        #expect(Set(fills).count == 2)
        #expect(fills.filter { $0 == chart.colors["sleep"] }.count == 3 && fills.filter { $0 == chart.colors["square"] }.count == 1)
    }

    @Test func barsSitOnTheTimeAxis() throws {
        var chart = GanttChart(try Traces.trace(Traces.twoSubmissions))
        chart.width = 1000
        let svg = try Self.parse(chart.svg)
        // 10 ms of trace: ticks every 2 ms from 0 to 10, in ms; the plot spans the ticks.
        let ticks = svg.elements(ofClass: "tick").compactMap { $0["x1"].flatMap(Double.init) }
        #expect(ticks.count == 6)
        #expect(svg.texts.contains("time since the pool started (ms)"))
        for label in ["0", "2", "4", "6", "8", "10"] { #expect(svg.texts.contains(label)) }
        let origin = ticks[0], perMs = (ticks[5] - ticks[0]) / 10
        let bars = svg.elements(ofClass: "chunk").map { (Double($0["x"]!)!, Double($0["width"]!)!) }.sorted { $0.0 < $1.0 }
        let expected = [(1.0, 4.0), (1.5, 6.5), (6.0, 2.0), (9.0, 1.0)]
        for (bar, (start, length)) in zip(bars, expected) {
            #expect(abs(bar.0 - (origin + start * perMs)) < 0.06 && abs(bar.1 - length * perMs) < 0.11, "\(bar) vs \(start) ms for \(length) ms")
        }
    }

    @Test func theLegendHasOneEntryPerTaskAndOneForIdle() throws {
        let svg = try Self.parse(GanttChart(try Traces.trace(Traces.twoSubmissions)).svg)
        #expect(svg.elements(ofClass: "legend-task").count == 2)
        #expect(svg.elements(ofClass: "legend-idle").count == 1)
        #expect(svg.texts.contains("sleep") && svg.texts.contains("square") && svg.texts.contains("idle"))
    }

    @Test func theTitleGivesMakespanAndUtilisation() throws {
        let svg = try Self.parse(GanttChart(try Traces.trace(Traces.twoSubmissions)).svg)
        #expect(svg.texts.contains("Pool timeline: 4 workers, makespan 9.00 ms, utilisation 37.5 %"))
        #expect(svg.texts.contains { $0.hasPrefix("makespan ÷ greedy list scheduling of the same chunks (6.50 ms) = 1.385") })
    }

    @Test func taskNamesAreEscaped() throws {
        let name = #"<b>&"x"'s</b>"#
        let trace = try Traces.trace([Traces.chunk(rank: 1, task: name, first: 0, ts: 0, dur: 1000),
                                      Traces.chunk(rank: 2, task: "tab\there\u{1}", first: 1, ts: 0, dur: 1000)])
        let text = GanttChart(trace).svg
        #expect(!text.contains("<b>"))
        let svg = try Self.parse(text)
        #expect(svg.texts.contains(name), "the legend shows the name as it is")
        #expect(svg.titles.contains { $0.hasPrefix(name + ": chunk 0") }, "and so does the bar's tooltip")
        #expect(svg.texts.contains("tab\there\u{FFFD}"), "a control character XML cannot hold is replaced")
        #expect(svg.elements(ofClass: "legend-task").count == 2)
    }

    @Test func aTraceWithoutChunksStillDrawsAValidChart() throws {
        let svg = try Self.parse(GanttChart(try Traces.trace([Traces.rank(0)], otherData: nil)).svg)
        #expect(svg.elements(ofClass: "row").isEmpty && svg.elements(ofClass: "chunk").isEmpty)
        #expect(svg.texts.contains("no workers"))
    }

    @Test func manyTasksGetDistinctColoursAndTheLegendWraps() throws {
        let events = (0 ..< 14).map { Traces.chunk(rank: 1 + $0 % 3, task: "task number \($0)", first: $0, ts: Double($0) * 100, dur: 90) }
        let chart = GanttChart(try Traces.trace(events))
        #expect(Set(chart.colors.values).count == 14)
        let svg = try Self.parse(chart.svg)
        let legendRows = Set(svg.elements(ofClass: "legend-task").compactMap { $0.children.first?["y"] })
        #expect(legendRows.count > 1, "14 entries do not fit on one line of 960 px")
    }

    @Test(arguments: [(2.5, "2.500 s"), (0.125, "125 ms"), (0.0125, "12.5 ms"), (0.009, "9.00 ms"), (0.00048, "480 µs"), (0.0000025, "2.50 µs")])
    func durationsShowThreeDigits(seconds: Double, text: String) {
        #expect(GanttChart.duration(seconds) == text)
    }

    @Test(arguments: [(0.0005, "ms", 0.0001), (0.009, "ms", 0.002), (0.01, "ms", 0.002), (0.016, "ms", 0.002), (0.017, "ms", 0.005), (1.2893, "s", 0.2), (6.4, "s", 1), (90, "s", 20)])
    func theAxisHasAboutEightRoundTicks(last: Double, unit: String, step: Double) {
        let axis = TimeAxis(upTo: last)
        #expect(axis.unit == unit)
        #expect(abs(axis.step - step) < step * 1e-9)
        #expect(axis.end >= last && axis.end < last + axis.step * 1.000001)
        #expect((5 ... 11).contains(axis.ticks.count))
    }
}

/// The elements of a parsed SVG with their attributes and children, and its text.
final class SVGElements: NSObject, XMLParserDelegate {
    final class Element {
        let name: String
        let attributes: [String: String]
        var children: [Element] = []
        var text = ""
        init(name: String, attributes: [String: String]) { self.name = name; self.attributes = attributes }
        subscript(key: String) -> String? { attributes[key] }
    }
    private(set) var all: [Element] = []
    private var open: [Element] = []
    var root: String? { all.first?.name }
    /// The text of every `<text>` element.
    var texts: [String] { all.filter { $0.name == "text" }.map(\.text) }
    /// The text of every `<title>` element (the tooltips).
    var titles: [String] { all.filter { $0.name == "title" }.map(\.text) }

    func elements(ofClass name: String) -> [Element] { all.filter { $0["class"] == name } }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        let element = Element(name: elementName, attributes: attributes)
        open.last?.children.append(element)
        open.append(element)
        all.append(element)
    }
    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { open.last?.text += string }
}
