import Foundation
import Testing
import InfernoMIP
@testable import InfernoSimulation

/// The ITL percentile against the simulation's referee: sized for `pXX`, a replica's requests must meet the ITL
/// target in `XX%` of cases, within ``tolerance`` (docs/model.md, "ITL at a percentile").
@Suite struct ITLPercentileSimulationTests {
    /// Points of attainment the referee may differ from the promise by: the goal, held by the short runs below.
    static let tolerance = 0.03
    /// What the table asserts for p80–p99: two of its 20 such rows sit at 3.0 and 3.2 points (docs/model.md).
    /// The median is printed, not asserted: the density peaks there, so a 1% error in the centre moves it 4–7 points.
    static let tableTolerance = 0.035

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var experiment: ITLAttainmentExperiment
        var description: String { name }
    }

    static func seed(_ name: String, batch: Int, alpha: Double, beta: Double, gamma: Double, delta: Double,
                     input: Double, output: Double, target: Double, requests: Int) -> Case {
        let profile = ModelProfile(model: name, accelerator: "GPU", maxBatchSize: batch, atTokens: 512,
                                   decode: DecodeParameters(alpha: alpha, beta: beta),
                                   prefill: PrefillParameters(gamma: gamma, delta: delta))
        return Case(name: name, experiment: ITLAttainmentExperiment(profile: profile, inputTokens: input, outputTokens: output,
                                                                    itlTargetMilliseconds: target, requests: requests))
    }

    static func perIteration(_ name: String, batch: Int, alpha: Double, beta: Double, gamma: Double, budget: Int = 8192,
                             input: Double, output: Double, target: Double, requests: Int) -> Case {
        let profile = ModelProfile(model: name, accelerator: "GPU", maxBatchSize: batch, atTokens: 512,
                                   iteration: IterationParameters(alpha: alpha, beta: beta, gamma: gamma, maxNumTokens: budget))
        return Case(name: name, experiment: ITLAttainmentExperiment(profile: profile, inputTokens: input, outputTokens: output,
                                                                    itlTargetMilliseconds: target, requests: requests))
    }

    /// The grid of docs/model.md's table.
    static let table: [Case] = [
        seed("L40S llama-8b, ITL 30 ms", batch: 32, alpha: 16, beta: 0.4, gamma: 10, delta: 0.006,
             input: 500, output: 300, target: 30, requests: 60_000),
        seed("H100 llama-8b, ITL 15 ms", batch: 96, alpha: 6, beta: 0.12, gamma: 4, delta: 0.002,
             input: 500, output: 300, target: 15, requests: 60_000),
        seed("A100 granite, short outputs, ITL 24 ms", batch: 16, alpha: 20.58, beta: 0.41, gamma: 5, delta: 0.01,
             input: 128, output: 64, target: 24, requests: 60_000),
        perIteration("queue-analysis example, ITL 20 ms", batch: 48, alpha: 12, beta: 0.05, gamma: 0.0005,
                     input: 128, output: 512, target: 20, requests: 40_000),
        perIteration("granite_13b/A100, ITL 30 ms", batch: 64, alpha: 20.58, beta: 0.041, gamma: 0.00128125,
                     input: 512, output: 256, target: 30, requests: 40_000),
    ]

    static let percentiles: [SLOPercentile] = [.quantile(0.5), .quantile(0.8), .quantile(0.9), .quantile(0.95), .quantile(0.99)]

    /// One case of each profile kind at p90, short runs (a few seconds): the referee within ``tolerance`` of the
    /// promise, and far above what sizing for the mean gives the same replica.
    @Test(arguments: [0, 3])
    func refereeMeetsThePromise(index: Int) throws {
        var c = Self.table[index]
        c.experiment.requests = 20_000
        let promised = try #require(c.experiment.run(.quantile(0.9)))
        #expect(abs(promised.measuredAttainment - 0.9) <= Self.tolerance, "\(c.name): \(promised.measuredAttainment)")
        let mean = try #require(c.experiment.run(.mean))
        #expect(mean.measuredAttainment < 0.75, "\(c.name) sized for the mean: \(mean.measuredAttainment)")
        #expect(promised.ratePerSecond < mean.ratePerSecond)
    }

    /// Prints docs/model.md's table: `INFERNO_ITL_TABLE=1 swift test --filter ITLPercentileSimulationTests`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["INFERNO_ITL_TABLE"] == "1"))
    func attainmentTable() {
        var lines = ["| profile | N | sized for | λ* req/s | predicted | referee | gap |", "|---|---:|---|---:|---:|---:|---:|"]
        for c in Self.table {
            for statistic in [SLOPercentile.mean] + Self.percentiles {
                guard let outcome = c.experiment.run(statistic) else {
                    Issue.record("\(c.name): \(statistic) cannot be met")
                    continue
                }
                let promised: Double? = if case .quantile(let p) = statistic { p } else { nil }
                let gap = promised.map { outcome.measuredAttainment - $0 }
                lines.append(String(format: "| %@ | %d | %@ | %.3f | %.1f%% | %.1f%% | %@ |", c.name, c.experiment.batchLimit,
                                    statistic.description, outcome.ratePerSecond, 100 * outcome.predictedAttainment,
                                    100 * outcome.measuredAttainment, gap.map { String(format: "%+.1f", 100 * $0) } ?? "—"))
                if let gap, let promised, promised >= 0.8 {
                    #expect(abs(gap) <= Self.tableTolerance, "\(c.name) at \(statistic): referee \(outcome.measuredAttainment)")
                }
            }
        }
        print(lines.joined(separator: "\n"))
    }
}
