import CMPI
import Testing
@testable import MPI

/// Counts, ranks and tags become the C `int`s MPI takes through checked conversions:
/// out-of-range values throw an `MPIError`, never trap (no 2 GiB buffer needed to test it).
@Suite struct MPICountTests {
    @Test(arguments: [0, 1, 65_536, Int(Int32.max)])
    func countsUpToInt32MaxPassThrough(count: Int) throws {
        #expect(try mpiCount(count, "MPI_Send") == Int32(count))
    }

    @Test(arguments: [Int(Int32.max) + 1, Int(UInt32.max), Int(UInt32.max) + 1, Int.max])
    func countsOfTwoGiBOrMoreThrowCountErrors(count: Int) throws {
        let error = try #require(throws: MPIError.self) { try mpiCount(count, "MPI_Isend") }
        #expect(error.function == "MPI_Isend")
        #expect(error.code == MPI_ERR_COUNT)
        #expect(error.message == "message of \(count) bytes exceeds MPI's count limit of 2147483647")
        #expect(error.description == "MPI_Isend failed (\(MPI_ERR_COUNT)): \(error.message)")
    }

    @Test(arguments: [-1, Int(Int32.min), Int.min])
    func negativeCountsThrow(count: Int) throws {
        let error = try #require(throws: MPIError.self) { try mpiCount(count, "MPI_Send") }
        #expect(error.code == MPI_ERR_COUNT && error.message == "negative count \(count)")
    }

    @Test func countLimitIsInt32Max() {
        #expect(MPIError.countLimit == 2_147_483_647)
    }

    @Test func receiveCountIsCappedNotRefused() {
        // A receive buffer of 2 GiB or more takes any message MPI can send.
        #expect(mpiReceiveCount(capacity: 256) == 256)
        #expect(mpiReceiveCount(capacity: Int(Int32.max)) == Int32.max)
        #expect(mpiReceiveCount(capacity: 1 << 31) == Int32.max, "what MessageBuffer's doubling reaches for a 1.5 GiB message")
        #expect(mpiReceiveCount(capacity: Int.max) == Int32.max)
        #expect(mpiReceiveCount(capacity: -1) == 0)
    }

    @Test func ranksAndTagsOutsideCIntThrow() throws {
        #expect(try mpiInt(3, tag: false, "MPI_Send") == 3)
        #expect(try mpiInt(-1, tag: false, "MPI_Send") == -1, "MPI checks the range inside Int32 itself")
        #expect(try mpiInt(Int(Int32.max), tag: true, "MPI_Send") == Int32.max)
        let rank = try #require(throws: MPIError.self) { try mpiInt(Int(Int32.max) + 1, tag: false, "MPI_Send") }
        #expect(rank.code == MPI_ERR_RANK && rank.message == "rank 2147483648 does not fit MPI's C int")
        let tag = try #require(throws: MPIError.self) { try mpiInt(Int.min, tag: true, "MPI_Irecv") }
        #expect(tag.code == MPI_ERR_TAG && tag.function == "MPI_Irecv" && tag.message.hasPrefix("tag \(Int.min)"))
        #expect(throws: MPIError.self) { try Source.rank(Int.max).raw("MPI_Probe") }
        #expect(try Source.any.raw("MPI_Probe") == cmpi_any_source())
    }
}
