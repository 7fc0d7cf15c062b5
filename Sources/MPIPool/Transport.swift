import MPI

/// Sends and receives frames over MPI, splitting big ones.
///
/// A frame up to `WireProtocol.maxInlineFrame` bytes is one message on the
/// frame tag, received into a pre-posted receive of that size. A bigger frame
/// is announced by a small `large` frame and follows on the body tag.
/// Every send is non-blocking (no rendezvous lock-ups); the transport keeps
/// the buffers of sends in flight and recycles them when they complete.
final class Transport {
    let comm: Communicator
    // Owned by the MPI thread: no dynamic exclusivity checks (see MessageBuffer).
    @exclusivity(unchecked) private var inFlight: [Request] = []
    @exclusivity(unchecked) private var spare: [MessageBuffer] = []

    /// Frames up to this size are sent with standard-mode `MPI_Send` when
    /// `sendsSmallFramesInPlace`: the MPI library copies them out and returns at
    /// once — no request object, no later test (the size, and why, is the MPI
    /// layer's: `MPIImplementation.inPlaceSendLimit`).
    static let inPlaceLimit = MPIImplementation.current.inPlaceSendLimit
    let sendsSmallFramesInPlace: Bool

    /// `sendsSmallFramesInPlace` is for the master; workers send everything non-blocking.
    init(comm: Communicator, sendsSmallFramesInPlace: Bool = false) {
        self.comm = comm
        self.sendsSmallFramesInPlace = sendsSmallFramesInPlace
    }

    /// A cleared buffer to write a frame into.
    func buffer() -> MessageBuffer {
        if let b = spare.popLast() { b.count = 0; return b }
        return MessageBuffer(capacity: 4096)
    }

    /// Returns a buffer no longer needed.
    func recycle(_ buffer: MessageBuffer) {
        if spare.count < 64 && buffer.capacity <= 4 * WireProtocol.maxInlineFrame { spare.append(buffer) }
    }

    /// Starts sending the frame in `buffer` to `rank`; the buffer is recycled when done.
    func send(_ buffer: MessageBuffer, to rank: Int) throws(MPIError) {
        if buffer.count > WireProtocol.maxInlineFrame {
            var announce = WireWriter(self.buffer())
            FrameEncoder.large(totalBytes: buffer.count, into: &announce)
            inFlight.append(try comm.isend(announce.buffer, to: rank, tag: WireProtocol.frameTag))
            inFlight.append(try comm.isend(buffer, to: rank, tag: WireProtocol.bodyTag))
        } else if sendsSmallFramesInPlace && buffer.count <= Transport.inPlaceLimit {
            try comm.send(UnsafeRawBufferPointer(buffer.bytes), to: rank, tag: WireProtocol.frameTag)
            recycle(buffer)
        } else {
            inFlight.append(try comm.isend(buffer, to: rank, tag: WireProtocol.frameTag))
        }
    }

    /// Completes finished sends; returns whether any are still in flight.
    @discardableResult
    func reap() throws(MPIError) -> Bool {
        guard !inFlight.isEmpty else { return false }
        var i = 0
        while i < inFlight.count {
            let request = inFlight[i]
            _ = try request.test()
            if request.isActive { i += 1 } else {
                recycle(request.buffer)
                inFlight.swapAt(i, inFlight.count - 1)
                inFlight.removeLast()
            }
        }
        return !inFlight.isEmpty
    }

    var sending: Bool { !inFlight.isEmpty }

    /// Waits (politely) until every send has completed.
    func flush() throws(MPIError) {
        var backoff = Backoff()
        while try reap() { backoff.pause() }
    }

    /// Posts a receive for the next frame from `source`.
    func postReceive(from source: Source, into buffer: MessageBuffer? = nil) throws(MPIError) -> Request {
        try comm.ireceive(into: buffer ?? MessageBuffer(capacity: WireProtocol.maxInlineFrame), from: source, tag: WireProtocol.frameTag)
    }

    /// Receives the body of a `large` frame from `rank` (it was sent right after the announcement).
    func receiveBody(from rank: Int, bytes: Int) throws(MPIError) -> MessageBuffer {
        let body = MessageBuffer(capacity: bytes)
        var backoff = Backoff()
        while try comm.iprobe(from: .rank(rank), tag: WireProtocol.bodyTag) == nil { backoff.pause() }
        try comm.receive(into: body, from: .rank(rank), tag: WireProtocol.bodyTag)
        return body
    }
}

