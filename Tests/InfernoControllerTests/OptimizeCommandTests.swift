import Foundation
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
@testable import InfernoSimulation
import InfernoTestSupport
import InfernoMIP

/// The `optimize` command end to end on the shipped examples, in process.
@Suite struct OptimizeCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func report(_ file: String, solver: SolverChoice) throws -> OptimizationReport {
        let system = try SystemLoader.load([Self.root.appendingPathComponent(file).path])
        let settings = AnalyzerSettings()
        let candidates = CandidateGenerator(system: system, settings: settings).generate().servers
        let problem = OptimizationProblem(system: system, candidates: candidates)
        return OptimizationReport(system: system, problem: problem, solution: solver.solver.solve(problem),
                                  settings: settings, analysisSeconds: 0)
    }

    @Test(arguments: ["examples/small.json", "examples/fleet.json"])
    func jsonKeepsUpstreamSolutionShape(file: String) throws {
        let text = try report(file, solver: .mip).json()
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let allocations = try #require(root["allocations"] as? [String: [String: Any]])
        #expect(!allocations.isEmpty)
        for (_, a) in allocations {
            for key in ["accelerator", "numReplicas", "maxBatch", "cost", "itlAverage", "ttftAverage", "load"] {
                #expect(a[key] != nil, "allocation misses \(key)")
            }
        }
        #expect((root["inferno"] as? [String: Any])?["mip"] != nil)
    }

    @Test func tableNamesEveryServerAndTheCapacity() throws {
        let r = try report("examples/fleet.json", solver: .greedy)
        let table = r.table()
        for s in r.system.servers { #expect(table.contains(s.name)) }
        for u in r.solution.usage { #expect(table.contains(u.type)) }
    }

    @Test func badInputNamesTheFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("inferno-bad-\(UUID().uuidString).json")
        try Data(#"{"system": {"acceleratorData": {"accelerators": [{"name": "A", "type": "T", "cost": -1}]}}}"#.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: (any Error).self) { try SystemLoader.load([url.path]) }
        do { _ = try SystemLoader.load([url.path]) } catch {
            #expect("\(error)".contains(url.lastPathComponent))
            #expect("\(error)".contains("cost"))
        }
    }
}
