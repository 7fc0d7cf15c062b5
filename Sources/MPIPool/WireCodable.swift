#if canImport(FoundationEssentials)
import FoundationEssentials  // the Codable coders without the rest of Foundation: faster start, smaller RSS
#else
import Foundation
#endif

/// A value that can travel between ranks as task arguments or results.
///
/// The standard integer and floating-point types, `Bool`, `String`, arrays and
/// optionals of wire values conform already. For your own types:
///
/// ```swift
/// struct Point: BitwiseWireCodable { var x, y: Double }            // fast path: raw memory, one copy per chunk
/// struct Report: Codable, WireCodable { var name: String; var n: Int } // any Codable type: general, slower path
/// ```
///
/// Bitwise values are sent in their in-memory layout; all ranks must share
/// the byte order and word size (the start-up handshake checks it).
public protocol WireCodable: Sendable {
    /// Appends `value` to `writer`.
    static func write(_ value: Self, to writer: inout WireWriter) throws
    /// Reads one value written by `write`.
    static func read(from reader: inout WireReader) throws -> Self
    /// Whether `write` is exactly the in-memory layout (so a run of values is one copy).
    static var isBitwise: Bool { get }
}

extension WireCodable {
    public static var isBitwise: Bool { false }
}

/// A fixed-size, trivially copyable value sent as its raw memory.
///
/// Conform plain structs of numbers to get the fast path: a whole chunk of
/// them is one `memcpy`, with no per-value work. Don't use it for types with
/// invalid bit patterns (enums, `Bool`) or pointers.
public protocol BitwiseWireCodable: WireCodable, BitwiseCopyable {}

extension BitwiseWireCodable {
    @inlinable @inline(__always)
    public static func write(_ value: Self, to writer: inout WireWriter) { writer.write(value) }
    @inlinable @inline(__always)
    public static func read(from reader: inout WireReader) throws -> Self { try reader.read(Self.self) }
    @inlinable public static var isBitwise: Bool { true }
}

extension Int: BitwiseWireCodable {}
extension Int8: BitwiseWireCodable {}
extension Int16: BitwiseWireCodable {}
extension Int32: BitwiseWireCodable {}
extension Int64: BitwiseWireCodable {}
extension UInt: BitwiseWireCodable {}
extension UInt8: BitwiseWireCodable {}
extension UInt16: BitwiseWireCodable {}
extension UInt32: BitwiseWireCodable {}
extension UInt64: BitwiseWireCodable {}
extension Double: BitwiseWireCodable {}
extension Float: BitwiseWireCodable {}

extension Bool: WireCodable {
    public static func write(_ value: Bool, to writer: inout WireWriter) { writer.write(UInt8(value ? 1 : 0)) }
    public static func read(from reader: inout WireReader) throws -> Bool {
        switch try reader.read(UInt8.self) {
        case 0: return false
        case 1: return true
        case let other: throw WireError("\(other) is not a Bool")
        }
    }
}

extension String: WireCodable {
    public static func write(_ value: String, to writer: inout WireWriter) throws { try writer.writeString(value) }
    public static func read(from reader: inout WireReader) throws -> String { try reader.readString() }
}

/// Used as the argument of tasks that take none.
public struct NoArguments: BitwiseWireCodable, Equatable {
    /// The one value: `pool.apply(task, NoArguments())`, or just `pool.apply(task)`.
    public init() {}
}

extension Optional: WireCodable where Wrapped: WireCodable {
    public static func write(_ value: Wrapped?, to writer: inout WireWriter) throws {
        if let value {
            writer.write(UInt8(1))
            try Wrapped.write(value, to: &writer)
        } else {
            writer.write(UInt8(0))
        }
    }
    public static func read(from reader: inout WireReader) throws -> Wrapped? {
        switch try reader.read(UInt8.self) {
        case 0: return nil
        case 1: return try Wrapped.read(from: &reader)
        case let other: throw WireError("\(other) is not an Optional tag")
        }
    }
}

extension Array: WireCodable where Element: WireCodable {
    public static func write(_ value: [Element], to writer: inout WireWriter) throws {
        writer.write(try wireLength(value.count, of: "array", unit: "elements"))
        try value.withUnsafeBufferPointer { try writeRun($0, to: &writer) }
    }
    public static func read(from reader: inout WireReader) throws -> [Element] {
        let count = Int(try reader.read(UInt32.self))
        return try readRun(count, from: &reader)
    }
}

/// Writes `values` one after another (one copy when they are bitwise).
@inlinable
func writeRun<T: WireCodable>(_ values: UnsafeBufferPointer<T>, to writer: inout WireWriter) throws {
    if T.isBitwise {
        writer.write(bytes: UnsafeRawPointer(values.baseAddress), count: values.count * MemoryLayout<T>.stride)
    } else {
        for value in values { try T.write(value, to: &writer) }
    }
}

/// Reads `count` values written by `writeRun`.
@inlinable
func readRun<T: WireCodable>(_ count: Int, from reader: inout WireReader) throws -> [T] {
    guard count >= 0 else { throw WireError("negative count") }
    if T.isBitwise {
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard !overflow else { throw WireError("count \(count) of \(T.self) exceeds the \(reader.remaining) bytes left") }
        let raw = try reader.read(bytes: byteCount)
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
            initialized = count
        }
    }
    // Each value takes at least one byte, which bounds what a malformed count can reserve.
    guard count <= reader.remaining else { throw WireError("count \(count) exceeds the \(reader.remaining) bytes left") }
    var values: [T] = []
    values.reserveCapacity(count)
    for _ in 0..<count { values.append(try T.read(from: &reader)) }
    return values
}

// MARK: Codable fallback

/// Any `Codable` type becomes a wire value by declaring `WireCodable`:
/// its values travel as binary property lists (general, but slower than the
/// bitwise path — prefer `BitwiseWireCodable` for plain numeric structs).
extension WireCodable where Self: Codable {
    public static func write(_ value: Self, to writer: inout WireWriter) throws {
        let encoder = PropertyListEncoder()
        encoder.outputFormat = .binary
        let data = try encoder.encode([value])
        writer.write(try wireLength(data.count, of: "Codable value", unit: "bytes"))
        data.withUnsafeBytes { writer.write(bytes: $0.baseAddress, count: $0.count) }
    }
    public static func read(from reader: inout WireReader) throws -> Self {
        let length = Int(try reader.read(UInt32.self))
        let bytes = try reader.read(bytes: length)
        let values = try PropertyListDecoder().decode([Self].self, from: Data(bytes))
        guard let value = values.first else { throw WireError("empty Codable payload") }
        return value
    }
}
