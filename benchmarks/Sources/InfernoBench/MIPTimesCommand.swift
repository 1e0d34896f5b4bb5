import ArgumentParser
import Foundation
import InfernoBenchKit
import InfernoMIP

/// `inferno-bench mip-times`: MIP versus greedy solve times per size, with what each served.
struct MIPTimesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mip-times",
        abstract: "MIP versus greedy: solve time, status, gap, served per priority and cost per size and tightness.")

    @Option(help: "Server counts, comma-separated.") var servers = IntList([500, 2000])
    @Option(help: "Accelerator kinds, 1-12.") var types = 9
    @Option(help: "Tightness values, comma-separated.") var tightness = DoubleList([0.8, 1.0, 1.2])
    @Option(help: "Priority classes, 1-4.") var priorities = 3
    @Option(help: "Seeds per point (1, 2, ...).") var seeds = 1
    @Option(help: "Saturation policy.") var policy: SaturationPolicy = .none
    @Option(name: .customLong("time-limit"), help: "MIP time limit, seconds.") var timeLimit = 10.0
    @Option(help: "MIP relative gap.") var gap = 0.005
    @Option(help: "Threads for candidate generation (default: all cores).") var threads: Int?
    @Option(name: .customLong("cbc-param"), help: ArgumentHelp("Extra CBC parameter name=value (repeatable).", visibility: .hidden))
    var cbcParams: [String] = []
    @Flag(help: "Print every MIP stage after each row.") var stages = false
    @Flag(help: "Also run the MIP solver as it was before tuning (MIPTuning.baseline), side by side.") var baseline = false
    @Option(name: .customLong("tuning-off"),
            help: ArgumentHelp("MIPTuning switches to turn off, comma-separated (explicitIdle, preprocessOff, servedTieBreak, "
                               + "restrictServedStages, fillAfterServedStages, lpAndFix, choiceRelaxation, quickProbeOneShort, "
                               + "roomDive, largeQuickProbe, mergedCounts, mergedCompletion, mergedCost, mergedProbes, mergedProbeTieBreak, bisectingProbes, cbcTimeReserve, guardedRelaxation, pinSettledPartials, pricedPartials, earlyMergedProbes, settledPricingStop, partialsHeldSearch, mergedSearchNear, dropPinnedColumns, stageTimeShare).",
                               visibility: .hidden))
    var tuningOff: String = ""
    @Option(name: .customLong("tuning-on"),
            help: ArgumentHelp("MIPTuning switches to turn on, comma-separated (choiceRelaxation, on by default since "
                               + "the exact counts; kept so that older commands in docs/benchmark.md still run)."))
    var tuningOn: String = ""
    @Option(help: ArgumentHelp("Also run the solver with these MIPTuning switches off (names as for --tuning-off), "
                               + "before the tuned one on the same scenario: old and new side by side in one run."))
    var beside: String = ""
    @Option(name: .customLong("cbc-log"), help: ArgumentHelp("CBC log level (0 silent).", visibility: .hidden)) var cbcLog = 0

    func validate() throws {
        if !(1...12).contains(types) { throw ValidationError("--types: \(types) must be 1-12") }
        if !(1...4).contains(priorities) { throw ValidationError("--priorities: \(priorities) must be 1-4") }
        if seeds < 1 { throw ValidationError("--seeds: \(seeds) must be at least 1") }
    }

    func run() throws {
        let t = threads ?? coreCount
        print("MIP vs greedy, \(types) accelerator kinds, \(priorities) classes, policy \(policy.rawValue), "
              + "time limit \(timeLimit) s, gap \(gap); candidates on \(t) thread(s)")
        print("")
        print("| servers | tightness | seed | MIP variant | candidates (s) | greedy (s) | MIP (s) | MIP = cand.+solve (s) | status | gap | components | stages solved | served greedy | served MIP | cost greedy | cost MIP | verdict | cost+penalty MIP |")
        print("|---:|---:|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---|---|---:|---:|---|---:|")
        for n in servers.values {
            for tight in tightness.values {
                for seed in 1...seeds {
                    let spec = ScenarioSpec(servers: n, accelerators: types, priorities: priorities, tightness: tight,
                                            seed: UInt64(seed))
                    var scenario = ScenarioGenerator(spec: spec, parallelism: t).generate()
                    scenario.system.options.saturationPolicy = policy
                    for (variant, tuning) in variants() {
                    var settings = RunSettings(threads: t, timeLimitSeconds: timeLimit, relativeGap: gap,
                                               bestEffortPolicies: policy == .none ? [] : [policy])
                    settings.cbcLogLevel = cbcLog
                    settings.tuning = tuning
                    for p in cbcParams {
                        let kv = p.split(separator: "=", maxSplits: 1).map(String.init)
                        if kv.count == 2 { settings.tuning.cbcParameters[kv[0]] = kv[1] }
                    }
                    let r = ScenarioRunner(settings: settings).run(scenario, policies: [policy])
                    for p in r.policies {
                        let m = p.mip.mip
                        let times = String(format: "%.3f | %.4f | %.3f | %.3f", r.candidateSeconds, p.greedy.seconds, p.mip.seconds,
                                           r.candidateSeconds + p.mip.seconds)
                        let gap = m?.gap.map { String(format: "%.4f%%", $0 * 100) } ?? "-"
                        let served = p.greedy.served.map(String.init).joined(separator: "/") + " | "
                            + p.mip.served.map(String.init).joined(separator: "/")
                        let costs = String(format: "%.0f | %.0f", p.greedy.cost, p.mip.cost)
                        let verdict = p.verdict.rawValue + (p.verdict == .equal ? "" : " (\(p.decidedBy))")
                        print("| \(n) | \(String(format: "%.2f", tight)) | \(seed) | \(variant) | \(times) | \(m?.status ?? "-") | \(gap) | "
                              + "\(m?.components ?? 0) | \(m?.stagesSolved ?? 0)/\(m?.stages ?? 0) | \(served) | \(costs) | \(verdict) | "
                              + String(format: "%.1f |", p.mip.value))
                        if stages, let m {
                            for st in m.stageDetails {
                                progress("    \(st.name): \(st.status) \(String(format: "%.3f", st.seconds)) s objective "
                                         + "\(st.objective.map { String(format: "%.4f", $0) } ?? "-") bound "
                                         + "\(st.bound.map { String(format: "%.4f", $0) } ?? "-")")
                                for step in st.steps ?? [] { progress("        " + step) }
                            }
                        }
                    }
                    }
                }
            }
        }
    }

    /// The MIP solver variants to run: the baseline if asked, the one with the `--beside` switches off if asked, and
    /// the tuned one (less any `--tuning-off` switch).
    func variants() -> [(String, MIPTuning)] {
        var out = baseline ? [("baseline", MIPTuning.baseline)] : []
        if !beside.isEmpty { out.append(Self.tuned(on: tuningOn, off: tuningOff + "," + beside)) }
        out.append(Self.tuned(on: tuningOn, off: tuningOff))
        return out
    }

    /// The tuned solver with the switches named in `on` turned on, then those in `off` (comma-separated) turned off,
    /// and its name.
    static func tuned(on: String = "", off switches: String) -> (String, MIPTuning) {
        var tuned = MIPTuning()
        var name = "tuned"
        for flag in on.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !flag.isEmpty {
            name += " +\(flag)"
            switch flag {
            case "choiceRelaxation": tuned.choiceRelaxation = true
            default: progress("unknown tuning switch \(flag) for --tuning-on")
            }
        }
        for flag in switches.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !flag.isEmpty {
            name += " -\(flag)"
            switch flag {
            case "explicitIdle": tuned.explicitIdle = false
            case "preprocessOff": tuned.cbcParameters["preprocess"] = nil
            case "servedTieBreak": tuned.servedTieBreak = false
            case "restrictServedStages": tuned.restrictServedStages = false
            case "fillAfterServedStages": tuned.fillAfterServedStages = false
            case "lpAndFix": tuned.lpAndFix = false
            case "choiceRelaxation": tuned.choiceRelaxation = false
            case "quickProbeOneShort": tuned.heuristicProbeOneShortServers = .max
            case "roomDive": tuned.roomDiveSteps = 0
            case "largeQuickProbe": tuned.largeQuickProbeNodes = .max
            case "mergedCounts": tuned.mergedCounts = false
            case "mergedCompletion": tuned.mergedCompletion = false
            case "mergedCost": tuned.mergedCost = false
            case "mergedProbes": tuned.mergedProbes = false
            case "mergedProbeTieBreak": tuned.mergedProbeTieBreak = false
            case "bisectingProbes": tuned.bisectingProbes = false
            case "cbcTimeReserve": tuned.cbcTimeReserve = 0
            case "guardedRelaxation": tuned.guardedRelaxation = false
            case "pinSettledPartials": tuned.pinSettledPartials = false
            case "pricedPartials": tuned.pricedPartials = false
            case "earlyMergedProbes": tuned.earlyMergedProbes = 0
            case "settledPricingStop": tuned.settledPricingStop = false
            case "partialsHeldSearch": tuned.partialsHeldSearch = false
            case "mergedSearchNear": tuned.mergedSearchNear = false
            case "dropPinnedColumns": tuned.dropPinnedColumns = false
            case "stageTimeShare": tuned.stageTimeShare = 1
            default: progress("unknown tuning switch \(flag)")
            }
        }
        return (name, tuned)
    }
}
