/// What caller threads ask of the MPI thread (the master's progress loop).
enum Command {
    /// Schedule a job.
    case submit(AnyJob)
    /// Cancel a job: all of it if none has started; with `partial`, whatever has not started.
    /// Without a reply the caller does not wait (task-cancellation handlers must not block).
    case cancel(jobID: Int, partial: Bool, reply: Reply<Bool>?)
    /// Cancel every job none of whose items has started.
    case cancelAll(reply: Reply<Bool>)
    /// Report per-worker figures.
    case stats(reply: Reply<[WorkerStats]>)
    /// Finish the queued work, then release the workers.
    case shutdown
    /// Drop queued work, stop the workers now.
    case terminate
}

/// The master's answer to one command: filled in once, under the pool's monitor,
/// by `PoolCore.answer`; the caller waits for it in `PoolCore.ask`.
///
/// `@unchecked Sendable`: `value` is only touched while holding the monitor.
final class Reply<Value: Sendable>: @unchecked Sendable {
    fileprivate var value: Value?
}

/// The one owner of the protocol between caller threads and the MPI thread,
/// and of the pool's life-cycle state.
///
/// Callers post `Command`s and wait on the monitor's `state` condition — always
/// through `waitLocked`, the one wait loop — for a `Reply`, a result, or the end
/// of the pool. The master takes the commands, sleeps on the `work` condition
/// when idle, and answers. No user code runs while the monitor is held.
///
/// `@unchecked Sendable`: every stored `var` is read and written only while
/// holding `monitor` (the `let`s are immutable).
final class PoolCore: @unchecked Sendable {
    let monitor = Monitor()
    let callbacks = CallbackQueue()
    /// Ranks that run tasks for the pool.
    let workerCount: Int
    /// `PoolOptions.taskTimeout` and `.retries`: for submissions that give none.
    let defaultTimeout: Duration?
    let defaultRetries: Retries
    /// `PoolOptions.progress`: for maps that give no `progress:`.
    let defaultProgress: ProgressStyle
    /// The task registry's fingerprint (journals record it).
    let fingerprint: UInt64

    // Guarded by `monitor` (so Swift's dynamic exclusivity checks are redundant: skipped).
    @exclusivity(unchecked) private var commands: [Command] = []
    @exclusivity(unchecked) private var masterSleeping = false
    @exclusivity(unchecked) private var closed = false
    @exclusivity(unchecked) private var terminated = false
    /// `Pool.run`'s body returned (or threw): the pool object is out of its scope.
    @exclusivity(unchecked) private var ended = false
    /// The master thread left its loop: no command will be answered any more.
    @exclusivity(unchecked) private var stopped = false
    @exclusivity(unchecked) private var unfinishedJobs = 0
    @exclusivity(unchecked) private var waiters = 0
    @exclusivity(unchecked) private var nextJobID = 0
    /// The error `Pool.run`'s body threw, for the message if the job must then be ended.
    @exclusivity(unchecked) private var thrownByBody: String?
    /// Set when a signal stopped the pool: what every later call throws.
    @exclusivity(unchecked) private var interruptedBy: PoolError?
    /// Workers that left the pool inside a task that had not returned, when the master stopped.
    @exclusivity(unchecked) private(set) var abandoned: [String] = []
    /// Per-worker figures when the master stopped.
    @exclusivity(unchecked) private var finalStats: [WorkerStats] = []

    init(workerCount: Int, defaultTimeout: Duration? = nil, defaultRetries: Retries = .none,
         defaultProgress: ProgressStyle = .off, fingerprint: UInt64 = 0) {
        self.fingerprint = fingerprint
        self.defaultProgress = defaultProgress
        self.workerCount = workerCount
        self.defaultTimeout = defaultTimeout
        self.defaultRetries = defaultRetries
    }

    // MARK: Waiting (caller threads)

    /// The one wait loop: with the monitor held, waits until `isDone()` or the
    /// deadline (a `MonotonicClock` time; nil = none). Returns whether `isDone()` held.
    func waitLocked(deadline: UInt64?, until isDone: () -> Bool) -> Bool {
        while !isDone() {
            waiters += 1
            let inTime = monitor.wait(.state, until: deadline)
            waiters -= 1
            if !inTime { return isDone() }
        }
        return true
    }

    /// Posts a command carrying a reply and waits for the answer;
    /// `ifStopped()` when the master has stopped (before or while waiting).
    private func ask<V: Sendable>(_ command: (Reply<V>) -> Command, ifStopped: () -> V) -> V {
        monitor.lock()
        defer { monitor.unlock() }
        guard !stopped else { return ifStopped() }
        let reply = Reply<V>()
        post(command(reply))
        _ = waitLocked(deadline: nil) { reply.value != nil || stopped }
        return reply.value ?? ifStopped()
    }

    /// Posts a command (the monitor held) and wakes the master if it sleeps.
    private func post(_ command: Command) {
        commands.append(command)
        if masterSleeping { monitor.signal(.work) }
    }

    // MARK: Requests (caller threads)

    /// Throws unless the pool accepts work. `afterClose`: the work of something
    /// made before `close()` (an `imap` being consumed) is still accepted.
    func checkOpen(afterClose: Bool = false) throws(PoolError) {
        monitor.lock()
        defer { monitor.unlock() }
        try checkOpenLocked(afterClose: afterClose)
    }

    private func checkOpenLocked(afterClose: Bool) throws(PoolError) {
        if let interruptedBy { throw interruptedBy }
        if ended { throw .ended }
        if terminated { throw .terminated }
        if stopped { throw .ended }
        if closed && !afterClose { throw .closed }
    }

    /// Queues the job `makeJob` builds for the next id; throws if the pool no longer accepts work.
    func submit(afterClose: Bool = false, _ makeJob: (Int) -> AnyJob) throws(PoolError) {
        monitor.lock()
        defer { monitor.unlock() }
        try checkOpenLocked(afterClose: afterClose)
        let id = nextJobID
        nextJobID += 1
        unfinishedJobs += 1
        post(.submit(makeJob(id)))
    }

    /// Accepts no more work (`close()`).
    func close() {
        monitor.withLock { closed = true }
    }

    /// Whether `close()` or `terminate()` came first (what `join()` needs).
    var isClosed: Bool { monitor.withLock { closed || terminated } }

    /// Drops queued work and stops the workers; returns when the master has stopped.
    func terminate() {
        monitor.lock()
        defer { monitor.unlock() }
        if !terminated && !stopped {
            terminated = true
            closed = true
            post(.terminate)
        }
        _ = waitLocked(deadline: nil) { stopped }
    }

    /// `Pool.run`'s body is over: the pool accepts nothing more (`PoolError.ended`).
    func end() {
        monitor.withLock {
            ended = true
            closed = true
        }
    }

    /// A signal stopped the pool (master thread): later calls throw `error`, as terminate.
    func interrupt(_ error: PoolError) {
        monitor.withLock {
            interruptedBy = error
            terminated = true
            closed = true
        }
    }

    /// The error a signal stopped the pool with, or nil.
    var interruption: PoolError? { monitor.withLock { interruptedBy } }

    /// What the body threw (set before `terminate()` after a throw), or nil.
    var bodyError: String? {
        get { monitor.withLock { thrownByBody } }
        set { monitor.withLock { thrownByBody = newValue } }
    }

    /// Asks the master to finish the queued work, then release the workers and stop.
    func shutdown() {
        monitor.withLock { if !stopped { post(.shutdown) } }
    }

    /// Waits until every submitted job has finished (callbacks included).
    func waitForAllJobs() {
        monitor.withLock { _ = waitLocked(deadline: nil) { unfinishedJobs == 0 || stopped } }
    }

    /// Per-worker figures (the last ones once the pool has stopped).
    func stats() -> [WorkerStats] {
        ask({ .stats(reply: $0) }, ifStopped: { finalStats })
    }

    /// Cancels job `jobID` if none of its items has started; waits for the answer.
    func cancel(jobID: Int) -> Bool {
        ask({ .cancel(jobID: jobID, partial: false, reply: $0) }, ifStopped: { false })
    }

    /// Asks the master to drop what has not started of job `jobID`, without
    /// waiting. For task-cancellation handlers, which must not block: Swift
    /// runs them holding the task's status lock, which the master needs to
    /// resume the task's continuation.
    func requestCancel(jobID: Int) {
        monitor.withLock { if !stopped { post(.cancel(jobID: jobID, partial: true, reply: nil)) } }
    }

    /// Cancels every job none of whose items has started (`shutdown(cancelFutures:)`).
    func cancelAllPending() {
        _ = ask({ .cancelAll(reply: $0) }, ifStopped: { false })
    }

    // MARK: The master's side (MPI thread)

    /// Takes every pending command.
    func takeCommands() -> [Command] {
        monitor.withLock {
            if commands.isEmpty { return [] }
            defer { commands = [] }
            return commands
        }
    }

    /// Sleeps the master until a command arrives or `nanoseconds` pass (nil: until a command).
    func sleepMaster(nanoseconds: UInt64?) {
        monitor.lock()
        defer { monitor.unlock() }
        guard commands.isEmpty else { return }
        masterSleeping = true
        monitor.wait(.work, until: nanoseconds.map { MonotonicClock.now + $0 })
        masterSleeping = false
    }

    /// Answers a command; wakes its caller.
    func answer<V: Sendable>(_ reply: Reply<V>?, _ value: V) {
        guard let reply else { return }
        monitor.withLock {
            reply.value = value
            monitor.broadcast(.state)
        }
    }

    /// Publishes the outcomes of finished jobs and wakes their waiters; then
    /// resumes awaiting tasks and runs internal observers (monitor released).
    func complete(_ jobs: [AnyJob]) {
        var after: [@Sendable () -> Void] = []
        monitor.lock()
        for job in jobs {
            if let work = job.completeLocked() { after.append(work) }
            unfinishedJobs -= 1
        }
        if waiters > 0 { monitor.broadcast(.state) }
        monitor.unlock()
        for work in after { work() }
    }

    /// The master has left its loop: every waiter wakes, nothing more is taken.
    /// Returns the commands posted since the last turn, for the master to answer.
    func markStopped(finalStats: [WorkerStats], abandoned: [String] = []) -> [Command] {
        monitor.withLock {
            self.finalStats = finalStats
            self.abandoned = abandoned
            stopped = true
            monitor.broadcast(.state)
            defer { commands = [] }
            return commands
        }
    }
}
