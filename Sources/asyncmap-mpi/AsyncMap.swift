import ArgumentParser
import MPIPool
import PoolCLI

/// The "Asynchronous Mapping" tutorial on MPI: `add` and `product` mapped over
/// a = 1…10, b = 11…20, both submitted before either is waited on.
@main
struct AsyncMap: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asyncmap-mpi",
        abstract: "Map add(x, y) and product(x, y) over two lists asynchronously on MPI workers.",
        discussion: "Run with `mpirun -n 4 asyncmap-mpi`: rank 0 schedules, ranks 1..3 work."
    )

    @Option(help: "Items per chunk (1…10000000).")
    var chunksize: Int = 1

    @Option(help: "Seconds each task sleeps (0…1000000).")
    var sleep: Double = 1

    @Flag(help: "Print every scheduling decision on stderr.")
    var trace = false

    @Flag(help: "Print the per-worker table after the totals.")
    var stats = false

    @Option(help: ProgressOption.help)
    var progress: ProgressOption = .none

    static func main() { mainForMPI() }

    /// Limits (see `FlagLimits`): --chunksize 1…10⁷, --sleep 0…10⁶ s (finite).
    func validate() throws {
        try FlagLimits.check(chunksize, "--chunksize", in: 1...FlagLimits.items)
        try FlagLimits.checkSeconds(sleep, "--sleep")
    }

    func run() throws {
        var tasks = TaskRegistry()
        let seconds = sleep
        let add = tasks.register("add") { (x: Int, y: Int) -> Int in
            Console.out("Worker \(PoolContext.rank) (pid \(PoolContext.pid)) is processing add(\(x), \(y))")
            pause(seconds: seconds)
            return x + y
        }
        let product = tasks.register("product") { (x: Int, y: Int) -> Int in
            Console.out("Worker \(PoolContext.rank) (pid \(PoolContext.pid)) is processing product(\(x), \(y))")
            pause(seconds: seconds)
            return x * y
        }
        let chunkSize = ChunkSize.fixed(chunksize)
        let showStats = stats
        try Pool.run(tasks, options: PoolOptions(tracesScheduling: trace, progress: progress.style)) { pool in
            let a = Array(1...10)
            let b = Array(11...20)
            let sumFuture = try pool.starmapAsync(add, over: zip(a, b), chunkSize: chunkSize)
            let productFuture = try pool.starmapAsync(product, over: zip(a, b), chunkSize: chunkSize)
            sumFuture.wait()
            productFuture.wait()
            let totalSum = try sumFuture.get().reduce(0, +)
            let totalProduct = try productFuture.get().reduce(0, +)
            Console.out("Sum of sums of 'a' and 'b' is \(totalSum)")
            Console.out("Sum of products of 'a' and 'b' is \(totalProduct)")
            if showStats { Console.out(WorkerTable(pool.workerStats()).rendered) }
        }
    }
}
