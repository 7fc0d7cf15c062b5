import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import Workloads

@Suite struct SVGPlotTests {
    @Test func plotIsWellFormedXMLWithEveryPointSeriesAndMarker() throws {
        var plot = SVGPlot(title: "speed-up <test> & more", xLabel: "workers", yLabel: "speed-up")
        plot.add(.init(name: "measured", points: [(1, 1), (2, 1.9), (3, 2.0)], style: .points, color: "#d62728"))
        plot.add(.init(name: "fit", points: [(1, 1), (2, 1.95), (3, 2.8)], style: .line, color: "#1f77b4"))
        plot.add(.init(name: "ideal", points: [(1, 1), (3, 3)], style: .dashedLine, color: "#7f7f7f"))
        plot.addMarker(x: 2, label: "2 cores")
        let svg = plot.svg
        let data = try #require(svg.data(using: .utf8))
        let parser = XMLParser(data: data)
        let collector = ElementCollector()
        parser.delegate = collector
        #expect(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
        #expect(collector.classes.filter { $0 == "point" }.count == 3)
        #expect(collector.classes.filter { $0 == "line" }.count == 2)
        #expect(collector.classes.filter { $0 == "marker" }.count == 1)
        #expect(collector.text.contains("speed-up <test> & more"))
        #expect(collector.text.contains("2 cores"))
    }

    @Test func xmlEscapingCoversMarkupQuotesAndForbiddenControls() {
        #expect(xmlEscaped(#"<a href="x">Tom & Jerry's</a>"#) == "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;")
        #expect(xmlEscaped("tab\tline\nnul\u{0}bell\u{7}\u{FFFE}é") == "tab\tline\nnul\u{FFFD}bell\u{FFFD}\u{FFFD}é")
    }
}

/// Collects `class` attributes and text of an SVG document.
final class ElementCollector: NSObject, XMLParserDelegate {
    var classes: [String] = []
    var text = ""
    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if let c = attributes["class"] { classes.append(c) }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
}
