import Foundation
import Testing

/// Issue 12's journal tests: a journaled map killed with SIGKILL or stopped by SIGTERM part-way,
/// then run again with the same journal; and journals of another task, registry or program refused.
///
/// The map (`pool-testkit --scenario journal-map`, 4 ranks: 3 workers): each item naps, then
/// returns its square; it appends its index to an executions file when it starts, so the tests
/// count who ran what, and they read the journal file themselves (`JournalFile`). The run that
/// resumes a map naps 0 ms (the nap is not an argument: the journal's map is the same).
///
/// The maps are long (about 5 s), and stopped after a fraction of a second, because the job does
/// not stop at once: after SIGKILL to mpirun its ranks run on for about a second, and mpirun
/// passes SIGTERM on to the ranks about 0.8 s after it got it.
@Suite(.serialized) struct PoolJournalKillTests {
    static let workers = 3
    /// Recorded items that show the map is under way when the test kills or signals it.
    static let partway = 14
    /// The master's line at a signal: items done, items not done.
    static let stopLine = #"^MPIPool: SIGTERM received: stopping the pool; (\d+) items done, (\d+) not done$"#

    struct Shape {
        var items: Int, chunk: Int, napMilliseconds: Int
        var squares: String { "value:" + (0..<items).map { String($0 * $0) }.joined(separator: ",") }
        /// Chunks of 2 that take 80 ms: each worker has one in flight at the kill.
        static let killed = Shape(items: 400, chunk: 2, napMilliseconds: 40)
        /// A result every 3 ms or so: at the signal, finished results wait for the journal's next write (10 ms after the oldest).
        static let signalled = Shape(items: 1200, chunk: 1, napMilliseconds: 10)
        static let small = Shape(items: 8, chunk: 2, napMilliseconds: 0)
    }

    enum Kill: String, CustomStringConvertible, Sendable {
        /// `kill -KILL -- -PGID` of mpirun's group: mpirun dies; its ranks (groups of their own) must end by themselves.
        case mpirunGroup
        /// Every process of the job at once (a node failure, a batch system's cgroup kill).
        case everyProcess
        var description: String { rawValue }
    }

    @Test(arguments: [Kill.mpirunGroup, .everyProcess])
    func aMapKilledPartWayResumesWithTheWholeResultRunningOnlyWhatTheJournalLacks(kill: Kill) throws {
        let shape = Shape.killed
        let files = try Files(shape)
        defer { files.remove() }
        let job = try SessionJob("pool-testkit", ["--scenario", "journal-map"], environment: files.environment)
        defer { job.end() }
        var seen = 0
        let progressed = SessionJob.poll(seconds: 30) {
            seen = JournalFile(path: files.journal).items().count
            return seen >= Self.partway
        }
        try #require(progressed, "the journal never held \(Self.partway) items: \(job)")
        switch kill {
        case .mpirunGroup: job.killProcessGroup()
        case .everyProcess: job.killEveryProcess()
        }
        #expect(job.exitStatus(within: 10) == -SIGKILL, "\(job)")
        #expect(SessionJob.poll(seconds: 10) { job.processesLeft.isEmpty }, "still alive: \(job.processesLeft) \(job)")
        #expect(!job.stdout.contains("check jmap.map="), "the map never returned: \(job)")

        // The first run, read once nothing of it is left.
        let afterKill = JournalFile(path: files.journal)
        let recorded = afterKill.items()
        let firstRan = files.takeExecutions()
        #expect(recorded.count >= seen && recorded.count < shape.items, "killed part-way: \(recorded.count) of \(shape.items) recorded")
        #expect(Set(recorded).count == recorded.count, "no item recorded twice: \(recorded)")
        #expect(Set(firstRan).count == firstRan.count, "in one run an item starts once: \(firstRan)")
        #expect(Set(recorded).isSubset(of: firstRan), "only what ran is recorded")
        #expect(afterKill.maps == [JournalFile.Map(key: "map 1", task: "journal-square", fingerprint: afterKill.maps.first?.fingerprint ?? 0,
                                                   count: shape.items)], "one map record: \(afterKill.maps)")

        let second = try ScenarioRun("journal-map", environment: files.quickEnvironment)
        second.expectClean()
        second.expect("jmap.map", shape.squares)
        second.expect("jmap.resumed", "\(recorded.count)")
        second.expect("jmap.torn", "\(afterKill.bytes.count - afterKill.validLength)")
        let secondRan = files.takeExecutions()
        #expect(secondRan.count == shape.items - recorded.count, "the second run runs each missing item once: \(secondRan.sorted())")
        #expect(Set(secondRan) == Set(0..<shape.items).subtracting(recorded), "and only those")

        // Items that ran twice: started in the first run, not in its journal. Per worker that is at
        // most its chunk in flight, plus one chunk finished less than the journal's write delay
        // (10 ms; a chunk takes 80 ms) before the ranks died.
        let ranTwice = Set(firstRan).subtracting(recorded)
        #expect(ranTwice.count <= 2 * Self.workers * shape.chunk, "ran twice: \(ranTwice.sorted())")
        #expect(Set(firstRan).union(secondRan) == Set(0..<shape.items), "every item ran")
        let resumed = JournalFile(path: files.journal)
        #expect(resumed.items().sorted() == Array(0..<shape.items), "the journal now holds each item once")
        #expect(resumed.maps == afterKill.maps && resumed.validLength == resumed.bytes.count, "the same map, no torn tail")
    }

    @Test(arguments: [SessionJob.Target.rankZero, .mpirun])
    func sigtermPartWayLeavesEveryFinishedItemInTheJournalAndTheResumeRunsOnlyTheRest(target: SessionJob.Target) throws {
        let shape = Shape.signalled
        let files = try Files(shape)
        defer { files.remove() }
        let job = try SessionJob("pool-testkit", ["--scenario", "journal-map"], environment: files.environment)
        defer { job.end() }
        let progressed = SessionJob.poll(seconds: 30) { JournalFile(path: files.journal).items().count >= Self.partway }
        try #require(progressed, "the journal never held \(Self.partway) items: \(job)")
        let sent = Date()
        try #require(job.send(SIGTERM, to: target), "\(job)")
        let status = job.exitStatus(within: 20)
        let seconds = Date().timeIntervalSince(sent)
        #expect(seconds < 5, "the job took \(seconds) s to end after SIGTERM: \(job)")
        if target == .rankZero {
            #expect(status == 128 + SIGTERM, "\(job)")
            #expect(job.stdout.contains("check jmap.map=error:interrupted(15)"), "\(job)")
        } else {
            #expect(status != nil && status != 0, "\(job)")
        }
        #expect(SessionJob.poll(seconds: 10) { job.processesLeft.isEmpty }, "still alive: \(job.processesLeft) \(job)")

        let counts = try Programs.matches(job.stderr.split(separator: "\n").map(String.init), Self.stopLine)
        let line = try #require(counts.first.flatMap { c in Int(c[0]).flatMap { d in Int(c[1]).map { (done: d, notDone: $0) } } },
                                "no stop line: \(job)")
        #expect(line.done >= Self.partway && line.done < shape.items && line.done + line.notDone == shape.items, "\(line)")
        // Results finished at the master but still waiting for the journal's next write when the
        // signal came must be written at the stop (a result every 3 ms: some wait at almost any moment).
        let recorded = JournalFile(path: files.journal).items()
        #expect(recorded.count == line.done, "every item done at the master is in the journal: \(recorded.count) recorded, \(line.done) done")
        let firstRan = files.takeExecutions()

        let second = try ScenarioRun("journal-map", environment: files.quickEnvironment)
        second.expectClean()
        second.expect("jmap.map", shape.squares)
        second.expect("jmap.resumed", "\(line.done)")
        second.expect("jmap.torn", "0")
        let secondRan = files.takeExecutions()
        #expect(secondRan.count == shape.items - line.done, "the resume runs only the rest: \(secondRan.sorted())")
        #expect(Set(secondRan) == Set(0..<shape.items).subtracting(recorded), "\(secondRan.sorted())")
        #expect(Set(firstRan).union(secondRan) == Set(0..<shape.items))
    }

    enum Mismatch: String, CustomStringConvertible, Sendable {
        case otherTask, otherRegistry
        var description: String { rawValue }
        var environment: [String: String] {
            self == .otherTask ? ["MPIPOOL_TEST_TASK": "other"] : ["MPIPOOL_TEST_REGISTRY": "extended"]
        }
        var difference: String {
            self == .otherTask ? "task journal-square there, journal-other-square here" : "another task registry (a different program)"
        }
    }

    @Test(arguments: [Mismatch.otherTask, .otherRegistry])
    func aJournalOfAnotherTaskOrRegistryIsRefusedNamingTheDifferenceAndLeftUnchanged(mismatch: Mismatch) throws {
        let files = try Files(.small)
        defer { files.remove() }
        let first = try ScenarioRun("journal-map", environment: files.quickEnvironment)
        first.expectClean()
        first.expect("jmap.map", Shape.small.squares)
        _ = files.takeExecutions()
        let before = try #require(FileManager.default.contents(atPath: files.journal))

        let other = try ScenarioRun("journal-map", environment: files.quickEnvironment.merging(mismatch.environment) { $1 })
        other.expectClean()
        other.expect("jmap.map", "error:journalMismatch")
        other.expect("jmap.error", "journal mismatch: the journal '\(files.journal)' holds map 1 with \(mismatch.difference); "
                     + "use another journal or key for a different map")
        other.expect("jmap.resumed", "0")
        #expect(files.takeExecutions().isEmpty, "nothing ran")
        #expect(FileManager.default.contents(atPath: files.journal) == before, "the journal is unchanged")
    }

    @Test func sumvaluesRefusesSleepjobsJournalAndLeavesItUnchanged() throws {
        let files = try Files(.small)
        defer { files.remove() }
        let sleep = try Launcher.mpirun(3, "sleepjobs-mpi", ["--mode", "map", "--jobs", "4", "--scale", "0.001", "--journal", files.journal])
        #expect(sleep.status == 0, "\(sleep)")
        let before = try #require(FileManager.default.contents(atPath: files.journal))
        let sum = try Launcher.mpirun(3, "sumvalues-mpi", ["--mode", "map", "--count", "4", "--journal", files.journal])
        #expect(sum.status != 0 && !sum.timedOut, "\(sum)")
        #expect(sum.errorLines.contains("Error: journal mismatch: the journal '\(files.journal)' holds map 1 with task sleep there, "
                                        + "sum_all_values here, another task registry (a different program), other arguments; "
                                        + "use another journal or key for a different map"), "\(sum)")
        #expect(!sum.lines.contains { $0.hasPrefix("[") || $0.hasPrefix("journal ") }, "nothing computed: \(sum)")
        #expect(FileManager.default.contents(atPath: files.journal) == before, "the journal is unchanged")
    }

    /// A folder for one test's journal and executions file, and the scenario's environment: with
    /// each item's nap, or without (`quickEnvironment`, the same map).
    struct Files {
        let folder: URL
        let journal: String
        let executions: String
        let environment: [String: String]
        var quickEnvironment: [String: String] { environment.merging(["MPIPOOL_TEST_NAP_MS": "0"]) { $1 } }

        init(_ shape: Shape) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("mpipool-journal-kill-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            journal = folder.appendingPathComponent("map.journal").path
            executions = folder.appendingPathComponent("executions").path
            environment = ["MPIPOOL_TEST_JOURNAL": journal, "MPIPOOL_TEST_EXECUTIONS": executions, "MPIPOOL_TEST_ITEMS": "\(shape.items)",
                           "MPIPOOL_TEST_CHUNK": "\(shape.chunk)", "MPIPOOL_TEST_NAP_MS": "\(shape.napMilliseconds)"]
        }

        /// The item indices started so far (one line each), and a fresh file for the next run.
        func takeExecutions() -> [Int] {
            let text = (try? String(contentsOfFile: executions, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(atPath: executions)
            return text.split(separator: "\n").map { Int($0) ?? -1 }
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }
    }
}
