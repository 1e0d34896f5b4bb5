import InfernoControl
import InfernoFormats
import NIOHTTP1

/// The verbs, on JSON trees (every field kept) and on typed objects (the modelled fields only).
extension KubernetesClient {
    package static func describe(_ verb: String, _ r: KubeResource, namespace: String?, name: String? = nil,
                         subresource: String? = nil) -> String {
        var target = [r.namespaced ? namespace : nil, name, subresource].compactMap { $0 }.joined(separator: "/")
        if target.isEmpty { target = r.namespaced ? "(all namespaces)" : "(cluster)" }
        return "\(verb) \(r) \(target)"
    }

    // MARK: JSON trees

    package func getObject(_ r: KubeResource, name: String, namespace: String?, subresource: String? = nil) async throws -> JSONValue {
        try await send(.GET, r.path(namespace: namespace, name: name, subresource: subresource),
                       operation: Self.describe("get", r, namespace: namespace, name: name, subresource: subresource))
    }

    /// Lists a collection (all namespaces when `namespace` is nil), optionally filtered by a label selector
    /// (`app=vllm,tier!=canary`).
    package func listObjects(_ r: KubeResource, namespace: String? = nil,
                     labelSelector: String? = nil) async throws -> (items: [JSONValue], resourceVersion: String?) {
        let query = labelSelector.map { [("labelSelector", $0)] } ?? []
        let list = try await send(.GET, r.path(namespace: namespace), query: query,
                                  operation: Self.describe("list", r, namespace: namespace))
        return (list["items"]?.array ?? [], list[path: "metadata.resourceVersion"]?.string)
    }

    package func createObject(_ r: KubeResource, _ object: JSONValue) async throws -> JSONValue {
        let ns = object[path: "metadata.namespace"]?.string
        return try await send(.POST, r.path(namespace: ns), body: object,
                              operation: Self.describe("create", r, namespace: ns, name: object[path: "metadata.name"]?.string))
    }

    /// PUT: replaces the object (or its `status`/`scale` subresource). Carrying `metadata.resourceVersion`, it
    /// fails with `.conflict` when the object changed since it was read.
    package func replaceObject(_ r: KubeResource, _ object: JSONValue, subresource: String? = nil) async throws -> JSONValue {
        let ns = object[path: "metadata.namespace"]?.string
        guard let name = object[path: "metadata.name"]?.string else {
            throw KubernetesError(code: .invalid(causes: ["metadata.name: required"]),
                                  operation: Self.describe("update", r, namespace: ns, subresource: subresource), message: "")
        }
        return try await send(.PUT, r.path(namespace: ns, name: name, subresource: subresource), body: object,
                              operation: Self.describe("update", r, namespace: ns, name: name, subresource: subresource))
    }

    /// PATCH with `application/merge-patch+json` (RFC 7386). No resourceVersion: last writer wins unless the
    /// patch itself carries `metadata.resourceVersion`.
    package func mergePatch(_ r: KubeResource, name: String, namespace: String?, patch: JSONValue,
                    subresource: String? = nil) async throws -> JSONValue {
        try await send(.PATCH, r.path(namespace: namespace, name: name, subresource: subresource), body: patch,
                       contentType: "application/merge-patch+json",
                       operation: Self.describe("patch", r, namespace: namespace, name: name, subresource: subresource))
    }

    package func deleteObject(_ r: KubeResource, name: String, namespace: String?) async throws {
        _ = try await send(.DELETE, r.path(namespace: namespace, name: name),
                           operation: Self.describe("delete", r, namespace: namespace, name: name))
    }

    // MARK: Typed objects

    package func get<T: KubernetesObject>(_ type: T.Type, name: String, namespace: String?) async throws -> T {
        let op = Self.describe("get", T.resource, namespace: namespace, name: name)
        return try Self.decode(T.self, try await getObject(T.resource, name: name, namespace: namespace), operation: op)
    }

    package func list<T: KubernetesObject>(_ type: T.Type, namespace: String? = nil,
                                   labelSelector: String? = nil) async throws -> KubeList<T> {
        let (items, rv) = try await listObjects(T.resource, namespace: namespace, labelSelector: labelSelector)
        let op = Self.describe("list", T.resource, namespace: namespace)
        return KubeList(items: try items.map { try Self.decode(T.self, $0, operation: op) }, resourceVersion: rv)
    }

    package func create<T: KubernetesObject>(_ object: T) async throws -> T {
        let op = Self.describe("create", T.resource, namespace: object.metadata.namespace, name: object.metadata.name)
        return try Self.decode(T.self, try await createObject(T.resource, try Self.encode(object, operation: op)), operation: op)
    }

    /// PUT of the whole object, conditional on its `metadata.resourceVersion`.
    package func update<T: KubernetesObject>(_ object: T) async throws -> T {
        let op = Self.describe("update", T.resource, namespace: object.metadata.namespace, name: object.metadata.name)
        return try Self.decode(T.self, try await replaceObject(T.resource, try Self.encode(object, operation: op)), operation: op)
    }

    /// PUT to the `status` subresource: only the status changes, conditional on `metadata.resourceVersion`.
    package func updateStatus<T: KubernetesObject>(_ object: T) async throws -> T {
        let op = Self.describe("update", T.resource, namespace: object.metadata.namespace, name: object.metadata.name,
                               subresource: "status")
        let json = try Self.encode(object, operation: op)
        return try Self.decode(T.self, try await replaceObject(T.resource, json, subresource: "status"), operation: op)
    }

    package func mergePatch<T: KubernetesObject>(_ type: T.Type, name: String, namespace: String?, patch: JSONValue,
                                         subresource: String? = nil) async throws -> T {
        let op = Self.describe("patch", T.resource, namespace: namespace, name: name, subresource: subresource)
        return try Self.decode(T.self, try await mergePatch(T.resource, name: name, namespace: namespace, patch: patch,
                                                            subresource: subresource), operation: op)
    }

    /// The `scale` subresource (`autoscaling/v1` Scale) of a Deployment (or any scalable resource).
    package func getScale(name: String, namespace: String, resource r: KubeResource = .deployments) async throws -> Scale {
        let op = Self.describe("get", r, namespace: namespace, name: name, subresource: "scale")
        return try Self.decode(Scale.self, try await getObject(r, name: name, namespace: namespace, subresource: "scale"),
                               operation: op)
    }

    /// PUT to the `scale` subresource, conditional on the Scale's `metadata.resourceVersion` when set.
    package func updateScale(_ scale: Scale, resource r: KubeResource = .deployments) async throws -> Scale {
        let op = Self.describe("update", r, namespace: scale.metadata.namespace, name: scale.metadata.name,
                               subresource: "scale")
        let json = try await replaceObject(r, try Self.encode(scale, operation: op), subresource: "scale")
        return try Self.decode(Scale.self, json, operation: op)
    }

    // MARK: Optimistic concurrency

    /// Runs a read-modify-write until it does not hit a 409 Conflict, `attempts` times at most; the body must read
    /// the object afresh each time. Other errors end it at once.
    package func retryOnConflict<R: Sendable>(attempts: Int = 5, _ body: @Sendable () async throws -> R) async throws -> R {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch let error as KubernetesError where error.code == .conflict && attempt < attempts {
                attempt += 1
                // A short pause spreads competing writers; conflicts resolve on the next fresh read.
                try await Task.sleep(for: .milliseconds(10 * attempt))
            }
        }
    }

    package static func decode<T: Decodable>(_ type: T.Type, _ json: JSONValue, operation: String) throws -> T {
        do {
            return try json.decode(T.self)
        } catch let error as DecodingError {
            throw KubernetesError(code: .decoding, operation: operation, message: error.fieldDescription)
        }
    }

    package static func encode(_ value: some Encodable, operation: String) throws -> JSONValue {
        do {
            return try JSONValue(encoding: value)
        } catch {
            throw KubernetesError(code: .decoding, operation: operation, message: "cannot encode: \(error)")
        }
    }
}
