import Foundation
import InfernoControl
import InfernoFormats

/// A kubeconfig file: clusters, users and contexts, with the fields a token or certificate client needs.
/// File paths in it are resolved against the file's directory, as kubectl does; `*-data` fields are decoded.
package struct KubeConfig: Sendable, Equatable {
    package struct Cluster: Sendable, Equatable {
        package var name: String
        package var server: String
        /// Path (absolute) of the CA bundle, when given as a file.
        package var certificateAuthority: String?
        /// PEM bytes, when given inline.
        package var certificateAuthorityData: [UInt8]?
        package var insecureSkipTLSVerify: Bool
    }

    package struct User: Sendable, Equatable {
        package var name: String
        package var token: String?
        package var tokenFile: String?
        package var clientCertificate: String?
        package var clientCertificateData: [UInt8]?
        package var clientKey: String?
        package var clientKeyData: [UInt8]?
        /// Set when the user authenticates some other way (exec plugin, auth provider, basic auth): not supported.
        package var unsupportedMethod: String?
    }

    package struct Context: Sendable, Equatable {
        package var name: String
        package var cluster: String
        package var user: String?
        package var namespace: String?
    }

    package var path: String
    package var clusters: [Cluster] = []
    package var users: [User] = []
    package var contexts: [Context] = []
    package var currentContext: String?

    /// The largest kubeconfig read: real ones are kilobytes (a few certificates); this keeps a wrong path (a disk
    /// image, a log) from being read whole into memory.
    package static let fileSizeLimit = 16 << 20

    /// Reads and parses the file at `path`.
    package static func load(path: String) throws -> KubeConfig {
        let text: String
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
            guard size <= fileSizeLimit else {
                throw KubeConfigError(file: path, field: nil, message: "is \(size) bytes; a kubeconfig is at most \(fileSizeLimit) bytes")
            }
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch let error as KubeConfigError {
            throw error
        } catch {
            throw KubeConfigError(file: path, field: nil, message: "cannot read the file (\(error.localizedDescription))")
        }
        return try KubeConfig(yaml: text, path: path)
    }

    /// Parses kubeconfig YAML; `path` names the file in errors and anchors relative paths.
    package init(yaml text: String, path: String) throws {
        self.path = path
        let root: JSONValue
        do {
            root = try JSONValue(yaml: text)
        } catch {
            throw KubeConfigError(file: path, field: nil, message: "\(error)")
        }
        guard root.object != nil || root.isNull else {
            throw KubeConfigError(file: path, field: nil, message: "expected a mapping at the top, found \(root.kindDescription)")
        }
        let r = FieldReader(file: path, directory: (path as NSString).deletingLastPathComponent)
        currentContext = try r.string(root, "current-context", at: "").flatMap { $0.isEmpty ? nil : $0 }

        for (i, entry) in try r.entries(root, "clusters").enumerated() {
            let (name, body, at) = try r.named(entry, "clusters", i, inner: "cluster")
            guard let server = try r.string(body, "server", at: at), !server.isEmpty else {
                throw r.error("\(at).server", "missing: the API server's URL is required")
            }
            clusters.append(Cluster(
                name: name, server: server,
                certificateAuthority: try r.path(body, "certificate-authority", at: at),
                certificateAuthorityData: try r.base64(body, "certificate-authority-data", at: at),
                insecureSkipTLSVerify: try r.bool(body, "insecure-skip-tls-verify", at: at) ?? false))
        }
        for (i, entry) in try r.entries(root, "users").enumerated() {
            let (name, body, at) = try r.named(entry, "users", i, inner: "user")
            var unsupported: String?
            if body["exec"].map({ !$0.isNull }) == true { unsupported = "exec credential plugins" }
            if body["auth-provider"].map({ !$0.isNull }) == true { unsupported = "auth-provider plugins" }
            if try r.string(body, "username", at: at) != nil { unsupported = "basic authentication (username/password)" }
            users.append(User(
                name: name, token: try r.string(body, "token", at: at), tokenFile: try r.path(body, "tokenFile", at: at),
                clientCertificate: try r.path(body, "client-certificate", at: at),
                clientCertificateData: try r.base64(body, "client-certificate-data", at: at),
                clientKey: try r.path(body, "client-key", at: at),
                clientKeyData: try r.base64(body, "client-key-data", at: at), unsupportedMethod: unsupported))
        }
        for (i, entry) in try r.entries(root, "contexts").enumerated() {
            let (name, body, at) = try r.named(entry, "contexts", i, inner: "context")
            guard let cluster = try r.string(body, "cluster", at: at), !cluster.isEmpty else {
                throw r.error("\(at).cluster", "missing: a context names its cluster")
            }
            contexts.append(Context(name: name, cluster: cluster, user: try r.string(body, "user", at: at),
                                    namespace: try r.string(body, "namespace", at: at)))
        }
    }

    /// Merges files as kubectl merges `$KUBECONFIG`: the first file to define a name wins, and the first
    /// `current-context` set wins.
    package static func merged(_ configs: [KubeConfig]) -> KubeConfig? {
        guard var out = configs.first else { return nil }
        for c in configs.dropFirst() {
            out.currentContext = out.currentContext ?? c.currentContext
            out.clusters += c.clusters.filter { n in !out.clusters.contains { $0.name == n.name } }
            out.users += c.users.filter { n in !out.users.contains { $0.name == n.name } }
            out.contexts += c.contexts.filter { n in !out.contexts.contains { $0.name == n.name } }
        }
        return out
    }
}

/// A kubeconfig (or service account) problem, naming the file and the field.
package struct KubeConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    package var file: String
    /// `users[1] "admin".client-key-data`; nil for file-level problems.
    package var field: String?
    package var message: String

    package var description: String {
        field.map { "kubeconfig \(file): \($0): \(message)" } ?? "kubeconfig \(file): \(message)"
    }
}

/// Typed access to kubeconfig fields with errors that say where.
private struct FieldReader {
    package var file: String
    package var directory: String

    package func error(_ field: String, _ message: String) -> KubeConfigError {
        KubeConfigError(file: file, field: field.hasPrefix(".") ? String(field.dropFirst()) : field, message: message)
    }

    package func entries(_ root: JSONValue, _ key: String) throws -> [JSONValue] {
        guard let v = root[key], !v.isNull else { return [] }
        guard let a = v.array else { throw error(key, "expected a list, found \(v.kindDescription)") }
        return a
    }

    /// A `{name, <inner>: {...}}` entry: its name, body and the field path for errors.
    package func named(_ entry: JSONValue, _ list: String, _ i: Int, inner: String) throws -> (String, JSONValue, String) {
        guard entry.object != nil else { throw error("\(list)[\(i)]", "expected a mapping, found \(entry.kindDescription)") }
        guard let name = try string(entry, "name", at: "\(list)[\(i)]"), !name.isEmpty else {
            throw error("\(list)[\(i)].name", "missing")
        }
        let at = "\(list)[\(i)] \"\(name)\".\(inner)"
        guard let body = entry[inner], !body.isNull else { throw error(at, "missing") }
        guard body.object != nil else { throw error(at, "expected a mapping, found \(body.kindDescription)") }
        return (name, body, at)
    }

    package func string(_ o: JSONValue, _ key: String, at: String) throws -> String? {
        guard let v = o[key], !v.isNull else { return nil }
        switch v {
        case .string(let s): return s
        case .number(let d): return formatNumber(d)   // an unquoted numeric token
        default: throw error("\(at).\(key)", "expected a string, found \(v.kindDescription)")
        }
    }

    package func bool(_ o: JSONValue, _ key: String, at: String) throws -> Bool? {
        guard let v = o[key], !v.isNull else { return nil }
        if let b = v.bool { return b }
        if let s = v.string, let b = Bool(s.lowercased()) { return b }
        throw error("\(at).\(key)", "expected true or false, found \(v.kindDescription)")
    }

    package func path(_ o: JSONValue, _ key: String, at: String) throws -> String? {
        guard let p = try string(o, key, at: at), !p.isEmpty else { return nil }
        if p.hasPrefix("/") { return p }
        if p.hasPrefix("~/") { return NSHomeDirectory() + p.dropFirst() }
        return (directory as NSString).appendingPathComponent(p)
    }

    package func base64(_ o: JSONValue, _ key: String, at: String) throws -> [UInt8]? {
        guard let s = try string(o, key, at: at), !s.isEmpty else { return nil }
        guard let d = Data(base64Encoded: s.filter { !$0.isWhitespace }) else {
            throw error("\(at).\(key)", "not valid base64")
        }
        return Array(d)
    }
}
