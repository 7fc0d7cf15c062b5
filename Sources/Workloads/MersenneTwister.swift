/// The Mersenne Twister MT19937 exactly as CPython's `random` module uses it.
///
/// `MersenneTwister(seed: 1234).random()` returns the same doubles, bit for
/// bit, as Python's `random.seed(1234); random.random()`:
/// - seeding from an integer is `init_by_array` with the 32-bit words of
///   `abs(seed)`, least significant first (one word `0` for seed 0), as
///   CPython's `random_seed` does;
/// - `random()` builds a 53-bit double from two outputs, `(a >> 5, b >> 6)`,
///   as CPython's `random_random` (`genrand_res53`) does.
///
/// ```swift
/// var rng = MersenneTwister(seed: 1234)
/// let durations = (0..<19).map { _ in 5 * rng.random() }   // 4.8323, 2.2037, 0.0375, …
/// ```
public struct MersenneTwister: Sendable {
    private static let n = 624
    private static let m = 397
    private static let matrixA: UInt32 = 0x9908_b0df
    private static let upperMask: UInt32 = 0x8000_0000
    private static let lowerMask: UInt32 = 0x7fff_ffff

    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 625

    /// Seeds like Python's `random.seed(seed)` for an integer seed.
    public init(seed: Int) {
        let magnitude = seed.magnitude
        var key = [UInt32(truncatingIfNeeded: magnitude)]
        let high = UInt32(truncatingIfNeeded: magnitude >> 32)
        if high != 0 { key.append(high) }
        self.init(key: key)
    }

    /// Seeds with MT19937's `init_by_array(key)` (the reference algorithm).
    public init(key: [UInt32]) {
        initGenrand(19_650_218)
        let n = Self.n
        var i = 1, j = 0
        let keyLength = max(1, key.count)
        let words = key.isEmpty ? [0] : key
        var k = max(n, keyLength)
        while k > 0 {
            let previous = state[i - 1] ^ (state[i - 1] >> 30)
            state[i] = (state[i] ^ (previous &* 1_664_525)) &+ words[j] &+ UInt32(j)
            i += 1; j += 1
            if i >= n { state[0] = state[n - 1]; i = 1 }
            if j >= keyLength { j = 0 }
            k -= 1
        }
        k = n - 1
        while k > 0 {
            let previous = state[i - 1] ^ (state[i - 1] >> 30)
            state[i] = (state[i] ^ (previous &* 1_566_083_941)) &- UInt32(i)
            i += 1
            if i >= n { state[0] = state[n - 1]; i = 1 }
            k -= 1
        }
        state[0] = 0x8000_0000
        index = n
    }

    private mutating func initGenrand(_ seed: UInt32) {
        state[0] = seed
        for i in 1..<Self.n {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
        index = Self.n
    }

    /// The next 32-bit output (`genrand_uint32`, Python's `getrandbits(32)`).
    public mutating func nextUInt32() -> UInt32 {
        let n = Self.n, m = Self.m
        if index >= n {
            for kk in 0..<n {
                let y = (state[kk] & Self.upperMask) | (state[(kk + 1) % n] & Self.lowerMask)
                state[kk] = state[(kk + m) % n] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : Self.matrixA)
            }
            index = 0
        }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    /// A double in [0, 1) with 53 random bits (Python's `random.random()`).
    public mutating func random() -> Double {
        let a = Double(nextUInt32() >> 5), b = Double(nextUInt32() >> 6)
        return (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }
}

/// The sleep durations of the "pool of workers" tutorial: `maxSeconds * random.random()`
/// for `count` jobs after `random.seed(seed)`, exactly as Python computes them.
///
/// ```swift
/// sleepDurations(count: 19, seed: 1234, maxSeconds: 5)   // [4.8323…, 2.2037…, …], total 42.3570
/// ```
public func sleepDurations(count: Int, seed: Int, maxSeconds: Double) -> [Double] {
    var rng = MersenneTwister(seed: seed)
    return (0..<max(0, count)).map { _ in maxSeconds * rng.random() }
}
