// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "MPIPool",
    products: [
        .library(name: "MPI", targets: ["MPI"]),
        .library(name: "MPIPool", targets: ["MPIPool"]),
        .executable(name: "asyncmap-mpi", targets: ["asyncmap-mpi"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Open MPI as a system module: the C API plus a shim for the macro handles.
        .systemLibrary(
            name: "CMPI",
            path: "Modules/CMPI",
            pkgConfig: "ompi",
            providers: [.apt(["libopenmpi-dev"])]
        ),
        // A compiler barrier for honest CPU loops (see Sources/Workloads).
        .target(name: "CBarrier"),
        .target(name: "MPI", dependencies: ["CMPI"]),
        .target(name: "MPIPool", dependencies: ["MPI"]),
        .target(name: "Workloads", dependencies: ["CBarrier"]),
        // Shared by the programs: rank-aware flag errors (exit 64 on every rank, printed once).
        .target(name: "PoolCLI", dependencies: ["MPIPool", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "asyncmap-mpi", dependencies: ["MPIPool", "PoolCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "MPITests", dependencies: ["MPI"]),
        .testTarget(name: "MPIPoolTests", dependencies: ["MPIPool"]),
    ],
    swiftLanguageModes: [.v6]
)
