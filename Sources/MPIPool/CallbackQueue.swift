import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs user callbacks on one thread of the master, one at a time, in the
/// order their results completed.
final class CallbackQueue: @unchecked Sendable {
    private let monitor = Monitor()
    /// Guarded by `monitor`.
    private var queue: [@Sendable () -> Void] = []
    private var head = 0
    private var running = false
    private var finished = false
    /// The callback thread's id while it runs (0: none).
    private let thread = Atomic<UInt>(0)

    /// Whether the calling thread is the callback thread: a blocking pool call
    /// made here must not wait for a result whose own callback is queued behind it.
    var isCurrentThread: Bool { thread.load(ordering: .relaxed) == UInt(pthread_self()) }

    /// Queues `work`; starts the thread on first use.
    func enqueue(_ work: @escaping @Sendable () -> Void) {
        monitor.lock()
        queue.append(work)
        let start = !running
        running = true
        monitor.signal(.work)
        monitor.unlock()
        if start { startThread(name: "mpipool-callbacks") { [self] in loop() } }
    }

    /// Runs what is queued, then stops the thread; waits until it has.
    func drainAndStop() {
        monitor.lock()
        defer { monitor.unlock() }
        finished = true
        monitor.signal(.work)
        while running { monitor.wait(.state, until: nil) }
    }

    private func loop() {
        thread.store(UInt(pthread_self()), ordering: .relaxed)
        defer { thread.store(0, ordering: .relaxed) }
        monitor.lock()
        while true {
            if head < queue.count {
                let work = queue[head]
                head += 1
                if head > 1024 { queue.removeFirst(head); head = 0 }
                monitor.unlock()
                work()
                monitor.lock()
            } else if finished {
                running = false
                monitor.broadcast(.state)
                monitor.unlock()
                return
            } else {
                monitor.wait(.work, until: nil)
            }
        }
    }
}
