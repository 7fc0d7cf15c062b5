import CTaskFarm
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs one shell command as a child process and waits for it, with a deadline.
///
/// - The child is `/bin/sh -c COMMAND`, started with `posix_spawn` (never a `fork` of the
///   caller, which may be a large MPI process), in a process group of its own, with standard
///   input from `/dev/null`, no descriptor of the caller but 0–2, the signals the caller handles
///   or ignores back at their defaults and none blocked.
/// - Standard output and error are captured through pipes (up to a limit, the rest counted and
///   dropped) or written to files.
/// - Past its timeout the whole process group gets SIGTERM, and SIGKILL after the grace period;
///   the call returns once the child is gone, so the caller can run the next task.
/// - While a child runs, its group is remembered: if the process exits meanwhile (the pool ends
///   the worker after SIGTERM), an `atexit` handler stops the group (SIGTERM, then SIGKILL).
///
/// ```swift
/// let result = ChildProcess.run(ChildProcess.Request(command: Array("make -j1".utf8), timeout: 60))
/// print(result.exitStatus, result.runtime, result.stdout.count)
/// ```
public enum ChildProcess {
    /// Where one of the child's output streams goes.
    public enum Output: Sendable, Equatable {
        /// Into memory, up to `limit` bytes (the rest is counted, not kept).
        case capture(limit: Int)
        /// Into this file (created or emptied).
        case file(String)
        /// Nowhere (`/dev/null`).
        case discard
    }

    /// What to run and how.
    public struct Request: Sendable {
        /// The command line given to `/bin/sh -c` (bytes: not necessarily UTF-8).
        public var command: [UInt8]
        /// `NAME=value` entries (nil: the caller's environment).
        public var environment: [String]?
        /// Where standard output and standard error go.
        public var stdout: Output
        public var stderr: Output
        /// Seconds the command may run (nil: no limit).
        public var timeout: Double?
        /// Seconds between SIGTERM and SIGKILL once the timeout has passed.
        public var killAfter: Double

        /// A request; by default output is captured (16 MiB kept a stream), no timeout, 2 s grace.
        public init(command: [UInt8], environment: [String]? = nil, stdout: Output = .capture(limit: 1 << 24),
                    stderr: Output = .capture(limit: 1 << 24), timeout: Double? = nil, killAfter: Double = 2) {
            self.command = command
            self.environment = environment
            self.stdout = stdout
            self.stderr = stderr
            self.timeout = timeout
            self.killAfter = killAfter
        }
    }

    /// What became of it.
    public struct Result: Sendable, Equatable {
        /// The exit status when the shell exited (nil when a signal ended it, or it never started).
        public var exitStatus: Int32?
        /// The signal that ended it, if one did.
        public var signal: Int32?
        /// Whether it ran past its timeout (it was then stopped by `signal`).
        public var timedOut = false
        /// Why it could not be started (nil: it was).
        public var spawnError: String?
        /// When it started: seconds since the epoch.
        public var startTime = 0.0
        /// How long it ran, in seconds.
        public var runtime = 0.0
        /// The captured standard output (empty for `.file` and `.discard`).
        public var stdout: [UInt8] = []
        /// The captured standard error.
        public var stderr: [UInt8] = []
        /// Bytes it wrote to standard output (all of them, also beyond the capture limit, and to a file).
        public var stdoutBytes = 0
        /// Bytes it wrote to standard error.
        public var stderrBytes = 0

        /// Exit status 0, no signal, no timeout.
        public var succeeded: Bool { exitStatus == 0 && signal == nil && !timedOut && spawnError == nil }
    }

    /// Runs `request` and waits for the child (and at most the grace period past its timeout).
    public static func run(_ request: Request) -> Result {
        var result = Result()
        guard !request.command.contains(0) else {
            result.spawnError = "the command holds a NUL byte, which no command line can carry"
            return result
        }
        var pipes: [(read: Int32, write: Int32)?] = [nil, nil]
        defer { for case let p? in pipes { close(p.read) } }
        for (i, output) in [request.stdout, request.stderr].enumerated() {
            guard case .capture = output else { continue }
            var fds: [Int32] = [-1, -1]
            // Close-on-exec for other children of this process; ours close every descriptor from 3 anyway.
            guard pipe(&fds) == 0, fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(fds[1], F_SETFD, FD_CLOEXEC) == 0 else {
                result.spawnError = "pipe: \(String(cString: strerror(errno)))"
                for case let p? in pipes { close(p.write) }
                return result
            }
            pipes[i] = (fds[0], fds[1])
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        for (i, output) in [request.stdout, request.stderr].enumerated() {
            let target = Int32(i + 1)
            switch output {
            case .capture: posix_spawn_file_actions_adddup2(&actions, pipes[i]!.write, target)
            case .file(let path): posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            case .discard: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
            }
        }
        _ = ctaskfarm_spawn_addclosefrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signo in [SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGCHLD, SIGTSTP, SIGTTIN, SIGTTOU, SIGXCPU, SIGXFSZ] {
            sigaddset(&defaults, signo)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let arguments: [[CChar]] = [Array("sh".utf8CString), Array("-c".utf8CString), (request.command + [0]).map { CChar(bitPattern: $0) }]
        let environment: [[CChar]]? = request.environment.map { $0.map { Array($0.utf8CString) } }
        var pid: pid_t = 0
        result.startTime = wallClock()
        let started = monotonic()
        let status = withCStrings(arguments) { argv in
            if let environment {
                return withCStrings(environment) { envp in posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp) }
            }
            return posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
        }
        for case let p? in pipes { close(p.write) }
        guard status == 0 else {
            result.spawnError = "cannot start /bin/sh: \(String(cString: strerror(status)))"
            return result
        }
        _ = running.withLock { $0.insert(pid) }
        defer { _ = running.withLock { $0.remove(pid) } }

        var captures = [Capture(output: request.stdout), Capture(output: request.stderr)]
        let status2 = wait(pid, pipes: pipes.map { $0?.read ?? -1 }, captures: &captures, request: request, started: started,
                           timedOut: &result.timedOut)
        result.runtime = monotonic() - started
        if let status2 {
            if status2 & 0x7f == 0 { result.exitStatus = (status2 >> 8) & 0xff } else { result.signal = status2 & 0x7f }
        } else {
            result.spawnError = "lost track of the child (waitpid: \(String(cString: strerror(errno))))"
        }
        for (i, output) in [request.stdout, request.stderr].enumerated() {
            var bytes = captures[i].total
            if case .file(let path) = output {
                var info = stat()
                bytes = stat(path, &info) == 0 ? Int(info.st_size) : 0
            }
            if i == 0 { result.stdout = captures[i].kept; result.stdoutBytes = bytes } else { result.stderr = captures[i].kept; result.stderrBytes = bytes }
        }
        return result
    }

    /// Output read from one pipe.
    struct Capture {
        var limit: Int
        var kept: [UInt8] = []
        var total = 0

        init(output: Output) {
            if case .capture(let limit) = output { self.limit = limit } else { limit = 0 }
        }

        mutating func take(_ bytes: UnsafeRawBufferPointer) {
            total += bytes.count
            let room = max(0, limit - kept.count)
            if room > 0 { kept += bytes.prefix(room) }
        }
    }

    /// Reads the pipes until the child exits, stopping it past its deadline; returns the wait status.
    private static func wait(_ pid: pid_t, pipes: [Int32], captures: inout [Capture], request: Request, started: Double,
                             timedOut: inout Bool) -> Int32? {
        let pidfd = ctaskfarm_pidfd_open(pid)
        defer { if pidfd >= 0 { close(pidfd) } }
        var open = pipes
        var deadline = request.timeout.map { started + $0 }
        var killed = false
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var status: Int32 = 0
        while true {
            if pidfd < 0 || !open.contains(where: { $0 >= 0 }) {
                // No pidfd (a kernel before 5.3): look every millisecond.
                let r = waitpid(pid, &status, WNOHANG)
                if r == pid { break }
                if r < 0 && errno != EINTR { return nil }
            }
            let now = monotonic()
            if let due = deadline, now >= due {
                if !timedOut {
                    timedOut = true
                    kill(-pid, SIGTERM)
                    deadline = now + request.killAfter
                } else if !killed {
                    killed = true
                    kill(-pid, SIGKILL)
                    deadline = nil
                }
                continue
            }
            var fds = [pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)] + open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            var wait = deadline.map { Int32(min(1_000_000, max(1, (($0 - now) * 1000).rounded(.up)))) } ?? -1
            if pidfd < 0 { wait = wait < 0 ? 1 : min(wait, 1) }
            let n = poll(&fds, nfds_t(fds.count), wait)
            if n < 0 && errno != EINTR { return nil }
            for k in open.indices where open[k] >= 0 && fds[k + 1].revents != 0 {
                if !drain(open[k], into: &captures[k], buffer: &buffer, untilEnd: false) { open[k] = -1 }
            }
            if pidfd >= 0 && fds[0].revents != 0 {
                while waitpid(pid, &status, 0) < 0 {
                    if errno != EINTR { return nil }
                }
                break
            }
        }
        // What the child wrote before it exited is in the pipes: take it, without waiting for
        // processes it left behind (they may hold the pipes open for ever).
        for k in open.indices where open[k] >= 0 {
            _ = fcntl(open[k], F_SETFL, fcntl(open[k], F_GETFL) | O_NONBLOCK)
            _ = drain(open[k], into: &captures[k], buffer: &buffer, untilEnd: true)
        }
        // A task stopped for its timeout leaves nothing of its group behind.
        if timedOut { kill(-pid, SIGKILL) }
        return status
    }

    /// Reads what `fd` holds; returns false at its end. With `untilEnd`, reads until it would block.
    private static func drain(_ fd: Int32, into capture: inout Capture, buffer: inout [UInt8], untilEnd: Bool) -> Bool {
        repeat {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { return errno == EINTR || errno == EAGAIN }
            if n == 0 { return false }
            buffer.withUnsafeBytes { capture.take(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        } while untilEnd
        return true
    }

    // MARK: Stopping what runs when the process exits

    /// The children now running: the process groups the exit handler stops.
    static let running = Mutex<Set<pid_t>>([])

    /// Stops the process groups of the children running now: SIGTERM, up to `grace` seconds for
    /// them to exit, then SIGKILL. For a process about to leave its tasks behind (the pool's
    /// `onTaskAbandoned`); the calls of ``run(_:)`` waiting for those children then return.
    public static func stopRunning(grace: Double = 0.3) {
        let groups = running.withLock { $0 }
        guard !groups.isEmpty else { return }
        for pid in groups { kill(-pid, SIGTERM) }
        let until = monotonic() + grace
        // Each call of run(_:) reaps its own child and takes it off the list.
        while monotonic() < until, !running.withLock({ $0.isDisjoint(with: groups) }) {
            var pause = timespec(tv_sec: 0, tv_nsec: 5_000_000)
            nanosleep(&pause, nil)
        }
        // Also the groups whose leader is gone: what it left behind may have ignored SIGTERM.
        for pid in groups { kill(-pid, SIGKILL) }
    }

    /// Installs (once) an `atexit` handler that calls ``stopRunning(grace:)``: a process that
    /// exits while children run (from another thread) stops them first.
    public static func stopChildrenAtExit() {
        _ = installed
    }

    private static let installed: Bool = {
        atexit { ChildProcess.stopRunning() }
        return true
    }()

    static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func wallClock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// Calls `body` with a NULL-terminated array of pointers to the given C strings.
private func withCStrings<R>(_ strings: [[CChar]], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var copies = strings.map { s -> UnsafeMutablePointer<CChar>? in
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: s.count)
        p.initialize(from: s, count: s.count)
        return p
    }
    copies.append(nil)
    defer { for p in copies { p?.deallocate() } }
    return copies.withUnsafeBufferPointer { body($0.baseAddress!) }
}
