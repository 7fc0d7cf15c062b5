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
        tokens = futures.enumerated().map { i, future in future.asyncResult.observe { ready.push(i) } }
    }

    /// Each future's observer, while registered (nil: it ran).
    private var tokens: [Int?] = []

    /// An abandoned sequence (a timeout, `wait` returning early) removes its observers,
    /// so polling with short timeouts does not pile them up on a pending future.
    deinit {
        for (future, token) in zip(futures, tokens) { if let token { future.asyncResult.stopObserving(token) } }
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
