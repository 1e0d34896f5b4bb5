import Foundation
import Logging
import InfernoControl
import InfernoHTTP
import InfernoKubernetes
import InfernoPrometheus
import InfernoSimulation

/// `FakeKubernetesAPI` behind a real HTTP listener on 127.0.0.1 (plain HTTP), with clients and kubeconfigs for it.
package final class FakeKubernetesServer: Sendable {
    package let api: FakeKubernetesAPI
    package let http: HTTPServer
    package var url: String { "http://127.0.0.1:\(http.port)" }

    private init(api: FakeKubernetesAPI, http: HTTPServer) {
        self.api = api
        self.http = http
    }

    package static func start(types: [FakeResourceType] = FakeResourceType.all) async throws -> FakeKubernetesServer {
        let api = FakeKubernetesAPI(types: types)
        let http = try await HTTPServer(port: 0) { request in await api.handle(request) }
        await api.setServerAddress("127.0.0.1:\(http.port)")
        return FakeKubernetesServer(api: api, http: http)
    }

    package var connection: KubeConnection {
        KubeConnection(server: url, token: "test-token", namespace: "inferno-system", origin: "fake API server \(url)")
    }

    /// A client with quick retries (tests should not wait seconds on injected 5xx).
    package func client(retry: KubernetesClient.RetryPolicy = .init(attempts: 3, initialDelay: .milliseconds(5), maxDelay: .milliseconds(20)),
                logger: Logger = Logger(label: "test.kubernetes")) throws -> KubernetesClient {
        try KubernetesClient(connection: connection, requestTimeout: .seconds(5), connectTimeout: .milliseconds(500),
                             retry: retry, logger: logger)
    }

    /// A kubeconfig naming this server, for kubectl.
    package func writeKubeconfig(to path: String, namespace: String = "default") throws {
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: \(url)
            users:
            - name: tester
              user:
                token: test-token
            contexts:
            - name: fake
              context:
                cluster: fake
                user: tester
                namespace: \(namespace)
            current-context: fake
            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    package func shutdown() async { await http.shutdown() }
}

/// Runs `body` against a fresh fake server and client, shutting both down however `body` ends.
package func withFakeKubernetes<R>(seed: (FakeKubernetesAPI) async throws -> Void = { _ in },
                           retry: KubernetesClient.RetryPolicy = .init(attempts: 3, initialDelay: .milliseconds(5), maxDelay: .milliseconds(20)),
                           logger: Logger = Logger(label: "test.kubernetes"),
                           _ body: (FakeKubernetesServer, KubernetesClient) async throws -> R) async throws -> R {
    let server = try await FakeKubernetesServer.start()
    let client: KubernetesClient
    do {
        client = try server.client(retry: retry, logger: logger)
    } catch {
        await server.shutdown()
        throw error
    }
    do {
        try await seed(server.api)
        let result = try await body(server, client)
        try? await client.shutdown()
        await server.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        await server.shutdown()
        throw error
    }
}
