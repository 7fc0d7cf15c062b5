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
