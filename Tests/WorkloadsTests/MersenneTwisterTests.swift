import Testing
import Workloads

/// Reference values printed by CPython 3 (`random.seed(s); random.random()`), see each test.
@Suite struct MersenneTwisterTests {
    @Test func seed1234GivesTheTutorialDurations() {
        // The durations the "pool of workers" tutorial prints (5 * random.random(), 4 decimals).
        let expected = [4.8323, 2.2037, 0.0375, 4.5549, 4.6963, 2.9111, 3.3578, 0.4197, 3.8324, 1.1840,
                        0.1541, 3.9439, 1.7304, 3.1164, 3.0791, 0.7428, 0.9155, 0.5721, 0.0731]
        let durations = sleepDurations(count: 19, seed: 1234, maxSeconds: 5)
        #expect(durations.count == 19)
        for (d, e) in zip(durations, expected) { #expect(abs(d - e) < 0.00005, "\(d) vs \(e)") }
        #expect(abs(durations.reduce(0, +) - 42.3570) < 0.00005)
    }

    @Test func doublesMatchCPythonBitForBit() {
        // python3 -c 'import random; random.seed(42); print([random.random() for _ in range(3)])'
        var rng = MersenneTwister(seed: 42)
        #expect(rng.random() == 0.6394267984578837)
        #expect(rng.random() == 0.025010755222666936)
        #expect(rng.random() == 0.27502931836911926)
    }

    @Test func seedZeroNegativeAndWideSeedsFollowCPython() {
        var zero = MersenneTwister(seed: 0)        // key [0]
        #expect(zero.random() == 0.8444218515250481)
        #expect(zero.random() == 0.7579544029403025)
        var negative = MersenneTwister(seed: -7)   // CPython seeds with abs(n)
        #expect(negative.random() == 0.32383276483316237)
        var wide = MersenneTwister(seed: (1 << 40) + 5)   // two 32-bit key words
        #expect(wide.random() == 0.5043802970418443)
    }

    @Test func stateRegeneratesAfter624Words() {
        // random.seed(1234); 700 draws; then random.random() — crosses the 624-word twist twice.
        var rng = MersenneTwister(seed: 1234)
        for _ in 0..<700 { _ = rng.random() }
        #expect(rng.random() == 0.25693756873105145)
    }

    @Test func firstWordIsGetrandbits32() {
        // random.seed(1234); random.getrandbits(32)
        var rng = MersenneTwister(seed: 1234)
        #expect(rng.nextUInt32() == 4_150_886_329)
    }
}
