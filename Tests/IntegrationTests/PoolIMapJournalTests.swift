import Foundation
import Testing

/// Journaled `imap`, `imapUnordered` and `for try await` over an asynchronous input (their
/// inputs are read lazily): a re-run takes what the journal holds and runs only the rest, a torn
/// record is run again, and an item whose argument changed ends the map with a mismatch.
@Suite(.serialized) struct PoolIMapJournalTests {
    static let maps = ["ordered", "unordered", "async"]
    static let squares = (0..<40).map { String($0 * $0) }.joined(separator: ",")

    @Test func aRerunOfJournaledIMapsRunsOnlyWhatIsMissingAndYieldsEveryResult() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mpipool-imap-journal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let journal = folder.appendingPathComponent("imaps.journal").path
        let prefix = folder.appendingPathComponent("marks").path
        let ran = prefix + "-ran"
        func launch(change: Int? = nil) throws -> Outcome {
            var environment = ["MPIPOOL_TEST_JOURNAL": journal, "MPIPOOL_TEST_PREFIX": prefix]
            if let change { environment["MPIPOOL_TEST_CHANGE"] = "\(change)" }
            return try Launcher.mpirun(4, "pool-testkit", ["--scenario", "journal-imap"], timeout: 90, environment: environment)
        }
        func runs() -> Int { ((try? String(contentsOfFile: ran, encoding: .utf8)) ?? "").split(separator: "\n").count }
        func field(_ outcome: Outcome, _ name: String) -> String? {
            outcome.lines.first { $0.hasPrefix("check imapj.\(name)=") }.map { String($0.dropFirst("check imapj.\(name)=".count)) }
        }

        // 1: item 30 fails in each map, so its chunk is lost (4, 3 and 5 items); the rest is recorded.
        #expect(FileManager.default.createFile(atPath: prefix + "-fail", contents: nil))
        let first = try launch()
        #expect(first.status == 0, "\(first)")
        for map in Self.maps { #expect(field(first, map)?.contains("error:TaskError.threw") == true, "\(map): \(first)") }
        #expect(field(first, "resumed") == "0", "\(first)")
        let firstRuns = runs()
        #expect(firstRuns >= 108 && firstRuns <= 120, "every item started at most once per map: \(firstRuns)")
        #expect(field(first, "kind")?.contains("holds ordered with an imap there, a map of 1 item here") == true,
                "a map under an imap's key is refused: \(first)")

        // 2: a record torn by a kill (its last 5 bytes missing), then the re-run: every result, in order.
        try FileManager.default.removeItem(atPath: prefix + "-fail")
        try FileManager.default.removeItem(atPath: ran)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: journal))
        try handle.truncate(atOffset: UInt64(size - 5))
        try handle.close()
        let second = try launch()
        #expect(second.status == 0, "\(second)")
        #expect(field(second, "ordered") == Self.squares, "\(second)")
        #expect(field(second, "unordered") == Self.squares, "sorted: \(second)")
        #expect(field(second, "async") == Self.squares, "\(second)")
        let torn = Int(field(second, "torn") ?? "") ?? 0
        #expect(torn > 0, "the torn record was cut off: \(second)")
        let resumed = try #require(Int(field(second, "resumed") ?? ""), "\(second)")
        // The torn record was the last of the async map's (chunks of 5): up to 5 items are run again.
        #expect(resumed >= 108 - 5 && resumed <= 108, "\(second)")
        #expect(runs() == 120 - resumed, "only what the journal did not hold ran: \(runs()) runs, \(resumed) resumed")

        // 3: item 17 has another argument now: each map yields items 0…16 and then the mismatch; nothing past it runs.
        try FileManager.default.removeItem(atPath: ran)
        let third = try launch(change: 17)
        let before = (0..<17).map { String($0 * $0) }.joined(separator: ",")
        for map in Self.maps {
            let got = field(third, map) ?? ""
            #expect(got.hasPrefix(before + ",mismatch:journal mismatch: the journal '\(journal)' holds \(map) with another argument for item 17"),
                    "\(map): \(got)")
        }
        #expect(runs() == 0, "every item before the changed one was in the journal")
    }
}
