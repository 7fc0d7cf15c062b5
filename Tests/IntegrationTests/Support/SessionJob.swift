import Foundation

/// An `mpirun` job in a session of its own, started with no signal blocked (as from a shell),
/// that a test watches while it runs, then signals or kills, and whose leftovers it counts.
///
/// mpirun puts each rank in a process group of its own, so `kill -- -PGID` of mpirun's group
/// reaches mpirun only; the session (mpirun's pid) holds every process of the job. MPICH's Hydra
/// starts its proxy and each rank in sessions of their own: the job's processes are those of the
/// session and those that carry the job's mark in their environment (every process inherits it).
///
/// A small Python supervisor does the starting: it unblocks signals (the test runner's threads
/// block them and children inherit the mask), forks, and the child calls `setsid` and execs
/// mpirun. The supervisor reaps mpirun, says how it ended, and stays until no process of the
/// session is left — and at `timeout` SIGKILLs every process still in it, so the job is bounded
/// even if the test process dies.
///
/// ```swift
/// let job = try SessionJob("pool-testkit", ["--scenario", "journal-map"], environment: env)
/// defer { job.end() }
/// _ = SessionJob.poll(seconds: 30) { progress() >= 10 }
/// job.send(SIGTERM, to: .rankZero)
/// let status = job.exitStatus(within: 10)   // 143
/// ```
final class SessionJob: CustomStringConvertible {
    enum Target: String, CustomStringConvertible, Sendable {
        case mpirun, rankZero
        var description: String { rawValue }
    }

    /// mpirun's pid: the id of the job's session and of mpirun's process group.
    let session: Int32
    /// `MPIPOOL_SESSION_JOB=<uuid>`, in the environment of every process of the job.
    let mark = "MPIPOOL_SESSION_JOB=\(UUID().uuidString)"
    let folder: URL
    private let supervisor: Process

    init(ranks: Int = 4, _ program: String, _ arguments: [String], environment extra: [String: String] = [:],
         timeout: Double = 60) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mpipool-session-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let report = folder.appendingPathComponent("supervisor")
        _ = FileManager.default.createFile(atPath: report.path, contents: nil)
        supervisor = Process()
        supervisor.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        supervisor.arguments = ["-c", Self.supervisorScript, String(timeout), folder.appendingPathComponent("out").path,
                                folder.appendingPathComponent("err").path, mark]
            + Launcher.launch(ranks) + [Launcher.executable(program)] + arguments
        var env = Launcher.environment
        for (k, v) in extra { env[k] = v }
        supervisor.environment = env
        supervisor.currentDirectoryURL = Launcher.packageRoot
        supervisor.standardOutput = try FileHandle(forWritingTo: report)
        supervisor.standardError = FileHandle.standardError
        supervisor.standardInput = FileHandle.nullDevice
        try supervisor.run()
        var started: Int32?
        _ = Self.poll(seconds: 10) {
            started = Self.lines(of: report).lazy.compactMap { $0.hasPrefix("session ") ? Int32($0.dropFirst(8)) : nil }.first
            return started != nil
        }
        guard let started else {
            supervisor.terminate()
            throw ProgramTestError("the supervisor did not start mpirun: \(Self.lines(of: report))")
        }
        session = started
    }

    deinit { end() }

    /// What the job printed so far.
    var stdout: String { (try? String(contentsOf: folder.appendingPathComponent("out"), encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: folder.appendingPathComponent("err"), encoding: .utf8)) ?? "" }

    /// Calls `condition` every 20 ms until it holds, for at most `seconds`; returns whether it held.
    static func poll(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if condition() { return true }
            if Date() > deadline { return false }
            usleep(20_000)
        }
    }

    /// mpirun's exit status (negative: minus the signal that ended it), waiting at most `seconds`; nil if still running.
    func exitStatus(within seconds: Double) -> Int32? {
        var status: Int32?
        _ = Self.poll(seconds: seconds) {
            status = supervisorLines.lazy.compactMap { $0.hasPrefix("exit ") ? Int32($0.dropFirst(5)) : nil }.first
            return status != nil
        }
        return status
    }

    /// Whether the supervisor had to SIGKILL the job at its timeout.
    var timedOut: Bool { supervisorLines.contains("timed out") }

    /// The processes of the job's session that are still alive (zombies excluded).
    var processesLeft: [Int32] { Self.members(of: session, marked: mark) }

    /// The pid of a rank (read from its environment), if it is alive.
    func pid(ofRank rank: Int) -> Int32? {
        processesLeft.first { pid in
            let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data()
            return environ.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == "\(Launcher.rankVariable)=\(rank)" }
        }
    }

    /// Sends `signo` to mpirun or to rank 0; returns whether it was sent.
    @discardableResult
    func send(_ signo: Int32, to target: Target) -> Bool {
        switch target {
        case .mpirun: return kill(session, signo) == 0
        case .rankZero: return pid(ofRank: 0).map { kill($0, signo) == 0 } ?? false
        }
    }

    /// `kill -KILL -- -PGID` of mpirun's process group (mpirun only: the ranks have groups of their own).
    func killProcessGroup() { _ = kill(-session, SIGKILL) }

    /// SIGKILL to every process of the session at once (a node failure, or a batch system's cgroup kill).
    func killEveryProcess() { for pid in processesLeft { _ = kill(pid, SIGKILL) } }

    /// Ends what is left of the job and waits (bounded) for the supervisor.
    func end() {
        if !processesLeft.isEmpty { killEveryProcess() }
        _ = Self.poll(seconds: 15) { !supervisor.isRunning }
        if supervisor.isRunning { supervisor.terminate() }
        try? FileManager.default.removeItem(at: folder)
    }

    var description: String {
        "session \(session): \(supervisorLines.joined(separator: "; "))\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)"
    }

    private var supervisorLines: [String] { Self.lines(of: folder.appendingPathComponent("supervisor")) }

    private static func lines(of file: URL) -> [String] {
        ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// The live processes whose session is `session` or whose environment holds `mark`
    /// (/proc/PID/stat: after the name come state, ppid, pgrp, session).
    static func members(of session: Int32, marked mark: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        let markBytes = Data(mark.utf8)
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 3, fields[0] != "Z" else { return nil }
            if Int32(fields[3]) == session { return pid }
            let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/environ"))) ?? Data()
            return environ.split(separator: 0).contains(markBytes) ? pid : nil
        }
    }

    /// argv: timeout, stdout file, stderr file, mark, command…. Prints `session PID`, then `exit CODE`
    /// (negative: minus the signal), `timed out` if it had to kill the job.
    private static let supervisorScript = """
    import os, signal, sys, time
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    limit, out, err, mark, command = float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            name, value = mark.split("=", 1)
            os.environ[name] = value
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 1)
            os.dup2(os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 2)
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    print("session", pid, flush=True)
    def members():
        found = []
        for entry in os.listdir("/proc"):
            try:
                stat = open(f"/proc/{entry}/stat").read() if entry.isdigit() else ""
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2:].split()
            if len(fields) <= 3 or fields[0] == "Z":
                continue
            if int(fields[3]) == pid:
                found.append(int(entry))
                continue
            try:
                if mark.encode() in open(f"/proc/{entry}/environ", "rb").read().split(b"\\0"):
                    found.append(int(entry))
            except OSError:
                pass
        return found
    def end_all():
        for p in members():
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
    deadline, said = time.monotonic() + limit, False
    def overdue():
        global said
        if time.monotonic() > deadline:
            if not said:
                print("timed out", flush=True)
                said = True
            end_all()
    while True:
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            print("exit", os.waitstatus_to_exitcode(raw), flush=True)
            break
        overdue()
        time.sleep(0.02)
    while members():
        overdue()
        time.sleep(0.02)
    """
}
