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

    /// The MPI library the programs were built against: Package.swift defines `MPIPOOL_MPICH` for
    /// this target when `MPIPOOL_MPI=mpich` (the same manifest evaluation built the programs).
    enum MPI { case openMPI, mpich }
    #if MPIPOOL_MPICH
    static let mpi = MPI.mpich
    #else
    static let mpi = MPI.openMPI
    #endif

    /// The launcher of that library, by its suffixed name where Debian installs both (the plain
    /// `mpirun`/`mpiexec` follow the alternatives system, i.e. whichever library has priority).
    /// `MPIEXEC` overrides it.
    static let launcher: String = {
        if let chosen = ProcessInfo.processInfo.environment["MPIEXEC"], !chosen.isEmpty { return chosen }
        let (suffixed, plain) = mpi == .mpich ? ("/usr/bin/mpiexec.mpich", "mpiexec") : ("/usr/bin/mpirun.openmpi", "mpirun")
        return FileManager.default.isExecutableFile(atPath: suffixed) ? suffixed : plain
    }()

    /// The launcher and its flags for `ranks` ranks on this machine, before the program:
    /// Open MPI needs `--oversubscribe` (more ranks than cores) and `--bind-to none`; Hydra
    /// (MPICH) places any number of ranks and binds none by default.
    static func launch(_ ranks: Int) -> [String] {
        switch mpi {
        case .openMPI: [launcher, "--oversubscribe", "--bind-to", "none", "-n", "\(ranks)"]
        case .mpich: [launcher, "-n", "\(ranks)"]
        }
    }

    /// `launch(ranks)` as one line for a shell script (words quoted).
    static func launchLine(_ ranks: Int) -> String { launch(ranks).map { "'\($0)'" }.joined(separator: " ") }

    /// The variable holding a rank's number in the environment of the processes the launcher starts.
    static var rankVariable: String { mpi == .mpich ? "PMI_RANK" : "OMPI_COMM_WORLD_RANK" }

    /// The environment the launcher needs on this machine: Open MPI refuses root without two
    /// variables and oversubscription without a third; MPICH needs neither.
    static var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        if mpi == .openMPI {
            env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
            env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
            env["OMPI_MCA_rmaps_base_oversubscribe"] = "1"
        }
        return env
    }

    /// Runs `program arguments…` on `ranks` ranks under the library's launcher (`launch(ranks)`).
    static func mpirun(_ ranks: Int, _ program: String, _ arguments: [String] = [], timeout: Double = 60,
                       mpiArguments: [String] = [], environment extra: [String: String] = [:]) throws -> Outcome {
        let command = launch(ranks) + mpiArguments + [executable(program)] + arguments
        return try run(command[0], Array(command.dropFirst()), timeout: timeout, environment: extra)
    }

    /// Whether the launcher said that a rank exiting with `status` ended the job. Open MPI's mpirun
    /// names that status on stderr (`Exit code:    3`, or `exit code 3`). MPICH's Hydra, when it
    /// had to kill the other ranks, prints a `BAD TERMINATION` banner on stdout with the `EXIT CODE`
    /// of one process that ended badly — often one it killed (9), not the dead rank; when the other
    /// ranks ended by themselves first it prints nothing and exits with the dead rank's status
    /// (it ORs the ranks' statuses). Both were seen in CI runs.
    static func reportsDeadRank(exitStatus status: Int, in outcome: Outcome) -> Bool {
        switch mpi {
        case .openMPI: outcome.stderr.contains("Exit code:    \(status)") || outcome.stderr.contains("exit code \(status)")
        case .mpich: outcome.stdout.contains("BAD TERMINATION OF ONE OF YOUR APPLICATION PROCESSES") || outcome.status == Int32(status)
        }
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
        // `timeout` leads a process group of its own, and everything the command starts is in it. A
        // process left behind in the background (a FIFO writer whose reader never came) keeps an
        // inherited descriptor open by which Foundation tells that the child ended, so
        // waitUntilExit() would wait for ever: the group is killed a little after the time limit,
        // and at once after the command ends, so nothing it started outlives the test.
        let group = process.processIdentifier
        let ended = EndFlag()
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout + 10) {
            ended.lock.withLock { if !ended.value { kill(-group, SIGKILL) } }
        }
        process.waitUntilExit()
        ended.lock.withLock { ended.value = true }
        kill(-group, SIGKILL)
        let seconds = Date().timeIntervalSince(start)
        let out = (try? String(contentsOf: outFile, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
        let status = process.terminationStatus
        return Outcome(status: status, stdout: out, stderr: err, seconds: seconds, timedOut: status == 124 || status == 137)
    }
}

/// Whether a launched command has ended (for the kill scheduled past its time limit).
private final class EndFlag: @unchecked Sendable {
    let lock = NSLock()
    var value = false
}
