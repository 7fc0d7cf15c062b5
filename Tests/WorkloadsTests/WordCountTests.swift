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
