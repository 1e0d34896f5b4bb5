/// The valid documents the fuzzer mutates, one per target (see docs/robustness.md).
enum FuzzCorpus {
    /// examples/small.json, on one line.
    static let system = #"""
    {"system": {"acceleratorData": {"accelerators": [{"name": "A100", "type": "NVIDIA-A100-PCIE-80GB", "multiplicity": 1, "memSize": 80, "memBW": 1935, "power": {"idle": 60, "full": 300, "midPower": 240, "midUtil": 0.6}, "cost": 40.0}, {"name": "MI300X", "type": "AMD-MI300X-192G", "multiplicity": 1, "memSize": 192, "memBW": 5300, "power": {"idle": 120, "full": 750, "midPower": 600, "midUtil": 0.6}, "cost": 65.0}, {"name": "G2", "type": "Intel-Gaudi-2-96GB", "multiplicity": 1, "memSize": 96, "memBW": 2460, "power": {"idle": 100, "full": 600, "midPower": 480, "midUtil": 0.6}, "cost": 23.0}]}, "capacityData": {"count": [{"type": "NVIDIA-A100-PCIE-80GB", "count": 2}, {"type": "AMD-MI300X-192G", "count": 2}, {"type": "Intel-Gaudi-2-96GB", "count": 2}]}, "modelData": {"models": [{"name": "granite-13b", "acc": "A100", "accCount": 1, "maxBatchSize": 32, "atTokens": 512, "decodeParms": {"alpha": 20.58, "beta": 0.41}, "prefillParms": {"gamma": 30.9, "delta": 0.0052}}, {"name": "granite-13b", "acc": "MI300X", "accCount": 1, "maxBatchSize": 76, "atTokens": 512, "decodeParms": {"alpha": 7.77, "beta": 0.15}, "prefillParms": {"gamma": 11.7, "delta": 0.0021}}, {"name": "granite-13b", "acc": "G2", "accCount": 1, "maxBatchSize": 38, "atTokens": 512, "decodeParms": {"alpha": 17.15, "beta": 0.34}, "prefillParms": {"gamma": 25.7, "delta": 0.0044}}, {"name": "llama-3.1-8b", "acc": "A100", "accCount": 1, "maxBatchSize": 64, "atTokens": 512, "decodeParms": {"alpha": 12.5, "beta": 0.33}, "prefillParms": {"gamma": 18.8, "delta": 0.003}}, {"name": "llama-3.1-8b", "acc": "MI300X", "accCount": 1, "maxBatchSize": 128, "atTokens": 512, "decodeParms": {"alpha": 5.62, "beta": 0.15}, "prefillParms": {"gamma": 8.4, "delta": 0.0014}}, {"name": "llama-3.1-8b", "acc": "G2", "accCount": 1, "maxBatchSize": 76, "atTokens": 512, "decodeParms": {"alpha": 10.62, "beta": 0.28}, "prefillParms": {"gamma": 15.9, "delta": 0.0026}}]}, "serviceClassData": {"serviceClasses": [{"name": "Premium", "priority": 1, "modelTargets": [{"model": "granite-13b", "slo-itl": 30, "slo-ttft": 500, "slo-tps": 0}, {"model": "llama-3.1-8b", "slo-itl": 20, "slo-ttft": 300, "slo-tps": 0}]}, {"name": "Freemium", "priority": 10, "modelTargets": [{"model": "granite-13b", "slo-itl": 80, "slo-ttft": 3000, "slo-tps": 0}, {"model": "llama-3.1-8b", "slo-itl": 60, "slo-ttft": 2000, "slo-tps": 0}]}]}, "serverData": {"servers": [{"name": "premium-granite-13b", "class": "Premium", "model": "granite-13b", "keepAccelerator": false, "minNumReplicas": 1, "maxBatchSize": 0, "currentAlloc": {"accelerator": "A100", "numReplicas": 1, "maxBatch": 32, "cost": 40.0, "itlAverage": 24.3, "ttftAverage": 182.0, "load": {"arrivalRate": 480, "avgInTokens": 512, "avgOutTokens": 256}}}, {"name": "premium-llama-3.1-8b", "class": "Premium", "model": "llama-3.1-8b", "keepAccelerator": false, "minNumReplicas": 1, "maxBatchSize": 0, "currentAlloc": {"accelerator": "", "numReplicas": 0, "maxBatch": 0, "cost": 0, "itlAverage": 0, "ttftAverage": 0, "load": {"arrivalRate": 900, "avgInTokens": 256, "avgOutTokens": 200}}}, {"name": "freemium-granite-13b", "class": "Freemium", "model": "granite-13b", "keepAccelerator": false, "minNumReplicas": 0, "maxBatchSize": 0, "currentAlloc": {"accelerator": "G2", "numReplicas": 2, "maxBatch": 38, "cost": 46.0, "itlAverage": 31.5, "ttftAverage": 410.0, "load": {"arrivalRate": 720, "avgInTokens": 1024, "avgOutTokens": 512}}}, {"name": "freemium-llama-3.1-8b", "class": "Freemium", "model": "llama-3.1-8b", "keepAccelerator": false, "minNumReplicas": 0, "maxBatchSize": 0, "currentAlloc": {"accelerator": "", "numReplicas": 0, "maxBatch": 0, "cost": 0, "itlAverage": 0, "ttftAverage": 0, "load": {"arrivalRate": 1000, "avgInTokens": 200, "avgOutTokens": 300}}}]}, "optimizerData": {"optimizer": {"unlimited": false, "heterogeneous": false, "milpSolver": false, "delayedBestEffort": false, "saturationPolicy": "PriorityExhaustive"}}}}
    """#

    static let variantAutoscaling = #"""
    {"apiVersion": "llmd.ai/v1alpha1", "kind": "VariantAutoscaling",
     "metadata": {"name": "llama-8b-a100", "namespace": "llm", "labels": {"inference.optimization/acceleratorName": "A100"}},
     "spec": {"modelID": "meta/llama-3.1-8b", "sloClassRef": {"name": "service-classes-config", "key": "premium"},
              "variantCost": "40.00", "minReplicas": 1, "maxReplicas": 8,
              "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "llama-8b-a100"},
              "modelProfile": {"accelerators": [
                {"acc": "A100", "accCount": 1, "maxBatchSize": 64, "atTokens": 512,
                 "perfParms": {"decodeParms": {"alpha": "12.5", "beta": "0.33"}, "prefillParms": {"gamma": "18.8", "delta": "0.003"}}},
                {"acc": "MI300X", "accCount": "1", "maxBatchSize": "128", "alpha": 5.62, "beta": 0.15}]}}}
    """#

    static let configMaps = #"""
    {"costs": {"A100": "{\"device\": \"NVIDIA-A100-PCIE-80GB\", \"cost\": \"40.00\"}",
               "MI300X": "{\"device\": \"AMD-MI300X-192G\", \"cost\": 65, \"multiplicity\": 1, \"memSize\": 192}"},
     "classes": {"premium": "name: Premium\npriority: 1\ndata:\n  - model: meta/llama-3.1-8b\n    slo-tpot: 24\n    slo-ttft: 500\n",
                 "free": "name: Freemium\npriority: 10\ndata:\n  - model: meta/llama-3.1-8b\n    slo-tpot: 200\n    slo-ttft: 2000\n"}}
    """#

    static let prometheusVector = #"""
    {"status": "success", "data": {"resultType": "vector", "result": [
      {"metric": {"model_name": "meta/llama-3.1-8b", "namespace": "llm"}, "value": [1752075000.160, "9.33"]},
      {"metric": {"model_name": "granite-13b", "namespace": "llm"}, "value": [1752075000.160, "NaN"]}]}}
    """#
}
