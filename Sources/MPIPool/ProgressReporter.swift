import Dispatch
import Synchronization

/// A live display of work in progress on standard error: items done / total, the rate, the time
/// elapsed and the time left, refreshed on a background timer.
///
/// Every map shows one when asked (`progress:` on `map`, `mapAsync`, `imap`, …, or
/// ``PoolOptions/progress`` for all of them); make one yourself to count something of your own
/// alongside the items:
///
/// ```swift
/// let progress = ProgressReporter(total: files.count, unit: "files", countName: "words")
/// progress.start()
/// for try await file in try pool.imapUnordered(count, over: files) { progress.advance(by: 1, count: file.words) }
/// progress.finish()
/// ```
///
/// - ``ProgressStyle/bar``: one line redrawn in place ten times a second,
///   `[#########---------------]  23/78 files   512,345 words   1,204,331 words/s   3 s elapsed   ETA 9 s`.
///   When several bars are live at once, the oldest is drawn; the next takes over when it finishes.
/// - ``ProgressStyle/lines``: a plain line once a second when something changed,
///   `Work is in progress... 23/78 files, 512345 words, 1204331 words/s, 3 s elapsed, ETA 9 s`.
/// - Either way ``finish()`` prints the final state once (without the ETA). With an unknown total
///   (`total: nil`) the count, rate and time are shown, without the bar and the ETA.
///
/// With `showsFailures`, the lines also say how many items failed so far (`2 failed`, from
/// ``advance(by:count:failures:)``). Program output shown while a bar is drawn goes through
/// ``writeAbove(_:)``, so the two never share a line.
///
/// The rate is the count's when there is a `countName` (words/s), else the items'; the ETA is
/// the items left at the mean rate so far. All methods are thread-safe; the timer runs on a
/// Dispatch queue of its own, never on the caller's thread or the pool's MPI thread.
public final class ProgressReporter: Sendable {
    private struct State {
        var done = 0
        var count = 0
        var failures = 0
        var shownDone = -1
        var shownCount = -1
        var shownFailures = -1
        var started = false
        var finished = false
        /// Where the items done come from when the reporter follows a submission (read on each tick).
        var poll: (@Sendable () -> Int)?
    }

    private let state = Mutex(State())
    /// Dispatch sources are thread-safe (their methods may be called from any thread), hence `nonisolated(unsafe)`.
    private nonisolated(unsafe) let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "mpipool.progress", qos: .utility))
    private let startTime = MonotonicClock.now
    /// Items expected; nil when unknown (a lazy input of unknown length).
    public let total: Int?
    /// What the items are called (`items`, `files`).
    public let unit: String
    /// What else is counted (`words`), or empty for nothing.
    public let countName: String
    /// How it is shown: `.bar`, `.lines` or `.off` (`.auto` is resolved when it is made).
    public let style: ProgressStyle
    /// Time between refreshes.
    public let interval: Duration
    /// Whether the lines say how many items failed so far.
    public let showsFailures: Bool

    /// A reporter for `total` items (nil: unknown). `style` `.auto` picks ``ProgressStyle/automatic``;
    /// `interval` nil picks 0.1 s for the bar and 1 s for lines. Nothing is shown before ``start()``.
    public init(total: Int?, unit: String = "items", countName: String = "", style: ProgressStyle = .auto, interval: Duration? = nil,
                showsFailures: Bool = false) {
        self.total = total.map { max(0, $0) }
        self.showsFailures = showsFailures
        self.unit = unit
        self.countName = countName
        let style = style.resolved
        self.style = style
        self.interval = interval ?? (style == .bar ? .milliseconds(100) : .seconds(1))
        // Activated at once, unscheduled (it never fires until `start`): libdispatch
        // traps on releasing a source that was never activated.
        timer.resume()
    }

    deinit {
        timer.cancel()
        if style == .bar { LiveBars.remove(ObjectIdentifier(self)) }
    }

    /// `n` with thousands separators, as the bar shows counts: `1234567` → `1,234,567`.
    public static func grouped(_ n: Int) -> String { ProgressText.grouped(n) }

    /// Seconds since the reporter was made.
    var elapsed: Double { Double(MonotonicClock.now - startTime) / 1e9 }

    /// Starts refreshing on the background timer.
    public func start() {
        guard style != .off else { return }
        let first = state.withLock { s -> Bool in
            guard !s.started && !s.finished else { return false }
            s.started = true
            return true
        }
        guard first else { return }
        if style == .bar { LiveBars.add(ObjectIdentifier(self)) }
        let nanos = Int(min(MonotonicClock.nanoseconds(interval) ?? 1_000_000_000, 60_000_000_000))
        let every = DispatchTimeInterval.nanoseconds(max(nanos, 10_000_000))
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.schedule(deadline: .now() + every, repeating: every)
    }

    /// Records `items` more items done, `count` more of the counted thing, and `failures` more of
    /// those items failed.
    public func advance(by items: Int = 1, count: Int = 0, failures: Int = 0) {
        state.withLock { $0.done += items; $0.count += count; $0.failures += failures }
    }

    /// Runs `write` (the program's own output) so that it never shares a line with the bar: on a
    /// terminal the bar is erased first and drawn again after.
    public func writeAbove(_ write: () -> Void) {
        state.withLock { s in
            guard style == .bar, s.started, !s.finished, s.shownDone >= 0, LiveBars.isFirst(ObjectIdentifier(self)) else { return write() }
            StandardError.write("\r\u{1B}[K")
            write()
            show(&s, final: false)
        }
    }

    /// Stops the timer and shows the final state, once (later calls do nothing).
    public func finish() {
        state.withLock { s in
            guard !s.finished else { return }
            s.finished = true
            timer.cancel()
            if let poll = s.poll { s.done = max(s.done, poll()) }
            guard style != .off else { return }
            show(&s, final: true)
            if style == .bar { LiveBars.remove(ObjectIdentifier(self)) }
        }
    }

    /// `Work is in progress... 23/78 items, 1204 items/s, 3 s elapsed, ETA 9 s` — with a count,
    /// `…23/78 files, 512345 words, 1204331 words/s…`; without a total, `…23 items, 1204 items/s, 3 s elapsed`.
    /// The final line (`final: true`) has no ETA.
    public func plainLine(done: Int, count: Int = 0, failures: Int = 0, seconds: Double, final: Bool = false) -> String {
        var line = "Work is in progress... " + (total.map { "\(done)/\($0)" } ?? "\(done)") + " \(unit)"
        if !countName.isEmpty { line += ", \(count) \(countName)" }
        if showsFailures { line += ", \(failures) failed" }
        line += ", \(rateText(done: done, count: count, seconds: seconds, grouping: false)), \(ProgressText.duration(seconds)) elapsed"
        if !final, let eta = ProgressText.eta(done: done, total: total, seconds: seconds) { line += ", ETA \(ProgressText.duration(eta))" }
        return line
    }

    /// `[#########---------------]  23/78 items   1,204 items/s   3 s elapsed   ETA 9 s` — with a count,
    /// `…23/78 files   512,345 words   1,204,331 words/s…`; without a total, no bar and no ETA.
    public func barLine(done: Int, count: Int = 0, failures: Int = 0, seconds: Double, width: Int = 24, final: Bool = false) -> String {
        var line: String
        if let total {
            let width = max(1, width)
            let filled = total > 0 ? min(width, max(0, done) * width / total) : width
            let bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
            line = "\(bar) \(String(repeating: " ", count: max(0, String(total).count - String(done).count)))\(done)/\(total) \(unit)"
        } else {
            line = "\(ProgressText.grouped(done)) \(unit)"
        }
        if !countName.isEmpty { line += "   \(ProgressText.grouped(count)) \(countName)" }
        if showsFailures { line += "   \(ProgressText.grouped(failures)) failed" }
        line += "   \(rateText(done: done, count: count, seconds: seconds, grouping: true))   \(ProgressText.duration(seconds)) elapsed"
        if !final, let eta = ProgressText.eta(done: done, total: total, seconds: seconds) { line += "   ETA \(ProgressText.duration(eta))" }
        return line
    }

    /// `1204 items/s`, or the count's rate (`1204331 words/s`) when there is a count.
    private func rateText(done: Int, count: Int, seconds: Double, grouping: Bool) -> String {
        let (amount, name) = countName.isEmpty ? (done, unit) : (count, countName)
        let perSecond = seconds > 0 ? Double(amount) / seconds : 0
        return "\(ProgressText.rate(perSecond, grouping: grouping)) \(name)/s"
    }

    // MARK: Following a submission (internal)

    /// Reads the items done from `poll` on every tick (and at the end) instead of `advance`.
    func track(_ poll: @escaping @Sendable () -> Int) {
        state.withLock { $0.poll = poll }
    }

    /// The figures now, and whether it finished (for tests).
    var snapshot: (done: Int, count: Int, finished: Bool) { state.withLock { ($0.done, $0.count, $0.finished) } }

    /// `finish()` on a Dispatch queue: for the pool's MPI thread, which must not write.
    func finishSoon() {
        DispatchQueue.global(qos: .utility).async { [self] in finish() }
    }

    private func tick() {
        state.withLock { s in
            guard !s.finished else { return }
            if let poll = s.poll { s.done = max(s.done, poll()) }
            if style == .lines {
                // Lines only when something changed; the last one comes from `finish()`.
                if s.done == s.shownDone && s.count == s.shownCount && s.failures == s.shownFailures { return }
                if let total, s.done >= total && total > 0 { return }
            }
            show(&s, final: false)
        }
    }

    /// Writes the status (the caller holds the lock).
    private func show(_ s: inout State, final: Bool) {
        s.shownDone = s.done
        s.shownCount = s.count
        s.shownFailures = s.failures
        let seconds = elapsed
        switch style {
        case .off, .auto: return
        case .lines: StandardError.write(plainLine(done: s.done, count: s.count, failures: s.failures, seconds: seconds, final: final) + "\n")
        case .bar:
            // Only the oldest live bar draws, except for a final line (then the next bar takes the line below).
            guard final || LiveBars.isFirst(ObjectIdentifier(self)) else { return }
            StandardError.write("\r" + barLine(done: s.done, count: s.count, failures: s.failures, seconds: seconds, final: final) + "\u{1B}[K" + (final ? "\n" : ""))
        }
    }
}

/// The bars live in this process, oldest first: one terminal line holds one bar.
private enum LiveBars {
    static let order = Mutex<[ObjectIdentifier]>([])
    static func add(_ id: ObjectIdentifier) { order.withLock { $0.append(id) } }
    static func remove(_ id: ObjectIdentifier) { order.withLock { $0.removeAll { $0 == id } } }
    static func isFirst(_ id: ObjectIdentifier) -> Bool { order.withLock { $0.first == id } }
}
