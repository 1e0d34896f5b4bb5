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

/// Three stacked panels sharing the time axis: offered load, replicas, and simulated TTFT against its target,
/// one line per variant.
struct SimulationChart {
    let result: SimulationRunner.Result
    init(_ result: SimulationRunner.Result) { self.result = result }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    func svg() -> String {
        let width = 900.0, panelHeight = 200.0, left = 70.0, right = 180.0, top = 40.0, gap = 50.0
        let variants = Array(Set(result.samples.map(\.variant))).sorted()
        let tMax = max(1, result.samples.map(\.time).max() ?? 1)
        var body = ""
        func x(_ t: Double) -> Double { left + (width - left - right) * t / tMax }
        let panels: [(String, (SimulationRunner.Sample) -> Double?, Bool)] = [
            ("offered load (requests/min)", { $0.offeredPerMinute }, false),
            ("replicas (desired)", { Double($0.desired) }, false),
            ("simulated TTFT (ms; dashed: target)", { $0.simulatedTTFT }, true),
        ]
        for (p, panel) in panels.enumerated() {
            let y0 = top + Double(p) * (panelHeight + gap)
            let values = result.samples.compactMap(panel.1)
            var yMax = max(1, values.max() ?? 1)
            if panel.2 { yMax = max(yMax, result.samples.compactMap(\.ttftTarget).max() ?? 0) * 1.05 }
            func y(_ v: Double) -> Double { y0 + panelHeight - panelHeight * min(v, yMax) / yMax }
            body += "<text x=\"\(left)\" y=\"\(y0 - 8)\" font-size=\"13\" font-weight=\"bold\">\(panel.0)</text>\n"
            body += "<rect x=\"\(left)\" y=\"\(y0)\" width=\"\(width - left - right)\" height=\"\(panelHeight)\" fill=\"none\" stroke=\"#999\"/>\n"
            for k in 0...4 {
                let v = yMax * Double(k) / 4
                body += "<text x=\"\(left - 6)\" y=\"\(y(v) + 4)\" font-size=\"10\" text-anchor=\"end\">\(fmt(v))</text>\n"
                body += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y(v))\" y2=\"\(y(v))\" stroke=\"#eee\"/>\n"
            }
            for (i, id) in variants.enumerated() {
                let color = Self.colors[i % Self.colors.count]
                let points = result.samples.filter { $0.variant == id }.compactMap { s in panel.1(s).map { (x(s.time), y($0)) } }
                if points.count > 1 {
                    body += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\" points=\"" +
                        points.map { String(format: "%.1f,%.1f", $0.0, $0.1) }.joined(separator: " ") + "\"/>\n"
                }
                if panel.2, let target = result.samples.first(where: { $0.variant == id })?.ttftTarget {
                    body += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y(target))\" y2=\"\(y(target))\" stroke=\"\(color)\" stroke-dasharray=\"5,4\"/>\n"
                }
            }
        }
        let axisY = top + 3 * panelHeight + 2 * gap + 18
        for k in 0...6 {
            let t = tMax * Double(k) / 6
            body += "<text x=\"\(x(t))\" y=\"\(axisY)\" font-size=\"10\" text-anchor=\"middle\">\(Int(t / 60)) min</text>\n"
        }
        for (i, id) in variants.enumerated() {
            let yy = top + 14 + Double(i) * 18
            body += "<rect x=\"\(width - right + 12)\" y=\"\(yy - 9)\" width=\"12\" height=\"4\" fill=\"\(Self.colors[i % Self.colors.count])\"/>\n"
            body += "<text x=\"\(width - right + 30)\" y=\"\(yy - 4)\" font-size=\"11\">\(escape(id.name))</text>\n"
        }
        let height = axisY + 20
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"\(left)\" y=\"18\" font-size=\"15\">Inferno on the simulated cluster: \(escape(result.scenario.name))</text>\n"
            + body + "</svg>\n"
    }

    private func fmt(_ v: Double) -> String { v >= 100 ? String(Int(v.rounded())) : String(format: "%.1f", v) }
    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
