import Foundation
import Testing
@testable import InfernoBenchKit
import InfernoMIP

@Suite struct ScenarioGeneratorTests {
    @Test func sameSeedSameScenario() {
        let spec = ScenarioSpec(servers: 60, accelerators: 9, priorities: 3, tightness: 1.0, seed: 7)
        let a = ScenarioGenerator(spec: spec).generate()
        let b = ScenarioGenerator(spec: spec, parallelism: 2).generate()
        #expect(a.system == b.system)
        var other = spec
        other.seed = 8
        #expect(ScenarioGenerator(spec: other).generate().system != a.system)
    }

    /// The tightness knob changes the capacity only, and the measured ratio is the requested one up to rounding
    /// cards to integers.
    @Test(arguments: [0.5, 0.8, 1.0, 1.2, 1.5])
    func tightnessMeasuredIsRequested(tightness: Double) {
        let spec = ScenarioSpec(servers: 120, accelerators: 9, priorities: 3, tightness: tightness, seed: 3)
        let s = ScenarioGenerator(spec: spec).generate()
        let need = Double(s.need.values.reduce(0, +))
        let capacity = Double(s.system.capacity.cardsByType.values.reduce(0, +))
        #expect(need > 0)
        #expect(abs(s.measuredTightness - need / capacity) < 1e-12)
        // Each type's card count is rounded: at most half a card off each.
        #expect(abs(capacity - need / tightness) <= 0.5 * Double(s.gpuTypes.count) + 1e-9)
        #expect(abs(s.measuredTightness - tightness) < 0.05 * tightness)
        var roomy = spec
        roomy.tightness = 0.5
        let base = ScenarioGenerator(spec: roomy).generate()
        #expect(base.system.servers == s.system.servers && base.system.profiles == s.system.profiles)
    }

    @Test func writtenJSONDecodesBack() throws {
        let spec = ScenarioSpec(servers: 50, accelerators: 12, priorities: 4, tightness: 1.2, seed: 5)
        let s = ScenarioGenerator(spec: spec).generate()
        let decoded = try SystemSpec.decodeUpstream(system: s.system.encodeUpstream())
        #expect(decoded.capacity == s.system.capacity)
        #expect(decoded.accelerators == s.system.accelerators)
        #expect(decoded.profiles == s.system.profiles)
        #expect(decoded.serviceClasses == s.system.serviceClasses)
        #expect(decoded.servers == s.system.servers)
        let a = CandidateGenerator(system: s.system).generate().servers
        let b = CandidateGenerator(system: decoded).generate().servers
        #expect(a == b)
    }

    @Test func catalogShapes() {
        let s = ScenarioGenerator(spec: ScenarioSpec(servers: 120, accelerators: 12, priorities: 4, tightness: 1, seed: 1)).generate()
        #expect(Set(s.system.accelerators.map(\.multiplicity)) == [1, 2, 4, 8])
        #expect(s.gpuTypes.count == 9)
        #expect(Set(s.system.serviceClasses.map(\.priority)) == [1, 5, 10, 20])
        // Skewed loads: the busiest tenth of the servers carries a large share of the requests.
        let rates = s.system.servers.map(\.load.arrivalRatePerMinute).sorted(by: >)
        #expect(rates.prefix(12).reduce(0, +) > 0.4 * rates.reduce(0, +))
        // Current allocations exist (for churn) and name candidates' accelerators.
        let names = Set(s.system.accelerators.map(\.name))
        let currents = s.system.servers.compactMap(\.current)
        #expect(currents.count > 60 && currents.allSatisfy { names.contains($0.accelerator) })
        // Profiles stay in docs/model.md's ranges.
        #expect(s.system.profiles.allSatisfy { ($0.seed?.decode.alpha ?? 0) > 1 && ($0.seed?.decode.alpha ?? 0) < 250 && $0.maxBatchSize >= 4 })
    }

    /// A small run end to end: the MIP never loses to greedy, the report and chart come out.
    @Test func smallRunReportsAndNeverLosesToGreedy() throws {
        let runner = ScenarioRunner(settings: RunSettings(threads: 1, timeLimitSeconds: 10, relativeGap: 0.005))
        var records: [ScenarioRecord] = []
        for t in [0.8, 1.5] {
            let s = ScenarioGenerator(spec: ScenarioSpec(servers: 30, accelerators: 6, priorities: 3, tightness: t, seed: 2)).generate()
            records.append(runner.run(s))
        }
        for r in records {
            for p in r.policies { #expect(p.verdict != .worse, "\(r.label) \(p.policy): \(p.decidedBy)") }
            #expect(r.unlimited.servedTotal >= r.policies[0].mip.servedTotal)
        }
        let report = RunReport(preset: "test", command: "test", started: "now", machine: "test", threads: 1, timeLimitSeconds: 10,
                               relativeGap: 0.005, percentile: "p95", batchLimitPolicy: "search", records: records)
        var preset = Preset.quick
        preset.sizes = [Preset.Size(servers: 30, accelerators: 6)]
        let markdown = Report.markdown(report, preset: preset)
        #expect(markdown.contains("| 30 × 6 | 0.80"))
        #expect(markdown.contains("worse in 0**"))
        let svg = Chart.svg(report)
        #expect(svg.hasPrefix("<svg") && svg.contains("</svg>"))
    }
}
