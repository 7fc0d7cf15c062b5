import Synchronization

/// Hands the role of this rank, and later the end of the pool, from the MPI
/// thread to the caller — a blocked thread (`Pool.run`) or an awaiting task
/// (`await Pool.run`).
///
/// `@unchecked Sendable`: all stored state is guarded by `monitor`.
final class Launch: @unchecked Sendable {
    enum Role { case master(Pool), worker, failed(any Error) }
    private let monitor = Monitor()
    // Guarded by `monitor`:
    private var role: Role?
    private var ended = false
    private var endError: (any Error)?
    private var roleWaiters: [CheckedContinuation<Role, Never>] = []
    private var endWaiters: [CheckedContinuation<(any Error)?, Never>] = []

    /// A pool runs once per process: MPI cannot start again after `MPI_Finalize`.
    private static let started = Atomic<Bool>(false)

    /// Claims this process's one pool; throws `PoolError.alreadyRun` if it had one.
    static func claim() throws(PoolError) {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            throw .alreadyRun
        }
    }

    func set(_ role: Role) {
        let waiting: [CheckedContinuation<Role, Never>] = monitor.withLock {
            self.role = role
            monitor.broadcast(.state)
            defer { roleWaiters = [] }
            return roleWaiters
        }
        for continuation in waiting { continuation.resume(returning: role) }
    }

    func end(_ error: (any Error)?) {
        var failedRole: Role?
        let (roles, ends): ([CheckedContinuation<Role, Never>], [CheckedContinuation<(any Error)?, Never>]) = monitor.withLock {
            if ended { return ([], []) }  // once: a late second end (after a signal) changes nothing
            if role == nil {
                role = .failed(error ?? PoolError.mpi("MPI ended before the pool started"))
                failedRole = role
            }
            ended = true
            endError = error
            monitor.broadcast(.state)
            defer { roleWaiters = []; endWaiters = [] }
            return (failedRole == nil ? [] : roleWaiters, endWaiters)
        }
        if let failedRole { for continuation in roles { continuation.resume(returning: failedRole) } }
        for continuation in ends { continuation.resume(returning: error) }
    }

    /// Blocks until the MPI thread says what this rank is.
    func awaitRole() -> Role {
        monitor.withLock {
            while role == nil { monitor.wait(.state, until: nil) }
            return role!
        }
    }

    /// Blocks until the MPI thread has finished (MPI finalised); its error, if any.
    func awaitEnd() -> (any Error)? {
        monitor.withLock {
            while !ended { monitor.wait(.state, until: nil) }
            return endError
        }
    }

    /// `awaitRole`, without blocking a thread.
    func role() async -> Role {
        await withCheckedContinuation { continuation in
            let known: Role? = monitor.withLock {
                if let role { return role }
                roleWaiters.append(continuation)
                return nil
            }
            if let known { continuation.resume(returning: known) }
        }
    }

    /// `awaitEnd`, without blocking a thread.
    func end() async -> (any Error)? {
        await withCheckedContinuation { continuation in
            let known: (ended: Bool, error: (any Error)?) = monitor.withLock {
                if ended { return (true, endError) }
                endWaiters.append(continuation)
                return (false, nil)
            }
            if known.ended { continuation.resume(returning: known.error) }
        }
    }
}
