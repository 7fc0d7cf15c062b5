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
/// - With `showsRate`, both add the items' rate, the time left (`ETA 0:42`, when the total is
///   known) and the failures so far (``advance(by:count:failures:)``):
///   `[######------------------]  23/78 tasks   2 failed   11.5 tasks/s   ETA 0:05`. A total of
///   nil (items read as they come) shows `23 tasks` and no ETA.
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
        var failures = 0
        var shownFailures = -1
        var finished = false
    }

    private let state = Mutex(State())
    /// Dispatch sources are thread-safe (their methods may be called from any thread), hence `nonisolated(unsafe)`.
    private nonisolated(unsafe) let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
    private let clock = Stopwatch()
    /// Items expected (nil: not known in advance).
    public let total: Int?
    /// What the items are called (`files`) and what is counted (`words`).
    public let unit: String
    public let countName: String
    public let style: Style
    /// Seconds between refreshes.
    public let interval: Double
    /// Whether the status shows the rate of items, the time left and the failures.
    public let showsRate: Bool

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

    /// A reporter for `total` items (nil: not known). `style` nil picks `automaticStyle`;
    /// `interval` nil picks 0.1 s for the bar and 1 s for lines.
    public init(total: Int?, unit: String = "items", countName: String = "", style: Style? = nil, interval: Double? = nil,
                showsRate: Bool = false) {
        self.total = total
        self.showsRate = showsRate
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

    /// Records `items` more items done, `count` more of the counted thing, and `failures` more
    /// of those items failed.
    public func advance(by items: Int, count: Int = 0, failures: Int = 0) {
        state.withLock { $0.done += items; $0.count += count; $0.failures += failures }
    }

    /// Writes output of the program while the status is shown: on a terminal the bar is erased
    /// first and drawn again after, so that the two never share a line.
    public func writeAbove(_ write: () -> Void) {
        state.withLock { s in
            guard style == .bar, !s.finished, s.shownDone >= 0 else { return write() }
            Console.write(raw: "\r\u{1B}[K", to: 2)
            write()
            show(&s, final: false)
        }
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
            if style == .lines && s.done == s.shownDone && s.count == s.shownCount && s.failures == s.shownFailures { return }
            show(&s, final: false)
        }
    }

    /// Writes the status (the caller holds the lock).
    private func show(_ s: inout State, final: Bool) {
        s.shownDone = s.done
        s.shownCount = s.count
        s.shownFailures = s.failures
        switch style {
        case .silent: return
        case .lines: Console.error(plainLine(done: s.done, count: s.count, failures: s.failures, seconds: clock.elapsed))
        case .bar:
            let line = "\r" + barLine(done: s.done, count: s.count, seconds: clock.elapsed, failures: s.failures) + "\u{1B}[K" + (final ? "\n" : "")
            Console.write(raw: line, to: 2)
        }
    }

    /// `Work is in progress... 23/78 files, 512345 words`; with `showsRate`,
    /// `Work is in progress... 23/78 tasks, 2 failed, 11.5 tasks/s, ETA 0:05`.
    public func plainLine(done: Int, count: Int, failures: Int = 0, seconds: Double = 0) -> String {
        var line = "Work is in progress... \(done)\(total.map { "/\($0)" } ?? "") \(unit)" + (countName.isEmpty ? "" : ", \(count) \(countName)")
        if showsRate {
            line += ", \(failures) failed, \(rateText(done: done, seconds: seconds)) \(unit)/s"
            if let eta = etaText(done: done, seconds: seconds) { line += ", ETA \(eta)" }
        }
        return line
    }

    /// Items a second so far, with one decimal under 100.
    func rateText(done: Int, seconds: Double) -> String {
        let rate = seconds > 0 ? Double(done) / seconds : 0
        if rate >= 100 { return grouped(Int(rate.rounded())) }
        let tenths = Int((rate * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// The time left at the rate so far, `m:ss` or `h:mm:ss`; nil without a total or before the first item.
    func etaText(done: Int, seconds: Double) -> String? {
        guard let total, done > 0, seconds > 0 else { return nil }
        let left = Int((Double(max(0, total - done)) * seconds / Double(done)).rounded(.up))
        let (h, m, sec) = (left / 3600, left / 60 % 60, left % 60)
        let two = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
        return h > 0 ? "\(h):\(two(m)):\(two(sec))" : "\(m):\(two(sec))"
    }

    /// `[#########-----------]  23/78 files   512,345 words   1,204,331 words/s`.
    /// With `showsRate`: `[######------------------]  23/78 tasks   2 failed   11.5 tasks/s   ETA 0:05`.
    public func barLine(done: Int, count: Int, seconds: Double, width: Int = 24, failures: Int = 0) -> String {
        var line: String
        if let total {
            let filled = total > 0 ? min(width, done * width / total) : width
            let bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
            line = "\(bar) \(String(repeating: " ", count: max(0, String(total).count - String(done).count)))\(done)/\(total) \(unit)"
        } else {
            line = "\(done) \(unit)"
        }
        if showsRate {
            line += "   \(failures) failed   \(rateText(done: done, seconds: seconds)) \(unit)/s"
            if let eta = etaText(done: done, seconds: seconds) { line += "   ETA \(eta)" }
        }
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
