import CMPI

/// A non-blocking send or receive in flight, and the buffer it uses.
///
/// The request owns its `MessageBuffer` until it completes, so the memory MPI
/// writes into or reads from cannot be freed early. A request dropped while
/// still active is a programming error: debug builds stop with a message.
///
/// ```swift
/// let request = try world.ireceive(into: MessageBuffer(capacity: 65536), from: .any, tag: 1)
/// while try request.test() == nil { /* do other work */ }
/// ```
public final class Request {
    enum Kind { case send, receive }

    // Owned by the thread making MPI calls: no dynamic exclusivity checks (see MessageBuffer).
    // The type is MPI's own, inferred from the shim: an optional pointer with Open MPI, an
    // `Int32` with MPICH. Either way `&handle` is what MPI_Test and MPI_Wait take.
    @exclusivity(unchecked) var handle = cmpi_request_null()
    let kind: Kind
    @exclusivity(unchecked) var active = false
    /// The buffer the request reads from (send) or writes into (receive).
    public let buffer: MessageBuffer

    init(buffer: MessageBuffer, kind: Kind) {
        self.buffer = buffer
        self.kind = kind
    }

    /// Whether the request is still in flight.
    public var isActive: Bool { active }

    /// Completes the request if it is done (`MPI_Test`): returns its status, or `nil` if still in flight.
    /// For a receive the buffer's `count` is set to the bytes received.
    public func test() throws(MPIError) -> Status? {
        guard active else { return nil }
        var flag: Int32 = 0
        var status = MPI_Status()
        try check(MPI_Test(&handle, &flag, &status), "MPI_Test")
        guard flag != 0 else { return nil }
        return try finish(status)
    }

    /// Blocks until the request completes (`MPI_Wait`; Open MPI and MPICH both spin while they wait).
    @discardableResult
    public func wait() throws(MPIError) -> Status? {
        guard active else { return nil }
        var status = MPI_Status()
        try check(MPI_Wait(&handle, &status), "MPI_Wait")
        return try finish(status)
    }

    /// Cancels the request and waits for the cancellation to complete (`MPI_Cancel`).
    public func cancel() throws(MPIError) {
        guard active else { return }
        try check(MPI_Cancel(&handle), "MPI_Cancel")
        try check(MPI_Wait(&handle, cmpi_status_ignore()), "MPI_Wait")   // not nil: see Communicator.receive
        active = false
    }

    func finish(_ status: MPI_Status) throws(MPIError) -> Status? {
        active = false
        if kind == .send { return nil }
        if status.MPI_ERROR != MPI_SUCCESS && status.MPI_ERROR != 0 {
            try check(status.MPI_ERROR, "MPI_Irecv")
        }
        let result = try Status(status)
        buffer.count = result.count
        return result
    }

    deinit {
        assert(!active, "MPI request dropped while still in flight: complete it with test(), wait() or cancel() first")
    }
}

/// A fixed set of requests tested together with `MPI_Testsome`, reusing its
/// arrays between calls (no allocation per poll on the hot path).
///
/// ```swift
/// let set = RequestSet([a, b, c])
/// for i in try set.testSome() { handle(set[i].buffer); set[i] = try repost(i) }
/// ```
public final class RequestSet {
    @exclusivity(unchecked) private var requests: [Request]
    /// The handles in MPI's own representation (see `Request.handle`), contiguous for `MPI_Testsome`.
    @exclusivity(unchecked) private var handles = [cmpi_request_null()]
    @exclusivity(unchecked) private var indices: [Int32]
    @exclusivity(unchecked) private var statuses: [MPI_Status]
    @exclusivity(unchecked) private var completed: [Int] = []

    public init(_ requests: [Request]) {
        self.requests = requests
        handles = requests.map { $0.handle }
        indices = [Int32](repeating: 0, count: requests.count)
        statuses = [MPI_Status](repeating: MPI_Status(), count: requests.count)
    }

    public var count: Int { requests.count }

    /// Takes the handle of `requests[index]` again after it was re-armed in place
    /// (`Communicator.ireceive(again:)`).
    public func refresh(_ index: Int) {
        handles[index] = requests[index].active ? requests[index].handle : cmpi_request_null()
    }

    /// The request at `index`; setting replaces it (e.g. with a new receive).
    public subscript(index: Int) -> Request {
        get { requests[index] }
        set {
            requests[index] = newValue
            handles[index] = newValue.active ? newValue.handle : cmpi_request_null()
        }
    }

    /// Completes every finished request; returns their indices (receives get their `count` set).
    public func testSome() throws(MPIError) -> [Int] {
        completed.removeAll(keepingCapacity: true)
        guard !requests.isEmpty else { return completed }
        var outCount: Int32 = 0
        try check(MPI_Testsome(try mpiCount(requests.count, "MPI_Testsome"), &handles, &outCount, &indices, &statuses), "MPI_Testsome")
        guard outCount != cmpi_undefined(), outCount > 0 else { return completed }
        for k in 0..<Int(outCount) {
            let i = Int(indices[k])
            requests[i].handle = handles[i]
            _ = try requests[i].finish(statuses[k])
            completed.append(i)
        }
        return completed
    }
}
