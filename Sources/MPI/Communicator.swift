import CMPI

/// What a receive or probe learned about a message.
public struct Status: Sendable, Equatable {
    /// The rank that sent it.
    public let source: Int
    /// Its tag.
    public let tag: Int
    /// Its length in bytes.
    public let count: Int

    init(_ status: MPI_Status) throws(MPIError) {
        var status = status
        var count: Int32 = 0
        try check(MPI_Get_count(&status, cmpi_byte(), &count), "MPI_Get_count")
        self.source = Int(status.MPI_SOURCE)
        self.tag = Int(status.MPI_TAG)
        self.count = Int(count)
    }
}

/// Where a receive or probe accepts messages from.
public enum Source: Sendable, Equatable {
    case rank(Int)
    case any
    func raw(_ function: @autoclosure () -> String) throws(MPIError) -> Int32 {
        if case .rank(let r) = self { try mpiInt(r, tag: false, function()) } else { cmpi_any_source() }
    }
}

/// An MPI communicator: rank, size and byte-oriented point-to-point calls.
///
/// Every message is a run of bytes (`MPI_BYTE`); the layers above decide what
/// they mean. Not `Sendable`: the thread that initialised MPI owns it.
///
/// ```swift
/// let world = mpi.world
/// if world.rank == 0 { try world.send([1, 2, 3], to: 1, tag: 7) }
/// else { let (bytes, status) = try world.receive(from: .rank(0), tag: 7) }
/// ```
public final class Communicator {
    let handle: MPI_Comm

    init(handle: MPI_Comm) { self.handle = handle }

    /// This process's rank in the communicator.
    public var rank: Int {
        var r: Int32 = 0
        MPI_Comm_rank(handle, &r)
        return Int(r)
    }

    /// The number of processes in the communicator.
    public var size: Int {
        var s: Int32 = 0
        MPI_Comm_size(handle, &s)
        return Int(s)
    }

    /// The largest tag value this MPI allows (`MPI_TAG_UB`; at least 32767).
    public var tagUpperBound: Int {
        var value: UnsafeMutableRawPointer?
        var flag: Int32 = 0
        MPI_Comm_get_attr(handle, Int32(MPI_TAG_UB), &value, &flag)
        guard flag != 0, let value else { return 32767 }
        return Int(value.load(as: Int32.self))
    }

    // MARK: Blocking

    /// Sends `bytes` (standard mode `MPI_Send`: returns once the buffer may be reused).
    public func send(_ bytes: UnsafeRawBufferPointer, to destination: Int, tag: Int) throws(MPIError) {
        let count = try mpiCount(bytes.count, "MPI_Send")
        let rank = try mpiInt(destination, tag: false, "MPI_Send"), tag = try mpiInt(tag, tag: true, "MPI_Send")
        try check(MPI_Send(bytes.baseAddress, count, cmpi_byte(), rank, tag, handle), "MPI_Send")
    }

    /// Sends an array of bytes.
    public func send(_ bytes: [UInt8], to destination: Int, tag: Int) throws(MPIError) {
        var result: Result<Void, MPIError> = .success(())
        bytes.withUnsafeBytes { raw in
            do throws(MPIError) { try send(raw, to: destination, tag: tag) } catch { result = .failure(error) }
        }
        try result.get()
    }

    /// Waits for a matching message, then receives it into `buffer` (grown to fit).
    @discardableResult
    public func receive(into buffer: MessageBuffer, from source: Source, tag: Int) throws(MPIError) -> Status {
        let status = try probe(from: source, tag: tag)
        let count = try mpiCount(status.count, "MPI_Recv")
        let rank = try mpiInt(status.source, tag: false, "MPI_Recv"), tag = try mpiInt(status.tag, tag: true, "MPI_Recv")
        buffer.reserve(status.count)
        // MPI_STATUS_IGNORE, not nil: it is a null pointer in Open MPI but (MPI_Status *)1 in MPICH,
        // which rejects a null status ("Null pointer in parameter status").
        try check(MPI_Recv(buffer.base, count, cmpi_byte(), rank, tag, handle, cmpi_status_ignore()), "MPI_Recv")
        buffer.count = status.count
        return status
    }

    /// Waits for a matching message and returns its bytes.
    public func receive(from source: Source, tag: Int) throws(MPIError) -> ([UInt8], Status) {
        let buffer = MessageBuffer()
        let status = try receive(into: buffer, from: source, tag: tag)
        return (buffer.array, status)
    }

    /// Waits until a matching message can be received (`MPI_Probe`).
    ///
    /// Open MPI busy-polls inside blocking calls; prefer `iprobe` and wait politely.
    public func probe(from source: Source, tag: Int) throws(MPIError) -> Status {
        var status = MPI_Status()
        try check(MPI_Probe(try source.raw("MPI_Probe"), try mpiInt(tag, tag: true, "MPI_Probe"), handle, &status), "MPI_Probe")
        return try Status(status)
    }

    /// The status of a matching message if one has arrived, else `nil` (`MPI_Iprobe`).
    public func iprobe(from source: Source, tag: Int) throws(MPIError) -> Status? {
        var status = MPI_Status()
        var flag: Int32 = 0
        try check(MPI_Iprobe(try source.raw("MPI_Iprobe"), try mpiInt(tag, tag: true, "MPI_Iprobe"), handle, &flag, &status), "MPI_Iprobe")
        return flag != 0 ? try Status(status) : nil
    }

    // MARK: Non-blocking

    /// Starts sending the first `buffer.count` bytes of `buffer` (`MPI_Isend`).
    /// The request keeps the buffer alive until it completes. A message of more than
    /// ``MPIError/countLimit`` bytes throws `MPI_ERR_COUNT` (MPI's counts are C `int`s).
    public func isend(_ buffer: MessageBuffer, to destination: Int, tag: Int) throws(MPIError) -> Request {
        let count = try mpiCount(buffer.count, "MPI_Isend")
        let rank = try mpiInt(destination, tag: false, "MPI_Isend"), tag = try mpiInt(tag, tag: true, "MPI_Isend")
        let request = Request(buffer: buffer, kind: .send)
        try check(MPI_Isend(buffer.base, count, cmpi_byte(), rank, tag, handle, &request.handle), "MPI_Isend")
        request.active = true
        return request
    }

    /// Starts receiving up to `buffer.capacity` bytes into `buffer` (`MPI_Irecv`).
    /// A longer message fails the request with `MPI_ERR_TRUNCATE`. A buffer of more than
    /// ``MPIError/countLimit`` bytes accepts any message (the count MPI is given is capped there).
    public func ireceive(into buffer: MessageBuffer, from source: Source, tag: Int) throws(MPIError) -> Request {
        let rank = try source.raw("MPI_Irecv"), tag = try mpiInt(tag, tag: true, "MPI_Irecv")
        let request = Request(buffer: buffer, kind: .receive)
        try check(MPI_Irecv(buffer.base, mpiReceiveCount(capacity: buffer.capacity), cmpi_byte(), rank, tag, handle, &request.handle),
                  "MPI_Irecv")
        request.active = true
        return request
    }

    /// Posts the completed receive `request` again, into the same buffer, from
    /// the same kind of source (`MPI_Irecv` without a new request object).
    public func ireceive(again request: Request, from source: Source, tag: Int) throws(MPIError) {
        precondition(!request.active && request.kind == .receive, "only a completed receive can be posted again")
        let rank = try source.raw("MPI_Irecv"), tag = try mpiInt(tag, tag: true, "MPI_Irecv")
        try check(MPI_Irecv(request.buffer.base, mpiReceiveCount(capacity: request.buffer.capacity), cmpi_byte(), rank, tag, handle,
                            &request.handle), "MPI_Irecv")
        request.active = true
    }

    /// Ends every process of the job (`MPI_Abort`), after ``MPIImplementation/pauseBeforeAbort``.
    public func abort(code: Int32) -> Never {
        MPIImplementation.current.waitForOutputBeforeAbort()
        MPI_Abort(handle, code)
        fatalError("MPI_Abort returned")
    }
}
