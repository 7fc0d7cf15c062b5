import Dispatch
import Foundation
import Glibc
import MPIPool
import Synchronization

/// A live status of work in progress on standard error, refreshed on a timer
/// while the caller's thread waits for results.
///
/// - On a terminal: one line redrawn in place, a bar with items done / total,
///   the running count (e.g. words) and its rate:
///   `[#########-----------]  23/78 files   512,345 words   1,204,331 words/s`
/// - Otherwise (a pipe, a log, `mpirun` without a tty): a plain line every
///   `interval` seconds when something changed, `Work is in progress... 23/78 files, 512345 words`.
/// - Either way `finish()` prints the final state once.
///
/// ```swift
/// let progress = ProgressReporter(total: files.count, unit: "files", countName: "words")
/// progress.start()
/// for result in results { progress.advance(by: 1, count: result.words) }
/// progress.finish()
/// ```
public final class ProgressReporter: Sendable {
    /// How the status is shown.
    public enum Style: Sendable {
        /// A bar redrawn in place (for terminals).
        case bar
        /// Plain lines (for pipes and logs).
        case lines
        /// Nothing.
        case silent
    }

    private struct State {
        var done = 0
        var count = 0
        var shownDone = -1
        var shownCount = -1
        var finished = false
    }

    private let state = Mutex(State())
    /// Dispatch sources are thread-safe (their methods may be called from any thread), hence `nonisolated(unsafe)`.
    private nonisolated(unsafe) let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
    private let clock = Stopwatch()
    /// Items expected.
    public let total: Int
    /// What the items are called (`files`) and what is counted (`words`).
    public let unit: String
    public let countName: String
    public let style: Style
    /// Seconds between refreshes.
    public let interval: Double

    /// `.bar` when the user sees a terminal, else `.lines`. That is standard error
    /// being a terminal, or — under mpirun, which hands every rank a pipe for
    /// stderr (and always a pseudo-terminal for stdout, so neither tells) — the
    /// launcher's own standard error being one, read from `/proc/<launcher>/fd/2`
    /// (rank 0 normally runs on the launcher's host; elsewhere this gives `.lines`).
    public static var automaticStyle: Style {
        if isatty(2) == 1 { return .bar }
        guard launcherRank != nil else { return .lines }
        var pid = getppid()
        for _ in 0..<4 where pid > 1 {
            let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if ["mpirun", "mpiexec", "orterun", "prterun", "prte", "orted", "prted"].contains(comm) {
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

    /// A reporter for `total` items. `style` nil picks `automaticStyle`;
    /// `interval` nil picks 0.1 s for the bar and 1 s for lines.
    public init(total: Int, unit: String = "items", countName: String = "", style: Style? = nil, interval: Double? = nil) {
        self.total = total
        self.unit = unit
        self.countName = countName
        let style = style ?? Self.automaticStyle
        self.style = style
        self.interval = interval ?? (style == .bar ? 0.1 : 1.0)
        // Activated at once, unscheduled (it never fires until `start`): libdispatch
        // traps on releasing a source that was never activated.
        timer.resume()
    }

    /// Starts refreshing on a background timer.
    public func start() {
        guard style != .silent else { return }
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.schedule(deadline: .now() + interval, repeating: interval)
    }

    /// Records `items` more items done and `count` more of the counted thing.
    public func advance(by items: Int, count: Int = 0) {
        state.withLock { $0.done += items; $0.count += count }
    }

    /// Stops the timer and shows the final state.
    public func finish() {
        state.withLock { s in
            guard !s.finished else { return }
            s.finished = true
            timer.cancel()
            guard style != .silent else { return }
            show(&s, final: true)
        }
    }

    private func tick() {
        state.withLock { s in
            guard !s.finished else { return }
            if style == .lines && s.done == s.shownDone && s.count == s.shownCount { return }
            show(&s, final: false)
        }
    }

    /// Writes the status (the caller holds the lock).
    private func show(_ s: inout State, final: Bool) {
        s.shownDone = s.done
        s.shownCount = s.count
        switch style {
        case .silent: return
        case .lines: Console.error(plainLine(done: s.done, count: s.count))
        case .bar:
            let line = "\r" + barLine(done: s.done, count: s.count, seconds: clock.elapsed) + "\u{1B}[K" + (final ? "\n" : "")
            Console.write(raw: line, to: 2)
        }
    }

    /// `Work is in progress... 23/78 files, 512345 words`.
    public func plainLine(done: Int, count: Int) -> String {
        "Work is in progress... \(done)/\(total) \(unit)" + (countName.isEmpty ? "" : ", \(count) \(countName)")
    }

    /// `[#########-----------]  23/78 files   512,345 words   1,204,331 words/s`.
    public func barLine(done: Int, count: Int, seconds: Double, width: Int = 24) -> String {
        let filled = total > 0 ? min(width, done * width / total) : width
        let bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
        var line = "\(bar) \(String(repeating: " ", count: max(0, String(total).count - String(done).count)))\(done)/\(total) \(unit)"
        if !countName.isEmpty {
            let rate = seconds > 0 ? Double(count) / seconds : 0
            line += "   \(grouped(count)) \(countName)   \(grouped(Int(rate))) \(countName)/s"
        }
        return line
    }
}

/// `n` with thousands separators: `1234567` → `1,234,567`.
public func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}
