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
    public mutating func add(utf8 bytes: UnsafeRawBufferPointer) {
        var tokenizer = Tokenizer()
        var scalars = bytes.lazy.map { $0 }.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&scalars) {
            case .scalarValue(let scalar):
                if let word = tokenizer.feed(scalar) { counts[word, default: 0] += 1 }
            case .error:
                if let word = tokenizer.feed(" ") { counts[word, default: 0] += 1 }
            case .emptyInput:
                break loop
            }
        }
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

/// The state machine of the tokenisation: scalars in, finished words out.
struct Tokenizer {
    private var word = String.UnicodeScalarView()
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
            if apostrophe { word.append("'"); apostrophe = false }
            word.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            return nil
        default:
            return finish()
        }
    }

    /// Ends the current word, if any, and returns it.
    mutating func finish() -> String? {
        apostrophe = false
        guard !word.isEmpty else { return nil }
        defer { word = String.UnicodeScalarView() }
        return String(word)
    }

    private mutating func appendLetter(_ lower: Unicode.Scalar) {
        if apostrophe { word.append("'"); apostrophe = false }
        word.append(lower)
    }

    private mutating func sawApostrophe() -> String? {
        if word.isEmpty { return nil }
        if apostrophe { return finish() }
        apostrophe = true
        return nil
    }
}
