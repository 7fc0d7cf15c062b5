import Foundation
import MPI
import Testing
@testable import MPIPool

/// Frames: round trips, exact layout, and rejection of every malformed input with a `WireError`.
@Suite struct WireFormatTests {
    // MARK: Round trips

    @Test(arguments: sampleFrames)
    func everyFrameKindRoundTrips(frame: DecodedFrame) throws {
        let bytes = frame.encoded
        #expect(try decodeFrame(bytes) == frame)
    }

    @Test func failureRoundTripsWithEachReason() throws {
        for reason in allFailureReasons {
            let report = FailureReport(chunkID: 11, offset: UInt32.max, computeNanos: 99, reason: reason, message: "")
            #expect(try decodeFrame(DecodedFrame.failure(report).encoded) == .failure(report))
        }
    }

    @Test func chunkPayloadIsASliceOfTheFrameBytes() throws {
        let args = wireBytes { w in for x in [10, 20, 30] { w.write(x) } }
        let frame = DecodedFrame.chunk(ChunkHeader(chunkID: 1, taskID: 0, firstIndex: 5, count: 3), payload: args)
        let bytes = frame.encoded
        try bytes.withUnsafeBytes { raw in
            guard case .chunk(let header, let payload) = try FrameDecoder.decode(raw) else {
                Issue.record("not a chunk frame")
                return
            }
            #expect(header.count == 3)
            #expect(payload.baseAddress == raw.baseAddress! + frame.fieldBytes)
            var reader = WireReader(payload)
            #expect(try [reader.read(Int.self), reader.read(Int.self), reader.read(Int.self)] == [10, 20, 30])
            #expect(reader.remaining == 0)
        }
    }

    // MARK: Layout

    @Test func headerIsMagicVersionKindAndReservedZeros() {
        let kinds: [(DecodedFrame, FrameKind)] = [
            (sampleFrames[0], .hello), (sampleFrames[2], .chunk), (sampleFrames[4], .results),
            (.failure(FailureReport(chunkID: 0, offset: 0, computeNanos: 0, reason: .taskThrew, message: "")), .failure),
            (.shutdown(immediate: true), .shutdown), (.goodbye(WorkerTotals(chunks: 1, tasks: 2, busyNanos: 3)), .goodbye),
            (.large(totalBytes: 1), .large), (.rejoin(chunkID: 5), .rejoin), (.returned(chunkID: 6), .returned),
            (.timeline([ChunkTiming(chunkID: 1, start: 2, end: 3)]), .timeline),
        ]
        for (frame, kind) in kinds {
            let bytes = frame.encoded
            #expect(Array(bytes.prefix(8)) == [UInt8(ascii: "M"), UInt8(ascii: "P"), WireProtocol.version, kind.rawValue, 0, 0, 0, 0], "\(kind)")
        }
        #expect(FrameKind.allRawValues == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    }

    @Test func fixedFramesHaveTheDocumentedSizes() {
        #expect(DecodedFrame.shutdown(immediate: false).encoded == header(kind: 5) + [0])
        #expect(DecodedFrame.shutdown(immediate: true).encoded == header(kind: 5) + [1])
        #expect(DecodedFrame.large(totalBytes: 0x0102_0304).encoded == header(kind: 7) + le(UInt64(0x0102_0304)))
        #expect(DecodedFrame.rejoin(chunkID: 0xAB_CDEF).encoded == header(kind: 8) + le(UInt64(0xAB_CDEF)))
        #expect(DecodedFrame.returned(chunkID: 0x12_3456).encoded == header(kind: 9) + le(UInt64(0x12_3456)))
        #expect(DecodedFrame.timeline([ChunkTiming(chunkID: 1, start: 2, end: 3)]).encoded
                == header(kind: 10) + le(UInt32(1)) + le(UInt64(1)) + le(UInt64(2)) + le(UInt64(3)))
        let chunk = ChunkHeader(chunkID: 1, taskID: 2, firstIndex: -3, count: 4, timeoutNanos: 5, giveBackNanos: 6, recordsTimeline: true)
        #expect(DecodedFrame.chunk(chunk, payload: [9]).encoded
                == header(kind: 2) + le(UInt64(1)) + le(UInt32(2)) + le(Int64(-3)) + le(UInt32(4)) + le(UInt64(5)) + le(UInt64(6)) + [1, 9])
        let totals = WorkerTotals(chunks: 1, tasks: 2, busyNanos: 3)
        #expect(DecodedFrame.goodbye(totals).encoded == header(kind: 6) + le(UInt64(1)) + le(UInt64(2)) + le(UInt64(3)))
        let hello = Hello(protocolVersion: 1, fingerprint: 0xABCD, pid: 77, host: "h", initializerError: "e")
        #expect(DecodedFrame.hello(hello).encoded
                == header(kind: 1) + le(UInt32(1)) + le(UInt64(0xABCD)) + le(Int32(77)) + stringField([104]) + stringField([101]))
        let report = FailureReport(chunkID: 5, offset: 6, computeNanos: 7, reason: .unknownTask, message: "m")
        #expect(DecodedFrame.failure(report).encoded
                == header(kind: 4) + le(UInt64(5)) + le(UInt32(6)) + le(UInt64(7)) + [4] + stringField([109]))
    }

    /// The worker patches the compute time into an already written results header
    /// at `headerSize + 8 + 4`; the decoder must read it from there.
    @Test func resultsComputeNanosSitsWhereTheWorkerPatchesIt() throws {
        let buffer = MessageBuffer()
        var writer = WireWriter(buffer)
        FrameEncoder.results(ResultHeader(chunkID: 4, count: 1, computeNanos: 0), into: &writer)
        writer.write(Int(42))
        (buffer.base + WireProtocol.headerSize + 8 + 4).storeBytes(of: UInt64(987_654_321), as: UInt64.self)
        let decoded = try decodeFrame(buffer.array)
        #expect(decoded == .results(ResultHeader(chunkID: 4, count: 1, computeNanos: 987_654_321), payload: le(Int64(42))))
    }

    // MARK: Rejection

    @Test func emptyBufferIsRejected() {
        #expect(throws: WireError.self) { try decodeFrame([]) }
    }

    @Test(arguments: 1..<8)
    func shortHeaderIsRejected(length: Int) {
        let bytes = Array(DecodedFrame.shutdown(immediate: false).encoded.prefix(length))
        #expect(throws: WireError.self) { try decodeFrame(bytes) }
    }

    @Test func badMagicIsRejected() {
        var bytes = DecodedFrame.goodbye(WorkerTotals(chunks: 0, tasks: 0, busyNanos: 0)).encoded
        for (index, value) in [(0, UInt8(0x50)), (1, UInt8(0x4D)), (0, 0), (1, 0xFF)] {
            let saved = bytes[index]
            bytes[index] = value
            #expect(throws: WireError.self) { try decodeFrame(bytes) }
            bytes[index] = saved
        }
        #expect(throws: Never.self) { try decodeFrame(bytes) }
    }

    @Test(arguments: [UInt8(0), WireProtocol.version - 1, WireProtocol.version + 1, 255])
    func wrongVersionIsRejected(version: UInt8) throws {
        let bytes = header(kind: FrameKind.shutdown.rawValue, version: version) + [0]
        let error = try #require(throws: WireError.self) { try decodeFrame(bytes) }
        #expect(error.message.contains("version"))
    }

    @Test(arguments: [UInt8(0), FrameKind.allRawValues.last! + 1, FrameKind.allRawValues.last! + 2, 127, 255])
    func unknownKindIsRejected(kind: UInt8) throws {
        let bytes = header(kind: kind) + [UInt8](repeating: 0, count: 32)
        let error = try #require(throws: WireError.self) { try decodeFrame(bytes) }
        #expect(error.message.contains("kind"))
    }

    @Test(arguments: sampleFrames)
    func everyTruncationOfTheFieldsIsRejected(frame: DecodedFrame) {
        let bytes = frame.encoded
        for length in 0..<frame.fieldBytes {
            #expect(throws: WireError.self, "\(frame) cut to \(length) bytes") { try decodeFrame(Array(bytes.prefix(length))) }
        }
    }

    @Test func truncatedPayloadOnlyShortensThePayload() throws {
        let frame = DecodedFrame.results(ResultHeader(chunkID: 1, count: 2, computeNanos: 3), payload: [9, 8, 7, 6])
        let bytes = frame.encoded
        #expect(try decodeFrame(Array(bytes.dropLast(3))) == .results(ResultHeader(chunkID: 1, count: 2, computeNanos: 3), payload: [9]))
    }

    @Test(arguments: sampleFrames.filter { !$0.hasPayload })
    func trailingBytesAreRejected(frame: DecodedFrame) throws {
        for extra in [[UInt8(0)], [1, 2, 3], [UInt8](repeating: 0xAB, count: 100)] {
            let error = try #require(throws: WireError.self) { try decodeFrame(frame.encoded + extra) }
            #expect(error.message.contains("\(extra.count) unexpected bytes"))
        }
    }

    @Test(arguments: [UInt8(2), 3, 0x80, 255])
    func badShutdownFlagIsRejected(flag: UInt8) {
        #expect(throws: WireError.self) { try decodeFrame(header(kind: 5) + [flag]) }
    }

    @Test(arguments: [UInt8(0), 7, 8, 200, 255])
    func unknownFailureReasonIsRejected(reason: UInt8) throws {
        let bytes = header(kind: 4) + le(UInt64(1)) + le(UInt32(0)) + le(UInt64(0)) + [reason] + stringField([])
        let error = try #require(throws: WireError.self) { try decodeFrame(bytes) }
        #expect(error.message.contains("reason"))
    }

    @Test(arguments: [[UInt8(0xFF)], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0x61, 0x80, 0x62]])
    func invalidUTF8HostIsRejected(host: [UInt8]) throws {
        let bytes = header(kind: 1) + le(UInt32(1)) + le(UInt64(5)) + le(Int32(6)) + stringField(host) + stringField([])
        let error = try #require(throws: WireError.self) { try decodeFrame(bytes) }
        #expect(error.message.contains("UTF-8"))
        // The same frame with a valid host decodes: only the host was wrong.
        let valid = header(kind: 1) + le(UInt32(1)) + le(UInt64(5)) + le(Int32(6)) + stringField([0x61]) + stringField([])
        #expect(throws: Never.self) { try decodeFrame(valid) }
    }

    @Test func invalidUTF8InFailureMessageOrInitializerErrorIsRejected() {
        let failure = header(kind: 4) + le(UInt64(1)) + le(UInt32(0)) + le(UInt64(0)) + [1] + stringField([0xFE])
        #expect(throws: WireError.self) { try decodeFrame(failure) }
        let hello = header(kind: 1) + le(UInt32(1)) + le(UInt64(5)) + le(Int32(6)) + stringField([0x61]) + stringField([0xFF, 0xFF])
        #expect(throws: WireError.self) { try decodeFrame(hello) }
    }

    @Test func stringLengthBeyondTheFrameIsRejected() {
        for length in [UInt32(1), 1000, UInt32(Int32.max), UInt32.max] {
            let bytes = header(kind: 1) + le(UInt32(1)) + le(UInt64(5)) + le(Int32(6)) + le(length) + [0x61]
            #expect(throws: WireError.self, "host length \(length)") { try decodeFrame(bytes) }
        }
    }

    @Test func largeFrameAboveInt32MaxIsRejected() {
        for total in [UInt64(Int32.max) + 1, UInt64(UInt32.max), UInt64.max] {
            #expect(throws: WireError.self) { try decodeFrame(header(kind: 7) + le(total)) }
        }
    }

    // MARK: Fuzz

    /// Whatever decodes must be exactly what the encoder writes for it (reserved bytes aside).
    func checkDecodedReencodes(_ bytes: [UInt8]) {
        guard let frame = try? decodeFrame(bytes) else { return }
        var canonical = bytes
        for i in 4..<min(8, canonical.count) { canonical[i] = 0 }
        #expect(frame.encoded == canonical, "\(bytes) decoded to \(frame)")
    }

    @Test func randomBytesNeverTrap() {
        var rng = SplitMix64(seed: 0x5EED_0001)
        var decoded = 0
        for round in 0..<20_000 {
            let length = Int.random(in: 0...48, using: &rng)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Most rounds get a plausible header so the field decoders are reached.
            if round % 4 != 0 && bytes.count >= 4 {
                bytes[0] = 0x4D; bytes[1] = 0x50; bytes[2] = WireProtocol.version
                bytes[3] = UInt8.random(in: 0...(FrameKind.allRawValues.last! + 1), using: &rng)
            }
            if (try? decodeFrame(bytes)) != nil { decoded += 1 }
            checkDecodedReencodes(bytes)
        }
        #expect(decoded > 0, "the generator should hit some valid frames")
    }

    /// `scripts/fuzz N` runs this test over N frames (`MPIPOOL_FUZZ_FRAMES`, default 20,000 here):
    /// random bytes and mutated frames of every kind. None may trap, and whatever decodes must
    /// re-encode to its own bytes. Prints one `fuzz:` line with the figures.
    @Test func fuzzedFramesNeverTrapAndAcceptedOnesReencode() throws {
        let frames = ProcessInfo.processInfo.environment["MPIPOOL_FUZZ_FRAMES"].flatMap { Int($0) } ?? 20_000
        try #require(frames >= 0, "MPIPOOL_FUZZ_FRAMES must be a count")
        var fuzzer = FrameFuzzer(seed: 0x5EED_0003)
        var accepted = 0, rejected = 0, mismatched = 0
        let clock = ContinuousClock.now
        for _ in 0..<frames {
            let bytes = fuzzer.next()
            guard let frame = try? decodeFrame(bytes) else { rejected += 1; continue }
            accepted += 1
            var canonical = bytes
            for i in 4..<min(8, canonical.count) { canonical[i] = 0 }   // reserved bytes are not kept
            if frame.encoded != canonical {
                mismatched += 1
                if mismatched <= 5 { Issue.record("\(bytes) decoded to \(frame), which encodes differently") }
            }
        }
        let elapsed = ContinuousClock.now - clock
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("fuzz: \(frames) frames (\(fuzzer.randomFrames) random, \(fuzzer.mutatedFrames) mutated): "
              + "\(rejected) rejected, \(accepted) accepted, \(mismatched) accepted but re-encoded differently, no crash "
              + "(\(String(format: "%.1f", seconds)) s)")
        #expect(accepted + rejected == frames)
        #expect(mismatched == 0)
        if frames >= 10_000 { #expect(accepted > 0 && rejected > 0, "the fuzzer should reach both outcomes") }
    }

    // MARK: WireReader bounds

    @Test func readerThrowsInsteadOfReadingPastTheEnd() {
        let bytes: [UInt8] = [1, 2, 3]
        bytes.withUnsafeBytes { raw in
            var r = WireReader(raw)
            #expect(throws: WireError.self) { try r.read(UInt32.self) }
            #expect(r.position == 0, "a failed read does not move")
            let short = try? r.read(UInt16.self)
            #expect(short == 0x0201)
            #expect(throws: WireError.self) { try r.read(bytes: 2) }
            #expect(throws: WireError.self) { try r.read(bytes: -1) }
            let last = try? r.read(bytes: 1)
            #expect(last?.first == 3)
            #expect(r.remaining == 0 && r.rest.isEmpty)
            #expect(throws: WireError.self) { try r.read(UInt8.self) }
        }
    }

    @Test func wireErrorDescribesItself() {
        #expect(WireError("x").description == "malformed message: x")
        #expect(WireError("x") == WireError("x"))
    }
}

extension FrameKind {
    /// Raw values of every kind, found by probing 0...255.
    static var allRawValues: [UInt8] { (0...255).compactMap { FrameKind(rawValue: UInt8($0))?.rawValue } }
}

extension DecodedFrame: CustomTestStringConvertible {
    var testDescription: String {
        switch self {
        case .hello(let h): "hello(host: \(h.host.debugDescription))"
        case .chunk(let c, let p): "chunk(\(c.chunkID), \(p.count) payload bytes)"
        case .results(let r, let p): "results(\(r.chunkID), \(p.count) payload bytes)"
        case .failure(let f): "failure(\(f.reason))"
        case .shutdown(let i): "shutdown(immediate: \(i))"
        case .goodbye: "goodbye"
        case .rejoin(let id): "rejoin(\(id))"
        case .returned(let id): "returned(\(id))"
        case .timeline(let t): "timeline(\(t.count))"
        case .large(let n): "large(\(n))"
        }
    }
}
