import Foundation
import InfernoMIP

/// The Markdown report of a run (docs/benchmark.md explains every column).
public enum Report {
    struct Group {
        var size: Preset.Size
        var tightness: Double
        var records: [ScenarioRecord]
    }

    static func groups(_ records: [ScenarioRecord]) -> [Group] {
        var out: [Group] = []
        for r in records {
            let size = Preset.Size(servers: r.servers, accelerators: r.accelerators)
            if let i = out.firstIndex(where: { $0.size == size && $0.tightness == r.tightness }) {
                out[i].records.append(r)
            } else {
                out.append(Group(size: size, tightness: r.tightness, records: [r]))
            }
        }
        return out
    }

    static func short(_ policy: String) -> String {
        switch policy {
        case "None": "None"
        case "PriorityExhaustive": "PrioExh"
        case "PriorityRoundRobin": "PrioRR"
        case "RoundRobin": "RR"
        default: policy
        }
    }

    /// The largest of `gaps` as a percentage; "answer 0" where a stage served none of a class against a positive
    /// bound (the relative gap divides by the answer, so it has no finite value there).
    static func maxGap(_ gaps: [Double]) -> String {
        guard let largest = gaps.max() else { return "–" }
        return largest >= 1e6 ? "∞ (answer 0)" : String(format: "%.2f%%", largest * 100)
    }
    static func f(_ x: Double, _ digits: Int = 2) -> String { x.isNaN ? "–" : String(format: "%.\(digits)f", x) }
    static func signed(_ x: Double) -> String {
        x.isNaN ? "–" : (x == x.rounded() ? String(format: "%+.0f", x) : String(format: "%+.1f", x))
    }
    static func medP95(_ xs: [Double], _ digits: Int = 2) -> String {
        xs.isEmpty ? "–" : "\(f(Stats.median(xs), digits)) (\(f(Stats.p95(xs), digits)))"
    }
    static func medP95Signed(_ xs: [Double]) -> String {
        xs.isEmpty ? "–" : "\(signed(Stats.median(xs))) (\(signed(Stats.p95(xs))))"
    }

    /// The comparisons of `policy` in `records`, with their scenario.
    static func comparisons(_ records: [ScenarioRecord], policy: String) -> [(ScenarioRecord, PolicyRecord)] {
        records.compactMap { r in r.policies.first { $0.policy == policy }.map { (r, $0) } }
    }

    static func statusCounts(_ list: [(ScenarioRecord, PolicyRecord)]) -> String {
        var counts: [String: Int] = [:]
        for (_, p) in list { counts[p.mip.mip?.status ?? "-", default: 0] += 1 }
        // Stages the time guard skipped have no bound, so the gap column cannot show them: they are counted here.
        let skipped = list.filter { $0.1.mip.mip?.stageDetails.contains { $0.status == MIPDiagnostics.Stage.Outcome.skipped.description } ?? false }.count
        return (["optimal", "feasible", "fallback"].compactMap { k in counts[k].map { "\($0) \(k == "optimal" ? "opt" : k == "feasible" ? "feas" : "fb")" } }
            + (skipped > 0 ? ["\(skipped) with a stage skipped"] : []))
            .joined(separator: ", ")
    }

    static func verdicts(_ list: [(ScenarioRecord, PolicyRecord)]) -> String {
        let better = list.filter { $0.1.verdict == .better }.count
        let equal = list.filter { $0.1.verdict == .equal }.count
        let worse = list.filter { $0.1.verdict == .worse }.count
        return "\(better) / \(equal) / \(worse)"
    }

    /// The table of one policy: one row per size and tightness, statistics over seeds.
    public static func policyTable(_ records: [ScenarioRecord], policy: String) -> String {
        var lines = [
            "| servers × accelerators | tightness (measured) | scenarios | served greedy → MIP | extra top-priority served by MIP, median (p95) | extra served (all levels), median (p95) | cost MIP/greedy, median (p95) | candidates s, median (p95) | greedy s, median | MIP s, median (p95) | MIP status | max gap | MIP better / equal / worse |",
            "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---|",
        ]
        for g in groups(records) {
            let list = comparisons(g.records, policy: policy)
            guard !list.isEmpty else { continue }
            let totals = list.map { Double($0.0.serversPerLevel.reduce(0, +)) }
            let servedGreedy = zip(list, totals).map { Double($0.0.1.greedy.servedTotal) / $0.1 }
            let servedMIP = zip(list, totals).map { Double($0.0.1.mip.servedTotal) / $0.1 }
            let extraTop = list.map { Double(($0.1.mip.served.first ?? 0) - ($0.1.greedy.served.first ?? 0)) }
            let extraAll = list.map { Double($0.1.mip.servedTotal - $0.1.greedy.servedTotal) }
            let ratio = list.compactMap { $0.1.greedy.cost > 0 ? $0.1.mip.cost / $0.1.greedy.cost : nil }
            let gaps = list.compactMap { $0.1.mip.mip?.gap }
            lines.append("| \(g.size.label) | \(f(g.tightness)) (\(f(Stats.median(g.records.map(\.measuredTightness)), 3))) | \(list.count) "
                + "| \(f(Stats.median(servedGreedy) * 100, 1))% → \(f(Stats.median(servedMIP) * 100, 1))% "
                + "| \(medP95Signed(extraTop)) | \(medP95Signed(extraAll)) | \(medP95(ratio, 3)) "
                + "| \(medP95(list.map { $0.0.candidateSeconds }, 3)) | \(f(Stats.median(list.map { $0.1.greedy.seconds }), 4)) "
                + "| \(medP95(list.map { $0.1.mip.seconds }, 3)) | \(statusCounts(list)) "
                + "| \(Self.maxGap(gaps)) | \(verdicts(list)) |")
        }
        return lines.joined(separator: "\n")
    }

    /// What else the allocations differ in (policy None): demand left unserved, churn against the current
    /// allocations, cards used.
    public static func churnTable(_ records: [ScenarioRecord]) -> String {
        var lines = [
            "| servers × accelerators | tightness | unserved demand greedy → MIP | replicas changed greedy → MIP | servers moved greedy → MIP | cards used greedy → MIP (capacity) | unlimited optimum: cost vs MIP, cards |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for g in groups(records) {
            let list = comparisons(g.records, policy: "None")
            guard !list.isEmpty else { continue }
            func med(_ xs: [Double], _ d: Int = 0) -> String { f(Stats.median(xs), d) }
            let unservedG = list.map { $0.1.greedy.demand > 0 ? $0.1.greedy.unservedDemand / $0.1.greedy.demand * 100 : 0 }
            let unservedM = list.map { $0.1.mip.demand > 0 ? $0.1.mip.unservedDemand / $0.1.mip.demand * 100 : 0 }
            let cardsG = list.map { Double($0.1.greedy.cardsByType.values.reduce(0, +)) }
            let cardsM = list.map { Double($0.1.mip.cardsByType.values.reduce(0, +)) }
            let capacity = list.map { Double($0.0.capacityCards) }
            let unlimitedCost = list.map { $0.1.mip.cost > 0 ? $0.0.unlimited.cost / $0.1.mip.cost : 1 }
            let unlimitedCards = list.map { Double($0.0.unlimited.cardsByType.values.reduce(0, +)) }
            lines.append("| \(g.size.label) | \(f(g.tightness)) | \(med(unservedG, 1))% → \(med(unservedM, 1))% "
                + "| \(med(list.map { Double($0.1.greedy.replicasChanged) })) → \(med(list.map { Double($0.1.mip.replicasChanged) })) "
                + "| \(med(list.map { Double($0.1.greedy.moves) })) → \(med(list.map { Double($0.1.mip.moves) })) "
                + "| \(med(cardsG)) → \(med(cardsM)) (\(med(capacity))) "
                + "| ×\(f(Stats.median(unlimitedCost), 3)), \(med(unlimitedCards)) |")
        }
        return lines.joined(separator: "\n")
    }

    /// Solve times per size over every tightness and seed (policy None, the comparison every scenario has).
    public static func timingTable(_ records: [ScenarioRecord]) -> String {
        var lines = [
            "| servers × accelerators | scenarios | candidates s, median / p95 / max | MIP s, median / p95 / max | candidates + MIP s, median / p95 / max | greedy s, median | MIP status | max gap |",
            "|---|---:|---:|---:|---:|---:|---|---:|",
        ]
        var sizes: [Preset.Size] = []
        for r in records where !sizes.contains(Preset.Size(servers: r.servers, accelerators: r.accelerators)) {
            sizes.append(Preset.Size(servers: r.servers, accelerators: r.accelerators))
        }
        func triple(_ xs: [Double]) -> String {
            "\(f(Stats.median(xs), 3)) / \(f(Stats.p95(xs), 3)) / \(f(xs.max() ?? .nan, 3))"
        }
        for size in sizes {
            let list = comparisons(records.filter { $0.servers == size.servers && $0.accelerators == size.accelerators }, policy: "None")
            let gaps = list.compactMap { $0.1.mip.mip?.gap }
            lines.append("| \(size.label) | \(list.count) | \(triple(list.map { $0.0.candidateSeconds })) "
                + "| \(triple(list.map { $0.1.mip.seconds })) | \(triple(list.map { $0.0.candidateSeconds + $0.1.mip.seconds })) "
                + "| \(f(Stats.median(list.map { $0.1.greedy.seconds }), 4)) | \(statusCounts(list)) "
                + "| \(Self.maxGap(gaps)) |")
        }
        return lines.joined(separator: "\n")
    }

    public static func markdown(_ report: RunReport, preset: Preset) -> String {
        let records = report.records
        let policies = ["None", "PriorityExhaustive", "PriorityRoundRobin", "RoundRobin"].filter { p in
            records.contains { $0.policies.contains { $0.policy == p } }
        }
        let all = policies.flatMap { comparisons(records, policy: $0) }
        let worse = all.filter { $0.1.verdict == .worse }
        var out: [String] = []
        out.append("# Inferno benchmark: MIP versus greedy (\(report.preset) preset)")
        out.append("")
        out.append("Command: `\(report.command)`  ")
        out.append("Started \(report.started) on \(report.machine).  ")
        out.append("Candidates on \(report.threads) thread(s), batch limit `\(report.batchLimitPolicy)`, TTFT percentile \(report.percentile); "
                   + "MIP time limit \(f(report.timeLimitSeconds, 1)) s, relative gap \(f(report.relativeGap * 100, 2))%.  ")
        out.append("Sizes \(preset.sizes.map(\.label).joined(separator: ", ")); tightness \(preset.tightness.map { f($0) }.joined(separator: ", ")); "
                   + "seeds 1–\(records.map(\.seed).max() ?? 0) (priority classes per seed: 3, 4, 2, 1, …).")
        out.append("")
        out.append("## MIP versus greedy, lexicographically")
        out.append("")
        out.append("Served per priority level (highest first), each followed by that level's best-effort measure under the "
                   + "priority policies (after all levels under the others), then cost plus transition penalty: "
                   + "the MIP is **better in \(all.filter { $0.1.verdict == .better }.count)**, equal in "
                   + "\(all.filter { $0.1.verdict == .equal }.count) and **worse in \(worse.count)** of \(all.count) comparisons "
                   + "(\(records.count) scenarios; best-effort policies run where greedy under `None` leaves a server unserved).")
        if !worse.isEmpty {
            out.append("")
            out.append("Exceptions (each one is a bug to fix):")
            for (r, p) in worse { out.append("- `\(r.label)` \(p.policy): \(p.decidedBy)") }
        }
        out.append("")
        out.append("## Solve times per size (policy None, every tightness and seed)")
        out.append("")
        out.append(timingTable(records))
        out.append("")
        out.append("## Demand, churn and cards (policy None, medians)")
        out.append("")
        out.append(churnTable(records))
        for policy in policies {
            out.append("")
            out.append("## Policy \(policy)")
            out.append("")
            if policy != "None" { out.append("Saturated scenarios only (greedy under `None` leaves a server unserved).\n") }
            out.append(policyTable(records, policy: policy))
        }
        out.append("")
        out.append("Columns: *served* is the median share of all servers whose SLOs are met; *extra top-priority served* counts "
                   + "servers of the highest class the MIP serves beyond greedy; *cost* is the allocation's cost per hour "
                   + "(a ratio above 1 where the MIP serves more servers is the price of serving them); *MIP s* is the whole "
                   + "solve (its greedy start, model building and every CBC stage); *max gap* is the largest relative gap any "
                   + "stage stopped at (∞ where a stage served none of a class against a positive bound). See "
                   + "docs/benchmark.md.")
        out.append("")
        return out.joined(separator: "\n")
    }
}
