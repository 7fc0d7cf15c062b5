#if canImport(Glibc)
import Glibc
#endif

/// The environment a task runs in: the worker's, without what the MPI launcher put there to
/// make the worker a rank of its job, plus the task's own variables.
///
/// A worker's environment names its rank to the MPI library (`OMPI_COMM_WORLD_RANK`, `PMIX_RANK`,
/// `PMIX_SERVER_URI…`, `OMPI_MCA_orte_hnp_uri`, …). A task that is itself an MPI program (or
/// runs `mpirun`) would take that identity and hang talking to the worker's launcher, so every
/// `OMPI_*`, `PMIX_*` and `PMI_*` variable is left out — but `OMPI_ALLOW_RUN_AS_ROOT` and
/// `OMPI_ALLOW_RUN_AS_ROOT_CONFIRM`, which a nested `mpirun` as root needs. Slurm's variables stay
/// (a task may run `srun` in the job's allocation).
///
/// ```swift
/// let base = TaskEnvironment.inherited()
/// let env = TaskEnvironment.forTask(base, task: 7, rank: 3, host: "node07", attempt: 1)
/// ```
public enum TaskEnvironment {
    /// Whether the variable `entry` (`NAME=value`) is the launcher's, not the user's.
    public static func isLauncherVariable(_ entry: String) -> Bool {
        let name = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? entry
        if name == "OMPI_ALLOW_RUN_AS_ROOT" || name == "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM" { return false }
        return name.hasPrefix("OMPI_") || name.hasPrefix("PMIX_") || name.hasPrefix("PMI_")
    }

    /// This process's environment without the launcher's variables and without the task
    /// variables set below (a farm started from a task of another farm sets its own).
    public static func inherited() -> [String] {
        var entries: [String] = []
        var p = environ
        while let entry = p.pointee {
            entries.append(String(cString: entry))
            p += 1
        }
        return filtered(entries)
    }

    /// `entries` without the launcher's variables and the task variables.
    public static func filtered(_ entries: [String]) -> [String] {
        entries.filter { entry in
            !isLauncherVariable(entry) && !taskVariables.contains { entry.hasPrefix($0 + "=") }
        }
    }

    /// The variables each task gets.
    public static let taskVariables = ["MPIPOOL_TASK_ID", "MPIPOOL_RANK", "MPIPOOL_HOST", "MPIPOOL_ATTEMPT"]

    /// `base` plus `MPIPOOL_TASK_ID` (the task number), `MPIPOOL_RANK` and `MPIPOOL_HOST` (the
    /// worker's), and `MPIPOOL_ATTEMPT` (1, then 2… when `--retries` runs it again).
    public static func forTask(_ base: [String], task: Int, rank: Int, host: String, attempt: Int) -> [String] {
        base + ["MPIPOOL_TASK_ID=\(task)", "MPIPOOL_RANK=\(rank)", "MPIPOOL_HOST=\(host)", "MPIPOOL_ATTEMPT=\(attempt)"]
    }
}

/// Writes bytes to a file descriptor, whole (short writes and EINTR retried).
public enum RawOutput {
    /// Writes all of `bytes` to `fd` (`RawOutput.write(line, to: 1)`); gives up quietly on an error (a closed pipe).
    public static func write(_ bytes: [UInt8], to fd: Int32) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { if errno == EINTR { continue } else { return } }
                offset += n
            }
        }
    }
}
