import Foundation
import Testing
import Workloads

@Suite struct AmdahlTests {
    @Test(arguments: [0.0, 0.5, 0.9, 0.99, 1.0])
    func exactPointsGiveBackTheirFraction(p: Double) throws {
        let points = [1, 2, 3, 4, 8].map { (workers: $0, speedup: Amdahl.speedup(workers: $0, parallelFraction: p)) }
        let fit = try #require(AmdahlFit(points: points))
        #expect(abs(fit.parallelFraction - p) < 1e-9)
        #expect(fit.rmsError < 1e-9)
    }

    @Test func limitIsOneOverSerialFraction() throws {
        let fit = try #require(AmdahlFit(points: [(1, 1), (2, Amdahl.speedup(workers: 2, parallelFraction: 0.95))]))
        #expect(abs(fit.limit - 20) < 1e-6)
        #expect(try #require(AmdahlFit(points: [(1, 1), (2, 2)])).limit == .infinity)
    }

    @Test func noisyPointsFitByLeastSquares() throws {
        // Normalised times 1 − p(1 − 1/n): residuals of ±0.01 cancel, so p stays 0.8.
        let times = [(2, 0.6 + 0.01), (4, 0.4 - 0.01)]
        let points = [(workers: 1, speedup: 1.0)] + times.map { (workers: $0.0, speedup: 1 / $0.1) }
        let fit = try #require(AmdahlFit(points: points))
        let x2 = 0.5, x4 = 0.75
        let expected = ((1 - 0.61) * x2 + (1 - 0.39) * x4) / (x2 * x2 + x4 * x4)
        #expect(abs(fit.parallelFraction - expected) < 1e-12)
        #expect(fit.rmsError > 0)
    }

    @Test func flatCurveGivesSmallFractionAndSpeedupsBeyondOneAreClamped() throws {
        let flat = try #require(AmdahlFit(points: [(1, 1), (2, 1), (4, 1)]))
        #expect(flat.parallelFraction == 0)
        #expect(flat.limit == 1)
        let superlinear = try #require(AmdahlFit(points: [(1, 1), (2, 3)]))
        #expect(superlinear.parallelFraction == 1)
    }

    @Test func oneWorkerOnlyCannotBeFitted() {
        #expect(AmdahlFit(points: [(1, 1)]) == nil)
        #expect(AmdahlFit(points: []) == nil)
    }
}
