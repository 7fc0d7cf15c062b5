/// Word counts of texts, with one fixed tokenisation.
///
/// **A word** is a maximal run of letters (Unicode general category L:
/// Lu, Ll, Lt, Lm, Lo — what Python's `str.isalpha()` accepts), lower-cased
/// with Unicode's full lower-case mapping, in which an apostrophe (`'` or
/// `’`, kept as `'`) may stand between two letters: `o'er`, `king's` and
/// `ne'er` are words; `'tis` counts as `tis` and `lovers'` as `lovers`.
/// Everything else separates words: spaces, digits, hyphens (`well-favour'd`
/// is `well` and `favour'd`), underscores, other punctuation. Bytes that are
/// not UTF-8 are separators too.
///
/// ```swift
/// var counts = WordCounts()
/// counts.add(text: "To be, or not to be: that is the question.")
/// counts["be"]           // 2
/// counts.total           // 10
/// counts.top(1)          // [("be", 2)]   (ties by word)
/// ```
public struct WordCounts: Sendable, Equatable {
    /// How often each word occurs.
    public private(set) var counts: [String: Int] = [:]

    /// An empty count.
    public init() {}

    init(dictionary: [String: Int]) { counts = dictionary }

    /// Counts from `(word, count)` pairs (summing repeats).
    public init(_ pairs: some Sequence<(String, Int)>) {
        for (word, n) in pairs { counts[word, default: 0] += n }
    }

    /// Occurrences of `word` (0 if absent).
    public subscript(word: String) -> Int { counts[word] ?? 0 }

    /// All occurrences of all words.
    public var total: Int { counts.values.reduce(0, +) }

    /// Distinct words.
    public var distinct: Int { counts.count }

    /// Counts the words of `text`.
    public mutating func add(text: String) {
        var copy = text
        copy.withUTF8 { add(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// Counts the words of UTF-8 bytes (invalid sequences separate words).
    ///
    /// The bytes are one whole text: a word at their end is finished. For a
    /// text that arrives in blocks, use `StreamingWordCounts`.
    public mutating func add(utf8 bytes: UnsafeRawBufferPointer) {
        var tokenizer = Tokenizer()
        var iterator = bytes.makeIterator()
        countScalars(of: &iterator, with: &tokenizer, into: &counts)
        if let word = tokenizer.finish() { counts[word, default: 0] += 1 }
    }

    /// Adds `counts[i]` occurrences of `words[i]` for each i (as a worker sends them).
    public mutating func add(words: [String], counts: [Int]) {
        for (word, n) in zip(words, counts) { self.counts[word, default: 0] += n }
    }

    /// Adds every count of `other`.
    public mutating func merge(_ other: WordCounts) {
        counts.merge(other.counts, uniquingKeysWith: +)
    }

    /// The `n` most frequent words, most frequent first, ties in alphabetical order.
    public func top(_ n: Int) -> [(word: String, count: Int)] {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(max(0, n)).map { (word: $0.key, count: $0.value) }
    }

    /// Every word with its count, in alphabetical (code point) order.
    public var alphabetical: [(word: String, count: Int)] {
        let pairs: [(key: String, value: Int)] = counts.sorted { (a: (key: String, value: Int), b: (key: String, value: Int)) in
            a.key.unicodeScalars.lexicographicallyPrecedes(b.key.unicodeScalars)
        }
        return pairs.map { (word: $0.key, count: $0.value) }
    }
}

/// The words of `text`, in order, by the rule of `WordCounts`.
///
/// ```swift
/// words(in: "'Tis Cæsar's well-favour'd hand")   // ["tis", "cæsar's", "well", "favour'd", "hand"]
/// ```
public func words(in text: String) -> [String] {
    var tokenizer = Tokenizer()
    var out: [String] = []
    for scalar in text.unicodeScalars { if let w = tokenizer.feed(scalar) { out.append(w) } }
    if let w = tokenizer.finish() { out.append(w) }
    return out
}

/// Word counts of one UTF-8 text fed in blocks of any size, split anywhere:
/// a word, an apostrophe or a multi-byte character cut by a block boundary is
/// carried into the next block, so the counts are those of the whole text.
///
/// Memory does not grow with the text, only with its distinct words and the
/// word being read; `maximumWordBytes` bounds that word (a text of one endless
/// "word" is not a text: `add` throws `WordTooLong`).
///
/// ```swift
/// let text = Array("Cæsar’s ghost".utf8)
/// var counting = StreamingWordCounts()
/// for block in [text[0..<2], text[2..<7], text[7...]] {   // cut inside "æ", then inside "’"
///     try block.withUnsafeBytes { try counting.add(utf8Block: $0) }
/// }
/// counting.finish()["cæsar's"]                           // 1
/// ```
public struct StreamingWordCounts: Sendable {
    /// The longest word accepted, in UTF-8 bytes of its lower-cased form.
    public let maximumWordBytes: Int
    /// Bytes taken so far.
    public private(set) var bytesRead = 0
    private var counts: [String: Int] = [:]
    private var tokenizer = Tokenizer()
    /// The last bytes of the previous block when they begin a UTF-8 sequence
    /// it did not finish (at most 3).
    private var pending: [UInt8] = []

    /// An empty count that accepts words of up to `maximumWordBytes` bytes.
    public init(maximumWordBytes: Int = .max) {
        self.maximumWordBytes = maximumWordBytes
    }

    /// Counts the words of the next block of the text; a word or a UTF-8
    /// sequence still open at its end goes on in the next block.
    ///
    /// Throws `WordTooLong` once the open word is longer than
    /// `maximumWordBytes` (checked after each block, so it may have grown by up
    /// to a block's worth past the limit); the counts are then incomplete.
    public mutating func add(utf8Block block: UnsafeRawBufferPointer) throws(WordTooLong) {
        let held = Self.unfinishedSequenceLength(pending: pending, block: block)
        var bytes = ChainedBytes(head: pending, block: block, end: pending.count + block.count - held)
        countScalars(of: &bytes, with: &tokenizer, into: &counts)
        let total = pending.count + block.count
        pending = (total - held..<total).map { $0 < pending.count ? pending[$0] : block[$0 - pending.count] }
        bytesRead += block.count
        if tokenizer.wordBytes > maximumWordBytes {
            throw WordTooLong(limit: maximumWordBytes, byteOffset: bytesRead)
        }
    }

    /// Ends the text (an unfinished UTF-8 sequence at its end separates, as
    /// any invalid bytes do) and returns its counts.
    public mutating func finish() -> WordCounts {
        var rest = pending.makeIterator()
        countScalars(of: &rest, with: &tokenizer, into: &counts)
        pending = []
        if let word = tokenizer.finish() { counts[word, default: 0] += 1 }
        return WordCounts(dictionary: counts)
    }

    /// How many bytes at the end of `pending + block` begin a UTF-8 sequence
    /// that needs more bytes than are there (0 if none). Holding them back is
    /// always safe: such a run starts with a lead byte (0xC0 or above), which
    /// UTF-8 decoding never takes as part of the sequence before it, so the
    /// text decodes the same whether or not it is cut there.
    static func unfinishedSequenceLength(pending: [UInt8], block: UnsafeRawBufferPointer) -> Int {
        let total = pending.count + block.count
        for back in 1...3 where back <= total {
            let i = total - back
            let byte = i < pending.count ? pending[i] : block[i - pending.count]
            if byte & 0xC0 == 0x80 { continue }            // a continuation byte: look further back
            if byte < 0xC0 { return 0 }                      // ASCII: nothing open
            let needed = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
            return needed > back ? back : 0
        }
        return 0
    }
}

/// A word longer than `StreamingWordCounts.maximumWordBytes`.
public struct WordTooLong: Error, Equatable, CustomStringConvertible {
    /// The limit, in UTF-8 bytes.
    public let limit: Int
    /// How many bytes of the text had been read when the word passed the limit.
    public let byteOffset: Int

    /// The error for a word past `limit` bytes, noticed after `byteOffset` bytes of the text.
    public init(limit: Int, byteOffset: Int) {
        self.limit = limit
        self.byteOffset = byteOffset
    }

    public var description: String {
        "a word longer than \(limit >> 20 > 0 ? "\(limit >> 20) MiB" : "\(limit) bytes") (by byte \(byteOffset))"
    }
}

/// The bytes of a held-back head (the previous block's unfinished sequence)
/// and then of a block, up to `end` (counted from the head's start).
private struct ChainedBytes: IteratorProtocol {
    let head: [UInt8]
    let block: UnsafeRawBufferPointer
    let end: Int
    var index = 0

    mutating func next() -> UInt8? {
        guard index < end else { return nil }
        defer { index += 1 }
        return index < head.count ? head[index] : block[index - head.count]
    }
}

/// Feeds the scalars decoded from `bytes` to `tokenizer` and counts the words
/// it finishes; the word still open at the end stays in `tokenizer`.
private func countScalars<Bytes: IteratorProtocol<UInt8>>(of bytes: inout Bytes, with tokenizer: inout Tokenizer,
                                                          into counts: inout [String: Int]) {
    var decoder = UTF8()
    while true {
        switch decoder.decode(&bytes) {
        case .scalarValue(let scalar):
            if let word = tokenizer.feed(scalar) { counts[word, default: 0] += 1 }
        case .error:
            if let word = tokenizer.feed(" ") { counts[word, default: 0] += 1 }
        case .emptyInput:
            return
        }
    }
}

/// The state machine of the tokenisation: scalars in, finished words out.
struct Tokenizer {
    private var word = String.UnicodeScalarView()
    /// The UTF-8 length of `word`.
    private(set) var wordBytes = 0
    /// An apostrophe seen after a letter, kept only if a letter follows.
    private var apostrophe = false

    /// Takes one scalar; returns a word that it ended, if any.
    mutating func feed(_ scalar: Unicode.Scalar) -> String? {
        if scalar.value < 0x80 {
            let v = scalar.value
            if v >= 0x61 && v <= 0x7a { appendLetter(scalar); return nil }
            if v >= 0x41 && v <= 0x5a { appendLetter(Unicode.Scalar(v + 0x20)!); return nil }
            if v == 0x27 { return sawApostrophe() }
            return finish()
        }
        if scalar == "\u{2019}" { return sawApostrophe() }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            if apostrophe { word.append("'"); wordBytes += 1; apostrophe = false }
            let lower = scalar.properties.lowercaseMapping
            word.append(contentsOf: lower.unicodeScalars)
            wordBytes += lower.utf8.count
            return nil
        default:
            return finish()
        }
    }

    /// Ends the current word, if any, and returns it.
    mutating func finish() -> String? {
        apostrophe = false
        guard !word.isEmpty else { return nil }
        defer { word = String.UnicodeScalarView(); wordBytes = 0 }
        return String(word)
    }

    private mutating func appendLetter(_ lower: Unicode.Scalar) {
        if apostrophe { word.append("'"); wordBytes += 1; apostrophe = false }
        word.append(lower)
        wordBytes += 1
    }

    private mutating func sawApostrophe() -> String? {
        if word.isEmpty { return nil }
        if apostrophe { return finish() }
        apostrophe = true
        return nil
    }
}
