#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A mutex with two condition variables: one the master thread sleeps on
/// (`work`), one user threads sleep on (`state`).
///
/// `@unchecked Sendable`: the pthread objects live in fixed heap memory and
/// are only touched through the pthread calls, which are thread-safe by
/// definition; the class has no other stored state.
final class Monitor: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let work: UnsafeMutablePointer<pthread_cond_t>
    private let state: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        work = .allocate(capacity: 1)
        state = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(work, &attributes)
        pthread_cond_init(state, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(work)
        pthread_cond_destroy(state)
        pthread_mutex_destroy(mutex)
        mutex.deallocate(); work.deallocate(); state.deallocate()
    }

    @inline(__always) func lock() { pthread_mutex_lock(mutex) }
    @inline(__always) func unlock() { pthread_mutex_unlock(mutex) }
    /// Takes the lock if it is free; returns whether it did.
    @inline(__always) func tryLock() -> Bool { pthread_mutex_trylock(mutex) == 0 }

    @inline(__always)
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    enum Condition { case work, state }

    private func cond(_ c: Condition) -> UnsafeMutablePointer<pthread_cond_t> { c == .work ? work : state }

    /// Waits on `condition` (the lock must be held). `deadline` is a
    /// `MonotonicClock.now`-based nanosecond time; nil waits until signalled.
    /// Returns false when the deadline passed.
    @discardableResult
    func wait(_ condition: Condition, until deadline: UInt64?) -> Bool {
        guard let deadline else {
            pthread_cond_wait(cond(condition), mutex)
            return true
        }
        var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        return pthread_cond_timedwait(cond(condition), mutex, &ts) == 0
    }

    func signal(_ condition: Condition) { pthread_cond_signal(cond(condition)) }
    func broadcast(_ condition: Condition) { pthread_cond_broadcast(cond(condition)) }
}

