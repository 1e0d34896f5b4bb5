import ArgumentParser
import Foundation
import InfernoBenchKit

/// `inferno-bench report --results DIR/results.json [--output DIR]`: report.md and chart.svg again from a run's
/// results, e.g. after the report gained a column, without running the scenarios again.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write report.md and chart.svg again from a run's results.json.")

    @Option(help: "A results.json written by `inferno-bench run`.") var results: String
    @Option(help: "Output folder (default: the folder of --results).") var output: String?

    func run() throws {
        let url = URL(fileURLWithPath: results)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ValidationError("--results: cannot read \(results): \(error.localizedDescription)")
        }
        let report: RunReport
        do { report = try JSONDecoder.lenientFloats.decode(RunReport.self, from: data) } catch {
            throw ValidationError("--results: \(results) is not a results.json of inferno-bench run (\(error))")
        }
        guard var preset = Preset.named(report.preset) else {
            throw ValidationError("--results: unknown preset '\(report.preset)' in \(results)")
        }
        // What was run, from the records (a run may have narrowed the preset with --sizes, --tightness or --seeds).
        var sizes: [Preset.Size] = []
        for r in report.records where !sizes.contains(Preset.Size(servers: r.servers, accelerators: r.accelerators)) {
            sizes.append(Preset.Size(servers: r.servers, accelerators: r.accelerators))
        }
        preset.sizes = sizes
        preset.tightness = Array(Set(report.records.map(\.tightness))).sorted()
        preset.seeds = Int(report.records.map(\.seed).max() ?? 0)
        preset.timeLimitSeconds = report.timeLimitSeconds
        preset.relativeGap = report.relativeGap
        let folder = output.map { URL(fileURLWithPath: $0) } ?? url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Report.markdown(report, preset: preset).write(to: folder.appendingPathComponent("report.md"), atomically: true, encoding: .utf8)
        try Chart.svg(report).write(to: folder.appendingPathComponent("chart.svg"), atomically: true, encoding: .utf8)
        progress("wrote \(folder.path)/report.md, \(folder.path)/chart.svg from \(report.records.count) scenarios")
    }
}

extension JSONDecoder {
    /// Reads the "inf"/"nan" strings `JSONEncoder.pretty` writes for non-finite numbers.
    static var lenientFloats: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }
}
