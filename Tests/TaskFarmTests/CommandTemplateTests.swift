import Testing
import TaskFarm

@Suite struct CommandTemplateTests {
    func render(_ template: String, _ line: String, task: Int = 1) throws -> String {
        String(decoding: try CommandTemplate(template).render(line: Array(line.utf8), task: task), as: UTF8.self)
    }

    @Test func columnsLineAndTaskNumberAreFilledIn() throws {
        #expect(try render("simulate --seed {1} --out run-{1}.dat", "42\tx") == "simulate --seed 42 --out run-42.dat")
        #expect(try render("cp {1} {2}", "a b\tc") == "cp 'a b' c")
        #expect(try render("echo {}", "a\tb") == "echo 'a\tb'")
        #expect(try render("job-{#}: {2}", "x\ty", task: 17) == "job-17: y")
        #expect(try render("echo {3}", "x\ty") == "echo ''", "a missing column is empty")
        #expect(try render("echo {1}", "") == "echo ''")
        #expect(try render("echo {10}", "1\t2\t3\t4\t5\t6\t7\t8\t9\tten") == "echo ten")
    }

    @Test func otherBracesAreKeptAsWritten() throws {
        #expect(try render("awk '{print $1}' {}", "f") == "awk '{print $1}' f")
        #expect(try render("echo ${HOME} {x} {1a} { } {", "f") == "echo ${HOME} {x} {1a} { } { f", "no placeholder: {} appended")
        #expect(try render("echo {#", "f") == "echo {# f")
    }

    @Test func aTemplateWithoutPlaceholdersGetsTheLineAppended() throws {
        #expect(try render("gzip -9", "my file.txt") == "gzip -9 'my file.txt'")
        #expect(try CommandTemplate("echo {#}").parts == [.literal(Array("echo ".utf8)), .taskNumber], "{#} alone is a placeholder")
    }

    @Test func columnZeroAndHugeColumnsAreRefused() {
        #expect(throws: TemplateError.columnZero) { try CommandTemplate("echo {0}") }
        #expect(throws: TemplateError.columnTooLarge("12345678")) { try CommandTemplate("echo {12345678}") }
    }

    @Test func hostileDataStaysData() throws {
        let marker = "/tmp/mpipool-template-\(UInt64.random(in: 0...UInt64.max))"
        for data in ["$(touch \(marker))", "`touch \(marker)`", "; touch \(marker)", "' ; touch \(marker); '", "\" ; touch \(marker); \""] {
            let command = try CommandTemplate("printf '[%s]\\n' {1} {}").render(line: Array(data.utf8), task: 1)
            let result = ChildProcess.run(ChildProcess.Request(command: command))
            #expect(result.succeeded)
            #expect(String(decoding: result.stdout, as: UTF8.self) == "[\(data)]\n[\(data)]\n")
        }
        #expect(access(marker, F_OK) != 0, "nothing ran: \(marker) does not exist")
    }
}

#if canImport(Glibc)
import Glibc
#endif
