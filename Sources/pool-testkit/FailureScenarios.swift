import Glibc
import MPIPool
import PoolCLI

extension Scenarios {
    /// Rank 2 registers one task more than the others: the start-up handshake
    /// must end the job with a message naming the rank, before the body runs.
    static func mismatch(_ t: TestTasks) throws {
        var tasks = TaskRegistry()
        _ = tasks.register("square") { (x: Int) in x * x }
        if launcherRank == 2 { _ = tasks.register("extra") { (x: Int) in x } }
        try Pool.run(tasks) { _ in value("mismatch.bodyRan", true) }
    }

    /// A worker process dies in the middle of a task: mpirun must end the whole
    /// job (the master must not wait forever for that chunk).
    static func workerDies(_ t: TestTasks) throws {
        var tasks = TaskRegistry()
        let die = tasks.register("die") { (x: Int) -> Int in
            if x == 3 {
                // `_exit` skips the C library's flush: the line only survives if stdout is line-buffered.
                print("check dies.printedBeforeExit=rank\(PoolContext.rank)")
                Glibc._exit(3)
            }
            return x
        }
        try Pool.run(tasks) { pool in
            _ = try pool.map(die, over: 0..<8)
            value("dies.mapReturned", true)
        }
    }
}
