import MPI

extension Pool {
    /// `mapAsync` with a journal: the results the journal holds for this map are taken from it,
    /// only the other items are submitted, and their finished chunks are recorded.
    func journaledMap<A, R>(
        _ task: PoolTask<A, R>, _ inputs: [A], policy: SubmitPolicy, journal: Journal, key: String?,
        display: ProgressReporter? = nil, callback: (@Sendable ([R]) -> Void)?, errorCallback: (@Sendable (any Error) -> Void)?
    ) throws -> AsyncResult<[R]> {
        try core.checkOpen()
        // The map's identity: its key, task, registry and a hash of every encoded argument
        // (all of them written at once: one copy for bitwise types).
        let scratch = MessageBuffer(capacity: 4096)
        var writer = WireWriter(scratch)
        try inputs.withUnsafeBufferPointer { try task.arguments.writeRun($0, &writer) }
        let argumentsHash = JournalCodec.hash(UnsafeRawBufferPointer(scratch.bytes))
        let key = key ?? journal.nextKey()
        let recorded = try journal.begin(Journal.MapRecord(key: key, task: task.name, fingerprint: core.fingerprint,
                                                           count: inputs.count, argumentsHash: argumentsHash))
        // What the journal holds, decoded; records that do not decode are run again.
        var held = [Bool](repeating: false, count: inputs.count)
        var heldIndices: [Int] = [], heldValues: [R] = []
        for record in recorded where record.hashes == nil && record.indices.allSatisfy({ $0 >= 0 && $0 < inputs.count && !held[$0] })
            && zip(record.indices, record.indices.dropFirst()).allSatisfy({ $0 < $1 }) {
            guard let values = record.values(task.results) else { continue }
            for index in record.indices { held[index] = true }
            heldIndices += record.indices
            heldValues += values
        }
        journal.noteResumed(heldIndices.count)
        var policy = policy
        guard !heldIndices.isEmpty else {
            // Nothing recorded yet: the whole map, its chunks recorded as ranges.
            policy.journal = JournalSink(journal: journal, key: key)
            return try submit(task, inputs, policy: policy, display: display, transform: { $0 }, callback: callback, errorCallback: errorCallback)
        }
        let missing = held.indices.filter { !held[$0] }
        policy.indexMap = missing
        policy.journal = JournalSink(journal: journal, key: key, indices: missing)
        // The recorded values in index order, then merged with the fresh ones.
        let byIndex = heldIndices.indices.sorted { heldIndices[$0] < heldIndices[$1] }.map { heldValues[$0] }
        let taken = held
        return try submit(task, missing.map { inputs[$0] }, policy: policy, display: display, displayOffset: heldIndices.count,
                          transform: { fresh in
            var all: [R] = []
            all.reserveCapacity(taken.count)
            var f = 0, h = 0
            for isHeld in taken {
                if isHeld { all.append(byIndex[h]); h += 1 } else { all.append(fresh[f]); f += 1 }
            }
            return all
        }, callback: callback, errorCallback: errorCallback)
    }
}

extension Journal.Recorded {
    /// The recorded results, decoded; nil if they do not decode (their items are run again).
    func values<R>(_ codec: ValueCodec<R>) -> [R]? {
        let count = indices.count
        return payload.withUnsafeBytes { bytes -> [R]? in
            var reader = WireReader(bytes)
            var failed = false
            let values = [R](unsafeUninitializedCapacity: count) { buffer, initialized in
                do {
                    if count > 0 { try codec.readRun(count, &reader, buffer.baseAddress!) }
                    initialized = count
                } catch { failed = true; initialized = 0 }
            }
            return failed || reader.remaining != 0 ? nil : values
        }
    }
}
