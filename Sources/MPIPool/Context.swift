import MPI
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Facts about the process: its rank, the job's size, its host and pid.
///
/// Known from the start of the process — before `Pool.run` — when a launcher
/// started it (`mpirun`/`mpiexec` of Open MPI or MPICH, or `srun`): they are
/// read from the launcher's environment, then confirmed by MPI when the pool
/// starts. A process started without a launcher is rank 0 of 1.
///
/// ```swift
/// if PoolContext.rank == 0 { print("master of \(PoolContext.size) ranks") }
/// let add = tasks.register("add") { (x: Int, y: Int) -> Int in
///     print("Worker \(PoolContext.rank) (pid \(PoolContext.pid)) is processing add(\(x), \(y))")
///     return x + y
/// }
/// ```
public enum PoolContext {
    struct Facts: Sendable {
        var rank: Int
        var size: Int
        var host = ""
    }

    static let facts = Mutex(Facts(rank: LaunchEnvironment.rank ?? 0, size: LaunchEnvironment.size ?? 1))

    /// This process's rank: 0 is the master, 1… are workers.
    public static var rank: Int { facts.withLock { $0.rank } }
    /// The rank the launcher (`mpirun`, `mpiexec`, `srun`) gave this process, read from its
    /// environment before MPI starts; `nil` when no launcher started it.
    public static var launcherRank: Int? { LaunchEnvironment.rank }
    /// The number of ranks in the job (1 without a launcher).
    public static var size: Int { facts.withLock { $0.size } }
    /// The host this rank runs on (MPI's processor name once the pool started).
    public static var host: String { facts.withLock { $0.host.isEmpty ? hostName() : $0.host } }
    /// This process's id.
    public static var pid: Int { Int(getpid()) }
    /// The SIGTERM or SIGINT this process received while its pool ran (nil: none). The pool stops
    /// by itself (see `Pool.run`); a task or a consumer of results may look here to tell a failure
    /// the signal caused (a child process that got it too, as under a batch system's time limit)
    /// from a failure of its own.
    ///
    /// ```swift
    /// if PoolContext.signalReceived != nil { return }   // stopping: do not start more work
    /// ```
    public static var signalReceived: Int32? {
        let signo = SignalWatch.received.load(ordering: .relaxed)
        return signo == 0 ? nil : signo
    }

    static func set(rank: Int, size: Int, host: String) {
        facts.withLock { $0 = Facts(rank: rank, size: size, host: host) }
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// What a launcher tells a process about its place in the job, before MPI starts
/// (which variables each launcher sets is the MPI layer's: `MPIImplementation`).
enum LaunchEnvironment {
    static var rank: Int? { MPIImplementation.current.launchedRank }
    static var size: Int? { MPIImplementation.current.launchedSize }
    /// The command that starts a job on the MPI library in use (`mpirun`, `mpiexec`).
    static var launcher: String { MPIImplementation.current.launcher }
}
