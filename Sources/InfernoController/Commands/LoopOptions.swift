import ArgumentParser
import Foundation
import InfernoControl
import InfernoFormats
import InfernoMIP

/// The control loop's flags, shared by `run` and `simulate` so they read the same in both.
struct LoopOptions: ParsableArguments {
    @Option(help: "Time between cycles, a Go duration such as 60s or 1m30s (run: default GLOBAL_OPT_INTERVAL, else 60s; simulate: simulated time, 60s).")
    var interval: DurationArgument?

    @Option(name: .customLong("stabilization-window"), help: "Scale-down stabilisation window, a Go duration.")
    var stabilizationWindow = DurationArgument(seconds: LoopSettings.defaultStabilizationWindowSeconds)

    @Option(help: "How far a rising load is extrapolated when sizing, a Go duration (0s: size for the measured load).")
    var lookahead = DurationArgument(seconds: LoopSettings.defaultLookaheadSeconds)

    @Option(name: .customLong("retention-window"), help: "How long a model with minReplicas 0 must go without requests before it may scale to zero, a Go duration (run: default INFERNO_SCALE_TO_ZERO_RETENTION, else 10m; simulate: 10m).")
    var retentionWindow: DurationArgument?

    @Option(help: "Solver: mip (default), greedy or unlimited.")
    var solver: SolverChoice = .mip

    @Option(help: "Learn each variant's profile online and size against its upper confidence bound: on or off (docs/tuning.md).")
    var tuning: TuningSwitch = .on

    @OptionGroup var analyzer: AnalyzerOptions

    func validate() throws {
        // Below a second a cycle would outrun every Prometheus scrape; the bound also keeps the simulation's cycle
        // count (its duration over the interval) finite.
        if let interval, !(interval.seconds >= 1) { throw ValidationError("--interval: \"\(interval.text)\" must be at least 1s") }
        let durations = [("--interval", interval), ("--stabilization-window", stabilizationWindow), ("--lookahead", lookahead),
                         ("--retention-window", retentionWindow)]
        for case let (flag, duration?) in durations where duration.seconds > GoDuration.limitSeconds {
            throw ValidationError("\(flag): \"\(duration.text)\" is longer than \(GoDuration.limitText)")
        }
    }

    /// The loop's settings with these flags; `interval` and `retention` are the ones the command resolved (flag,
    /// environment, default).
    func settings(intervalSeconds: Double, retentionSeconds: Double, options: OptimizerOptions) -> LoopSettings {
        var s = LoopSettings()
        s.intervalSeconds = intervalSeconds
        s.retentionSeconds = retentionSeconds
        s.stabilizationWindowSeconds = stabilizationWindow.seconds
        s.lookaheadSeconds = lookahead.seconds
        s.solver = solver.solver
        s.analyzer = analyzer.settings
        s.options = options
        s.tuning = tuning == .on ? TunerSettings() : nil
        return s
    }
}

/// `--tuning on|off`.
enum TuningSwitch: String, ExpressibleByArgument, CaseIterable, Sendable {
    case on, off
}

/// A duration flag: a Go duration (`300s`, `2m`, `1m30s`) or, for compatibility, plain seconds (`300`). Never
/// negative.
struct DurationArgument: ExpressibleByArgument, Sendable, Equatable {
    /// As given on the command line.
    let text: String
    let seconds: Double

    init(seconds: Double) {
        self.seconds = seconds
        text = seconds == seconds.rounded() ? "\(Int(seconds))s" : GoDuration.format(seconds)
    }

    init?(argument: String) {
        let trimmed = argument.trimmingCharacters(in: .whitespaces)
        // Plain seconds are decimal only ("0x10" is not sixteen seconds).
        guard let seconds = (try? GoDuration.seconds(trimmed)) ?? DecimalNumber.parse(trimmed), seconds.isFinite, seconds >= 0 else {
            return nil
        }
        self.text = trimmed
        self.seconds = seconds
    }

    var defaultValueDescription: String { text }

    /// As a Go duration, for settings that only take Go durations.
    var goDuration: String { (try? GoDuration.seconds(text)) != nil ? text : "\(text)s" }
}
