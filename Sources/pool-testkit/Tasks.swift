import MPIPool
import PoolCLI
import Synchronization

/// An error a test task throws on purpose.
struct TestFailure: Error, CustomStringConvertible {
    let text: String
    var description: String { text }
}

/// A `Codable` wire type whose `encode(to:)` always throws: it can never leave the rank that made it.
struct Unencodable: Codable, WireCodable {
    var x: Int
    init(x: Int) { self.x = x }
    func encode(to encoder: any Encoder) throws { throw TestFailure(text: "Unencodable(\(x)) refuses to encode") }
}

/// A `Codable` wire type that encodes fine but whose `init(from:)` always throws.
struct Undecodable: Codable, WireCodable {
    var x: Int
    init(x: Int) { self.x = x }
    init(from decoder: any Decoder) throws { throw TestFailure(text: "Undecodable refuses to decode") }
}

/// What the pool initializer left in this process: how often it ran and the value it stored.
enum InitState {
    static let state = Mutex<(runs: Int, value: Int)>((0, -1))

    /// The initializer of the `master-init` scenario: stores rank × 10 + 7.
    static func initialize() {
        state.withLock { $0.runs += 1; $0.value = PoolContext.rank * 10 + 7 }
    }
}

/// The test tasks, registered in the same order on every rank.
struct TestTasks: Sendable {
    let registry: TaskRegistry
    /// x → x².
    let square: PoolTask<Int, Int>
    /// (x, y) → x + y.
    let add: PoolTask<(Int, Int), Int>
    /// (x, milliseconds, fail) → sleeps, then throws `TestFailure("job x failed")` if fail, else x².
    let job: PoolTask<(Int, Int, Bool), Int>
    /// seconds → sleeps, returns the rank that ran it.
    let nap: PoolTask<Double, Int>
    /// any → sleeps 5 ms, returns the rank that ran it.
    let whoami: PoolTask<Int, Int>
    /// () → the rank that ran it.
    let rankNow: PoolTask<NoArguments, Int>
    /// (x, milliseconds) → sleeps, returns x.
    let echoAfter: PoolTask<(Int, Int), Int>
    /// s → s uppercased + "!".
    let shout: PoolTask<String, String>
    /// any → sleeps 20 ms, returns [rank, initializer runs, initializer value].
    let initProbe: PoolTask<Int, [Int]>
    /// x → a result that cannot be encoded (on the worker).
    let makeUnencodable: PoolTask<Int, Unencodable>
    /// An argument that cannot be encoded (on the master).
    let takeUnencodable: PoolTask<Unencodable, Int>
    /// x → a result that the master cannot decode.
    let makeUndecodable: PoolTask<Int, Undecodable>
    /// An argument the worker cannot decode.
    let takeUndecodable: PoolTask<Undecodable, Int>
    /// n → [0, 1, …, n-1] (big results: frames over 64 KiB).
    let makeRange: PoolTask<Int, [Int]>
    /// xs → xs reversed (big arguments and results).
    let reversed: PoolTask<[Int], [Int]>

    init() {
        var tasks = TaskRegistry()
        square = tasks.register("square") { (x: Int) in x * x }
        add = tasks.register("add") { (x: Int, y: Int) in x + y }
        job = tasks.register("job") { (x: Int, ms: Int, fail: Bool) throws -> Int in
            pause(seconds: Double(ms) / 1000)
            if fail { throw TestFailure(text: "job \(x) failed") }
            return x * x
        }
        nap = tasks.register("nap") { (seconds: Double) -> Int in
            pause(seconds: seconds)
            return PoolContext.rank
        }
        whoami = tasks.register("whoami") { (_: Int) -> Int in
            pause(seconds: 0.005)
            return PoolContext.rank
        }
        rankNow = tasks.register("rankNow") { () -> Int in PoolContext.rank }
        echoAfter = tasks.register("echoAfter") { (x: Int, ms: Int) -> Int in
            pause(seconds: Double(ms) / 1000)
            return x
        }
        shout = tasks.register("shout") { (s: String) in s.uppercased() + "!" }
        initProbe = tasks.register("initProbe") { (_: Int) -> [Int] in
            pause(seconds: 0.02)
            let (runs, value) = InitState.state.withLock { ($0.runs, $0.value) }
            return [PoolContext.rank, runs, value]
        }
        makeUnencodable = tasks.register("makeUnencodable") { (x: Int) in Unencodable(x: x) }
        takeUnencodable = tasks.register("takeUnencodable") { (u: Unencodable) in u.x }
        makeUndecodable = tasks.register("makeUndecodable") { (x: Int) in Undecodable(x: x) }
        takeUndecodable = tasks.register("takeUndecodable") { (u: Undecodable) in u.x }
        makeRange = tasks.register("makeRange") { (n: Int) in Array(0..<n) }
        reversed = tasks.register("reversed") { (xs: [Int]) in Array(xs.reversed()) }
        registry = tasks
    }
}
