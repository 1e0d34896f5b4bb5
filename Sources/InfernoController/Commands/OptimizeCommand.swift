import ArgumentParser
import Foundation
import InfernoMIP

/// `inferno-controller optimize`: one optimization of a cluster described in the upstream system JSON.
struct OptimizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Optimize a cluster described in a system JSON file and print the allocation.",
        discussion: """
            The file uses the upstream inferno system format ({"system": {...}}); part files (accelerators, \
            capacity, models, service classes, servers, optimizer) may be given with repeated --system flags. \
            Optimizer flags override the file's optimizerData.
            """)

    @Option(name: .customLong("system"), help: "System JSON file; repeat to combine part files.")
    var systemFiles: [String]

    @Option(help: "Solver: mip (default), greedy or unlimited.")
    var solver: SolverChoice = .mip

    @Option(help: "Saturation policy: None, PriorityExhaustive, PriorityRoundRobin or RoundRobin (default: the file's).")
    var policy: SaturationPolicy?

    @Flag(help: "Let a server spread its replicas over several accelerator types.")
    var heterogeneous = false

    @Option(name: .customLong("time-limit"), help: "MIP time limit in seconds (default: the file's, else 10).")
    var timeLimit: Double?

    @Option(help: "MIP relative gap at which a stage stops (default: the file's, else 0.005).")
    var gap: Double?

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    @OptionGroup var analyzer: AnalyzerOptions

    enum OutputFormat: String, ExpressibleByArgument { case table, json }

    func validate() throws {
        if systemFiles.isEmpty { throw ValidationError("--system: give the system JSON file") }
        if let t = timeLimit, !(t > 0) { throw ValidationError("--time-limit: \(t) must be a positive number of seconds") }
        if let g = gap, !(g >= 0 && g < 1) { throw ValidationError("--gap: \(g) must be in [0, 1)") }
    }

    func run() async throws {
        var system = try SystemLoader.load(systemFiles)
        if let policy { system.options.saturationPolicy = policy }
        if heterogeneous { system.options.heterogeneous = true }
        if let timeLimit { system.options.timeLimitSeconds = timeLimit }
        if let gap { system.options.relativeGap = gap }
        if solver == .unlimited { system.options.unlimited = true }

        let settings = analyzer.settings
        let clock = ContinuousClock()
        var generated: (servers: [ServerCandidates], statistics: AnalyzerStatistics)!
        let analysisTime = clock.measure { generated = CandidateGenerator(system: system, settings: settings).generate() }
        let problem = OptimizationProblem(system: system, candidates: generated.servers)
        let solution = solver.solver.solve(problem)
        let report = OptimizationReport(system: system, problem: problem, solution: solution, settings: settings,
                                        analysisSeconds: analysisTime.seconds)
        switch format {
        case .table: print(report.table(), terminator: "")
        case .json: print(try report.json())
        }
    }
}

/// Reads system files and turns decoding errors into messages naming the file.
enum SystemLoader {
    static func load(_ paths: [String]) throws -> SystemSpec {
        var parts: [Data] = []
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("--system: cannot read '\(path)'")
            }
            parts.append(data)
        }
        do {
            return try parts.count == 1 ? SystemSpec.decodeUpstream(system: parts[0]) : SystemSpec.decodeUpstream(parts: parts)
        } catch {
            throw ValidationError("\(paths.joined(separator: ", ")): \(error)")
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
