import Foundation
import InfernoMIP

/// A set of scenarios: sizes, tightness values, seeds.
public struct Preset: Sendable {
    public struct Size: Hashable, Sendable, Codable {
        public var servers: Int
        public var accelerators: Int
        public init(servers: Int, accelerators: Int) {
            self.servers = servers
            self.accelerators = accelerators
        }
        public var label: String { "\(servers) × \(accelerators)" }
    }

    public var name: String
    public var sizes: [Size]
    public var tightness: [Double]
    public var seeds: Int
    public var timeLimitSeconds: Double
    public var relativeGap: Double
    public var bestEffortPolicies: [SaturationPolicy]

    /// Priority classes of a seed: 3, 4, 2, 1, 3, … so every count from 1 to 4 appears once four seeds run.
    public static func priorities(seed: Int) -> Int { [3, 4, 2, 1][(seed - 1) % 4] }

    /// About a minute on 2 cores: up to 500 servers.
    public static let quick = Preset(
        name: "quick",
        sizes: [Size(servers: 10, accelerators: 3), Size(servers: 100, accelerators: 6), Size(servers: 500, accelerators: 9)],
        tightness: [0.5, 0.8, 1.0, 1.2, 1.5], seeds: 3, timeLimitSeconds: 10, relativeGap: 0.005,
        bestEffortPolicies: [.priorityExhaustive])

    /// Up to 10,000 servers; the sizes of the issue's timing goals (2,000 × 9, 10,000 × 9) included.
    public static let full = Preset(
        name: "full",
        sizes: [Size(servers: 10, accelerators: 3), Size(servers: 100, accelerators: 6), Size(servers: 500, accelerators: 9),
                Size(servers: 2000, accelerators: 9), Size(servers: 5000, accelerators: 12),
                Size(servers: 10000, accelerators: 9)],
        tightness: [0.5, 0.8, 1.0, 1.2, 1.5], seeds: 5, timeLimitSeconds: 10, relativeGap: 0.005,
        bestEffortPolicies: [.priorityExhaustive])

    public static func named(_ name: String) -> Preset? {
        switch name.lowercased() {
        case "quick": quick
        case "full": full
        default: nil
        }
    }

    /// Every scenario of the preset, in run order (size, tightness, seed).
    public var specs: [ScenarioSpec] {
        sizes.flatMap { size in
            tightness.flatMap { t in
                (1...seeds).map { seed in
                    ScenarioSpec(servers: size.servers, accelerators: size.accelerators,
                                 priorities: Self.priorities(seed: seed), tightness: t, seed: UInt64(seed))
                }
            }
        }
    }
}

/// What a run writes to its output folder.
public struct RunReport: Codable, Sendable {
    public var preset: String
    public var command: String
    public var started: String
    public var machine: String
    public var threads: Int
    public var timeLimitSeconds: Double
    public var relativeGap: Double
    public var percentile: String
    public var batchLimitPolicy: String
    public var records: [ScenarioRecord]
}

/// Runs a preset, reporting progress, and writes `results.json`, `report.md` and `chart.svg`.
public struct BenchmarkSuite: Sendable {
    public var preset: Preset
    public var threads: Int
    public var analyzer: AnalyzerSettings
    public var writeScenarios: Bool

    public init(preset: Preset, threads: Int, analyzer: AnalyzerSettings = AnalyzerSettings(), writeScenarios: Bool = false) {
        self.preset = preset
        self.threads = threads
        self.analyzer = analyzer
        self.writeScenarios = writeScenarios
    }

    public func run(output: URL, command: String, progress: (String) -> Void) throws -> RunReport {
        let fm = FileManager.default
        try fm.createDirectory(at: output, withIntermediateDirectories: true)
        if writeScenarios { try fm.createDirectory(at: output.appendingPathComponent("scenarios"), withIntermediateDirectories: true) }
        var settings = RunSettings(threads: threads, analyzer: analyzer, timeLimitSeconds: preset.timeLimitSeconds,
                                   relativeGap: preset.relativeGap, bestEffortPolicies: preset.bestEffortPolicies)
        settings.analyzer.parallelism = threads
        let runner = ScenarioRunner(settings: settings)
        var report = RunReport(preset: preset.name, command: command, started: ISO8601DateFormatter().string(from: Date()),
                               machine: Machine.description, threads: threads, timeLimitSeconds: preset.timeLimitSeconds,
                               relativeGap: preset.relativeGap, percentile: analyzer.percentile.description,
                               batchLimitPolicy: analyzer.batchLimitPolicy.rawValue, records: [])
        let specs = preset.specs
        let clock = ContinuousClock()
        let began = clock.now
        for (i, spec) in specs.enumerated() {
            let scenario = ScenarioGenerator(spec: spec, parallelism: threads, analyzer: analyzer).generate()
            if writeScenarios {
                try scenario.system.encodeUpstream().write(to: output.appendingPathComponent("scenarios/\(spec.label).json"))
            }
            let record = runner.run(scenario)
            report.records.append(record)
            progress(Self.progressLine(i + 1, specs.count, record, elapsed: began.duration(to: clock.now).seconds))
            try JSONEncoder.pretty.encode(report).write(to: output.appendingPathComponent("results.json"))
        }
        try Report.markdown(report, preset: preset).write(to: output.appendingPathComponent("report.md"), atomically: true, encoding: .utf8)
        try Chart.svg(report).write(to: output.appendingPathComponent("chart.svg"), atomically: true, encoding: .utf8)
        return report
    }

    static func progressLine(_ i: Int, _ n: Int, _ r: ScenarioRecord, elapsed: Double) -> String {
        let width = String(n).count
        let index = String(repeating: " ", count: width - String(i).count) + String(i)
        var parts: [String] = []
        for p in r.policies {
            let served = "\(p.greedy.servedTotal)→\(p.mip.servedTotal)"
            let ratio = p.greedy.cost > 0 ? String(format: "%.3f", p.mip.cost / p.greedy.cost) : "-"
            let mark = p.verdict == .worse ? " WORSE (\(p.decidedBy))" : ""
            parts.append("\(Report.short(p.policy)): served \(served), cost ×\(ratio), MIP \(String(format: "%.2f", p.mip.seconds)) s "
                         + "\(p.mip.mip?.status ?? "-")\(mark)")
        }
        return "[\(index)/\(n) \(String(format: "%6.1f", elapsed))s] \(r.label) "
            + String(format: "(tightness %.2f): candidates %.2f s; ", r.measuredTightness, r.candidateSeconds)
            + parts.joined(separator: "; ")
    }
}

enum Machine {
    static var description: String {
        var parts = ["\(ProcessInfo.processInfo.activeProcessorCount) cores"]
        if let load = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) {
            parts.append("load average " + load.split(separator: " ").prefix(3).joined(separator: " ") + " at start")
        }
        if let cpu = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = cpu.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let name = line.split(separator: ":", maxSplits: 1).last {
            parts.append(name.trimmingCharacters(in: .whitespaces))
        }
        return parts.joined(separator: ", ")
    }
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }
}
