/// What user threads ask of the master thread.
enum Command {
    case submit(AnyJob)
    /// Cancel a job: all of it if none has started; with `partial`, whatever has not started.
    case cancel(jobID: Int, partial: Bool, reply: CancelReply)
    /// Cancel every job none of whose items has started.
    case cancelAll(reply: CancelReply)
    /// Finish the queued work, then release the workers.
    case shutdown
    /// Drop queued work, stop the workers now.
    case terminate
    /// Report per-worker figures.
    case stats(StatsReply)
}

/// The answer to a cancel request, filled in by the master.
final class CancelReply: @unchecked Sendable {
    /// Guarded by the pool's monitor.
    var answer: Bool?
}

/// The state shared by user threads and the master thread.
///
/// `@unchecked Sendable`: every stored `var` is read and written only while
/// holding `monitor` (the `let`s are immutable).
final class PoolCore: @unchecked Sendable {
    let monitor = Monitor()
    let callbacks: CallbackQueue
    /// Worker ranks the pool uses.
    let workerCount: Int

    // Guarded by `monitor` (so Swift's dynamic exclusivity checks are redundant: skipped):
    @exclusivity(unchecked) var commands: [Command] = []
    @exclusivity(unchecked) var masterSleeping = false
    @exclusivity(unchecked) var closed = false
    @exclusivity(unchecked) var terminated = false
    @exclusivity(unchecked) var stopped = false
    @exclusivity(unchecked) var unfinishedJobs = 0
    @exclusivity(unchecked) var waiters = 0
    @exclusivity(unchecked) var nextJobID = 0
    /// Per-worker figures when the master stopped.
    @exclusivity(unchecked) var finalStats: [WorkerStats] = []

    init(workerCount: Int) {
        self.workerCount = workerCount
        self.callbacks = CallbackQueue()
    }

    /// Queues a job for the master; throws if the pool no longer accepts work.
    /// `afterClose`: the work of something made before `close()` (an `imap` being consumed).
    func submit(afterClose: Bool = false, _ makeJob: (Int) -> AnyJob) throws(PoolError) {
        monitor.lock()
        defer { monitor.unlock() }
        if terminated { throw .terminated }
        if stopped || (closed && !afterClose) { throw .closed }
        let id = nextJobID
        nextJobID += 1
        let job = makeJob(id)
        unfinishedJobs += 1
        post(.submit(job))
    }

    /// Posts a command (the lock must be held) and wakes the master if it sleeps.
    func post(_ command: Command) {
        commands.append(command)
        if masterSleeping { monitor.signal(.work) }
    }

    /// Takes every pending command (master thread).
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
        monitor.wait(.work, until: nanoseconds.map { Clock.now + $0 })
        masterSleeping = false
    }

    /// Asks the master to cancel job `jobID`; waits for the answer.
    /// Only a job none of whose items has started is cancelled (as `concurrent.futures`).
    func cancel(jobID: Int) -> Bool {
        ask { .cancel(jobID: jobID, partial: false, reply: $0) }
    }

    /// Asks the master to drop what has not started of job `jobID`, without
    /// waiting for the answer. For task-cancellation handlers, which must not
    /// block: Swift runs them holding the task's status lock, which the master
    /// needs to resume the task's continuation.
    func requestCancel(jobID: Int) {
        monitor.withLock { if !stopped { post(.cancel(jobID: jobID, partial: true, reply: CancelReply())) } }
    }

    /// Cancels every job none of whose items has started (for `shutdown(cancelFutures:)`).
    func cancelAllPending() {
        _ = ask { .cancelAll(reply: $0) }
    }

    /// Posts a command carrying a reply box and waits until the master answers (false if it stopped).
    private func ask(_ command: (CancelReply) -> Command) -> Bool {
        monitor.lock()
        defer { monitor.unlock() }
        guard !stopped else { return false }
        let reply = CancelReply()
        post(command(reply))
        while reply.answer == nil && !stopped {
            waiters += 1
            monitor.wait(.state, until: nil)
            waiters -= 1
        }
        return reply.answer ?? false
    }

    /// Marks a job finished (lock held).
    func jobFinishedLocked(_ job: AnyJob) {
        unfinishedJobs -= 1
    }

    /// Waits until every submitted job has finished (callbacks included).
    func waitForAllJobs() {
        monitor.lock()
        defer { monitor.unlock() }
        while unfinishedJobs > 0 && !stopped {
            waiters += 1
            monitor.wait(.state, until: nil)
            waiters -= 1
        }
    }
}

/// Runs user callbacks on one thread of the master, one at a time, in the
/// order their results completed.
final class CallbackQueue: @unchecked Sendable {
    private let monitor = Monitor()
    /// Guarded by `monitor`.
    private var queue: [@Sendable () -> Void] = []
    private var head = 0
    private var running = false
    private var finished = false

    /// Queues `work`; starts the thread on first use.
    func enqueue(_ work: @escaping @Sendable () -> Void) {
        monitor.lock()
        queue.append(work)
        let start = !running
        running = true
        monitor.signal(.work)
        monitor.unlock()
        if start { startThread(name: "mpipool-callbacks") { [self] in loop() } }
    }

    /// Runs what is queued, then stops the thread; waits until it has.
    func drainAndStop() {
        monitor.lock()
        defer { monitor.unlock() }
        finished = true
        monitor.signal(.work)
        while running { monitor.wait(.state, until: nil) }
    }

    private func loop() {
        monitor.lock()
        while true {
            if head < queue.count {
                let work = queue[head]
                head += 1
                if head > 1024 { queue.removeFirst(head); head = 0 }
                monitor.unlock()
                work()
                monitor.lock()
            } else if finished {
                running = false
                monitor.broadcast(.state)
                monitor.unlock()
                return
            } else {
                monitor.wait(.work, until: nil)
            }
        }
    }
}
