import CMPI

/// An MPI call that did not return `MPI_SUCCESS`, with MPI's own description.
///
/// The environment sets `MPI_ERRORS_RETURN` on `MPI_COMM_WORLD`, so errors come
/// back as values instead of aborting the job; every wrapper turns them into this.
///
/// ```swift
/// do { try world.send(bytes, to: 99, tag: 1) }
/// catch let error as MPIError { print(error) }   // "MPI_Send failed (6): MPI_ERR_RANK: invalid rank"
/// ```
public struct MPIError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The MPI function that failed, e.g. `"MPI_Send"`.
    public let function: String
    /// The MPI error code it returned.
    public let code: Int32
    /// MPI's text for the code (`MPI_Error_string`).
    public let message: String

    public init(function: String, code: Int32, message: String) {
        self.function = function
        self.code = code
        self.message = message
    }

    public var description: String { "\(function) failed (\(code)): \(message)" }

    /// MPI's error string for `code`.
    public static func string(for code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
        var length: Int32 = 0
        guard MPI_Error_string(code, &buffer, &length) == MPI_SUCCESS else { return "unknown MPI error" }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Throws an `MPIError` unless `code` is `MPI_SUCCESS`.
@inline(__always)
func check(_ code: Int32, _ function: @autoclosure () -> String) throws(MPIError) {
    if code != MPI_SUCCESS {
        throw MPIError(function: function(), code: code, message: MPIError.string(for: code))
    }
}

extension MPIError {
    /// The largest element count an MPI call accepts: counts are C `int`s (`Int32.max`, 2 GiB − 1 bytes).
    public static let countLimit = Int(Int32.max)

    /// A count MPI cannot take (negative, or over ``countLimit``), as `MPI_ERR_COUNT`.
    static func badCount(_ count: Int, function: String) -> MPIError {
        let message = count < 0 ? "negative count \(count)"
                                : "message of \(count) bytes exceeds MPI's count limit of \(countLimit)"
        return MPIError(function: function, code: MPI_ERR_COUNT, message: message)
    }
}

/// `count` as the C `int` an MPI call takes; throws `MPI_ERR_COUNT` instead of trapping
/// when it is negative or over `Int32.max` (a message of 2 GiB or more).
@inline(__always)
func mpiCount(_ count: Int, _ function: @autoclosure () -> String) throws(MPIError) -> Int32 {
    guard count >= 0, let value = Int32(exactly: count) else { throw MPIError.badCount(count, function: function()) }
    return value
}

/// The most bytes a receive into `capacity` bytes of memory may accept: MPI's counts stop at
/// `Int32.max`, so a bigger buffer takes any message and the count is capped, not refused.
@inline(__always)
func mpiReceiveCount(capacity: Int) -> Int32 { Int32(clamping: max(0, capacity)) }

/// A rank or a tag as the C `int` MPI takes; throws (`MPI_ERR_RANK` / `MPI_ERR_TAG`) instead of
/// trapping when it does not fit. MPI itself checks the range inside `Int32`.
@inline(__always)
func mpiInt(_ value: Int, tag: Bool, _ function: @autoclosure () -> String) throws(MPIError) -> Int32 {
    guard let raw = Int32(exactly: value) else {
        throw MPIError(function: function(), code: tag ? MPI_ERR_TAG : MPI_ERR_RANK,
                       message: "\(tag ? "tag" : "rank") \(value) does not fit MPI's C int")
    }
    return raw
}
