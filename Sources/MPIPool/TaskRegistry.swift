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
    /// order, and appends each result to `out`. Calls `beforeItem(i)` before
    /// item i (0 included); it returns true to stop the chunk there.
    let execute: @Sendable (_ payload: UnsafeRawBufferPointer, _ count: Int, _ out: inout WireWriter, _ beforeItem: (Int) -> Bool) -> ChunkOutcome
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

    /// An empty registry.
    public init() {}

    /// Registers a task of one argument.
    public mutating func register<A: WireCodable, R: WireCodable>(
        _ name: String, _ body: @escaping @Sendable (A) throws -> R
    ) -> PoolTask<A, R> {
        add(name, arguments: .single(), results: .single()) { try body($0.assumingMemoryBound(to: A.self).pointee) }
    }

    /// Registers a task of two arguments; map it over pairs (`starmap`).
    public mutating func register<A: WireCodable, B: WireCodable, R: WireCodable>(
        _ name: String, _ body: @escaping @Sendable (A, B) throws -> R
    ) -> PoolTask<(A, B), R> {
        // The elements are read at their offsets, found once here: the tuple's own metadata would be
        // looked up for every item in this unspecialised closure (a tenth of a worker's time on W1).
        let second = MemoryLayout<(A, B)>.offset(of: \(A, B).1)!
        return add(name, arguments: TupleCodec.pair(A.self, B.self), results: .single()) { item in
            try body(item.assumingMemoryBound(to: A.self).pointee, (item + second).assumingMemoryBound(to: B.self).pointee)
        }
    }

    /// Registers a task of three arguments.
    public mutating func register<A: WireCodable, B: WireCodable, C: WireCodable, R: WireCodable>(
        _ name: String, _ body: @escaping @Sendable (A, B, C) throws -> R
    ) -> PoolTask<(A, B, C), R> {
        let second = MemoryLayout<(A, B, C)>.offset(of: \(A, B, C).1)!, third = MemoryLayout<(A, B, C)>.offset(of: \(A, B, C).2)!
        return add(name, arguments: TupleCodec.triple(A.self, B.self, C.self), results: .single()) { item in
            try body(item.assumingMemoryBound(to: A.self).pointee, (item + second).assumingMemoryBound(to: B.self).pointee,
                     (item + third).assumingMemoryBound(to: C.self).pointee)
        }
    }

    /// Registers a task without arguments (apply it with `NoArguments()`).
    public mutating func register<R: WireCodable>(
        _ name: String, _ body: @escaping @Sendable () throws -> R
    ) -> PoolTask<NoArguments, R> {
        add(name, arguments: .single(), results: .single()) { _ in try body() }
    }

    private mutating func add<A, R>(
        _ name: String, arguments: ValueCodec<A>, results: ValueCodec<R>, _ body: @escaping @Sendable (UnsafeRawPointer) throws -> R
    ) -> PoolTask<A, R> {
        // `body` runs one item given the address of its argument.
        precondition(!entries.contains { $0.name == name }, "MPIPool: a task named \"\(name)\" is already registered")
        let execute: @Sendable (UnsafeRawBufferPointer, Int, inout WireWriter, (Int) -> Bool) -> ChunkOutcome = { payload, count, out, beforeItem in
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
            let stride = MemoryLayout<A>.stride
            var made = 0
            defer {
                values.deinitialize(count: made)
                values.deallocate()
            }
            while made < count {
                if beforeItem(made) { return .stopped }
                do { (values + made).initialize(to: try body(UnsafeRawPointer(args) + made * stride)) } catch {
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
