// swift-tools-version:6.0
// A stand-alone package that uses MPIPool by path, as a program of your own would.
import PackageDescription

let package = Package(
    name: "MonteCarloPi",
    dependencies: [
        .package(name: "MPIPool", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "monte-carlo-pi",
            dependencies: [.product(name: "MPIPool", package: "MPIPool")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
