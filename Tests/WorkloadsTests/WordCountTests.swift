import Testing
import Workloads

@Suite struct WordCountTests {
    @Test func apostrophesStayOnlyBetweenLetters() {
        #expect(words(in: "'Tis Cæsar's well-favour'd hand") == ["tis", "cæsar's", "well", "favour'd", "hand"])
        #expect(words(in: "O'er the lovers' heads, ne'er") == ["o'er", "the", "lovers", "heads", "ne'er"])
        #expect(words(in: "don''t 'x' a'b'c") == ["don", "t", "x", "a'b'c"])
        #expect(words(in: "King’s") == ["king's"])
    }

    @Test func digitsUnderscoresAndPunctuationSeparate() {
        #expect(words(in: "ACT_1 scene2: 3rd--Enter") == ["act", "scene", "rd", "enter"])
        #expect(words(in: "") == [])
        #expect(words(in: "  ...  ") == [])
    }

    @Test func lettersAreUnicodeAndLowerCased() {
        #expect(words(in: "ÆSOP Phæton VITÆ") == ["æsop", "phæton", "vitæ"])
        #expect(words(in: "Straße ΣΟΦΙΑ") == ["straße", "σοφια"])
        // A combining mark (category Mn) is not a letter: decomposed é splits the word.
        #expect(words(in: "cafe\u{301} x") == ["cafe", "x"])
    }

    @Test func countsTotalsTopAndMerge() {
        var counts = WordCounts()
        counts.add(text: "To be, or not to be: that is the question.")
        #expect(counts.total == 10)
        #expect(counts.distinct == 8)
        #expect(counts["be"] == 2)
        #expect(counts["to"] == 2)
        #expect(counts.top(3).map(\.word) == ["be", "to", "is"])   // ties alphabetical
        var more = WordCounts()
        more.add(text: "TO be")
        counts.merge(more)
        #expect(counts["to"] == 3 && counts["be"] == 3)
        #expect(counts.alphabetical.first!.word == "be")
    }

    @Test func invalidUTF8SeparatesWords() {
        var counts = WordCounts()
        let bytes: [UInt8] = Array("good".utf8) + [0xff] + Array("night".utf8)
        bytes.withUnsafeBytes { counts.add(utf8: $0) }
        #expect(counts.alphabetical.map(\.word) == ["good", "night"])
    }

    @Test func utf8AndStringPathsAgree() {
        let text = "Friends, Romans, countrymen, lend me your ears; I come to bury Cæsar, not to praise him.\n'Tis"
        var a = WordCounts(), b = WordCounts()
        a.add(text: text)
        Array(text.utf8).withUnsafeBytes { b.add(utf8: $0) }
        #expect(a == b)
        #expect(a.total == words(in: text).count)
    }
}

/// `StreamingWordCounts`: a text fed in blocks cut anywhere counts as the whole text.
@Suite struct StreamingWordCountTests {
    /// Words with letters of 1, 2, 3 and 4 UTF-8 bytes (𐐀 is U+10400, lower-cased to 𐐨), both apostrophes,
    /// a doubled one, invalid bytes (a lone 0xFF, a cut-short "’") and an unfinished sequence at the very end.
    static let text: [UInt8] = Array("O'er Cæsar’s 𐐀𐐨x, ΣΟΦΙΑ don''t ".utf8) + [0xE2, 0x80] + Array("ab".utf8) + [0xFF]
        + Array("c’d lovers’ ".utf8) + [0xF0, 0x90, 0x90]

    static func whole(_ bytes: [UInt8]) -> WordCounts {
        var counts = WordCounts()
        bytes.withUnsafeBytes { counts.add(utf8: $0) }
        return counts
    }

    /// The counts of `bytes` fed as the blocks between the cut positions `cuts` (ascending).
    static func streamed(_ bytes: [UInt8], cuts: [Int]) throws -> WordCounts {
        var counting = StreamingWordCounts()
        var start = 0
        for end in cuts + [bytes.count] {
            try bytes[start..<end].withUnsafeBytes { try counting.add(utf8Block: $0) }
            start = end
        }
        #expect(counting.bytesRead == bytes.count)
        return counting.finish()
    }

    @Test func theTextHasTheWordsItShould() {
        let counts = Self.whole(Self.text)
        #expect(counts.alphabetical.map(\.word) == ["ab", "c'd", "cæsar's", "don", "lovers", "o'er", "t", "σοφια", "𐐨𐐨x"])
    }

    @Test func oneCutAtEveryPositionCountsAsTheWhole() throws {
        let expected = Self.whole(Self.text)
        for cut in 0...Self.text.count {
            let counts = try Self.streamed(Self.text, cuts: [cut])
            #expect(counts == expected, "cut at byte \(cut)")
        }
    }

    @Test func twoCutsAtEveryPairOfPositionsCountAsTheWhole() throws {
        let expected = Self.whole(Self.text)
        for first in 0...Self.text.count {
            for second in first...Self.text.count {
                let counts = try Self.streamed(Self.text, cuts: [first, second])
                #expect(counts == expected, "cuts at bytes \(first) and \(second)")
            }
        }
    }

    @Test func oneByteBlocksCountAsTheWhole() throws {
        #expect(try Self.streamed(Self.text, cuts: Array(0...Self.text.count)) == Self.whole(Self.text))
    }

    @Test(arguments: [1, 2, 3])
    func aFourByteLetterCutInsideStaysInItsWord(cut: Int) throws {
        let bytes = Array("a𐐀b".utf8)   // a, then 4 bytes, then b
        let counts = try Self.streamed(bytes, cuts: [1 + cut])
        #expect(counts.alphabetical.map(\.word) == ["a𐐨b"])
    }

    @Test func aTwoByteLetterCutInsideStaysInItsWord() throws {
        let bytes = Array("Cæsar".utf8)
        let counts = try Self.streamed(bytes, cuts: [2])   // between the two bytes of æ
        #expect(counts["cæsar"] == 1 && counts.total == 1)
    }

    @Test func anApostropheCutFromItsWordStaysInIt() throws {
        let bytes = Array("o’er o'er".utf8)
        for cut in 1...5 {   // before, inside (twice) and after the three bytes of ’
            let counts = try Self.streamed(bytes, cuts: [cut])
            #expect(counts["o'er"] == 2 && counts.total == 2, "cut at byte \(cut)")
        }
    }

    /// Random texts over bytes that stress the decoder (leads, continuations, surrogates' and overlongs' leads,
    /// bytes never in UTF-8), cut into random blocks: as many as the seed gives, each compared with the whole.
    @Test(arguments: [1, 2, 3, 4])
    func seededRandomBytesCutAnywhereCountAsTheWhole(seed: Int) throws {
        let alphabet: [UInt8] = [0x61, 0x62, 0x41, 0x20, 0x27, 0x2D, 0x80, 0x90, 0x99, 0xA0, 0xA6, 0xBF, 0xC0, 0xC3,
                                 0xCE, 0xA3, 0xE0, 0xE2, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF]
        var random = MersenneTwister(seed: seed)
        for _ in 0..<400 {
            let length = Int(random.nextUInt32() % 48)
            let bytes = (0..<length).map { _ in alphabet[Int(random.nextUInt32() % UInt32(alphabet.count))] }
            let cuts = (0..<Int(random.nextUInt32() % 6)).map { _ in Int(random.nextUInt32() % UInt32(length + 1)) }.sorted()
            #expect(try Self.streamed(bytes, cuts: cuts) == Self.whole(bytes), "\(bytes) cut at \(cuts)")
        }
    }

    @Test func anUnfinishedSequenceAtTheEndSeparates() throws {
        var counting = StreamingWordCounts()
        try ([0x61, 0x62, 0xC3] as [UInt8]).withUnsafeBytes { try counting.add(utf8Block: $0) }   // "ab" and a lead byte
        #expect(counting.finish().alphabetical.map(\.word) == ["ab"])
    }

    @Test func aWordPastTheLimitThrowsAfterItsBlock() throws {
        var counting = StreamingWordCounts(maximumWordBytes: 8)
        try Array("abcd".utf8).withUnsafeBytes { try counting.add(utf8Block: $0) }
        try Array("efgh ijklmnop q".utf8).withUnsafeBytes { try counting.add(utf8Block: $0) }   // words of exactly 8
        #expect(throws: WordTooLong(limit: 8, byteOffset: 27)) {
            try Array("rstuvwxy".utf8).withUnsafeBytes { try counting.add(utf8Block: $0) }   // "q" + 8 letters
        }
        var lower = StreamingWordCounts(maximumWordBytes: 4)
        #expect(throws: WordTooLong(limit: 4, byteOffset: 5)) {
            try Array("Σæ".utf8).withUnsafeBytes { try lower.add(utf8Block: $0) }   // σ and æ: 2 bytes each, at the limit
            try Array("a".utf8).withUnsafeBytes { try lower.add(utf8Block: $0) }   // one past it
        }
    }

    @Test func aLongWordUnderTheLimitIsCountedWhole() throws {
        let bytes = [UInt8](repeating: 0x61, count: 10_000) + [0x20]
        let counts = try Self.streamed(bytes, cuts: Array(stride(from: 0, to: 10_000, by: 999)))
        #expect(counts[String(repeating: "a", count: 10_000)] == 1 && counts.total == 1)
    }
}
