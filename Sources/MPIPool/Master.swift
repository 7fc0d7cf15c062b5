import MPI
#if canImport(Glibc)
import Glibc
#endif

/// The master's progress loop: the only code on rank 0 that calls MPI.
///
/// It runs on the MPI thread. User threads talk to it through `PoolCore`
/// commands; it feeds the `Scheduler`, sends chunks, completes results, and
/// hands callbacks to the callback thread. One item's path, one function a step:
/// `handle(.submit)` → `apply` (the scheduler's decisions) → `send` → (worker runs it)
/// → `handleMessage` → `accept` (results stored) → `apply` → `finish` → `publishFinishedJobs`. While results are expected it polls
/// hot, then backs off; with nothing in flight it sleeps until a command.
///
/// Which threads exist, which lock guards what, and why no lock is held while
/// user code runs: the DocC article "How it waits and the wire format", section
/// "Threads and locks" (`MPIPool.docc/HowItWaits.md`).
///
/// Only the MPI thread touches its mutable state, so that state skips Swift's
/// dynamic exclusivity checks (`@exclusivity(unchecked)`): measured with
/// callgrind, they cost a fifth of the master's instructions per message.
final class Master {
    let transport: Transport
    let core: PoolCore
    let registry: TaskRegistry
    let options: PoolOptions
    let host: String
    @exclusivity(unchecked) private var scheduler: Scheduler
    @exclusivity(unchecked) private var jobs = IDTable<AnyJob>()
    /// Pre-posted receives, one per remote worker: these requests are the futures of the chunks.
    @exclusivity(unchecked) private var receives = RequestSet([])
    @exclusivity(unchecked) private var receiveRanks: [Int] = []
    /// Indexed by rank; nil for ranks that run no tasks.
    @exclusivity(unchecked) private var stats: [WorkerStats?]
    /// Chunks the master runs itself (rank 0 as a worker).
    @exclusivity(unchecked) private var localChunks: [(Scheduler.Chunk, MessageBuffer)] = []
    @exclusivity(unchecked) private var finishedJobs: [AnyJob] = []
    @exclusivity(unchecked) private var stopping = false
    @exclusivity(unchecked) private var terminating = false
    @exclusivity(unchecked) private var goodbyesAwaited = 0

    init(comm: Communicator, core: PoolCore, registry: TaskRegistry, options: PoolOptions,
         workers: [Int], local: Bool, hellos: [Int: Hello], host: String) {
        self.transport = Transport(comm: comm, sendsSmallFramesInPlace: true)
        self.core = core
        self.registry = registry
        self.options = options
        self.host = host
        var ranks = workers
        if local { ranks.insert(0, at: 0) }
        self.scheduler = Scheduler(workers: ranks)
        self.receiveRanks = workers
        var stats = [WorkerStats?](repeating: nil, count: (workers.max() ?? 0) + 1)
        for rank in workers {
            let hello = hellos[rank]
            stats[rank] = WorkerStats(rank: rank, host: hello?.host ?? "?", pid: Int(hello?.pid ?? 0))
        }
        if local { stats[0] = WorkerStats(rank: 0, host: host, pid: PoolContext.pid) }
        self.stats = stats
        self.timeline = TimelineRecorder.path(options).map { TimelineRecorder(path: $0) }
    }

    /// What `PoolOptions.timeline` records (nil: off).
    @exclusivity(unchecked) private var timeline: TimelineRecorder?

    /// Per rank: the chunk sent when the rank held nothing else, and when (its result measures a hand-off).
    @exclusivity(unchecked) private var soloSends: [(chunk: UInt64, at: UInt64)] = []

    /// Per-worker figures so far.
    var workerStats: [WorkerStats] { stats.compactMap { $0 } }

    func run() throws(MPIError) {
        var posted: [Request] = []
        for rank in receiveRanks { posted.append(try transport.postReceive(from: .rank(rank))) }
        receives = RequestSet(posted)
        var backoff = Backoff(spinNanos: options.spinNanoseconds)
        while true {
            var progressed = false
            if !interrupted, SignalWatch.received.load(ordering: .relaxed) != 0 {
                try takeArrivedResults()
                interrupt()
            }
            let commands = core.takeCommands()
            if !commands.isEmpty {
                progressed = true
                for command in commands { try handle(command) }
            }
            if receives.count > 0 {
                for index in try receives.testSome() {
                    progressed = true
                    try handleMessage(index: index)
                }
            }
            if (localRunning != nil || !localChunks.isEmpty), try progressLocalChunks() { progressed = true }
            if transport.sending { try transport.reap() }
            publishFinishedJobs()
            if journalsPending {
                journalsPending = false
                for journal in journals where journal.flushIfDue() { journalsPending = true }
            }
            if stopping {
                // Shutdown releases the workers once everything queued has run;
                // terminate releases them at once (they stop between items).
                if !released && (terminating || (scheduler.isIdle && localChunks.isEmpty && localRunning == nil)) {
                    try releaseWorkers()
                    continue
                }
                if released && goodbyesAwaited == 0 && !transport.sending { break }
                if released, let deadline = releaseDeadline, MonotonicClock.now > deadline { endStuckJob() }
            }
            if progressed { backoff.reset(); continue }
            // Poll while anything can arrive: results, goodbyes, a stuck worker's rejoin, rank 0's own chunk.
            if scheduler.chunksInFlight > 0 || transport.sending || goodbyesAwaited > 0 || !stuck.isEmpty || localRunning != nil {
                let nanos = backoff.next()
                if nanos == 0 { sched_yield_() } else { core.sleepMaster(nanoseconds: nanos) }
            } else {
                // Idle: sleep until a command, or 0.1 s (to see a signal).
                core.sleepMaster(nanoseconds: 100_000_000)
                backoff.reset()
            }
        }
        for i in 0..<receives.count where receives[i].isActive { try receives[i].cancel() }
        try transport.flush()
        syncJournals()
        if let timeline {
            var hosts: [Int: String] = [0: host]
            for case let s? in stats { hosts[s.rank] = s.host }
            if let problem = timeline.write(hosts: hosts, ranks: transport.comm.size, workers: receiveRanks.count) {
                PoolLog.error("MPIPool: the timeline was not written: \(problem)")
            }
        }
        for line in abandoned { PoolLog.warning("MPIPool: \(line)") }
        // Every command gets an answer: what came after the last turn fails, or is answered "no".
        for command in core.markStopped(finalStats: workerStats, abandoned: abandoned) {
            switch command {
            case .submit(let job): finish(job, forced: PoolError.ended)
            case .cancel(_, _, let reply): core.answer(reply, false)
            case .cancelAll(let reply): core.answer(reply, false)
            case .stats(let reply): core.answer(reply, workerStats)
            case .shutdown, .terminate: break
            }
        }
        publishFinishedJobs()
    }

    // MARK: Signals

    @exclusivity(unchecked) private var interrupted = false
    /// Every journal a chunk was recorded in (one or two: a list), and whether records may wait.
    @exclusivity(unchecked) private var journals: [Journal] = []
    @exclusivity(unchecked) private var journalsPending = false

    /// Writes and `fsync`s every journal used (a signal; the end of the pool's run).
    private func syncJournals() {
        for journal in journals { journal.sync() }
        journalsPending = false
    }
    @exclusivity(unchecked) private var itemsSubmitted = 0
    @exclusivity(unchecked) private var itemsFinished = 0

    /// Before a signal stops the pool: every result a worker has already sent is taken (and
    /// journalled), so a task that finished before the signal is not reported as lost.
    private func takeArrivedResults() throws(MPIError) {
        for _ in 0..<64 where receives.count > 0 {
            let ready = try receives.testSome()
            if ready.isEmpty { return }
            for index in ready { try handleMessage(index: index) }
        }
    }

    /// SIGTERM or SIGINT: stop submitting, fail what has not finished, say how far the work
    /// got, and stop the workers (see `SignalWatch`).
    private func interrupt() {
        interrupted = true
        let signo = SignalWatch.received.load(ordering: .relaxed)
        let done = itemsFinished, remaining = max(0, itemsSubmitted - itemsFinished)
        PoolLog.warning("MPIPool: \(SignalWatch.name(signo)) received: stopping the pool; \(done) items done, \(remaining) not done")
        let error = PoolError.interrupted(signal: signo, done: done, remaining: remaining)
        core.interrupt(error)
        stopNow(failingWith: error)
        // Everything finished is on disk before the job can be killed.
        syncJournals()
        let advice = options.resumeAdvice ?? SignalWatch.resumeAdvice(journals: Journal.opened.withLock { $0 }, size: PoolContext.size)
        PoolLog.notice("MPIPool: " + advice)
    }

    /// Terminate and signals: drop what is queued, stop rank 0's own chunk, fail every job
    /// with `error` (keeping its task's name for messages), and release the workers at once.
    private func stopNow(failingWith error: PoolError) {
        stopping = true
        terminating = true
        _ = scheduler.dropAllQueued()
        localChunks.removeAll()
        localRunner.stop()
        for job in jobs.values {
            names[job.id] = job.taskName
            finish(job, forced: error)
        }
        jobs.removeAll()
    }

    /// The task name of a submission, also after terminate dropped its job ("?" if unknown).
    private func taskName(of submission: Int) -> String { jobs[submission]?.taskName ?? names[submission] ?? "?" }

    // MARK: Commands

    private func handle(_ command: Command) throws(MPIError) {
        switch command {
        case .submit(let job):
            if terminating {
                finish(job, forced: core.interruption ?? PoolError.terminated)
                return
            }
            jobs[job.id] = job
            itemsSubmitted += job.count
            timeline?.submitted(job.id, task: job.taskName, items: job.count)
            try apply(scheduler.submit(job.id, items: job.count, chunking: job.chunking, maxWorkers: job.maxWorkers,
                                       statsGroup: Int(job.taskID)))
        case .cancel(let jobID, let partial, let reply):
            var cancelled = false
            if let job = jobs[jobID], partial || job.dispatchedItems == 0 {
                cancelled = try dropQueued(of: job)
                // Publish before answering: once cancel() returns true, the result is done.
                publishFinishedJobs()
            }
            core.answer(reply, cancelled)
        case .cancelAll(let reply):
            for job in jobs.values where job.dispatchedItems == 0 { _ = try dropQueued(of: job) }
            publishFinishedJobs()
            core.answer(reply, true)
        case .stats(let reply):
            core.answer(reply, workerStats)
        case .shutdown:
            stopping = true
        case .terminate:
            stopNow(failingWith: .terminated)
        }
    }

    /// Drops the items of `job` not yet sent (the job then fails as cancelled);
    /// returns whether that was all of it.
    private func dropQueued(of job: AnyJob) throws(MPIError) -> Bool {
        let (dropped, decisions) = scheduler.cancel(job.id)
        if dropped > 0 { job.cancelled = true }
        try apply(decisions)
        return dropped == job.count
    }

    // MARK: Decisions

    /// Carries out the scheduler's decisions in order. A chunk whose arguments
    /// cannot be encoded is finished at once (failed), and the decisions that
    /// brings join the same loop: no call back into the step before.
    private func apply(_ decisions: [Scheduler.Decision]) throws(MPIError) {
        var work = decisions
        var next = 0
        while next < work.count {
            let decision = work[next]
            next += 1
            switch decision {
            case .send(let chunk, let rank):
                if try !send(chunk, to: rank) {
                    jobs[chunk.submission]?.addProgress(chunk.count)
                    let (_, more) = scheduler.finished(chunk: chunk.id, on: rank, computeNanos: 0)
                    work.append(contentsOf: more)
                }
            case .completed(let submission):
                if let job = jobs.removeValue(forKey: submission) { finish(job, forced: nil) }
            }
        }
    }

    /// Encodes the chunk and starts sending it (or queues it for rank 0 itself).
    /// Returns false when its arguments cannot be encoded: that is recorded on its job.
    private func send(_ chunk: Scheduler.Chunk, to rank: Int) throws(MPIError) -> Bool {
        guard let job = jobs[chunk.submission] else { return true }
        job.dispatchedItems += chunk.count
        let buffer = transport.buffer()
        var writer = WireWriter(buffer)
        FrameEncoder.chunk(ChunkHeader(chunkID: chunk.id, taskID: job.taskID, firstIndex: Int64(chunk.first), count: UInt32(chunk.count),
                                         timeoutNanos: job.policy.timeoutNanos, giveBackNanos: scheduler.giveBackNanos(for: chunk.submission),
                                         recordsTimeline: timeline != nil),
                           into: &writer)
        let headerBytes = writer.count
        do {
            try job.encodeArguments(first: chunk.first, count: chunk.count, into: &writer)
            if writer.count > MPIError.countLimit {
                throw WireError("the arguments of this chunk take \(writer.count) bytes, over MPI's limit of \(MPIError.countLimit) for one message")
            }
        } catch {
            transport.recycle(buffer)
            job.record(TaskError(task: job.taskName, index: job.policy.inputIndex(chunk.first), rank: 0, host: host,
                                 message: describe(error), reason: .argumentsUnencodable), at: chunk.first)
            return false
        }
        if options.tracesScheduling { PoolLog.decision(.trace, "trace: send \(chunk) to rank \(rank)", chunk: chunk, rank: rank) }
        timeline?.sent(chunk, to: rank, task: job.taskName, bytes: writer.count - headerBytes)
        if rank == 0 {
            localChunks.append((chunk, buffer))
        } else {
            if scheduler.heldCount(of: rank) == 1 {
                if soloSends.count <= rank { soloSends += Array(repeating: (UInt64.max, 0), count: rank + 1 - soloSends.count) }
                soloSends[rank] = (chunk.id, MonotonicClock.now)
            }
            try transport.send(buffer, to: rank)
        }
        return true
    }

    // MARK: Incoming

    private func handleMessage(index: Int) throws(MPIError) {
        let rank = receiveRanks[index]
        var buffer = receives[index].buffer
        var frame: Frame
        do { frame = try FrameDecoder.decode(buffer.bytes) } catch { fatal("rank \(rank) sent a \(error)") }
        if case .large(let total) = frame {
            buffer = try transport.receiveBody(from: rank, bytes: total)
            do { frame = try FrameDecoder.decode(buffer.bytes) } catch { fatal("rank \(rank) sent a \(error)") }
        }
        var repost = true
        switch frame {
        case .results(let header, let payload):
            try accept(header, payload: payload, from: rank)
        case .failure(let report):
            try accept(report, from: rank)
        case .rejoin:
            try rejoin(rank)
        case .timeline(let timings):
            timeline?.ran(timings)
        case .returned(let chunkID):
            timeline?.event("returned", chunk: chunkID, rank: rank)
            let (chunk, decisions) = scheduler.returned(chunk: chunkID, on: rank)
            if let chunk {
                jobs[chunk.submission]?.dispatchedItems -= chunk.count
                if options.tracesScheduling { PoolLog.decision(.debug, "trace: rank \(rank) gave back \(chunk) unstarted", chunk: chunk, rank: rank) }
            }
            try apply(decisions)
        case .goodbye:
            goodbyesAwaited -= 1
            if rank < saidGoodbye.count { saidGoodbye[rank] = true }
            repost = false
        case .hello, .chunk, .shutdown, .large:
            fatal("rank \(rank) sent an unexpected \(frame) frame")
        }
        if repost {
            try transport.comm.ireceive(again: receives[index], from: .rank(rank), tag: WireProtocol.frameTag)
            receives.refresh(index)
        }
    }

    /// A chunk's results: stored in its job, then the scheduler's next decisions
    /// (more work for the rank, the job's completion) are carried out.
    private func accept(_ header: ResultHeader, payload: UnsafeRawBufferPointer, from rank: Int) throws(MPIError) {
        timeline?.arrived(header.chunkID, bytes: payload.count, computeNanos: header.computeNanos)
        if rank < soloSends.count, soloSends[rank].chunk == header.chunkID {
            let elapsed = MonotonicClock.now &- soloSends[rank].at
            scheduler.noteHandOff(elapsed > header.computeNanos ? elapsed - header.computeNanos : 0)
            soloSends[rank].chunk = .max
        }
        let (chunk, decisions) = scheduler.finished(chunk: header.chunkID, on: rank, computeNanos: header.computeNanos)
        if let chunk, let job = book(chunk, from: rank, nanos: header.computeNanos) {
            var reader = WireReader(payload)
            do {
                guard Int(header.count) == chunk.count else { throw WireError("\(header.count) results for a chunk of \(chunk.count)") }
                try job.acceptResults(first: chunk.first, count: chunk.count, from: &reader)
                if let sink = job.policy.journal {
                    sink.record(first: chunk.first, count: chunk.count, payload: payload)
                    journalsPending = true
                    if !journals.contains(where: { $0 === sink.journal }) { journals.append(sink.journal) }
                }
            } catch {
                job.record(TaskError(task: job.taskName, index: job.policy.inputIndex(chunk.first), rank: rank, host: (stats[rank]?.host ?? "?"),
                                     message: describe(error), reason: .resultUndecodable), at: chunk.first)
            }
        }
        try apply(decisions)
    }

    /// A chunk that failed on the worker. A failure with retries left sends the
    /// chunk's items back to the queue (for another worker); otherwise it is recorded
    /// on the job. An item past its timeout leaves its worker stuck until it rejoins;
    /// the chunk's other items run elsewhere. Then the decisions are carried out.
    private func accept(_ report: FailureReport, from rank: Int) throws(MPIError) {
        if report.reason == .abandoned {
            // The worker left (an immediate shutdown) inside a task without a timeout that had not returned.
            let chunk = scheduler.inFlight(chunk: report.chunkID, on: rank)
            let job = chunk.flatMap { jobs[$0.submission] }
            let what = chunk.map { c in
                "task \(taskName(of: c.submission)) item \(job?.policy.inputIndex(c.first + Int(report.offset)) ?? (c.first + Int(report.offset)))"
            } ?? "a task"
            abandoned.append("rank \(rank) (\(stats[rank]?.host ?? "?")) left the pool inside \(what), which had not returned")
            try apply(scheduler.finished(chunk: report.chunkID, on: rank, computeNanos: 0).decisions)
            return
        }
        guard let sent = scheduler.inFlight(chunk: report.chunkID, on: rank), let job = jobs[sent.submission] else {
            // Not (or no longer) this rank's chunk, or its job is gone: only the bookkeeping.
            let timedOut = report.reason == .timedOut
            let (_, decisions) = timedOut ? scheduler.requeue(chunk: report.chunkID, on: rank, failedOffset: Int(report.offset), stuck: true)
                                          : scheduler.finished(chunk: report.chunkID, on: rank, computeNanos: report.computeNanos)
            if timedOut { stuck[rank] = "a task of a job that has ended" }
            try apply(decisions)
            return
        }
        let reason: TaskError.Reason = switch report.reason {
        case .taskThrew: .threw
        case .argumentsUndecodable: .argumentsUndecodable
        case .resultUnencodable: .resultUnencodable
        case .unknownTask: .unknownTask
        case .timedOut: .timedOut
        case .abandoned: .threw  // handled above
        }
        let offset = Int(report.offset)
        let index = sent.first + offset
        let timedOut = reason == .timedOut
        let message = timedOut ? "ran longer than its timeout of \(job.policy.timeout.map { "\($0)" } ?? "?")" : report.message
        let error = TaskError(task: job.taskName, index: job.policy.inputIndex(index), rank: rank, host: stats[rank]?.host ?? "?",
                              message: message, reason: reason, attempts: job.attempts(at: index))
        timeline?.event(timedOut ? "timeout" : "failure", chunk: sent.id, rank: rank)
        if timedOut {
            stuck[rank] = "task \(job.taskName) item \(job.policy.inputIndex(index)), over its timeout"
            if options.tracesScheduling { PoolLog.decision(.debug, "trace: item \(index) of \(sent) timed out on rank \(rank)", chunk: sent, rank: rank) }
        }
        let retry = job.retries(error, at: index)
        if retry { timeline?.event("retry", chunk: sent.id, rank: rank) }
        if retry && options.tracesScheduling { PoolLog.decision(.debug, "trace: retry \(sent) (item \(index) failed on rank \(rank))", chunk: sent, rank: rank) }
        let decisions: [Scheduler.Decision]
        if retry {
            decisions = scheduler.requeue(chunk: sent.id, on: rank, failedOffset: nil, stuck: timedOut).decisions
        } else if timedOut {
            job.record(error, at: index)
            job.addProgress(1)
            decisions = scheduler.requeue(chunk: sent.id, on: rank, failedOffset: offset, stuck: true).decisions
        } else {
            decisions = scheduler.finished(chunk: sent.id, on: rank, computeNanos: report.computeNanos).decisions
            _ = book(sent, from: rank, nanos: report.computeNanos)
            job.record(error, at: index)
        }
        try apply(decisions)
    }

    /// A stuck worker's overrunning task returned (its result is discarded): it takes work again.
    private func rejoin(_ rank: Int) throws(MPIError) {
        stuck[rank] = nil
        if options.tracesScheduling { PoolLog.decision(.debug, "trace: rank \(rank) rejoined", rank: rank) }
        try apply(scheduler.rejoined(rank))
    }

    /// Counts a finished chunk in the rank's figures and its job's progress; returns the job (nil if it is gone).
    private func book(_ chunk: Scheduler.Chunk, from rank: Int, nanos: UInt64) -> AnyJob? {
        itemsFinished += chunk.count
        stats[rank]?.chunks += 1
        stats[rank]?.tasks += chunk.count
        stats[rank]?.busySeconds += Double(nanos) / 1e9
        if options.tracesScheduling { PoolLog.decision(.trace, "trace: done \(chunk) from rank \(rank)", chunk: chunk, rank: rank) }
        let job = jobs[chunk.submission]
        job?.addProgress(chunk.count)
        return job
    }

    // MARK: Local execution (rank 0 as a worker, or no workers at all)

    /// Chunks rank 0 runs itself go to a task runner, off this thread, so the
    /// progress loop (commands, other workers, cancel, terminate, stats) never waits
    /// for them. Returns whether anything happened.
    private func progressLocalChunks() throws(MPIError) -> Bool {
        if let running = localRunning {
            if localRunner.isDone {
                localRunning = nil
                timeline?.ran([ChunkTiming(chunkID: running.header.chunkID, start: localStarted, end: MonotonicClock.now)])
                let out = running.out
                defer { transport.recycle(out); transport.recycle(running.buffer) }
                if localStuck {
                    localStuck = false
                    try rejoin(0)
                    return true
                }
                guard let decoded = try? FrameDecoder.decode(out.bytes) else { return true }
                switch decoded {
                case .results(let h, let p): try accept(h, payload: p, from: 0)
                case .failure(let report): try accept(report, from: 0)
                default: break
                }
                return true
            }
            guard !localStuck, let report = localRunner.overrun(of: running.header) else { return false }
            localStuck = true
            try accept(report, from: 0)
            return true
        }
        guard !localChunks.isEmpty else { return false }
        let (chunk, buffer) = localChunks.removeFirst()
        guard jobs[chunk.submission] != nil, case .chunk(let header, let payload)? = try? FrameDecoder.decode(buffer.bytes) else {
            transport.recycle(buffer)
            return true
        }
        let out = transport.buffer()
        localRunning = (header, buffer, out)
        localStarted = MonotonicClock.now
        localRunner.start(header, payload: payload, keeping: buffer, registry: registry, into: out)
        return true
    }

    @exclusivity(unchecked) private var localRunner = TaskRunner()
    @exclusivity(unchecked) private var localRunning: (header: ChunkHeader, buffer: MessageBuffer, out: MessageBuffer)?
    @exclusivity(unchecked) private var localStuck = false
    @exclusivity(unchecked) private var localStarted: UInt64 = 0

    // MARK: Completion

    /// Builds a finished job's outcome. With callbacks, the callback thread runs
    /// them and then publishes it (a result is ready only after its callback);
    /// without, it is published at the end of this turn of the loop.
    private func finish(_ job: AnyJob, forced: (any Error)?) {
        // A journaled map's results are in the file before the map returns.
        job.policy.journal?.journal.flushIfDue(force: true)
        job.prepare(forced: forced)
        if job.hasCallbacks {
            let core = self.core
            core.callbacks.enqueue {
                job.runCallback()
                core.complete([job])
            }
        } else {
            finishedJobs.append(job)
        }
    }

    private func publishFinishedJobs() {
        guard !finishedJobs.isEmpty else { return }
        core.complete(finishedJobs)
        finishedJobs.removeAll(keepingCapacity: true)
    }

    // MARK: Shutdown

    @exclusivity(unchecked) private var released = false
    /// When the workers must have said goodbye (`PoolOptions.shutdownGrace` after the release).
    @exclusivity(unchecked) private var releaseDeadline: UInt64?
    /// Indexed by rank.
    @exclusivity(unchecked) private var saidGoodbye: [Bool] = []
    /// What each stuck rank is stuck in, by rank.
    @exclusivity(unchecked) private var stuck: [Int: String] = [:]
    /// Workers that left inside a task that had not returned (what they were running).
    @exclusivity(unchecked) private var abandoned: [String] = []
    /// Task names of jobs dropped by terminate, for the message if a worker never stops.
    @exclusivity(unchecked) private var names: [Int: String] = [:]

    /// Sends every worker the shutdown frame (once); their goodbyes are then awaited,
    /// for at most `shutdownGrace`.
    private func releaseWorkers() throws(MPIError) {
        guard !released else { return }
        released = true
        saidGoodbye = Array(repeating: false, count: (receiveRanks.max() ?? 0) + 1)
        releaseDeadline = MonotonicClock.deadline(after: options.shutdownGrace)
        for rank in receiveRanks {
            var writer = WireWriter(transport.buffer())
            FrameEncoder.shutdown(immediate: terminating, into: &writer)
            try transport.send(writer.buffer, to: rank)
            goodbyesAwaited += 1
        }
    }

    /// A worker did not stop within the grace period: its task does not return, and an
    /// MPI rank cannot be stopped alone. Names each such rank and what it runs, then ends the job.
    private func endStuckJob() -> Never {
        let grace = options.shutdownGrace
        for rank in receiveRanks where !saidGoodbye[rank] {
            let what: String
            if let reason = stuck[rank] {
                what = reason
            } else if let chunk = scheduler.inFlight[rank]?.first {
                what = "task \(taskName(of: chunk.submission)) items \(chunk.first)..<\(chunk.first + chunk.count)"
            } else {
                what = "a task"
            }
            PoolLog.error("MPIPool: rank \(rank) (\(stats[rank]?.host ?? "?")) did not stop within \(grace) of the pool's end: "
                              + "it is still running \(what)")
        }
        if let error = core.bodyError { PoolLog.error("MPIPool: the pool's body threw: \(error)") }
        PoolLog.critical("MPIPool: ending the job (a rank inside a task cannot be stopped alone)")
        // Exit rather than MPI_Abort: Open MPI 4.1's mpirun, aborted while a rank is busy, was
        // measured to hang or crash in PMIx_server_finalize; a rank that exits non-zero makes it
        // end every other rank at once (as when a worker dies).
        _exit(Master.stuckExitStatus)
    }

    /// The exit status of a job ended because a worker never stopped (EX_TEMPFAIL).
    static let stuckExitStatus: Int32 = 75

    private func fatal(_ message: String) -> Never {
        PoolLog.critical("MPIPool: fatal: \(message); aborting the job")
        transport.comm.abort(code: 70)
    }
}
