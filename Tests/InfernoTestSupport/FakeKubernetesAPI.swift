import Foundation
import InfernoFormats
import NIOHTTP1
import InfernoControl
import InfernoHTTP
import InfernoKubernetes
import InfernoPrometheus
import InfernoSimulation

/// An in-memory Kubernetes API server for tests, with the real API's semantics where the controller (and kubectl)
/// depend on them: a global resourceVersion bumped by every write, `uid`, `creationTimestamp`, `generation` bumped
/// by spec changes; GET/LIST with equality and existence label selectors; POST (409 AlreadyExists); PUT (409
/// Conflict on a stale resourceVersion; custom resources require one); JSON merge patch; the `status`
/// subresource (writes there change only status, writes to the object never change status) and the `scale`
/// subresource of Deployments; `Status` objects for errors; discovery and `meta.k8s.io/v1` Tables for kubectl.
/// Faults can be injected per verb, resource and name.
package actor FakeKubernetesAPI {
    package struct Key: Hashable, Sendable {
        package var resource: String
        package var namespace: String
        package var name: String

        package init(resource: String, namespace: String, name: String) {
            self.resource = resource
            self.namespace = namespace
            self.name = name
        }
    }

    /// An injected failure: matching requests are answered with `status` (as a `Status` object).
    package struct Fault: Sendable {
        /// HTTP methods matched; nil for any.
        package var methods: Set<String>?
        package var resource: KubeResource
        package var namespace: String?
        package var name: String?
        /// nil matches any; "" only the object itself; "status" or "scale" that subresource.
        package var subresource: String?
        package var status: Int
        /// How many requests it fails; nil for all.
        package var remaining: Int?
        package var message: String?

        package static let writes: Set<String> = ["POST", "PUT", "PATCH", "DELETE"]

        package init(methods: Set<String>? = nil, resource: KubeResource, namespace: String? = nil, name: String? = nil,
                     subresource: String? = nil, status: Int, remaining: Int? = nil, message: String? = nil) {
            self.methods = methods
            self.resource = resource
            self.namespace = namespace
            self.name = name
            self.subresource = subresource
            self.status = status
            self.remaining = remaining
            self.message = message
        }
    }

    package let types: [FakeResourceType]
    package private(set) var objects: [Key: JSONValue] = [:]
    private var counter = 1000
    private var faults: [Fault] = []
    /// `METHOD path[?query]` of every request, in order.
    package private(set) var requests: [String] = []
    /// Accept header of every request, in order.
    package private(set) var acceptHeaders: [String] = []
    /// Stands in for the Deployment controller: status replicas follow spec replicas at once.
    package var deploymentsBecomeReady = true
    /// The address kubectl is told in `/api` (set by the server wrapper).
    package var serverAddress = "127.0.0.1:0"
    package var now: @Sendable () -> Date = { Date() }
    /// When set, requests without `Authorization: Bearer <token>` get 401, as with a real server.
    package var requiredToken: String?

    package init(types: [FakeResourceType] = FakeResourceType.all) { self.types = types }

    // MARK: Test-side access

    /// Stores an object as given (no validation, as if an older schema had admitted it), filling the metadata
    /// a server fills.
    @discardableResult
    package func seed(_ resource: KubeResource, _ object: JSONValue) -> JSONValue {
        guard let type = type(of: resource) else { fatalError("fake API does not serve \(resource)") }
        var o = object
        o["apiVersion"] = .string(resource.apiVersion)
        o["kind"] = .string(resource.kind)
        let key = Key(resource: type.key, namespace: resource.namespaced ? (o[path: "metadata.namespace"]?.string ?? "default") : "",
                      name: o[path: "metadata.name"]?.string ?? "")
        o = stamp(o, old: objects[key], type: type)
        objects[key] = o
        return o
    }

    package func object(_ resource: KubeResource, namespace: String? = nil, name: String) -> JSONValue? {
        objects[Key(resource: resource.description, namespace: resource.namespaced ? (namespace ?? "default") : "", name: name)]
    }

    package func inject(_ fault: Fault) { faults.append(fault) }
    package func clearFaults() { faults = [] }
    package func setDeploymentsBecomeReady(_ ready: Bool) { deploymentsBecomeReady = ready }
    package func setServerAddress(_ address: String) { serverAddress = address }
    package func setClock(_ clock: @escaping @Sendable () -> Date) { now = clock }
    /// What each request needed RBAC for, as `group/resource[/subresource]:verb` (`core` for the core group), the
    /// way an authorizer sees it.
    package private(set) var permissionsUsed: Set<String> = []

    package func clearRequests() { requests = []; acceptHeaders = []; permissionsUsed = [] }

    /// The RBAC permission a request to `route` needs (the verbs of the Kubernetes authorizer).
    package static func permission(_ method: HTTPMethod, _ route: Route, query: [String: String]) -> String {
        let resource = route.type.resource
        let verb: String
        switch (method, route.name) {
        case (.GET, nil): verb = query["watch"] == "true" || query["watch"] == "1" ? "watch" : "list"
        case (.GET, _): verb = "get"
        case (.POST, _): verb = "create"
        case (.PUT, _): verb = "update"
        case (.PATCH, _): verb = "patch"
        case (.DELETE, nil): verb = "deletecollection"
        case (.DELETE, _): verb = "delete"
        default: verb = method.rawValue.lowercased()
        }
        return "\(resource.group.isEmpty ? "core" : resource.group)/\(resource.plural)"
            + (route.subresource.map { "/\($0)" } ?? "") + ":\(verb)"
    }
    package func requireToken(_ token: String?) { requiredToken = token }

    // MARK: Serving

    package func handle(_ request: HTTPRequest) -> HTTPResponse {
        requests.append("\(request.method.rawValue) \(request.path)" + (request.query.isEmpty ? "" : "?\(request.query)"))
        acceptHeaders.append(request.headers["Accept"].joined(separator: ","))
        if let token = requiredToken, request.headers["Authorization"].first != "Bearer \(token)" {
            return statusResponse(401, reason: "Unauthorized", message: "Unauthorized")
        }
        if let discovery = discovery(request) { return discovery }
        guard let route = route(request.path) else {
            return statusResponse(404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        permissionsUsed.insert(Self.permission(request.method, route, query: request.queryItems))
        if let fault = takeFault(request, route) {
            return statusResponse(fault.status, reason: Self.reason(fault.status),
                                  message: fault.message ?? defaultFaultMessage(fault, route, request), route: route)
        }
        let wantsTable = request.headers["Accept"].joined(separator: ",").contains("as=Table")
        switch (request.method, route.name) {
        case (.GET, nil): return list(route, query: request.queryItems, table: wantsTable)
        case (.GET, .some): return get(route, table: wantsTable)
        case (.POST, nil): return create(route, body: request.body)
        case (.PUT, .some): return update(route, body: request.body)
        case (.PATCH, .some):
            let contentType = request.headers["Content-Type"].first ?? ""
            guard contentType.hasPrefix("application/merge-patch+json") else {
                return statusResponse(415, reason: "UnsupportedMediaType",
                                      message: "the body of the request was in an unknown format - accepted media types include: application/merge-patch+json")
            }
            return patch(route, body: request.body)
        case (.DELETE, .some): return delete(route)
        default:
            return statusResponse(405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource")
        }
    }

    package struct Route: Sendable {
        package var type: FakeResourceType
        /// nil: all namespaces (or cluster-scoped).
        package var namespace: String?
        package var name: String?
        package var subresource: String?

        package var key: Key? {
            name.map { Key(resource: type.key, namespace: type.resource.namespaced ? (namespace ?? "") : "", name: $0) }
        }

        package init(type: FakeResourceType, namespace: String? = nil, name: String? = nil, subresource: String? = nil) {
            self.type = type
            self.namespace = namespace
            self.name = name
            self.subresource = subresource
        }
    }

    package func type(of resource: KubeResource) -> FakeResourceType? { types.first { $0.resource == resource } }

    /// `/api/v1[/namespaces/<ns>]/<plural>[/<name>[/<sub>]]`, `/apis/<group>/<version>/…`.
    private func route(_ path: String) -> Route? {
        var parts = path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        let group: String, version: String
        if parts.first == "api", parts.count >= 2 {
            group = ""; version = parts[1]; parts.removeFirst(2)
        } else if parts.first == "apis", parts.count >= 3 {
            group = parts[1]; version = parts[2]; parts.removeFirst(3)
        } else {
            return nil
        }
        var namespace: String?
        if parts.count >= 3, parts[0] == "namespaces" {
            namespace = parts[1]; parts.removeFirst(2)
        }
        guard let plural = parts.first,
              let type = types.first(where: { $0.resource.group == group && $0.resource.version == version && $0.resource.plural == plural }),
              parts.count <= 3 else { return nil }
        if namespace != nil, !type.resource.namespaced { return nil }
        let sub = parts.count == 3 ? parts[2] : nil
        if let sub, !(sub == "status" && type.hasStatus) && !(sub == "scale" && type.hasScale) { return nil }
        return Route(type: type, namespace: namespace, name: parts.count >= 2 ? parts[1] : nil, subresource: sub)
    }

    private func takeFault(_ request: HTTPRequest, _ route: Route) -> Fault? {
        for i in faults.indices {
            let f = faults[i]
            guard f.resource == route.type.resource,
                  f.methods?.contains(request.method.rawValue) ?? true,
                  f.namespace == nil || f.namespace == route.namespace,
                  f.name == nil || f.name == route.name,
                  f.subresource == nil || f.subresource == (route.subresource ?? "") else { continue }
            if let r = f.remaining {
                if r <= 0 { continue }
                faults[i].remaining = r - 1
            }
            return f
        }
        return nil
    }

    private func defaultFaultMessage(_ f: Fault, _ route: Route, _ request: HTTPRequest) -> String {
        let what = "\(route.type.resource)" + (route.subresource.map { "/\($0)" } ?? "")
        let name = route.name ?? ""
        switch f.status {
        case 403:
            return "\(what) \"\(name)\" is forbidden: User \"system:serviceaccount:inferno:controller\" cannot "
                + "\(Self.verb(request.method, named: route.name != nil)) resource \"\(route.type.resource.plural)\""
                + (route.subresource.map { " subresource \"\($0)\"" } ?? "")
                + " in API group \"\(route.type.resource.group)\" in the namespace \"\(route.namespace ?? "")\""
        case 409: return Self.conflictMessage(route.type, name)
        case 401: return "Unauthorized"
        default: return "injected failure \(f.status)"
        }
    }

    package static func verb(_ m: HTTPMethod, named: Bool) -> String {
        switch m {
        case .GET: named ? "get" : "list"
        case .POST: "create"
        case .PUT: "update"
        case .PATCH: "patch"
        case .DELETE: "delete"
        default: "\(m)".lowercased()
        }
    }

    package static func conflictMessage(_ type: FakeResourceType, _ name: String) -> String {
        "Operation cannot be fulfilled on \(type.resource) \"\(name)\": the object has been modified; please apply your changes to the latest version and try again"
    }

    package static func reason(_ status: Int) -> String {
        switch status {
        case 400: "BadRequest"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "NotFound"
        case 409: "Conflict"
        case 422: "Invalid"
        case 429: "TooManyRequests"
        case 500: "InternalError"
        case 503: "ServiceUnavailable"
        default: "Unknown"
        }
    }

    // MARK: Responses

    package func statusResponse(_ code: Int, reason: String, message: String, route: Route? = nil,
                        causes: [(field: String, reason: String, message: String)] = []) -> HTTPResponse {
        var details: JSONValue = [:]
        if let route {
            details["group"] = .string(route.type.resource.group)
            details["kind"] = .string(route.type.resource.plural)
            if let name = route.name { details["name"] = .string(name) }
        }
        if !causes.isEmpty {
            details["causes"] = .array(causes.map { ["field": .string($0.field), "reason": .string($0.reason), "message": .string($0.message)] })
        }
        let body: JSONValue = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure", "message": .string(message),
            "reason": .string(reason), "details": details, "code": .number(Double(code)),
        ]
        return json(body, status: code)
    }

    package func json(_ body: JSONValue, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: HTTPResponseStatus(statusCode: status), contentType: "application/json", body: body.serialized())
    }

    package func notFound(_ route: Route) -> HTTPResponse {
        statusResponse(404, reason: "NotFound", message: "\(route.type.resource) \"\(route.name ?? "")\" not found", route: route)
    }

    // MARK: Reads

    private func get(_ route: Route, table: Bool) -> HTTPResponse {
        guard let key = route.key, let o = objects[key] else { return notFound(route) }
        if route.subresource == "scale" { return json(scale(of: o)) }
        return table ? json(self.table(route.type, [o])) : json(o)
    }

    private func list(_ route: Route, query: [String: String], table: Bool) -> HTTPResponse {
        let selector: FakeLabelSelector
        do { selector = try FakeLabelSelector(query["labelSelector"] ?? "") } catch {
            return statusResponse(400, reason: "BadRequest", message: "unable to parse requirement: \(error)")
        }
        // Field selectors: equality on dotted paths (`involvedObject.name=x,involvedObject.uid=y`), as kubectl
        // describe sends them for Events.
        let fields: [(path: String, value: String)] = (query["fieldSelector"] ?? "").split(separator: ",").compactMap { term in
            let parts = term.replacingOccurrences(of: "==", with: "=").split(separator: "=", maxSplits: 1).map(String.init)
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
        let items = objects.filter { k, o in
            k.resource == route.type.key && (route.namespace == nil || k.namespace == route.namespace)
                && selector.matches(o[path: "metadata.labels"]?.object?.compactMapValues(\.string) ?? [:])
                && fields.allSatisfy { (o[path: $0.path]?.string ?? "") == $0.value }
        }.sorted { ($0.key.namespace, $0.key.name) < ($1.key.namespace, $1.key.name) }.map(\.value)
        if table { return json(self.table(route.type, items)) }
        return json([
            "kind": .string(route.type.resource.kind + "List"), "apiVersion": .string(route.type.resource.apiVersion),
            "metadata": ["resourceVersion": .string(String(counter))], "items": .array(items),
        ])
    }

    /// The `autoscaling/v1` Scale of a Deployment.
    package func scale(of o: JSONValue) -> JSONValue {
        let labels = o[path: "spec.selector.matchLabels"]?.object ?? [:]
        let selector = labels.keys.sorted().map { "\($0)=\(labels[$0]?.string ?? "")" }.joined(separator: ",")
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": [
                "name": o[path: "metadata.name"] ?? "", "namespace": o[path: "metadata.namespace"] ?? "",
                "uid": o[path: "metadata.uid"] ?? "", "resourceVersion": o[path: "metadata.resourceVersion"] ?? "",
                "creationTimestamp": o[path: "metadata.creationTimestamp"] ?? .null,
            ],
            "spec": ["replicas": o[path: "spec.replicas"] ?? 1],
            "status": ["replicas": o[path: "status.replicas"] ?? 0, "selector": .string(selector)],
        ]
    }

    // MARK: Bookkeeping shared by writes

    package func nextResourceVersion() -> String {
        counter += 1
        return String(counter)
    }

    /// Fills what the server owns in `metadata`: uid and creation time kept from `old` (or made), a new
    /// resourceVersion, generation bumped when anything but metadata and status changed.
    package func stamp(_ new: JSONValue, old: JSONValue?, type: FakeResourceType) -> JSONValue {
        var o = new
        o["apiVersion"] = .string(type.resource.apiVersion)
        o["kind"] = .string(type.resource.kind)
        o[path: "metadata.uid"] = old?[path: "metadata.uid"] ?? .string(UUID().uuidString.lowercased())
        o[path: "metadata.creationTimestamp"] = old?[path: "metadata.creationTimestamp"] ?? .string(KubeTime.string(now()))
        var generation = old?[path: "metadata.generation"]?.int ?? 1
        if let old, Self.specPart(old) != Self.specPart(o) { generation += 1 }
        o[path: "metadata.generation"] = .number(Double(generation))
        o[path: "metadata.resourceVersion"] = .string(nextResourceVersion())
        return o
    }

    /// Everything but metadata and status: what `generation` counts changes of.
    package static func specPart(_ o: JSONValue) -> JSONValue {
        var p = o
        p["metadata"] = nil
        p["status"] = nil
        return p
    }

    package func store(_ key: Key, _ object: JSONValue) { objects[key] = object }
    package func remove(_ key: Key) { objects[key] = nil }
}
