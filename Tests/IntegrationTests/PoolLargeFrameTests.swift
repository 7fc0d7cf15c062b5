import Testing

/// Arguments, results and chunks over 64 KiB cross the wire as an announced
/// frame plus a body on a second tag, in both directions, under real mpirun.
@Suite(.serialized)
struct PoolLargeFrameTests {
    @Test func bigArgumentsResultsAndChunksArriveIntact() throws {
        let outcome = try Launcher.mpirun(4, "pool-testkit", ["--scenario", "large"], timeout: 120)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.lines.contains("done large"), "\(outcome)")
        let checks = Dictionary(outcome.lines.compactMap { line -> (String, String)? in
            guard line.hasPrefix("check "), let eq = line.firstIndex(of: "=") else { return nil }
            return (String(line[line.index(line.startIndex, offsetBy: 6)..<eq]), String(line[line.index(after: eq)...]))
        }, uniquingKeysWith: { _, last in last })
        #expect(checks["large.rangeCounts"] == "200000,10,100000,0,70000")
        #expect(checks["large.rangesExact"] == "true")
        #expect(checks["large.reversedExact"] == "true")
        #expect(checks["large.stringExact"] == "true")
        #expect(checks["large.smallAfter"] == String((0..<100).reduce(0) { $0 + $1 * $1 }))
    }
}
