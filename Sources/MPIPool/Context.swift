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

/// What a launcher tells a process about its place in the job, before MPI starts.
enum LaunchEnvironment {
    /// Open MPI's mpirun, PMIx (Open MPI 5, srun --mpi=pmix), MPICH's Hydra (PMI), then srun itself.
    static let rankVariables = ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"]
    static let sizeVariables = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"]

    static var rank: Int? { firstInteger(rankVariables) }
    static var size: Int? { firstInteger(sizeVariables) }

    private static func firstInteger(_ names: [String]) -> Int? {
        for name in names {
            if let raw = getenv(name), let value = Int(String(cString: raw)), value >= 0 { return value }
        }
        return nil
    }
}
