import ArgumentParser
import MPIPool

// The live status itself is the library's (`MPIPool.ProgressReporter`, `ProgressStyle`): every map
// shows one with `progress:`. What the programs share is the flag that chooses it.

/// `--progress auto|bar|lines|none`: how a program shows the progress of its maps on stderr.
///
/// ```swift
/// @Option(help: ProgressOption.help) var progress: ProgressOption = .none
/// try Pool.run(tasks, options: PoolOptions(progress: progress.style)) { pool in … }
/// ```
public enum ProgressOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// A bar when the user sees a terminal (mpirun's included), else plain lines.
    case auto
    /// A bar redrawn in place.
    case bar
    /// A plain line a second when something changed (pipes, logs, batch jobs).
    case lines
    /// Nothing.
    case none

    /// The library's style for it.
    public var style: ProgressStyle {
        switch self {
        case .auto: .auto
        case .bar: .bar
        case .lines: .lines
        case .none: .off
        }
    }

    /// The flag's help text.
    public static let help = ArgumentHelp("Progress of the maps on stderr: auto (a bar on a terminal, else lines), bar, lines, none.")
}

/// `n` with thousands separators: `1234567` → `1,234,567`.
public func grouped(_ n: Int) -> String { ProgressReporter.grouped(n) }
