import Glibc
import MPIPool
import PoolCLI

/// The tasks of the `journal-map` scenario, registered in the same order on every rank.
///
/// Two registries: the plain one, and an extended one with one more task at the end — the
/// fingerprint of another program's registry, while every task the map uses is the same.
struct JournalTasks: Sendable {
    let registry: TaskRegistry
    /// (executions file, item) → item², after appending "item\n" to the file (when the item
    /// starts) and sleeping `MPIPOOL_TEST_NAP_MS` milliseconds.
    let square: PoolTask<(String, Int), Int>
    /// The same types and the same body under another name: another task for the journal.
    let otherSquare: PoolTask<(String, Int), Int>

    init(extended: Bool) {
        var tasks = TaskRegistry()
        square = tasks.register("journal-square") { (executions: String, item: Int) -> Int in try noteAndSquare(executions, item) }
        otherSquare = tasks.register("journal-other-square") { (executions: String, item: Int) -> Int in try noteAndSquare(executions, item) }
        if extended { _ = tasks.register("journal-extra") { (x: Int) -> Int in x } }
        registry = tasks
    }
}

/// Each item's nap, read once per process (every rank has the same environment under mpirun).
private let itemNap: Double = Double((try? knob("MPIPOOL_TEST_NAP_MS", default: 0)) ?? 0) / 1000

/// Appends the item's index to `executions` (one `write` with O_APPEND: whole lines even when
/// ranks write at once or are killed), naps, returns item².
private func noteAndSquare(_ executions: String, _ item: Int) throws -> Int {
    let fd = open(executions, O_WRONLY | O_APPEND | O_CREAT, 0o644)
    guard fd >= 0 else { throw TestFailure(text: "cannot open \(executions): \(String(cString: strerror(errno)))") }
    let line = "\(item)\n"
    let written = line.withCString { write(fd, $0, strlen($0)) }
    close(fd)
    guard written == line.utf8.count else { throw TestFailure(text: "cannot append to \(executions)") }
    pause(seconds: itemNap)
    return item * item
}

/// An integer from the environment, or `fallback` when unset; a value that is not an integer is an error.
private func knob(_ name: String, default fallback: Int) throws -> Int {
    guard let raw = getenv(name) else { return fallback }
    guard let number = Int(String(cString: raw)) else { throw TestFailure(text: "\(name)=\(String(cString: raw)) is not an integer") }
    return number
}

/// A string from the environment, or `fallback` when unset.
private func text(_ name: String, default fallback: String) -> String {
    getenv(name).map { String(cString: $0) } ?? fallback
}

extension Scenarios {
    /// One journaled map, configured by the environment, for the tests that kill, signal or
    /// mismatch it (`PoolJournalKillTests`):
    /// - MPIPOOL_TEST_JOURNAL: the journal; MPIPOOL_TEST_EXECUTIONS: the file each item's index is appended to when it starts;
    /// - MPIPOOL_TEST_ITEMS (default 40), MPIPOOL_TEST_CHUNK (chunk size, default 2), MPIPOOL_TEST_NAP_MS (per item, default 0);
    /// - MPIPOOL_TEST_TASK: `square` (default) or `other` (another task name, the same types);
    /// - MPIPOOL_TEST_REGISTRY: `plain` (default) or `extended` (one more task: another fingerprint).
    ///
    /// Prints `jmap.torn`, then `jmap.map` (`value:0,1,4,…` or `error:<name>`), `jmap.error` (the
    /// error's description, if any) and `jmap.resumed`. A signal makes `Pool.run` throw: exit 128 + signal.
    static func journalMap(_ t: TestTasks) throws {
        let path = text("MPIPOOL_TEST_JOURNAL", default: "/tmp/mpipool-journal-map-\(getpid())")
        let executions = text("MPIPOOL_TEST_EXECUTIONS", default: path + "-executions")
        let items = try knob("MPIPOOL_TEST_ITEMS", default: 40)
        let chunk = try knob("MPIPOOL_TEST_CHUNK", default: 2)
        _ = try knob("MPIPOOL_TEST_NAP_MS", default: 0)  // checked here; each rank's tasks read it once (`itemNap`)
        let taskChoice = text("MPIPOOL_TEST_TASK", default: "square")
        let registryChoice = text("MPIPOOL_TEST_REGISTRY", default: "plain")
        guard ["square", "other"].contains(taskChoice), ["plain", "extended"].contains(registryChoice) else {
            throw TestFailure(text: "MPIPOOL_TEST_TASK=\(taskChoice) (square, other), MPIPOOL_TEST_REGISTRY=\(registryChoice) (plain, extended)")
        }
        let r = JournalTasks(extended: registryChoice == "extended")
        let task = taskChoice == "other" ? r.otherSquare : r.square
        try Pool.run(r.registry) { pool in
            let journal = try Journal(path: path)
            value("jmap.torn", journal.tornBytes)
            do {
                let results = try pool.map(task, over: (0..<items).map { (executions, $0) }, chunkSize: .fixed(chunk), journal: journal)
                value("jmap.map", "value:" + list(results))
            } catch {
                value("jmap.map", "error:\(errorName(error))")
                value("jmap.error", "\(error)")
            }
            value("jmap.resumed", journal.resumedItems)
        }
    }
}
