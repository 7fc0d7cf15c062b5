import MPI

/// A function registered under a stable name, callable on any rank.
///
/// Get one from `TaskRegistry.register`; pass it to `Pool.map`, `applyAsync`, …
/// `Args` is the argument (a tuple for several), `Result` what it returns.
public struct PoolTask<Args: Sendable, Result: Sendable>: Sendable {
    /// The name it was registered under.
    public var name: String { codecs.name }
    var id: UInt32 { codecs.id }
    var arguments: ValueCodec<Args> { codecs.arguments }
    var results: ValueCodec<Result> { codecs.results }
    /// One reference: every submission holds the task, so copying it costs one retain, not seven.
    let codecs: TaskCodecs<Args, Result>
}

/// A task's name, id and codecs, shared by every copy of its `PoolTask`.
final class TaskCodecs<Args: Sendable, Result: Sendable>: Sendable {
    let name: String
    let id: UInt32
    let arguments: ValueCodec<Args>
    let results: ValueCodec<Result>

    init(name: String, id: UInt32, arguments: ValueCodec<Args>, results: ValueCodec<Result>) {
        self.name = name
        self.id = id
        self.arguments = arguments
        self.results = results
    }
}

/// How a run of values of one type is written and read (chosen when the task
/// is registered, so the bitwise fast path is decided at compile time).
struct ValueCodec<T>: Sendable {
    /// Appends `values` to the writer.
    let writeRun: @Sendable (UnsafeBufferPointer<T>, inout WireWriter) throws -> Void
    /// Reads `count` values and initialises `destination[0..<count]` with them.
    /// On a throw, nothing is left initialised.
    let readRun: @Sendable (Int, inout WireReader, UnsafeMutablePointer<T>) throws -> Void
    /// A readable description of the type, for the registry fingerprint.
    let signature: String
}

extension ValueCodec where T: WireCodable {
    static func single() -> ValueCodec<T> {
        ValueCodec(
            writeRun: { values, writer in try MPIPool.writeRun(values, to: &writer) },
            readRun: { count, reader, destination in try readRunInto(count, &reader, destination) },
            signature: String(reflecting: T.self)
        )
    }
}

/// Reads `count` values of a wire type straight into `destination`.
@inlinable
func readRunInto<T: WireCodable>(_ count: Int, _ reader: inout WireReader, _ destination: UnsafeMutablePointer<T>) throws {
    if T.isBitwise {
        let raw = try reader.read(bytes: count * MemoryLayout<T>.stride)
        if count > 0 { UnsafeMutableRawPointer(destination).copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
        return
    }
    var done = 0
    do {
        while done < count {
            (destination + done).initialize(to: try T.read(from: &reader))
            done += 1
        }
    } catch {
        destination.deinitialize(count: done)
        throw error
    }
}

/// Codecs for tuples of wire values: one copy per run when every element is
/// bitwise and the tuple has no padding, else element after element.
enum TupleCodec {
    static func pair<A: WireCodable, B: WireCodable>(_: A.Type, _: B.Type) -> ValueCodec<(A, B)> {
        let packed = A.isBitwise && B.isBitwise
            && MemoryLayout<(A, B)>.stride == MemoryLayout<A>.size + MemoryLayout<B>.size
        return ValueCodec(
            writeRun: { values, writer in
                if packed {
                    writer.write(bytes: UnsafeRawPointer(values.baseAddress), count: values.count * MemoryLayout<(A, B)>.stride)
                } else {
                    for (a, b) in values { try A.write(a, to: &writer); try B.write(b, to: &writer) }
                }
            },
            readRun: { count, reader, destination in
                if packed {
                    let raw = try reader.read(bytes: count * MemoryLayout<(A, B)>.stride)
                    if count > 0 { UnsafeMutableRawPointer(destination).copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
                    return
                }
                var done = 0
                do {
                    while done < count {
                        let a = try A.read(from: &reader)
                        let b = try B.read(from: &reader)
                        (destination + done).initialize(to: (a, b))
                        done += 1
                    }
                } catch {
                    destination.deinitialize(count: done)
                    throw error
                }
            },
            signature: "(\(String(reflecting: A.self)), \(String(reflecting: B.self)))"
        )
    }

    static func triple<A: WireCodable, B: WireCodable, C: WireCodable>(_: A.Type, _: B.Type, _: C.Type) -> ValueCodec<(A, B, C)> {
        ValueCodec(
            writeRun: { values, writer in
                for (a, b, c) in values { try A.write(a, to: &writer); try B.write(b, to: &writer); try C.write(c, to: &writer) }
            },
            readRun: { count, reader, destination in
                var done = 0
                do {
                    while done < count {
                        let a = try A.read(from: &reader), b = try B.read(from: &reader), c = try C.read(from: &reader)
                        (destination + done).initialize(to: (a, b, c))
                        done += 1
                    }
                } catch {
                    destination.deinitialize(count: done)
                    throw error
                }
            },
            signature: "(\(String(reflecting: A.self)), \(String(reflecting: B.self)), \(String(reflecting: C.self)))"
        )
    }
}

/// What running a chunk on a worker produced.
enum ChunkOutcome: Equatable {
    case completed
    case failed(offset: Int, reason: FailureReason, message: String)
    case stopped
}

/// A registered task with its types erased, as the worker runs it.
struct TaskEntry: Sendable {
    let name: String
    let signature: String
    /// Decodes `count` arguments from `payload`, runs the task on each in
    /// order, and appends each result to `out`. Calls `shouldStop` between items.
    let execute: @Sendable (_ payload: UnsafeRawBufferPointer, _ count: Int, _ out: inout WireWriter, _ shouldStop: () -> Bool) -> ChunkOutcome
}

/// The tasks every rank can run, built the same way on every rank.
///
/// One binary runs on every rank (SPMD): build the registry before calling
/// `MPIPool.run`, in the same order everywhere. Ranks compare a fingerprint of
/// it at start-up and stop with a clear message if they differ.
///
/// ```swift
/// var tasks = TaskRegistry()
/// let add = tasks.register("add") { (x: Int, y: Int) in x + y }
/// let square = tasks.register("square") { (x: Int) in x * x }
/// ```
public struct TaskRegistry: Sendable {
    private(set) var entries: [TaskEntry] = []

    public init() {}

    /// Registers a task of one argument.
    public mutating func register<A: WireCodable, R: WireCodable>(
        _ name: String, _ body: @escaping @Sendable (A) throws -> R
    ) -> PoolTask<A, R> {
        add(name, arguments: .single(), results: .single(), body)
    }

    /// Registers a task of two arguments; map it over pairs (`starmap`).
    public mutating func register<A: WireCodable, B: WireCodable, R: WireCodable>(
        _ name: String, _ body: @escaping @Sendable (A, B) throws -> R
    ) -> PoolTask<(A, B), R> {
        add(name, arguments: TupleCodec.pair(A.self, B.self), results: .single()) { args in try body(args.0, args.1) }
    }

    /// Registers a task of three arguments.
    public mutating func register<A: WireCodable, B: WireCodable, C: WireCodable, R: WireCodable>(
        _ name: String, _ body: @escaping @Sendable (A, B, C) throws -> R
    ) -> PoolTask<(A, B, C), R> {
        add(name, arguments: TupleCodec.triple(A.self, B.self, C.self), results: .single()) { args in try body(args.0, args.1, args.2) }
    }

    /// Registers a task without arguments (apply it with `NoArguments()`).
    public mutating func register<R: WireCodable>(
        _ name: String, _ body: @escaping @Sendable () throws -> R
    ) -> PoolTask<NoArguments, R> {
        add(name, arguments: .single(), results: .single()) { (_: NoArguments) in try body() }
    }

    private mutating func add<A, R>(
        _ name: String, arguments: ValueCodec<A>, results: ValueCodec<R>, _ body: @escaping @Sendable (A) throws -> R
    ) -> PoolTask<A, R> {
        precondition(!entries.contains { $0.name == name }, "MPIPool: a task named \"\(name)\" is already registered")
        let execute: @Sendable (UnsafeRawBufferPointer, Int, inout WireWriter, () -> Bool) -> ChunkOutcome = { payload, count, out, shouldStop in
            var reader = WireReader(payload)
            let args = UnsafeMutablePointer<A>.allocate(capacity: max(count, 1))
            defer { args.deallocate() }
            do {
                try arguments.readRun(count, &reader, args)
            } catch {
                return .failed(offset: 0, reason: .argumentsUndecodable, message: "cannot decode the arguments of \(name): \(error)")
            }
            defer { args.deinitialize(count: count) }
            if reader.remaining != 0 {
                return .failed(offset: 0, reason: .argumentsUndecodable, message: "\(reader.remaining) bytes left after the arguments of \(name)")
            }
            let values = UnsafeMutablePointer<R>.allocate(capacity: max(count, 1))
            var made = 0
            defer {
                values.deinitialize(count: made)
                values.deallocate()
            }
            while made < count {
                if made > 0 && shouldStop() { return .stopped }
                do { (values + made).initialize(to: try body(args[made])) } catch {
                    return .failed(offset: made, reason: .taskThrew, message: describe(error))
                }
                made += 1
            }
            // All results at once: one copy for bitwise types.
            let mark = out.buffer.count
            do {
                try results.writeRun(UnsafeBufferPointer(start: values, count: count), &out)
            } catch {
                // Find the item whose result cannot be encoded, for the error report.
                out.buffer.count = mark
                for i in 0..<count {
                    do { try results.writeRun(UnsafeBufferPointer(start: values + i, count: 1), &out) } catch {
                        return .failed(offset: i, reason: .resultUnencodable, message: "cannot encode the result of \(name): \(describe(error))")
                    }
                }
                return .failed(offset: 0, reason: .resultUnencodable, message: "cannot encode the results of \(name): \(describe(error))")
            }
            return .completed
        }
        let signature = "\(name)(\(arguments.signature)) -> \(results.signature)"
        entries.append(TaskEntry(name: name, signature: signature, execute: execute))
        return PoolTask(codecs: TaskCodecs(name: name, id: UInt32(entries.count - 1), arguments: arguments, results: results))
    }

    /// The registered task names, in registration order.
    public var names: [String] { entries.map(\.name) }

    /// A hash of the protocol version, the platform's data layout and every
    /// task's name and types, in order. Equal on ranks that run the same binary.
    public var fingerprint: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ text: String) {
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
        }
        mix("mpipool-wire-\(WireProtocol.version);int\(MemoryLayout<Int>.size);\(1.littleEndian == 1 ? "le" : "be");")
        for entry in entries { mix(entry.signature + ";") }
        return hash
    }
}

/// The description of an error carried to the master: what the error says of itself.
func describe(_ error: any Error) -> String {
    let text = String(describing: error)
    let type = String(describing: Swift.type(of: error))
    return text.hasPrefix(type) ? text : "\(type): \(text)"
}
