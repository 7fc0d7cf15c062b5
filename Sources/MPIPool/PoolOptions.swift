import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// How `Pool.run` sets up the pool.
///
/// ```swift
/// let options = PoolOptions(maxWorkers: 8, initializer: { try Cache.load() })
/// try await Pool.run(tasks, options: options) { pool in … }
/// ```
public struct PoolOptions: Sendable {
    /// Use only the first `maxWorkers` worker ranks (nil = all). Must be ≥ 1.
    /// The ranks left out are released at start-up.
    public var maxWorkers: Int?
    /// Whether rank 0 runs chunks itself while it waits (off by default: rank 0 only schedules).
    public var masterRunsTasks: Bool
    /// Whether every scheduling decision is logged (`trace: send chunk …`): with the default
    /// logger, printed on stderr. The environment variable `MPIPOOL_TRACE=1` turns it on too.
    /// With a custom ``logger`` it lowers that logger's level to `.trace`; a custom logger whose
    /// level is `.trace` or `.debug` gets the decisions without it.
    public var tracesScheduling: Bool
    /// How long a waiting rank keeps polling after the last message before it
    /// starts to sleep (default 50 µs). Longer is hotter and burns more CPU while idle.
    public var spin: Duration
    /// Runs once on every rank that runs tasks, before its first task (Python's
    /// `initializer`/`initargs`: capture the arguments). If it throws on any
    /// rank, `Pool.run` throws ``PoolError/initializerFailed(rank:host:message:)`` naming the rank.
    public var initializer: (@Sendable () throws -> Void)?
    /// The longest one item may run, for submissions that give no `timeout:` (nil: no limit).
    /// An item that overruns fails with a ``TaskError`` of reason `.timedOut`; its worker
    /// takes no work until the item returns, and its late result is discarded.
    public var taskTimeout: Duration?
    /// Retries for submissions that give no `retries:` (default none).
    public var retries: Retries
    /// How long the end of the pool (and `terminate()`) waits for a worker whose task
    /// does not return before it ends the whole job, naming the rank and its task
    /// (default 2 s). A pool never waits for ever.
    public var shutdownGrace: Duration
    /// Where rank 0 writes a timeline of the run when the pool ends: a Chrome trace-event JSON
    /// file (open it in Perfetto or chrome://tracing, or summarise it with `pool-timeline`) with
    /// a track per rank, a slice per chunk run (task, submission, items, bytes, compute time),
    /// idle gaps, and the master's submit/send/result/timeout/retry events. nil (the default):
    /// the environment variable `MPIPOOL_TIMELINE=path` decides; unset, nothing is recorded.
    public var timeline: URL?
    /// What rank 0 prints after SIGTERM or SIGINT stopped the pool, in place of the journals'
    /// advice (`MPIPool: the journal … holds every finished item; to resume, …`), for a program
    /// that keeps its own record of finished work (nil: the journals' advice).
    ///
    /// ```swift
    /// PoolOptions(resumeAdvice: "the joblog 'run.log' records every finished task; to run the rest: … --resume")
    /// ```
    public var resumeAdvice: String?
    /// Runs on a worker rank that leaves a task behind because the pool stops while the task has
    /// not returned (`terminate()`, a body that threw, SIGTERM/SIGINT; see Failure semantics), just
    /// before the worker says goodbye and its process ends: stop here what the task started that
    /// would outlive the process (child processes, say). It runs on the worker's watchdog or MPI
    /// thread while the task may still be running on another; keep it short (well under a second).
    ///
    /// ```swift
    /// PoolOptions(onTaskAbandoned: { ChildProcess.stopRunning() })
    /// ```
    public var onTaskAbandoned: (@Sendable () -> Void)?
    /// How every map of the pool shows its progress on rank 0's standard error, unless it says
    /// otherwise with its own `progress:` (default ``ProgressStyle/off``: nothing).
    public var progress: ProgressStyle
    /// Where the library's diagnostics go, on every rank (nil, the default: each message as a
    /// plain line on standard error, as `trace: send chunk 3 (submission 1 items 5..<10) to rank 1`
    /// or `MPIPool: no worker ranks …`).
    ///
    /// Scheduling decisions are logged at `.trace` (a chunk sent or done) and `.debug` (a chunk
    /// given back, an item timed out or retried, a rank rejoining) with the metadata `chunk`,
    /// `submission`, `items` and `rank`; warnings (no worker ranks, a signal) at `.warning`, how to
    /// resume at `.notice`, failures at `.error`, the end of a stuck job at `.critical`. The
    /// messages are the text the default prints.
    ///
    /// ```swift
    /// var logger = Logger(label: "sweep")
    /// logger.logLevel = .debug          // retries, timeouts, chunks given back
    /// try Pool.run(tasks, options: PoolOptions(logger: logger)) { pool in … }
    /// ```
    public var logger: Logger?

    /// Options for `Pool.run`; every parameter has the default described on its property.
    public init(maxWorkers: Int? = nil, masterRunsTasks: Bool = false, tracesScheduling: Bool = false,
                spin: Duration = .microseconds(50), taskTimeout: Duration? = nil, retries: Retries = .none,
                shutdownGrace: Duration = .seconds(2), timeline: URL? = nil, resumeAdvice: String? = nil,
                onTaskAbandoned: (@Sendable () -> Void)? = nil, progress: ProgressStyle = .off,
                logger: Logger? = nil, initializer: (@Sendable () throws -> Void)? = nil) {
        self.timeline = timeline
        self.onTaskAbandoned = onTaskAbandoned
        self.progress = progress
        self.logger = logger
        self.taskTimeout = taskTimeout
        self.resumeAdvice = resumeAdvice
        self.retries = retries
        self.shutdownGrace = shutdownGrace
        self.initializer = initializer
        self.maxWorkers = maxWorkers
        self.masterRunsTasks = masterRunsTasks
        self.tracesScheduling = tracesScheduling || getenv("MPIPOOL_TRACE") != nil
        self.spin = spin
    }

    /// `spin` in nanoseconds, capped at one second (a longer spin is a busy wait).
    var spinNanoseconds: UInt64 { min(MonotonicClock.nanoseconds(spin) ?? 1_000_000_000, 1_000_000_000) }
}
