import Foundation
import InfernoFormats
import InfernoMIP
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
@testable import InfernoSimulation
import InfernoTestSupport

/// VariantAutoscaling profiles of either kind: read by structure, never reinterpreted, written back in the
/// kind's own spelling; a profile mixing the two is refused with both spellings.
@Suite struct VariantProfileKindTests {
    static func variant(_ profile: JSONValue) -> JSONValue {
        ["metadata": ["name": "v", "namespace": "n", "labels": [VariantAutoscaling.acceleratorLabel: "A100"]],
         "spec": ["modelID": "m", "modelProfile": ["accelerators": [profile]]]]
    }

    @Test func perIterationProfileIsReadAsSuchAndWrittenBack() throws {
        let profile: JSONValue = ["acc": "A100", "maxBatchSize": "64", "atTokens": 512,
                                 "perfParms": ["alpha": "20.58", "beta": "0.041", "gamma": "0.00128125", "maxNumTokens": 4096]]
        let va = try Self.variant(profile).decode(VariantAutoscaling.self)
        let p = va.spec.modelProfile.accelerators[0]
        #expect(p.performance == .perIteration(IterationParameters(alpha: 20.58, beta: 0.041, gamma: 0.00128125, maxNumTokens: 4096)))
        #expect(va.spec.problems.isEmpty)
        let written = try JSONValue(encoding: p)
        #expect(written[path: "perfParms.gamma"] != nil && written[path: "perfParms.decodeParms"] == nil)
        #expect(try written.decode(AcceleratorProfile.self) == p)
        let source = KubernetesClusterSource.variant(from: Self.variant(profile), defaultMinReplicas: 1)
        #expect(source.invalidReason == nil)
        #expect(source.profiles.map(\.performance) == [p.performance])
        // Without a budget: upstream's default.
        let noBudget: JSONValue = ["acc": "A100", "maxBatchSize": 64, "perfParms": ["alpha": 20.58, "beta": 0.041, "gamma": 0.001]]
        let q = try Self.variant(noBudget).decode(VariantAutoscaling.self).spec.modelProfile.accelerators[0]
        #expect(q.iteration?.maxNumTokens == 8192)
    }

    static let mixed: [JSONValue] = [
        ["acc": "A100", "maxBatchSize": 8, "perfParms": ["decodeParms": ["alpha": 20, "beta": 0.4], "gamma": 0.001]],
        ["acc": "A100", "maxBatchSize": 8, "alpha": 20, "perfParms": ["alpha": 20, "beta": 0.4, "gamma": 0.001]],
        ["acc": "A100", "maxBatchSize": 8, "perfParms": [:]],
    ]

    @Test(arguments: mixed)
    func mixedOrEmptyProfilesAreRefusedWithBothSpellings(profile: JSONValue) {
        let reason = KubernetesClusterSource.variant(from: Self.variant(profile), defaultMinReplicas: 1).invalidReason ?? ""
        #expect(reason.contains("spec.modelProfile.accelerators[0].perfParms"), "\(reason)")
        #expect(reason.contains(#""decodeParms": {"alpha", "beta"}"#) && reason.contains(#""perfParms": {"alpha", "beta", "gamma"}"#),
                "\(reason)")
    }
}
