import MPI
@testable import MPIPool

/// A decoded frame with its payload copied out, so it outlives the bytes it came from.
enum DecodedFrame: Equatable {
    case hello(Hello)
    case chunk(ChunkHeader, payload: [UInt8])
    case results(ResultHeader, payload: [UInt8])
    case failure(FailureReport)
    case shutdown(immediate: Bool)
    case goodbye(WorkerTotals)
    case large(totalBytes: Int)

    init(_ frame: Frame) {
        switch frame {
        case .hello(let h): self = .hello(h)
        case .chunk(let c, let p): self = .chunk(c, payload: Array(p))
        case .results(let r, let p): self = .results(r, payload: Array(p))
        case .failure(let f): self = .failure(f)
        case .shutdown(let immediate): self = .shutdown(immediate: immediate)
        case .goodbye(let t): self = .goodbye(t)
        case .large(let n): self = .large(totalBytes: n)
        }
    }

    /// The bytes `FrameEncoder` writes for this frame.
    var encoded: [UInt8] {
        wireBytes { w in
            switch self {
            case .hello(let h): FrameEncoder.hello(h, into: &w)
            case .chunk(let c, let p): FrameEncoder.chunk(c, into: &w); w.write(bytes: p, count: p.count)
            case .results(let r, let p): FrameEncoder.results(r, into: &w); w.write(bytes: p, count: p.count)
            case .failure(let f): FrameEncoder.failure(f, into: &w)
            case .shutdown(let immediate): FrameEncoder.shutdown(immediate: immediate, into: &w)
            case .goodbye(let t): FrameEncoder.goodbye(t, into: &w)
            case .large(let n): FrameEncoder.large(totalBytes: n, into: &w)
            }
        }
    }
}

/// The bytes a writer produces.
func wireBytes(_ body: (inout WireWriter) throws -> Void) rethrows -> [UInt8] {
    var writer = WireWriter(MessageBuffer(capacity: 16))
    try body(&writer)
    return writer.buffer.array
}

/// Decodes `bytes` with `FrameDecoder`, copying any payload out.
func decodeFrame(_ bytes: [UInt8]) throws(WireError) -> DecodedFrame {
    let result: Result<DecodedFrame, WireError> = bytes.withUnsafeBytes { raw in
        do throws(WireError) {
            return .success(DecodedFrame(try FrameDecoder.decode(raw)))
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}

/// The 8-byte header: "MP", version, kind, 4 reserved zero bytes.
func header(kind: UInt8, version: UInt8 = WireProtocol.version) -> [UInt8] {
    [0x4D, 0x50, version, kind, 0, 0, 0, 0]
}

/// Little-endian bytes of a fixed-size value.
func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

/// A length-prefixed string field as the wire carries it.
func stringField(_ utf8: [UInt8]) -> [UInt8] { le(UInt32(utf8.count)) + utf8 }

let allFailureReasons: [FailureReason] = [.taskThrew, .argumentsUndecodable, .resultUnencodable, .unknownTask]

/// One valid frame of every kind, with awkward values.
let sampleFrames: [DecodedFrame] = [
    .hello(Hello(protocolVersion: 1, fingerprint: 0xDEAD_BEEF_0BAD_F00D, pid: 41_203, host: "node01.cluster", initializerError: "")),
    .hello(Hello(protocolVersion: UInt32.max, fingerprint: 0, pid: -1, host: "", initializerError: "init threw: ünïcødé ✓")),
    .chunk(ChunkHeader(chunkID: 7, taskID: 2, firstIndex: 1_000_000_000_000, count: 5), payload: Array(0..<40)),
    .chunk(ChunkHeader(chunkID: UInt64.max, taskID: UInt32.max, firstIndex: -1, count: 0), payload: []),
    .results(ResultHeader(chunkID: 9, count: 3, computeNanos: 123_456_789), payload: [1, 2, 3, 255]),
    .results(ResultHeader(chunkID: 0, count: 0, computeNanos: 0), payload: []),
    .shutdown(immediate: true),
    .shutdown(immediate: false),
    .goodbye(WorkerTotals(chunks: 12, tasks: 340, busyNanos: UInt64.max)),
    .large(totalBytes: 70_000),
    .large(totalBytes: Int(Int32.max)),
] + allFailureReasons.map {
    .failure(FailureReport(chunkID: 3, offset: 4, computeNanos: 5, reason: $0, message: "reason \($0.rawValue): 💥"))
}

extension DecodedFrame {
    /// How many bytes of the frame are fixed fields (a payload follows them for chunk and results).
    var fieldBytes: Int {
        switch self {
        case .chunk: WireProtocol.headerSize + 8 + 4 + 8 + 4
        case .results: WireProtocol.headerSize + 8 + 4 + 8
        default: encoded.count
        }
    }
    var hasPayload: Bool {
        switch self {
        case .chunk, .results: true
        default: false
        }
    }
}
