@testable import MPIPool

/// A chunk of a long task (100 ms): never prefetched with the default threshold of 50 ms.
let longNanos: UInt64 = 100_000_000
/// A chunk of a short task (1 µs): prefetched with the default threshold.
let shortNanos: UInt64 = 1_000

/// A fixed-seed generator (SplitMix64), so "random" tests replay exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D4_9CE3_3D24_97EB
        return z ^ (z >> 31)
    }
}

extension Scheduler.Decision {
    var sent: (chunk: Scheduler.Chunk, rank: Int)? {
        if case .send(let chunk, let rank) = self { return (chunk, rank) }
        return nil
    }
    var completedSubmission: Int? {
        if case .completed(let s) = self { return s }
        return nil
    }
}

extension Array where Element == Scheduler.Decision {
    var sends: [(chunk: Scheduler.Chunk, rank: Int)] { compactMap(\.sent) }
    var completions: [Int] { compactMap(\.completedSubmission) }
    /// `(submission, first..<end, rank)` of every send, for compact expectations.
    var sentRanges: [SentRange] { sends.map { SentRange($0.chunk.submission, $0.chunk.first..<$0.chunk.first + $0.chunk.count, $0.rank) } }
}

struct SentRange: Equatable, CustomStringConvertible {
    let submission: Int
    let items: Range<Int>
    let rank: Int
    init(_ submission: Int, _ items: Range<Int>, _ rank: Int) {
        self.submission = submission
        self.items = items
        self.rank = rank
    }
    var description: String { "s\(submission) \(items) → \(rank)" }
}

/// Everything a scheduler decided while being driven to idle.
struct Trace {
    var sends: [(chunk: Scheduler.Chunk, rank: Int)] = []
    var completions: [Int] = []
    /// The chunks `finished` handed back, in finishing order.
    var returned: [Scheduler.Chunk] = []
    /// The most chunks any worker held at once.
    var maxHeld = 0

    mutating func record(_ decisions: [Scheduler.Decision], scheduler: Scheduler) {
        sends += decisions.sends
        completions += decisions.completions
        maxHeld = max(maxHeld, scheduler.inFlight.values.map(\.count).max() ?? 0)
    }
}

/// Finishes in-flight chunks until the scheduler is idle (or `limit` steps pass).
/// `pick` chooses which worker finishes next among those holding chunks
/// (ascending ranks); a worker finishes its oldest chunk.
func drain(_ scheduler: inout Scheduler, trace: inout Trace, nanos: UInt64 = longNanos, limit: Int = 100_000,
           pick: ([Int]) -> Int = { $0[0] }) {
    var steps = 0
    while scheduler.chunksInFlight > 0 && steps < limit {
        steps += 1
        let busy = scheduler.inFlight.filter { !$0.value.isEmpty }.keys.sorted()
        let rank = pick(busy)
        let chunk = scheduler.inFlight[rank]![0]
        let (returned, decisions) = scheduler.finished(chunk: chunk.id, on: rank, computeNanos: nanos)
        if let returned { trace.returned.append(returned) }
        trace.record(decisions, scheduler: scheduler)
    }
}

/// The sizes of the chunks cut for `submission`, in cutting order.
func chunkSizes(_ trace: Trace, submission: Int) -> [Int] {
    trace.sends.filter { $0.chunk.submission == submission }.sorted { $0.chunk.first < $1.chunk.first }.map(\.chunk.count)
}

/// How often each item of `submission` was sent.
func coverage(_ trace: Trace, submission: Int, items: Int) -> [Int] {
    var seen = [Int](repeating: 0, count: items)
    for (chunk, _) in trace.sends where chunk.submission == submission {
        for i in chunk.first..<chunk.first + chunk.count where i >= 0 && i < items { seen[i] += 1 }
    }
    return seen
}
