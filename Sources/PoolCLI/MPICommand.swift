import ArgumentParser
import Foundation
import Glibc
import MPIPool

/// The rank mpirun (or Slurm, or PMIx) gave this process, read before MPI starts; nil when not launched by one.
public var launcherRank: Int? {
    let env = ProcessInfo.processInfo.environment
    for key in ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"] {
        if let value = env[key], let rank = Int(value) { return rank }
    }
    return nil
}

extension ParsableCommand {
    /// `main()` for a program that every MPI rank runs.
    ///
    /// Parses and validates the flags on every rank before MPI starts, so a bad
    /// flag ends every rank with status 64 (`EX_USAGE`) and no rank waits for
    /// another. Only rank 0 (or a process not started by a launcher) prints
    /// the message, so the user sees it once. Errors thrown by `run()` are
    /// printed (rank 0 only) and end the process with status 1.
    public static func mainForMPI(_ arguments: [String]? = nil) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            // `--help` parses into a help command whose run() "throws" the help text.
            try command.run()
        } catch {
            finish(with: error)
        }
        Glibc.exit(0)
    }

    /// Prints what ArgumentParser says of `error` (on rank 0 only) and exits with its code:
    /// 0 for help, 64 for bad flags, 1 for errors thrown by the program.
    private static func finish(with error: any Error) -> Never {
        let code = exitCode(for: error)
        let speaks = (launcherRank ?? 0) == 0
        if speaks {
            let message = fullMessage(for: error)
            if !message.isEmpty { Console.write(raw: message.hasSuffix("\n") ? message : message + "\n", to: code == .success ? 1 : 2) }
        } else if code != .success {
            // Under mpirun the first rank to exit non-zero gets the job torn
            // down; let rank 0 exit first so its message is not lost.
            pause(seconds: 0.5)
        }
        Glibc.exit(code.rawValue)
    }

}


/// Sleeps the calling thread for `seconds` (no-op for 0).
public func pause(seconds: Double) {
    guard seconds > 0 else { return }
    var ts = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    var left = timespec()
    while nanosleep(&ts, &left) != 0 && errno == EINTR { ts = left }
}
