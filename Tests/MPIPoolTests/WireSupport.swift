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
    case rejoin(chunkID: UInt64)
    case returned(chunkID: UInt64)
    case timeline([ChunkTiming])
    case large(totalBytes: Int)

    init(_ frame: Frame) {
        switch frame {
        case .hello(let h): self = .hello(h)
        case .chunk(let c, let p): self = .chunk(c, payload: Array(p))
        case .results(let r, let p): self = .results(r, payload: Array(p))
        case .failure(let f): self = .failure(f)
        case .shutdown(let immediate): self = .shutdown(immediate: immediate)
        case .goodbye(let t): self = .goodbye(t)
        case .rejoin(let id): self = .rejoin(chunkID: id)
        case .returned(let id): self = .returned(chunkID: id)
        case .timeline(let t): self = .timeline(t)
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
            case .rejoin(let id): FrameEncoder.rejoin(chunkID: id, into: &w)
            case .returned(let id): FrameEncoder.returned(chunkID: id, into: &w)
            case .timeline(let t): FrameEncoder.timeline(t[...], into: &w)
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

let allFailureReasons: [FailureReason] = [.taskThrew, .argumentsUndecodable, .resultUnencodable, .unknownTask, .timedOut, .abandoned]

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
    .rejoin(chunkID: 42),
    .rejoin(chunkID: UInt64.max),
    .returned(chunkID: 0),
    .returned(chunkID: UInt64.max - 1),
    .chunk(ChunkHeader(chunkID: 10, taskID: 3, firstIndex: 2, count: 2, timeoutNanos: 0, giveBackNanos: 20_000_000), payload: [1, 2]),
    .chunk(ChunkHeader(chunkID: 11, taskID: 0, firstIndex: 0, count: 1, recordsTimeline: true), payload: [7]),
    .timeline([]),
    .timeline([ChunkTiming(chunkID: 1, start: 2, end: 3), ChunkTiming(chunkID: .max, start: .max, end: 0)]),
    .chunk(ChunkHeader(chunkID: 8, taskID: 1, firstIndex: 0, count: 1, timeoutNanos: 2_500_000_000), payload: [42]),
    .chunk(ChunkHeader(chunkID: 9, taskID: 0, firstIndex: Int64.min, count: UInt32.max, timeoutNanos: UInt64.max), payload: []),
    .large(totalBytes: 70_000),
    .large(totalBytes: Int(Int32.max)),
] + allFailureReasons.map {
    .failure(FailureReport(chunkID: 3, offset: 4, computeNanos: 5, reason: $0, message: "reason \($0.rawValue): 💥"))
}

extension DecodedFrame {
    /// How many bytes of the frame are fixed fields (a payload follows them for chunk and results).
    var fieldBytes: Int {
        switch self {
        case .chunk: WireProtocol.headerSize + 8 + 4 + 8 + 4 + 8 + 8 + 1
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

/// Frames for the decoder's fuzz test: random bytes, and valid frames of every kind
/// (samples and randomly filled ones) with bytes overwritten or flipped, cut short,
/// extended, spliced, and length or count fields set to extremes.
struct FrameFuzzer {
    var rng: SplitMix64
    private(set) var randomFrames = 0
    private(set) var mutatedFrames = 0

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    /// 32- and 64-bit values at the edges, for length, count and size fields.
    static let extreme32: [UInt32] = [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF]
    static let extreme64: [UInt64] = [0, 1, UInt64(Int32.max), UInt64(Int32.max) + 1, UInt64(UInt32.max) + 1,
                                      UInt64(Int64.max), UInt64(Int64.max) + 1, UInt64.max]

    /// The next frame to decode.
    mutating func next() -> [UInt8] {
        if Int.random(in: 0..<8, using: &rng) == 0 {
            randomFrames += 1
            return randomBytes()
        }
        mutatedFrames += 1
        var bytes = validFrame().encoded
        for _ in 0..<Int.random(in: 1...4, using: &rng) { mutate(&bytes) }
        return bytes
    }

    /// Up to 64 random bytes, most with a plausible header so the field decoders are reached.
    mutating func randomBytes() -> [UInt8] {
        var bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        if Int.random(in: 0..<4, using: &rng) != 0 && bytes.count >= 4 {
            bytes[0] = 0x4D; bytes[1] = 0x50; bytes[2] = WireProtocol.version
            bytes[3] = UInt8.random(in: 0...(FrameKind.allRawValues.last! + 1), using: &rng)
        }
        return bytes
    }

    /// A sample frame, or one of a random kind with random fields.
    mutating func validFrame() -> DecodedFrame {
        if Bool.random(using: &rng) { return sampleFrames.randomElement(using: &rng)! }
        let text = randomText()
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return .hello(Hello(protocolVersion: rng.next32(), fingerprint: rng.next(), pid: Int32(truncatingIfNeeded: rng.next()),
                                    host: text, initializerError: Bool.random(using: &rng) ? "" : randomText()))
        case 1: return .chunk(ChunkHeader(chunkID: rng.next(), taskID: rng.next32(), firstIndex: Int64(truncatingIfNeeded: rng.next()),
                                          count: rng.next32() % 64, timeoutNanos: Bool.random(using: &rng) ? 0 : rng.next(),
                                          giveBackNanos: Bool.random(using: &rng) ? 0 : rng.next(), recordsTimeline: Bool.random(using: &rng)),
                              payload: payload())
        case 2: return .results(ResultHeader(chunkID: rng.next(), count: rng.next32() % 64, computeNanos: rng.next()), payload: payload())
        case 3: return .failure(FailureReport(chunkID: rng.next(), offset: rng.next32(), computeNanos: rng.next(),
                                              reason: allFailureReasons.randomElement(using: &rng)!, message: text))
        case 4: return .shutdown(immediate: Bool.random(using: &rng))
        case 5: return .goodbye(WorkerTotals(chunks: rng.next(), tasks: rng.next(), busyNanos: rng.next()))
        case 6: return .rejoin(chunkID: rng.next())
        case 7: return .returned(chunkID: rng.next())
        case 8: return .timeline((0..<Int.random(in: 0..<5, using: &rng)).map { _ in ChunkTiming(chunkID: rng.next(), start: rng.next(), end: rng.next()) })
        default: return .large(totalBytes: Int.random(in: 0...Int(Int32.max), using: &rng))
        }
    }

    mutating func randomText() -> String {
        let pieces = ["", "a", "node07", "é", "日本", "👩‍💻", "\u{0}", String(repeating: "x", count: 40)]
        return (0..<Int.random(in: 0...3, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    mutating func payload() -> [UInt8] {
        (0..<Int.random(in: 0...48, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    mutating func mutate(_ bytes: inout [UInt8]) {
        switch Int.random(in: 0..<8, using: &rng) {
        case 0 where !bytes.isEmpty: bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
        case 1 where !bytes.isEmpty: bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
        case 2: bytes.removeLast(Int.random(in: 0...bytes.count, using: &rng))
        case 3: bytes += (0..<Int.random(in: 1...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        case 4 where bytes.count >= WireProtocol.headerSize + 4:
            // A 32-bit length or count field (anywhere after the header) set to an extreme.
            let at = Int.random(in: WireProtocol.headerSize...(bytes.count - 4), using: &rng)
            bytes.replaceSubrange(at..<at + 4, with: le(Self.extreme32.randomElement(using: &rng)!))
        case 5 where bytes.count >= WireProtocol.headerSize + 8:
            let at = Int.random(in: WireProtocol.headerSize...(bytes.count - 8), using: &rng)
            bytes.replaceSubrange(at..<at + 8, with: le(Self.extreme64.randomElement(using: &rng)!))
        case 6 where bytes.count >= 4:
            bytes[3] = UInt8.random(in: 0...255, using: &rng)        // another kind over these fields
        default:
            // The header of one frame over the fields of another.
            let other = sampleFrames.randomElement(using: &rng)!.encoded
            bytes = Array(other.prefix(WireProtocol.headerSize)) + Array(bytes.dropFirst(WireProtocol.headerSize))
        }
    }
}

extension SplitMix64 {
    mutating func next32() -> UInt32 { UInt32(truncatingIfNeeded: next()) }
}
