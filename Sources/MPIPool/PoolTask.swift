import MPI

/// A function registered under a stable name, callable on any rank.
///
/// Get one from `TaskRegistry.register`; pass it to `Pool.map`, `applyAsync`, …
/// `Args` is the argument (a tuple for several), `Result` what it returns.
public struct PoolTask<Args: Sendable, Result: Sendable>: Sendable {
    /// The name it was registered under.
    public var name: String { codecs.name }
    var id: UInt32 { codecs.id }
    var arguments: ValueCodec<Args> { codecs.arguments }
    var results: ValueCodec<Result> { codecs.results }
    /// One reference: every submission holds the task, so copying it costs one retain, not seven.
    let codecs: TaskCodecs<Args, Result>
}

/// A task's name, id and codecs, shared by every copy of its `PoolTask`.
final class TaskCodecs<Args: Sendable, Result: Sendable>: Sendable {
    let name: String
    let id: UInt32
    let arguments: ValueCodec<Args>
    let results: ValueCodec<Result>

    init(name: String, id: UInt32, arguments: ValueCodec<Args>, results: ValueCodec<Result>) {
        self.name = name
        self.id = id
        self.arguments = arguments
        self.results = results
    }
}
