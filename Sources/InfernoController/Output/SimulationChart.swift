import Foundation
import InfernoControl
import InfernoMIP
import InfernoSimulation

/// The `simulate --output` chart: five stacked panels sharing the time axis — offered load and desired replicas per
/// variant; simulated TTFT relative to its target on a log scale (1 = the target, so a starved variant at 100× does
/// not flatten the others to zero); SLO attainment per service class; GPUs in use per type, dashed at capacity.
struct SimulationChart {
    let result: SimulationRunner.Result
    init(_ result: SimulationRunner.Result) { self.result = result }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    struct Series {
        var name: String
        var points: [(t: Double, v: Double)]
        var dashed = false
        /// Index into `colors`.
        var color: Int
    }

    struct Panel {
        var title: String
        var series: [Series]
        var logScale = false
        /// A horizontal reference line (the TTFT target, 1).
        var reference: Double?
        var yMax: Double?
    }

    /// The panels, from the samples alone (pure; the tests read them).
    func panels() -> [Panel] {
        let variants = Array(Set(result.samples.map(\.variant))).sorted()
        func perVariant(_ value: (SimulationRunner.Sample) -> Double?) -> [Series] {
            variants.enumerated().map { i, id in
                Series(name: id.name, points: result.samples.filter { $0.variant == id }.compactMap { s in value(s).map { (s.time, $0) } },
                       color: i)
            }
        }
        let ratio = perVariant { s in
            guard let ttft = s.simulatedTTFT, let target = s.ttftTarget, target > 0, ttft > 0 else { return nil }
            return ttft / target
        }
        return [
            Panel(title: "offered load (requests/min)", series: perVariant { $0.offeredPerMinute }),
            Panel(title: "replicas (desired)", series: perVariant { Double($0.desired) }),
            Panel(title: "simulated TTFT / target (log scale; 1 = target)", series: ratio, logScale: true, reference: 1),
            Panel(title: "SLO attainment per class (%)", series: attainment(), yMax: 100),
            Panel(title: "GPUs in use per type (dashed: capacity)", series: gpus()),
        ]
    }

    /// Per class and cycle: requests that met their SLOs over all requests of the class's variants in the window.
    func attainment() -> [Series] {
        let classes = Array(Set(result.samples.map(\.serviceClass))).sorted()
        return classes.enumerated().map { i, c in
            let byCycle = Dictionary(grouping: result.samples.filter { $0.serviceClass == c && $0.slo != nil }, by: \.cycle)
            let points = byCycle.keys.sorted().compactMap { cycle -> (t: Double, v: Double)? in
                let s = byCycle[cycle]!
                let total = s.reduce(0) { $0 + ($1.slo?.total ?? 0) }
                guard total > 0 else { return nil }
                return (s[0].time, 100 * s.reduce(0) { $0 + ($1.slo?.met ?? 0) } / total)
            }
            return Series(name: c.isEmpty ? "(no class)" : c, points: points, color: i)
        }
    }

    /// Cards used per GPU type per cycle, and the capacity dashed in the same colour.
    func gpus() -> [Series] {
        var times: [Int: Double] = [:]
        for s in result.samples where times[s.cycle] == nil { times[s.cycle] = s.time }
        let cycles = times.keys.sorted()
        let types = Array(Set(result.usage.flatMap { $0.map(\.type) })).sorted()
        var out: [Series] = []
        for (i, type) in types.enumerated() {
            var used: [(t: Double, v: Double)] = [], capacity: [(t: Double, v: Double)] = []
            for (k, usage) in result.usage.enumerated() {
                let t = k < result.reports.count ? result.reports[k].time : (k < cycles.count ? times[cycles[k]]! : Double(k))
                guard let u = usage.first(where: { $0.type == type }) else { continue }
                used.append((t, Double(u.cardsUsed)))
                if let c = u.cardsAvailable { capacity.append((t, Double(c))) }
            }
            out.append(Series(name: type, points: used, color: i))
            if !capacity.isEmpty { out.append(Series(name: type + " capacity", points: capacity, dashed: true, color: i)) }
        }
        return out
    }

    func svg() -> String {
        let width = 900.0, panelHeight = 170.0, left = 70.0, right = 220.0, top = 40.0, gap = 50.0
        let tMax = max(1, result.samples.map(\.time).max() ?? 1)
        let panels = panels()
        var body = ""
        func x(_ t: Double) -> Double { left + (width - left - right) * t / tMax }
        for (p, panel) in panels.enumerated() {
            let y0 = top + Double(p) * (panelHeight + gap)
            let values = panel.series.flatMap { $0.points.map(\.v) } + (panel.reference.map { [$0] } ?? [])
            // Log panels span whole decades around the data (at least 0.1 to 10).
            let lo = panel.logScale ? min(-1, floor(log10(values.filter { $0 > 0 }.min() ?? 1))) : 0
            let hi = panel.logScale ? max(1, ceil(log10(values.max() ?? 1))) : max(1, panel.yMax ?? (values.max() ?? 1))
            func y(_ v: Double) -> Double {
                let f = panel.logScale ? (log10(max(v, pow(10, lo))) - lo) / (hi - lo) : min(v, hi) / hi
                return y0 + panelHeight - panelHeight * min(1, max(0, f))
            }
            body += "<text x=\"\(left)\" y=\"\(y0 - 8)\" font-size=\"13\" font-weight=\"bold\">\(escape(panel.title))</text>\n"
            body += "<rect x=\"\(left)\" y=\"\(y0)\" width=\"\(width - left - right)\" height=\"\(panelHeight)\" fill=\"none\" stroke=\"#999\"/>\n"
            let ticks: [Double] = panel.logScale ? stride(from: lo, through: hi, by: 1).map { pow(10, $0) } : (0...4).map { hi * Double($0) / 4 }
            for v in ticks {
                body += "<text x=\"\(left - 6)\" y=\"\(y(v) + 4)\" font-size=\"10\" text-anchor=\"end\">\(fmt(v))</text>\n"
                body += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y(v))\" y2=\"\(y(v))\" stroke=\"#eee\"/>\n"
            }
            if let r = panel.reference {
                body += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y(r))\" y2=\"\(y(r))\" stroke=\"#333\" stroke-dasharray=\"5,4\"/>\n"
            }
            for s in panel.series where s.points.count > 1 {
                let dash = s.dashed ? " stroke-dasharray=\"5,4\"" : ""
                body += "<polyline fill=\"none\" stroke=\"\(Self.colors[s.color % Self.colors.count])\" stroke-width=\"1.8\"\(dash) points=\""
                    + s.points.map { String(format: "%.1f,%.1f", x($0.t), y($0.v)) }.joined(separator: " ") + "\"/>\n"
            }
            for (i, s) in panel.series.filter({ !$0.dashed }).enumerated() {
                let yy = y0 + 14 + Double(i) * 16
                body += "<rect x=\"\(width - right + 12)\" y=\"\(yy - 9)\" width=\"12\" height=\"4\" fill=\"\(Self.colors[s.color % Self.colors.count])\"/>\n"
                body += "<text x=\"\(width - right + 30)\" y=\"\(yy - 4)\" font-size=\"11\">\(escape(s.name))</text>\n"
            }
        }
        let axisY = top + Double(panels.count) * panelHeight + Double(panels.count - 1) * gap + 18
        for k in 0...6 {
            let t = tMax * Double(k) / 6
            body += "<text x=\"\(x(t))\" y=\"\(axisY)\" font-size=\"10\" text-anchor=\"middle\">\(Int(t / 60)) min</text>\n"
        }
        let height = axisY + 20
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"\(left)\" y=\"18\" font-size=\"15\">Inferno on the simulated cluster: \(escape(result.scenario.name))</text>\n"
            + body + "</svg>\n"
    }

    private func fmt(_ v: Double) -> String {
        if v >= 100 { return String(Int(v.rounded())) }
        if v < 1, v > 0 { return String(format: "%g", v) }
        return String(format: "%.1f", v)
    }
    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
