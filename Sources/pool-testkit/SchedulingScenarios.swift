#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import MPIPool

extension Scenarios {
    /// A quick job must not wait behind a slow one while another worker is idle. The group of
    /// `nap` is proved quick (10 ms), then one 1.5 s job and 23 quick ones are submitted at once
    /// (a deep queue: the workers hold a second job each), so the worker that took the slow job
    /// also holds a quick one behind it; it gives that one back at its give-back time. Prints
    /// when the last quick job finished, and which ranks ran the quick ones.
    static func giveBack(_ t: TestTasks) throws {
        try Pool.run(t.registry) { pool in
            for _ in 0..<3 { _ = try (0..<pool.workerCount).map { _ in try pool.applyAsync(t.nap, 0.01) }.map { try $0.get() } }
            let start = ContinuousClock.now
            let slow = try pool.applyAsync(t.nap, 1.5)
            let quick = try (0..<23).map { _ in try pool.applyAsync(t.nap, 0.01) }
            let lastQuick = Box<Double>(0)
            for result in quick {
                _ = try result.get()
                lastQuick.set(max(lastQuick.get(), seconds(since: start)))
            }
            value("giveback.quickSeconds", fmt(lastQuick.get()))
            _ = try slow.get()
            value("giveback.slowSeconds", fmt(seconds(since: start)))
            // Every item ran once: 23 quick results and one slow one.
            value("giveback.results", quick.count + 1)
        }
    }

    /// A wide map of equal short jobs (MPIPOOL_TEST_JOBS × MPIPOOL_TEST_MS): prints the makespan
    /// against the ideal ⌈jobs / workers⌉ × length, and how many chunks the workers gave back.
    static func wideMap(_ t: TestTasks) throws {
        let jobs = Int(String(cString: getenv("MPIPOOL_TEST_JOBS") ?? strdup("600"))) ?? 600
        let length = (Double(String(cString: getenv("MPIPOOL_TEST_MS") ?? strdup("5"))) ?? 5) / 1000
        try Pool.run(t.registry) { pool in
            _ = try pool.map(t.nap, over: Array(repeating: length, count: pool.workerCount * 2))
            let start = ContinuousClock.now
            let results = try pool.map(t.nap, over: Array(repeating: length, count: jobs))
            let makespan = seconds(since: start)
            let ideal = Double((jobs + pool.workerCount - 1) / pool.workerCount) * length
            value("wide.jobs", results.count)
            value("wide.ratio", fmt(makespan / ideal))
        }
    }
}

extension Scenarios {
    /// A timeline (`PoolOptions(timeline:)` at MPIPOOL_TEST_TIMELINE): a map of 50 items in chunks
    /// of 3, a map of 7 single items, and an apply, with short naps so chunks overlap in time.
    static func timelined(_ t: TestTasks) throws {
        let path = String(cString: getenv("MPIPOOL_TEST_TIMELINE") ?? strdup("/tmp/mpipool-timeline.json"))
        try Pool.run(t.registry, options: PoolOptions(timeline: URL(fileURLWithPath: path))) { pool in
            value("timeline.map", try pool.map(t.nap, over: Array(repeating: 0.002, count: 50), chunkSize: 3).count)
            value("timeline.singles", try pool.map(t.square, over: 0..<7).count)
            value("timeline.apply", try pool.apply(t.square, 9))
        }
    }
}
