import Foundation
import InfernoFormats
import InfernoMIP

/// One optimization's result with what a reader needs beside it: SLOs, loads, capacity, solver facts.
struct OptimizationReport {
    let system: SystemSpec
    let problem: OptimizationProblem
    let solution: Solution
    let settings: AnalyzerSettings
    let analysisSeconds: Double

    func target(of server: Server) -> SLOTarget {
        system.serviceClass(named: server.serviceClass)?.targets[server.model] ?? SLOTarget()
    }

    // MARK: Table

    func table() -> String {
        var rows: [[String]] = [["server", "class", "prio", "rate/min", "accelerator", "repl", "batch",
                                 "ITL ms (slo)", "TTFT ms (slo)", "cost", "status"]]
        for s in solution.servers {
            guard let sc = problem.servers.first(where: { $0.name == s.name }) else { continue }
            let server = sc.server
            let t = target(of: server)
            let accelerator = s.placements.isEmpty ? "-" : s.placements.map { s.placements.count > 1 ? "\($0.accelerator)×\($0.replicas)" : $0.accelerator }.joined(separator: "+")
            let batch = s.placements.map { String($0.batchLimit) }.joined(separator: "/")
            rows.append([
                s.name, server.serviceClass, String(s.priority), fmt(server.load.arrivalRatePerMinute),
                accelerator, String(s.replicas), batch.isEmpty ? "-" : batch,
                pair(s.itlMilliseconds, t.itlMilliseconds), pair(s.ttftMilliseconds, t.ttftMilliseconds),
                fmt(s.cost), s.status.label,
            ])
        }
        var out = Self.align(rows)
        let unserved = solution.servers.filter { !$0.status.isFullyServed }
        if !unserved.isEmpty {
            out += "\nNot fully served:\n"
            for s in unserved { out += "  \(s.name): \(s.status.reason ?? "")\n" }
        }
        out += "\n"
        var usage: [[String]] = [["GPU type", "used", "capacity", "cost"]]
        for u in solution.usage {
            usage.append([u.type, String(u.cardsUsed), u.cardsAvailable.map(String.init) ?? "unlimited", fmt(u.cost)])
        }
        out += Self.align(usage)
        out += "\n"
        let served = solution.servedPerPriority.map { "p\($0.priority) \($0.served)/\($0.total)" }.joined(separator: ", ")
        out += "solver \(solution.solver): served \(served); total cost \(fmt(solution.totalCost))\n"
        out += "analysis \(ms(analysisSeconds)) (TTFT at \(settings.percentile), ITL at \(settings.itlPercentile), batch limit \(settings.batchLimitPolicy.rawValue)); "
        out += "solve \(ms(solution.diagnostics.seconds))\n"
        if let mip = solution.diagnostics.mip {
            out += "MIP \(mip.status)"
            if let gap = mip.gap { out += String(format: ", gap %.3f%%", gap * 100) }
            out += ", \(mip.components) component\(mip.components == 1 ? "" : "s"), stages: "
            out += mip.stages.map { "\($0.name) \($0.status) \(ms($0.seconds))" }.joined(separator: "; ") + "\n"
        }
        for note in solution.diagnostics.notes { out += "note: \(note)\n" }
        return out
    }

    private func pair(_ value: Double?, _ target: Double?) -> String {
        let v = value.map { fmt($0) } ?? "-"
        let t = target.map { fmt($0) } ?? "-"
        return "\(v) (\(t))"
    }

    private func fmt(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 1e9 { return String(Int(x)) }
        return String(format: abs(x) >= 100 ? "%.1f" : "%.2f", x)
    }

    private func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }

    static func align(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        return rows.map { r in
            r.enumerated().map { i, c in c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }

    // MARK: JSON

    /// Upstream's solution shape with Inferno's diagnostics beside it (docs/formats.md §1, ``Solution/upstreamJSON``).
    func json() throws -> String {
        String(decoding: solution.upstreamJSON(problem: problem, settings: settings, analysisSeconds: analysisSeconds)
            .serialized(pretty: true), as: UTF8.self)
    }
}
