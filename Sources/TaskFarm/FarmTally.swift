/// How one task ended, as the summary counts it.
public enum TaskEnding: Sendable, Equatable {
    case succeeded
    /// Exited with this non-zero status.
    case exited(Int)
    /// Ended by this signal (not by the farm).
    case signalled(Int)
    /// Ran past its timeout and was stopped.
    case timedOut
    /// Could not be started at all.
    case couldNotStart

    /// Anything but `.succeeded`.
    public var failed: Bool { self != .succeeded }
}

/// The counts of a run, for its summary: tasks done and failed (by kind), retried and skipped,
/// and the slowest few. Constant size, whatever the number of tasks.
///
/// ```swift
/// var tally = FarmTally(keepingSlowest: 3)
/// tally.add(task: 1, seconds: 0.2, command: Array("true".utf8), ending: .succeeded, attempts: 1)
/// print(tally.summaryLine)   // 1 task: 1 succeeded, 0 failed
/// ```
public struct FarmTally: Sendable, Equatable {
    /// Tasks that ended, and how: each one is `succeeded` or one of the four failures.
    public private(set) var finished = 0
    public private(set) var succeeded = 0
    public private(set) var exitedNonZero = 0
    public private(set) var signalled = 0
    public private(set) var timedOut = 0
    public private(set) var couldNotStart = 0
    /// Tasks that ran more than once (`--retries`), whether they succeeded in the end or not.
    public private(set) var retried = 0
    /// Tasks skipped because the joblog records them (`--resume`).
    public var skipped = 0
    /// The slowest tasks so far, slowest first.
    public private(set) var slowest: [Slow] = []
    /// How many of the slowest tasks `slowest` keeps.
    public let keepingSlowest: Int

    /// One of the slowest tasks: its number, run time and command.
    public struct Slow: Sendable, Equatable {
        public var task: Int
        public var seconds: Double
        public var command: [UInt8]
    }

    /// An empty tally keeping the `keepingSlowest` slowest tasks.
    public init(keepingSlowest: Int = 3) { self.keepingSlowest = keepingSlowest }

    /// Tasks that ended in a failure of any kind.
    public var failed: Int { finished - succeeded }

    /// Counts one task that ended (`attempts` > 1: it was retried).
    public mutating func add(task: Int, seconds: Double, command: [UInt8], ending: TaskEnding, attempts: Int) {
        finished += 1
        switch ending {
        case .succeeded: succeeded += 1
        case .exited: exitedNonZero += 1
        case .signalled: signalled += 1
        case .timedOut: timedOut += 1
        case .couldNotStart: couldNotStart += 1
        }
        if attempts > 1 { retried += 1 }
        guard keepingSlowest > 0, slowest.count < keepingSlowest || seconds > slowest.last!.seconds else { return }
        let at = slowest.firstIndex { $0.seconds < seconds } ?? slowest.count
        slowest.insert(Slow(task: task, seconds: seconds, command: command), at: at)
        if slowest.count > keepingSlowest { slowest.removeLast() }
    }

    /// `100 tasks: 97 succeeded, 3 failed (1 exited non-zero, 1 killed by a signal, 1 timed out), 2 retried, 40 skipped (done in the joblog)`.
    public var summaryLine: String {
        var line = "\(finished) task\(finished == 1 ? "" : "s"): \(succeeded) succeeded, \(failed) failed"
        var kinds: [String] = []
        if exitedNonZero > 0 { kinds.append("\(exitedNonZero) exited non-zero") }
        if signalled > 0 { kinds.append("\(signalled) killed by a signal") }
        if timedOut > 0 { kinds.append("\(timedOut) timed out") }
        if couldNotStart > 0 { kinds.append("\(couldNotStart) could not start") }
        if !kinds.isEmpty { line += " (" + kinds.joined(separator: ", ") + ")" }
        if retried > 0 { line += ", \(retried) retried" }
        if skipped > 0 { line += ", \(skipped) skipped (done in the joblog)" }
        return line
    }
}

/// Signal names for messages: `SIGTERM`, not 15.
public enum SignalName {
    /// `SIGTERM` for 15; `signal 40` for a number without a name here.
    public static func of(_ signo: Int) -> String {
        let names = [1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
                     9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
                     24: "SIGXCPU", 25: "SIGXFSZ"]
        return names[signo] ?? "signal \(signo)"
    }
}
