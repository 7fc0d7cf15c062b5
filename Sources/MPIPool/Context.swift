import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Facts about the process running a task: its rank, host and pid.
///
/// ```swift
/// let add = tasks.register("add") { (x: Int, y: Int) -> Int in
///     print("Worker \(PoolContext.rank) (pid \(PoolContext.pid)) is processing add(\(x), \(y))")
///     return x + y
/// }
/// ```
public enum PoolContext {
    struct Facts: Sendable {
        var rank = 0
        var size = 1
        var host = ""
    }

    static let facts = Mutex(Facts())

    /// This process's rank (0 = master). 0 before the pool starts.
    public static var rank: Int { facts.withLock { $0.rank } }
    /// The number of ranks in the job.
    public static var size: Int { facts.withLock { $0.size } }
    /// The host this rank runs on (MPI's processor name).
    public static var host: String { facts.withLock { $0.host.isEmpty ? hostName() : $0.host } }
    /// This process's id.
    public static var pid: Int { Int(getpid()) }

    static func set(rank: Int, size: Int, host: String) {
        facts.withLock { $0 = Facts(rank: rank, size: size, host: host) }
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Writes whole lines straight to a file descriptor, unbuffered.
///
/// Under `mpirun`, stdout is a pipe and Swift's `print` buffers until exit;
/// task output should appear as it happens, one intact line at a time (a
/// single `write` of less than PIPE_BUF bytes is never interleaved).
public enum Console {
    /// Writes `line` and a newline to standard output at once.
    public static func out(_ line: String) { write(raw: line + "\n", to: 1) }
    /// Writes `line` and a newline to standard error at once.
    public static func error(_ line: String) { write(raw: line + "\n", to: 2) }

    /// Writes `text` as is (no newline added) to a file descriptor, retrying short writes.
    public static func write(raw text: String, to fd: Int32) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 { if errno == EINTR { continue } else { return } }
                offset += n
            }
        }
    }
}
