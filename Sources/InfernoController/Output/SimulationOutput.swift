import Foundation
import InfernoControl
import InfernoSimulation

/// Files written by `simulate --output DIR`: the time series (CSV), the summary (JSON) and a chart (SVG).
enum SimulationOutput {
    static func write(_ result: SimulationRunner.Result, summary: SimulationSummary, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try csv(result).write(to: directory.appendingPathComponent("timeseries.csv"), atomically: true, encoding: .utf8)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(summary).write(to: directory.appendingPathComponent("summary.json"))
        try SimulationChart(result).svg().write(to: directory.appendingPathComponent("chart.svg"), atomically: true, encoding: .utf8)
    }

    static func csv(_ r: SimulationRunner.Result) -> String {
        var lines = ["cycle,time_s,namespace,variant,class,offered_per_min,measured_per_min,current,desired,ready,accelerator,"
                     + "predicted_itl_ms,simulated_itl_ms,itl_slo_ms,predicted_ttft_ms,simulated_ttft_ms,ttft_slo_ms,"
                     + "slo_met_requests,requests,cost_per_hour,reason"]
        func v(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "" }
        for s in r.samples {
            let reason = "\"" + s.reason.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            lines.append([String(s.cycle), String(format: "%.0f", s.time), s.variant.namespace, s.variant.name, s.serviceClass,
                          v(s.offeredPerMinute), v(s.measuredPerMinute), String(s.current), String(s.desired), String(s.ready),
                          s.accelerator, v(s.predictedITL), v(s.simulatedITL), v(s.itlTarget), v(s.predictedTTFT),
                          v(s.simulatedTTFT), v(s.ttftTarget), v(s.slo?.met), v(s.slo?.total), v(s.costPerHour), reason]
                .joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
