import Foundation
import Testing

/// What a launched process did.
struct Outcome: CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String
    let seconds: Double
    let timedOut: Bool

    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    var errorLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    var description: String { "status \(status) after \(seconds) s\(timedOut ? " (TIMED OUT)" : "")\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
}

/// Launches the built executables, bounded by a timeout, and collects their output.
///
/// Every command runs under coreutils `timeout`: SIGTERM at the limit (mpirun
/// then stops its ranks), SIGKILL 5 s later. A timed-out run has `timedOut` set.
enum Launcher {
    /// The package root (this file is Tests/IntegrationTests/Support/Launcher.swift).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The folder holding the built products (the test bundle's folder).
    static let productsDirectory: URL = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("asyncmap-mpi").path) { return url }
            url.deleteLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug")
    }()

    static func executable(_ name: String) -> String { productsDirectory.appendingPathComponent(name).path }

    /// The environment mpirun needs on this machine (root, oversubscription).
    static var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        env["OMPI_MCA_rmaps_base_oversubscribe"] = "1"
        return env
    }

    /// Runs `mpirun --oversubscribe --bind-to none -n ranks program arguments…`.
    static func mpirun(_ ranks: Int, _ program: String, _ arguments: [String] = [], timeout: Double = 60,
                       mpiArguments: [String] = [], environment extra: [String: String] = [:]) throws -> Outcome {
        try run("mpirun", ["--oversubscribe", "--bind-to", "none", "-n", "\(ranks)"] + mpiArguments
                + [executable(program)] + arguments, timeout: timeout, environment: extra)
    }

    /// Runs a built program directly (one rank, no mpirun).
    static func direct(_ program: String, _ arguments: [String] = [], timeout: Double = 60,
                       environment extra: [String: String] = [:]) throws -> Outcome {
        try run(executable(program), arguments, timeout: timeout, environment: extra)
    }

    /// Runs any command (looked up on PATH) with a hard time limit.
    static func run(_ command: String, _ arguments: [String], timeout: Double, environment extra: [String: String] = [:],
                    currentDirectory: URL? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["--kill-after=5", String(format: "%.1f", timeout), command] + arguments
        var env = environment
        for (k, v) in extra { env[k] = v }
        process.environment = env
        process.currentDirectoryURL = currentDirectory ?? packageRoot
        let tmp = FileManager.default.temporaryDirectory
        let outFile = tmp.appendingPathComponent("mpipool-test-\(UUID().uuidString).out")
        let errFile = tmp.appendingPathComponent("mpipool-test-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outFile); try? FileManager.default.removeItem(at: errFile) }
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = try FileHandle(forWritingTo: errFile)
        process.standardInput = FileHandle.nullDevice
        let start = Date()
        try process.run()
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        let out = (try? String(contentsOf: outFile, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
        let status = process.terminationStatus
        return Outcome(status: status, stdout: out, stderr: err, seconds: seconds, timedOut: status == 124 || status == 137)
    }
}
