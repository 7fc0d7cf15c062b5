import MPI
import Synchronization

/// Runs chunks: shared by worker ranks and by a master that runs tasks itself.
enum WorkerCore {
    /// Runs the chunk and writes its results (or failure) frame into `out`;
    /// leaves `out` empty if `beforeItem` stopped it. Returns the compute time.
    @discardableResult
    static func run(_ header: ChunkHeader, payload: UnsafeRawBufferPointer, registry: TaskRegistry,
                    into out: MessageBuffer, beforeItem: (Int) -> Bool) -> UInt64 {
        out.count = 0
        var writer = WireWriter(out)
        let start = MonotonicClock.now
        let outcome: ChunkOutcome
        if Int(header.taskID) < registry.entries.count {
            FrameEncoder.results(ResultHeader(chunkID: header.chunkID, count: header.count, computeNanos: 0), into: &writer)
            outcome = registry.entries[Int(header.taskID)].execute(payload, Int(header.count), &writer, beforeItem)
        } else {
            outcome = .failed(offset: 0, reason: .unknownTask, message: "no task with id \(header.taskID) in this rank's registry")
        }
        let nanos = MonotonicClock.now - start
        switch outcome {
        case .completed where out.count > MPIError.countLimit:
            // One MPI message holds at most 2³¹ − 1 bytes: the chunk fails, the worker goes on.
            let bytes = out.count
            out.count = 0
            writer = WireWriter(out)
            FrameEncoder.failure(FailureReport(chunkID: header.chunkID, offset: 0, computeNanos: nanos, reason: .resultUnencodable,
                                               message: "the results of this chunk take \(bytes) bytes, over MPI's limit of \(MPIError.countLimit) for one message"),
                                 into: &writer)
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
///
/// `@unchecked Sendable`: its mutable state (requests, stash, totals) is touched only
/// by the thread that holds `owner` — the MPI thread, or the watchdog while the MPI
/// thread is inside a task; the rest is atomic or immutable.
final class Worker: @unchecked Sendable {
    let transport: Transport
    let registry: TaskRegistry
    @exclusivity(unchecked) private var receive: Request
    @exclusivity(unchecked) private var stash: [MessageBuffer] = []
    @exclusivity(unchecked) private var spareReceiveBuffers: [MessageBuffer] = []
    @exclusivity(unchecked) private var totals = WorkerTotals(chunks: 0, tasks: 0, busyNanos: 0)
    @exclusivity(unchecked) private var stopRequested = false
    /// When this worker ran the chunks whose header asked (`PoolOptions.timeline`), not yet sent.
    @exclusivity(unchecked) private var timings: [ChunkTiming] = []

    let spinNanos: UInt64
    /// Ends this process after MPI is finalised (given by the rank's main: it owns MPI's environment).
    let leave: @Sendable () -> Never
    /// `PoolOptions.onTaskAbandoned`: runs before the worker leaves a task that has not returned.
    let onTaskAbandoned: (@Sendable () -> Void)?

    /// Held by the MPI thread whenever it may touch MPI or this worker's state —
    /// always, except while it runs a chunk's task inline. Then the watchdog may
    /// take it, to answer an immediate shutdown that the task would keep waiting
    /// (MPI is initialised `MPI_THREAD_SERIALIZED`: one thread in MPI at a time, any thread).
    private let owner = Monitor()
    /// `MonotonicClock.now` when the inline chunk now running started (0: none), its id and item.
    private let inlineSince = Atomic<UInt64>(0)
    private let inlineChunk = Atomic<UInt64>(0)
    private let inlineItem = Atomic<Int>(0)
    /// The running inline chunk's give-back time (0: never): past it, the chunks held behind it go back.
    private let inlineGiveBack = Atomic<UInt64>(0)
    /// The watchdog's sleep, and whether it is a long one that a chunk with a give-back time must cut short.
    private let bell = Monitor()
    private let watchdogNapping = Atomic<Bool>(false)

    init(comm: Communicator, registry: TaskRegistry, spinNanoseconds: UInt64, onTaskAbandoned: (@Sendable () -> Void)? = nil,
         leave: @escaping @Sendable () -> Never) throws(MPIError) {
        self.spinNanos = spinNanoseconds
        self.leave = leave
        self.onTaskAbandoned = onTaskAbandoned
        self.transport = Transport(comm: comm)
        self.registry = registry
        self.receive = try transport.postReceive(from: .rank(0))
    }

    func run() throws(MPIError) {
        owner.lock()
        defer { owner.unlock() }
        startWatchdog()
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
                if header.timeoutNanos > 0 {
                    // Watched: the task runs on the runner's thread; this one keeps the clock.
                    if try !runWatched(header, payload: payload, buffer: frameBuffer) {
                        try goodbye()
                        return
                    }
                    if frameBuffer !== buffer { break }
                    continue  // the runner had the receive buffer: it is not recycled
                }
                let out = transport.buffer()
                inlineChunk.store(header.chunkID, ordering: .relaxed)
                inlineItem.store(0, ordering: .relaxed)
                inlineGiveBack.store(header.giveBackNanos, ordering: .relaxed)
                let started = MonotonicClock.now
                inlineSince.store(started, ordering: .sequentiallyConsistent)
                // The watchdog sleeps until rung while no chunk runs.
                if watchdogNapping.load(ordering: .sequentiallyConsistent) { bell.withLock { bell.signal(.work) } }
                owner.unlock()
                // unowned(unsafe): the closure ends with the call; `unowned` cost a retain and release per item.
                let nanos = WorkerCore.run(header, payload: payload, registry: registry, into: out) { [unowned(unsafe) self] i in
                    self.inlineItem.store(i, ordering: .relaxed)
                    return i > 0 && self.checkForStop()
                }
                owner.lock()
                inlineSince.store(0, ordering: .relaxed)
                if out.count > 0 {
                    totals.chunks += 1
                    totals.tasks += UInt64(header.count)
                    totals.busyNanos += nanos
                    try transport.send(out, to: 0)
                    if header.recordsTimeline { try noteTiming(header.chunkID, from: started, nanos: nanos) }
                } else {
                    transport.recycle(out)
                }
            case .shutdown:
                try goodbye()
                return
            default:
                PoolLog.warning("MPIPool: rank \(transport.comm.rank) ignored an unexpected frame from the master: \(frame)")
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
            PoolLog.critical("MPIPool: fatal: rank \(transport.comm.rank) received a \(error) from the master; aborting the job")
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
    @exclusivity(unchecked) private var checkEvery = 1
    @exclusivity(unchecked) private var itemsUntilCheck = 1

    /// Between items: at most once a millisecond, looks at what the master sent.
    /// An immediate shutdown stops the chunk; anything else waits in the stash.
    private func checkForStop() -> Bool {
        if stopRequested { return true }
        // The clock is read every `checkEvery` items, a number that doubles while the checks come
        // less than 0.5 ms apart and halves past 2 ms: about one read per millisecond of work, not
        // one per item (a clock read per item was a tenth of a worker's time on W1's tiny tasks).
        itemsUntilCheck -= 1
        if itemsUntilCheck > 0 { return false }
        let now = MonotonicClock.coarseNow
        let elapsed = now &- lastCheck
        if elapsed < 500_000 { checkEvery = min(checkEvery * 2, 4096) } else if elapsed > 2_000_000 { checkEvery = max(checkEvery / 2, 1) }
        itemsUntilCheck = checkEvery
        guard elapsed > 1_000_000 else { return false }
        lastCheck = now
        owner.lock()
        defer { owner.unlock() }
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
            PoolLog.error("MPIPool: rank \(transport.comm.rank): \(error)")
        }
        return false
    }

    // MARK: The watchdog (a task without a timeout that does not return)

    /// Every 100 ms: if an inline chunk has run for more than 200 ms, takes the MPI
    /// role for a moment and looks at what the master sent. An immediate shutdown
    /// (terminate, a body that threw) is answered at once — the item is reported
    /// abandoned, the worker says goodbye, finalises MPI and the process ends —
    /// instead of waiting for a task that may never return.
    ///
    /// And at the give-back time of the inline chunk running (when it has one): if it
    /// still runs, the chunks the master sent behind it go back unstarted, so that an
    /// idle worker can take them (see `Scheduler`). It sleeps until then; while no chunk
    /// runs it sleeps until the next one starts (the start rings it), so an idle worker's
    /// watchdog costs nothing.
    private func startWatchdog() {
        startThread(name: "mpipool-watchdog") { [self] in
            // The chunk past its give-back time, and when to look again (a follower may still come).
            var overdue: (since: UInt64, next: UInt64) = (0, 0)
            while true {
                let now = MonotonicClock.now
                let since = inlineSince.load(ordering: .acquiring)
                if since == 0 {
                    napUntilRung()
                    continue
                }
                let giveBack = inlineGiveBack.load(ordering: .relaxed)
                let due = giveBack == 0 ? UInt64.max : overdue.since == since ? overdue.next : since &+ giveBack
                if due <= now {
                    if owner.tryLock() {
                        if inlineSince.load(ordering: .acquiring) == since { giveBackHeld() }
                        owner.unlock()
                        overdue = (since, now &+ giveBack)
                    } else {
                        pause(nanoseconds: 200_000)  // between chunks: look again in a moment
                    }
                    continue
                }
                bell.withLock { _ = bell.wait(.work, until: min(due, now + 100_000_000)) }
                stopTasksOnSignal()
                let running = inlineSince.load(ordering: .acquiring)
                guard running > 0, MonotonicClock.now &- running > 200_000_000, owner.tryLock() else { continue }
                if inlineSince.load(ordering: .acquiring) != 0 { lookForImmediateShutdown() }
                owner.unlock()
            }
        }
    }

    /// The watchdog's sleep while no inline chunk runs: until a chunk's start rings the bell
    /// (at the latest 10 s). The flag and the chunk's start time are stored and read in opposite
    /// orders, sequentially consistent, so one of the two threads sees the other's store.
    private func napUntilRung() {
        bell.lock()
        watchdogNapping.store(true, ordering: .sequentiallyConsistent)
        if inlineSince.load(ordering: .sequentiallyConsistent) == 0 {
            bell.wait(.work, until: MonotonicClock.now + 10_000_000_000)
        }
        watchdogNapping.store(false, ordering: .sequentiallyConsistent)
        bell.unlock()
    }

    /// With `owner` held, while a chunk runs past its give-back time: what the master sent is
    /// taken in, and the chunks among it go back unstarted (`returned`); the rest waits in the stash.
    private func giveBackHeld() {
        do {
            while try receive.test() != nil { stash.append(try takeReceived()) }
            var kept: [MessageBuffer] = []
            for buffer in stash {
                if case .chunk(let header, _) = decode(buffer) {
                    var writer = WireWriter(transport.buffer())
                    FrameEncoder.returned(chunkID: header.chunkID, into: &writer)
                    try transport.send(writer.buffer, to: 0)
                    recycleReceiveBuffer(buffer)
                } else {
                    kept.append(buffer)
                }
            }
            stash = kept
        } catch {
            PoolLog.error("MPIPool: rank \(transport.comm.rank): \(error)")
        }
    }

    /// SIGTERM or SIGINT reached this worker while a task runs: what the task started is stopped
    /// at once (`onTaskAbandoned`, once), not when the master's shutdown comes. A launcher that
    /// passes the signal on (mpirun, at Ctrl-C) kills its ranks soon after, and a child in its own
    /// process group outlived them (found by MPIPoolRunTests under load: two `sleep 30` left).
    /// The task then ends as its children did; the master, stopping too, does not log it.
    private func stopTasksOnSignal() {
        guard let onTaskAbandoned, SignalWatch.received.load(ordering: .relaxed) != 0,
              !stoppedOnSignal.exchange(true, ordering: .relaxed) else { return }
        onTaskAbandoned()
    }

    /// Whether `stopTasksOnSignal` ran (the watchdog's thread or the MPI thread).
    private let stoppedOnSignal = Atomic<Bool>(false)

    /// With `owner` held, while the MPI thread is inside a task.
    private func lookForImmediateShutdown() {
        do {
            while try receive.test() != nil {
                let buffer = try takeReceived()
                if case .shutdown(immediate: true) = decode(buffer) {
                    onTaskAbandoned?()
                    var writer = WireWriter(transport.buffer())
                    FrameEncoder.failure(FailureReport(chunkID: inlineChunk.load(ordering: .relaxed), offset: UInt32(inlineItem.load(ordering: .relaxed)),
                                                       computeNanos: 0, reason: .abandoned, message: "the task had not returned"), into: &writer)
                    try transport.send(writer.buffer, to: 0)
                    try goodbye()
                    leave()
                }
                stash.append(buffer)
            }
        } catch {
            PoolLog.error("MPIPool: rank \(transport.comm.rank): \(error)")
        }
    }

    // MARK: Watched chunks (a task with a timeout)

    @exclusivity(unchecked) private var runner = TaskRunner()

    /// Runs a chunk whose items have a timeout on the runner's thread while this
    /// thread watches the clock and the master. Returns false when the worker must
    /// leave now (an immediate shutdown, or a shutdown while stuck).
    ///
    /// An item past its timeout is reported (`failure` with reason `timedOut`); the
    /// worker is then stuck: it discards every chunk the master sent before it
    /// learnt of it, and says `rejoin` once the task returns (its result discarded).
    private func runWatched(_ header: ChunkHeader, payload: UnsafeRawBufferPointer, buffer: MessageBuffer) throws(MPIError) -> Bool {
        let out = transport.buffer()
        let started = MonotonicClock.now
        runner.start(header, payload: payload, keeping: buffer, registry: registry, into: out)
        var backoff = Backoff(spinNanos: spinNanos)
        backoff.idleCap = backoff.cap  // never sleep long: the task's end or its deadline may come any moment
        let giveBackAt = header.giveBackNanos > 0 ? MonotonicClock.now &+ header.giveBackNanos : UInt64.max
        var gaveBack = false
        while !runner.isDone {
            stopTasksOnSignal()
            if !gaveBack && MonotonicClock.now > giveBackAt {
                giveBackHeld()
                gaveBack = true
            }
            if let report = runner.overrun(of: header) {
                var writer = WireWriter(transport.buffer())
                FrameEncoder.failure(report, into: &writer)
                try transport.send(writer.buffer, to: 0)
                return try waitWhileStuck(chunkID: header.chunkID)
            }
            while try receive.test() != nil {
                let received = try takeReceived()
                if case .shutdown(immediate: true) = decode(received) {
                    // Leave now; the task stops at its next item, or the process's end ends it.
                    onTaskAbandoned?()
                    runner.stop()
                    stopRequested = true
                    return false
                }
                stash.append(received)
            }
            if transport.sending { try transport.reap() }
            backoff.pause()
        }
        totals.chunks += 1
        totals.tasks += UInt64(header.count)
        totals.busyNanos += runner.computeNanos
        if out.count > 0 {
            try transport.send(out, to: 0)
            if header.recordsTimeline { try noteTiming(header.chunkID, from: started, nanos: runner.computeNanos) }
        } else {
            transport.recycle(out)
        }
        return true
    }

    /// Stuck in an overrunning item: drops what the master sent meanwhile (it gave
    /// that work to others), leaves on shutdown, and rejoins when the task returns.
    private func waitWhileStuck(chunkID: UInt64) throws(MPIError) -> Bool {
        var pending = stash
        stash.removeAll()
        var backoff = Backoff(spinNanos: spinNanos)
        while true {
            while try receive.test() != nil { pending.append(try takeReceived()) }
            for received in pending {
                switch decode(received) {
                case .shutdown:
                    if !runner.isDone { onTaskAbandoned?() }
                    runner.stop()
                    return false
                case .large(let total):
                    _ = try transport.receiveBody(from: 0, bytes: total)  // a big chunk given to others: dropped
                default:
                    break  // a chunk given to others: dropped
                }
                recycleReceiveBuffer(received)
            }
            pending.removeAll(keepingCapacity: true)
            if runner.isDone {
                var writer = WireWriter(transport.buffer())
                FrameEncoder.rejoin(chunkID: chunkID, into: &writer)
                try transport.send(writer.buffer, to: 0)
                return true
            }
            if transport.sending { try transport.reap() }
            backoff.pause()
        }
    }

    /// Notes when a chunk ran (its result already sent); sends the notes every 2048 chunks.
    private func noteTiming(_ chunkID: UInt64, from start: UInt64, nanos: UInt64) throws(MPIError) {
        timings.append(ChunkTiming(chunkID: chunkID, start: start, end: start &+ nanos))
        if timings.count >= 2048 { try sendTimings() }
    }

    private func sendTimings() throws(MPIError) {
        guard !timings.isEmpty else { return }
        var writer = WireWriter(transport.buffer())
        FrameEncoder.timeline(timings[...], into: &writer)
        try transport.send(writer.buffer, to: 0)
        timings.removeAll(keepingCapacity: true)
    }

    private func goodbye() throws(MPIError) {
        try sendTimings()
        var writer = WireWriter(transport.buffer())
        FrameEncoder.goodbye(totals, into: &writer)
        try transport.send(writer.buffer, to: 0)
        try transport.flush()
        try receive.cancel()
    }
}
