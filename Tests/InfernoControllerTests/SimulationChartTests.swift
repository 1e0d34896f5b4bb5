import Foundation
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoMIP
@testable import InfernoSimulation

/// The simulate chart's panels, from hand-made samples whose expected values are worked out here: TTFT relative
/// to target on a log scale (a variant at 236× its target leaves the one at 0.5× visible), attainment per class
/// (met over total, summed over the class's variants), GPUs in use per type with capacity.
struct SimulationChartTests {
    static func sample(_ name: String, cycle: Int, cls: String, ttft: Double, met: Double, total: Double) -> SimulationRunner.Sample {
        var slo = SLOWindowCount(window: VLLMMetrics(), dropped: 0)
        slo.met = met
        slo.total = total
        return SimulationRunner.Sample(
            cycle: cycle, time: Double(cycle) * 60, variant: VariantID(namespace: "sim", name: name), serviceClass: cls,
            offeredPerMinute: 60, measuredPerMinute: 60, current: 1, desired: 1, ready: 1, accelerator: "A100",
            predictedITL: nil, predictedTTFT: nil, simulatedITL: nil, simulatedTTFT: ttft, itlTarget: nil, ttftTarget: 500,
            reason: "optimized", costPerHour: 40, slo: slo)
    }

    static func result() -> SimulationRunner.Result {
        let samples = (1...3).flatMap { c in
            [sample("starved", cycle: c, cls: "Premium", ttft: 118_000, met: 10, total: 100),
             sample("fine", cycle: c, cls: "Premium", ttft: 250, met: 90, total: 100),
             sample("free", cycle: c, cls: "Freemium", ttft: 400, met: 30, total: 40)]
        }
        let usage = (1...3).map { _ in [TypeUsage(type: "NVIDIA-A100-PCIE-80GB", cardsUsed: 3, cardsAvailable: 4, cost: 120)] }
        return SimulationRunner.Result(samples: samples, reports: [], usage: usage, scenario: SimulationScenario.builtIn, wallSeconds: 0)
    }

    @Test func panelsHoldTheWorkedOutValues() {
        let chart = SimulationChart(Self.result())
        let panels = chart.panels()
        #expect(panels.map(\.title).count == 5)
        let ratio = panels[2]
        #expect(ratio.logScale && ratio.reference == 1)
        #expect(ratio.series.first { $0.name == "starved" }?.points.map(\.v) == [236, 236, 236])
        #expect(ratio.series.first { $0.name == "fine" }?.points.map(\.v) == [0.5, 0.5, 0.5])
        // Premium: (10 + 90) / (100 + 100) = 50 %; Freemium: 30 / 40 = 75 %.
        let attainment = Dictionary(uniqueKeysWithValues: panels[3].series.map { ($0.name, $0.points.map(\.v)) })
        #expect(attainment["Premium"] == [50, 50, 50] && attainment["Freemium"] == [75, 75, 75])
        let gpus = panels[4].series
        #expect(gpus.map(\.name) == ["NVIDIA-A100-PCIE-80GB", "NVIDIA-A100-PCIE-80GB capacity"])
        #expect(gpus[0].points.map(\.v) == [3, 3, 3] && gpus[1].dashed && gpus[1].points.map(\.v) == [4, 4, 4])
    }

    /// On a linear axis up to 118 s the 250 ms line would sit within a pixel of zero; on the log axis it is well
    /// inside the panel, below the target line.
    @Test func theFineVariantIsVisibleBesideTheStarvedOne() throws {
        let svg = SimulationChart(Self.result()).svg()
        #expect(svg.contains("TTFT / target (log scale"))
        #expect(svg.contains("SLO attainment per class") && svg.contains("GPUs in use per type"))
        // Panel 3 spans y 40 + 2·220 = 480 to 650; log axis 0.1…1000 (4 decades): 0.5 → 650 − 170·(log10 0.5 + 1)/4.
        let expected = 650 - 170 * (log10(0.5) + 1) / 4
        let lines = svg.split(separator: "\n").filter { $0.hasPrefix("<polyline") }
        let ys = lines.compactMap { line -> Double? in
            guard let pts = line.split(separator: "\"").dropFirst(1).last(where: { $0.contains(",") }) else { return nil }
            return pts.split(separator: " ").first.flatMap { Double($0.split(separator: ",")[1]) }
        }
        #expect(ys.contains { abs($0 - expected) < 0.2 }, "expected a line at y \(expected): \(ys)")
    }
}
