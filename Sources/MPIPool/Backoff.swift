#if canImport(Glibc)
import Glibc
#endif

/// Waiting without burning a core: spin briefly, then sleep with a doubling
/// back-off. Measured on this project's machine: hot enough that messages
/// flowing every few microseconds are not delayed, quiet when they stop.
///
/// The sleep is capped at 1 ms while messages came in the last 100 ms; after
/// that, at a tenth of the quiet so far, up to `idleCap`: a rank idle for a
/// second answers within 0.1 s, and an idle pool of 63 workers costs about
/// 0.01 cores (each wake of a rank costs about 25 µs here).
struct Backoff {
    /// Spin (keep polling) this long after the last activity.
    var spinNanos: UInt64 = 50_000
    /// First sleep, doubled up to `cap`.
    var firstSleepNanos: UInt64 = 1_000
    var cap: UInt64 = 1_000_000
    /// After this long without activity the cap grows with the quiet (a tenth of it), up to `idleCap`.
    var idleAfterNanos: UInt64 = 100_000_000
    var idleCap: UInt64 = 100_000_000

    private var since: UInt64 = 0
    private var sleep: UInt64 = 0

    init(spinNanos: UInt64 = 50_000) { self.spinNanos = spinNanos }

    /// Call when something happened: back to spinning.
    mutating func reset() { since = 0 }

    /// Nanoseconds to sleep now (0 = keep spinning).
    mutating func next() -> UInt64 {
        let now = MonotonicClock.now
        if since == 0 { since = now; sleep = firstSleepNanos; return 0 }
        let quiet = now - since
        if quiet < spinNanos { return 0 }
        let current = sleep
        let limit = quiet > idleAfterNanos ? max(cap, min(idleCap, quiet / 10)) : cap
        sleep = min(sleep * 2, limit)
        return min(current, limit)
    }

    /// Spins or sleeps once.
    mutating func pause() {
        let nanos = next()
        if nanos == 0 { sched_yield_() ; return }
        var ts = timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
        nanosleep(&ts, nil)
    }
}

@inline(__always) func sched_yield_() { sched_yield() }

/// Sleeps the calling thread (EINTR resumes the rest).
func pause(nanoseconds: UInt64) {
    var ts = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    var left = timespec()
    while nanosleep(&ts, &left) != 0 && errno == EINTR { ts = left }
}
