import Dispatch
import MPIPool
import PoolCLI
import Synchronization

/// Prints `check name=value` (the tests parse these).
func value(_ name: String, _ value: Any) {
    Console.out("check \(name)=\(value)")
}

/// Integers as `1,4,9`.
func list(_ values: some Sequence<Int>) -> String { values.map(String.init).joined(separator: ",") }

/// A short name for an error: `invalidArgument`, `closed`, `timeout`, `TaskError.threw`, `other(…)`.
func errorName(_ error: any Error) -> String {
    if let e = error as? PoolError {
        switch e {
        case .invalidArgument: return "invalidArgument"
        case .closed: return "closed"
        case .terminated: return "terminated"
        case .timeout: return "timeout"
        case .notReady: return "notReady"
        case .cancelled: return "cancelled"
        case .registryMismatch: return "registryMismatch"
        case .mpi: return "mpi"
        case .initializerFailed(let rank, _, _): return "initializerFailed(rank: \(rank))"
        case .alreadyRun: return "alreadyRun"
        case .ended: return "ended"
        case .wouldDeadlock: return "wouldDeadlock"
        case .tasksAbandoned(let lines): return "tasksAbandoned(\(lines.count))"
        case .interrupted(let signo, _, _): return "interrupted(\(signo))"
        case .journalMismatch: return "journalMismatch"
        }
    }
    if let e = error as? TaskError { return "TaskError.\(e.reason.rawValue)" }
    if let e = error as? TestFailure { return "TestFailure(\(e.text))" }
    if error is CancellationError { return "CancellationError" }
    return "other(\(error))"
}

/// `value:<v>` or `error:<errorName>`.
func outcome<T>(_ body: () throws -> T) -> String {
    do { return "value:\(try body())" } catch { return "error:\(errorName(error))" }
}

/// The error `body` throws, or nil.
func thrown<T>(_ body: () throws -> T) -> (any Error)? {
    do { _ = try body(); return nil } catch { return error }
}

/// Seconds since `start`, to print.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// Two decimals.
func fmt(_ x: Double) -> String {
    let hundredths = Int((x * 100).rounded())
    let frac = hundredths % 100
    return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
}

/// Runs `body` on the Swift concurrency pool and blocks this (non-pool) thread until it ends.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = Box<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let result: Result<T, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        box.set(result)
        done.signal()
    }
    done.wait()
    return try box.get()!.get()
}

/// A value shared between threads behind a `Mutex`.
final class Box<T: Sendable>: Sendable {
    private let mutex: Mutex<T>
    init(_ value: T) { mutex = Mutex(value) }
    func get() -> T { mutex.withLock { $0 } }
    func set(_ value: T) { mutex.withLock { $0 = value } }
    @discardableResult
    func update<U: Sendable>(_ body: (inout T) -> U) -> U { mutex.withLock { body(&$0) } }
}
