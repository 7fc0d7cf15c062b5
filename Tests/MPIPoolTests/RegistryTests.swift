import MPI
import Synchronization
import Testing
@testable import MPIPool

struct Boom: Error, CustomStringConvertible {
    let item: Int
    var description: String { "boom at \(item)" }
}

/// Encodes to nothing: its `encode(to:)` always throws.
struct Unencodable: Codable, WireCodable {
    init() {}
    init(from decoder: any Decoder) throws { self.init() }
    func encode(to encoder: any Encoder) throws { throw Boom(item: -1) }
}

/// The arguments a task was called with, in call order (tasks are `@Sendable`).
final class CallLog: Sendable {
    private let calls = Mutex<[Int]>([])
    func record(_ x: Int) { calls.withLock { $0.append(x) } }
    var all: [Int] { calls.withLock { $0 } }
}

/// What running a chunk produced: the outcome and the bytes written.
struct Run {
    var outcome: ChunkOutcome
    var output: [UInt8]
}

/// Encodes `args` with the task's own codec and runs its registry entry on them, as a worker would.
func execute<A, R>(_ task: PoolTask<A, R>, in registry: TaskRegistry, _ args: [A],
                   beforeItem: (Int) -> Bool = { _ in false }) throws -> Run {
    let payload = try wireBytes { w in try args.withUnsafeBufferPointer { try task.arguments.writeRun($0, &w) } }
    return executeRaw(registry.entries[Int(task.id)], payload: payload, count: args.count, beforeItem: beforeItem)
}

func executeRaw(_ entry: TaskEntry, payload: [UInt8], count: Int, beforeItem: (Int) -> Bool = { _ in false }) -> Run {
    var writer = WireWriter(MessageBuffer())
    let outcome = payload.withUnsafeBytes { entry.execute($0, count, &writer, beforeItem) }
    return Run(outcome: outcome, output: writer.buffer.array)
}

/// Reads `count` results of the task from a run's output.
func results<A, R>(_ task: PoolTask<A, R>, _ run: Run, count: Int) throws -> [R] {
    try run.output.withUnsafeBytes { raw in
        var reader = WireReader(raw)
        let destination = UnsafeMutablePointer<R>.allocate(capacity: max(1, count))
        defer { destination.deallocate() }
        try task.results.readRun(count, &reader, destination)
        #expect(reader.remaining == 0)
        let values = Array(UnsafeBufferPointer(start: destination, count: count))
        destination.deinitialize(count: count)
        return values
    }
}

@Suite struct RegistryTests {
    // MARK: Fingerprint

    static func standard() -> TaskRegistry {
        var tasks = TaskRegistry()
        _ = tasks.register("add") { (x: Int, y: Int) in x + y }
        _ = tasks.register("square") { (x: Int) in x * x }
        _ = tasks.register("greet") { (name: String) in "hello \(name)" }
        return tasks
    }

    @Test func identicallyBuiltRegistriesHaveTheSameFingerprint() {
        #expect(Self.standard().fingerprint == Self.standard().fingerprint)
        #expect(TaskRegistry().fingerprint == TaskRegistry().fingerprint)
        #expect(TaskRegistry().fingerprint != Self.standard().fingerprint)
        // The closures' bodies are not part of it: only names and types.
        var other = TaskRegistry()
        _ = other.register("add") { (x: Int, y: Int) in x - y }
        _ = other.register("square") { (x: Int) in x + 1 }
        _ = other.register("greet") { (name: String) in name }
        #expect(other.fingerprint == Self.standard().fingerprint)
    }

    @Test func fingerprintChangesWithAName() {
        var tasks = TaskRegistry()
        _ = tasks.register("add") { (x: Int, y: Int) in x + y }
        _ = tasks.register("squares") { (x: Int) in x * x }
        _ = tasks.register("greet") { (name: String) in "hello \(name)" }
        #expect(tasks.fingerprint != Self.standard().fingerprint)
    }

    @Test func fingerprintChangesWithAnArgumentType() {
        var tasks = TaskRegistry()
        _ = tasks.register("add") { (x: Int, y: Int32) in x + Int(y) }
        _ = tasks.register("square") { (x: Int) in x * x }
        _ = tasks.register("greet") { (name: String) in "hello \(name)" }
        #expect(tasks.fingerprint != Self.standard().fingerprint)
        var arity = TaskRegistry()
        _ = arity.register("add") { (x: Int, y: Int, z: Int) in x + y + z }
        _ = arity.register("square") { (x: Int) in x * x }
        _ = arity.register("greet") { (name: String) in "hello \(name)" }
        #expect(arity.fingerprint != Self.standard().fingerprint)
    }

    @Test func fingerprintChangesWithAResultType() {
        var tasks = TaskRegistry()
        _ = tasks.register("add") { (x: Int, y: Int) in x + y }
        _ = tasks.register("square") { (x: Int) in Double(x * x) }
        _ = tasks.register("greet") { (name: String) in "hello \(name)" }
        #expect(tasks.fingerprint != Self.standard().fingerprint)
    }

    @Test func fingerprintChangesWithTheOrder() {
        var tasks = TaskRegistry()
        _ = tasks.register("square") { (x: Int) in x * x }
        _ = tasks.register("add") { (x: Int, y: Int) in x + y }
        _ = tasks.register("greet") { (name: String) in "hello \(name)" }
        #expect(tasks.fingerprint != Self.standard().fingerprint)
        #expect(tasks.names == ["square", "add", "greet"])
    }

    @Test func fingerprintChangesWithAnExtraOrMissingTask() {
        var more = Self.standard()
        _ = more.register("noop") { () in 0 }
        #expect(more.fingerprint != Self.standard().fingerprint)
        var fewer = TaskRegistry()
        _ = fewer.register("add") { (x: Int, y: Int) in x + y }
        _ = fewer.register("square") { (x: Int) in x * x }
        #expect(fewer.fingerprint != Self.standard().fingerprint)
    }

    @Test func tasksGetIDsAndSignaturesInRegistrationOrder() {
        var tasks = TaskRegistry()
        let add = tasks.register("add") { (x: Int, y: Int) in x + y }
        let greet = tasks.register("greet") { (name: String) in "hi \(name)" }
        let noop = tasks.register("noop") { () in true }
        #expect([add.id, greet.id, noop.id] == [0, 1, 2])
        #expect([add.name, greet.name, noop.name] == ["add", "greet", "noop"])
        #expect(tasks.names == ["add", "greet", "noop"])
        #expect(tasks.entries.map(\.signature) == [
            "add((Swift.Int, Swift.Int)) -> Swift.Int",
            "greet(Swift.String) -> Swift.String",
            "noop(MPIPool.NoArguments) -> Swift.Bool",
        ])
    }

    /// Registering a name twice is a precondition failure: the process stops.
    @Test func duplicateNamesStopTheProcess() async {
        await #expect(processExitsWith: .failure) {
            var tasks = TaskRegistry()
            _ = tasks.register("twice") { (x: Int) in x }
            _ = tasks.register("twice") { (x: Double) in x }
        }
    }

    // MARK: Executing entries

    @Test func executingAnEntryGivesTheResultsInOrder() throws {
        var tasks = TaskRegistry()
        _ = tasks.register("square") { (x: Int) in x * x }
        let add = tasks.register("add") { (x: Int, y: Int) in x + y }
        let greet = tasks.register("greet") { (name: String) in "hello \(name)" }
        let a = Array(1...10), b = Array(11...20)
        let run = try execute(add, in: tasks, Array(zip(a, b)))
        #expect(run.outcome == .completed)
        #expect(try results(add, run, count: 10) == zip(a, b).map { $0 + $1 })
        let names = ["Ada", "", "Grace ✓"]
        let greeted = try execute(greet, in: tasks, names)
        #expect(greeted.outcome == .completed)
        #expect(try results(greet, greeted, count: 3) == names.map { "hello \($0)" })
    }

    @Test func emptyChunkCompletesWithNoOutput() throws {
        var tasks = TaskRegistry()
        let square = tasks.register("square") { (x: Int) in x * x }
        let run = try execute(square, in: tasks, [])
        #expect(run.outcome == .completed && run.output.isEmpty)
    }

    @Test func threeArgumentAndNoArgumentTasksRun() throws {
        var tasks = TaskRegistry()
        let fma = tasks.register("fma") { (x: Double, y: Double, z: Double) in x * y + z }
        let answer = tasks.register("answer") { () in 42 }
        let run = try execute(fma, in: tasks, [(2, 3, 4), (0.5, 4, -1)])
        #expect(try results(fma, run, count: 2) == [10, 1])
        let answered = try execute(answer, in: tasks, [NoArguments(), NoArguments()])
        #expect(try results(answer, answered, count: 2) == [42, 42])
    }

    @Test(arguments: [0, 3, 6])
    func aThrowingTaskFailsAtItsOffsetAndRunsNothingAfterIt(failing: Int) throws {
        var tasks = TaskRegistry()
        let log = CallLog()
        let task = tasks.register("fragile") { (x: Int) throws -> Int in
            log.record(x)
            if x == 100 + failing { throw Boom(item: x) }
            return x * 2
        }
        let args = Array(100..<107)
        let run = try execute(task, in: tasks, args)
        #expect(run.outcome == .failed(offset: failing, reason: .taskThrew, message: "Boom: boom at \(100 + failing)"))
        #expect(log.all == Array(args.prefix(failing + 1)), "items run in order, up to the failing one")
    }

    @Test func onlyTheFirstThrowIsReported() throws {
        var tasks = TaskRegistry()
        let task = tasks.register("negative") { (x: Int) throws -> Int in
            if x < 0 { throw Boom(item: x) }
            return x
        }
        let run = try execute(task, in: tasks, [1, -2, 3, -4])
        guard case .failed(let offset, let reason, let message) = run.outcome else {
            Issue.record("expected a failure, got \(run.outcome)")
            return
        }
        #expect(offset == 1 && reason == .taskThrew && message.contains("boom at -2"))
    }

    @Test func garbagePayloadIsArgumentsUndecodable() throws {
        var tasks = TaskRegistry()
        let add = tasks.register("add") { (x: Int, y: Int) in x + y }
        let greet = tasks.register("greet") { (name: String) in name }
        let flag = tasks.register("flag") { (b: Bool) in b }
        var ran = false
        let entry = tasks.entries[Int(add.id)]
        let cases: [(TaskEntry, [UInt8], Int)] = [
            (entry, [1, 2, 3], 1),                                      // too short for one pair
            (entry, [UInt8](repeating: 0, count: 16 * 2), 3),           // two pairs for a count of three
            (entry, [UInt8](repeating: 0, count: 16 + 5), 1),           // bytes left over
            (tasks.entries[Int(greet.id)], le(UInt32(2)) + [0xFF, 0xFE], 1),  // invalid UTF-8
            (tasks.entries[Int(greet.id)], le(UInt32.max), 1),          // a length beyond the payload
            (tasks.entries[Int(flag.id)], [7], 1),                      // not a Bool
        ]
        for (entry, payload, count) in cases {
            let run = executeRaw(entry, payload: payload, count: count, beforeItem: { _ in ran = true; return false })
            guard case .failed(let offset, let reason, _) = run.outcome else {
                Issue.record("\(entry.name) accepted \(payload) as \(count) arguments")
                continue
            }
            #expect(offset == 0 && reason == .argumentsUndecodable, "\(entry.name) \(payload)")
        }
        #expect(!ran, "nothing runs when the arguments do not decode")
    }

    @Test func unencodableResultIsReportedAtItsOffset() throws {
        var tasks = TaskRegistry()
        let task = tasks.register("odd") { (x: Int) -> Unencodable? in x == 2 ? Unencodable() : nil }
        let run = try execute(task, in: tasks, [0, 1, 2, 3])
        guard case .failed(let offset, let reason, let message) = run.outcome else {
            Issue.record("expected a failure, got \(run.outcome)")
            return
        }
        #expect(offset == 2 && reason == .resultUnencodable)
        #expect(message.contains("odd"))
    }

    @Test func beforeItemIsAskedBeforeEveryItemWithItsIndex() throws {
        var tasks = TaskRegistry()
        let log = CallLog()
        let task = tasks.register("id") { (x: Int) in log.record(x); return x }
        var asked: [Int] = []
        let run = try execute(task, in: tasks, [5, 6, 7, 8]) { i in asked.append(i); return i == 2 }
        #expect(run.outcome == .stopped)
        #expect(asked == [0, 1, 2], "asked before items 0, 1 and 2, in order")
        #expect(log.all == [5, 6], "the stop is seen before item 2 runs")
        var seen: [Int] = []
        let single = try execute(task, in: tasks, [9]) { i in seen.append(i); return false }
        #expect(single.outcome == .completed && seen == [0])
        #expect(try results(task, single, count: 1) == [9])
        let stoppedAtOnce = try execute(task, in: tasks, [10]) { _ in true }
        #expect(stoppedAtOnce.outcome == .stopped && !log.all.contains(10), "a stop before item 0 runs nothing")
    }

    @Test func describeKeepsTheErrorsOwnWords() {
        #expect(describe(Boom(item: 1)) == "Boom: boom at 1")
        #expect(describe(WireError("x")) == "WireError: malformed message: x")
        #expect(describe(PoolError.invalidArgument("bad")).contains("bad"))
    }
}
