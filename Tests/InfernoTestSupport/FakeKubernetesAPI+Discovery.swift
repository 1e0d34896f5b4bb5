import Foundation
import InfernoControl
import InfernoFormats
import InfernoHTTP
import InfernoKubernetes
import InfernoPrometheus
import InfernoSimulation

/// Discovery documents (legacy, non-aggregated: kubectl falls back to them) and `meta.k8s.io/v1` Tables.
extension FakeKubernetesAPI {
    package func discovery(_ request: HTTPRequest) -> HTTPResponse? {
        guard request.method == .GET else { return nil }
        let groups = Dictionary(grouping: types.filter { !$0.resource.group.isEmpty }, by: { $0.resource.group })
        switch request.path {
        case "/version":
            return json(["major": "1", "minor": "32", "gitVersion": "v1.32.0-inferno-fake", "gitCommit": "0000000",
                         "gitTreeState": "clean", "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.23",
                         "compiler": "gc", "platform": "linux/amd64"])
        case "/api":
            return json(["kind": "APIVersions", "versions": ["v1"],
                         "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]]])
        case "/apis":
            let list: [JSONValue] = groups.keys.sorted().map { g in
                let versions = Set(groups[g]!.map(\.resource.version)).sorted()
                let entries: [JSONValue] = versions.map { ["groupVersion": .string("\(g)/\($0)"), "version": .string($0)] }
                return ["name": .string(g), "versions": .array(entries), "preferredVersion": entries[0]]
            }
            return json(["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(list)])
        default:
            break
        }
        let parts = request.path.split(separator: "/").map(String.init)
        let gv: (group: String, version: String)
        if parts.count == 2, parts[0] == "api" {
            gv = ("", parts[1])
        } else if parts.count == 3, parts[0] == "apis" {
            gv = (parts[1], parts[2])
        } else {
            return nil
        }
        let served = types.filter { $0.resource.group == gv.group && $0.resource.version == gv.version }
        guard !served.isEmpty else {
            return statusResponse(404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        var resources: [JSONValue] = []
        for t in served {
            var entry: JSONValue = [
                "name": .string(t.resource.plural), "singularName": .string(t.singular),
                "namespaced": .bool(t.resource.namespaced), "kind": .string(t.resource.kind),
                "verbs": .array(t.verbs.map(JSONValue.string)),
            ]
            if !t.shortNames.isEmpty { entry["shortNames"] = .array(t.shortNames.map(JSONValue.string)) }
            if t.isCustom { entry["categories"] = ["all"] }
            resources.append(entry)
            if t.hasStatus {
                resources.append(["name": .string("\(t.resource.plural)/status"), "singularName": "",
                                  "namespaced": .bool(t.resource.namespaced), "kind": .string(t.resource.kind),
                                  "verbs": ["get", "patch", "update"]])
            }
            if t.hasScale {
                // group/version/kind tell client-go's scale client which Scale type to speak.
                resources.append(["name": .string("\(t.resource.plural)/scale"), "singularName": "",
                                  "namespaced": .bool(t.resource.namespaced), "group": "autoscaling", "version": "v1",
                                  "kind": "Scale", "verbs": ["get", "patch", "update"]])
            }
        }
        let groupVersion = gv.group.isEmpty ? gv.version : "\(gv.group)/\(gv.version)"
        return json(["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(groupVersion),
                     "resources": .array(resources)])
    }

    /// What `kubectl get` asks for (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`): the NAME column, then the
    /// type's printer columns, each row carrying the object's metadata.
    package func table(_ type: FakeResourceType, _ items: [JSONValue]) -> JSONValue {
        var columns: [JSONValue] = [[
            "name": "Name", "type": "string", "format": "name", "priority": 0,
            "description": "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated.",
        ]]
        for c in type.printerColumns {
            columns.append(["name": .string(c.name), "type": .string(c.type == "date" ? "string" : c.type),
                            "format": "", "description": .string(c.description), "priority": 0])
        }
        let rows: [JSONValue] = items.map { o in
            var cells: [JSONValue] = [o[path: "metadata.name"] ?? ""]
            for c in type.printerColumns { cells.append(cell(c, o)) }
            return ["cells": .array(cells), "object": [
                "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"] ?? [:],
            ]]
        }
        return ["kind": "Table", "apiVersion": "meta.k8s.io/v1",
                "metadata": ["resourceVersion": .string(String(objects.values.compactMap { $0[path: "metadata.resourceVersion"]?.string }.compactMap(Int.init).max() ?? 0))],
                "columnDefinitions": .array(columns), "rows": .array(rows)]
    }

    private func cell(_ c: FakePrinterColumn, _ o: JSONValue) -> JSONValue {
        if c.jsonPath == "(ready)" {
            return .string("\(o[path: "status.readyReplicas"]?.int ?? 0)/\(o[path: "spec.replicas"]?.int ?? 1)")
        }
        guard let value = FakeJSONPath.evaluate(c.jsonPath, in: o) else { return .null }
        if c.type == "date" {
            guard let s = value.string, let t = KubeTime.parse(s) else { return "<unknown>" }
            return .string(Self.humanDuration(now().timeIntervalSince(t)))
        }
        return value
    }

    /// apimachinery's `duration.HumanDuration`.
    package static func humanDuration(_ interval: TimeInterval) -> String {
        let s = max(0, Int(interval))
        if s < 120 { return "\(s)s" }
        let m = s / 60
        if m < 10 { return s % 60 == 0 ? "\(m)m" : "\(m)m\(s % 60)s" }
        if m < 180 { return "\(m)m" }
        let h = m / 60
        if h < 8 { return m % 60 == 0 ? "\(h)h" : "\(h)h\(m % 60)m" }
        if h < 48 { return "\(h)h" }
        let d = h / 24
        if h < 192 { return h % 24 == 0 ? "\(d)d" : "\(d)d\(h % 24)h" }
        return "\(d)d"
    }
}

/// The JSONPath subset printer columns use: `.a.b`, escaped dots (`.labels.x\.y/z`), and one filter
/// `[?(@.field=="value")]` (either quote) on a list.
package enum FakeJSONPath {
    package static func evaluate(_ path: String, in root: JSONValue) -> JSONValue? {
        var nodes: [JSONValue] = [root]
        var i = path.startIndex
        while i < path.endIndex {
            let ch = path[i]
            if ch == "." {
                i = path.index(after: i)
                var key = ""
                while i < path.endIndex, path[i] != ".", path[i] != "[" {
                    if path[i] == "\\", path.index(after: i) < path.endIndex {
                        i = path.index(after: i)
                    }
                    key.append(path[i])
                    i = path.index(after: i)
                }
                nodes = nodes.compactMap { $0[key] }
            } else if ch == "[" {
                guard let close = path[i...].firstIndex(of: "]") else { return nil }
                let inner = String(path[path.index(after: i)..<close])
                i = path.index(after: close)
                guard inner.hasPrefix("?(@."), inner.hasSuffix(")"), let eq = inner.range(of: "==") else { return nil }
                let field = String(inner[inner.index(inner.startIndex, offsetBy: 4)..<eq.lowerBound])
                let value = inner[eq.upperBound...].dropLast().trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                nodes = nodes.flatMap { $0.array ?? [] }.filter { $0[field]?.string == value }
            } else {
                return nil
            }
        }
        return nodes.first
    }
}
