import MPI

/// Runs chunks: shared by worker ranks and by a master that runs tasks itself.
enum WorkerCore {
    /// Runs the chunk and writes its results (or failure) frame into `out`;
    /// leaves `out` empty if `shouldStop` stopped it. Returns the compute time.
    @discardableResult
    static func run(_ header: ChunkHeader, payload: UnsafeRawBufferPointer, registry: TaskRegistry,
                    into out: MessageBuffer, shouldStop: () -> Bool) -> UInt64 {
        out.count = 0
        var writer = WireWriter(out)
        let start = MonotonicClock.now
        let outcome: ChunkOutcome
        if Int(header.taskID) < registry.entries.count {
            FrameEncoder.results(ResultHeader(chunkID: header.chunkID, count: header.count, computeNanos: 0), into: &writer)
            outcome = registry.entries[Int(header.taskID)].execute(payload, Int(header.count), &writer, shouldStop)
        } else {
            outcome = .failed(offset: 0, reason: .unknownTask, message: "no task with id \(header.taskID) in this rank's registry")
        }
        let nanos = MonotonicClock.now - start
        switch outcome {
        case .completed:
            // Patch the compute time into the header written before the payload.
            (out.base + WireProtocol.headerSize + 8 + 4).storeBytes(of: nanos, as: UInt64.self)
        case .failed(let offset, let reason, let message):
            out.count = 0
            writer = WireWriter(out)
            FrameEncoder.failure(FailureReport(chunkID: header.chunkID, offset: UInt32(offset), computeNanos: nanos,
                                               reason: reason, message: message), into: &writer)
        case .stopped:
            out.count = 0
        }
        return nanos
    }
}

/// A worker rank's loop: receive a chunk, run its tasks in order, send the
/// results (or the error a task threw), wait for the next; leave on shutdown.
///
/// The next receive is always posted before a chunk runs, so a prefetched
/// chunk arrives while this one computes. Between items of a long chunk the
/// worker looks for an immediate shutdown (`terminate`).
final class Worker {
    let transport: Transport
    let registry: TaskRegistry
    @exclusivity(unchecked) private var receive: Request
    @exclusivity(unchecked) private var stash: [MessageBuffer] = []
    @exclusivity(unchecked) private var spareReceiveBuffers: [MessageBuffer] = []
    @exclusivity(unchecked) private var totals = WorkerTotals(chunks: 0, tasks: 0, busyNanos: 0)
    @exclusivity(unchecked) private var stopRequested = false

    let spinNanos: UInt64

    init(comm: Communicator, registry: TaskRegistry, spinNanoseconds: UInt64) throws(MPIError) {
        self.spinNanos = spinNanoseconds
        self.transport = Transport(comm: comm)
        self.registry = registry
        self.receive = try transport.postReceive(from: .rank(0))
    }

    func run() throws(MPIError) {
        var backoff = Backoff(spinNanos: spinNanos)
        while true {
            let buffer: MessageBuffer
            if !stash.isEmpty {
                buffer = stash.removeFirst()
            } else {
                while try receive.test() == nil {
                    if transport.sending { try transport.reap() }
                    backoff.pause()
                }
                backoff.reset()
                buffer = try takeReceived()
            }
            var frameBuffer = buffer
            var frame = decode(frameBuffer)
            if case .large(let total) = frame {
                frameBuffer = try transport.receiveBody(from: 0, bytes: total)
                frame = decode(frameBuffer)
            }
            switch frame {
            case .chunk(let header, let payload):
                if stopRequested { break }
                let out = transport.buffer()
                let nanos = WorkerCore.run(header, payload: payload, registry: registry, into: out) { [unowned self] in
                    self.checkForStop()
                }
                if out.count > 0 {
                    totals.chunks += 1
                    totals.tasks += UInt64(header.count)
                    totals.busyNanos += nanos
                    try transport.send(out, to: 0)
                } else {
                    transport.recycle(out)
                }
            case .shutdown:
                try goodbye()
                return
            default:
                Diagnostics.error("MPIPool: rank \(transport.comm.rank) ignored an unexpected frame from the master: \(frame)")
            }
            recycleReceiveBuffer(buffer)
            if stopRequested && stash.isEmpty {
                try goodbye()
                return
            }
        }
    }

    private func decode(_ buffer: MessageBuffer) -> Frame {
        do { return try FrameDecoder.decode(buffer.bytes) } catch {
            Diagnostics.error("MPIPool: fatal: rank \(transport.comm.rank) received a \(error) from the master; aborting the job")
            transport.comm.abort(code: 70)
        }
    }

    /// The completed receive's buffer; a new receive is posted at once.
    private func takeReceived() throws(MPIError) -> MessageBuffer {
        let buffer = receive.buffer
        let next = spareReceiveBuffers.popLast() ?? MessageBuffer(capacity: WireProtocol.maxInlineFrame)
        receive = try transport.postReceive(from: .rank(0), into: next)
        return buffer
    }

    private func recycleReceiveBuffer(_ buffer: MessageBuffer) {
        if buffer.capacity == WireProtocol.maxInlineFrame && spareReceiveBuffers.count < 4 { spareReceiveBuffers.append(buffer) }
    }

    @exclusivity(unchecked) private var lastCheck: UInt64 = 0

    /// Between items: at most once a millisecond, looks at what the master sent.
    /// An immediate shutdown stops the chunk; anything else waits in the stash.
    private func checkForStop() -> Bool {
        if stopRequested { return true }
        let now = MonotonicClock.coarseNow
        guard now &- lastCheck > 1_000_000 else { return false }
        lastCheck = now
        do {
            while try receive.test() != nil {
                let buffer = try takeReceived()
                if case .shutdown(immediate: true) = decode(buffer) {
                    stopRequested = true
                    return true
                }
                stash.append(buffer)
            }
        } catch {
            Diagnostics.error("MPIPool: rank \(transport.comm.rank): \(error)")
        }
        return false
    }

    private func goodbye() throws(MPIError) {
        var writer = WireWriter(transport.buffer())
        FrameEncoder.goodbye(totals, into: &writer)
        try transport.send(writer.buffer, to: 0)
        try transport.flush()
        try receive.cancel()
    }
}
