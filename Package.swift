// swift-tools-version:6.0
import PackageDescription

// MARK: Which MPI to build against
//
// MPIPOOL_MPI=openmpi (the default) or mpich, read from the environment when the manifest is
// evaluated. An environment variable rather than a package trait: a trait can switch Swift
// conditions and dependencies but not a system library's pkg-config name or module map, and
// those are what differ. Build each implementation in its own scratch folder, so the two never
// share build products (the scripts do this; SwiftPM re-evaluates the manifest when the
// environment it read changes, but the folders keep both builds warm):
//   swift build                                                  # Open MPI, .build
//   MPIPOOL_MPI=mpich swift build --scratch-path .build-mpich     # MPICH, .build-mpich
// MPIPOOL_MPI_PKGCONFIG names another pkg-config package of the same family (README: Cray MPICH,
// Intel MPI). The module map's header stops the build if <mpi.h> is not that family's.
// Nothing above Sources/MPI knows which library it runs on (see Sources/MPI/Implementation.swift).
struct MPIChoice {
    let family: String        // openmpi | mpich: the folder of Modules/CMPI/<family>/module.modulemap
    let pkgConfig: String
    let apt: [String]

    static func fromEnvironment() -> MPIChoice {
        let requested = Context.environment["MPIPOOL_MPI"].flatMap { $0.isEmpty ? nil : $0 } ?? "openmpi"
        let pkgConfig = Context.environment["MPIPOOL_MPI_PKGCONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        switch requested {
        case "openmpi":
            return MPIChoice(family: "openmpi", pkgConfig: pkgConfig ?? "ompi", apt: ["libopenmpi-dev"])
        case "mpich":
            return MPIChoice(family: "mpich", pkgConfig: pkgConfig ?? "mpich", apt: ["libmpich-dev"])
        default:
            fatalError("MPIPOOL_MPI must be openmpi or mpich, not '\(requested)'")
        }
    }
}
let mpi = MPIChoice.fromEnvironment()

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")

let package = Package(
    name: "MPIPool",
    products: [
        .library(name: "MPI", targets: ["MPI"]),
        .library(name: "MPIPool", targets: ["MPIPool"]),
        .executable(name: "asyncmap-mpi", targets: ["asyncmap-mpi"]),
        .executable(name: "sleepjobs-mpi", targets: ["sleepjobs-mpi"]),
        .executable(name: "sumvalues-mpi", targets: ["sumvalues-mpi"]),
        .executable(name: "countwords-mpi", targets: ["countwords-mpi"]),
        .executable(name: "pool-bench", targets: ["pool-bench"]),
        .executable(name: "mpipool-run", targets: ["mpipool-run"]),
        .executable(name: "pool-timeline", targets: ["pool-timeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The library's diagnostics go through a `Logger` (`PoolOptions(logger:)`); 1.16 has `LogHandler.log(event:)`.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        // `swift package generate-documentation` for the DocC catalogs (scripts/docs).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        // Open MPI or MPICH (MPIPOOL_MPI, above) as a system module: the C API plus a shim for the macro handles.
        .systemLibrary(
            name: "CMPI",
            path: "Modules/CMPI/\(mpi.family)",
            pkgConfig: mpi.pkgConfig,
            providers: [.apt(mpi.apt)]
        ),
        // A compiler barrier for honest CPU loops (see Sources/Workloads).
        .target(name: "CBarrier"),
        // The thin, safe Swift layer over MPI. Knows nothing of pools.
        .target(name: "MPI", dependencies: ["CMPI"]),
        // prctl(PR_SET_TIMERSLACK) for the pool's short sleeps (Swift cannot call the variadic prctl).
        .target(name: "CPoolSystem"),
        // Registry, wire codec, scheduler, master, worker, futures, stats. Knows nothing of MPI's C API
        // (one Linux call, the timer slack of its waiting threads, comes from CPoolSystem).
        .target(name: "MPIPool", dependencies: ["MPI", "CPoolSystem", logging]),
        // CPU and I/O workloads the programs and the benchmark share.
        .target(name: "Workloads", dependencies: ["CBarrier"]),
        // Reads a pool's Chrome trace (PoolOptions(timeline:)): per-worker table, bounds, SVG Gantt chart. No MPI.
        .target(name: "PoolTimeline", dependencies: ["Workloads"]),
        // Shared by the programs: rank-aware flag errors (exit 64 on every rank, printed once).
        .target(name: "PoolCLI", dependencies: ["MPIPool", argumentParser]),
        // pidfd_open and posix_spawn's closefrom for the task farm (Swift cannot call them directly).
        .target(name: "CTaskFarm"),
        // mpipool-run's parts that know nothing of MPI: templates, quoting, lines, joblog, child processes.
        .target(name: "TaskFarm", dependencies: ["CTaskFarm"]),

        .executableTarget(name: "asyncmap-mpi", dependencies: ["MPIPool", "PoolCLI", argumentParser]),
        .executableTarget(name: "sleepjobs-mpi", dependencies: ["MPIPool", "PoolCLI", "Workloads", argumentParser]),
        .executableTarget(name: "sumvalues-mpi", dependencies: ["MPIPool", "PoolCLI", "Workloads", argumentParser]),
        .executableTarget(name: "countwords-mpi", dependencies: ["MPIPool", "PoolCLI", "Workloads", argumentParser]),
        .executableTarget(name: "pool-bench", dependencies: ["MPIPool", "PoolCLI", "Workloads", argumentParser]),
        .executableTarget(name: "mpipool-run", dependencies: ["MPIPool", "PoolCLI", "TaskFarm", argumentParser]),
        .executableTarget(name: "pool-timeline", dependencies: ["PoolTimeline", argumentParser]),
        // Test-only: registers test tasks (square, sleep, throw, unencodable, …). Not a product.
        .executableTarget(name: "pool-testkit", dependencies: ["MPIPool", "PoolCLI", argumentParser, logging]),

        .testTarget(name: "MPITests", dependencies: ["MPI"]),
        .testTarget(name: "MPIPoolTests", dependencies: ["MPIPool", logging]),
        .testTarget(name: "WorkloadsTests", dependencies: ["Workloads"]),
        .testTarget(name: "TaskFarmTests", dependencies: ["TaskFarm"]),
        .testTarget(name: "PoolTimelineTests", dependencies: ["PoolTimeline"]),
        // Launch the real mpirun against the built executables.
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["asyncmap-mpi", "sleepjobs-mpi", "sumvalues-mpi", "countwords-mpi", "pool-bench", "pool-testkit", "mpipool-run", "pool-timeline"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// The integration tests start the programs with the launcher of the library they were built
// against (Tests/IntegrationTests/Support/Launcher.swift): mpirun for Open MPI, Hydra's mpiexec for MPICH.
if mpi.family == "mpich" {
    for target in package.targets where target.name == "IntegrationTests" {
        target.swiftSettings = (target.swiftSettings ?? []) + [.define("MPIPOOL_MPICH")]
    }
}
