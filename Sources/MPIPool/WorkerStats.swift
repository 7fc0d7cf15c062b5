/// What the master knows of each worker, for tables and errors.
public struct WorkerStats: Sendable, Equatable {
    /// The worker's rank.
    public let rank: Int
    /// Its host (MPI's processor name).
    public let host: String
    /// Its process id.
    public let pid: Int
    /// Chunks this rank finished.
    public internal(set) var chunks = 0
    /// Items (tasks) this rank finished.
    public internal(set) var tasks = 0
    /// Seconds this rank spent running tasks (as it measured them).
    public internal(set) var busySeconds = 0.0
}
