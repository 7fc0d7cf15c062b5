import CBarrier

/// The sum 1 + 2 + … + x by a real loop of x dependent additions.
///
/// The point is CPU work: LLVM would fold `for i in 1...x { s += i }` into a
/// closed form, so each step passes the accumulator through an empty `asm
/// volatile` (`cbarrier_opaque`). Benchmarks report nanoseconds per iteration
/// to show it really loops (≈ 0.4 ns on this machine; a folded loop shows ≈ 0).
public func sumAllValues(_ x: Int) -> Int {
    var total: Int64 = 0
    var i: Int64 = 1
    let end = Int64(x)
    while i <= end {
        total = cbarrier_opaque(total &+ i)
        i &+= 1
    }
    return Int(total)
}
