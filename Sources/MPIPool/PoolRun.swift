import MPI
#if canImport(Glibc)
import Glibc
#endif

extension Pool {
    /// Starts MPI and runs `body` with the pool on rank 0, while every other
    /// rank serves as a worker; then releases the workers and finalises MPI.
    ///
    /// - When `body` returns, submitted work is finished first (close + join),
    ///   then the workers are released. When it throws, the pool is terminated
    ///   (pending work dropped) and the error is rethrown on rank 0 — workers
    ///   never wait forever.
    /// - Returns `body`'s value on rank 0 and `nil` on the workers, after MPI is finalised.
    /// - With one rank (no `mpirun`), rank 0 runs every task itself and says so on stderr.
    /// - Ranks compare their registries at start-up; a mismatch ends the job with a message.
    /// - A pool runs once per process (MPI cannot start again once finalised):
    ///   a second call throws ``PoolError/alreadyRun``. Do all the work in one `Pool.run`.
    /// - SIGTERM and SIGINT (a time limit, `scancel`, Ctrl-C) stop the pool cleanly: pending work
    ///   fails and `Pool.run` throws ``PoolError/interrupted(signal:done:remaining:)``; exit with 128 + signal.
    /// - Inside it, stdout and stderr are line-buffered on every rank: `print` in a
    ///   task reaches the terminal when it is made, one intact line at a time.
    ///
    /// ```swift
    /// try Pool.run(tasks) { pool in
    ///     print(try pool.map(square, over: 1...10))
    /// }
    /// ```
    @discardableResult
    public static func run<T>(_ tasks: TaskRegistry, options: PoolOptions = PoolOptions(), _ body: (Pool) throws -> T) throws -> T? {
        let launch = try start(tasks, options: options)
        switch launch.awaitRole() {
        case .failed(let error):
            throw error
        case .worker:
            if let error = launch.awaitEnd() { throw error }
            return nil
        case .master(let pool):
            let value: T
            do {
                value = try body(pool)
            } catch {
                pool.stopAfterThrow(error)
                _ = launch.awaitEnd()
                throw pool.core.interruption ?? error
            }
            pool.finishAfterReturn()
            let end = launch.awaitEnd()
            pool.core.callbacks.drainAndStop()
            if let end { throw end }
            try pool.checkNothingAbandoned()
            return value
        }
    }

    /// `run` with an `async` body: inside it, `try await pool.map(…)`,
    /// `for try await x in try pool.imapUnordered(…)` and `try await future.value`
    /// work directly. Ranks ≥ 1 serve as workers, as with the synchronous form;
    /// an error thrown by the body has exactly the same effect (the pool is
    /// terminated, the error rethrown on rank 0). Waiting for the workers to
    /// start and to finish never blocks a thread of Swift's concurrency pool.
    ///
    /// ```swift
    /// try await Pool.run(tasks) { pool in
    ///     let squares = try await pool.map(square, over: 1...100, chunkSize: .auto)
    ///     for try await s in try pool.imapUnordered(square, over: 1...10) { print(s) }
    ///     print(try await Executor(pool).submit(square, 12).value)
    /// }
    /// ```
    @discardableResult
    public static func run<T>(_ tasks: TaskRegistry, options: PoolOptions = PoolOptions(),
                              _ body: (Pool) async throws -> T) async throws -> T? {
        let launch = try start(tasks, options: options)
        switch await launch.role() {
        case .failed(let error):
            throw error
        case .worker:
            if let error = await launch.end() { throw error }
            return nil
        case .master(let pool):
            let value: T
            do {
                value = try await body(pool)
            } catch {
                pool.stopAfterThrow(error)
                _ = await launch.end()
                throw pool.core.interruption ?? error
            }
            pool.finishAfterReturn()
            let end = await launch.end()
            pool.core.callbacks.drainAndStop()
            if let end { throw end }
            try pool.checkNothingAbandoned()
            return value
        }
    }

    /// Checks the options, claims the process's one pool and starts the MPI thread.
    private static func start(_ tasks: TaskRegistry, options: PoolOptions) throws(PoolError) -> Launch {
        if let n = options.maxWorkers, n < 1 { throw .invalidArgument("PoolOptions.maxWorkers must be at least 1, got \(n)") }
        try Launch.claim()
        StandardStreams.lineBuffer()
        SignalWatch.install()
        setDefaultEnvironment()
        // Every rank logs through the options' logger from here on (tracing resolved with it).
        let options = PoolLog.install(options)
        let launch = Launch()
        startThread(name: "mpipool-mpi") { runRank(launch, tasks: tasks, options: options) }
        return launch
    }

    /// The body threw: drop pending work, stop the workers, run the queued callbacks.
    private func stopAfterThrow(_ error: any Error) {
        core.bodyError = describe(error)
        core.terminate()
        core.end()
        core.callbacks.drainAndStop()
    }

    /// The body returned: finish what was submitted (callbacks included), then release the workers.
    private func finishAfterReturn() {
        core.end()
        core.waitForAllJobs()
        core.shutdown()
    }

    /// After `terminate()` left tasks running that never returned, the pool's end says so.
    private func checkNothingAbandoned() throws(PoolError) {
        if let interruption = core.interruption { throw interruption }
        let abandoned = core.monitor.withLock { core.abandoned }
        if !abandoned.isEmpty { throw .tasksAbandoned(abandoned) }
    }

    /// MPI libraries send small messages eagerly (Open MPI up to 4 KiB, Debian's MPICH up to 8 KiB);
    /// bigger ones wait for the receiver, which stalls a worker that sleeps between polls.
    /// Frames here go up to 64 KiB, so the MPI layer raises the library's limit (unless the user set it).
    static func setDefaultEnvironment() {
        MPIImplementation.current.prepareEnvironment(eagerMessagesUpTo: WireProtocol.maxInlineFrame)
    }
}
