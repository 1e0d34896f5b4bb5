import Foundation
import NIOSSL
import InfernoControl
import InfernoHTTP
import InfernoKubernetes
import InfernoPrometheus
import InfernoSimulation

/// A CA, a server certificate for 127.0.0.1 and a client certificate, made with the openssl command line.
package struct KubeTestPKI {
    package let directory: String
    package func path(_ name: String) -> String { directory + "/" + name }
    package func pem(_ name: String) throws -> KubeConnection.PEM {
        KubeConnection.PEM(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path(name)))), origin: "test \(name)")
    }

    package init() throws {
        directory = NSTemporaryDirectory() + "inferno-kube-pki-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n".write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(toFile: path("client.ext"), atomically: true, encoding: .utf8)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try run(["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=inferno-kube-test-ca"])
        for (name, subject) in [("server", "/CN=127.0.0.1"), ("client", "/CN=inferno-controller/O=system:masters")] {
            try run(["req"] + ec + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject])
            try run(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                     "-out", "\(name).crt", "-days", "2", "-extfile", "\(name).ext"])
        }
    }

    private func run(_ arguments: [String]) throws {
        let finished = try ChildProcess.run("/usr/bin/openssl", arguments, directory: URL(fileURLWithPath: directory))
        guard finished.status == 0 else {
            throw OpenSSLFailure(message: "openssl \(arguments.joined(separator: " ")) failed: \(finished.stderr)")
        }
    }

    package func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

/// The fake API behind HTTPS that requires a client certificate signed by the test CA (as an API server with
/// `--client-ca-file` does for certificate users): the production `HTTPServer` with a TLS context.
package final class KubeTLSServer: Sendable {
    private let server: HTTPServer
    package var port: Int { server.port }

    package init(api: FakeKubernetesAPI, pki: KubeTestPKI) async throws {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(pki.path("server.crt")).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: pki.path("server.key"), format: .pem)))
        tls.certificateVerification = .noHostnameVerification
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pki.path("ca.crt")))
        server = try await HTTPServer(port: 0, tls: try NIOSSLContext(configuration: tls)) { await api.handle($0) }
    }

    package func shutdown() async { await server.shutdown() }
}

/// An `openssl` command that failed while making the test certificates.
struct OpenSSLFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
