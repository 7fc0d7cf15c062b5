import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM and SIGINT inside a pool: what Slurm sends at the time limit, `scancel`,
/// and Ctrl-C (`mpirun` forwards both to every rank).
///
/// Every rank catches them instead of dying mid-task. Rank 0's master sees the
/// signal on its next turn (within 0.1 s even when idle): it stops submitting,
/// fails what has not finished with ``PoolError/interrupted(signal:done:remaining:)``,
/// prints how many items are done and how many remain, and stops the workers, so
/// every rank finalises and the job ends by itself — not by mpirun's teardown, which
/// Open MPI 4.1 was measured to botch. Workers ignore the signal: the master ends them.
/// A signal that comes more than 3 s after the first ends the process at once (the
/// default action: a user pressing Ctrl-C again); one sooner is the same stop said twice
/// — at a time limit every rank gets the scheduler's SIGTERM and then mpirun's — and is ignored.
enum SignalWatch {
    /// The signal received (0: none).
    static let received = Atomic<Int32>(0)
    /// When it came (`CLOCK_MONOTONIC` seconds), to tell a repeat from a second request.
    static let receivedAt = Atomic<Int>(0)
    /// Signals closer than this to the first are the same stop.
    static let repeatWindowSeconds = 3

    /// Installs the handlers (once per process, from `Pool.run`).
    static func install() {
        _ = received.load(ordering: .relaxed)  // initialise the globals outside the handler
        _ = receivedAt.load(ordering: .relaxed)
        for signo in [SIGTERM, SIGINT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signo in
                // Async-signal-safe only: atomics, clock_gettime, signal, raise.
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                if SignalWatch.received.load(ordering: .relaxed) == 0 {
                    SignalWatch.receivedAt.store(now.tv_sec, ordering: .relaxed)
                    SignalWatch.received.store(signo, ordering: .relaxed)
                } else if now.tv_sec - SignalWatch.receivedAt.load(ordering: .relaxed) > SignalWatch.repeatWindowSeconds {
                    signal(signo, SIG_DFL)  // asked again, later: end now
                    raise(signo)
                }
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(signo, &action, nil)
        }
    }

    /// The name of a signal number, for messages.
    static func name(_ signo: Int32) -> String {
        switch signo {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        default: "signal \(signo)"
        }
    }
}

extension SignalWatch {
    /// What the stop message tells the user to do next: with a journal open, the command
    /// that resumes (this program's command line, under the launcher that started it);
    /// without one, that a re-run starts over.
    static func resumeAdvice(journals: [String], size: Int) -> String {
        guard !journals.isEmpty else { return "no journal was open: a re-run starts over" }
        let named = journals.map { "'\($0)'" }.joined(separator: ", ")
        var command = CommandLine.arguments.map(shellQuoted).joined(separator: " ")
        if LaunchEnvironment.size != nil { command = "\(LaunchEnvironment.launcher) -n \(size) " + command }
        var advice = "the journal \(named) holds every finished item; to resume, run the same command again: \(command)"
        if getenv("SLURM_JOB_ID") != nil || getenv("PBS_JOBID") != nil { advice += " (in a batch job: resubmit or requeue it)" }
        return advice
    }

    /// `word`, quoted for a POSIX shell when it needs it.
    static func shellQuoted(_ word: String) -> String {
        let plain = !word.isEmpty && word.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || "-_./=:,+@%".utf8.contains(c)
        }
        guard !plain else { return word }
        var quoted = "'"
        for c in word { if c == "'" { quoted += "'\\''" } else { quoted.append(c) } }
        return quoted + "'"
    }
}
