/// Amdahl's law fitted to measured run times.
///
/// With a parallel fraction `p`, `n` workers take `T(n) = T(1) · ((1 − p) + p / n)`,
/// so the speed-up is `S(n) = 1 / ((1 − p) + p / n)` and can never pass `1 / (1 − p)`.
/// The normalised time `T(n)/T(1) = 1 − p · (1 − 1/n)` is linear in `p`, so the
/// least-squares `p` over the measurements has a closed form:
/// `p = Σ (1 − 1/Sᵢ)(1 − 1/nᵢ) / Σ (1 − 1/nᵢ)²`, clamped to [0, 1].
///
/// ```swift
/// let fit = AmdahlFit(points: [(1, 1.0), (2, 1.9), (4, 3.4)])!   // (workers, speed-up)
/// fit.parallelFraction        // ≈ 0.95
/// fit.limit                   // ≈ 20: the speed-up with infinitely many workers
/// fit.speedup(workers: 8)     // ≈ 5.9
/// ```
public struct AmdahlFit: Sendable, Equatable {
    /// The fitted parallel fraction `p`, in [0, 1].
    public let parallelFraction: Double
    /// The root-mean-square error of the fitted speed-ups against the measured ones.
    public let rmsError: Double

    /// Fits `p` to `(workers, speedup)` points. Nil when no point has more than one worker.
    public init?(points: [(workers: Int, speedup: Double)]) {
        var numerator = 0.0, denominator = 0.0
        for (n, s) in points where n >= 1 && s > 0 {
            let x = 1 - 1 / Double(n)
            numerator += (1 - 1 / s) * x
            denominator += x * x
        }
        guard denominator > 0 else { return nil }
        let p = min(1, max(0, numerator / denominator))
        parallelFraction = p
        let residuals = points.map { Amdahl.speedup(workers: $0.workers, parallelFraction: p) - $0.speedup }
        rmsError = (residuals.map { $0 * $0 }.reduce(0, +) / Double(max(1, residuals.count))).squareRoot()
    }

    /// The predicted speed-up with `workers` workers.
    public func speedup(workers: Double) -> Double { Amdahl.speedup(workers: workers, parallelFraction: parallelFraction) }

    /// The predicted speed-up with `workers` workers.
    public func speedup(workers: Int) -> Double { speedup(workers: Double(workers)) }

    /// The limit `1 / (1 − p)` as workers grow (infinity when `p` = 1).
    public var limit: Double { parallelFraction >= 1 ? .infinity : 1 / (1 - parallelFraction) }
}

/// Amdahl's law itself.
public enum Amdahl {
    /// `1 / ((1 − p) + p / n)`.
    public static func speedup(workers: Double, parallelFraction p: Double) -> Double {
        1 / ((1 - p) + p / max(workers, 1e-12))
    }

    /// `1 / ((1 − p) + p / n)`.
    public static func speedup(workers: Int, parallelFraction p: Double) -> Double {
        speedup(workers: Double(workers), parallelFraction: p)
    }
}
