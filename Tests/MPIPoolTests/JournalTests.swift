import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import MPIPool

/// The journal's records without MPI: round trips, a torn tail, a damaged record.
@Suite struct JournalTests {
    let map = Journal.MapRecord(key: "map 1", task: "square", fingerprint: 0xDEAD_BEEF, count: 40, argumentsHash: 42)
    let results = JournalCodec.Record.results(key: "map 1", indices: [3, 4, 9], payload: [1, 2, 3, 4, 5])

    func scan(_ bytes: [UInt8]) -> (records: [JournalCodec.Record], good: Int) {
        var records: [JournalCodec.Record] = []
        let good = JournalCodec.scan(bytes) { records.append($0) }
        return (records, good)
    }

    @Test func recordsRoundTrip() {
        let bytes = JournalCodec.encode(.map(map)) + JournalCodec.encode(results)
        let (records, good) = scan(bytes)
        #expect(records == [.map(map), results])
        #expect(good == bytes.count)
    }

    /// An imap's records: its map has no item count, its results carry each item's argument hash;
    /// the in-place encoder of the master's hot path writes the same bytes as `encode`.
    @Test func imapRecordsRoundTripAndTheInPlaceEncoderAgrees() {
        let streamed = Journal.MapRecord(key: "files", task: "count", fingerprint: 7, count: Journal.MapRecord.streamed, argumentsHash: 0)
        let items = JournalCodec.Record.itemResults(key: "files", indices: [5, 6], hashes: [0xAAAA, .max], payload: [9, 8, 7])
        let bytes = JournalCodec.encode(.map(streamed)) + JournalCodec.encode(items)
        let (records, good) = scan(bytes)
        #expect(records == [.map(streamed), items])
        #expect(good == bytes.count)
        var inPlace: [UInt8] = []
        [UInt8]([9, 8, 7]).withUnsafeBytes { payload in
            JournalCodec.appendResults(into: &inPlace, key: "files", indices: [5, 6][...], hashes: [0xAAAA, .max][...], payload: payload)
        }
        #expect(inPlace == JournalCodec.encode(items))
        var plain: [UInt8] = []
        [UInt8]([1, 2, 3, 4, 5]).withUnsafeBytes { payload in
            JournalCodec.appendResults(into: &plain, key: "map 1", indices: [3, 4, 9][...], payload: payload)
        }
        #expect(plain == JournalCodec.encode(results))
        // A chunk of consecutive items is written as its range, and reads back as the same records.
        var ranges: [UInt8] = []
        [UInt8]([9, 8, 7]).withUnsafeBytes { payload in
            JournalCodec.appendRange(into: &ranges, key: "files", first: 5, count: 2, hashes: [0xAAAA, .max][...], payload: payload)
            JournalCodec.appendRange(into: &ranges, key: "map 1", first: 40, count: 3, hashes: nil, payload: payload)
        }
        #expect(ranges.count < 2 * inPlace.count)
        #expect(scan(ranges).records == [items, .results(key: "map 1", indices: [40, 41, 42], payload: [9, 8, 7])])
        #expect(scan(ranges).good == ranges.count)
        // A range record torn or damaged anywhere is not read.
        for cut in 0..<(ranges.count - 1) { #expect(scan(Array(ranges.prefix(cut))).records.count <= 1) }
        var damaged = ranges
        damaged[30] ^= 1
        #expect(scan(damaged).records.isEmpty)
    }

    @Test func aTornLastRecordIsIgnoredAtEveryLength() {
        let whole = JournalCodec.encode(.map(map))
        let last = JournalCodec.encode(results)
        for cut in 0..<last.count {
            let (records, good) = scan(whole + last.prefix(cut))
            #expect(records == [.map(map)], "cut after \(cut) bytes")
            #expect(good == whole.count)
        }
    }

    @Test func aDamagedRecordEndsTheScanThere() {
        let first = JournalCodec.encode(.map(map))
        var second = JournalCodec.encode(results)
        for position in 0..<second.count {
            var damaged = second
            damaged[position] ^= 0x40
            let (records, good) = scan(first + damaged)
            #expect(records == [.map(map)], "byte \(position) flipped")
            #expect(good == first.count)
        }
        second = JournalCodec.encode(results)
        #expect(scan(first + second).records.count == 2)
    }

    @Test func aJournalFileKeepsMapsAndRefusesAnotherMapUnderTheSameKey() throws {
        let path = "/tmp/mpipool-journal-unit-\(UInt64.random(in: 0...UInt64.max))"
        defer { unlink(path) }
        do {
            let journal = try Journal(path: path)
            #expect(try journal.begin(map).isEmpty)
            [UInt8](arrayLiteral: 9, 9).withUnsafeBytes { journal.record(key: "map 1", indices: [0][...], payload: $0) }
            journal.flushIfDue(force: true)
        }
        let reopened = try Journal(path: path)
        #expect(reopened.tornBytes == 0)
        let recorded = try reopened.begin(map)
        #expect(recorded.count == 1 && recorded[0].indices == [0] && recorded[0].payload == [9, 9])
        var other = map
        other.count = 41
        #expect(throws: PoolError.self) { try reopened.begin(other) }
        other = map
        other.task = "cube"
        do { _ = try reopened.begin(other); Issue.record("another task was accepted") } catch {
            #expect("\(error)".contains("task square there, cube here"), "\(error)")
        }
    }
}
