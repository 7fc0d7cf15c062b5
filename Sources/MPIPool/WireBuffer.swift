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
///     writer.write(value.sensor)      // a String: length + UTF-8
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
    public mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { utf8 in
            write(UInt32(utf8.count))
            write(bytes: utf8.baseAddress, count: utf8.count)
        }
    }
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
