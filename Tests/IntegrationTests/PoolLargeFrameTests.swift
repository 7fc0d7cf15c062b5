import Testing

/// Arguments, results and chunks over 64 KiB cross the wire as an announced
/// frame plus a body on a second tag, in both directions, under real mpirun.
@Suite(.serialized)
struct PoolLargeFrameTests {
    @Test func bigArgumentsResultsAndChunksArriveIntact() throws {
        let run = try ScenarioRun("large", timeout: 120)
        run.expectClean()
        #expect(run["large.rangeCounts"] == "200000,10,100000,0,70000", "\(run)")
        #expect(run["large.rangesExact"] == "true", "\(run)")
        #expect(run["large.reversedExact"] == "true", "\(run)")
        #expect(run["large.stringExact"] == "true", "\(run)")
        #expect(run["large.smallAfter"] == String((0..<100).reduce(0) { $0 + $1 * $1 }), "\(run)")
    }
}
