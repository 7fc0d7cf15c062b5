import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How the progress of a map is shown, on standard error of rank 0.
///
/// ```swift
/// let squares = try pool.map(square, over: 1...100_000, chunkSize: .auto, progress: .auto)
/// try Pool.run(tasks, options: PoolOptions(progress: .lines)) { pool in … }   // every map of the pool
/// ```
///
/// A bar is redrawn in place ten times a second:
/// `[#########---------------]  23/78 items   1,204 items/s   3 s elapsed   ETA 9 s`.
/// Lines, for pipes and batch logs, come once a second when something changed:
/// `Work is in progress... 23/78 items, 1204 items/s, 3 s elapsed, ETA 9 s`.
/// Either way a final line is printed once, when the map ends.
public enum ProgressStyle: Sendable, Hashable, CaseIterable {
    /// A bar when the user sees a terminal, else lines (see ``ProgressStyle/automatic``).
    case auto
    /// A bar redrawn in place (for terminals).
    case bar
    /// Plain lines (for pipes, logs and batch jobs).
    case lines
    /// Nothing (the default of ``PoolOptions/progress``). Named `off`, not `none`, so that
    /// `progress: .off` can never be read as an optional's `nil`.
    case off

    /// What `.auto` stands for in this process: `.bar` when the user sees a terminal, else `.lines`.
    ///
    /// That is standard error being a terminal, or — under `mpirun` (`mpiexec`, `mpirun.openmpi`, …),
    /// which hands every rank a pipe for stderr (and always a pseudo-terminal for stdout, so neither
    /// tells) — the launcher's own standard error being one, read from `/proc/<launcher>/fd/2` (rank 0
    /// normally runs on the launcher's host; elsewhere this gives `.lines`).
    public static var automatic: ProgressStyle {
        if isatty(2) == 1 { return .bar }
        guard LaunchEnvironment.rank != nil else { return .lines }
        var pid = getppid()
        for _ in 0..<4 where pid > 1 {
            let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            // Debian installs the launchers with the library's name after a dot (mpirun.openmpi,
            // mpiexec.mpich, mpiexec.hydra): the bar was never drawn under those.
            let launchers = ["mpirun", "mpiexec", "orterun", "prterun", "prte", "orted", "prted"]
            if launchers.contains(where: { comm == $0 || comm.hasPrefix($0 + ".") }) {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/2")) ?? ""
                return target.hasPrefix("/dev/pts/") || target.hasPrefix("/dev/tty") ? .bar : .lines
            }
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            // Fields after the command name (in parentheses): state, then the parent's pid.
            guard let close = stat.lastIndex(of: ")") else { break }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, let parent = Int32(fields[1]) else { break }
            pid = parent
        }
        return .lines
    }

    /// `.auto` made concrete (`.bar` or `.lines`); the others as they are.
    public var resolved: ProgressStyle { self == .auto ? Self.automatic : self }
}

/// The text of the progress display: pure functions of the figures (tested without a clock).
enum ProgressText {
    /// `n` with thousands separators: `1234567` → `1,234,567`.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// A rate: whole from 100 on (`1204`, or `1,204` grouped), one decimal from 10 (`12.5`), else two (`0.52`).
    static func rate(_ perSecond: Double, grouping: Bool = false) -> String {
        guard perSecond.isFinite, perSecond > 0 else { return "0" }
        // By the value as rounded, so that 99.96 reads 100 and 9.996 reads 10.0.
        if perSecond >= 99.95 {
            let whole = Int(min(perSecond, 1e15).rounded())
            return grouping ? grouped(whole) : String(whole)
        }
        return String(format: perSecond >= 9.995 ? "%.1f" : "%.2f", perSecond)
    }

    /// A duration in whole seconds: `9 s`, `2 min 5 s`, `1 h 2 min`, `3 d 4 h`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds > 0 else { return "0 s" }
        let s = Int(min(seconds, 1e12).rounded())
        switch s {
        case ..<60: return "\(s) s"
        case ..<3600: return "\(s / 60) min \(s % 60) s"
        case ..<86_400: return "\(s / 3600) h \(s % 3600 / 60) min"
        default: return "\(s / 86_400) d \(s % 86_400 / 3600) h"
        }
    }

    /// Seconds left at the mean rate so far; nil without a total, before the first item, or when done.
    static func eta(done: Int, total: Int?, seconds: Double) -> Double? {
        guard let total, done > 0, done < total, seconds > 0 else { return nil }
        return Double(total - done) * seconds / Double(done)
    }
}
