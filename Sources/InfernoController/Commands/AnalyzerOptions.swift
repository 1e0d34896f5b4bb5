import ArgumentParser
import Foundation
import InfernoMIP

/// Flags shared by every command that sizes replicas.
struct AnalyzerOptions: ParsableArguments {
    @Option(name: .customLong("batch-limit"),
            help: "How the batch limit is chosen: 'search' (best limit up to the memory bound) or 'profile' (upstream's limit exactly).")
    var batchLimit: BatchLimitPolicy = .search

    @Option(name: .customLong("slo-percentile"),
            help: "TTFT statistic the target bounds: 'p95' (the seed's), 'mean' (later upstream's), or another percentile such as 'p99'.")
    var sloPercentile: String = "p95"

    @Option(name: .customLong("itl-percentile"),
            help: "ITL statistic the target bounds: 'mean' (upstream's) or the share of requests whose own mean inter-token latency meets it, such as 'p90'.")
    var itlPercentile: String = AnalyzerOptions.defaultITLPercentile

    /// See docs/model.md, "ITL at a percentile", for why.
    static let defaultITLPercentile = "mean"

    func validate() throws {
        guard SLOPercentile(parsing: sloPercentile) != nil else {
            throw ValidationError("--slo-percentile: '\(sloPercentile)' is not 'mean' or a percentile such as 'p95' or '0.95'")
        }
        guard SLOPercentile(parsing: itlPercentile) != nil else {
            throw ValidationError("--itl-percentile: '\(itlPercentile)' is not 'mean' or a percentile such as 'p90' or '0.9'")
        }
    }

    var settings: AnalyzerSettings {
        AnalyzerSettings(percentile: SLOPercentile(parsing: sloPercentile) ?? .seed,
                         itlPercentile: SLOPercentile(parsing: itlPercentile) ?? .mean, batchLimitPolicy: batchLimit,
                         parallelism: ProcessInfo.processInfo.activeProcessorCount)
    }
}

extension BatchLimitPolicy: ExpressibleByArgument {}

