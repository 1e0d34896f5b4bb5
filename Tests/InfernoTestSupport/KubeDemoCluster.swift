import InfernoControl
import InfernoFormats
import InfernoHTTP
import InfernoKubernetes
import InfernoPrometheus
import InfernoSimulation

/// The seed README's demo cluster as API objects: three nodes with two GPUs each, the cost and service-class
/// ConfigMaps, and the `vllme-deployment` variant on A100 at one replica.
package enum KubeDemoCluster {
    package static let controllerNamespace = "inferno-autoscaler-system"
    package static let namespace = "llm-d-sim"

    package static func node(_ name: String, vendor: String, product: String, memoryMB: Int, gpus: Int) -> JSONValue {
        let labels: [String: JSONValue] = [
            "kubernetes.io/hostname": .string(name), "\(vendor)/gpu.product": .string(product),
            "\(vendor)/gpu.memory": .string(String(memoryMB)),
        ]
        let allocatable: [String: JSONValue] = ["cpu": "8", "memory": "32Gi", "\(vendor)/gpu": .string(String(gpus))]
        return ["metadata": ["name": .string(name), "labels": .object(labels)], "status": ["allocatable": .object(allocatable)]]
    }

    package static let nodes: [JSONValue] = [
        node("kind-inferno-gpu-cluster-control-plane", vendor: "nvidia.com", product: "NVIDIA-A100-PCIE-80GB", memoryMB: 81920, gpus: 2),
        node("kind-inferno-gpu-cluster-worker", vendor: "amd.com", product: "AMD-MI300X-192G", memoryMB: 196608, gpus: 2),
        node("kind-inferno-gpu-cluster-worker2", vendor: "intel.com", product: "Intel-Gaudi-2-96GB", memoryMB: 98304, gpus: 2),
    ]

    /// As in the seed, MI300X's device (`…-192GB`) differs from the node label (`…-192G`).
    package static let costs: JSONValue = [
        "metadata": ["name": "accelerator-unit-costs", "namespace": .string(controllerNamespace)],
        "data": [
            "A100": #"{"device":"NVIDIA-A100-PCIE-80GB","cost":"40.00"}"#,
            "MI300X": #"{"device":"AMD-MI300X-192GB","cost":"65.00"}"#,
            "G2": #"{"device":"Intel-Gaudi-2-96GB","cost":"23.00"}"#,
        ],
    ]

    package static let serviceClasses: JSONValue = [
        "metadata": ["name": "service-classes-config", "namespace": .string(controllerNamespace)],
        "data": [
            "premium.yaml": """
                name: Premium
                priority: 1
                data:
                  - model: default/default
                    slo-tpot: 24
                    slo-ttft: 500
                  - model: llama0-70b
                    slo-tpot: 80
                    slo-ttft: 500
                """,
            "freemium.yaml": """
                name: Freemium
                priority: 10
                data:
                  - model: granite-13b
                    slo-tpot: 200
                    slo-ttft: 2000
                  - model: llama0-7b
                    slo-tpot: 150
                    slo-ttft: 1500
                """,
        ],
    ]

    /// The demo's VariantAutoscaling, in upstream's flat profile form with numbers as strings.
    package static func variant(_ name: String = "vllme-deployment", namespace: String = namespace, accelerator: String = "A100",
                        model: String = "default/default") -> JSONValue {
        ["metadata": ["name": .string(name), "namespace": .string(namespace),
                      "labels": ["inference.optimization/acceleratorName": .string(accelerator)]],
         "spec": [
            "modelID": .string(model),
            "sloClassRef": ["name": "premium", "key": "opt-125m"],
            "modelProfile": ["accelerators": [
                ["acc": "A100", "accCount": 1, "alpha": "20.58", "beta": "0.41", "maxBatchSize": 4, "atTokens": 128],
                ["acc": "MI300X", "accCount": 1, "alpha": "7.77", "beta": "0.15", "maxBatchSize": 4, "atTokens": 128],
                ["acc": "G2", "accCount": 1, "alpha": "17.15", "beta": "0.34", "maxBatchSize": 4, "atTokens": 128],
            ]],
         ]]
    }

    package static func deployment(_ name: String = "vllme-deployment", namespace: String = namespace, replicas: Int = 1) -> JSONValue {
        ["metadata": ["name": .string(name), "namespace": .string(namespace), "labels": ["app": .string(name)]],
         "spec": ["replicas": .number(Double(replicas)), "selector": ["matchLabels": ["app": .string(name)]],
                  "template": ["metadata": ["labels": ["app": .string(name)]],
                               "spec": ["containers": [["name": "vllme", "image": "quay.io/infernoautoscaler/vllme:0.2.1"]]]]],
         "status": ["replicas": .number(Double(replicas)), "readyReplicas": .number(Double(replicas)),
                    "availableReplicas": .number(Double(replicas)), "updatedReplicas": .number(Double(replicas))]]
    }

    /// Nodes, ConfigMaps, the demo variant and its Deployment.
    package static func seed(_ api: FakeKubernetesAPI) async {
        for n in nodes { await api.seed(.nodes, n) }
        await api.seed(.configMaps, costs)
        await api.seed(.configMaps, serviceClasses)
        await api.seed(.variantAutoscalings, variant())
        await api.seed(.deployments, deployment())
    }
}

/// Loads per variant, fixed.
package struct StubLoadSource: LoadSource {
    package var loads: [VariantID: LoadObservation] = [:]
    package var fallback: LoadObservation

    package func load(of variant: VariantObservation) async -> LoadObservation { loads[variant.id] ?? fallback }

    /// The seed's demo load: 20 requests per minute, no input and 228 output tokens.
    package static let demo = LoadObservation.available(VariantLoad(arrivalRatePerMinute: 20, meanInputTokens: 0, meanOutputTokens: 228))

    /// A load the planner serves with two replicas of the demo profile on A100: the seed's 20 requests per minute
    /// (batch limit 4 from the VariantAutoscaling, TTFT at p95).
    package static let twoReplicas = demo

    package init(loads: [VariantID: LoadObservation] = [:], fallback: LoadObservation) {
        self.loads = loads
        self.fallback = fallback
    }
}
