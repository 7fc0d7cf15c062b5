import MPI

/// One submission as the master sees it, with its types erased.
///
/// Created on a user thread, then owned by the master thread (handed over
/// under the pool's monitor): only the master touches its bookkeeping.
/// `@unchecked Sendable` for that one hand-over.
class AnyJob: @unchecked Sendable {
    let id: Int
    let taskID: UInt32
    let taskName: String
    let count: Int
    let policy: SubmitPolicy
    var chunking: ChunkSize { policy.chunking }
    var maxWorkers: Int? { policy.maxWorkers }
    /// Failed attempts so far, by item index (items that were retried).
    @exclusivity(unchecked) var failures: [Int: Int] = [:]
    /// The first failure by item index. (Master thread only: no dynamic exclusivity checks.)
    @exclusivity(unchecked) var firstError: (index: Int, error: any Error)?
    @exclusivity(unchecked) var cancelled = false
    /// Items sent to a worker (or run by the master) so far.
    @exclusivity(unchecked) var dispatchedItems = 0

    init(id: Int, taskID: UInt32, taskName: String, count: Int, policy: SubmitPolicy) {
        self.policy = policy
        self.id = id
        self.taskID = taskID
        self.taskName = taskName
        self.count = count
    }

    /// Attempts made of the item at `index` once the current one ends.
    func attempts(at index: Int) -> Int { (failures[index] ?? 0) + 1 }

    /// Whether the failure `error` of item `index` earns another attempt; if so it is counted.
    func retries(_ error: TaskError, at index: Int) -> Bool {
        let done = failures[index] ?? 0
        guard done < policy.retries.count, policy.retries.predicate?(error) ?? true else { return false }
        failures[index] = done + 1
        return true
    }

    /// Appends the arguments of items `first..<first+count`.
    func encodeArguments(first: Int, count: Int, into writer: inout WireWriter) throws { fatalError("abstract") }
    /// Decodes the results of items `first..<first+count`.
    func acceptResults(first: Int, count: Int, from reader: inout WireReader) throws { fatalError("abstract") }
    /// Counts finished items toward the result's progress.
    func addProgress(_ items: Int) {}
    /// Whether completion must go through the callback thread.
    var hasCallbacks: Bool { false }
    /// Publishes the prepared outcome (monitor held); returns work to run after unlocking.
    func completeLocked() -> (@Sendable () -> Void)? { fatalError("abstract") }
    /// Builds the final outcome without publishing it, so a callback can run before `ready`.
    func prepare(forced: (any Error)?) { fatalError("abstract") }
    /// Runs the user callback for the prepared outcome (callback thread, monitor not held).
    func runCallback() {}

    /// Records a failure; the lowest failing index wins.
    func record(_ error: any Error, at index: Int) {
        if firstError == nil || index < firstError!.index { firstError = (index, error) }
    }
}

/// A submission of `count` items of `Args`, producing `[R]`, delivered as `T`.
final class Job<Args: Sendable, R: Sendable, T: Sendable>: AnyJob, @unchecked Sendable {
    let inputs: [Args]
    let task: PoolTask<Args, R>
    let result: AsyncResult<T>
    let transform: @Sendable ([R]) -> T
    /// The same for a job of one item, without the array (`applyAsync`).
    let transformOne: (@Sendable (R) -> T)?
    let callback: (@Sendable (T) -> Void)?
    let errorCallback: (@Sendable (any Error) -> Void)?
    private let storage: UnsafeMutablePointer<R>
    /// Item ranges of `storage` that hold values.
    @exclusivity(unchecked) private var filled: [Range<Int>] = []

    init(id: Int, task: PoolTask<Args, R>, inputs: [Args], policy: SubmitPolicy, result: AsyncResult<T>,
         transform: @escaping @Sendable ([R]) -> T, transformOne: (@Sendable (R) -> T)? = nil,
         callback: (@Sendable (T) -> Void)?, errorCallback: (@Sendable (any Error) -> Void)?) {
        self.inputs = inputs
        self.task = task
        self.result = result
        self.transform = transform
        self.transformOne = transformOne
        self.callback = callback
        self.errorCallback = errorCallback
        self.storage = .allocate(capacity: max(1, inputs.count))
        super.init(id: id, taskID: task.id, taskName: task.name, count: inputs.count, policy: policy)
    }

    deinit {
        for range in filled { (storage + range.lowerBound).deinitialize(count: range.count) }
        storage.deallocate()
    }

    override func encodeArguments(first: Int, count: Int, into writer: inout WireWriter) throws {
        try inputs.withUnsafeBufferPointer { all in
            // start + count, not `rebasing:` a slice: unspecialised, the slice's type needs a metadata lookup.
            guard count > 0 else { return }
            try task.arguments.writeRun(UnsafeBufferPointer(start: all.baseAddress! + first, count: count), &writer)
        }
    }

    override func acceptResults(first: Int, count: Int, from reader: inout WireReader) throws {
        try task.results.readRun(count, &reader, storage + first)
        filled.append(first..<first + count)
        if reader.remaining != 0 {
            throw WireError("\(reader.remaining) bytes left after \(count) results")
        }
    }

    override func addProgress(_ items: Int) { result.addProgress(items) }

    override var hasCallbacks: Bool { callback != nil || errorCallback != nil }

    // The outcome goes straight into the result (staged, then published): no `Result<T, …>`
    // here, whose metadata this unspecialised code would fetch at every use (see AsyncResult).

    override func completeLocked() -> (@Sendable () -> Void)? {
        prepare(forced: nil)
        return result.completeLocked()
    }

    /// Builds the outcome without publishing it (so the callback runs before `ready`).
    override func prepare(forced: (any Error)?) {
        guard !result.isStaged else { return }
        if let firstError { return result.stage(failure: firstError.error) }
        if let forced { return result.stage(failure: forced) }
        if cancelled { return result.stage(failure: PoolError.cancelled) }
        // Every item is filled: move the values out (one item: no array to allocate).
        if count == 1, let transformOne {
            filled = []
            return result.stage(transformOne(storage.move()))
        }
        let values = [R](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { buffer.baseAddress!.moveInitialize(from: storage, count: count) }
            initialized = count
        }
        filled = []
        result.stage(transform(values))
    }

    override func runCallback() {
        result.withStaged(success: { callback?($0) }, failure: { errorCallback?($0) })
    }
}
