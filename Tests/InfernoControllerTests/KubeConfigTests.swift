import Foundation
import InfernoFormats
import NIOSSL
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
@testable import InfernoSimulation
import InfernoTestSupport

/// Kubeconfig parsing and the controller's resolution order, on fixture files written to a temp directory.
@Suite struct KubeConfigTests {
    /// A self-signed test certificate and its key (EC P-256), used as CA and as client certificate.
    static let certificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIBhDCCASugAwIBAgIURVmkHPYskGmQ1yKCVGoj4cn8LrwwCgYIKoZIzj0EAwIw
        FzEVMBMGA1UEAwwMaW5mZXJuby10ZXN0MCAXDTI2MTEyOTAxNTQ0MFoYDzIxMjYx
        MTA1MDE1NDQwWjAXMRUwEwYDVQQDDAxpbmZlcm5vLXRlc3QwWTATBgcqhkjOPQIB
        BggqhkjOPQMBBwNCAATX+e/qhMyRsp22E6T07fjWeUU3lHux6sfrfL5PYEnffnM7
        n7dy7NLas8YbcZG1mLvzgjwO42fmvt5Dh9NLIXxjo1MwUTAdBgNVHQ4EFgQUWFdJ
        hNEQgWYVIntd1kk7BCkE9HYwHwYDVR0jBBgwFoAUWFdJhNEQgWYVIntd1kk7BCkE
        9HYwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiArkQcxadSNJVrg
        sUCGGLKRBXguW99F/bSJc1to80iSNwIgbGAF9j8z/hY2DUutk48wRXn5ozsDpthu
        HwIW/ZDycWo=
        -----END CERTIFICATE-----

        """
    static let keyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgDMDOMz8GS6tC/hTJ
        v9Nb3ZChG9EZHCYx9zVK5WhufkWhRANCAATX+e/qhMyRsp22E6T07fjWeUU3lHux
        6sfrfL5PYEnffnM7n7dy7NLas8YbcZG1mLvzgjwO42fmvt5Dh9NLIXxj
        -----END PRIVATE KEY-----

        """
    static func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }

    /// Two clusters, three users, three contexts: token, client certificate (inline), CA file, insecure.
    static let multiContext = """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
        - name: dev-cluster
          cluster:
            server: https://dev.example.com:6443
            certificate-authority: certs/ca.crt
        - name: prod-cluster
          cluster:
            server: https://10.0.0.1:443/
            certificate-authority-data: \(b64(certificatePEM))
        - name: lab-cluster
          cluster:
            server: https://lab.example.com
            insecure-skip-tls-verify: true
        users:
        - name: dev-user
          user:
            token: "0123456789abcdef"
        - name: prod-admin
          user:
            client-certificate-data: \(b64(certificatePEM))
            client-key-data: \(b64(keyPEM))
        - name: lab-user
          user:
            tokenFile: lab-token
        contexts:
        - name: dev
          context:
            cluster: dev-cluster
            user: dev-user
            namespace: team-a
        - name: prod
          context:
            cluster: prod-cluster
            user: prod-admin
        - name: lab
          context:
            cluster: lab-cluster
            user: lab-user
            namespace: lab
        """

    /// A temp directory with `config`, `certs/ca.crt` and `lab-token`.
    static func fixtureDirectory(config: String = multiContext) throws -> String {
        let dir = NSTemporaryDirectory() + "kubeconfig-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/certs", withIntermediateDirectories: true)
        try config.write(toFile: dir + "/config", atomically: true, encoding: .utf8)
        try certificatePEM.write(toFile: dir + "/certs/ca.crt", atomically: true, encoding: .utf8)
        try "lab-secret\n".write(toFile: dir + "/lab-token", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func tokenContextWithCAFile() throws {
        let dir = try Self.fixtureDirectory()
        let config = try KubeConfig.load(path: dir + "/config")
        #expect(config.currentContext == "dev")
        #expect(config.contexts.map(\.name) == ["dev", "prod", "lab"])
        let c = try config.connection()
        #expect(c.server == "https://dev.example.com:6443")
        #expect(c.token == "0123456789abcdef", "a quoted token stays a string, leading zero included")
        #expect(c.namespace == "team-a")
        #expect(c.certificateAuthority?.bytes == Array(Self.certificatePEM.utf8))
        #expect(c.certificateAuthority?.origin.contains("certs/ca.crt") == true)
        #expect(c.clientCertificate == nil && !c.insecureSkipTLSVerify)
        _ = try c.tlsConfiguration()
    }

    @Test func clientCertificateDataContext() throws {
        let dir = try Self.fixtureDirectory()
        let c = try KubeConfig.load(path: dir + "/config").connection(context: "prod")
        #expect(c.server == "https://10.0.0.1:443", "trailing slash dropped")
        #expect(c.namespace == "default")
        #expect(c.token == nil)
        #expect(c.clientCertificate?.bytes == Array(Self.certificatePEM.utf8))
        #expect(c.clientKey?.bytes == Array(Self.keyPEM.utf8))
        #expect(c.certificateAuthority?.bytes == Array(Self.certificatePEM.utf8))
        let tls = try c.tlsConfiguration()
        #expect(tls.certificateChain.count == 1)
        #expect(tls.privateKey != nil)
    }

    @Test func insecureContextWithTokenFile() throws {
        let dir = try Self.fixtureDirectory()
        let c = try KubeConfig.load(path: dir + "/config").connection(context: "lab")
        #expect(c.insecureSkipTLSVerify)
        #expect(c.tokenFile == dir + "/lab-token", "relative to the kubeconfig's directory")
        #expect(c.namespace == "lab")
        #expect(try c.tlsConfiguration().certificateVerification == .none)
    }

    /// Writes `yaml` as a kubeconfig and returns the error resolving its current context.
    func failure(_ yaml: String, context: String? = nil) throws -> String {
        let dir = try Self.fixtureDirectory(config: yaml)
        do {
            let c = try KubeConfig.load(path: dir + "/config").connection(context: context)
            _ = try c.tlsConfiguration()
            Issue.record("expected an error, got \(c)")
            return ""
        } catch {
            let text = "\(error)"
            #expect(text.contains(dir + "/config"), "the error names the file: \(text)")
            return text
        }
    }

    static func config(cluster: String = "server: https://x:6443", user: String = "token: t",
                       context: String = "cluster: c\n    user: u", current: String = "ctx") -> String {
        """
        clusters:
        - name: c
          cluster:
            \(cluster)
        users:
        - name: u
          user:
            \(user)
        contexts:
        - name: ctx
          context:
            \(context)
        current-context: \(current)
        """
    }

    @Test func errorsNameTheField() throws {
        #expect(try failure(Self.config(cluster: "insecure-skip-tls-verify: true")).contains("clusters[0] \"c\".cluster.server: missing"))
        #expect(try failure(Self.config(cluster: "server: ftp://x")).contains("clusters \"c\".cluster.server"))
        #expect(try failure(Self.config(cluster: "server: https://x\n    certificate-authority-data: '%%%'"))
            .contains("clusters[0] \"c\".cluster.certificate-authority-data: not valid base64"))
        #expect(try failure(Self.config(cluster: "server: https://x\n    insecure-skip-tls-verify: maybe"))
            .contains("insecure-skip-tls-verify: expected true or false"))
        #expect(try failure(Self.config(user: "client-key-data: \(Self.b64(Self.keyPEM))"))
            .contains("users \"u\".user: client key given without client-certificate"))
        #expect(try failure(Self.config(user: "exec:\n      command: gke-gcloud-auth-plugin"))
            .contains("exec credential plugins are not supported"))
        #expect(try failure(Self.config(context: "cluster: nowhere\n    user: u")).contains("contexts \"ctx\".cluster: no cluster named \"nowhere\""))
        #expect(try failure(Self.config(context: "cluster: c\n    user: nobody")).contains("contexts \"ctx\".user: no user named \"nobody\""))
        #expect(try failure(Self.config(current: "elsewhere")).contains("current-context: no context named \"elsewhere\""))
        #expect(try failure(Self.config(cluster: "server: https://x\n    certificate-authority: missing.crt"))
            .contains("certificate-authority: cannot read"))
        #expect(try failure(Self.config(user: "token: [1, 2]")).contains("users[0] \"u\".user.token: expected a string, found an array"))
        #expect(try failure("clusters: {{{").contains("not valid YAML"))
        // PEM that decodes as base64 but is no certificate: named by where it came from.
        let garbage = Self.b64("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        #expect(try failure(Self.config(user: "client-certificate-data: \(garbage)\n    client-key-data: \(Self.b64(Self.keyPEM))"))
            .contains("users \"u\".user.client-certificate-data: not a PEM certificate"))
    }

    /// Issue 12: a kubeconfig cannot hang the controller or fill the machine. Ten levels of ten aliases stand for
    /// 10^10 scalars in a few hundred bytes ("billion laughs"); a line of 100,000 brackets used to come back whole in
    /// the parser's message; a file larger than any kubeconfig is not read.
    @Test func aliasBombsHugeLinesAndHugeFilesAreRefused() throws {
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...10 { bomb += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let expanded = try failure(bomb)
        #expect(expanded.contains("more than \(JSONValue.yamlNodeLimit) nodes"), "\(expanded)")

        let deep = try failure("a: " + String(repeating: "[", count: 100_000))
        #expect(deep.contains("not valid YAML") && deep.count < 1_000, "\(deep.count) characters")

        let path = NSTemporaryDirectory() + "huge-kubeconfig-\(UUID().uuidString)"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: UInt64(KubeConfig.fileSizeLimit + 1))   // sparse: no disk used
        try handle.close()
        #expect(throws: KubeConfigError.self) { try KubeConfig.load(path: path) }
        do { _ = try KubeConfig.load(path: path) } catch { #expect("\(error)".contains("a kubeconfig is at most")) }
    }

    // MARK: Resolution order

    /// A fake service-account directory.
    static func serviceAccount(namespace: String = "inferno-system") throws -> String {
        let dir = NSTemporaryDirectory() + "sa-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "sa-token\n".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        try certificatePEM.write(toFile: dir + "/ca.crt", atomically: true, encoding: .utf8)
        try namespace.write(toFile: dir + "/namespace", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func resolutionOrder() throws {
        let sa = try Self.serviceAccount()
        let kube = try Self.fixtureDirectory()
        let home = NSTemporaryDirectory() + "home-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: home + "/.kube", withIntermediateDirectories: true)
        try Self.config(cluster: "server: https://home.example.com").write(toFile: home + "/.kube/config", atomically: true, encoding: .utf8)
        let pod = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]

        // 1. The flag wins over everything.
        var env = KubeConnection.Environment(variables: pod.merging(["KUBECONFIG": kube + "/config"]) { a, _ in a },
                                             serviceAccountDirectory: sa, homeDirectory: home)
        #expect(try KubeConnection.resolve(kubeconfig: kube + "/config", context: "prod", environment: env).server == "https://10.0.0.1:443")
        // 2. In a pod: the service account.
        let inCluster = try KubeConnection.resolve(kubeconfig: nil, environment: env)
        #expect(inCluster.server == "https://10.96.0.1:443")
        #expect(inCluster.tokenFile == sa + "/token" && inCluster.token == nil)
        #expect(inCluster.namespace == "inferno-system")
        #expect(inCluster.certificateAuthority?.bytes == Array(Self.certificatePEM.utf8))
        // 3. Outside a pod: $KUBECONFIG (a list; missing entries skipped, the first file's current context).
        env.variables = ["KUBECONFIG": "/nonexistent/config:" + kube + "/config"]
        #expect(try KubeConnection.resolve(kubeconfig: nil, environment: env).server == "https://dev.example.com:6443")
        // 4. Else ~/.kube/config.
        env.variables = [:]
        #expect(try KubeConnection.resolve(kubeconfig: nil, environment: env).server == "https://home.example.com")
        // 5. Nothing: an error that says what was tried.
        env.homeDirectory = NSTemporaryDirectory() + "empty-\(UUID().uuidString)"
        #expect(throws: KubeConfigError.self) { try KubeConnection.resolve(kubeconfig: nil, environment: env) }
        do { _ = try KubeConnection.resolve(kubeconfig: nil, environment: env) } catch {
            #expect("\(error)".contains("KUBERNETES_SERVICE_HOST unset"))
        }
        // IPv6 service host.
        env.variables = ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"]
        #expect(try KubeConnection.resolve(kubeconfig: nil, environment: env).server == "https://[fd00::1]:443")
    }

    @Test func mergedKubeconfigsFirstDefinitionWins() throws {
        let a = try KubeConfig(yaml: Self.config(cluster: "server: https://a"), path: "/a")
        var bText = Self.config(cluster: "server: https://b", current: "other")
        bText += "\n"
        let b = try KubeConfig(yaml: bText, path: "/b")
        let merged = try #require(KubeConfig.merged([a, b]))
        #expect(merged.currentContext == "ctx")
        #expect(merged.clusters.count == 1 && merged.clusters[0].server == "https://a")
    }
}
