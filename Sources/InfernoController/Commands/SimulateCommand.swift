import ArgumentParser
import Foundation
import InfernoControl
import InfernoMIP
import InfernoSimulation
import Logging

/// `inferno-controller simulate`: the controller's reconcile loop on an in-process simulated cluster.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the controller against an embedded simulated cluster of emulated vLLM servers.",
        discussion: """
            Nodes with GPUs, Deployments whose replicas start after a delay, each replica a discrete-event \
            emulation of a batching vLLM server driven by its profile, and a load trace per model. The real \
            reconcile loop observes, optimizes and scales it; each cycle prints what it saw and did. Without \
            --scenario, a built-in scenario ramps 4 models (one variant each) in 2 priority classes past the \
            capacity of 14 GPUs (6 A100, 4 MI300X, 4 Gaudi-2) and back down.
            """)

    @Option(help: "Scenario: a JSON file, or a built-in name (built-in, multi-variant, scale-to-zero; default built-in).")
    var scenario: String?

    @Flag(name: .customLong("print-scenario"), help: "Print the scenario as JSON (a file to copy and edit) and exit.")
    var printScenario = false

    @Option(help: "Router, overriding the scenario's: loadAware, random, roundRobin or leastLoaded.")
    var routing: RoutingPolicy?

    @Option(help: "Cycles to run (default: the scenario's duration divided by the interval).")
    var cycles: Int?

    @Option(help: "Simulated seconds per wall-clock second (0: as fast as possible).")
    var speed: Double = 0

    @Option(help: "Seed of the simulation (default: the scenario's).")
    var seed: UInt64?

    @Option(help: "Directory for the time series (CSV), summary (JSON) and chart (SVG).")
    var output: String?

    @Option(name: .customLong("profile-error"), help: "Run every emulated server with its profile's time coefficients multiplied by this factor (1: the profiles are right; 1.5: servers 1.5 times slower than the controller is told).")
    var profileError: Double = 1

    @Flag(name: .customLong("oracle-profile"), help: "Tell the controller the servers' true profiles (with --profile-error or a scenario's trueProfiles): what a perfect estimate would size with.")
    var oracleProfile = false

    @Flag(help: "Print only the summary.")
    var quiet = false

    @Flag(name: .customLong("repeat-load"),
          help: "Play each model's load trace again from its start when it ends, instead of holding its last rate (soak runs).")
    var repeatLoad = false

    @Flag(name: .customLong("no-record"),
          help: "Keep no time series (no summary, no --output): memory then measures the loop alone (soak runs).")
    var noRecord = false

    @Option(name: .customLong("progress-every"),
            help: "Print a progress line on stderr every N cycles: simulated hours, wall seconds, resident memory (VmRSS, kB).")
    var progressEvery: Int?

    @OptionGroup var loop: LoopOptions

    func validate() throws {
        if let cycles, cycles < 1 { throw ValidationError("--cycles: \(cycles) must be at least 1") }
        if noRecord, output != nil { throw ValidationError("--no-record keeps no time series for --output to write") }
        if let progressEvery, progressEvery < 1 { throw ValidationError("--progress-every: \(progressEvery) must be at least 1") }
        if !(speed >= 0) { throw ValidationError("--speed: \(speed) must be 0 or positive") }
        if !(profileError > 0 && profileError.isFinite) {
            throw ValidationError("--profile-error: \(profileError) must be a positive number")
        }
    }

    func run() async throws {
        var scenario = SimulationScenario.builtIn
        if let name = self.scenario, let named = SimulationScenario.named(name) {
            scenario = named
        } else if let path = self.scenario {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ScenarioFileError("--scenario: '\(path)' is neither a readable file nor a built-in name (\(SimulationScenario.builtInNames.joined(separator: ", ")))")
            }
            do { scenario = try JSONDecoder().decode(SimulationScenario.self, from: data) } catch {
                throw ScenarioFileError("--scenario \(path): \(ScenarioDecodingMessage.describe(error))")
            }
            do { try scenario.validate() } catch { throw ScenarioFileError("--scenario \(path): \(error)") }
            for warning in scenario.warnings {
                FileHandle.standardError.write(Data("warning: --scenario \(path): \(warning)\n".utf8))
            }
        }
        if let seed { scenario.seed = seed }
        if let routing { scenario.routing = routing }
        if repeatLoad { for i in scenario.loads.indices { scenario.loads[i].repeats = true } }
        scenario = scenario.withProfileError(profileError)
        if oracleProfile { scenario = scenario.revealingTrueProfiles() }
        if printScenario {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(scenario), as: UTF8.self))
            return
        }
        let interval = loop.interval?.seconds ?? LoopSettings.defaultIntervalSeconds
        var settings = SimulationRunner.Settings(cycles: cycles ?? max(1, Int(scenario.durationSeconds / interval)))
        settings.loop = loop.settings(intervalSeconds: interval,
                                      retentionSeconds: loop.retentionWindow?.seconds ?? LoopSettings.defaultRetentionSeconds,
                                      options: settings.loop.options)
        settings.speed = speed
        settings.keepRecord = !noRecord
        var logger = Logger(label: "inferno.simulate")
        logger.logLevel = .warning
        print("Inferno simulate: scenario \"\(scenario.name)\", solver \(loop.solver.rawValue), \(settings.cycles) cycles of \(Int(interval)) s, "
              + "TTFT at \(settings.loop.analyzer.percentile), ITL at \(settings.loop.analyzer.itlPercentile), stabilisation \(Int(settings.loop.stabilizationWindowSeconds)) s, "
              + "lookahead \(Int(settings.loop.lookaheadSeconds)) s"
              + (profileError == 1 ? "" : ", servers \(profileError)× their profiles' times")
              + (oracleProfile ? " (told to the controller)" : "") + ", tuning \(loop.tuning.rawValue)")
        print("GPUs: " + scenario.capacity.cardsByType.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        let quiet = self.quiet, progressEvery = self.progressEvery
        let started = ContinuousClock.now
        let result = try await SimulationRunner(scenario: scenario, settings: settings).run(logger: logger) { report, samples, usage in
            if !quiet { print(SimulationPrinter.block(report, samples, usage)) }
            if let every = progressEvery, let cycle = samples.first?.cycle, cycle % every == 0 {
                let wall = String(format: "%.1f", (ContinuousClock.now - started).secondsDouble)
                // On stderr, unbuffered: a long run's progress shows as it happens.
                FileHandle.standardError.write(Data(("progress: cycle \(cycle), simulated \(String(format: "%.1f", report.time / 3600)) h, "
                    + "wall \(wall) s, VmRSS \(ResidentMemory.kilobytes().map(String.init) ?? "?") kB\n").utf8))
            }
        }
        if noRecord {
            print("\(settings.cycles) cycles run in \(String(format: "%.1f", result.wallSeconds)) s (--no-record: no summary)")
            return
        }
        let summary = SimulationSummary(result, intervalSeconds: interval)
        print(summary.text(), terminator: "")
        if let output {
            let dir = URL(fileURLWithPath: output)
            try SimulationOutput.write(result, summary: summary, to: dir)
            print("wrote \(dir.appendingPathComponent("timeseries.csv").path), summary.json, chart.svg")
        }
    }
}

/// This process's resident set (`VmRSS` of /proc/self/status), kB; nil where there is no /proc.
enum ResidentMemory {
    static func kilobytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }
}

/// `--routing loadAware|random|roundRobin|leastLoaded`.
extension RoutingPolicy: ExpressibleByArgument {}
