/// How often a failed item runs again (`retries:` on every submission).
///
/// An item that throws or runs past its timeout runs again — on another worker
/// when there is one — until it succeeds or `count` retries are spent; the final
/// ``TaskError`` says how many attempts were made. A result is never duplicated:
/// only the attempt that succeeded delivers one. With chunks of several items,
/// the other items of the failed chunk run again too (their earlier results were
/// not sent), so tasks with side effects should be idempotent or use chunks of 1.
///
/// ```swift
/// try pool.map(fetch, over: urls, retries: 2)                                  // any failure, twice more
/// try pool.map(fetch, over: urls, retries: .upTo(3, when: { $0.reason == .timedOut }))
/// ```
public struct Retries: Sendable, ExpressibleByIntegerLiteral {
    /// Retries after the first attempt (0: none).
    public var count: Int
    /// Which failures are retried (nil: every one).
    public var predicate: (@Sendable (TaskError) -> Bool)?

    /// Up to `count` retries of the failures `predicate` accepts (nil: all).
    /// The predicate runs on the master's MPI thread: keep it quick, and do not call the pool from it.
    public static func upTo(_ count: Int, when predicate: (@Sendable (TaskError) -> Bool)? = nil) -> Retries {
        Retries(count: count, predicate: predicate)
    }

    /// `retries: 2`: up to two retries of any failure.
    public init(integerLiteral count: Int) { self.init(count: count, predicate: nil) }

    init(count: Int, predicate: (@Sendable (TaskError) -> Bool)?) {
        self.count = count
        self.predicate = predicate
    }

    /// No retries.
    public static let none: Retries = 0

    func validate() throws(PoolError) {
        guard count >= 0 else { throw .invalidArgument("retries must be 0 or more, got \(count)") }
    }
}

/// What a submission asks of the scheduler and the workers besides its items.
struct SubmitPolicy: Sendable {
    var chunking: ChunkSize
    var maxWorkers: Int?
    /// The longest one item may run (nanoseconds); 0 = no limit.
    var timeoutNanos: UInt64 = 0
    var timeout: Duration?
    var retries: Retries = .none
    /// Added to item indices in errors (an imap chunk's place in its input).
    var indexOffset: Int = 0
    /// The items' indices in the input when they are not contiguous (a resumed map runs only what is missing).
    var indexMap: [Int]? = nil
    /// Where finished chunks are recorded (a journaled map).
    var journal: JournalSink? = nil

    /// The index of item `i` of this submission in the user's input.
    func inputIndex(_ i: Int) -> Int { indexMap.map { $0[i] } ?? indexOffset + i }
}

/// A journaled submission's link to its journal: its map key, each item's index in the map
/// (nil: item i is item `offset + i`) and, for an imap, each item's argument hash.
struct JournalSink: Sendable {
    let journal: Journal
    let key: String
    var indices: [Int]? = nil
    var offset = 0
    var hashes: [UInt64]? = nil

    func record(first: Int, count: Int, payload: UnsafeRawBufferPointer) {
        let hashes = hashes?[first..<first + count]
        guard let indices else {
            return journal.record(key: key, first: offset + first, count: count, hashes: hashes, payload: payload)
        }
        // Ascending indices: a chunk whose ends are `count - 1` apart is a range.
        if count > 0, indices[first + count - 1] - indices[first] == count - 1 {
            journal.record(key: key, first: indices[first], count: count, hashes: hashes, payload: payload)
        } else {
            journal.record(key: key, indices: indices[first..<first + count], hashes: hashes, payload: payload)
        }
    }
}
