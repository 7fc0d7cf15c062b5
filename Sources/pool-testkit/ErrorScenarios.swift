import MPIPool

/// `field=value` facts of a TaskError, for the tests to compare.
func taskErrorFacts(_ error: (any Error)?) -> String {
    guard let e = error as? TaskError else { return "not-a-TaskError(\(error.map(errorName) ?? "none"))" }
    return "task=\(e.task);index=\(e.index);rank=\(e.rank);hostOk=\(e.host == PoolContext.host);reason=\(e.reason.rawValue);message=\(e.message)"
}

extension Scenarios {
    /// A task that throws, lowest failing index, unencodable/undecodable values, and the pool going on.
    static func errors(_ t: TestTasks) throws {
        try Pool.run(t.registry) { pool in
            let received = Box<[String]>([])
            let failing = try pool.applyAsync(t.job, (5, 0, true), callback: { _ in received.update { $0.append("callback") } },
                                              errorCallback: { e in received.update { $0.append(taskErrorFacts(e)) } })
            let error = thrown { try failing.get() }
            value("errors.apply", taskErrorFacts(error))
            value("errors.applyRankIsWorker", ((error as? TaskError)?.rank).map { (1...3).contains($0) } ?? false)
            value("errors.errorCallback", received.get().joined(separator: "|"))
            value("errors.errorCallbackSameError", received.get() == [taskErrorFacts(error)])
            value("errors.successful", outcome { try failing.successful() })
            value("errors.syncApply", taskErrorFacts(thrown { try pool.apply(t.job, (6, 0, true)) }))
            value("errors.description", (error as? TaskError).map { "\($0)" } ?? "none")

            // Lowest failing index wins, after every other chunk finished: item 2 fails late, 9 and 10 early.
            let items = (0..<12).map { i in (i, i == 2 ? 300 : (i == 9 || i == 10 ? 0 : 30), i == 2 || i == 9 || i == 10) }
            let mapped = try pool.mapAsync(t.job, over: items, chunkSize: 2)
            let mapError = thrown { try mapped.get() }
            value("errors.mapLowest", taskErrorFacts(mapError))
            value("errors.mapProgressAtFailure", "\(mapped.progress.done)/\(mapped.progress.total)")
            value("errors.mapSync", taskErrorFacts(thrown { try pool.map(t.job, over: items, chunkSize: 5) }))
            value("errors.starmapSync", taskErrorFacts(thrown { try pool.starmap(t.job, over: items, chunkSize: 1) }))
            value("errors.servesAfterMap", list(try pool.map(t.square, over: 0..<6, chunkSize: 2)))

            // Unencodable results (worker side), 20 in a row, submitted together and one after another.
            value("errors.resultUnencodable", taskErrorFacts(thrown { try pool.apply(t.makeUnencodable, 1) }))
            let burst = try (0..<20).map { try pool.applyAsync(t.makeUnencodable, $0) }
            value("errors.resultUnencodableBurst",
                  burst.filter { r in r.wait(timeout: .seconds(20)) && (thrown { try r.get() } as? TaskError)?.reason == .resultUnencodable }.count)
            var inARow = 0
            for i in 0..<20 where (thrown { try pool.apply(t.makeUnencodable, i) } as? TaskError)?.reason == .resultUnencodable { inARow += 1 }
            value("errors.resultUnencodableInARow", inARow)
            value("errors.resultUnencodableMap", taskErrorFacts(thrown { try pool.map(t.makeUnencodable, over: 0..<10, chunkSize: 3) }))

            // Unencodable arguments (master side): the error names rank 0.
            value("errors.argumentsUnencodable", taskErrorFacts(thrown { try pool.apply(t.takeUnencodable, Unencodable(x: 1)) }))
            var argsInARow = 0
            for i in 0..<20 where (thrown { try pool.apply(t.takeUnencodable, Unencodable(x: i)) } as? TaskError)?.reason == .argumentsUnencodable {
                argsInARow += 1
            }
            value("errors.argumentsUnencodableInARow", argsInARow)
            value("errors.argumentsUnencodableMap",
                  taskErrorFacts(thrown { try pool.map(t.takeUnencodable, over: (0..<7).map { Unencodable(x: $0) }, chunkSize: 2) }))

            // Undecodable results (master side) and arguments (worker side).
            value("errors.resultUndecodable", taskErrorFacts(thrown { try pool.apply(t.makeUndecodable, 1) }))
            var undecodableInARow = 0
            for i in 0..<20 where (thrown { try pool.apply(t.makeUndecodable, i) } as? TaskError)?.reason == .resultUndecodable {
                undecodableInARow += 1
            }
            value("errors.resultUndecodableInARow", undecodableInARow)
            value("errors.argumentsUndecodable", taskErrorFacts(thrown { try pool.apply(t.takeUndecodable, Undecodable(x: 1)) }))
            var argsUndecodableInARow = 0
            for i in 0..<20 where (thrown { try pool.apply(t.takeUndecodable, Undecodable(x: i)) } as? TaskError)?.reason == .argumentsUndecodable {
                argsUndecodableInARow += 1
            }
            value("errors.argumentsUndecodableInARow", argsUndecodableInARow)

            // Still serving, on every worker.
            value("errors.servesAfterAll", list(try pool.map(t.square, over: 0..<30, chunkSize: 1).prefix(6)))
            value("errors.workersAfterAll", list(Set(try pool.map(t.whoami, over: 0..<60)).sorted()))
        }
    }
}
