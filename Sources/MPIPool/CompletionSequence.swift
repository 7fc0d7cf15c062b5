/// Futures in completion order (see `Executor.asCompleted`).
public final class CompletionSequence<R: Sendable>: Sequence, IteratorProtocol {
    private let futures: [Future<R>]
    private let ready = ReadyQueue()
    private var remaining: Int
    private let deadline: UInt64?

    init(_ futures: [Future<R>], deadline: UInt64?) {
        self.futures = futures
        self.remaining = futures.count
        self.deadline = deadline
        let ready = self.ready
        for (i, future) in futures.enumerated() { future.asyncResult.observe { ready.push(i) } }
    }

    /// The next future to complete, nil when all have been returned.
    /// Returns nil too when the deadline passes (then `didTimeOut` is true).
    public func next() -> Future<R>? {
        guard remaining > 0, let i = ready.pop(deadline: deadline) else {
            didTimeOut = remaining > 0
            return nil
        }
        remaining -= 1
        return futures[i]
    }

    /// Whether iteration ended because the timeout ran out.
    public private(set) var didTimeOut = false
}
