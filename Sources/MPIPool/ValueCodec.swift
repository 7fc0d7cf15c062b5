/// How a run of values of one type is written and read (chosen when the task
/// is registered, so the bitwise fast path is decided at compile time).
struct ValueCodec<T>: Sendable {
    /// Appends `values` to the writer.
    let writeRun: @Sendable (UnsafeBufferPointer<T>, inout WireWriter) throws -> Void
    /// Reads `count` values and initialises `destination[0..<count]` with them.
    /// On a throw, nothing is left initialised.
    let readRun: @Sendable (Int, inout WireReader, UnsafeMutablePointer<T>) throws -> Void
    /// A readable description of the type, for the registry fingerprint.
    let signature: String
}

extension ValueCodec where T: WireCodable {
    static func single() -> ValueCodec<T> {
        ValueCodec(
            writeRun: { values, writer in try MPIPool.writeRun(values, to: &writer) },
            readRun: { count, reader, destination in try readRunInto(count, &reader, destination) },
            signature: String(reflecting: T.self)
        )
    }
}

/// Reads `count` values of a wire type straight into `destination`.
@inlinable
func readRunInto<T: WireCodable>(_ count: Int, _ reader: inout WireReader, _ destination: UnsafeMutablePointer<T>) throws {
    if T.isBitwise {
        let raw = try reader.read(bytes: count * MemoryLayout<T>.stride)
        if count > 0 { UnsafeMutableRawPointer(destination).copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
        return
    }
    var done = 0
    do {
        while done < count {
            (destination + done).initialize(to: try T.read(from: &reader))
            done += 1
        }
    } catch {
        destination.deinitialize(count: done)
        throw error
    }
}

/// Codecs for tuples of wire values: one copy per run when every element is
/// bitwise and the tuple has no padding, else element after element.
enum TupleCodec {
    static func pair<A: WireCodable, B: WireCodable>(_: A.Type, _: B.Type) -> ValueCodec<(A, B)> {
        // The stride is read here, once: the closures may run unspecialised, where each
        // `MemoryLayout<(A, B)>` would look the tuple's metadata up again.
        let stride = MemoryLayout<(A, B)>.stride
        let packed = A.isBitwise && B.isBitwise && stride == MemoryLayout<A>.size + MemoryLayout<B>.size
        return ValueCodec(
            writeRun: { values, writer in
                if packed {
                    writer.write(bytes: UnsafeRawPointer(values.baseAddress), count: values.count * stride)
                } else {
                    for (a, b) in values { try A.write(a, to: &writer); try B.write(b, to: &writer) }
                }
            },
            readRun: { count, reader, destination in
                if packed {
                    let raw = try reader.read(bytes: count * stride)
                    if count > 0 { UnsafeMutableRawPointer(destination).copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
                    return
                }
                var done = 0
                do {
                    while done < count {
                        let a = try A.read(from: &reader)
                        let b = try B.read(from: &reader)
                        (destination + done).initialize(to: (a, b))
                        done += 1
                    }
                } catch {
                    destination.deinitialize(count: done)
                    throw error
                }
            },
            signature: "(\(String(reflecting: A.self)), \(String(reflecting: B.self)))"
        )
    }

    static func triple<A: WireCodable, B: WireCodable, C: WireCodable>(_: A.Type, _: B.Type, _: C.Type) -> ValueCodec<(A, B, C)> {
        ValueCodec(
            writeRun: { values, writer in
                for (a, b, c) in values { try A.write(a, to: &writer); try B.write(b, to: &writer); try C.write(c, to: &writer) }
            },
            readRun: { count, reader, destination in
                var done = 0
                do {
                    while done < count {
                        let a = try A.read(from: &reader), b = try B.read(from: &reader), c = try C.read(from: &reader)
                        (destination + done).initialize(to: (a, b, c))
                        done += 1
                    }
                } catch {
                    destination.deinitialize(count: done)
                    throw error
                }
            },
            signature: "(\(String(reflecting: A.self)), \(String(reflecting: B.self)), \(String(reflecting: C.self)))"
        )
    }
}
