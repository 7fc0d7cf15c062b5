import Foundation
import Workloads

/// What a trace says of the pool's balance: the seed's "time spent in each process"
/// table (busy seconds, jobs and job ids per worker) with each worker's utilisation,
/// the makespan, and the makespan greedy list scheduling reaches with the same chunks.
///
/// - busy: the sum of a worker's chunk durations; utilisation: busy ÷ makespan
///   (overall: all busy ÷ (workers × makespan));
/// - makespan: from the first chunk's start to the last chunk's end;
/// - greedy makespan: the chunks' durations, in submission order (submission, then
///   first item), list-scheduled on as many workers with no hand-off cost
///   (`Workloads.listSchedule`): what a perfect greedy master reaches with these chunks;
/// - lower bound: no schedule beats max(all busy ÷ workers, the longest chunk).
///
/// ```swift
/// let summary = TimelineSummary(try PoolTrace(contentsOfFile: "run.json"))
/// print(summary.rendered())
/// print(summary.makespan / summary.greedyMakespan)   // 1.0015
/// ```
public struct TimelineSummary: Sendable, Equatable {
    /// Item `index` of submission `submission`'s input.
    public struct JobID: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var submission: Int
        public var index: Int
        public init(submission: Int, index: Int) {
            self.submission = submission
            self.index = index
        }
        public static func < (a: JobID, b: JobID) -> Bool { (a.submission, a.index) < (b.submission, b.index) }
        /// `2:17`: item 17 of submission 2.
        public var description: String { "\(submission):\(index)" }
    }

    /// One worker's row.
    public struct Worker: Sendable, Equatable {
        public var rank: Int
        public var host: String?
        /// Seconds spent in chunks, and in the trace's idle gaps between them.
        public var busy: Double
        public var idle: Double
        public var chunks: Int
        /// Every item it ran, sorted (an item run twice — a retry — appears twice).
        public var jobs: [JobID]
        /// `jobs` as the table prints them: the item index, or `s:index` when the trace has several submissions.
        public var jobLabels: [String]
        /// busy ÷ makespan, 0…1.
        public var utilisation: Double
    }

    public let workers: [Worker]
    /// The first chunk's start and the last chunk's end, in seconds since the pool started.
    public let start: Double
    public let end: Double
    /// All workers' busy seconds.
    public let busy: Double
    /// busy ÷ (workers × makespan), 0…1.
    public let utilisation: Double
    /// Greedy list scheduling of the same chunks on as many workers (see above).
    public let greedyMakespan: Double
    /// max(busy ÷ workers, the longest chunk).
    public let lowerBound: Double
    /// The submissions seen in chunks, sorted.
    public let submissions: [Int]
    /// Task names in the order they first ran.
    public let tasks: [String]
    public let chunkCount: Int
    public let itemCount: Int
    /// How many of the master's instants have each name (`timeout`, `retry`, `returned`, …).
    public let masterEventCounts: [String: Int]
    /// The trace's `otherData`, for the heading.
    public let ranks: Int?
    public let clock: String?
    public let hostCount: Int

    /// first chunk start → last chunk end, in seconds (0 without chunks).
    public var makespan: Double { end - start }
    /// makespan ÷ greedy makespan (1 = as good as greedy list scheduling; 0 without chunks).
    public var ratio: Double { greedyMakespan > 0 ? makespan / greedyMakespan : 0 }

    /// The summary of `trace`.
    public init(_ trace: PoolTrace) {
        let chunks = trace.chunks
        start = chunks.map(\.start).min() ?? 0
        end = chunks.map(\.end).max() ?? 0
        let makespan = end - start
        submissions = Set(chunks.map(\.submission)).sorted()
        let qualified = submissions.count > 1
        var byRank = Dictionary(grouping: chunks, by: \.rank)
        let idleByRank = Dictionary(grouping: trace.gaps, by: \.rank)
        workers = trace.workerRanks.map { rank in
            let own = byRank.removeValue(forKey: rank) ?? []
            let busy = own.reduce(0) { $0 + $1.duration }
            let jobs = own.flatMap { c in c.items.map { JobID(submission: c.submission, index: $0) } }.sorted()
            return Worker(rank: rank, host: trace.hosts[rank], busy: busy,
                          idle: idleByRank[rank]?.reduce(0) { $0 + $1.duration } ?? 0, chunks: own.count, jobs: jobs,
                          jobLabels: jobs.map { qualified ? $0.description : String($0.index) },
                          utilisation: makespan > 0 ? busy / makespan : 0)
        }
        busy = workers.reduce(0) { $0 + $1.busy }
        utilisation = makespan > 0 && !workers.isEmpty ? busy / (Double(workers.count) * makespan) : 0
        let inOrder = chunks.sorted { ($0.submission, $0.first, $0.start) < ($1.submission, $1.first, $1.start) }
        greedyMakespan = listScheduleMakespan(inOrder.map(\.duration), workers: max(1, workers.count))
        lowerBound = max(workers.isEmpty ? 0 : busy / Double(workers.count), chunks.map(\.duration).max() ?? 0)
        var seen = Set<String>(), tasks: [String] = []
        for c in inOrder where seen.insert(c.task).inserted { tasks.append(c.task) }
        self.tasks = tasks
        chunkCount = chunks.count
        itemCount = chunks.reduce(0) { $0 + $1.count }
        masterEventCounts = Dictionary(trace.masterEvents.map { ($0.name, 1) }, uniquingKeysWith: +)
        ranks = trace.ranks
        clock = trace.clock
        hostCount = Set(trace.hosts.values).count
    }

    /// Decimals that show a makespan to about five significant digits: 4 from 1 s up, one more per decade below (at most 9).
    public var automaticDecimals: Int {
        guard makespan > 0 else { return 4 }
        return min(9, 4 + max(0, Int((-log10(makespan)).rounded(.up))))
    }
}

extension TimelineSummary {
    /// The heading, the table and the summary lines, seconds with `decimals` decimals
    /// (nil: `automaticDecimals`):
    ///
    /// ```
    /// Pool of 8 workers on 1 host (9 ranks): 19 chunks, 19 items, 1 submission, task sleep
    ///
    /// Total time spent in each process
    /// Process  1 (rank 1, node01)    0.9665(s)  75.0%    1 job(s) (0,)
    /// …
    ///       Total work done (s)       8.4714
    ///              Makespan (s)       1.2893   (first chunk start to last chunk end)
    ///       Greedy makespan (s)       1.2874   (19 chunks in submission order on 8 workers, no hand-off)
    ///         Makespan / greedy       1.0015
    ///           Lower bound (s)       0.9665   (max of work / workers and the longest chunk)
    ///           Utilisation (%)        82.14   (work / (workers × makespan))
    /// ```
    public func rendered(decimals: Int? = nil) -> String {
        let decimals = decimals ?? automaticDecimals
        var lines = [heading, ""]
        lines.append("Total time spent in each process")
        let rankWidth = String(workers.map(\.rank).max() ?? 0).count
        let hostWidth = workers.map { $0.host?.count ?? 0 }.max() ?? 0
        for (i, w) in workers.enumerated() {
            let ids = w.jobLabels.count == 1 ? "(\(w.jobLabels[0]),)" : "(" + w.jobLabels.joined(separator: ", ") + ")"
            let place = "rank " + pad(String(w.rank), rankWidth) + (hostWidth > 0 ? ", " + (w.host ?? "?").padding(toLength: hostWidth, withPad: " ", startingAt: 0) : "")
            lines.append("Process " + pad(String(i + 1), 2) + " (" + place + ")  " + fixed(w.busy, decimals, width: 8) + "(s) "
                         + fixed(w.utilisation * 100, 1, width: 5) + "% " + pad(String(w.jobs.count), 4) + " job(s) " + ids
                         + (w.jobs.isEmpty ? "  idle" : ""))
        }
        if workers.isEmpty { lines.append("(no workers)") }
        lines.append("")
        lines.append(line("Total work done (s)", fixed(busy, decimals, width: 12)))
        lines.append(line("Makespan (s)", fixed(makespan, decimals, width: 12), "first chunk start to last chunk end"))
        lines.append(line("Greedy makespan (s)", fixed(greedyMakespan, decimals, width: 12),
                          "\(chunkCount) chunk\(chunkCount == 1 ? "" : "s") in submission order on \(workers.count) worker\(workers.count == 1 ? "" : "s"), no hand-off"))
        lines.append(line("Makespan / greedy", fixed(ratio, 4, width: 12)))
        lines.append(line("Lower bound (s)", fixed(lowerBound, decimals, width: 12), "max of work / workers and the longest chunk"))
        lines.append(line("Utilisation (%)", fixed(utilisation * 100, 2, width: 12), "work / (workers × makespan)"))
        for name in ["timeout", "retry", "returned"] {
            if let n = masterEventCounts[name], n > 0 { lines.append(line("Chunks \(name == "retry" ? "retried" : name == "timeout" ? "timed out" : "given back")", pad(String(n), 12))) }
        }
        return lines.joined(separator: "\n")
    }

    /// `Pool of 8 workers on 1 host (9 ranks): 19 chunks, 19 items, 1 submission, task sleep`.
    public var heading: String {
        func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        var text = "Pool of \(plural(workers.count, "worker"))"
        if hostCount > 0 { text += " on \(plural(hostCount, "host"))" }
        if let ranks { text += " (\(plural(ranks, "rank")))" }
        text += ": \(plural(chunkCount, "chunk")), \(plural(itemCount, "item")), \(plural(submissions.count, "submission"))"
        if !tasks.isEmpty { text += ", " + (tasks.count == 1 ? "task " : "tasks ") + tasks.joined(separator: ", ") }
        if let clock { text += "\nClock: \(clock)" }
        return text
    }

    /// A summary line as the seed prints them (`{:>25s} {:12.4f}`), with an optional note.
    private func line(_ label: String, _ value: String, _ note: String? = nil) -> String {
        pad(label, 25) + " " + value + (note.map { "   (\($0))" } ?? "")
    }

    private func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
}
