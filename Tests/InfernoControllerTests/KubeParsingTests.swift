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

/// The pure parts: merge patch, VariantAutoscaling decoding, ConfigMaps, GPU inventory, status conditions.
@Suite struct KubeParsingTests {
    @Test func mergePatchFollowsRFC7386() throws {
        // The RFC's own example (section 3).
        let target = try JSONValue(parsing: Array(#"{"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"}"#.utf8))
        let patch = try JSONValue(parsing: Array(#"{"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]}"#.utf8))
        let expected = try JSONValue(parsing: Array(#"{"title":"Hello!","author":{"givenName":"John"},"tags":["example"],"content":"This will be unchanged","phoneNumber":"+01-123-456-7890"}"#.utf8))
        #expect(target.mergePatched(with: patch) == expected)
        #expect(JSONValue.string("a").mergePatched(with: ["b": 1]) == ["b": 1])
        let object: JSONValue = ["a": 1]
        #expect(object.mergePatched(with: "x") == "x")
        // And back: the patch between two documents reproduces the second.
        let diff = try #require(expected.mergePatch(from: target))
        #expect(target.mergePatched(with: diff) == expected)
        #expect(expected.mergePatch(from: expected) == nil)
    }

    @Test func jsonRoundTripKeepsIntegersAndUnknownFields() throws {
        let text = #"{"a":{"b":[1,2.5,"3",true,null]},"replicas":2}"#
        let json = try JSONValue(parsing: Array(text.utf8))
        #expect(json.text == text)
        #expect(json[path: "a.b"]?.array?.count == 5)
        var copy = json
        copy[path: "x.y.z"] = "deep"
        #expect(copy[path: "x.y.z"] == "deep" && copy[path: "a.b"] == json[path: "a.b"])
        #expect(throws: JSONSyntaxError.self) { try JSONValue(parsing: Array("{".utf8)) }
    }

    @Test func variantAutoscalingBothProfileForms() throws {
        let flat = try KubeDemoCluster.variant().decode(VariantAutoscaling.self)
        #expect(flat.accelerator == "A100")
        #expect(flat.spec.modelProfile.accelerators.map(\.alpha) == [20.58, 7.77, 17.15])
        #expect(flat.spec.modelProfile.accelerators[0].atTokens == 128)
        #expect(flat.spec.problems.isEmpty)

        let nested: JSONValue = [
            "metadata": ["name": "v", "namespace": "n"],
            "spec": ["modelID": "m", "variantCost": 12.5, "minReplicas": "0", "maxReplicas": 4,
                     "scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": "v-deploy"],
                     "modelProfile": ["accelerators": [[
                        "acc": "H100", "accCount": "2", "maxBatchSize": "64",
                        "perfParms": ["decodeParms": ["alpha": "6.958", "beta": "0.042"], "prefillParms": ["gamma": 5.2, "delta": "0.1"]],
                     ]]]],
        ]
        let va = try nested.decode(VariantAutoscaling.self)
        let p = va.spec.modelProfile.accelerators[0]
        #expect(p.accCount == 2 && p.maxBatchSize == 64 && p.atTokens == nil)
        #expect(p.alpha == 6.958 && p.beta == 0.042 && p.gamma == 5.2 && p.delta == 0.1)
        #expect(va.spec.variantCost == "12.5" && va.spec.minReplicas == 0 && va.spec.maxReplicas == 4)
        #expect(va.spec.scaleTargetRef?.name == "v-deploy")
        // Written back in upstream's nested form, numbers as strings.
        let written = try JSONValue(encoding: p)
        #expect(written[path: "perfParms.decodeParms.alpha"] == "6.958")
    }

    @Test func malformedVariantsNameTheField() {
        func reason(_ edit: (inout JSONValue) -> Void) -> String? {
            var va = KubeDemoCluster.variant()
            edit(&va)
            return KubernetesClusterSource.variant(from: va, defaultMinReplicas: 1).invalidReason
        }
        #expect(reason { _ in } == nil)
        #expect(reason { $0["spec"]?["modelID"] = nil } == "spec.modelID: missing")
        #expect(reason { $0[path: "spec.modelID"] = 42 } == "spec.modelID: expected a string")
        #expect(reason { $0[path: "spec.modelProfile"] = ["accelerators": [["acc": "A100", "alpha": "1", "beta": "1"]]] }
                == "spec.modelProfile.accelerators[0].maxBatchSize: missing")
        #expect(reason { $0[path: "spec.modelProfile"] = ["accelerators": [["acc": "A100", "maxBatchSize": 0, "alpha": "1", "beta": "1"]]] }
                == "spec.modelProfile.accelerators[0].maxBatchSize: 0 < 1")
        #expect(reason { $0[path: "spec.modelProfile"] = ["accelerators": [["acc": "A100", "maxBatchSize": 2, "alpha": "1"]]] }
                == "spec.modelProfile.accelerators[0].beta: missing")
        #expect(reason { $0[path: "metadata.labels"] = [:] } == "metadata.labels[inference.optimization/acceleratorName]: missing")
        #expect(reason { $0[path: "spec.scaleTargetRef"] = ["kind": "StatefulSet", "name": "s"] }
                == "spec.scaleTargetRef.kind: \"StatefulSet\" (only Deployment is supported)")
        #expect(reason { $0[path: "spec.minReplicas"] = 3; $0[path: "spec.maxReplicas"] = 2 } == "spec.maxReplicas: 2 < max(1, minReplicas)")
        // Still identified, so the reason can be written on it.
        var bad = KubeDemoCluster.variant("odd", namespace: "ns")
        bad["spec"]?["modelID"] = nil
        let v = KubernetesClusterSource.variant(from: bad, defaultMinReplicas: 1)
        #expect(v.id == VariantID(namespace: "ns", name: "odd") && v.accelerator == "A100" && v.scaleTarget == "odd")
    }

    /// The manifests under deploy/ (written elsewhere) read as this code reads cluster objects.
    @Test func deployManifestsReadBack() throws {
        for file in ["deploy/samples/llmd.ai_v1alpha1_variantautoscaling.yaml",
                     "deploy/samples/llmd.ai_v1alpha1_variantautoscaling_scale_to_zero.yaml"] {
            let text = try #require(FakeResourceType.repositoryFile(file), "\(file) missing")
            let v = KubernetesClusterSource.variant(from: try JSONValue(yaml: text), defaultMinReplicas: 1)
            #expect(v.invalidReason == nil, "\(file): \(v.invalidReason ?? "")")
            #expect(!v.profiles.isEmpty && !v.accelerator.isEmpty)
        }
        let costs = try JSONValue(yaml: try #require(FakeResourceType.repositoryFile("deploy/config/accelerator-unit-costs.yaml")))
        let parsedCosts = ClusterConfigMaps.accelerators(from: costs["data"]?.object?.compactMapValues(\.string) ?? [:])
        #expect(parsedCosts.problems.isEmpty && parsedCosts.accelerators.count == 3)
        let classes = try JSONValue(yaml: try #require(FakeResourceType.repositoryFile("deploy/config/service-classes-config.yaml")))
        let parsedClasses = ClusterConfigMaps.serviceClasses(from: classes["data"]?.object?.compactMapValues(\.string) ?? [:])
        #expect(parsedClasses.problems.isEmpty && parsedClasses.classes.map(\.name) == ["Premium", "Freemium"])
        #expect(FakeResourceType.deployedPrinterColumns()?.map(\.name) == ["Model", "Accelerator", "CurrentReplicas", "Optimized", "MetricsReady", "Age"])
    }

    @Test func costsAndServiceClasses() {
        let (accs, accProblems) = ClusterConfigMaps.accelerators(from: [
            "A100": #"{"device":"NVIDIA-A100-PCIE-80GB","cost":"40.00"}"#,
            "4xH100": #"{"device":"NVIDIA-H100-80GB-HBM3","cost":320,"multiplicity":4}"#,
            "Broken": #"{"device":"X","cost":"cheap"}"#,
            "NoJSON": "40",
        ])
        #expect(accs == [Accelerator(name: "4xH100", type: "NVIDIA-H100-80GB-HBM3", multiplicity: 4, costPerHour: 320),
                         Accelerator(name: "A100", type: "NVIDIA-A100-PCIE-80GB", costPerHour: 40)])
        #expect(accProblems == ["accelerator-unit-costs[Broken].cost: expected a non-negative number, found the string \"cheap\"",
                                "accelerator-unit-costs[NoJSON]: not a JSON object"])

        let data = KubeDemoCluster.serviceClasses["data"]!.object!.compactMapValues(\.string)
        let (classes, problems) = ClusterConfigMaps.serviceClasses(from: data.merging(["bad.yaml": "name: [x"]) { a, _ in a })
        #expect(classes.map(\.name) == ["Premium", "Freemium"])
        #expect(classes[0].priority == 1 && classes[1].priority == 10)
        #expect(classes[0].targets["default/default"] == SLOTarget(itlMilliseconds: 24, ttftMilliseconds: 500))
        #expect(classes[1].targets["llama0-7b"] == SLOTarget(itlMilliseconds: 150, ttftMilliseconds: 1500))
        #expect(problems.count == 1 && problems[0].hasPrefix("service-classes-config[bad.yaml]"))
        // Priority defaults to the lowest, not the highest.
        let (defaulted, _) = ClusterConfigMaps.serviceClasses(from: ["x": "name: Batch\ndata:\n- model: m\n  slo-tpot: 0\n"])
        #expect(defaulted[0].priority == ServiceClass.defaultPriority)
        #expect(defaulted[0].targets["m"] == SLOTarget())
    }

    @Test func gpuInventoryFromNodes() throws {
        var nodes = try KubeDemoCluster.nodes.map { try $0.decode(KubeNode.self) }
        var unlabelled = try KubeDemoCluster.node("bare", vendor: "nvidia.com", product: "", memoryMB: 0, gpus: 4).decode(KubeNode.self)
        unlabelled.metadata.labels?["nvidia.com/gpu.product"] = nil
        nodes.append(unlabelled)
        nodes.append(try KubeDemoCluster.node("cpu-only", vendor: "example.com", product: "none", memoryMB: 0, gpus: 8).decode(KubeNode.self))
        let (capacity, gpus, problems) = GPUInventory.capacity(of: nodes)
        #expect(capacity.cardsByType == ["NVIDIA-A100-PCIE-80GB": 2, "AMD-MI300X-192G": 2, "Intel-Gaudi-2-96GB": 2])
        #expect(gpus.first { $0.vendor == "amd.com" }?.memoryMB == 196608)
        #expect(problems == ["node bare: 4 nvidia.com/gpu but no nvidia.com/gpu.product label; not counted"])
    }

    @Test func conditionsKeepTransitionTimeWhileUnchanged() {
        let old = [KubeCondition(type: "MetricsAvailable", status: "True", reason: "MetricsFound", message: "a", lastTransitionTime: "T0"),
                   KubeCondition(type: "Custom", status: "True", reason: "Other", message: "", lastTransitionTime: "T0")]
        let new = [KubeCondition(type: "MetricsAvailable", status: "True", reason: "MetricsFound", message: "b", lastTransitionTime: "T1"),
                   KubeCondition(type: "OptimizationReady", status: "False", reason: "MetricsUnavailable", message: "", lastTransitionTime: "T1")]
        let merged = VariantStatusBuilder.merge(new, into: old)
        #expect(merged.map(\.type) == ["MetricsAvailable", "Custom", "OptimizationReady"])
        #expect(merged[0].lastTransitionTime == "T0" && merged[0].message == "b")
        #expect(merged[2].lastTransitionTime == "T1")
        let flipped = VariantStatusBuilder.merge([KubeCondition(type: "MetricsAvailable", status: "False", reason: "MetricsMissing",
                                                               message: "", lastTransitionTime: "T2")], into: merged)
        #expect(flipped[0].lastTransitionTime == "T2")
    }

    @Test func timestamps() {
        let d = Date(timeIntervalSince1970: 1_754_523_086.139995)
        #expect(KubeTime.string(d) == "2025-08-06T23:31:26Z")
        #expect(KubeTime.microString(d) == "2025-08-06T23:31:26.139995Z")
        #expect(abs((KubeTime.parse("2025-08-06T23:31:26.139995Z")?.timeIntervalSince1970 ?? 0) - 1_754_523_086.139995) < 1e-5)
        #expect(KubeTime.parse("2025-08-06T23:31:26Z") == Date(timeIntervalSince1970: 1_754_523_086))
    }
}
