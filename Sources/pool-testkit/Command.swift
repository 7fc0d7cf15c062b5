import ArgumentParser
import MPIPool
import PoolCLI

/// Runs one named test scenario of the pool's user-facing API under MPI and prints
/// what it saw on stdout (`check name=value`, `ok name`, `FAIL name: …`, then `done name`).
///
/// ```
/// mpirun -n 4 pool-testkit --scenario basics
/// ```
struct PoolTestkit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool-testkit",
        abstract: "Exercise one scenario of the MPIPool API and print structured check lines.",
        discussion: "Scenarios: \(Scenarios.all.keys.sorted().joined(separator: ", ")). Run with `mpirun -n 4`."
    )

    @Option(help: "The scenario to run.")
    var scenario: String

    static func main() { mainForMPI() }

    func validate() throws {
        guard Scenarios.all[scenario] != nil else {
            throw ValidationError("unknown scenario \(scenario); known: \(Scenarios.all.keys.sorted().joined(separator: ", "))")
        }
    }

    func run() throws {
        let tasks = TestTasks()
        try Scenarios.all[scenario]!(tasks)
        if isSpeaker { Console.out("done \(scenario)") }
    }
}

/// Every scenario by name. Each starts its own `Pool.run` (options differ per scenario).
enum Scenarios {
    static let all: [String: @Sendable (TestTasks) throws -> Void] = [
        "basics": basics,
        "callbacks": callbacks,
        "empty": empty,
        "imap": imap,
        "async": concurrency,
        "async-body": asyncBody,
        "async-body-throws": asyncBodyThrows,
        "timeouts": timeouts,
        "stuck-terminate": stuckTerminate,
        "stuck-throw": stuckThrow,
        "timed-terminate": timedTerminate,
        "retries": retries,
        "callback-reentry": callbackReentry,
        "races": races,
        "huge": huge,
        "signal": signalled,
        "master-busy": masterBusy,
        "journal": journaled,
        "journal-imap": journaledIMap,
        "journal-map": journalMap,
        "give-back": giveBack,
        "wide-map": wideMap,
        "timeline": timelined,
        "executor": executor,
        "errors": errors,
        "lifecycle": lifecycle,
        "terminate": terminate,
        "body-throws": bodyThrows,
        "edges": edges,
        "workers": workers,
        "chunking": chunking,
        "master-init": masterAndInitializer,
        "init-fail": initializerFails,
        "large": large,
        "mismatch": mismatch,
        "worker-dies": workerDies,
        "logger": logged,
        "progress": progressShown,
    ]
}

/// Whether this process prints scenario lines that are outside the pool body (rank 0 only).
var isSpeaker: Bool { (launcherRank ?? 0) == 0 }
