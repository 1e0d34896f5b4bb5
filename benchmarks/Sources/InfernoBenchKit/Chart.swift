import Foundation

/// The report's chart: cost ratio and served share versus tightness, solve time versus size (log-log).
/// Plain SVG written by hand: no dependency, readable in any browser and in GitHub's Markdown preview.
public enum Chart {
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    /// One plot area with axes; maps data to pixels.
    struct Panel {
        var x0: Double, y0: Double, width: Double, height: Double
        var xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
        var logX = false, logY = false
        var body: [String] = []

        func px(_ x: Double) -> Double {
            let (lo, hi, v) = logX ? (log10(xRange.lowerBound), log10(xRange.upperBound), log10(x))
                                   : (xRange.lowerBound, xRange.upperBound, x)
            return x0 + (v - lo) / max(1e-12, hi - lo) * width
        }
        func py(_ y: Double) -> Double {
            let (lo, hi, v) = logY ? (log10(yRange.lowerBound), log10(yRange.upperBound), log10(max(y, yRange.lowerBound)))
                                   : (yRange.lowerBound, yRange.upperBound, y)
            return y0 + height - (v - lo) / max(1e-12, hi - lo) * height
        }

        mutating func axes(title: String, xLabel: String, yLabel: String, xTicks: [Double], yTicks: [Double],
                           xFormat: (Double) -> String, yFormat: (Double) -> String) {
            body.append("<rect x='\(x0)' y='\(y0)' width='\(width)' height='\(height)' fill='none' stroke='#444'/>")
            body.append("<text x='\(x0 + width / 2)' y='\(y0 - 12)' text-anchor='middle' font-size='14' font-weight='bold'>\(escape(title))</text>")
            body.append("<text x='\(x0 + width / 2)' y='\(y0 + height + 36)' text-anchor='middle' font-size='12'>\(escape(xLabel))</text>")
            body.append("<text x='\(x0 - 48)' y='\(y0 + height / 2)' text-anchor='middle' font-size='12' transform='rotate(-90 \(x0 - 48) \(y0 + height / 2))'>\(escape(yLabel))</text>")
            for t in xTicks {
                let x = px(t)
                body.append("<line x1='\(x)' y1='\(y0 + height)' x2='\(x)' y2='\(y0 + height + 4)' stroke='#444'/>")
                body.append("<line x1='\(x)' y1='\(y0)' x2='\(x)' y2='\(y0 + height)' stroke='#eee'/>")
                body.append("<text x='\(x)' y='\(y0 + height + 17)' text-anchor='middle' font-size='11'>\(xFormat(t))</text>")
            }
            for t in yTicks {
                let y = py(t)
                body.append("<line x1='\(x0 - 4)' y1='\(y)' x2='\(x0)' y2='\(y)' stroke='#444'/>")
                body.append("<line x1='\(x0)' y1='\(y)' x2='\(x0 + width)' y2='\(y)' stroke='#eee'/>")
                body.append("<text x='\(x0 - 7)' y='\(y + 4)' text-anchor='end' font-size='11'>\(yFormat(t))</text>")
            }
        }

        mutating func line(_ points: [(Double, Double)], color: String, dashed: Bool = false, markers: Bool = true) {
            let pts = points.filter { $0.0.isFinite && $0.1.isFinite }
            guard !pts.isEmpty else { return }
            let path = pts.map { String(format: "%.1f,%.1f", px($0.0), py($0.1)) }.joined(separator: " ")
            body.append("<polyline points='\(path)' fill='none' stroke='\(color)' stroke-width='2'\(dashed ? " stroke-dasharray='6,4'" : "")/>")
            if markers {
                for p in pts {
                    body.append(String(format: "<circle cx='%.1f' cy='%.1f' r='3' ", px(p.0), py(p.1)) + "fill='\(color)'/>")
                }
            }
        }

        mutating func dots(_ points: [(Double, Double)], color: String) {
            for p in points where p.0.isFinite && p.1.isFinite {
                body.append(String(format: "<circle cx='%.1f' cy='%.1f' r='2.5' fill='none' ", px(p.0), py(p.1)) + "stroke='\(color)'/>")
            }
        }

        mutating func legend(_ entries: [(String, String, Bool)], at corner: (Double, Double)) {
            for (i, e) in entries.enumerated() {
                let y = corner.1 + Double(i) * 16
                body.append("<line x1='\(corner.0)' y1='\(y)' x2='\(corner.0 + 22)' y2='\(y)' stroke='\(e.1)' stroke-width='2'\(e.2 ? " stroke-dasharray='6,4'" : "")/>")
                body.append("<text x='\(corner.0 + 28)' y='\(y + 4)' font-size='11'>\(escape(e.0))</text>")
            }
        }
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func niceTicks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        let span = max(hi - lo, 1e-9)
        let raw = span / Double(count)
        let mag = pow(10, (log10(raw)).rounded(.down))
        let step = [1, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var t = (lo / step).rounded(.up) * step
        var out: [Double] = []
        while t <= hi + 1e-9 { out.append(t); t += step }
        return out
    }

    public static func svg(_ report: RunReport) -> String {
        let records = report.records
        let groups = Report.groups(records)
        var sizes: [Preset.Size] = []
        for g in groups where !sizes.contains(g.size) { sizes.append(g.size) }
        let tightness = Array(Set(records.map(\.tightness))).sorted()
        let tRange = (tightness.first ?? 0.5) - 0.05 ... (tightness.last ?? 1.5) + 0.05
        func color(_ size: Preset.Size) -> String { palette[(sizes.firstIndex(of: size) ?? 0) % palette.count] }
        func none(_ g: Report.Group) -> [(ScenarioRecord, PolicyRecord)] { Report.comparisons(g.records, policy: "None") }

        // 1. Cost ratio.
        var ratioSeries: [(Preset.Size, [(Double, Double)])] = []
        for size in sizes {
            let pts = groups.filter { $0.size == size }.map { g -> (Double, Double) in
                let ratios = none(g).compactMap { $0.1.greedy.cost > 0 ? $0.1.mip.cost / $0.1.greedy.cost : nil }
                return (g.tightness, Stats.median(ratios))
            }
            ratioSeries.append((size, pts))
        }
        let ratios = ratioSeries.flatMap { $0.1.map(\.1) }.filter(\.isFinite) + [1]
        let rLo = (ratios.min() ?? 0.9), rHi = (ratios.max() ?? 1.1)
        let rPad = max(0.02, (rHi - rLo) * 0.1)
        var p1 = Panel(x0: 80, y0: 50, width: 330, height: 280, xRange: tRange, yRange: (rLo - rPad)...(rHi + rPad))
        p1.axes(title: "Cost MIP / greedy (median, policy None)", xLabel: "tightness (unlimited optimum's cards / capacity)",
                yLabel: "cost ratio", xTicks: tightness, yTicks: niceTicks(rLo - rPad, rHi + rPad),
                xFormat: { String(format: "%.1f", $0) }, yFormat: { String(format: "%.2f", $0) })
        p1.body.append("<line x1='\(p1.x0)' y1='\(p1.py(1))' x2='\(p1.x0 + p1.width)' y2='\(p1.py(1))' stroke='#999' stroke-dasharray='3,3'/>")
        for (size, pts) in ratioSeries { p1.line(pts, color: color(size)) }
        p1.legend(sizes.map { ("\($0.label)", color($0), false) },
                  at: (p1.x0 + 10, p1.y0 + p1.height - 10 - 16 * Double(sizes.count)))

        // 2. Served share.
        var p2 = Panel(x0: 510, y0: 50, width: 330, height: 280, xRange: tRange, yRange: 0...100)
        p2.axes(title: "Servers whose SLOs are met (median, None)", xLabel: "tightness", yLabel: "served share (%)",
                xTicks: tightness, yTicks: [0, 20, 40, 60, 80, 100],
                xFormat: { String(format: "%.1f", $0) }, yFormat: { String(format: "%.0f", $0) })
        var servedLows: [Double] = []
        for size in sizes {
            var mip: [(Double, Double)] = [], greedy: [(Double, Double)] = []
            for g in groups where g.size == size {
                let list = none(g)
                let total = list.map { Double($0.0.serversPerLevel.reduce(0, +)) }
                mip.append((g.tightness, Stats.median(zip(list, total).map { Double($0.0.1.mip.servedTotal) / $0.1 * 100 })))
                greedy.append((g.tightness, Stats.median(zip(list, total).map { Double($0.0.1.greedy.servedTotal) / $0.1 * 100 })))
            }
            servedLows += (mip + greedy).map(\.1)
            p2.line(mip, color: color(size))
            p2.line(greedy, color: color(size), dashed: true)
        }
        p2.legend([("MIP", "#333", false), ("greedy", "#333", true)], at: (p2.x0 + 10, p2.y0 + p2.height - 34))
        _ = servedLows

        // 3. Solve time versus size.
        let serverCounts = Array(Set(records.map(\.servers))).sorted()
        func series(_ value: (ScenarioRecord, PolicyRecord) -> Double) -> (median: [(Double, Double)], p95: [(Double, Double)]) {
            var med: [(Double, Double)] = [], p95: [(Double, Double)] = []
            for n in serverCounts {
                let list = Report.comparisons(records.filter { $0.servers == n }, policy: "None")
                let xs = list.map(value)
                med.append((Double(n), Stats.median(xs)))
                p95.append((Double(n), Stats.p95(xs)))
            }
            return (med, p95)
        }
        let cand = series { r, _ in r.candidateSeconds }
        let mip = series { _, p in p.mip.seconds }
        let total = series { r, p in r.candidateSeconds + p.mip.seconds }
        let greedy = series { _, p in p.greedy.seconds }
        let times = (cand.p95 + mip.p95 + total.p95 + greedy.median).map(\.1).filter { $0 > 0 && $0.isFinite } + [1, 10]
        let tLo = pow(10, log10(max(1e-5, times.min() ?? 1e-3)).rounded(.down))
        let tHi = pow(10, log10(times.max() ?? 10).rounded(.up))
        let nLo = pow(10, log10(Double(serverCounts.first ?? 10)).rounded(.down))
        let nHi = pow(10, log10(Double(serverCounts.last ?? 10000)).rounded(.up))
        var p3 = Panel(x0: 940, y0: 50, width: 330, height: 280, xRange: nLo...max(nHi, nLo * 10), yRange: tLo...max(tHi, tLo * 10),
                       logX: true, logY: true)
        var decades: [Double] = []
        var d = tLo
        while d <= p3.yRange.upperBound * 1.0001 { decades.append(d); d *= 10 }
        var nDecades: [Double] = []
        d = nLo
        while d <= p3.xRange.upperBound * 1.0001 { nDecades.append(d); d *= 10 }
        p3.axes(title: "Solve time (median; circles p95)", xLabel: "servers (log)", yLabel: "seconds (log)",
                xTicks: nDecades, yTicks: decades, xFormat: { String(format: "%.0f", $0) },
                yFormat: { $0 >= 1 ? String(format: "%.0f", $0) : String(format: "%g", $0) })
        let colors = (candidates: "#2ca02c", mip: "#d62728", total: "#1f77b4", greedy: "#7f7f7f")
        p3.line(cand.median, color: colors.candidates); p3.dots(cand.p95, color: colors.candidates)
        p3.line(mip.median, color: colors.mip); p3.dots(mip.p95, color: colors.mip)
        p3.line(total.median, color: colors.total); p3.dots(total.p95, color: colors.total)
        p3.line(greedy.median, color: colors.greedy, dashed: true, markers: false)
        // The issue's goals: candidates + MIP <= 1 s at 2,000 servers, <= 10 s at 10,000.
        for (n, s) in [(2000.0, 1.0), (10000.0, 10.0)] where p3.xRange.contains(n) {
            let x = p3.px(n), y = p3.py(s)
            p3.body.append("<path d='M \(x - 6) \(y - 6) L \(x + 6) \(y + 6) M \(x - 6) \(y + 6) L \(x + 6) \(y - 6)' stroke='#000' stroke-width='2'/>")
        }
        p3.legend([("candidates", colors.candidates, false), ("MIP solve", colors.mip, false),
                   ("candidates + MIP", colors.total, false), ("greedy", colors.greedy, true), ("× goal", "#000", false)],
                  at: (p3.x0 + 10, p3.y0 + 14))

        let caption = "Inferno benchmark, \(report.preset) preset: \(records.count) scenarios, \(report.machine). "
            + "Colours in the first two panels are sizes (servers × accelerators)."
        let body = p1.body + p2.body + p3.body
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="1320" height="420" viewBox="0 0 1320 420" font-family="sans-serif">
            <rect width="1320" height="420" fill="white"/>
            \(body.joined(separator: "\n"))
            <text x="660" y="405" text-anchor="middle" font-size="11" fill="#555">\(escape(caption))</text>
            </svg>

            """
    }
}
