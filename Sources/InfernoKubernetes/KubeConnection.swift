import Foundation
import InfernoControl

/// Everything needed to talk to one API server as one user: the resolved context of a kubeconfig, or the pod's
/// service account.
package struct KubeConnection: Sendable, Equatable {
    /// PEM bytes and where they came from, for errors (`kubeconfig ~/.kube/config: users[0] "me".client-key-data`).
    package struct PEM: Sendable, Equatable {
        package var bytes: [UInt8]
        package var origin: String

        package init(bytes: [UInt8], origin: String) {
            self.bytes = bytes
            self.origin = origin
        }
    }

    /// Base URL, no trailing slash (`https://10.96.0.1:443`).
    package var server: String
    package var certificateAuthority: PEM?
    package var insecureSkipTLSVerify = false
    package var clientCertificate: PEM?
    package var clientKey: PEM?
    /// A fixed bearer token.
    package var token: String?
    /// A token file read before each request, so projected service-account tokens can rotate.
    package var tokenFile: String?
    /// The context's namespace (`default` when unset): where the controller's own objects live by default.
    package var namespace = "default"
    /// Where this came from, for logs.
    package var origin: String

    package init(server: String, certificateAuthority: PEM? = nil, insecureSkipTLSVerify: Bool = false,
                 clientCertificate: PEM? = nil, clientKey: PEM? = nil, token: String? = nil, tokenFile: String? = nil,
                 namespace: String = "default", origin: String) {
        self.server = server
        self.certificateAuthority = certificateAuthority
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.token = token
        self.tokenFile = tokenFile
        self.namespace = namespace
        self.origin = origin
    }
}

extension KubeConnection {
    /// What resolution looks at; tests replace it.
    package struct Environment: Sendable {
        package var variables: [String: String]
        package var serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"
        package var homeDirectory: String

        package static var current: Environment {
            Environment(variables: ProcessInfo.processInfo.environment, homeDirectory: NSHomeDirectory())
        }
    }

    /// The controller's order: `--kubeconfig`, else the in-cluster service account, else `$KUBECONFIG` (a
    /// colon-separated list, merged), else `~/.kube/config`. `context` overrides the file's current context.
    package static func resolve(kubeconfig flag: String?, context: String? = nil,
                        environment env: Environment = .current) throws -> KubeConnection {
        if let flag, !flag.isEmpty {
            return try KubeConfig.load(path: flag).connection(context: context)
        }
        if let inCluster = try inCluster(environment: env) { return inCluster }
        if let list = env.variables["KUBECONFIG"], !list.isEmpty {
            let paths = list.split(separator: ":").map(String.init).filter { FileManager.default.fileExists(atPath: $0) }
            if let merged = KubeConfig.merged(try paths.map(KubeConfig.load(path:))) {
                return try merged.connection(context: context)
            }
        }
        let home = (env.homeDirectory as NSString).appendingPathComponent(".kube/config")
        if FileManager.default.fileExists(atPath: home) {
            return try KubeConfig.load(path: home).connection(context: context)
        }
        throw KubeConfigError(file: home, field: nil, message:
            "no cluster to talk to: no --kubeconfig, not in a pod (KUBERNETES_SERVICE_HOST unset), "
            + "$KUBECONFIG unset or naming no existing file, and this file does not exist")
    }

    /// The pod's service account, when running in a cluster; nil otherwise.
    package static func inCluster(environment env: Environment) throws -> KubeConnection? {
        guard let host = env.variables["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
              let port = env.variables["KUBERNETES_SERVICE_PORT"], !port.isEmpty else { return nil }
        let dir = env.serviceAccountDirectory
        let tokenPath = (dir as NSString).appendingPathComponent("token")
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw KubeConfigError(file: tokenPath, field: nil, message:
                "KUBERNETES_SERVICE_HOST is set but the service account token is not readable "
                + "(automountServiceAccountToken: false?)")
        }
        let caPath = (dir as NSString).appendingPathComponent("ca.crt")
        let ca = try readFile(caPath, origin: "service account CA \(caPath)")
        let nsPath = (dir as NSString).appendingPathComponent("namespace")
        let namespace = (try? String(contentsOfFile: nsPath, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return KubeConnection(server: "https://\(hostPart):\(port)", certificateAuthority: ca, tokenFile: tokenPath,
                              namespace: (namespace?.isEmpty ?? true) ? "default" : namespace!,
                              origin: "in-cluster service account (\(dir))")
    }

    package static func readFile(_ path: String, origin: String) throws -> PEM {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubeConfigError(file: path, field: nil, message: "cannot read \(origin)")
        }
        return PEM(bytes: Array(data), origin: "\(origin) (\(path))")
    }
}

extension KubeConfig {
    /// The connection of `context` (or the current context): its cluster and user, files read, fields checked.
    package func connection(context name: String? = nil) throws -> KubeConnection {
        func fail(_ field: String?, _ message: String) -> KubeConfigError {
            KubeConfigError(file: path, field: field, message: message)
        }
        guard let contextName = name ?? currentContext else {
            throw fail("current-context", "not set and no context was chosen (contexts: "
                       + "\(contexts.map(\.name).joined(separator: ", ")))")
        }
        guard let ctx = contexts.first(where: { $0.name == contextName }) else {
            throw fail(name == nil ? "current-context" : "contexts",
                       "no context named \"\(contextName)\" (have: \(contexts.map(\.name).joined(separator: ", ")))")
        }
        let ctxField = "contexts \"\(ctx.name)\""
        guard let cluster = clusters.first(where: { $0.name == ctx.cluster }) else {
            throw fail("\(ctxField).cluster", "no cluster named \"\(ctx.cluster)\"")
        }
        let clusterField = "clusters \"\(cluster.name)\".cluster"
        guard let url = URL(string: cluster.server), let scheme = url.scheme, ["http", "https"].contains(scheme),
              url.host != nil else {
            throw fail("\(clusterField).server", "\"\(cluster.server)\" is not an http(s) URL")
        }
        var conn = KubeConnection(server: cluster.server.hasSuffix("/") ? String(cluster.server.dropLast()) : cluster.server,
                                  insecureSkipTLSVerify: cluster.insecureSkipTLSVerify,
                                  namespace: ctx.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default",
                                  origin: "kubeconfig \(path), context \"\(ctx.name)\"")
        if let data = cluster.certificateAuthorityData {
            conn.certificateAuthority = .init(bytes: data, origin: "kubeconfig \(path): \(clusterField).certificate-authority-data")
        } else if let file = cluster.certificateAuthority {
            conn.certificateAuthority = try readField(file, "\(clusterField).certificate-authority")
        }
        if let userName = ctx.user, !userName.isEmpty {
            guard let user = users.first(where: { $0.name == userName }) else {
                throw fail("\(ctxField).user", "no user named \"\(userName)\"")
            }
            let userField = "users \"\(user.name)\".user"
            if let method = user.unsupportedMethod, user.token == nil, user.tokenFile == nil,
               user.clientCertificate == nil, user.clientCertificateData == nil {
                throw fail(userField, "\(method) are not supported; give a token, tokenFile or client certificate")
            }
            conn.token = user.token.flatMap { $0.isEmpty ? nil : $0 }
            conn.tokenFile = user.tokenFile
            if let data = user.clientCertificateData {
                conn.clientCertificate = .init(bytes: data, origin: "kubeconfig \(path): \(userField).client-certificate-data")
            } else if let file = user.clientCertificate {
                conn.clientCertificate = try readField(file, "\(userField).client-certificate")
            }
            if let data = user.clientKeyData {
                conn.clientKey = .init(bytes: data, origin: "kubeconfig \(path): \(userField).client-key-data")
            } else if let file = user.clientKey {
                conn.clientKey = try readField(file, "\(userField).client-key")
            }
            if (conn.clientCertificate == nil) != (conn.clientKey == nil) {
                throw fail(userField, conn.clientKey == nil ? "client certificate given without client-key(-data)"
                                                            : "client key given without client-certificate(-data)")
            }
            if let tokenFile = conn.tokenFile, !FileManager.default.isReadableFile(atPath: tokenFile) {
                throw fail("\(userField).tokenFile", "cannot read \(tokenFile)")
            }
        }
        return conn
    }

    private func readField(_ file: String, _ field: String) throws -> KubeConnection.PEM {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw KubeConfigError(file: path, field: field, message: "cannot read \(file)")
        }
        return .init(bytes: Array(data), origin: "kubeconfig \(path): \(field) (\(file))")
    }
}
