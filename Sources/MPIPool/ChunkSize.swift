/// How a submission's items are cut into chunks.
///
/// ```swift
/// pool.map(square, over: xs, chunkSize: 5)           // fixed: 5 items a chunk (an integer literal)
/// pool.map(square, over: xs, chunkSize: .auto)       // Python's heuristic: ⌈n / (4 × workers)⌉
/// pool.map(square, over: xs, chunkSize: .guided())   // shrinking: ⌈remaining / (2 × workers)⌉, ≥ minimum
/// ```
public enum ChunkSize: Sendable, Equatable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    /// Exactly `n` items a chunk (the last may be shorter). `n` must be ≥ 1.
    case fixed(Int)
    /// Python's `Pool.map` default: ⌈n / (4 × workers)⌉, computed once per submission.
    case auto
    /// Chunks shrink as the submission drains: ⌈remaining / (2 × workers)⌉, never below `minimum`.
    /// Big chunks while there is plenty of work (throughput), small ones at the end (balance).
    case guided(minimum: Int = 1)

    public init(integerLiteral value: Int) { self = .fixed(value) }

    public var description: String {
        switch self {
        case .fixed(let n): "\(n)"
        case .auto: "auto"
        case .guided(let m): "guided(min \(m))"
        }
    }

    /// Throws `PoolError.invalidArgument` unless the size makes sense.
    func validate() throws(PoolError) {
        switch self {
        case .fixed(let n) where n < 1: throw .invalidArgument("chunkSize must be at least 1, got \(n)")
        case .guided(let m) where m < 1: throw .invalidArgument("guided chunkSize minimum must be at least 1, got \(m)")
        default: break
        }
    }
}
