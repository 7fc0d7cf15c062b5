import Foundation
import Glibc
import MPIPool
import Synchronization

/// Seconds on the monotonic clock since an arbitrary start (for durations).
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Seconds since the Unix epoch on the real-time clock: comparable between
/// processes of one host (job start and end times on worker ranks).
public func wallClockSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Measures elapsed time from its creation.
///
/// ```swift
/// let clock = Stopwatch()
/// // … work …
/// print(clock.elapsed)   // seconds
/// ```
public struct Stopwatch: Sendable {
    /// When it started, in `monotonicSeconds()`.
    public let start: Double
    /// Starts now.
    public init() { start = monotonicSeconds() }
    /// Seconds since it started.
    public var elapsed: Double { monotonicSeconds() - start }
}

/// The CSE251 `Log` timers: lines `HH:MM:SS| label = seconds` on the terminal
/// (unbuffered, via `Console.out`) and, with a path, in a log file.
///
/// ```swift
/// let log = try TimerLog(path: "callback.log")
/// log.startTimer()
/// log.stepTimer("Before For loop")     // 12:18:57| Before For loop = 0.10709840
/// log.stopTimer("Finished: ")          // 12:22:12| Finished:  = 195.08828210
/// ```
///
/// Thread-safe: lines are written whole, one at a time.
public final class TimerLog: Sendable {
    private struct State {
        var start = monotonicSeconds()
        var file: UnsafeMutablePointer<FILE>?
    }
    private let state: Mutex<State>
    private let showTerminal: Bool
    /// The log file, if any.
    public let path: String?

    /// A log printing to the terminal (unless `showTerminal` is false) and,
    /// if `path` is given, to that file (created or truncated).
    /// Throws `TimerLogError` naming the file if it cannot be opened.
    public init(path: String? = nil, showTerminal: Bool = true) throws {
        var file: UnsafeMutablePointer<FILE>?
        if let path {
            guard let opened = fopen(path, "w") else {
                throw TimerLogError(path: path, reason: String(cString: strerror(errno)))
            }
            file = opened
        }
        self.path = path
        self.showTerminal = showTerminal
        state = Mutex(State(file: file))
    }

    deinit {
        state.withLock { if let file = $0.file { fclose(file) } }
    }

    /// Restarts the timer.
    public func startTimer() { state.withLock { $0.start = monotonicSeconds() } }

    /// Logs `label = seconds since start` (the timer keeps running).
    public func stepTimer(_ label: String) { write("\(label) = \(Self.seconds(elapsed))") }

    /// Logs `label = seconds since start`; same as `stepTimer`, named as in the seed.
    public func stopTimer(_ label: String) { stepTimer(label) }

    /// Seconds since `startTimer`.
    public var elapsed: Double { monotonicSeconds() - state.withLock { $0.start } }

    /// Logs one message, prefixed with the local time `HH:MM:SS| `.
    public func write(_ message: String) {
        let line = "\(Self.clockTime())| \(message)"
        state.withLock { state in
            if showTerminal { Console.out(line) }
            if let file = state.file {
                fputs(line + "\n", file)
                fflush(file)
            }
        }
    }

    /// `x` with 8 decimals, as the seed's log prints it.
    static func seconds(_ x: Double) -> String { String(format: "%.8f", x) }

    /// The local time of day as `HH:MM:SS`.
    public static func clockTime() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        return String(format: "%02d:%02d:%02d", parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}

/// A log file that could not be opened.
public struct TimerLogError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot write the log file '\(path)': \(reason)" }
}
