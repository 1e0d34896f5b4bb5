import Foundation
import InfernoControl
import InfernoFormats
import InfernoMIP
import Logging

/// Reads a cycle's cluster state from the API server: nodes (GPU inventory), the cost and service-class
/// ConfigMaps, the VariantAutoscalings and their Deployments' replicas.
///
/// What concerns the cluster as a whole (nodes, the cost ConfigMap, listing VariantAutoscalings) throws: the cycle
/// cannot be planned without it. What concerns one variant (a malformed VariantAutoscaling, an unreadable
/// Deployment) stays with that variant, in `invalidReason` or as unknown replicas, and in the notes.
package struct KubernetesClusterSource: ClusterSource, VariantWatcher {
    package var client: KubernetesClient
    /// Namespace whose VariantAutoscalings are managed; nil for all namespaces.
    package var watchNamespace: String?
    /// Namespace of the controller's ConfigMaps.
    package var configNamespace: String
    package var costConfigMap = ClusterConfigMaps.costsName
    package var serviceClassConfigMap = ClusterConfigMaps.serviceClassesName
    /// `minReplicas` of variants that do not set it: upstream's 1, or 0 with scale to zero (`WVA_SCALE_TO_ZERO`).
    package var defaultMinReplicas = 1
    package var logger = Logger(label: "inferno.kubernetes.source")

    package init(client: KubernetesClient, watchNamespace: String? = nil, configNamespace: String,
                 costConfigMap: String = ClusterConfigMaps.costsName,
                 serviceClassConfigMap: String = ClusterConfigMaps.serviceClassesName, defaultMinReplicas: Int = 1,
                 logger: Logger = Logger(label: "inferno.kubernetes.source")) {
        self.client = client
        self.watchNamespace = watchNamespace
        self.configNamespace = configNamespace
        self.costConfigMap = costConfigMap
        self.serviceClassConfigMap = serviceClassConfigMap
        self.defaultMinReplicas = defaultMinReplicas
        self.logger = logger
    }

    package func observe() async throws -> ClusterObservation {
        var notes: [String] = []

        let nodes = try await client.list(KubeNode.self).items
        let inventory = GPUInventory.capacity(of: nodes)
        notes += inventory.problems
        for g in inventory.gpus {
            logger.debug("found inventory", metadata: [
                "node": "\(g.node)", "product": "\(g.product)", "count": "\(g.count)",
                "memoryMB": "\(g.memoryMB.map(String.init) ?? "-")",
            ])
        }

        let costs = try await client.get(ConfigMap.self, name: costConfigMap, namespace: configNamespace)
        let (accelerators, costProblems) = ClusterConfigMaps.accelerators(from: costs.data ?? [:])
        notes += costProblems
        for a in accelerators where inventory.capacity[a.type] == 0 {
            notes.append("accelerator \(a.name): no node has GPUs of product \"\(a.type)\" (capacity 0)")
        }

        var classes: [ServiceClass] = []
        do {
            let cm = try await client.get(ConfigMap.self, name: serviceClassConfigMap, namespace: configNamespace)
            let parsed = ClusterConfigMaps.serviceClasses(from: cm.data ?? [:])
            classes = parsed.classes
            notes += parsed.problems
        } catch let error as KubernetesError where error.code == .notFound {
            notes.append("no service classes: \(error)")
        }

        let (items, _) = try await client.listObjects(.variantAutoscalings, namespace: watchNamespace)
        var variants = items.map { Self.variant(from: $0, defaultMinReplicas: defaultMinReplicas) }
        // Replicas of every variant's Deployment, read concurrently; held variants need them too (their cards
        // are taken out of the capacity the others share).
        let replicas = await withTaskGroup(of: (Int, Result<Deployment, Error>).self) { group in
            for (i, v) in variants.enumerated() where !v.scaleTarget.isEmpty {
                group.addTask {
                    do {
                        return (i, .success(try await client.get(Deployment.self, name: v.scaleTarget,
                                                                  namespace: v.id.namespace)))
                    } catch { return (i, .failure(error)) }
                }
            }
            var out: [Int: Result<Deployment, Error>] = [:]
            for await (i, r) in group { out[i] = r }
            return out
        }
        for i in variants.indices {
            switch replicas[i] {
            case .success(let d)?:
                // An unset spec.replicas means 1 (the API's default).
                variants[i].currentReplicas = d.spec?.replicas ?? 1
                variants[i].readyReplicas = d.status?.readyReplicas ?? 0
                variants[i].podSelector = d.spec?.selector?.matchLabels
            case .failure(let error)?:
                notes.append("\(variants[i].id): cannot read Deployment \(variants[i].scaleTarget): \(error)")
            case nil:
                break
            }
        }
        for v in variants {
            if let why = v.invalidReason { notes.append("\(v.id): invalid VariantAutoscaling, skipped: \(why)") }
        }
        let perModel = Dictionary(grouping: variants.filter { $0.invalidReason == nil }, by: \.modelKey).mapValues(\.count)
        for i in variants.indices { variants[i].sharesModel = (perModel[variants[i].modelKey] ?? 0) > 1 }
        variants.sort { $0.id < $1.id }
        log(variants: variants, accelerators: accelerators, classes: classes, capacity: inventory.capacity, notes: notes)
        return ClusterObservation(variants: variants, accelerators: accelerators, capacity: inventory.capacity,
                                  serviceClasses: classes, notes: notes)
    }

    /// The VariantAutoscalings that exist now, from one list request: a cheap check for a changed set between
    /// cycles (polling instead of a watch).
    package func variantIDs() async throws -> Set<VariantID> {
        let (items, _) = try await client.listObjects(.variantAutoscalings, namespace: watchNamespace)
        return Set(items.map { o in
            VariantID(namespace: o[path: "metadata.namespace"]?.string ?? "", name: o[path: "metadata.name"]?.string ?? "")
        })
    }

    private func log(variants: [VariantObservation], accelerators: [Accelerator], classes: [ServiceClass],
                     capacity: Capacity, notes: [String]) {
        for a in accelerators {
            logger.debug("accelerator", metadata: [
                "name": "\(a.name)", "type": "\(a.type)", "costPerHour": "\(a.costPerHour)", "cards": "\(capacity[a.type])",
            ])
        }
        for c in classes {
            for model in c.targets.keys.sorted() {
                let t = c.targets[model]!
                logger.debug("service class", metadata: [
                    "class": "\(c.name)", "priority": "\(c.priority)", "model": "\(model)",
                    "itlMilliseconds": "\(t.itlMilliseconds.map { "\($0)" } ?? "-")",
                    "ttftMilliseconds": "\(t.ttftMilliseconds.map { "\($0)" } ?? "-")",
                ])
            }
        }
        for v in variants where v.invalidReason == nil {
            logger.debug("variant", metadata: [
                "variant": "\(v.id)", "model": "\(v.modelID)", "accelerator": "\(v.accelerator)",
                "deployment": "\(v.scaleTarget)", "replicas": "\(v.currentReplicas.map(String.init) ?? "unknown")",
                "ready": "\(v.readyReplicas.map(String.init) ?? "-")", "minReplicas": "\(v.minReplicas)",
            ])
        }
        for note in notes { logger.notice("\(note)") }
        logger.info("observed cluster", metadata: [
            "variants": "\(variants.count)", "invalid": "\(variants.filter { $0.invalidReason != nil }.count)",
            "capacity": "\(capacity.cardsByType.keys.sorted().map { "\($0)=\(capacity[$0])" }.joined(separator: ","))",
        ])
    }

    /// A VariantAutoscaling as a variant; a malformed one keeps what could be read and says what is wrong.
    package static func variant(from object: JSONValue, defaultMinReplicas: Int) -> VariantObservation {
        let meta = object["metadata"]
        let id = VariantID(namespace: meta?["namespace"]?.string ?? "", name: meta?["name"]?.string ?? "")
        var v = VariantObservation(
            id: id, modelID: object[path: "spec.modelID"]?.string ?? "",
            accelerator: meta?["labels"]?[VariantAutoscaling.acceleratorLabel]?.string ?? "", profiles: [],
            minReplicas: defaultMinReplicas, maxReplicas: nil,
            scaleTarget: object[path: "spec.scaleTargetRef.name"]?.string ?? id.name,
            currentReplicas: nil, readyReplicas: nil, invalidReason: nil)
        let va: VariantAutoscaling
        do {
            va = try object.decode(VariantAutoscaling.self)
        } catch let error as DecodingError {
            v.invalidReason = error.fieldDescription
            return v
        } catch {
            v.invalidReason = "\(error)"
            return v
        }
        v.savedTuning = TuningStatusJSON.read(object[path: "status.\(TuningStatusJSON.field)"])
        var problems = va.spec.problems
        if v.accelerator.isEmpty { problems.append("metadata.labels[\(VariantAutoscaling.acceleratorLabel)]: missing") }
        if !problems.isEmpty { v.invalidReason = problems.joined(separator: "; ") }
        v.profiles = va.spec.modelProfile.accelerators.map { a in
            ModelProfile(model: va.spec.modelID, accelerator: a.acc, acceleratorCount: a.accCount,
                         maxBatchSize: a.maxBatchSize, atTokens: a.atTokens ?? AcceleratorProfile.defaultAtTokens,
                         performance: a.performance)
        }
        // The VA's maxBatchSize on its own accelerator is the server's batch limit (vLLM --max-num-seqs), as upstream
        // passes it as the server's maxBatchSize; the analyzer's batch search stays below it.
        if let own = va.spec.modelProfile.accelerators.first(where: { $0.acc == v.accelerator }) {
            v.batchLimitOverride = own.maxBatchSize
        }
        v.minReplicas = va.spec.minReplicas ?? defaultMinReplicas
        if let group = object[path: "spec.modelGroup"]?.string, !group.isEmpty { v.modelGroup = group }
        v.maxReplicas = va.spec.maxReplicas
        return v
    }
}
