import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// The MPI library this process runs on, and what differs between libraries: the one place
/// above the C shim that knows Open MPI from MPICH.
///
/// The library is the one the binary is linked against (`MPI_Get_library_version`, which MPI
/// allows before `MPI_Init`), so a binary built against MPICH's ABI and run with another library
/// of that family (Intel MPI, Cray MPICH) is described by what actually runs. Layers above ask
/// for what they need — "messages up to 64 KiB must not wait for the receiver", "how small is a
/// send that returns at once" — and never name a library.
///
/// ```swift
/// let mpi = MPIImplementation.current
/// print(mpi)                                             // "MPICH (MPICH Version: 4.0.2)"
/// mpi.prepareEnvironment(eagerMessagesUpTo: 65_536)      // before MPIEnvironment(threadLevel:)
/// ```
public struct MPIImplementation: Sendable, Equatable, CustomStringConvertible {
    /// The family of MPI libraries: they share a header, an ABI and their tuning variables.
    public enum Family: String, Sendable {
        /// Open MPI (`OMPI_*` and `OMPI_MCA_*` variables, `mpirun`).
        case openMPI = "Open MPI"
        /// MPICH and the libraries built on it: Intel MPI, Cray MPICH, MVAPICH (`MPIR_CVAR_*`, Hydra's `mpiexec`).
        case mpich = "MPICH"
        /// Any other library: nothing is tuned.
        case unknown = "unknown MPI"
    }

    /// The family the library belongs to.
    public let family: Family
    /// The first line of the library's version string, e.g. `Open MPI v4.1.4, package: Debian OpenMPI, …`.
    public let version: String

    /// The library this process is linked against.
    public static let current = MPIImplementation(libraryVersion: libraryVersion())

    /// The implementation a version string (`MPI_Get_library_version`) describes.
    public init(libraryVersion: String) {
        let first = libraryVersion.split(whereSeparator: \.isNewline).first ?? ""
        version = first.split(whereSeparator: { $0.isWhitespace || $0 == "\0" }).joined(separator: " ")
        let text = libraryVersion.uppercased()
        if text.hasPrefix("OPEN MPI") { family = .openMPI }
        else if text.contains("MPICH") || text.contains("INTEL(R) MPI") || text.contains("MVAPICH") { family = .mpich }
        else { family = .unknown }
    }

    public var description: String { "\(family.rawValue) (\(version))" }

    // MARK: Eager messages

    /// One environment variable the library reads in `MPI_Init`.
    public struct Setting: Sendable, Equatable, CustomStringConvertible {
        public let name: String
        public let value: String
        public var description: String { "\(name)=\(value)" }
    }

    /// The settings under which every message of up to `bytes` bytes goes eagerly: a send completes
    /// without the receiver taking part, so a chunk never waits for a worker that sleeps between polls.
    ///
    /// Measured on Debian 12, rank 1 making no MPI call for 100 ms while rank 0 sends one message
    /// (`MPI_Isend` polled with `MPI_Test`, then `MPI_Send`):
    /// - Open MPI 4.1 (shared memory: the `vader` BTL): eager up to about 4 KiB;
    ///   `OMPI_MCA_btl_vader_eager_limit` raises it (the limit counts a header, hence the 4 KiB headroom).
    /// - MPICH 4.0.2 as Debian builds it (`ch4:ucx`, no MPICH shared-memory module: UCX carries the
    ///   messages between local ranks too): eager up to 8 KiB + 1 byte, 8,300 bytes waited the full
    ///   100 ms; `UCX_RNDV_THRESH=69632` made 65,536 bytes eager (69,632 waited). Neither
    ///   `MPIR_CVAR_CH4_SHM_POSIX_IQUEUE_CELL_SIZE` (the `ch4:ofi` builds' shared-memory cells, 68 KiB
    ///   by default in 4.0) nor `MPIR_CVAR_NOLOCAL` changed it: that build never uses those cells.
    ///   MPICH builds over libfabric (`ch4:ofi`, Cray MPICH) are not measured and not tuned.
    public func eagerSettings(messagesUpTo bytes: Int) -> [Setting] {
        let limit = "\(bytes + 4096)"
        switch family {
        case .openMPI: return [Setting(name: "OMPI_MCA_btl_vader_eager_limit", value: limit)]
        case .mpich: return [Setting(name: "UCX_RNDV_THRESH", value: limit)]
        case .unknown: return []
        }
    }

    /// Sets ``eagerSettings(messagesUpTo:)`` in the environment, each unless the user set it (their
    /// value wins). Call it before `MPIEnvironment(threadLevel:)`, before other threads start:
    /// `setenv` is not safe while another thread reads the environment.
    public func prepareEnvironment(eagerMessagesUpTo bytes: Int) {
        for setting in eagerSettings(messagesUpTo: bytes) { setenv(setting.name, setting.value, 0) }
    }

    // MARK: Sends that return at once

    /// Messages up to this many bytes are cheaper to send with standard-mode `MPI_Send` than with
    /// `MPI_Isend` and a later test: the library copies them out and returns at once (0: always use `MPI_Isend`).
    ///
    /// - Open MPI: 200, its shared-memory inline send (`btl_vader_max_inline_send`, 256 bytes with
    ///   its header). Measured on pool-bench W1: +8 % tasks/s at chunksize 1; above it (chunksize 16)
    ///   a blocking send cost 2.4 × more than `MPI_Isend`.
    /// - MPICH: 1024. Over UCX a send no larger than the eager limit is copied out at once at any
    ///   size; there is no inline step. Measured (MPICH 4.0.2, bursts of 16 messages that rank 1 does
    ///   not receive until the burst ends, median of 3,000): `MPI_Send` took 98–163 ns per message
    ///   from 48 B to 1 KiB, `MPI_Isend` then `MPI_Test` until done 146–188 ns (15–35 % more); at
    ///   4 KiB both took about 520 ns. Pool-bench W1 runs on a loaded machine (load 5–6 on 2 cores)
    ///   were too noisy to tell 0, 200 and 1024 apart.
    public var inPlaceSendLimit: Int {
        switch family {
        case .openMPI: 200
        case .mpich: 1024
        case .unknown: 0
        }
    }

    // MARK: Aborting

    /// How long a rank waits between what it wrote last and `MPI_Abort`, so that the launcher
    /// forwards it. MPICH's Hydra tears its proxies down at an abort without draining their pipes:
    /// a registry mismatch's message, written just before `MPI_Abort`, was lost in 1 run of 8,
    /// together with MPICH's own `Abort(70)` line; 250 ms is ample for a proxy's poll loop. Open
    /// MPI's mpirun forwards what it has (0).
    public var pauseBeforeAbort: Duration {
        switch family {
        case .mpich: .milliseconds(250)
        case .openMPI, .unknown: .zero
        }
    }

    /// Sleeps for ``pauseBeforeAbort`` (the abort paths call it before `MPI_Abort`).
    func waitForOutputBeforeAbort() {
        let (seconds, attoseconds) = pauseBeforeAbort.components
        guard seconds > 0 || attoseconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    // MARK: Launching

    /// The command users start a job with: `mpirun` (Open MPI) or `mpiexec` (MPICH's Hydra).
    public var launcher: String {
        switch family {
        case .openMPI: "mpirun"
        case .mpich, .unknown: "mpiexec"
        }
    }

    /// The rank a launcher gave this process, read from its environment before MPI starts; `nil`
    /// when no launcher started it. The variables of this library's own launcher come first:
    /// Open MPI's mpirun (`OMPI_COMM_WORLD_RANK`) and PMIx (Open MPI 5, `srun --mpi=pmix`);
    /// PMI for MPICH (Hydra's `mpiexec`, `srun --mpi=pmi2`); then Slurm's task number. The order
    /// matters: Hydra inside a Slurm job starts its proxy with `srun`, whose `PMIX_RANK=0` and
    /// `SLURM_PROCID=0` every rank inherits beside its own `PMI_RANK`.
    public var launchedRank: Int? { launchedRank(in: Self.processEnvironment) }

    /// The number of ranks a launcher started, from the same launchers' variables; `nil` without one.
    public var launchedSize: Int? { launchedSize(in: Self.processEnvironment) }

    /// ``launchedRank`` read from `environment` (a variable's value, or `nil`).
    func launchedRank(in environment: (String) -> String?) -> Int? {
        switch family {
        case .openMPI: Self.firstInteger(["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"], in: environment)
        case .mpich, .unknown: Self.firstInteger(["PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "SLURM_PROCID"], in: environment)
        }
    }

    /// ``launchedSize`` read from `environment`.
    func launchedSize(in environment: (String) -> String?) -> Int? {
        switch family {
        case .openMPI: Self.firstInteger(["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"], in: environment)
        case .mpich, .unknown: Self.firstInteger(["PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "SLURM_STEP_NUM_TASKS"], in: environment)
        }
    }

    private static func processEnvironment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

    private static func firstInteger(_ names: [String], in environment: (String) -> String?) -> Int? {
        for name in names {
            if let raw = environment(name), let value = Int(raw), value >= 0 { return value }
        }
        return nil
    }

    /// `MPI_Get_library_version`: allowed before `MPI_Init` and after `MPI_Finalize`.
    private static func libraryVersion() -> String {
        var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_LIBRARY_VERSION_STRING) + 1)
        var length: Int32 = 0
        guard MPI_Get_library_version(&buffer, &length) == MPI_SUCCESS else { return "" }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
