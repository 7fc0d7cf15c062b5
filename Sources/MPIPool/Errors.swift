/// A task threw, or its arguments or result could not cross the wire.
///
/// Carries where it happened: `get()` / `result()` rethrow it, `errorCallback`
/// receives it.
///
/// ```swift
/// do { _ = try pool.map(parse, over: lines) }
/// catch let error as TaskError { print("item \(error.index) failed on rank \(error.rank) (\(error.host)): \(error.message)") }
/// ```
public struct TaskError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Which step failed: the task itself, or carrying its values across the wire.
    public enum Reason: String, Sendable {
        /// The task's own code threw.
        case threw
        /// The worker could not decode the arguments it received.
        case argumentsUndecodable
        /// The worker could not encode the task's result.
        case resultUnencodable
        /// The master could not encode the arguments.
        case argumentsUnencodable
        /// The master could not decode the result it received.
        case resultUndecodable
        /// The worker does not know the task (registries differ).
        case unknownTask
        /// The item ran longer than its `timeout:`; the worker's late result is discarded.
        case timedOut
    }

    /// The task's registered name.
    public let task: String
    /// The item's index in its submission (0 for `apply`).
    public let index: Int
    /// The rank that ran it (0 when the master failed to encode or decode).
    public let rank: Int
    /// That rank's host name.
    public let host: String
    /// What went wrong: the original error's description.
    public let message: String
    /// Which step failed.
    public let reason: Reason
    /// How many times the item ran (more than 1 after `retries:`).
    public let attempts: Int

    /// An error with these facts (the pool makes them; tests and wrappers may too).
    public init(task: String, index: Int, rank: Int, host: String, message: String, reason: Reason = .threw, attempts: Int = 1) {
        self.attempts = attempts
        self.task = task
        self.index = index
        self.rank = rank
        self.host = host
        self.message = message
        self.reason = reason
    }

    /// `task <name> item <index> threw on rank <rank> (<host>) (after <n> attempts): <message>`.
    public var description: String {
        let what = switch reason {
        case .threw: "threw"
        case .argumentsUndecodable: "could not decode its arguments"
        case .resultUnencodable: "could not encode its result"
        case .argumentsUnencodable: "could not encode its arguments (on the master)"
        case .resultUndecodable: "sent a result the master could not decode"
        case .unknownTask: "is unknown to the worker"
        case .timedOut: "timed out"
        }
        let tries = attempts > 1 ? " (after \(attempts) attempts)" : ""
        return "task \(task) item \(index) \(what) on rank \(rank) (\(host))\(tries): \(message)"
    }
}

/// Misuse of the pool, or a wait that ran out.
public enum PoolError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A bad argument at the call (chunk size 0, maxWorkers 0, …).
    case invalidArgument(String)
    /// The pool was closed (`close()`): no new work is accepted.
    case closed
    /// The pool was terminated; pending work was dropped.
    case terminated
    /// `get(timeout:)`, `result(timeout:)` or `Executor.map(timeout:)` ran out; the work goes on.
    case timeout(after: Duration)
    /// `successful()` was asked before the result was ready.
    case notReady
    /// The work was cancelled before it ran.
    case cancelled
    /// Ranks run different task registries or protocol versions.
    case registryMismatch(String)
    /// An MPI call failed.
    case mpi(String)
    /// The pool's initializer threw on a rank; the pool did not start.
    case initializerFailed(rank: Int, host: String, message: String)
    /// `Pool.run` was called a second time in this process. MPI starts once per
    /// process (it cannot be initialised again after `MPI_Finalize`), so a pool runs
    /// once: do all the work inside one `Pool.run`.
    case alreadyRun
    /// The pool was used after `Pool.run`'s body returned (or threw): it only
    /// lives inside that body.
    case ended
    /// A blocking call from inside a callback that could never return: it would
    /// wait for a callback queued behind the running one (callbacks run one at a time).
    case wouldDeadlock(String)
    /// The pool ended while tasks without a timeout had not returned (after
    /// `terminate()`): their workers left them running. Thrown by `Pool.run` when its body returned.
    case tasksAbandoned([String])
    /// SIGTERM or SIGINT reached rank 0 (a time limit, `scancel`, Ctrl-C): the pool stopped.
    /// `done` items had finished, `remaining` had not. Programs should exit with `128 + signal`.
    case interrupted(signal: Int32, done: Int, remaining: Int)
    /// A ``Journal`` holds a map that is not this one (another task, other inputs, another program).
    case journalMismatch(String)

    /// What happened, in a sentence that says what the user did.
    public var description: String {
        switch self {
        case .invalidArgument(let text): "invalid argument: \(text)"
        case .closed: "the pool is closed: close() was called, so it accepts no new work"
        case .terminated: "the pool was terminated: terminate() dropped pending work, and it accepts no new work"
        case .timeout(let limit): "timed out after \(limit) (the work goes on)"
        case .notReady: "successful() was asked before the result was ready"
        case .cancelled: "the work was cancelled before it ran"
        case .registryMismatch(let text): "ranks disagree on the task registry: \(text)"
        case .mpi(let text): "MPI failed: \(text)"
        case .initializerFailed(let rank, let host, let message): "the initializer failed on rank \(rank) (\(host)): \(message)"
        case .alreadyRun:
            "Pool.run was already called in this process: MPI starts once per process, so a pool runs once; do all the work inside one Pool.run"
        case .ended: "the pool was used after Pool.run's body returned: a pool lives only inside that body"
        case .interrupted(let signo, let done, let remaining):
            "\(SignalWatch.name(signo)) stopped the pool: \(done) items done, \(remaining) not done"
        case .journalMismatch(let text): "journal mismatch: \(text)"
        case .tasksAbandoned(let lines): "the pool ended while tasks had not returned: " + lines.joined(separator: "; ")
        case .wouldDeadlock(let call): "\(call): callbacks run one at a time on one thread, so this would wait for ever"
        }
    }
}
