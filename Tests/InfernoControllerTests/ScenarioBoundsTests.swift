import Foundation
import InfernoMIP
import Testing
@testable import InfernoController
import InfernoControl
import InfernoKubernetes
import InfernoPrometheus
import InfernoSimulation
import InfernoTestSupport

/// The scenario reader of issue 12: what it accepted without a word is an error naming the field, or a warning
/// naming the variant or model; decoding errors name the field and the allowed values.
@Suite struct ScenarioBoundsTests {
    static var builtIn: SimulationScenario { SimulationScenario.builtIn }

    /// The built-in scenario as JSON, edited as a tree, decoded again: what `simulate --scenario` reads.
    static func read(_ edit: (inout [String: Any]) -> Void) throws -> (scenario: SimulationScenario?, error: String) {
        var tree = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(builtIn)) as? [String: Any])
        edit(&tree)
        let data = try JSONSerialization.data(withJSONObject: tree)
        do { return (try JSONDecoder().decode(SimulationScenario.self, from: data), "") } catch {
            return (nil, ScenarioDecodingMessage.describe(error))
        }
    }

    static func problem(_ edit: (inout [String: Any]) -> Void) throws -> String {
        let (scenario, message) = try read(edit)
        guard let scenario else { return message }
        do { try scenario.validate(); return "" } catch { return "\(error)" }
    }

    static func editLoad(_ tree: inout [String: Any], _ edit: (inout [String: Any]) -> Void) {
        var loads = tree["loads"] as! [[String: Any]]
        edit(&loads[0])
        tree["loads"] = loads
    }

    @Test func theBuiltInScenarioIsCleanAndQuiet() throws {
        #expect(Self.builtIn.boundsProblems() == [])
        #expect(Self.builtIn.warnings == [])
        try Self.builtIn.validate()
    }

    @Test func anUnknownRoutingPolicyListsTheAllowedValues() throws {
        let message = try Self.problem { $0["routing"] = "round-robin" }
        #expect(message.contains("routing") && message.contains("allowed: random, roundRobin, leastLoaded"), "\(message)")
    }

    @Test func aNegativeSeedNamesTheField() throws {
        let message = try Self.problem { $0["seed"] = -1 }
        #expect(message.hasPrefix("seed") && message.contains("a whole number from 0"), "\(message)")
    }

    @Test func negativeRatesAndDurationsAreErrors() throws {
        var message = try Self.problem { Self.editLoad(&$0) { l in
            var segments = l["segments"] as! [[String: Any]]
            segments[0]["durationSeconds"] = -5
            l["segments"] = segments
        } }
        #expect(message.contains("segments[0].durationSeconds is -5"), "\(message)")
        message = try Self.problem { $0["durationSeconds"] = -60 }
        #expect(message.contains("durationSeconds is -60 (must be > 0"), "\(message)")
        let negativeRate = SimulationScenario.builtIn.loads[0]
        var trace = negativeRate
        trace.segments = [.constant(ratePerMinute: -30, durationSeconds: 0)]
        #expect(trace.boundsProblems().contains { $0.contains("segments[0].ratePerMinute is -30") })
    }

    @Test func zeroOutputTokensAndZeroBatchAreErrors() throws {
        let message = try Self.problem { Self.editLoad(&$0) { $0["meanOutputTokens"] = 0 } }
        #expect(message.contains("meanOutputTokens is 0 (must be in [1,"), "\(message)")
        var s = Self.builtIn
        s.variants[0].maxBatchSize = 0
        #expect(s.boundsProblems().contains { $0.contains("maxBatchSize is 0 (must be in [1, \(InputLimits.batchSize)])") })
        s = Self.builtIn
        s.variants[0].profiles[0].maxBatchSize = 1_000_000_000
        #expect(s.boundsProblems().contains { $0.contains("maxBatchSize is 1000000000") })
    }

    /// A zero-length segment before the last made every later segment start earlier.
    @Test func aZeroLengthRampBeforeTheLastSegmentIsAnError() {
        var trace = Self.builtIn.loads[0]
        trace.segments = [.ramp(fromPerMinute: 10, toPerMinute: 100, durationSeconds: 0),
                          .constant(ratePerMinute: 100, durationSeconds: 600)]
        #expect(trace.boundsProblems().contains { $0.contains("segments[0].durationSeconds is 0 (only the last segment") })
    }

    @Test func aVariantOnAnAcceleratorNoNodeHasIsAWarningNamingIt() {
        var s = Self.builtIn
        let type = s.accelerators.first { $0.name == s.variants[0].accelerator }!.type
        for i in s.nodes.indices { s.nodes[i].gpus[type] = nil }
        #expect(s.warnings.contains { $0.contains("variant \"\(s.variants[0].namespace)/\(s.variants[0].name)\"") && $0.contains("is on no node") })
    }

    @Test func aLoadForAModelNoVariantServesIsAWarningNamingIt() {
        var s = Self.builtIn
        s.loads[0].model = "nobody-serves-this"
        #expect(s.warnings.contains { $0.contains("model \"nobody-serves-this\": no variant serves this model") })
    }
}
