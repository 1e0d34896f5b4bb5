import Foundation
import InfernoControl
import InfernoMIP
import InfernoSimulation

/// The readable block printed per cycle.
enum SimulationPrinter {
    static func block(_ report: CycleReport, _ samples: [SimulationRunner.Sample], _ usage: [TypeUsage]) -> String {
        let t = Int(report.time)
        var out = String(format: "── cycle %d  t=%02d:%02d", samples.first?.cycle ?? 0, t / 60, t % 60)
        if let s = report.solverSummary { out += "  [\(s)]" }
        out += "\n"
        var rows = [["variant", "class", "load/min", "replicas", "acc", "ITL ms pred/sim (slo)", "TTFT ms pred/sim (slo)", "note"]]
        for s in samples {
            let change = s.desired == s.current ? "\(s.current)" : "\(s.current) → \(s.desired)"
            rows.append([
                s.variant.name, s.serviceClass, s.measuredPerMinute.map { f($0, 1) } ?? "n/a",
                change + (s.ready != s.current ? " (\(s.ready) ready)" : ""), s.accelerator,
                "\(opt(s.predictedITL))/\(opt(s.simulatedITL)) (\(opt(s.itlTarget)))",
                "\(opt(s.predictedTTFT))/\(opt(s.simulatedTTFT)) (\(opt(s.ttftTarget)))",
                s.reason == "optimized" ? "" : s.reason,
            ])
        }
        out += OptimizationReport.align(rows).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
        out += "  GPUs: " + usage.map { "\(short($0.type)) \($0.cardsUsed)/\($0.cardsAvailable ?? 0)" }.joined(separator: "  ") + "\n"
        for n in report.notes { out += "  note: \(n)\n" }
        return out
    }

    static func short(_ type: String) -> String {
        type.split(separator: "-").prefix(2).joined(separator: "-")
    }

    static func f(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
    static func opt(_ x: Double?) -> String { x.map { $0 >= 100 ? f($0, 0) : f($0, 1) } ?? "-" }
}
