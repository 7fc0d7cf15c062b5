import Foundation
import Testing
import TaskFarm

@Suite struct JoblogTests {
    /// Lines GNU parallel 20221122 wrote (`parallel --joblog`), byte for byte.
    static let parallelLines = [
        "1\t:\t1796175838.985\t     0.000\t0\t0\t0\t0\ttrue",
        "2\t:\t1796175838.992\t     0.010\t0\t0\t3\t0\texit 3",
        "3\t:\t1796175839.001\t     0.003\t0\t0\t0\t9\tkill -9 $$",
        "4\t:\t1796175839.019\t     2.134\t0\t0\t-1\t15\tsleep 5",
    ]

    @Test func entriesAreWrittenAsGNUParallelWritesThem() {
        let entry = JoblogEntry(seq: 4, host: "", startTime: 1796175839.019, runtime: 2.134, receive: 0, exitValue: -1, signal: 15,
                                command: Array("sleep 5".utf8))
        #expect(String(decoding: entry.line, as: UTF8.self) == Self.parallelLines[3] + "\n")
        let long = JoblogEntry(seq: 12, host: "node07", startTime: 5.0004, runtime: 123456.7891, receive: 42, exitValue: 0, signal: 0,
                               command: Array("a\tb".utf8))
        #expect(String(decoding: long.line, as: UTF8.self) == "12\tnode07\t5.000\t123456.789\t0\t42\t0\t0\ta\tb\n")
        #expect(JoblogEntry.header == "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand")
    }

    @Test func parallelsLinesParseAndTheirCommandsKeepTabs() throws {
        let entries = Self.parallelLines.compactMap { JoblogEntry.parse(Array($0.utf8)) }
        #expect(entries.map(\.seq) == [1, 2, 3, 4])
        #expect(entries.map(\.exitValue) == [0, 3, 0, -1])
        #expect(entries.map(\.signal) == [0, 0, 9, 15])
        #expect(entries.map(\.succeeded) == [true, false, false, false])
        #expect(entries[3].runtime == 2.134 && entries[3].startTime == 1796175839.019)
        let tabbed = try #require(JoblogEntry.parse(Array("7\th\t1.000\t     2.000\t0\t9\t0\t0\tprintf 'a\tb'".utf8)))
        #expect(tabbed.command == Array("printf 'a\tb'".utf8))
        #expect(JoblogEntry.parse(Array(JoblogEntry.header.utf8)) == nil)
        #expect(JoblogEntry.parse(Array("1\th\t1.0\t2.0\t0\t0\t0".utf8)) == nil, "too few columns")
    }

    @Test func fixedThreeDecimalsRoundLikePrintf() {
        #expect(JoblogEntry.fixed3(0) == "0.000")
        #expect(JoblogEntry.fixed3(0.0005) == "0.001")
        #expect(JoblogEntry.fixed3(1.9996) == "2.000")
        #expect(JoblogEntry.fixed3(-1.5) == "-1.500")
        #expect(JoblogEntry.fixed3(.nan) == "0.000")
    }

    static func temporaryFile(_ text: String?) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("joblog-\(UUID().uuidString)").path
        if let text { _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) }
        return path
    }

    func task(_ n: Int, _ command: String) -> TaskLine { TaskLine(number: n, lineNumber: n, command: Array(command.utf8)) }

    @Test func resumeSkipsRecordedTasksAndResumeFailedRerunsTheFailedOnes() throws {
        let path = Self.temporaryFile(JoblogEntry.header + "\n" + Self.parallelLines.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try ResumeTable(path: path)
        #expect(table.recorded == 4 && table.succeeded == 1)
        #expect(table.decide(task(1, "true"), rerunFailed: false) == .skip)
        #expect(table.decide(task(2, "exit 3"), rerunFailed: false) == .skip)
        #expect(table.decide(task(2, "exit 3"), rerunFailed: true) == .run)
        #expect(table.decide(task(1, "true"), rerunFailed: true) == .skip)
        #expect(table.decide(task(4, "sleep 5"), rerunFailed: true) == .run, "a timeout is a failure")
        #expect(table.decide(task(5, "new"), rerunFailed: false) == .run)
        #expect(table.decide(task(1, "false"), rerunFailed: false) == .changed)
    }

    @Test func theLastEntryOfATaskCounts() throws {
        var table = ResumeTable()
        let failed = try #require(JoblogEntry.parse(Array(Self.parallelLines[1].utf8)))
        var succeeded = failed
        succeeded.exitValue = 0
        table.record(failed)
        table.record(succeeded)
        #expect(table.recorded == 1 && table.succeeded == 1)
        #expect(table.decide(task(2, "exit 3"), rerunFailed: true) == .skip)
        table.record(failed)
        #expect(table.succeeded == 0)
        #expect(table.decide(task(2, "exit 3"), rerunFailed: true) == .run)
    }

    @Test func aTornLastLineIsIgnoredAndAnyOtherBadLineIsAnError() throws {
        let torn = Self.temporaryFile(JoblogEntry.header + "\n" + Self.parallelLines[0] + "\n" + "2\t:\t1796175838.992\t   ")
        let cutBeforeNewline = Self.temporaryFile(JoblogEntry.header + "\n" + Self.parallelLines[0] + "\n" + Self.parallelLines[1])
        let bad = Self.temporaryFile(JoblogEntry.header + "\n" + "garbage\n" + Self.parallelLines[0] + "\n")
        defer { for p in [torn, cutBeforeNewline, bad] { try? FileManager.default.removeItem(atPath: p) } }
        #expect(try ResumeTable(path: torn).recorded == 1)
        #expect(try ResumeTable(path: cutBeforeNewline).recorded == 1, "a line without its newline may be cut short: not done")
        #expect(throws: JoblogError.notAnEntry(path: bad, line: 2)) { try ResumeTable(path: bad) }
        #expect(try ResumeTable(path: Self.temporaryFile(nil)).recorded == 0, "no joblog yet: nothing done")
    }

    @Test func theWriterStartsWithTheHeaderAndAppendingCutsATornLine() throws {
        let path = Self.temporaryFile(nil)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let entry = try #require(JoblogEntry.parse(Array(Self.parallelLines[0].utf8)))
        do {
            let writer = try JoblogWriter(path: path, appending: false)
            try writer.append(entry)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == JoblogEntry.header + "\n" + Self.parallelLines[0] + "\n")
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("2\t:\t17961".utf8))
        handle.closeFile()
        do {
            let writer = try JoblogWriter(path: path, appending: true)
            try writer.append(try #require(JoblogEntry.parse(Array(Self.parallelLines[1].utf8))))
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8)
                == JoblogEntry.header + "\n" + Self.parallelLines[0] + "\n" + Self.parallelLines[1] + "\n")
        _ = try JoblogWriter(path: path, appending: false)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == JoblogEntry.header + "\n", "without --resume it starts over")
    }

    @Test func aJoblogThatCannotBeWrittenSaysWhy() {
        #expect(throws: JoblogError.cannotOpen(path: "/nonexistent/x.log", reason: "No such file or directory")) {
            try JoblogWriter(path: "/nonexistent/x.log", appending: false)
        }
    }
}
