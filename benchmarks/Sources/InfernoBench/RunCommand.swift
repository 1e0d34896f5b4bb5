import ArgumentParser
import Foundation
import InfernoBenchKit
import InfernoMIP

/// `inferno-bench [run] --preset quick|full --output DIR`: the benchmark with its report and chart.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a preset of scenarios; write report.md, chart.svg and results.json to --output.")

    @Option(help: "quick (about a minute on 2 cores, up to 500 servers) or full (up to 10,000 servers).")
    var preset: String = "quick"
    @Option(help: "Seeds per size and tightness (default: the preset's, 3 quick, 5 full).") var seeds: Int?
    @Option(help: "Output folder (created if missing).") var output: String
    @Option(help: "Only these server counts of the preset (comma-separated), e.g. to run the largest rows alone.")
    var sizes: IntList?
    @Option(help: "Tightness values instead of the preset's (comma-separated).") var tightness: DoubleList?
    @Option(help: "Threads for candidate generation (default: all cores).") var threads: Int?
    @Option(name: .customLong("time-limit"), help: "MIP time limit per solve, seconds (default: the preset's, 10).")
    var timeLimit: Double?
    @Option(help: "Batch limit policy of the analyzer: search or profile.") var batchLimit: BatchLimitPolicy = .search
    @Flag(help: "Also write every scenario's system JSON to DIR/scenarios (readable by inferno-controller optimize).")
    var writeScenarios = false

    func validate() throws {
        guard Preset.named(preset) != nil else { throw ValidationError("--preset: '\(preset)' is not quick or full") }
        if let s = seeds, s < 1 { throw ValidationError("--seeds: \(s) must be at least 1") }
        if let t = threads, t < 1 { throw ValidationError("--threads: \(t) must be at least 1") }
        if let t = timeLimit, !(t > 0) { throw ValidationError("--time-limit: \(t) must be positive") }
        if let sizes, let p = Preset.named(preset) {
            let known = Set(p.sizes.map(\.servers))
            if let bad = sizes.values.first(where: { !known.contains($0) }) {
                throw ValidationError("--sizes: \(bad) is not a size of the \(preset) preset (\(p.sizes.map { String($0.servers) }.joined(separator: ", ")))")
            }
        }
    }

    func run() throws {
        var p = Preset.named(preset)!
        if let seeds { p.seeds = seeds }
        if let sizes { p.sizes = p.sizes.filter { sizes.values.contains($0.servers) } }
        if let tightness { p.tightness = tightness.values }
        if let timeLimit { p.timeLimitSeconds = timeLimit }
        let t = threads ?? coreCount
        let command = (["inferno-bench"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        progress("inferno-bench: \(p.specs.count) scenarios (\(p.name): sizes \(p.sizes.map(\.label).joined(separator: ", ")), "
                 + "tightness \(p.tightness.map { String($0) }.joined(separator: ", ")), \(p.seeds) seeds) → \(output)")
        let suite = BenchmarkSuite(preset: p, threads: t, analyzer: AnalyzerSettings(batchLimitPolicy: batchLimit),
                                   writeScenarios: writeScenarios)
        let report = try suite.run(output: URL(fileURLWithPath: output), command: command, progress: progress)
        let worse = report.records.flatMap(\.policies).filter { $0.verdict == .worse }.count
        progress("wrote \(output)/report.md, \(output)/chart.svg, \(output)/results.json; MIP worse than greedy in \(worse) comparison(s)")
    }
}
