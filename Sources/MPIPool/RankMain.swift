import MPI
import CPoolSystem
#if canImport(Glibc)
import Glibc
#endif

/// The body of the MPI thread: every MPI call of the process happens here.
func runRank(_ launch: Launch, tasks: TaskRegistry, options: PoolOptions) {
    let slack = TimerSlack.apply()
    let mpi: MPIEnvironment
    do {
        // Serialized: one thread at a time in MPI — the MPI thread, or a worker's watchdog while the MPI thread runs a task.
        mpi = try MPIEnvironment(threadLevel: .serialized)
    } catch {
        launch.end(PoolError.mpi(error.description))
        return
    }
    let world = mpi.world
    let rank = world.rank, size = world.size
    let host = mpi.processorName
    PoolContext.set(rank: rank, size: size, host: host)
    if rank == 0, let problem = slack { PoolLog.warning("MPIPool: \(problem)") }
    do {
        guard mpi.providedThreadLevel >= .serialized else {
            throw PoolError.mpi("MPI granted thread level \(mpi.providedThreadLevel); the pool needs serialized")
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
                PoolLog.warning("MPIPool: no worker ranks (run without mpirun, or with -n 1): rank 0 runs every task itself")
            }
            let core = PoolCore(workerCount: workers.count + (local ? 1 : 0), defaultTimeout: options.taskTimeout,
                                defaultRetries: options.retries, defaultProgress: options.progress, fingerprint: tasks.fingerprint)
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
            let environment = UncheckedBox(mpi)
            let worker = try Worker(comm: world, registry: tasks, spinNanoseconds: options.spinNanoseconds,
                                    onTaskAbandoned: options.onTaskAbandoned) {
                // The watchdog leaves inside a task that does not return: finalise, then end the process.
                try? environment.value.finalize()
                exit(0)
            }
            launch.set(.worker)
            try worker.run()
        }
        if SignalWatch.received.load(ordering: .relaxed) != 0 {
            // After SIGTERM/SIGINT mpirun, if it got the signal too, is tearing the job down and may
            // never complete MPI_Finalize (it kills the ranks a second later): let the program go on
            // (print, exit with its status) if finalising takes longer than 0.3 s.
            startThread(name: "mpipool-finalize-watch") {
                pause(nanoseconds: 300_000_000)
                launch.end(nil)
            }
        }
        try mpi.finalize()
        launch.end(nil)
    } catch let error as MPIError {
        PoolLog.error("MPIPool: rank \(rank): \(error)")
        launch.end(PoolError.mpi(error.description))
        mpi.abort(code: 70)
    } catch {
        PoolLog.error("MPIPool: rank \(rank): \(error)")
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

/// Hands a value that is not `Sendable` to another thread that uses it alone
/// (MPI's environment, to the worker's watchdog, which finalises it only when the
/// MPI thread is inside a task and holds no MPI state).
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// How late the pool's timed sleeps may end (Linux's timer slack of the MPI thread, inherited by the
/// threads it starts): 1 µs, not Linux's 50 µs, so the back-off's short steps are as short as asked.
/// Measured on W1 (20,000 tasks, 3 workers, chunk size 256, five paired runs): a median of 16.7 M
/// tasks/s against 14.5 M with the default slack. `MPIPOOL_TIMER_SLACK_NS` sets another (0: the
/// system's default).
enum TimerSlack {
    static let defaultNanoseconds: UInt = 1_000

    /// Sets the calling thread's slack; returns a problem to report (a bad variable), or nil.
    static func apply() -> String? {
        var nanos = defaultNanoseconds
        var problem: String?
        if let raw = getenv("MPIPOOL_TIMER_SLACK_NS").map({ String(cString: $0) }) {
            if let value = UInt(raw), value <= 1_000_000_000 { nanos = value } else {
                problem = "MPIPOOL_TIMER_SLACK_NS must be 0…1000000000 nanoseconds, not '\(raw)': using \(defaultNanoseconds)"
            }
        }
        _ = cpoolsystem_set_timer_slack(nanos)
        return problem
    }
}
