import MPI
#if canImport(Glibc)
import Glibc
#endif

/// How `Pool.run` sets up the pool.
public struct PoolOptions: Sendable {
    /// Use only the first `maxWorkers` worker ranks (nil = all). Must be ≥ 1.
    public var maxWorkers: Int?
    /// Let rank 0 run chunks itself while it waits (off by default: rank 0 only schedules).
    public var masterRunsTasks: Bool
    /// Print every scheduling decision (`trace: send chunk …`) on stderr.
    /// Setting the environment variable `MPIPOOL_TRACE=1` turns it on too.
    public var trace: Bool
    /// How long a waiting rank keeps polling after the last message before it sleeps.
    public var spinMicroseconds: UInt64
    /// Runs once on every rank that runs tasks, before its first task (Python's
    /// `initializer`/`initargs`: capture the arguments). If it throws on any
    /// rank, `Pool.run` throws `PoolError.initializerFailed` naming the rank.
    public var initializer: (@Sendable () throws -> Void)?

    public init(maxWorkers: Int? = nil, masterRunsTasks: Bool = false, trace: Bool = false, spinMicroseconds: UInt64 = 50,
                initializer: (@Sendable () throws -> Void)? = nil) {
        self.initializer = initializer
        self.maxWorkers = maxWorkers
        self.masterRunsTasks = masterRunsTasks
        self.trace = trace || getenv("MPIPOOL_TRACE") != nil
        self.spinMicroseconds = spinMicroseconds
    }
}

extension Pool {
    /// Starts MPI and runs `body` with the pool on rank 0, while every other
    /// rank serves as a worker; then releases the workers and finalises MPI.
    ///
    /// - When `body` returns, submitted work is finished first (close + join),
    ///   then the workers are released. When it throws, the pool is terminated
    ///   (pending work dropped) and the error is rethrown on rank 0 — workers
    ///   never wait forever.
    /// - Returns `body`'s value on rank 0 and `nil` on the workers, after MPI is finalised.
    /// - With one rank (no `mpirun`), rank 0 runs every task itself and says so on stderr.
    /// - Ranks compare their registries at start-up; a mismatch ends the job with a message.
    ///
    /// ```swift
    /// try Pool.run(tasks) { pool in
    ///     print(try pool.map(square, over: 1...10))
    /// }
    /// ```
    @discardableResult
    public static func run<T>(_ tasks: TaskRegistry, options: PoolOptions = PoolOptions(), _ body: (Pool) throws -> T) throws -> T? {
        if let n = options.maxWorkers, n < 1 { throw PoolError.invalidArgument("maxWorkers must be at least 1, got \(n)") }
        setDefaultEnvironment()
        let launch = Launch()
        startThread(name: "mpipool-mpi") { mpiMain(launch, tasks: tasks, options: options) }
        switch launch.awaitRole() {
        case .failed(let error):
            throw error
        case .worker:
            if let error = launch.awaitEnd() { throw error }
            return nil
        case .master(let pool):
            let value: T
            do {
                value = try body(pool)
            } catch {
                pool.terminate()
                pool.core.callbacks.drainAndStop()
                _ = launch.awaitEnd()
                throw error
            }
            pool.close()
            try? pool.join()
            pool.core.monitor.withLock { pool.core.post(.shutdown) }
            let end = launch.awaitEnd()
            pool.core.callbacks.drainAndStop()
            if let end { throw end }
            return value
        }
    }

    /// Open MPI's shared-memory transport sends messages up to 4 KiB eagerly;
    /// bigger ones wait for the receiver, which stalls a worker that sleeps
    /// between polls. Frames here go up to 64 KiB, so raise the limit unless the
    /// user set it.
    static func setDefaultEnvironment() {
        setenv("OMPI_MCA_btl_vader_eager_limit", "\(WireProtocol.maxInlineFrame + 4096)", 0)
    }
}

/// Hands the role of this rank from the MPI thread to the caller's thread.
final class Launch: @unchecked Sendable {
    enum Role { case master(Pool), worker, failed(any Error) }
    private let monitor = Monitor()
    // Guarded by `monitor`:
    private var role: Role?
    private var ended = false
    private var endError: (any Error)?

    func set(_ role: Role) {
        monitor.withLock { self.role = role; monitor.broadcast(.state) }
    }

    func end(_ error: (any Error)?) {
        monitor.withLock {
            if role == nil { role = .failed(error ?? PoolError.mpi("MPI ended before the pool started")) }
            ended = true
            endError = error
            monitor.broadcast(.state)
        }
    }

    func awaitRole() -> Role {
        monitor.withLock {
            while role == nil { monitor.wait(.state, until: nil) }
            return role!
        }
    }

    func awaitEnd() -> (any Error)? {
        monitor.withLock {
            while !ended { monitor.wait(.state, until: nil) }
            return endError
        }
    }
}

/// The body of the MPI thread: every MPI call of the process happens here.
private func mpiMain(_ launch: Launch, tasks: TaskRegistry, options: PoolOptions) {
    let mpi: MPIEnvironment
    do {
        mpi = try MPIEnvironment(threadLevel: .funneled)
    } catch {
        launch.end(PoolError.mpi(error.description))
        return
    }
    let world = mpi.world
    let rank = world.rank, size = world.size
    let host = mpi.processorName
    PoolContext.set(rank: rank, size: size, host: host)
    do {
        guard mpi.providedThreadLevel >= .funneled else {
            throw PoolError.mpi("MPI granted thread level \(mpi.providedThreadLevel); the pool needs funneled")
        }
        if rank == 0 {
            let hellos = try handshake(world, tasks: tasks)
            var workers = Array(1..<size)
            if let n = options.maxWorkers { workers = Array(workers.prefix(n)) }
            let local = workers.isEmpty || options.masterRunsTasks
            var initFailure = hellos.sorted { $0.key < $1.key }.first { !$0.value.initializerError.isEmpty }.map {
                PoolError.initializerFailed(rank: $0.key, host: $0.value.host, message: $0.value.initializerError)
            }
            if initFailure == nil, local, let initializer = options.initializer {
                do { try initializer() } catch { initFailure = .initializerFailed(rank: 0, host: host, message: describe(error)) }
            }
            if let initFailure {
                try release(Array(1..<size), world: world)
                try mpi.finalize()
                launch.end(initFailure)
                return
            }
            try release(Array(1..<size).filter { !workers.contains($0) }, world: world)
            if workers.isEmpty {
                Console.error("MPIPool: no worker ranks (run without mpirun, or with -n 1): rank 0 runs every task itself")
            }
            let core = PoolCore(workerCount: workers.count + (local ? 1 : 0))
            let master = Master(comm: world, core: core, registry: tasks, options: options,
                                workers: workers, local: local, hellos: hellos, host: host)
            launch.set(.master(Pool(core: core)))
            try master.run()
        } else {
            var initializerError = ""
            if let initializer = options.initializer {
                do { try initializer() } catch { initializerError = describe(error).isEmpty ? "error" : describe(error) }
            }
            var writer = WireWriter(MessageBuffer())
            FrameEncoder.hello(Hello(protocolVersion: UInt32(WireProtocol.version), fingerprint: tasks.fingerprint,
                                     pid: Int32(getpid()), host: host, initializerError: initializerError), into: &writer)
            try world.send(UnsafeRawBufferPointer(writer.buffer.bytes), to: 0, tag: WireProtocol.frameTag)
            let worker = try Worker(comm: world, registry: tasks, spinMicroseconds: options.spinMicroseconds)
            launch.set(.worker)
            try worker.run()
        }
        try mpi.finalize()
        launch.end(nil)
    } catch let error as MPIError {
        Console.error("MPIPool: rank \(rank): \(error)")
        launch.end(PoolError.mpi(error.description))
        mpi.abort(code: 70)
    } catch {
        Console.error("MPIPool: rank \(rank): \(error)")
        launch.end(error)
        mpi.abort(code: 70)
    }
}

/// Receives every worker's hello and checks its registry and protocol.
private func handshake(_ world: Communicator, tasks: TaskRegistry) throws -> [Int: Hello] {
    var hellos: [Int: Hello] = [:]
    var backoff = Backoff()
    let buffer = MessageBuffer(capacity: 1024)
    while hellos.count < world.size - 1 {
        guard let status = try world.iprobe(from: .any, tag: WireProtocol.frameTag) else { backoff.pause(); continue }
        try world.receive(into: buffer, from: .rank(status.source), tag: WireProtocol.frameTag)
        guard case .hello(let hello)? = try? FrameDecoder.decode(buffer.bytes) else {
            throw PoolError.registryMismatch("rank \(status.source) did not greet with a valid hello (a different program or protocol version?)")
        }
        if hello.protocolVersion != UInt32(WireProtocol.version) || hello.fingerprint != tasks.fingerprint {
            throw PoolError.registryMismatch(
                "rank \(status.source) on \(hello.host) has registry fingerprint \(String(hello.fingerprint, radix: 16)) "
                + "(protocol \(hello.protocolVersion)), rank 0 has \(String(tasks.fingerprint, radix: 16)) (protocol \(WireProtocol.version)): "
                + "every rank must run the same binary with the same tasks registered in the same order")
        }
        hellos[status.source] = hello
    }
    return hellos
}

/// Sends ranks the pool won't use the shutdown frame and waits for their goodbyes.
private func release(_ ranks: [Int], world: Communicator) throws {
    guard !ranks.isEmpty else { return }
    var writer = WireWriter(MessageBuffer())
    FrameEncoder.shutdown(immediate: false, into: &writer)
    for rank in ranks { try world.send(UnsafeRawBufferPointer(writer.buffer.bytes), to: rank, tag: WireProtocol.frameTag) }
    let buffer = MessageBuffer(capacity: 1024)
    for rank in ranks { try world.receive(into: buffer, from: .rank(rank), tag: WireProtocol.frameTag) }
}
