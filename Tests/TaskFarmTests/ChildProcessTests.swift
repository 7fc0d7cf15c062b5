import Foundation
import Testing
@testable import TaskFarm

/// Real children of `/bin/sh`; every wait is bounded by the request's own timeout.
@Suite struct ChildProcessTests {
    func run(_ command: String, timeout: Double? = 20, killAfter: Double = 2, stdout: ChildProcess.Output = .capture(limit: 1 << 20),
             environment: [String]? = nil) -> ChildProcess.Result {
        ChildProcess.run(ChildProcess.Request(command: Array(command.utf8), environment: environment, stdout: stdout,
                                              timeout: timeout, killAfter: killAfter))
    }

    @Test func exitStatusSignalAndOutputAreReported() {
        let ok = run("echo out; echo err >&2")
        #expect(ok.succeeded && ok.exitStatus == 0 && ok.signal == nil)
        #expect(ok.stdout == Array("out\n".utf8) && ok.stderr == Array("err\n".utf8))
        #expect(ok.stdoutBytes == 4 && ok.stderrBytes == 4)
        #expect(ok.startTime > 1.7e9 && ok.runtime >= 0 && ok.runtime < 10)
        let three = run("exit 3")
        #expect(three.exitStatus == 3 && !three.succeeded)
        let killed = run("kill -KILL $$")
        #expect(killed.exitStatus == nil && killed.signal == SIGKILL && !killed.timedOut)
    }

    @Test func pastItsTimeoutTheGroupGetsSIGTERM() {
        let result = run("sleep 30", timeout: 0.3)
        #expect(result.timedOut && result.signal == SIGTERM, "\(result)")
        #expect(result.runtime >= 0.3 && result.runtime < 5)
    }

    /// The timeout (2 s) gives the shell ample time to set its trap, even on a loaded machine.
    @Test func aChildThatIgnoresSIGTERMGetsSIGKILLAfterTheGrace() {
        let result = run("trap '' TERM; sleep 30; sleep 30", timeout: 2, killAfter: 0.3)
        #expect(result.timedOut && result.signal == SIGKILL, "\(result)")
        #expect(result.runtime >= 2.3 && result.runtime < 8)
    }

    @Test func theWholeProcessGroupIsStoppedNotJustTheShell() throws {
        let pidFile = Self.temporaryPath("pid")
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let result = run("sleep 30 & echo $! > \(pidFile); wait", timeout: 0.3)
        #expect(result.timedOut)
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(Self.isGone(pid), "the background sleep \(pid) was stopped with its group")
    }

    @Test func processesLeftBehindDoNotHoldTheCallBack() {
        // The background sleep keeps the output pipe open; the call returns when the shell exits.
        let result = run("sleep 5 & echo started", timeout: 20)
        #expect(result.succeeded && result.stdout == Array("started\n".utf8))
        #expect(result.runtime < 2, "returned \(result.runtime) s after start")
    }

    @Test func outputBeyondTheLimitIsCountedNotKept() {
        let result = ChildProcess.run(ChildProcess.Request(command: Array("head -c 100000 /dev/zero".utf8), stdout: .capture(limit: 1000)))
        #expect(result.stdout.count == 1000 && result.stdoutBytes == 100_000)
    }

    @Test func outputCanGoToFiles() throws {
        let out = Self.temporaryPath("out"), err = Self.temporaryPath("err")
        defer { for p in [out, err] { try? FileManager.default.removeItem(atPath: p) } }
        let result = ChildProcess.run(ChildProcess.Request(command: Array("echo hello; echo oops >&2".utf8), stdout: .file(out), stderr: .file(err)))
        #expect(result.succeeded && result.stdout.isEmpty && result.stdoutBytes == 6 && result.stderrBytes == 5)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "hello\n")
        #expect(try String(contentsOfFile: err, encoding: .utf8) == "oops\n")
    }

    @Test func theChildSeesItsEnvironmentNullInputAndNoInheritedDescriptors() throws {
        let result = run("echo \"$A-$B\"; cat; ls /proc/self/fd", environment: ["A=1", "B=two words", "PATH=/usr/bin:/bin"])
        let lines = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines.first == "1-two words")
        // ls sees 0, 1, 2 and the descriptor it opened to list them: nothing else of the test process.
        #expect(lines.dropFirst().compactMap { Int($0) }.filter { $0 > 3 }.isEmpty, "\(lines)")
    }

    @Test func aCommandThatCannotBeRunSaysWhy() {
        let nul = ChildProcess.run(ChildProcess.Request(command: [0x65, 0x00, 0x66]))
        #expect(nul.spawnError != nil && !nul.succeeded)
        let missing = ChildProcess.run(ChildProcess.Request(command: Array("true".utf8), stdout: .file("/nonexistent/dir/out")))
        #expect(missing.spawnError?.contains("No such file or directory") == true, "\(missing)")
    }

    @Test func stopRunningEndsTheChildrenOfOtherThreads() async throws {
        let ready = Self.temporaryPath("ready")
        defer { try? FileManager.default.removeItem(atPath: ready) }
        let started = Date()
        let task = Task.detached { ChildProcess.run(ChildProcess.Request(command: Array("trap '' TERM; touch \(ready); sleep 30".utf8), timeout: 20)) }
        // Gate: the shell has set its trap once the file exists.
        while !FileManager.default.fileExists(atPath: ready) && Date().timeIntervalSince(started) < 10 { try await Task.sleep(for: .milliseconds(5)) }
        ChildProcess.stopRunning(grace: 0.2)
        let result = await task.value
        #expect(result.signal == SIGKILL && !result.timedOut, "\(result)")
        #expect(Date().timeIntervalSince(started) < 5)
    }

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)-\(name)").path
    }

    /// Whether `pid` has exited (waiting up to 2 s: the kernel delivers SIGKILL at once, but reaping by init may lag).
    static func isGone(_ pid: Int32) -> Bool {
        for _ in 0..<200 {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            if stat.isEmpty || stat.split(separator: ")").last?.split(separator: " ").first == "Z" { return true }
            usleep(10_000)
        }
        return false
    }
}
