#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Monotonic time in nanoseconds: the clock of the monitor's deadlines.
///
/// (Not named `Clock`: that is the standard library's protocol.)
enum MonotonicClock {
    @inline(__always)
    static var now: UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// A cheap, coarse monotonic time (a few ns, millisecond-ish resolution),
    /// for checks made between every item of a chunk.
    @inline(__always)
    static var coarseNow: UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// The deadline `timeout` from now, or nil (wait without a deadline) when it lies
    /// beyond what the clock can express (centuries): a huge timeout waits, it never traps.
    /// A negative timeout is a deadline that has passed.
    static func deadline(after timeout: Duration) -> UInt64? {
        guard let nanos = nanoseconds(timeout) else { return nil }
        let (sum, overflow) = now.addingReportingOverflow(nanos)
        return overflow || sum > UInt64(Int64.max) ? nil : sum
    }

    /// `duration` in whole nanoseconds, clamped at 0; nil when it does not fit in a UInt64.
    static func nanoseconds(_ duration: Duration) -> UInt64? {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return nil }
        let (sum, carry) = whole.addingReportingOverflow(UInt64(max(0, attoseconds) / 1_000_000_000))
        return carry ? nil : sum
    }
}
