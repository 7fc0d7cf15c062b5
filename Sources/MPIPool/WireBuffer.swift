import MPI

/// Why bytes from the wire could not be decoded (or a value could not be encoded).
///
/// Throw it from your own `WireCodable.read(from:)` when the bytes make no value:
///
/// ```swift
/// guard let kind = Kind(rawValue: try reader.read(UInt8.self)) else { throw WireError("bad kind tag") }
/// ```
public struct WireError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was wrong with the bytes.
    public let message: String
    /// An error saying `message`.
    public init(_ message: String) { self.message = message }
    /// `malformed message: <message>`.
    public var description: String { "malformed message: \(message)" }
}

/// Appends values to an outgoing message, for `WireCodable.write(_:to:)`.
///
/// Values are written in their in-memory (little-endian) layout; every `write`
/// grows the message as needed, and nothing is allocated per value.
///
/// ```swift
/// static func write(_ value: Reading, to writer: inout WireWriter) throws {
///     writer.write(value.time)        // a fixed-size value, raw
///     try writer.write(value.sensor)  // a String: length + UTF-8 (throws for 4 GiB or more)
/// }
/// ```
public struct WireWriter {
    /// The buffer being written; `buffer.count` is the end of what was written.
    @usableFromInline let buffer: MessageBuffer

    /// A writer that appends to `buffer` after its current `count`.
    init(_ buffer: MessageBuffer) { self.buffer = buffer }

    /// Bytes written so far (including anything already in the buffer).
    @inlinable public var count: Int { buffer.count }

    /// Appends the raw bytes of a fixed-size value (its in-memory layout).
    @inlinable @inline(__always)
    public mutating func write<T: BitwiseCopyable>(_ value: T) {
        let size = MemoryLayout<T>.size
        buffer.reserve(buffer.count + size)
        (buffer.base + buffer.count).storeBytes(of: value, as: T.self)
        buffer.count += size
    }

    /// Appends `count` bytes starting at `source`.
    @inlinable
    public mutating func write(bytes source: UnsafeRawPointer?, count: Int) {
        guard count > 0, let source else { return }
        buffer.reserve(buffer.count + count)
        (buffer.base + buffer.count).copyMemory(from: source, byteCount: count)
        buffer.count += count
    }

    /// Appends a length (UInt32) and the UTF-8 bytes of `string`.
    ///
    /// Throws ``WireError`` naming the size, and writes nothing, when the string has
    /// 4 GiB or more of UTF-8: its length field holds at most `UInt32.max`.
    ///
    /// ```swift
    /// try writer.write(value.sensor)
    /// ```
    public mutating func write(_ string: some StringProtocol) throws(WireError) {
        try writeString(String(string))
    }

    /// `write(_:)` for a `String`; what `String`'s `WireCodable` conformance calls.
    mutating func writeString(_ string: String) throws(WireError) {
        var string = string
        let length = try wireLength(string.utf8.count, of: "string", unit: "UTF-8 bytes")
        string.withUTF8 { utf8 in
            write(length)
            write(bytes: utf8.baseAddress, count: utf8.count)
        }
    }

    /// A text field of a frame MPIPool writes itself (a host name, an error message), for
    /// `FrameEncoder`, whose functions do not throw. Inside MPIPool a `String` argument picks
    /// this overload; outside only the throwing `write(_:)` is visible.
    ///
    /// Never traps: text of 4 GiB or more is cut at a character boundary to what the length
    /// field holds (such a frame then exceeds MPI's count limit, and sending it throws `MPIError`).
    /// Once the frame encoders throw, remove this overload and write `try w.write(text)` there.
    mutating func write(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            let kept = wirePrefixLength(utf8, limit: wireLengthLimit)
            write(UInt32(kept))
            write(bytes: utf8.baseAddress, count: kept)
        }
    }
}

/// The largest value of a length or count field on the wire (`UInt32.max`): strings of up to
/// 4 GiB − 1 bytes of UTF-8, arrays of up to 2³² − 1 elements.
let wireLengthLimit = Int(UInt32.max)

/// `count` as a wire length field, or a ``WireError`` naming the size when it does not fit
/// (`what` and `unit` name it: "string of 5000000000 UTF-8 bytes exceeds …"). Never traps.
func wireLength(_ count: Int, of what: String, unit: String) throws(WireError) -> UInt32 {
    guard count >= 0 else { throw WireError("\(what) of negative length \(count)") }
    guard let length = UInt32(exactly: count) else {
        throw WireError("\(what) of \(count) \(unit) exceeds the wire's limit of \(wireLengthLimit) \(unit)")
    }
    return length
}

/// How many leading bytes of `utf8` to keep so that at most `limit` are kept and the cut
/// falls between characters (never before a UTF-8 continuation byte).
func wirePrefixLength(_ utf8: UnsafeBufferPointer<UInt8>, limit: Int) -> Int {
    guard utf8.count > limit else { return utf8.count }
    var end = max(0, limit)
    while end > 0 && utf8[end] & 0xC0 == 0x80 { end -= 1 }
    return end
}

/// Reads values from an incoming message, for `WireCodable.read(from:)`,
/// checking every bound: a read past the end throws ``WireError``; it never traps.
///
/// ```swift
/// static func read(from reader: inout WireReader) throws -> Reading {
///     Reading(time: try reader.read(Double.self), sensor: try reader.readString())
/// }
/// ```
public struct WireReader {
    @usableFromInline let bytes: UnsafeRawBufferPointer
    /// Offset of the next byte to read.
    @usableFromInline var position: Int

    /// A reader over `bytes`, starting at `position`.
    init(_ bytes: UnsafeRawBufferPointer, position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    /// Bytes left to read.
    @inlinable public var remaining: Int { bytes.count - position }

    /// Reads a fixed-size value stored by `WireWriter.write(_:)`.
    @inlinable @inline(__always)
    public mutating func read<T: BitwiseCopyable>(_ type: T.Type = T.self) throws(WireError) -> T {
        let size = MemoryLayout<T>.size
        guard size <= remaining else { throw WireError("needed \(size) bytes for \(T.self), \(remaining) left") }
        let value = bytes.loadUnaligned(fromByteOffset: position, as: T.self)
        skip(size)
        return value
    }

    /// Returns the next `count` bytes and moves past them.
    @inlinable
    public mutating func read(bytes count: Int) throws(WireError) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else { throw WireError("needed \(count) bytes, \(remaining) left") }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
        skip(count)
        return slice
    }

    /// Reads a string written by `WireWriter.write(_ string:)`.
    public mutating func readString() throws(WireError) -> String {
        let length = Int(try read(UInt32.self))
        let utf8 = try read(bytes: length)
        guard let string = String(validating: utf8, as: UTF8.self) else { throw WireError("string is not valid UTF-8") }
        return string
    }

    @usableFromInline @inline(__always)
    mutating func skip(_ count: Int) { position += count }

    /// The bytes not yet read.
    var rest: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[position...]) }
}
