import ArgumentParser
import Foundation
import Glibc
import MPIPool

/// The rank mpirun (or mpiexec, Slurm, PMIx) gave this process, read before MPI starts; nil when not launched by one.
public var launcherRank: Int? { PoolContext.launcherRank }

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
    /// 0 for help, 64 for bad flags, 128 + the signal when SIGTERM or SIGINT stopped the pool
    /// (143, 130: the shell's convention), 1 for other errors thrown by the program.
    private static func finish(with error: any Error) -> Never {
        if case .interrupted(let signo, _, _)? = error as? PoolError {
            if (launcherRank ?? 0) == 0 { Console.error("Error: \(error)") }
            Glibc.exit(128 + signo)
        }
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


/// Sleeps the calling thread for `seconds` (no-op for 0, negative or NaN).
///
/// Never traps: a duration too long for `timespec` (huge or infinite) sleeps
/// as long as the system allows, in effect for ever.
public func pause(seconds: Double) {
    guard seconds > 0 else { return }
    var ts = sleepInterval(seconds: seconds)
    var left = timespec()
    while nanosleep(&ts, &left) != 0 && errno == EINTR { ts = left }
}

/// `seconds` (> 0) as a `timespec`, capped at `Int.max / 2` seconds (about 146 billion years),
/// so that no value of a Double makes the conversion to whole seconds trap.
func sleepInterval(seconds: Double) -> timespec {
    let capped = min(seconds, Double(Int.max / 2))
    let whole = capped.rounded(.towardZero)
    let nanos = min(999_999_999, max(0, Int(((capped - whole) * 1e9).rounded(.towardZero))))
    return timespec(tv_sec: Int(whole), tv_nsec: nanos)
}

/// The limits on the programs' numeric flags, checked in `validate()` (exit 64 on
/// every rank), so that every value a flag accepts can be slept or allocated:
///
/// - counts of items (jobs, values, tasks held in arrays) and chunk sizes: at most ``items``,
///   10,000,000 — the master builds arrays of that many items before it starts;
/// - durations (sleeps, pauses, other work, scaled or not): 0…``seconds`` (10⁶ s, 11.6 days),
///   finite (no NaN, no infinity).
public enum FlagLimits {
    /// The most items a program holds in memory at once: 10,000,000.
    public static let items = 10_000_000
    /// The longest duration a flag may ask for, in seconds: 1,000,000.
    public static let seconds = 1_000_000.0

    /// Throws a one-line `ValidationError` unless `value` is in `range`:
    /// `--jobs must be 1…10000000 (got 1000000000)`.
    public static func check(_ value: Int, _ flag: String, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else { throw ValidationError("\(flag) must be \(range.lowerBound)…\(range.upperBound) (got \(value))") }
    }

    /// Throws a one-line `ValidationError` unless `value` is a finite number of seconds in
    /// 0…`limit`: `--sleep must be 0…1000000 seconds (got -1.0)`.
    public static func checkSeconds(_ value: Double, _ flag: String, upTo limit: Double = seconds) throws {
        guard value >= 0, value <= limit else { throw ValidationError("\(flag) must be 0…\(number(limit)) seconds (got \(value))") }
    }

    /// `1000000` rather than `1000000.0` in messages.
    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}
