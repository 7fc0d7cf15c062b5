import Testing
@testable import TaskFarm

/// Quoting is judged by the shell itself: `sh -c "printf %s QUOTED"` must print the word back,
/// byte for byte, and nothing in it may run.
@Suite struct ShellQuoteTests {
    static let hostile: [[UInt8]] = [
        "a b", "'", "\"", "$(touch /tmp/mpipool-quote-test)", ";rm", "`id`", "a\tb", "a\nb", "", " ", "\\", "$HOME", "~", "#x",
        "*", "?", "[a]", "{a,b}", "a=b", "if", "done", "!", "&", "|", "<", ">", "(", ")", "'\"'\"'", "--flag", "-", "é ü", "\u{1F600}",
    ].map { Array($0.utf8) } + [[0xFF, 0xFE, 0x41], [0x80]]

    @Test(arguments: hostile)
    func theShellReadsTheQuotedWordBackExactly(word: [UInt8]) throws {
        let quoted = ShellQuote.quote(word)
        let result = ChildProcess.run(ChildProcess.Request(command: Array("printf %s ".utf8) + quoted))
        #expect(result.succeeded, "\(result)")
        #expect(result.stdout == word, "\(String(decoding: quoted, as: UTF8.self))")
    }

    @Test func plainWordsStayAsTheyAreAndTheRestIsSingleQuoted() {
        #expect(ShellQuote.quote("run-42.dat") == "run-42.dat")
        #expect(ShellQuote.quote("a/b:c,d+e@f%g_h.i") == "a/b:c,d+e@f%g_h.i")
        #expect(ShellQuote.quote("a b") == "'a b'")
        #expect(ShellQuote.quote("it's") == "'it'\\''s'")
        #expect(ShellQuote.quote("") == "''")
        #expect(ShellQuote.quote("a=b") == "'a=b'", "an assignment in a command name's place")
        #expect(ShellQuote.quote("if") == "'if'", "a reserved word in a command name's place")
    }

    @Test func aQuotedWordInTheCommandNamesPlaceIsACommandNotSyntax() {
        // `{1} x` with the data "if" or "A=b" must try to run a command of that name.
        for word in ["if", "A=b", "done"] {
            let result = ChildProcess.run(ChildProcess.Request(command: Array((ShellQuote.quote(word) + " x").utf8)))
            #expect(result.exitStatus == 127, "\(word): \(result)")
        }
    }
}
