import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The library's diagnostics, through one `Logger` per process: the one given in
/// ``PoolOptions/logger``, else one that prints each message as a plain line on standard error
/// (exactly what the library printed before it logged: `trace: send chunk 3 (…) to rank 1`,
/// `MPIPool: no worker ranks …`).
///
/// Levels: scheduling decisions `.trace` (a chunk sent, a chunk done) and `.debug` (a chunk given
/// back, an item timed out, a retry, a rank rejoining), with the metadata `chunk`, `submission`,
/// `items` and `rank`; what the user should know `.notice` (how to resume) and `.warning` (no
/// worker ranks, a signal, tasks left behind); failures `.error`; the end of the job `.critical`.
///
/// Set once by `Pool.run` before the MPI thread starts (one pool per process), read by every
/// thread after that; the mutex makes the hand-over safe and costs nothing next to writing a line.
enum PoolLog {
    /// The logger label of the default logger.
    static let label = "MPIPool"

    private static let current = Mutex(defaultLogger(tracing: false))

    /// The default: plain lines on standard error; `.trace` and up when tracing, else `.info` and up.
    static func defaultLogger(tracing: Bool) -> Logger {
        Logger(label: label) { _ in StandardErrorLines(logLevel: tracing ? .trace : .info) }
    }

    /// Installs the logger `options` ask for and returns the options the pool runs with: with a
    /// custom logger whose level admits `.debug` or `.trace`, the scheduling decisions are made
    /// (`tracesScheduling` on); with `tracesScheduling` (or `MPIPOOL_TRACE=1`) a custom logger's
    /// level is lowered to `.trace`, so that it receives every decision.
    static func install(_ options: PoolOptions) -> PoolOptions {
        var resolved = options
        var logger: Logger
        if let custom = options.logger {
            logger = custom
            if options.tracesScheduling { logger.logLevel = .trace }
            resolved.tracesScheduling = logger.logLevel <= .debug
        } else {
            logger = defaultLogger(tracing: options.tracesScheduling)
        }
        resolved.logger = logger
        current.withLock { $0 = logger }
        return resolved
    }

    /// The process's logger now.
    static var logger: Logger { current.withLock { $0 } }

    /// A scheduling decision (`trace: …`), with the chunk's facts as metadata.
    static func decision(_ level: Logger.Level, _ text: @autoclosure () -> String, chunk: Scheduler.Chunk? = nil, rank: Int? = nil,
                         file: String = #fileID, function: String = #function, line: UInt = #line) {
        let logger = self.logger
        guard logger.logLevel <= level else { return }
        var metadata: Logger.Metadata = [:]
        if let chunk {
            metadata["chunk"] = "\(chunk.id)"
            metadata["submission"] = "\(chunk.submission)"
            metadata["items"] = "\(chunk.first)..<\(chunk.first + chunk.count)"
        }
        if let rank { metadata["rank"] = "\(rank)" }
        logger.log(level: level, "\(text())", metadata: metadata, source: label, file: file, function: function, line: line)
    }

    /// How to resume, and other facts the user should know.
    static func notice(_ text: String, file: String = #fileID, function: String = #function, line: UInt = #line) {
        logger.log(level: .notice, "\(text)", source: label, file: file, function: function, line: line)
    }

    /// Something the user should look at: no worker ranks, a signal, a task left behind.
    static func warning(_ text: String, file: String = #fileID, function: String = #function, line: UInt = #line) {
        logger.log(level: .warning, "\(text)", source: label, file: file, function: function, line: line)
    }

    /// A failure.
    static func error(_ text: String, file: String = #fileID, function: String = #function, line: UInt = #line) {
        logger.log(level: .error, "\(text)", source: label, file: file, function: function, line: line)
    }

    /// The job ends (a fatal error, a rank that cannot be stopped).
    static func critical(_ text: String, file: String = #fileID, function: String = #function, line: UInt = #line) {
        logger.log(level: .critical, "\(text)", source: label, file: file, function: function, line: line)
    }
}

/// The former way to print a diagnostic, kept for code not moved to ``PoolLog`` yet: an `.error`.
enum Diagnostics {
    static func error(_ line: String, file: String = #fileID, function: String = #function, lineNumber: UInt = #line) {
        PoolLog.error(line, file: file, function: function, line: lineNumber)
    }
}

/// The default log handler: each message, as is, as one line on standard error — no level, no
/// label, no metadata, exactly what the library printed before it logged.
struct StandardErrorLines: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { StandardError.write("\(event.message)\n") }
}

/// Writes to file descriptor 2 directly: one `write` per call when it fits (less than
/// PIPE_BUF bytes is never interleaved with another rank's or thread's line), retried when short.
enum StandardError {
    static func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 { if errno == EINTR { continue } else { return } }
                offset += n
            }
        }
    }
}
