import Testing
@testable import MPI

/// The parts of the MPI layer that need no `MPI_Init`.
@Suite struct MessageBufferTests {
    func fill(_ buffer: MessageBuffer, count: Int, seed: UInt8) {
        buffer.reserve(count)
        for i in 0..<count { buffer.base.storeBytes(of: UInt8(truncatingIfNeeded: i &* 31) &+ seed, toByteOffset: i, as: UInt8.self) }
        buffer.count = count
    }

    func expected(count: Int, seed: UInt8) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) &+ seed } }

    @Test func startsEmptyWithAtLeastSixteenBytes() {
        for requested in [0, 1, 15, 16, 17, 256, 4096] {
            let buffer = MessageBuffer(capacity: requested)
            #expect(buffer.count == 0 && buffer.bytes.isEmpty && buffer.array.isEmpty)
            #expect(buffer.capacity == max(requested, 16))
            #expect(Int(bitPattern: buffer.base) % 16 == 0, "16-byte aligned")
        }
        #expect(MessageBuffer().capacity == 256)
    }

    @Test(arguments: [17, 100, 257, 1_000, 65_537, 1_000_000])
    func growthKeepsTheBytes(needed: Int) {
        let buffer = MessageBuffer(capacity: 16)
        fill(buffer, count: 16, seed: 3)
        buffer.reserve(needed)
        #expect(buffer.capacity >= needed)
        #expect(buffer.count == 16, "reserve does not change count")
        #expect(buffer.array == expected(count: 16, seed: 3))
        #expect(Int(bitPattern: buffer.base) % 16 == 0)
    }

    @Test func growthDoublesAndKeepsEverythingThroughManySteps() {
        let buffer = MessageBuffer(capacity: 16)
        var capacities: [Int] = []
        for count in stride(from: 8, through: 5_000, by: 37) {
            let before = buffer.array
            let keep = buffer.count
            buffer.reserve(count)
            #expect(Array(buffer.bytes.prefix(keep)) == Array(before.prefix(keep)))
            fill(buffer, count: count, seed: UInt8(truncatingIfNeeded: count))
            capacities.append(buffer.capacity)
        }
        #expect(capacities == capacities.sorted(), "capacity never shrinks")
        #expect(Set(capacities).allSatisfy { $0.nonzeroBitCount == 1 }, "16 doubled stays a power of two: \(Set(capacities).sorted())")
        #expect(buffer.capacity == 8192)
    }

    @Test func reservingLessDoesNotMoveTheMemory() {
        let buffer = MessageBuffer(capacity: 64)
        fill(buffer, count: 40, seed: 9)
        let base = buffer.base
        buffer.reserve(64)
        buffer.reserve(1)
        buffer.reserve(0)
        #expect(buffer.base == base && buffer.capacity == 64)
        #expect(buffer.array == expected(count: 40, seed: 9))
    }

    @Test func copyingInitHoldsACopy() {
        var source: [UInt8] = Array(0..<200)
        let buffer = source.withUnsafeBytes { MessageBuffer(copying: $0) }
        source[0] = 99
        #expect(buffer.count == 200 && buffer.capacity >= 200)
        #expect(buffer.array == Array(0..<200))
        let empty = [UInt8]().withUnsafeBytes { MessageBuffer(copying: $0) }
        #expect(empty.count == 0 && empty.array.isEmpty)
    }

    @Test func bytesViewsTheCountInUse() {
        let buffer = MessageBuffer(capacity: 32)
        fill(buffer, count: 10, seed: 0)
        buffer.count = 4
        #expect(buffer.bytes.count == 4 && buffer.bytes.baseAddress == UnsafeRawPointer(buffer.base))
        #expect(buffer.array == expected(count: 4, seed: 0))
    }
}

@Suite struct ThreadLevelTests {
    @Test func levelsAreOrderedAsMPIDefinesThem() {
        let levels: [ThreadLevel] = [.multiple, .single, .serialized, .funneled]
        #expect(levels.sorted() == [.single, .funneled, .serialized, .multiple])
        #expect(ThreadLevel.single < .funneled && ThreadLevel.funneled < .serialized && ThreadLevel.serialized < .multiple)
        #expect(ThreadLevel.multiple >= .funneled)
        #expect(!(ThreadLevel.funneled < .funneled))
        #expect(!(ThreadLevel.single >= .funneled), "the pool's check rejects single")
    }

    @Test func descriptionsNameTheLevels() {
        #expect([ThreadLevel.single, .funneled, .serialized, .multiple].map(\.description) == ["single", "funneled", "serialized", "multiple"])
    }

    @Test func rawValuesRoundTripThroughMPIsConstants() {
        for level in [ThreadLevel.single, .funneled, .serialized, .multiple] {
            #expect(ThreadLevel(raw: level.raw) == level)
        }
        // Open MPI's constants are 0...3 in the same order.
        #expect([ThreadLevel.single, .funneled, .serialized, .multiple].map(\.raw) == [0, 1, 2, 3])
    }
}

@Suite struct MPIErrorTests {
    @Test func descriptionNamesFunctionCodeAndMessage() {
        let error = MPIError(function: "MPI_Send", code: 6, message: "MPI_ERR_RANK: invalid rank")
        #expect(error.description == "MPI_Send failed (6): MPI_ERR_RANK: invalid rank")
        #expect("\(error)" == error.description)
        #expect(error.function == "MPI_Send" && error.code == 6)
    }

    @Test func errorsCompareByAllFields() {
        let a = MPIError(function: "MPI_Recv", code: 1, message: "x")
        #expect(a == MPIError(function: "MPI_Recv", code: 1, message: "x"))
        #expect(a != MPIError(function: "MPI_Send", code: 1, message: "x"))
        #expect(a != MPIError(function: "MPI_Recv", code: 2, message: "x"))
        #expect(a != MPIError(function: "MPI_Recv", code: 1, message: "y"))
    }

}
