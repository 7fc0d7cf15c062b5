/// Identifiers of finished work, in the order they finished, for consumers
/// that take whichever is done first (`imapUnordered`, `asCompleted`).
///
/// `@unchecked Sendable`: all stored state is guarded by `monitor`.
final class ReadyQueue: @unchecked Sendable {
    private let monitor = Monitor()
    private var ready: [Int] = []
    private var head = 0
    private var waiting: [CheckedContinuation<Int, Never>] = []

    /// Called (on the master thread) when work `id` finishes.
    func push(_ id: Int) {
        monitor.lock()
        if !waiting.isEmpty {
            let continuation = waiting.removeFirst()
            monitor.unlock()
            continuation.resume(returning: id)
            return
        }
        ready.append(id)
        monitor.broadcast(.state)
        monitor.unlock()
    }

    /// The next finished id; waits up to `deadline` (nil = forever). nil if the time ran out.
    func pop(deadline: UInt64?) -> Int? {
        monitor.lock()
        defer { monitor.unlock() }
        while head == ready.count {
            if !monitor.wait(.state, until: deadline) && head == ready.count { return nil }
        }
        return take()
    }

    /// The next finished id, awaited.
    func pop() async -> Int {
        await withCheckedContinuation { continuation in
            monitor.lock()
            if head < ready.count {
                let id = take()
                monitor.unlock()
                continuation.resume(returning: id)
            } else {
                waiting.append(continuation)
                monitor.unlock()
            }
        }
    }

    private func take() -> Int {
        let id = ready[head]
        head += 1
        if head > 256 { ready.removeFirst(head); head = 0 }
        return id
    }
}
