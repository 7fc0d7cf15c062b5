import Foundation
import Testing

/// A journaled map killed part-way (here: failing on item 30), run again: only the rest runs,
/// the result equals an uninterrupted run's, a torn tail is ignored, other inputs are refused.
@Suite(.serialized) struct PoolJournalTests {
    @Test func aRerunWithTheJournalRunsOnlyWhatIsMissingAndGivesTheWholeResult() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mpipool-journal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("sweep.journal").path
        let prefix = folder.appendingPathComponent("marks").path
        let ran = prefix + "-ran"
        func launch(items: Int = 40) throws -> Outcome {
            try Launcher.mpirun(4, "pool-testkit", ["--scenario", "journal"], timeout: 60, environment: [
                "MPIPOOL_TEST_JOURNAL": journal, "MPIPOOL_TEST_PREFIX": prefix, "MPIPOOL_TEST_ITEMS": "\(items)",
            ])
        }
        func runs() -> Int { ((try? String(contentsOfFile: ran, encoding: .utf8)) ?? "").split(separator: "\n").count }

        // 1: item 30 fails, so its chunk (items 28..<32) is lost; the other 36 results are recorded.
        #expect(FileManager.default.createFile(atPath: prefix + "-fail", contents: nil))
        let first = try launch()
        #expect(first.status == 0 && first.lines.contains("check journal.map=error:TaskError.threw"), "\(first)")
        #expect(first.lines.contains("check journal.resumed=0"), "\(first)")
        #expect(runs() == 39, "items 0…30 and 32…39 ran once; 31 never started")

        // 2: a torn record at the end (a kill while writing), then the re-run.
        try FileManager.default.removeItem(atPath: prefix + "-fail")
        try FileManager.default.removeItem(atPath: ran)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: journal))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0x4D, 0x50, 0x52, 0x4A, 0xFF, 0x00, 0x00]))
        try handle.close()
        let second = try launch()
        let squares = (0..<40).map { String($0 * $0) }.joined(separator: ",")
        #expect(second.lines.contains("check journal.map=value:\(squares)"), "the whole result, in order: \(second)")
        #expect(second.lines.contains("check journal.resumed=36"), "\(second)")
        #expect(second.lines.contains("check journal.torn=7"), "\(second)")
        #expect(runs() == 4, "only the lost chunk ran again")

        // 3: the same journal for other inputs is refused, naming what differs; nothing runs.
        try FileManager.default.removeItem(atPath: ran)
        let third = try launch(items: 41)
        #expect(third.lines.contains("check journal.map=error:journalMismatch"), "\(third)")
        #expect(third.lines.contains { $0.hasPrefix("check journal.error=journal mismatch: the journal '\(journal)' holds map 1 with 40 items there, 1 here") },
                "\(third)")
        #expect(runs() == 0)
    }
}
