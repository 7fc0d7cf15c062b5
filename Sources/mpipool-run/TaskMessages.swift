import MPIPool
import TaskFarm

/// What rank 0 sends a worker: the task's number and its command (already filled in).
struct TaskSpec: WireCodable, Equatable {
    var number: Int
    var command: [UInt8]

    static func write(_ value: TaskSpec, to writer: inout WireWriter) throws {
        Int.write(value.number, to: &writer)
        try [UInt8].write(value.command, to: &writer)
    }

    static func read(from reader: inout WireReader) throws -> TaskSpec {
        TaskSpec(number: try Int.read(from: &reader), command: try [UInt8].read(from: &reader))
    }
}

/// What a worker sends back: everything the joblog, the terminal and the summary need, so
/// that rank 0 keeps nothing of a task while it runs.
struct TaskReport: WireCodable, Equatable {
    var number: Int
    var command: [UInt8]
    var host: String
    var rank: Int
    /// Seconds since the epoch, and seconds run (the last attempt).
    var startTime: Double
    var runtime: Double
    /// The exit status (-1: none, a signal ended it or it never started).
    var exitStatus: Int
    /// The signal that ended it (0: none).
    var signal: Int
    var timedOut: Bool
    /// Why it could not start ("": it did).
    var spawnError: String
    /// Runs made (0: a dry run).
    var attempts: Int
    var stdoutBytes: Int
    var stderrBytes: Int
    /// Captured output (empty with --output-dir).
    var stdout: [UInt8]
    var stderr: [UInt8]

    /// How it ended, for the summary.
    var ending: TaskEnding {
        if !spawnError.isEmpty { return .couldNotStart }
        if timedOut { return .timedOut }
        if signal != 0 { return .signalled(signal) }
        return exitStatus == 0 ? .succeeded : .exited(exitStatus)
    }

    /// Its joblog line: Exitval -1 for a timeout (Signal: what stopped it), 0 when a signal ended
    /// it, 127 when it could not start (what a shell says of a command it cannot run).
    var joblogEntry: JoblogEntry {
        let exitValue: Int
        var signal = self.signal
        switch ending {
        case .timedOut:
            exitValue = -1
            if signal == 0 { signal = 15 }
        case .signalled: exitValue = 0
        case .couldNotStart: exitValue = 127
        case .succeeded, .exited: exitValue = exitStatus
        }
        return JoblogEntry(seq: number, host: host, startTime: startTime, runtime: runtime, receive: stdoutBytes,
                           exitValue: exitValue, signal: signal, command: command)
    }

    static func write(_ value: TaskReport, to writer: inout WireWriter) throws {
        Int.write(value.number, to: &writer)
        try [UInt8].write(value.command, to: &writer)
        try String.write(value.host, to: &writer)
        for n in [value.rank, value.exitStatus, value.signal, value.attempts, value.stdoutBytes, value.stderrBytes] { Int.write(n, to: &writer) }
        Double.write(value.startTime, to: &writer)
        Double.write(value.runtime, to: &writer)
        Bool.write(value.timedOut, to: &writer)
        try String.write(value.spawnError, to: &writer)
        try [UInt8].write(value.stdout, to: &writer)
        try [UInt8].write(value.stderr, to: &writer)
    }

    static func read(from reader: inout WireReader) throws -> TaskReport {
        let number = try Int.read(from: &reader)
        let command = try [UInt8].read(from: &reader)
        let host = try String.read(from: &reader)
        var n: [Int] = []
        for _ in 0..<6 { n.append(try Int.read(from: &reader)) }
        let startTime = try Double.read(from: &reader), runtime = try Double.read(from: &reader)
        let timedOut = try Bool.read(from: &reader)
        let spawnError = try String.read(from: &reader)
        let stdout = try [UInt8].read(from: &reader), stderr = try [UInt8].read(from: &reader)
        return TaskReport(number: number, command: command, host: host, rank: n[0], startTime: startTime, runtime: runtime,
                          exitStatus: n[1], signal: n[2], timedOut: timedOut, spawnError: spawnError, attempts: n[3],
                          stdoutBytes: n[4], stderrBytes: n[5], stdout: stdout, stderr: stderr)
    }
}
