import MPI
import Synchronization

/// A thread that runs one chunk at a time away from the MPI thread, so the MPI
/// thread stays free to watch the clock and talk to the master while a task runs
/// (a task with a `timeout:`, or a chunk rank 0 runs itself).
///
/// The chunk publishes which item runs and since when; `stop` asks it to stop
/// between items. When a task never returns, the thread stays in it: the MPI
/// thread goes on without it (the process's end ends it).
///
/// `@unchecked Sendable`: `work` is guarded by `monitor`; everything else is atomic.
final class TaskRunner: @unchecked Sendable {
    private let monitor = Monitor()
    private var work: (@Sendable () -> Void)?
    private var threadStarted = false
    private let done = Atomic<Bool>(true)
    private let stopFlag = Atomic<Bool>(false)
    private let index = Atomic<Int>(0)
    /// `MonotonicClock.now` when the current item started; 0 before the first.
    private let start = Atomic<UInt64>(0)
    /// The compute time of the last chunk, once done.
    private let nanos = Atomic<UInt64>(0)

    /// Whether the last chunk has returned (its output may be read).
    var isDone: Bool { done.load(ordering: .acquiring) }
    /// The item now running and when it started (start 0: none yet).
    var currentItem: (index: Int, start: UInt64) { (index.load(ordering: .relaxed), start.load(ordering: .acquiring)) }
    /// The item now running, as the `timedOut` report that says so, once it has run longer
    /// than `limit` nanoseconds (0: no limit); nil while it is in time.
    func overrun(of header: ChunkHeader) -> FailureReport? {
        guard header.timeoutNanos > 0 else { return nil }
        let (index, started) = currentItem
        let now = MonotonicClock.now
        guard started > 0, now &- started > header.timeoutNanos else { return nil }
        return FailureReport(chunkID: header.chunkID, offset: UInt32(index), computeNanos: now &- started,
                             reason: .timedOut, message: "ran longer than its timeout")
    }

    /// The last chunk's compute time.
    var computeNanos: UInt64 { nanos.load(ordering: .relaxed) }
    /// Asks the running chunk to stop before its next item.
    func stop() { stopFlag.store(true, ordering: .relaxed) }

    /// Runs `header`'s chunk into `out` on the runner's thread. The payload and
    /// `out` belong to the runner until `isDone` (for ever, if the task never returns).
    func start(_ header: ChunkHeader, payload: UnsafeRawBufferPointer, keeping buffer: MessageBuffer,
               registry: TaskRegistry, into out: MessageBuffer) {
        precondition(isDone, "MPIPool: a task runner was given a chunk while busy")
        done.store(false, ordering: .relaxed)
        stopFlag.store(false, ordering: .relaxed)
        start.store(0, ordering: .relaxed)
        let job = Handover(header: header, payload: payload, buffer: buffer, registry: registry, out: out)
        monitor.withLock {
            work = { [self] in
                let spent = WorkerCore.run(job.header, payload: job.payload, registry: job.registry, into: job.out) { i in
                    self.index.store(i, ordering: .relaxed)
                    self.start.store(MonotonicClock.now, ordering: .releasing)
                    return self.stopFlag.load(ordering: .relaxed)
                }
                withExtendedLifetime(job.buffer) {}
                self.nanos.store(spent, ordering: .relaxed)
            }
            monitor.signal(.work)
        }
        if !threadStarted {
            threadStarted = true
            startThread(name: "mpipool-task") { [self] in loop() }
        }
    }

    private func loop() {
        while true {
            monitor.lock()
            while work == nil { monitor.wait(.work, until: nil) }
            let next = work!
            work = nil
            monitor.unlock()
            next()
            done.store(true, ordering: .releasing)
        }
    }

    /// What the MPI thread hands over: it touches none of it again until the chunk is done.
    private struct Handover: @unchecked Sendable {
        let header: ChunkHeader
        let payload: UnsafeRawBufferPointer
        let buffer: MessageBuffer
        let registry: TaskRegistry
        let out: MessageBuffer
    }
}
