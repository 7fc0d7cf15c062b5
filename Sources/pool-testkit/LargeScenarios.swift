import MPIPool

extension Scenarios {
    /// Frames over 64 KiB both ways: big results, big arguments, big chunks, a big string.
    /// They travel as an announcement plus a body on a second tag; this checks every byte arrives.
    static func large(_ t: TestTasks) throws {
        try Pool.run(t.registry) { pool in
            let sizes = [200_000, 10, 100_000, 0, 70_000]
            let ranges = try pool.map(t.makeRange, over: sizes)
            value("large.rangeCounts", ranges.map(\.count).map(String.init).joined(separator: ","))
            value("large.rangesExact", zip(sizes, ranges).allSatisfy { $0.1 == Array(0..<$0.0) })

            let inputs = (1...6).map { k in Array(0..<(k * 30_000)) }
            let out = try pool.map(t.reversed, over: inputs, chunkSize: 2)   // chunks of up to 1.4 MB
            value("large.reversedExact", zip(inputs, out).allSatisfy { Array($0.0.reversed()) == $0.1 })

            let text = String(repeating: "swift mpi ", count: 40_000)       // 400 KB
            let shouted = try pool.apply(t.shout, text)
            value("large.stringExact", shouted == text.uppercased() + "!")

            // Mixed with small work, and the pool keeps serving.
            let small = try pool.map(t.square, over: 0..<100)
            value("large.smallAfter", small.reduce(0, +))
        }
    }
}
