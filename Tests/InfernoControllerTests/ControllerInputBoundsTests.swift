import Foundation
import InfernoFormats
import InfernoMIP
import Testing
@testable import InfernoController
import InfernoControl
import InfernoKubernetes
import InfernoPrometheus
import InfernoSimulation
import InfernoTestSupport

/// Issue 12's bounds at the controller's entrances: VariantAutoscaling specs and the ConfigMaps. Each case was
/// accepted (a hexadecimal count, a billion-request batch) or trapped (`Int(1e300)`) before.
@Suite struct ControllerInputBoundsTests {
    static func variant(_ profile: String, extra: String = "") throws -> VariantObservation {
        let text = """
            {"metadata": {"name": "v", "namespace": "ns", "labels": {"inference.optimization/acceleratorName": "A100"}},
             "spec": {"modelID": "m", \(extra) "modelProfile": {"accelerators": [\(profile)]}}}
            """
        return KubernetesClusterSource.variant(from: try JSONValue(parsing: Array(text.utf8)), defaultMinReplicas: 1)
    }

    @Test func aValidVariantHasNoReason() throws {
        let v = try Self.variant(#"{"acc": "A100", "accCount": "2", "maxBatchSize": "64", "alpha": "12.5", "beta": 0.3}"#)
        #expect(v.invalidReason == nil)
        #expect(v.profiles.first?.acceleratorCount == 2)
    }

    @Test func hexadecimalCountIsNotANumber() throws {
        let v = try Self.variant(#"{"acc": "A100", "accCount": "0x10", "maxBatchSize": 64, "alpha": 12.5, "beta": 0.3}"#)
        let reason = try #require(v.invalidReason)
        #expect(reason.contains("accCount") && reason.contains("0x10"), "\(reason)")
    }

    @Test func batchOfABillionIsRejectedWithTheLimit() throws {
        let v = try Self.variant(#"{"acc": "A100", "maxBatchSize": "1e9", "alpha": 12.5, "beta": 0.3}"#)
        let reason = try #require(v.invalidReason)
        #expect(reason.contains("maxBatchSize: 1000000000 > \(InputLimits.batchSize)"), "\(reason)")
    }

    @Test func replicasAndCoefficientsAreBounded() throws {
        let v = try Self.variant(#"{"acc": "A100", "maxBatchSize": 8, "alpha": 1e300, "beta": 0.3}"#,
                                 extra: #""maxReplicas": 1e9,"#)
        let reason = try #require(v.invalidReason)
        #expect(reason.contains("alpha = 1e+300 is not a number in [0, 1000000000] ms"), "\(reason)")
        #expect(reason.contains("spec.maxReplicas: 1000000000 > \(InputLimits.replicas)"), "\(reason)")
    }

    @Test func configMapMultiplicityOutOfIntRangeIsAProblemNotATrap() {
        let (accelerators, problems) = ClusterConfigMaps.accelerators(from: [
            "A100": #"{"device": "NVIDIA-A100", "cost": "40", "multiplicity": 1e300}"#,
            "H100": #"{"device": "NVIDIA-H100", "cost": "0x10"}"#,
            "L40S": #"{"device": "NVIDIA-L40S", "cost": 12, "multiplicity": 2}"#,
        ])
        #expect(accelerators.map(\.name) == ["L40S"])
        #expect(problems.contains { $0.contains("accelerator-unit-costs[A100].multiplicity") && $0.contains("1024") }, "\(problems)")
        #expect(problems.contains { $0.contains("accelerator-unit-costs[H100].cost") && $0.contains("0x10") }, "\(problems)")
    }
}
