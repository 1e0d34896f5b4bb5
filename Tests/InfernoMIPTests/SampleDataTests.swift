import Foundation
import Testing
@testable import InfernoMIP

/// Upstream's own answer as an end-to-end check (Tests/Fixtures/sample-data/README.md): the greedy solver with
/// upstream's settings (profile batch limits, mean TTFT, RoundRobin) on upstream's March 2026 sample data,
/// server by server, against upstream's optimizer run with the queue-analysis revision Inferno implements; and,
/// reported, against the `solution-data.json` upstream ships (computed with the older v0.3.0 analysis).
@Suite struct SampleDataTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/sample-data")

    struct Allocation: Equatable {
        var accelerator: String, replicas: Int, batch: Int, itl: Double, ttft: Double
    }

    static func upstream(_ set: String, _ file: String) throws -> [String: Allocation] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("\(set)/\(file)"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let allocations = try #require(root["allocations"] as? [String: [String: Any]])
        return allocations.mapValues { a in
            Allocation(accelerator: a["accelerator"] as? String ?? "", replicas: (a["numReplicas"] as? NSNumber)?.intValue ?? 0,
                       batch: (a["maxBatch"] as? NSNumber)?.intValue ?? 0, itl: (a["itlAverage"] as? NSNumber)?.doubleValue ?? 0,
                       ttft: (a["ttftAverage"] as? NSNumber)?.doubleValue ?? 0)
        }
    }

    static func ours(_ set: String) throws -> [String: Allocation] {
        let parts = try ["accelerator-data", "capacity-data", "model-data", "serviceclass-data", "server-data", "optimizer-data"]
            .map { try Data(contentsOf: fixtures.appendingPathComponent("\(set)/\($0).json")) }
        var system = try SystemSpec.decodeUpstream(parts: parts)
        system.options.saturationPolicy = .roundRobin
        #expect(system.profiles.allSatisfy { $0.performance.kind == .perIteration })
        let settings = AnalyzerSettings(percentile: .mean, batchLimitPolicy: .profile)
        let candidates = CandidateGenerator(system: system, settings: settings).generate().servers
        let solution = GreedySolver().solve(OptimizationProblem(system: system, candidates: candidates))
        var out: [String: Allocation] = [:]
        for s in solution.servers {
            guard let p = s.primary else { continue }
            out[s.name] = Allocation(accelerator: p.accelerator, replicas: s.replicas, batch: p.batchLimit,
                                     itl: s.itlMilliseconds ?? 0, ttft: s.ttftMilliseconds ?? 0)
        }
        return out
    }

    static func compare(_ ours: [String: Allocation], _ theirs: [String: Allocation]) -> (same: Int, latencies: Int, lines: [String]) {
        var same = 0, latencies = 0, lines: [String] = []
        for name in theirs.keys.sorted() {
            let t = theirs[name]!
            guard let o = ours[name] else { lines.append("  \(name): not placed, upstream \(t)"); continue }
            let identical = (o.accelerator, o.replicas, o.batch) == (t.accelerator, t.replicas, t.batch)
            let close = abs(o.itl / t.itl - 1) <= 0.01 && abs(o.ttft / t.ttft - 1) <= 0.01
            if identical { same += 1 }
            if identical && close { latencies += 1 }
            if !identical || !close {
                lines.append(String(format: "  %@: ours %@ ×%d N=%d ITL %.2f TTFT %.1f; upstream %@ ×%d N=%d ITL %.2f TTFT %.1f",
                                    name, o.accelerator, o.replicas, o.batch, o.itl, o.ttft,
                                    t.accelerator, t.replicas, t.batch, t.itl, t.ttft))
            }
        }
        return (same, latencies, lines)
    }

    @Test(arguments: ["large", "small"])
    func greedyMatchesUpstreamOptimizer(set: String) throws {
        let ours = try Self.ours(set)
        let current = try Self.upstream(set, "solution-queue-analysis-cfadd1c.json")
        let shipped = try Self.upstream(set, "solution-data.json")
        let a = Self.compare(ours, current), b = Self.compare(ours, shipped)
        print("sample-data \(set): \(a.same)/\(current.count) identical to upstream's optimizer with queue-analysis cfadd1c "
              + "(\(a.latencies) also with ITL and TTFT within 1%); \(b.same)/\(shipped.count) identical to the shipped "
              + "solution-data.json (v0.3.0 analysis)")
        for line in a.lines { print(line) }
        #expect(Double(a.same) >= 0.9 * Double(current.count))
    }
}
