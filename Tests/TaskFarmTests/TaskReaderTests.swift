import Foundation
import Testing
import TaskFarm

@Suite struct TaskReaderTests {
    static func file(_ bytes: [UInt8]) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lines-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    @Test(arguments: [16, 17, 1 << 16])
    func linesSplitAcrossBlocksComeWhole(blockSize: Int) throws {
        let lines = (1...200).map { String(repeating: "x", count: $0 % 37) + "\($0)" }
        let path = Self.file(Array((lines.joined(separator: "\n") + "\n").utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try LineReader(path: path, blockSize: blockSize)
        var read: [String] = []
        while let line = try reader.next() { read.append(String(decoding: line, as: UTF8.self)) }
        #expect(read == lines)
        #expect(reader.lineNumber == 200 && !reader.lastLineUnterminated)
    }

    @Test func crlfAndALastLineWithoutNewline() throws {
        let path = Self.file(Array("a\r\nb\n\nc".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try LineReader(path: path, blockSize: 16)
        var read: [String] = []
        while let line = try reader.next() { read.append(String(decoding: line, as: UTF8.self)) }
        #expect(read == ["a", "b", "", "c"])
        #expect(reader.lastLineUnterminated)
    }

    @Test func aLineOverTheLimitStopsTheReading() throws {
        let path = Self.file(Array("short\n".utf8) + [UInt8](repeating: 0x61, count: 100) + [0x0A])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try LineReader(path: path, blockSize: 16, maximumLineBytes: 50)
        #expect(try reader.next() == Array("short".utf8))
        #expect(throws: LineReaderError.lineTooLong(line: 2, limit: 50)) { try reader.next() }
    }

    @Test func missingFilesAndFoldersAreNamed() {
        #expect(throws: LineReaderError.cannotOpen(path: "/nonexistent/tasks.txt", reason: "No such file or directory")) {
            try LineReader(path: "/nonexistent/tasks.txt")
        }
        #expect(throws: LineReaderError.cannotOpen(path: "/tmp", reason: "it is a folder")) { try LineReader(path: "/tmp") }
    }

    @Test func aTasksFileSkipsBlankLinesAndCommentsAndNumbersTheRest() throws {
        let path = Self.file(Array("# setup\necho a\n\n   \n  # indented comment\necho b # not a comment\n\techo c\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try TaskReader(path: path, form: .commands)
        var tasks: [TaskLine] = []
        while let task = try reader.next() { tasks.append(task) }
        #expect(tasks.map(\.number) == [1, 2, 3])
        #expect(tasks.map(\.lineNumber) == [2, 6, 7])
        #expect(tasks.map { String(decoding: $0.command, as: UTF8.self) } == ["echo a", "echo b # not a comment", "\techo c"])
    }

    @Test func anArgumentsFileMakesATaskOfEveryLineBlankOnesToo() throws {
        let path = Self.file(Array("1\tx\n\n# 3\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try TaskReader(path: path, form: .template(try CommandTemplate("run {1} {#}")))
        var commands: [String] = []
        while let task = try reader.next() { commands.append(String(decoding: task.command, as: UTF8.self)) }
        #expect(commands == ["run 1 1", "run '' 2", "run '# 3' 3"])
    }
}
