import Foundation
import InfernoControl
import InfernoFormats
import InfernoHTTP
import InfernoKubernetes
import InfernoPrometheus
import InfernoSimulation

/// Writes: create, update (object, status, scale), merge patch, delete, and validation.
extension FakeKubernetesAPI {
    package func create(_ route: Route, body: [UInt8]) -> HTTPResponse {
        guard var o = try? JSONValue(parsing: body), o.object != nil else {
            return statusResponse(400, reason: "BadRequest", message: "the body is not a JSON object")
        }
        guard let name = o[path: "metadata.name"]?.string, !name.isEmpty else {
            return statusResponse(422, reason: "Invalid", message: "\(route.type.resource.kind) is invalid: metadata.name: Required value",
                                  route: route, causes: [("metadata.name", "FieldValueRequired", "Required value")])
        }
        var r = route
        r.name = name
        if let mismatch = namespaceMismatch(o, route) { return mismatch }
        if route.type.resource.namespaced { o[path: "metadata.namespace"] = .string(route.namespace ?? "default") }
        r.namespace = route.namespace ?? (route.type.resource.namespaced ? "default" : nil)
        guard let key = r.key else { return notFound(r) }
        if objects[key] != nil {
            return statusResponse(409, reason: "AlreadyExists",
                                  message: "\(route.type.resource) \"\(name)\" already exists", route: r)
        }
        if let invalid = validate(o, r) { return invalid }
        if route.type.hasStatus { o["status"] = nil }   // status is written through its subresource only
        o[path: "metadata.resourceVersion"] = nil
        var stored = stamp(o, old: nil, type: route.type)
        stored = followDeploymentController(stored, route.type)
        store(key, stored)
        return json(stored, status: 201)
    }

    package func update(_ route: Route, body: [UInt8]) -> HTTPResponse {
        guard let key = route.key, let old = objects[key] else { return notFound(route) }
        guard let sent = try? JSONValue(parsing: body), sent.object != nil else {
            return statusResponse(400, reason: "BadRequest", message: "the body is not a JSON object")
        }
        if let name = sent[path: "metadata.name"]?.string, name != route.name {
            return statusResponse(400, reason: "BadRequest",
                                  message: "the name of the object (\(name)) does not match the name on the URL (\(route.name ?? ""))")
        }
        if let mismatch = namespaceMismatch(sent, route) { return mismatch }
        let sentVersion = sent[path: "metadata.resourceVersion"]?.string ?? ""
        if sentVersion.isEmpty, route.type.isCustom, route.subresource != "scale" {
            return statusResponse(422, reason: "Invalid",
                                  message: "\(route.type.resource.kind).\(route.type.resource.group) \"\(route.name ?? "")\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update",
                                  route: route, causes: [("metadata.resourceVersion", "FieldValueInvalid", "must be specified for an update")])
        }
        if !sentVersion.isEmpty, sentVersion != old[path: "metadata.resourceVersion"]?.string {
            return statusResponse(409, reason: "Conflict", message: Self.conflictMessage(route.type, route.name ?? ""), route: route)
        }
        var new: JSONValue
        switch route.subresource {
        case "status":
            new = old
            new["status"] = sent["status"]
        case "scale":
            guard let replicas = sent[path: "spec.replicas"]?.int else {
                return statusResponse(422, reason: "Invalid", message: "Scale.autoscaling \"\(route.name ?? "")\" is invalid: spec.replicas: Required value",
                                      route: route, causes: [("spec.replicas", "FieldValueRequired", "Required value")])
            }
            new = old
            new[path: "spec.replicas"] = .number(Double(replicas))
        default:
            new = sent
            new["metadata"] = mergedMetadata(sent: sent, old: old)
            if route.type.hasStatus { new["status"] = old["status"] }
        }
        return commit(route, key: key, old: old, new: new)
    }

    package func patch(_ route: Route, body: [UInt8]) -> HTTPResponse {
        guard let key = route.key, let old = objects[key] else { return notFound(route) }
        guard let patch = try? JSONValue(parsing: body), patch.object != nil else {
            return statusResponse(400, reason: "BadRequest", message: "the patch is not a JSON object")
        }
        if let rv = patch[path: "metadata.resourceVersion"]?.string, rv != old[path: "metadata.resourceVersion"]?.string {
            return statusResponse(409, reason: "Conflict", message: Self.conflictMessage(route.type, route.name ?? ""), route: route)
        }
        var new: JSONValue
        switch route.subresource {
        case "status":
            new = old
            new["status"] = FakeMergePatch.apply(patch, to: old)["status"]
        case "scale":
            let patched = FakeMergePatch.apply(patch, to: scale(of: old))
            guard let replicas = patched[path: "spec.replicas"]?.int else {
                return statusResponse(422, reason: "Invalid", message: "Scale.autoscaling \"\(route.name ?? "")\" is invalid: spec.replicas: Invalid value",
                                      route: route, causes: [("spec.replicas", "FieldValueInvalid", "must be an integer")])
            }
            new = old
            new[path: "spec.replicas"] = .number(Double(replicas))
        default:
            new = FakeMergePatch.apply(patch, to: old)
            if new[path: "metadata.name"] != old[path: "metadata.name"] {
                return statusResponse(400, reason: "BadRequest", message: "metadata.name cannot be changed by a patch")
            }
            new["metadata"] = mergedMetadata(sent: new, old: old)
            if route.type.hasStatus { new["status"] = old["status"] }
        }
        return commit(route, key: key, old: old, new: new)
    }

    package func delete(_ route: Route) -> HTTPResponse {
        guard let key = route.key, let old = objects[key] else { return notFound(route) }
        remove(key)
        _ = nextResourceVersion()
        return json(old)
    }

    /// Validates, stamps and stores a changed object; a write that changes nothing keeps its resourceVersion.
    private func commit(_ route: Route, key: Key, old: JSONValue, new: JSONValue) -> HTTPResponse {
        var candidate = new
        candidate[path: "metadata.resourceVersion"] = old[path: "metadata.resourceVersion"]
        candidate[path: "metadata.generation"] = old[path: "metadata.generation"]
        if let invalid = validate(candidate, route) { return invalid }
        if candidate == old { return route.subresource == "scale" ? json(scale(of: old)) : json(old) }
        var stored = stamp(candidate, old: old, type: route.type)
        stored = followDeploymentController(stored, route.type)
        store(key, stored)
        return route.subresource == "scale" ? json(scale(of: stored)) : json(stored)
    }

    /// User-settable metadata from the write; what the server owns from the stored object.
    private func mergedMetadata(sent: JSONValue, old: JSONValue) -> JSONValue {
        var m = sent["metadata"] ?? [:]
        for owned in ["uid", "creationTimestamp", "generation", "resourceVersion", "namespace", "name"] {
            m[owned] = old[path: "metadata.\(owned)"]
        }
        return m
    }

    private func namespaceMismatch(_ o: JSONValue, _ route: Route) -> HTTPResponse? {
        guard let ns = o[path: "metadata.namespace"]?.string, !ns.isEmpty, let routeNS = route.namespace, ns != routeNS else { return nil }
        return statusResponse(400, reason: "BadRequest",
                              message: "the namespace of the provided object does not match the namespace sent on the request")
    }

    /// What the Deployment controller and kubelet would make of a new replica count, at once.
    private func followDeploymentController(_ o: JSONValue, _ type: FakeResourceType) -> JSONValue {
        guard deploymentsBecomeReady, type.resource == .deployments else { return o }
        var d = o
        let replicas = d[path: "spec.replicas"] ?? 1
        for field in ["replicas", "readyReplicas", "availableReplicas", "updatedReplicas"] {
            d[path: "status.\(field)"] = replicas
        }
        d[path: "status.observedGeneration"] = d[path: "metadata.generation"]
        return d
    }

    // MARK: Validation (the parts of the schemas the tests exercise)

    package func validate(_ o: JSONValue, _ route: Route) -> HTTPResponse? {
        var causes: [(field: String, reason: String, message: String)] = []
        func require(_ ok: Bool, _ field: String, _ reason: String, _ message: String) {
            if !ok { causes.append((field, reason, message)) }
        }
        // Writes to `status` are checked on status only (as with validation ratcheting, a stored object that an
        // older schema admitted can still get its status written).
        let statusOnly = route.subresource == "status"
        switch route.type.resource {
        case .variantAutoscalings:
            let model: JSONValue? = statusOnly ? "skip" : o[path: "spec.modelID"]
            require(model != nil, "spec.modelID", "FieldValueRequired", "Required value")
            if let model { require((model.string?.count ?? 0) >= 1, "spec.modelID", "FieldValueInvalid", "should be at least 1 chars long") }
            if let desired = o[path: "status.desiredOptimizedAlloc"] {
                // Upstream's schema: accelerator minLength 2, numReplicas minimum 0.
                require((desired["accelerator"]?.string?.count ?? 0) >= 2, "status.desiredOptimizedAlloc.accelerator",
                        "FieldValueInvalid", "should be at least 2 chars long")
                require((desired["numReplicas"]?.int ?? -1) >= 0, "status.desiredOptimizedAlloc.numReplicas",
                        "FieldValueInvalid", "should be greater than or equal to 0")
            }
            if let current = o[path: "status.currentAlloc"] {
                require((current["numReplicas"]?.int ?? -1) >= 0, "status.currentAlloc.numReplicas", "FieldValueInvalid",
                        "should be greater than or equal to 0")
                for f in ["variantCost", "itlAverage", "ttftAverage"] {
                    let s = current[f]?.string ?? ""
                    require(s.range(of: #"^\d+(\.\d+)?$"#, options: .regularExpression) != nil, "status.currentAlloc.\(f)",
                            "FieldValueInvalid", "should match '^\\d+(\\.\\d+)?$'")
                }
            }
            for (i, c) in (o[path: "status.conditions"]?.array ?? []).enumerated() {
                let at = "status.conditions[\(i)]"
                require(["True", "False", "Unknown"].contains(c["status"]?.string ?? ""), "\(at).status", "FieldValueNotSupported",
                        "supported values: \"True\", \"False\", \"Unknown\"")
                require((c["reason"]?.string ?? "").range(of: #"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"#, options: .regularExpression) != nil,
                        "\(at).reason", "FieldValueInvalid", "should match the reason pattern")
                require(!(c["type"]?.string ?? "").isEmpty, "\(at).type", "FieldValueRequired", "Required value")
                require(c["message"]?.string != nil, "\(at).message", "FieldValueRequired", "Required value")
                require(KubeTime.parse(c["lastTransitionTime"]?.string ?? "") != nil, "\(at).lastTransitionTime",
                        "FieldValueInvalid", "must be a date-time")
            }
        case .deployments:
            if let r = o[path: "spec.replicas"] {
                require((r.int ?? -1) >= 0, "spec.replicas", "FieldValueInvalid", "must be greater than or equal to 0")
            }
        default:
            break
        }
        guard !causes.isEmpty else { return nil }
        let kind = route.type.resource.group.isEmpty ? route.type.resource.kind : "\(route.type.resource.kind).\(route.type.resource.group)"
        let summary = causes.map { "\($0.field): \($0.message)" }.joined(separator: ", ")
        return statusResponse(422, reason: "Invalid", message: "\(kind) \"\(route.name ?? "")\" is invalid: \(summary)",
                              route: route, causes: causes)
    }
}
