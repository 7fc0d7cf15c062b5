import Foundation
import MPI
import Testing
@testable import MPIPool

struct Point: BitwiseWireCodable, Equatable {
    var x: Double
    var y: Double
    var tag: Int32
}

struct Report: Codable, WireCodable, Equatable {
    var name: String
    var counts: [Int]
    var ratio: Double?
}

/// Writes `value`, reads it back, and checks nothing is left over.
func roundTrip<T: WireCodable & Equatable>(_ value: T) throws -> T {
    let bytes = try wireBytes { w in try T.write(value, to: &w) }
    return try bytes.withUnsafeBytes { raw in
        var reader = WireReader(raw)
        let back = try T.read(from: &reader)
        #expect(reader.remaining == 0, "\(T.self) left \(reader.remaining) bytes")
        return back
    }
}

/// Reads one `T` from raw bytes.
func readValue<T: WireCodable>(_: T.Type, from bytes: [UInt8]) throws -> T {
    try bytes.withUnsafeBytes { raw in
        var reader = WireReader(raw)
        return try T.read(from: &reader)
    }
}

@Suite struct WireCodableTests {
    @Test(arguments: [0, 1, -1, 42, Int.max, Int.min])
    func intRoundTrips(value: Int) throws {
        #expect(try roundTrip(value) == value)
        #expect(wireBytes { w in Int.write(value, to: &w) } == le(Int64(value)), "raw little-endian memory")
    }

    @Test(arguments: [0.0, -0.0, 1.5, -3.25e300, Double.pi, .infinity, -.infinity, .leastNonzeroMagnitude])
    func doubleRoundTrips(value: Double) throws {
        #expect(try roundTrip(value).bitPattern == value.bitPattern)
    }

    @Test func nanRoundTripsBitForBit() throws {
        let nan = Double(nan: 0x1234, signaling: false)
        #expect(try roundTrip(nan).bitPattern == nan.bitPattern)
    }

    @Test func otherFixedWidthTypesRoundTrip() throws {
        #expect(try roundTrip(Int8.min) == Int8.min)
        #expect(try roundTrip(Int16(-12345)) == -12345)
        #expect(try roundTrip(Int32.max) == Int32.max)
        #expect(try roundTrip(UInt64.max) == UInt64.max)
        #expect(try roundTrip(UInt8(200)) == 200)
        #expect(try roundTrip(Float(2.5)) == 2.5)
        #expect(try roundTrip(NoArguments()) == NoArguments())
        #expect(wireBytes { w in NoArguments.write(NoArguments(), to: &w) }.isEmpty)
    }

    @Test func boolRoundTripsAndRejectsOtherBytes() throws {
        #expect(try roundTrip(true) == true)
        #expect(try roundTrip(false) == false)
        #expect(wireBytes { w in Bool.write(true, to: &w) } == [1])
        #expect(try readValue(Bool.self, from: [0]) == false)
        for byte: UInt8 in [2, 3, 0x80, 255] {
            #expect(throws: WireError.self, "byte \(byte)") { try readValue(Bool.self, from: [byte]) }
        }
        #expect(throws: WireError.self) { try readValue(Bool.self, from: []) }
    }

    @Test(arguments: ["", "a", "hello, world", "ünïcødé", "日本語のテキスト", "emoji 👩‍👩‍👧‍👦 🇨🇭", "nul\u{0}inside", String(repeating: "x", count: 70_000)])
    func stringRoundTrips(value: String) throws {
        let back = try roundTrip(value)
        #expect(back == value)
        #expect(Array(back.utf8) == Array(value.utf8))
        #expect(try wireBytes { w in try String.write(value, to: &w) }.count == 4 + value.utf8.count)
    }

    // MARK: Sizes the length fields cannot hold

    @Test(arguments: [0, 1, 65_536, Int(UInt32.max)])
    func lengthsUpToUInt32MaxFitTheField(count: Int) throws {
        #expect(try wireLength(count, of: "string", unit: "UTF-8 bytes") == UInt32(count))
    }

    @Test(arguments: [Int(UInt32.max) + 1, Int(UInt32.max) * 2, Int.max])
    func lengthsOfFourGiBOrMoreThrowNamingTheSize(count: Int) throws {
        let string = try #require(throws: WireError.self) { try wireLength(count, of: "string", unit: "UTF-8 bytes") }
        #expect(string.message == "string of \(count) UTF-8 bytes exceeds the wire's limit of 4294967295 UTF-8 bytes")
        let array = try #require(throws: WireError.self) { try wireLength(count, of: "array", unit: "elements") }
        #expect(array.message == "array of \(count) elements exceeds the wire's limit of 4294967295 elements")
    }

    @Test(arguments: [-1, Int.min])
    func negativeLengthsThrow(count: Int) throws {
        let error = try #require(throws: WireError.self) { try wireLength(count, of: "array", unit: "elements") }
        #expect(error.message == "array of negative length \(count)")
    }

    /// The public `write(_:)` takes any `StringProtocol` and throws; its bytes are the length and the UTF-8.
    @Test func publicStringWriteTakesSubstringsAndWritesLengthAndUTF8() throws {
        let text = "key=välue"
        let value = text[text.index(after: text.firstIndex(of: "=")!)...]
        let bytes = try wireBytes { w in try w.write(value) }
        #expect(bytes == stringField(Array("välue".utf8)))
        #expect(try wireBytes { w in try w.write(Substring("ab")) } == stringField([0x61, 0x62]))
    }

    /// What the frames' text fields keep of a text longer than the field: a prefix cut between characters.
    @Test func frameTextIsCutBetweenCharacters() {
        let utf8 = Array("aé日👩".utf8)   // 1 + 2 + 3 + 4 bytes
        utf8.withUnsafeBufferPointer { buffer in
            #expect((0...11).map { wirePrefixLength(buffer, limit: $0) } == [0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 10])
            #expect(wirePrefixLength(buffer, limit: Int.max) == 10)
        }
        #expect(wireLengthLimit == Int(UInt32.max))
        // Below the limit the frame field is the whole string, as before.
        #expect(wireBytes { w in w.write("host") } == stringField(Array("host".utf8)))
    }

    @Test func bitwiseRunCountsThatOverflowAreRejected() {
        #expect(throws: WireError.self) {
            try withUnsafeBytes(of: 0) { raw in
                var reader = WireReader(raw)
                let _: [Int] = try readRun(Int.max / 4, from: &reader)
            }
        }
    }

    @Test func stringRejectsTruncationAndInvalidUTF8() {
        #expect(throws: WireError.self) { try readValue(String.self, from: le(UInt32(5)) + [0x61, 0x62]) }
        #expect(throws: WireError.self) { try readValue(String.self, from: [1, 0]) }
        #expect(throws: WireError.self) { try readValue(String.self, from: le(UInt32(2)) + [0xC3, 0x28]) }
    }

    @Test func arraysRoundTrip() throws {
        let ints = Array(-500...500)
        #expect(try roundTrip(ints) == ints)
        #expect(try roundTrip([Int]()) == [])
        #expect(try wireBytes { w in try [Int].write([7, 8], to: &w) } == le(UInt32(2)) + le(Int64(7)) + le(Int64(8)))
        let strings = ["", "one", "zwei", "三", String(repeating: "z", count: 300)]
        #expect(try roundTrip(strings) == strings)
        #expect(try roundTrip([[1, 2], [], [3]]) == [[1, 2], [], [3]])
        #expect(try roundTrip([true, false, true]) == [true, false, true])
    }

    @Test func arraysRejectCountsLargerThanTheBytes() {
        #expect(throws: WireError.self) { try readValue([Int].self, from: le(UInt32(3)) + le(Int64(1))) }
        #expect(throws: WireError.self) { try readValue([Int].self, from: le(UInt32.max)) }
        #expect(throws: WireError.self) { try readValue([String].self, from: le(UInt32.max) + [0, 0, 0, 0]) }
        #expect(throws: WireError.self) { try readValue([String].self, from: le(UInt32(2)) + stringField([0x61])) }
        #expect(throws: WireError.self) { try readValue([Bool].self, from: le(UInt32(2)) + [1, 7]) }
    }

    @Test func optionalsRoundTripAndRejectBadTags() throws {
        #expect(try roundTrip(Int?.none) == nil)
        #expect(try roundTrip(Int?.some(5)) == 5)
        #expect(try roundTrip(String?.some("x")) == "x")
        #expect(try roundTrip([Int?]([1, nil, 3])) == [1, nil, 3])
        #expect(try roundTrip(Int??.some(nil)) == .some(nil))
        #expect(try wireBytes { w in try Int?.write(nil, to: &w) } == [0])
        #expect(throws: WireError.self) { try readValue(Int?.self, from: [2]) }
        #expect(throws: WireError.self) { try readValue(Int?.self, from: [1, 0, 0]) }
    }

    @Test func bitwiseStructRoundTripsAsItsMemory() throws {
        #expect(Point.isBitwise)
        #expect(!String.isBitwise && !Bool.isBitwise && ![Int].isBitwise && !Report.isBitwise)
        let p = Point(x: 1.5, y: -2, tag: 9)
        #expect(try roundTrip(p) == p)
        let points = (0..<100).map { Point(x: Double($0), y: Double(-$0), tag: Int32($0)) }
        #expect(try roundTrip(points) == points)
        let bytes = try wireBytes { w in try [Point].write(points, to: &w) }
        #expect(bytes.count == 4 + 100 * MemoryLayout<Point>.stride, "one copy of the array's memory")
    }

    @Test func codableStructRoundTrips() throws {
        let reports = [
            Report(name: "a", counts: [1, 2, 3], ratio: 0.5),
            Report(name: "ünïcødé", counts: [], ratio: nil),
        ]
        for r in reports { #expect(try roundTrip(r) == r) }
        #expect(try roundTrip(reports) == reports)
    }

    @Test func codableStructRejectsGarbage() {
        #expect(throws: (any Error).self) { try readValue(Report.self, from: le(UInt32(4)) + [1, 2, 3, 4]) }
        #expect(throws: WireError.self) { try readValue(Report.self, from: le(UInt32(100)) + [1, 2]) }
    }

    // MARK: Tuples through the registry's codecs

    /// Writes `values` with `codec`, reads them back into fresh memory, and checks every byte was used.
    func codecRoundTrip<T>(_ codec: ValueCodec<T>, _ values: [T]) throws -> [T] {
        let bytes = try wireBytes { w in try values.withUnsafeBufferPointer { try codec.writeRun($0, &w) } }
        return try bytes.withUnsafeBytes { raw in
            var reader = WireReader(raw)
            let destination = UnsafeMutablePointer<T>.allocate(capacity: max(1, values.count))
            defer { destination.deallocate() }
            try codec.readRun(values.count, &reader, destination)
            #expect(reader.remaining == 0)
            let back = Array(UnsafeBufferPointer(start: destination, count: values.count))
            destination.deinitialize(count: values.count)
            return back
        }
    }

    @Test func pairsRoundTripPackedAndElementWise() throws {
        let ints = (0..<50).map { ($0, $0 * $0 - 7) }
        let backInts = try codecRoundTrip(TupleCodec.pair(Int.self, Int.self), ints)
        #expect(backInts.map(\.0) == ints.map(\.0) && backInts.map(\.1) == ints.map(\.1))
        // Padded (Int32, Int64) and non-bitwise (Int, String) go element by element.
        let padded: [(Int32, Int64)] = [(1, -1), (Int32.max, Int64.min)]
        let backPadded = try codecRoundTrip(TupleCodec.pair(Int32.self, Int64.self), padded)
        #expect(backPadded.map(\.0) == [1, Int32.max] && backPadded.map(\.1) == [-1, Int64.min])
        let mixed = [(1, "one"), (2, ""), (3, "三")]
        let backMixed = try codecRoundTrip(TupleCodec.pair(Int.self, String.self), mixed)
        #expect(backMixed.map(\.0) == [1, 2, 3] && backMixed.map(\.1) == ["one", "", "三"])
        #expect(try codecRoundTrip(TupleCodec.pair(Int.self, Int.self), []).isEmpty)
    }

    @Test func triplesRoundTrip() throws {
        let values = [(1, "a", true), (-2, "ß", false)]
        let back = try codecRoundTrip(TupleCodec.triple(Int.self, String.self, Bool.self), values)
        #expect(back.map(\.0) == [1, -2] && back.map(\.1) == ["a", "ß"] && back.map(\.2) == [true, false])
    }

    @Test func tupleCodecsRejectShortInput() {
        let codec = TupleCodec.pair(Int.self, String.self)
        let bytes = le(Int64(1)) + stringField([0x61]) + le(Int64(2)) + le(UInt32(9))
        bytes.withUnsafeBytes { raw in
            var reader = WireReader(raw)
            let destination = UnsafeMutablePointer<(Int, String)>.allocate(capacity: 2)
            defer { destination.deallocate() }
            #expect(throws: WireError.self) { try codec.readRun(2, &reader, destination) }
        }
        let packed = TupleCodec.pair(Int.self, Int.self)
        le(Int64(1)).withUnsafeBytes { raw in
            var reader = WireReader(raw)
            let destination = UnsafeMutablePointer<(Int, Int)>.allocate(capacity: 1)
            defer { destination.deallocate() }
            #expect(throws: WireError.self) { try packed.readRun(1, &reader, destination) }
        }
    }

    @Test func codecSignaturesNameTheTypes() {
        #expect(ValueCodec<Int>.single().signature == "Swift.Int")
        #expect(TupleCodec.pair(Int.self, String.self).signature == "(Swift.Int, Swift.String)")
        #expect(TupleCodec.triple(Int.self, Double.self, Bool.self).signature == "(Swift.Int, Swift.Double, Swift.Bool)")
    }
}
