import CMPI

/// The thread support levels of `MPI_Init_thread`, in increasing order.
public enum ThreadLevel: Int32, Sendable, Comparable, CustomStringConvertible {
    case single, funneled, serialized, multiple

    init(raw: Int32) {
        switch raw {
        case Int32(MPI_THREAD_SINGLE): self = .single
        case Int32(MPI_THREAD_FUNNELED): self = .funneled
        case Int32(MPI_THREAD_SERIALIZED): self = .serialized
        default: self = .multiple
        }
    }

    var raw: Int32 {
        switch self {
        case .single: Int32(MPI_THREAD_SINGLE)
        case .funneled: Int32(MPI_THREAD_FUNNELED)
        case .serialized: Int32(MPI_THREAD_SERIALIZED)
        case .multiple: Int32(MPI_THREAD_MULTIPLE)
        }
    }

    public static func < (a: ThreadLevel, b: ThreadLevel) -> Bool { a.rawValue < b.rawValue }
    public var description: String { ["single", "funneled", "serialized", "multiple"][Int(rawValue)] }
}

/// The MPI library for this process: initialised once, finalised once.
///
/// Create it on the thread that will make every MPI call (with `.funneled`
/// that thread is the only one allowed to). The object is not `Sendable`:
/// it belongs to that thread.
///
/// ```swift
/// let mpi = try MPIEnvironment(threadLevel: .funneled)
/// print(mpi.world.rank, mpi.world.size, mpi.processorName)
/// try mpi.finalize()
/// ```
public final class MPIEnvironment {
    /// The level the program asked for.
    public let requestedThreadLevel: ThreadLevel
    /// The level MPI granted (may be lower than requested; check it).
    public let providedThreadLevel: ThreadLevel
    /// `MPI_COMM_WORLD`, with `MPI_ERRORS_RETURN` set.
    public let world: Communicator
    private var finalized = false

    /// Calls `MPI_Init_thread` and sets `MPI_ERRORS_RETURN` on the world.
    ///
    /// Throws if MPI is already initialised or if it fails to start.
    /// Open MPI reads `OMPI_MCA_*` variables from the environment here, so set
    /// them (with `setenv`) before creating the environment.
    public init(threadLevel: ThreadLevel) throws(MPIError) {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized != 0 {
            throw MPIError(function: "MPI_Init_thread", code: -1, message: "MPI is already initialised in this process")
        }
        var provided: Int32 = 0
        try check(MPI_Init_thread(nil, nil, threadLevel.raw, &provided), "MPI_Init_thread")
        requestedThreadLevel = threadLevel
        providedThreadLevel = ThreadLevel(raw: provided)
        world = Communicator(handle: cmpi_comm_world())
        try check(MPI_Comm_set_errhandler(cmpi_comm_world(), cmpi_errors_return()), "MPI_Comm_set_errhandler")
    }

    /// The name of the processor (host) this rank runs on.
    public var processorName: String {
        var buffer = [CChar](repeating: 0, count: Int(cmpi_max_processor_name()) + 1)
        var length: Int32 = 0
        MPI_Get_processor_name(&buffer, &length)
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `MPI_Wtime`: seconds since an arbitrary point in the past.
    public var wtime: Double { MPI_Wtime() }

    /// Calls `MPI_Finalize`. Later calls do nothing.
    public func finalize() throws(MPIError) {
        guard !finalized else { return }
        finalized = true
        try check(MPI_Finalize(), "MPI_Finalize")
    }

    /// Ends every process of the job with `code` (`MPI_Abort`), after giving the launcher time to
    /// forward what this rank wrote (``MPIImplementation/pauseBeforeAbort``). Does not return.
    public func abort(code: Int32) -> Never {
        MPIImplementation.current.waitForOutputBeforeAbort()
        MPI_Abort(cmpi_comm_world(), code)
        // MPI_Abort should not return; make sure the process ends anyway.
        _exit(code)
    }

    deinit {
        if !finalized { try? finalize() }
    }
}

@_silgen_name("_exit") private func _exit(_ code: Int32) -> Never
