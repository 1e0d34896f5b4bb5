import ArgumentParser
import Foundation
import InfernoBenchKit
import InfernoMIP

/// `inferno-bench`: the offline MIP-versus-greedy benchmark (docs/benchmark.md).
@main
struct InfernoBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inferno-bench",
        abstract: "Benchmark the MIP optimizer against greedy on generated heterogeneous clusters.",
        discussion: """
            Without a subcommand, runs the benchmark: inferno-bench --preset quick --output DIR. \
            See docs/benchmark.md for the method.
            """,
        subcommands: [RunCommand.self, GenerateCommand.self, CandidatesCommand.self, MIPTimesCommand.self, ReportCommand.self],
        defaultSubcommand: RunCommand.self)
}

/// Parses `500,2000` or `0.8,1.2` style lists of positive numbers.
struct PositiveList<Value: LosslessStringConvertible & Comparable & ExpressibleByIntegerLiteral>: ExpressibleByArgument {
    var values: [Value]
    init?(argument: String) {
        let parts = argument.split(separator: ",").map { Value($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        values = parts.map { $0! }
    }
    init(_ values: [Value]) { self.values = values }
    var defaultValueDescription: String { values.map(String.init(describing:)).joined(separator: ",") }
}

typealias IntList = PositiveList<Int>
typealias DoubleList = PositiveList<Double>

extension SaturationPolicy: ExpressibleByArgument {
    public init?(argument: String) {
        guard let p = SaturationPolicy.allCases.first(where: { $0.rawValue.lowercased() == argument.lowercased() }) else { return nil }
        self = p
    }
}

extension BatchLimitPolicy: ExpressibleByArgument {}

/// Cores this process may use.
var coreCount: Int { ProcessInfo.processInfo.activeProcessorCount }

/// Prints to standard error (progress), leaving standard output to results.
func progress(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// `inferno-bench generate`: one scenario as upstream system JSON.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write one generated scenario as system JSON (readable by inferno-controller optimize).")

    @Option(help: "Servers.") var servers = 100
    @Option(help: "Accelerator kinds, 1-12 (multi-card ones included).") var accelerators = 6
    @Option(help: "Priority classes, 1-4.") var priorities = 3
    @Option(help: "Unlimited optimum's cards / cards available (0.5 roomy, 1 fits, 1.5 saturated).") var tightness = 1.0
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Option(help: "Saturation policy written to optimizerData.") var policy: SaturationPolicy = .none
    @Option(help: "Output file (- for standard output).") var output = "-"

    func validate() throws {
        if !(1...12).contains(accelerators) { throw ValidationError("--accelerators: \(accelerators) must be 1-12") }
        if !(1...4).contains(priorities) { throw ValidationError("--priorities: \(priorities) must be 1-4") }
        if servers < 1 { throw ValidationError("--servers: \(servers) must be at least 1") }
        if !(tightness > 0) { throw ValidationError("--tightness: \(tightness) must be positive") }
    }

    func run() throws {
        let spec = ScenarioSpec(servers: servers, accelerators: accelerators, priorities: priorities,
                                tightness: tightness, seed: seed)
        var scenario = ScenarioGenerator(spec: spec, parallelism: coreCount).generate()
        scenario.system.options.saturationPolicy = policy
        let data = scenario.system.encodeUpstream()
        if output == "-" {
            FileHandle.standardOutput.write(data)
        } else {
            try data.write(to: URL(fileURLWithPath: output))
            progress("wrote \(output): \(spec.label), measured tightness \(String(format: "%.3f", scenario.measuredTightness))")
        }
    }
}
