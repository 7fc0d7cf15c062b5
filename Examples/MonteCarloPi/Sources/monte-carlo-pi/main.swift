// Estimates π by throwing darts at the unit square on an MPIPool, in the async style.
//
//   swift build && mpirun -n 4 .build/debug/monte-carlo-pi     # rank 0 schedules, 3 workers throw
//   .build/debug/monte-carlo-pi --batches 4 --darts 50000       # one rank: it throws every dart itself
//
// Each batch seeds its own generator, so the total of hits is the same whatever
// the number of ranks and whatever order the batches finish in.
#if canImport(Glibc)
import Glibc
#endif
import MPIPool

/// SplitMix64: a tiny deterministic generator, plenty for darts.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A uniform Double in [0, 1): the top 53 bits.
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
}

/// `--batches B --darts N`. A bad flag ends every rank with status 64 before the
/// pool starts; only rank 0 says why, so the message appears once under mpirun.
func parseFlags() -> (batches: Int, darts: Int) {
    func fail(_ message: String) -> Never {
        if PoolContext.rank == 0 {
            let line = "monte-carlo-pi: \(message) (usage: monte-carlo-pi [--batches B] [--darts N])\n"
            _ = line.withCString { write(2, $0, strlen($0)) }
        } else {
            usleep(500_000)  // let rank 0 exit first: mpirun tears the job down at the first failure
        }
        exit(64)
    }
    var flags = (batches: 16, darts: 200_000)
    var arguments = CommandLine.arguments.dropFirst()
    while let flag = arguments.popFirst() {
        guard flag == "--batches" || flag == "--darts" else { fail("unknown argument '\(flag)'") }
        guard let text = arguments.popFirst() else { fail("\(flag) needs a value") }
        guard let value = Int(text), value >= 1 else { fail("\(flag) needs a positive integer, got '\(text)'") }
        if flag == "--batches" { flags.batches = value } else { flags.darts = value }
    }
    return flags
}

let (batchCount, dartsPerBatch) = parseFlags()

var tasks = TaskRegistry()
let darts = tasks.register("darts") { (seed: UInt64, count: Int) -> Int in
    var random = SplitMix64(state: seed)
    var hits = 0
    for _ in 0..<count {
        let x = random.unit(), y = random.unit()
        if x * x + y * y < 1 { hits += 1 }
    }
    return hits
}

// Batch k is seeded with k: batches 1…B go through imapUnordered, B+1 and B+2 show the other two styles.
let batches = (1...UInt64(batchCount)).map { (seed: $0, count: dartsPerBatch) }
let totalBatches = batchCount + 2

do {
    try await Pool.run(tasks) { pool in
        var hits = 0, done = 0
        for try await batchHits in try pool.imapUnordered(darts, over: batches, chunkSize: .auto) {
            hits += batchHits
            done += 1
            print("progress \(done)/\(totalBatches) batches")
        }
        // concurrent.futures style: a Future, awaited.
        hits += try await Executor(pool).submit(darts, (UInt64(batchCount) + 1, dartsPerBatch)).value
        print("progress \(totalBatches - 1)/\(totalBatches) batches")
        // multiprocessing style: an AsyncResult, waited for with a timeout.
        hits += try pool.applyAsync(darts, (UInt64(batchCount) + 2, dartsPerBatch)).get(timeout: .seconds(60))
        print("progress \(totalBatches)/\(totalBatches) batches")

        let thrown = totalBatches * dartsPerBatch
        let pi = 4 * Double(hits) / Double(thrown)
        let workers = pool.workerCount
        print("pi ≈ \((pi * 1e6).rounded() / 1e6) from \(thrown) darts in \(totalBatches) batches on \(workers) worker\(workers == 1 ? "" : "s")")
        print("hits=\(hits) darts=\(thrown)")
    }
} catch {
    print("monte-carlo-pi: \(error)")
    exit(1)
}
