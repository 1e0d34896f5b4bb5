import Foundation
import Testing
import Yams
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
@testable import InfernoSimulation
import InfernoTestSupport

/// The manifests in `deploy/`: they parse, the CRD is a structural schema that accepts the samples and rejects
/// broken resources (checked by a real JSON-Schema validator, Debian's python3-jsonschema), RBAC is least privilege,
/// the controller runs locked down, and the example settings resolve.
@Suite struct PromDeployTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let deploy = root.appendingPathComponent("deploy")
    static let crdPath = deploy.appendingPathComponent("crd/llmd.ai_variantautoscalings.yaml").path

    static func yamlFiles() throws -> [URL] {
        let e = FileManager.default.enumerator(at: deploy, includingPropertiesForKeys: nil)
        var out: [URL] = []
        while let url = e?.nextObject() as? URL { if url.pathExtension == "yaml" { out.append(url) } }
        return out.sorted { $0.path < $1.path }
    }

    static func documents(_ url: URL) throws -> [[String: Any]] {
        try Yams.load_all(yaml: String(contentsOf: url, encoding: .utf8)).compactMap { $0 as? [String: Any] }
    }

    static func document(kind: String, in relative: String) throws -> [String: Any] {
        let docs = try documents(deploy.appendingPathComponent(relative))
        return try #require(docs.first { $0["kind"] as? String == kind }, "\(kind) in \(relative)")
    }

    @Test func everyManifestParsesAndNamesItself() throws {
        let files = try Self.yamlFiles()
        #expect(files.count >= 15)
        for file in files {
            let docs = try Self.documents(file)
            #expect(!docs.isEmpty, "\(file.lastPathComponent): no document")
            if file.lastPathComponent == "kustomization.yaml" || file.lastPathComponent == "prometheus-adapter-values.yaml" { continue }
            for doc in docs {
                let metadata = doc["metadata"] as? [String: Any]
                #expect(doc["apiVersion"] is String && doc["kind"] is String && metadata?["name"] is String,
                        "\(file.lastPathComponent): a document without apiVersion, kind or metadata.name")
            }
        }
        // Every kustomization resource exists, and every controller manifest is listed.
        let kustomization = try #require(try Self.documents(Self.deploy.appendingPathComponent("kustomization.yaml")).first)
        let resources = try #require(kustomization["resources"] as? [String])
        for r in resources { #expect(FileManager.default.fileExists(atPath: Self.deploy.appendingPathComponent(r).path), "\(r)") }
        for dir in ["crd", "rbac", "config", "manager"] {
            let listed = Set(resources.filter { $0.hasPrefix(dir + "/") })
            let present = Set(try FileManager.default.contentsOfDirectory(atPath: Self.deploy.appendingPathComponent(dir).path).map { "\(dir)/\($0)" })
            #expect(listed == present, "\(dir)/ not all in kustomization.yaml")
        }
    }

    /// Kubernetes accepts only structural schemas: a `type` on every node (except int-or-string and
    /// preserve-unknown-fields ones) and no `type` inside anyOf/allOf/oneOf/not.
    @Test func crdSchemaIsStructural() throws {
        let crd = try Self.document(kind: "CustomResourceDefinition", in: "crd/llmd.ai_variantautoscalings.yaml")
        let spec = try #require(crd["spec"] as? [String: Any])
        let names = try #require(spec["names"] as? [String: Any])
        #expect(names["shortNames"] as? [String] == ["va"] && names["plural"] as? String == "variantautoscalings")
        #expect(spec["scope"] as? String == "Namespaced" && spec["group"] as? String == "llmd.ai")
        let version = try #require((spec["versions"] as? [[String: Any]])?.first)
        #expect((version["subresources"] as? [String: Any])?["status"] != nil)
        let columns = (version["additionalPrinterColumns"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(columns == ["Model", "Accelerator", "CurrentReplicas", "Optimized", "MetricsReady", "Age"])
        let schema = try #require((version["schema"] as? [String: Any])?["openAPIV3Schema"] as? [String: Any])
        var problems: [String] = []
        func walk(_ node: [String: Any], _ path: String, insideJunctor: Bool) {
            let open = node["x-kubernetes-preserve-unknown-fields"] as? Bool == true || node["x-kubernetes-int-or-string"] as? Bool == true
            if insideJunctor {
                for key in ["type", "description", "default", "additionalProperties", "nullable"] where node[key] != nil {
                    problems.append("\(path): \(key) inside a logical junctor")
                }
            } else if node["type"] == nil && !open {
                problems.append("\(path): no type")
            }
            for (name, child) in node["properties"] as? [String: Any] ?? [:] {
                if let c = child as? [String: Any] { walk(c, "\(path).\(name)", insideJunctor: insideJunctor) }
            }
            if let items = node["items"] as? [String: Any] { walk(items, "\(path)[]", insideJunctor: insideJunctor) }
            for junctor in ["anyOf", "allOf", "oneOf"] {
                for case let c as [String: Any] in node[junctor] as? [Any] ?? [] { walk(c, "\(path).\(junctor)", insideJunctor: true) }
            }
        }
        walk(schema, "openAPIV3Schema", insideJunctor: false)
        #expect(problems.isEmpty, "\(problems)")
        // Scale to zero: the desired accelerator may be empty (docs/formats.md §7).
        let status = (schema["properties"] as? [String: Any])?["status"] as? [String: Any]
        let desired = ((status?["properties"] as? [String: Any])?["desiredOptimizedAlloc"] as? [String: Any])?["properties"] as? [String: Any]
        #expect((desired?["accelerator"] as? [String: Any])?["minLength"] == nil)
    }

    /// The samples validate against the CRD's schema; broken resources do not.
    @Test func crdSchemaAcceptsTheSamplesAndRejectsBrokenResources() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("inferno-crd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = """
            apiVersion: llmd.ai/v1alpha1
            kind: VariantAutoscaling
            metadata: {name: NAME, namespace: llm-d-sim}
            spec:
              modelID: default/default
              modelProfile:
                accelerators:
                  - {acc: A100, accCount: 1, maxBatchSize: 4, perfParms: {decodeParms: {alpha: "20.58", beta: 0.41}}}

            """
        func variant(_ name: String, _ edit: (String) -> String) -> String { edit(base.replacingOccurrences(of: "NAME", with: name)) }
        let cases: [(String, String)] = [
            ("missing-model-id", variant("missing-model-id") { $0.replacingOccurrences(of: "  modelID: default/default\n", with: "") }),
            ("empty-model-id", variant("empty-model-id") { $0.replacingOccurrences(of: "modelID: default/default", with: "modelID: \"\"") }),
            ("zero-acc-count", variant("zero-acc-count") { $0.replacingOccurrences(of: "accCount: 1", with: "accCount: 0") }),
            ("typo-field", variant("typo-field") { $0.replacingOccurrences(of: "modelID:", with: "modelId: x\n  modelID:") }),
            ("no-beta", variant("no-beta") { $0.replacingOccurrences(of: ", beta: 0.41", with: "") }),
            ("no-profiles", variant("no-profiles") { $0.replacingOccurrences(of: "  - {acc: A100, accCount: 1, maxBatchSize: 4, perfParms: {decodeParms: {alpha: \"20.58\", beta: 0.41}}}", with: "  []") }),
            ("ok-per-iteration", variant("ok-per-iteration") { $0.replacingOccurrences(
                of: #"perfParms: {decodeParms: {alpha: "20.58", beta: 0.41}}"#,
                with: #"perfParms: {alpha: "20.58", beta: 0.041, gamma: "0.00128125", maxNumTokens: 4096}"#) }),
            ("ok-scaled-to-zero", variant("ok-scaled-to-zero") { $0 + """
                status:
                  currentAlloc: {accelerator: A100, numReplicas: 0, load: {arrivalRate: "0.00", avgInputTokens: "0.00", avgOutputTokens: "0.00"}}
                  desiredOptimizedAlloc: {lastRunTime: "2025-08-06T23:31:26Z", accelerator: "", numReplicas: 0}
                  actuation: {applied: true}
                  conditions:
                    - {type: MetricsAvailable, status: "True", reason: MetricsFound, message: ok, lastTransitionTime: "2025-08-06T23:31:26Z"}

                """ }),
        ]
        var files = try Self.yamlFiles().filter { $0.path.contains("/samples/") }.map(\.path)
        for (name, text) in cases {
            let url = dir.appendingPathComponent("\(name).yaml")
            try text.write(to: url, atomically: true, encoding: .utf8)
            files.append(url.path)
        }
        let results = try Self.validate(crd: Self.crdPath, files: files)
        let byName = Dictionary(results.map { ($0.name, $0.errors) }, uniquingKeysWith: { a, _ in a })
        #expect(byName["vllme-deployment"] == [], "seed sample: \(byName["vllme-deployment"] ?? ["not validated"])")
        #expect(byName["vllme-gaudi"] == [], "scale-to-zero sample: \(byName["vllme-gaudi"] ?? ["not validated"])")
        #expect(byName["ok-scaled-to-zero"] == [], "\(byName["ok-scaled-to-zero"] ?? ["not validated"])")
        #expect(byName["ok-per-iteration"] == [], "\(byName["ok-per-iteration"] ?? ["not validated"])")
        for bad in ["missing-model-id", "empty-model-id", "zero-acc-count", "typo-field", "no-beta", "no-profiles"] {
            #expect(!(byName[bad] ?? []).isEmpty, "\(bad) was accepted")
        }
        #expect(byName["missing-model-id"]?.contains { $0.contains("'modelID' is a required property") } == true,
                "\(byName["missing-model-id"] ?? [])")
    }

    /// Runs the validator: OpenAPI v3 (the keywords this CRD uses) → JSON Schema draft 4, then every
    /// VariantAutoscaling document of `files`. CEL rules (x-kubernetes-validations) are not evaluated.
    static func validate(crd: String, files: [String]) throws -> [(name: String, errors: [String])] {
        let script = """
            import json, sys
            try:
                import yaml, jsonschema
            except ImportError as e:
                print("MISSING " + str(e)); sys.exit(3)

            def convert(node):
                if isinstance(node, list):
                    return [convert(x) for x in node]
                if not isinstance(node, dict):
                    return node
                out = {}
                for k, v in node.items():
                    if k.startswith("x-kubernetes-") or k == "nullable":
                        continue
                    if k == "properties":
                        out[k] = {p: convert(s) for p, s in v.items()}
                    elif k in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"):
                        out[k] = convert(v)
                    else:
                        out[k] = v
                if node.get("x-kubernetes-int-or-string") and "anyOf" not in out:
                    out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
                if node.get("nullable") and "type" in out:
                    out["type"] = [out["type"], "null"]
                # Unknown fields are rejected (kubectl's default strict field validation) unless preserved.
                if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out \\
                        and not node.get("x-kubernetes-preserve-unknown-fields"):
                    out["additionalProperties"] = False
                return out

            crd = yaml.safe_load(open(sys.argv[1]))
            kind = crd["spec"]["names"]["kind"]
            schema = convert(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"])
            jsonschema.Draft4Validator.check_schema(schema)
            validator = jsonschema.Draft4Validator(schema)
            for path in sys.argv[2:]:
                for doc in yaml.safe_load_all(open(path)):
                    if not isinstance(doc, dict) or doc.get("kind") != kind:
                        continue
                    errors = sorted("/".join(str(p) for p in e.absolute_path) + ": " + e.message for e in validator.iter_errors(doc))
                    print(json.dumps({"name": doc.get("metadata", {}).get("name"), "errors": errors}))

            """
        let finished: ChildProcess.Finished
        do { finished = try ChildProcess.run("/usr/bin/python3", ["-c", script, crd] + files) } catch {
            throw PrometheusHarness.Failure(description: "\(error); run scripts/setup.sh --test")
        }
        let text = finished.stdout, errors = finished.stderr
        guard finished.status == 0 else {
            throw PrometheusHarness.Failure(description: finished.status == 3
                ? "python3-jsonschema or python3-yaml missing (\(text.trimmingCharacters(in: .whitespacesAndNewlines))); run scripts/setup.sh --test"
                : "validator failed: \(errors)")
        }
        return try text.split(separator: "\n").map { line in
            let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return (json["name"] as? String ?? "", json["errors"] as? [String] ?? [])
        }
    }

    /// The permissions the manifests grant, as `group/resource[/subresource]:verb` (`core` for the core group), the
    /// form `FakeKubernetesAPI.permissionsUsed` records.
    static func rbacRules() throws -> (cluster: Set<String>, role: Set<String>) {
        func rules(_ doc: [String: Any]) -> Set<String> {
            var out = Set<String>()
            for rule in doc["rules"] as? [[String: Any]] ?? [] {
                for g in rule["apiGroups"] as? [String] ?? [] {
                    for r in rule["resources"] as? [String] ?? [] {
                        for v in rule["verbs"] as? [String] ?? [] { out.insert("\(g.isEmpty ? "core" : g)/\(r):\(v)") }
                    }
                }
            }
            return out
        }
        return (rules(try document(kind: "ClusterRole", in: "rbac/cluster_role.yaml")),
                rules(try document(kind: "Role", in: "rbac/role.yaml")))
    }

    /// That the rules grant what a run uses is checked by `RunCommandEndToEndTests`, from the requests the
    /// controller made; here, the shape: no wildcards, cluster-wide objects in the ClusterRole, the controller's own
    /// ConfigMaps and Lease in a Role of its namespace.
    @Test func rbacIsNamespacedWhereItCanBeAndHasNoWildcards() throws {
        let (cluster, role) = try Self.rbacRules()
        let roleDoc = try Self.document(kind: "Role", in: "rbac/role.yaml")
        #expect((roleDoc["metadata"] as? [String: Any])?["namespace"] as? String == "inferno-system")
        #expect(role.allSatisfy { $0.hasPrefix("core/configmaps:") || $0.hasPrefix("coordination.k8s.io/leases:") })
        #expect(!cluster.contains { $0.hasPrefix("core/configmaps:") || $0.hasPrefix("coordination.k8s.io/leases:") })
        #expect(!cluster.union(role).contains { $0.contains("*") })
    }

    @Test func controllerRunsLockedDown() throws {
        let deployment = try Self.document(kind: "Deployment", in: "manager/deployment.yaml")
        let pod = try #require(((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])
        #expect(pod["serviceAccountName"] as? String == "inferno-controller")
        let podSecurity = pod["securityContext"] as? [String: Any]
        #expect(podSecurity?["runAsNonRoot"] as? Bool == true)
        #expect((podSecurity?["seccompProfile"] as? [String: Any])?["type"] as? String == "RuntimeDefault")
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        let args = container["args"] as? [String] ?? []
        #expect(args.first == "run" && args.contains("--solver=mip") && args.contains("--health-probe-bind-address=:8081")
                && args.contains("--metrics-bind-address=:8080"))
        let security = container["securityContext"] as? [String: Any]
        #expect(security?["readOnlyRootFilesystem"] as? Bool == true)
        #expect(security?["allowPrivilegeEscalation"] as? Bool == false)
        #expect((security?["capabilities"] as? [String: Any])?["drop"] as? [String] == ["ALL"])
        let liveness = (container["livenessProbe"] as? [String: Any])?["httpGet"] as? [String: Any]
        let readiness = (container["readinessProbe"] as? [String: Any])?["httpGet"] as? [String: Any]
        #expect(liveness?["path"] as? String == "/healthz" && readiness?["path"] as? String == "/readyz")
        let resources = container["resources"] as? [String: Any]
        #expect(resources?["requests"] != nil && resources?["limits"] != nil)
    }

    @Test func exampleConfigMapsMatchTheSeedAndResolve() throws {
        let costs = try Self.document(kind: "ConfigMap", in: "config/accelerator-unit-costs.yaml")
        let data = try #require(costs["data"] as? [String: String])
        var parsed: [String: [String: String]] = [:]
        for (k, v) in data { parsed[k] = try JSONSerialization.jsonObject(with: Data(v.utf8)) as? [String: String] }
        #expect(parsed == ["A100": ["device": "NVIDIA-A100-PCIE-80GB", "cost": "40.00"],
                           "MI300X": ["device": "AMD-MI300X-192G", "cost": "65.00"],
                           "G2": ["device": "Intel-Gaudi-2-96GB", "cost": "23.00"]])
        let classes = try Self.document(kind: "ConfigMap", in: "config/service-classes-config.yaml")
        let premiumText = try #require((classes["data"] as? [String: String])?["premium.yaml"])
        let premium = try #require(try Yams.load(yaml: premiumText) as? [String: Any])
        #expect(premium["name"] as? String == "Premium" && premium["priority"] as? Int == 1)
        let targets = premium["data"] as? [[String: Any]] ?? []
        #expect(targets.contains { $0["model"] as? String == "default/default" && $0["slo-tpot"] as? Int == 24 && $0["slo-ttft"] as? Int == 500 })

        let settingsMap = try Self.document(kind: "ConfigMap", in: "config/variantautoscaling-config.yaml")
        let settings = try ControllerSettings.resolve(configMap: try #require(settingsMap["data"] as? [String: String]))
        #expect(settings.prometheus?.baseURL == "http://prometheus.monitoring.svc:9090")
        #expect(settings.intervalSeconds == 60 && !settings.scaleToZero && settings.unknownKeys.isEmpty)
    }

    @Test func autoscalerExamplesConsumeDesiredReplicas() throws {
        let hpa = try Self.document(kind: "HorizontalPodAutoscaler", in: "autoscaling/hpa.yaml")
        let metric = try #require(((hpa["spec"] as? [String: Any])?["metrics"] as? [[String: Any]])?.first)
        let external = metric["external"] as? [String: Any]
        #expect(metric["type"] as? String == "External")
        #expect((external?["metric"] as? [String: Any])?["name"] as? String == "inferno_desired_replicas")
        let target = external?["target"] as? [String: Any]
        #expect(target?["type"] as? String == "AverageValue" && target?["averageValue"] as? String == "1")
        let keda = try Self.document(kind: "ScaledObject", in: "autoscaling/keda-scaledobject.yaml")
        let trigger = try #require(((keda["spec"] as? [String: Any])?["triggers"] as? [[String: Any]])?.first)
        let meta = trigger["metadata"] as? [String: Any]
        #expect(trigger["type"] as? String == "prometheus" && meta?["threshold"] as? String == "1")
        #expect((meta?["query"] as? String)?.contains("inferno_desired_replicas") == true)
    }
}
