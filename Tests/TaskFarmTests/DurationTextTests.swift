import Testing
import TaskFarm

@Suite struct DurationTextTests {
    @Test(arguments: [("90", 90.0), ("1.5", 1.5), ("30s", 30), ("250ms", 0.25), ("2m", 120), ("1h", 3600), ("1h30m", 5400),
                      ("1m30s", 90), ("1d", 86400), ("0", 0), ("1H", 3600), (".5s", 0.5)])
    func durationsAsTyped(text: String, seconds: Double) {
        #expect(DurationText.seconds(text) == seconds)
    }

    @Test(arguments: ["", "s", "-1", "1x", "1.2.3", "nan", "inf", "1 s", "m1", "1e3", "."])
    func otherTextIsNotADuration(text: String) {
        #expect(DurationText.seconds(text) == nil)
    }
}
