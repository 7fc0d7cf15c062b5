import Foundation

/// A journal file as the tests read it, without the library: the format the `Journal` documentation
/// gives — records of `magic u32, body length u32, FNV-1a-64 of the body u64, body`, little-endian;
/// a map record (type 1: key, task, fingerprint, count, arguments hash) and results records
/// (type 2: key, the items' indices, their encoded results; type 3: an imap's, with each item's
/// argument hash after the indices; type 4: key, first index, count, hash flag, [hashes], results). Reading stops at the first record
/// that is cut short or fails its checksum: what follows is a torn tail.
struct JournalFile {
    struct Map: Equatable {
        var key: String
        var task: String
        var fingerprint: UInt64
        var count: Int
    }

    /// The whole file.
    let bytes: [UInt8]
    /// The length of the valid records from the start (`bytes.count - validLength`: the torn tail).
    private(set) var validLength = 0
    private(set) var maps: [Map] = []
    /// Each map key's recorded item indices, in the order they were written.
    private(set) var recorded: [String: [Int]] = [:]

    /// Reads `path` (a missing file reads as empty).
    init(path: String) {
        bytes = FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
        var at = 0
        while bytes.count - at >= 16 {
            let length = Int(number(UInt32.self, at + 4))
            guard number(UInt32.self, at) == 0x4A52_504D, length <= bytes.count - at - 16,
                  Self.hash(bytes[(at + 16)..<(at + 16 + length)]) == number(UInt64.self, at + 8),
                  read(body: at + 16, length: length) else { break }
            at += 16 + length
        }
        validLength = at
    }

    /// The indices recorded for `key`.
    func items(of key: String = "map 1") -> [Int] { recorded[key] ?? [] }

    private mutating func read(body start: Int, length: Int) -> Bool {
        var at = start
        let end = start + length
        func take<T: FixedWidthInteger>(_: T.Type) -> T? {
            guard end - at >= MemoryLayout<T>.size else { return nil }
            defer { at += MemoryLayout<T>.size }
            return number(T.self, at)
        }
        func string() -> String? {
            guard let n = take(UInt32.self).map(Int.init), end - at >= n else { return nil }
            defer { at += n }
            return String(decoding: bytes[at..<(at + n)], as: UTF8.self)
        }
        switch take(UInt8.self) {
        case 1:
            guard let key = string(), let task = string(), let fingerprint = take(UInt64.self), let count = take(UInt64.self),
                  take(UInt64.self) != nil, at == end else { return false }
            maps.append(Map(key: key, task: task, fingerprint: fingerprint, count: Int(count)))
        case 2:
            guard let key = string(), let n = take(UInt32.self) else { return false }
            var indices: [Int] = []
            for _ in 0..<n {
                guard let index = take(UInt64.self) else { return false }
                indices.append(Int(index))
            }
            recorded[key, default: []] += indices
        case 3:
            // An imap's results: the indices, then each item's argument hash.
            guard let key = string(), let n = take(UInt32.self), end - at >= Int(n) * 16 else { return false }
            for _ in 0..<n { recorded[key, default: []].append(Int(take(UInt64.self)!)) }
        case 4:
            // Results for the items first..<first + count (with a flag: each item's argument hash follows).
            guard let key = string(), let first = take(UInt64.self), let n = take(UInt32.self), let flag = take(UInt8.self), flag <= 1,
                  end - at >= (flag == 1 ? Int(n) * 8 : 0) else { return false }
            recorded[key, default: []] += Array(Int(first)..<(Int(first) + Int(n)))
        default:
            return false
        }
        return true
    }

    private func number<T: FixedWidthInteger>(_: T.Type, _ at: Int) -> T {
        var value: T = 0
        for k in 0..<MemoryLayout<T>.size { value |= T(bytes[at + k]) << (8 * k) }
        return value
    }

    /// FNV-1a-64 over little-endian 8-byte words, then the tail byte by byte, then the length.
    static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        let prime: UInt64 = 0x0000_0100_0000_01b3
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var at = bytes.startIndex
        while bytes.endIndex - at >= 8 {
            var word: UInt64 = 0
            for k in 0..<8 { word |= UInt64(bytes[at + k]) << (8 * k) }
            h = (h ^ word) &* prime
            at += 8
        }
        while at < bytes.endIndex { h = (h ^ UInt64(bytes[at])) &* prime; at += 1 }
        return (h ^ UInt64(bytes.count)) &* prime
    }
}
