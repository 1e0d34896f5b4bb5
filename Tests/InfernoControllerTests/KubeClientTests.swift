import Foundation
import InfernoFormats
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
@testable import InfernoSimulation
import InfernoTestSupport

/// The client against the fake API server: verbs, error mapping, concurrency control, subresources.
@Suite struct KubeClientTests {
    static func code(_ body: () async throws -> Void) async -> KubernetesError? {
        do {
            try await body()
            return nil
        } catch let e as KubernetesError {
            return e
        } catch {
            Issue.record("not a KubernetesError: \(error)")
            return nil
        }
    }

    @Test func createGetUpdateDelete() async throws {
        try await withFakeKubernetes { server, client in
            let created = try await client.createObject(.deployments, KubeDemoCluster.deployment("web", namespace: "apps"))
            let rv1 = try #require(created[path: "metadata.resourceVersion"]?.string)
            #expect(created[path: "metadata.uid"]?.string?.isEmpty == false)
            #expect(created[path: "metadata.generation"]?.int == 1)
            #expect(created[path: "metadata.creationTimestamp"]?.string != nil)

            var d = try await client.get(Deployment.self, name: "web", namespace: "apps")
            #expect(d.spec?.replicas == 1 && d.metadata.resourceVersion == rv1)

            let dup = await Self.code { _ = try await client.createObject(.deployments, KubeDemoCluster.deployment("web", namespace: "apps")) }
            #expect(dup?.code == .alreadyExists)
            #expect(dup?.description.contains("deployments.apps \"web\" already exists") == true)

            // A whole-object PUT with the fresh resourceVersion: spec changes bump generation; status is ignored.
            var json = try await client.getObject(.deployments, name: "web", namespace: "apps")
            json[path: "spec.replicas"] = 4
            json[path: "status.replicas"] = 99
            json[path: "metadata.annotations"] = ["note": "kept"]
            await server.api.setDeploymentsBecomeReady(false)
            let updated = try await client.replaceObject(.deployments, json)
            #expect(updated[path: "spec.replicas"]?.int == 4)
            #expect(updated[path: "status.replicas"]?.int == 1, "the main resource ignores status")
            #expect(updated[path: "metadata.generation"]?.int == 2)
            #expect(updated[path: "metadata.annotations.note"]?.string == "kept")
            #expect(updated[path: "metadata.resourceVersion"]?.string != rv1)
            #expect(updated[path: "spec.template.spec.containers"]?.array?.count == 1, "unmodelled fields survive")

            // The same PUT again carries the now stale resourceVersion.
            let stale = await Self.code { _ = try await client.replaceObject(.deployments, json) }
            #expect(stale?.code == .conflict)
            #expect(stale?.description.contains("the object has been modified") == true)

            // Typed update with a stale resourceVersion, too.
            d.spec?.replicas = 2
            #expect(await Self.code { _ = try await client.update(d) }?.code == .conflict)

            try await client.deleteObject(.deployments, name: "web", namespace: "apps")
            let gone = await Self.code { _ = try await client.get(Deployment.self, name: "web", namespace: "apps") }
            #expect(gone?.code == .notFound)
            #expect(gone?.description == "get deployments.apps apps/web: 404 Not Found: deployments.apps \"web\" not found")
        }
    }

    @Test func errorMapping() async throws {
        try await withFakeKubernetes(seed: KubeDemoCluster.seed) { server, client in
            let ns = KubeDemoCluster.namespace
            await server.api.inject(.init(methods: ["GET"], resource: .deployments, name: "vllme-deployment", status: 403, remaining: 1))
            let forbidden = await Self.code { _ = try await client.get(Deployment.self, name: "vllme-deployment", namespace: ns) }
            #expect(forbidden?.code == .forbidden)
            #expect(forbidden?.status == 403)
            #expect(forbidden?.description.contains("cannot get resource \"deployments\" in API group \"apps\"") == true)

            // 422 with causes: a VariantAutoscaling without modelID.
            var va = KubeDemoCluster.variant("broken")
            va["spec"]?["modelID"] = nil
            let invalid = await Self.code { _ = try await client.createObject(.variantAutoscalings, va) }
            #expect(invalid?.code == .invalid(causes: ["spec.modelID: Required value"]))
            #expect(invalid?.description.contains("422 Invalid (spec.modelID: Required value)") == true)

            // 401 when the token is wrong.
            await server.api.requireToken("another-token")
            #expect(await Self.code { _ = try await client.list(KubeNode.self) }?.code == .unauthorized)
            await server.api.requireToken("test-token")
            let nodes = try await client.list(KubeNode.self).items
            #expect(nodes.count == 3)

            // 5xx: retried with backoff, then successful.
            await server.api.clearRequests()
            await server.api.inject(.init(methods: ["GET"], resource: .nodes, status: 503, remaining: 2))
            let afterRetries = try await client.list(KubeNode.self).items
            #expect(afterRetries.count == 3)
            #expect(await server.api.requests.count == 3)
            // 5xx that persists: the bounded retries give up with the server's error.
            await server.api.inject(.init(methods: ["GET"], resource: .nodes, status: 500))
            let down = await Self.code { _ = try await client.list(KubeNode.self) }
            #expect(down?.code == .server(status: 500))
            #expect(down?.description.hasPrefix("list nodes (cluster): 500 server error") == true)
        }
        // No server: a transport error, after the retries.
        let closed = try await FakeKubernetesServer.start()
        let client = try closed.client()
        await closed.shutdown()
        let refused = await Self.code { _ = try await client.list(KubeNode.self) }
        #expect(refused?.code == .transport)
        try await client.shutdown()
    }

    @Test func mergePatchAndStatusSeparation() async throws {
        try await withFakeKubernetes(seed: KubeDemoCluster.seed) { server, client in
            let ns = KubeDemoCluster.namespace
            let before = try #require(await server.api.object(.variantAutoscalings, namespace: ns, name: "vllme-deployment"))
            // RFC 7386: null deletes, objects merge, arrays replace.
            let patched = try await client.mergePatch(.variantAutoscalings, name: "vllme-deployment", namespace: ns, patch: [
                "metadata": ["labels": ["team": "a", "inference.optimization/acceleratorName": "G2"]],
                "spec": ["sloClassRef": nil, "modelProfile": ["accelerators": [["acc": "G2", "maxBatchSize": 8, "alpha": 1, "beta": 2]]]],
                "status": ["actuation": ["applied": true]],
            ])
            #expect(patched[path: "metadata.labels"]?["team"] == "a")
            #expect(patched[path: "metadata.labels"]?["inference.optimization/acceleratorName"] == "G2")
            #expect(patched[path: "spec.sloClassRef"] == nil)
            #expect(patched[path: "spec.modelProfile.accelerators"]?.array?.count == 1)
            #expect(patched["status"] == before["status"], "a patch of the object leaves status alone")
            #expect(patched[path: "metadata.generation"]?.int == 2)

            // Status subresource: status changes, spec and generation do not.
            var status = try await client.getObject(.variantAutoscalings, name: "vllme-deployment", namespace: ns, subresource: "status")
            status[path: "spec.modelID"] = "hijacked"
            status["status"] = ["actuation": ["applied": true]]
            let written = try await client.replaceObject(.variantAutoscalings, status, subresource: "status")
            #expect(written[path: "status.actuation.applied"] == true)
            #expect(written[path: "spec.modelID"] == "default/default")
            #expect(written[path: "metadata.generation"]?.int == 2)

            let viaPatch = try await client.mergePatch(VariantAutoscaling.self, name: "vllme-deployment", namespace: ns,
                                                       patch: ["status": ["actuation": ["applied": false]], "spec": ["modelID": "x"]],
                                                       subresource: "status")
            #expect(viaPatch.status?.actuation?.applied == false)
            #expect(viaPatch.spec.modelID == "default/default")

            // A patch carrying a stale resourceVersion is refused.
            let stale = await Self.code {
                _ = try await client.mergePatch(.variantAutoscalings, name: "vllme-deployment", namespace: ns,
                                                patch: ["metadata": ["resourceVersion": "1"], "spec": ["modelID": "y"]])
            }
            #expect(stale?.code == .conflict)

            // Custom resources need a resourceVersion on PUT.
            var noVersion = try await client.getObject(.variantAutoscalings, name: "vllme-deployment", namespace: ns)
            noVersion[path: "metadata.resourceVersion"] = nil
            #expect(await Self.code { _ = try await client.replaceObject(.variantAutoscalings, noVersion) }?.code
                    == .invalid(causes: ["metadata.resourceVersion: must be specified for an update"]))

            // Unknown media type for PATCH.
            let json = await Self.code {
                _ = try await client.send(.PATCH, KubeResource.variantAutoscalings.path(namespace: ns, name: "vllme-deployment"),
                                          body: ["spec": ["modelID": "z"]], contentType: "application/strategic-merge-patch+json",
                                          operation: "patch")
            }
            #expect(json?.code == .rejected(status: 415))
        }
    }

    @Test func scaleSubresource() async throws {
        try await withFakeKubernetes(seed: KubeDemoCluster.seed) { server, client in
            let ns = KubeDemoCluster.namespace
            var scale = try await client.getScale(name: "vllme-deployment", namespace: ns)
            #expect(scale.spec?.replicas == 1)
            #expect(scale.status?.selector == "app=vllme-deployment")
            #expect(scale.apiVersion == "autoscaling/v1" && scale.kind == "Scale")
            let staleCopy = scale
            scale.spec?.replicas = 3
            let updated = try await client.updateScale(scale)
            #expect(updated.spec?.replicas == 3)
            let d = try #require(await server.api.object(.deployments, namespace: ns, name: "vllme-deployment"))
            #expect(d[path: "spec.replicas"]?.int == 3)
            #expect(d[path: "metadata.generation"]?.int == 2)
            #expect(d[path: "spec.template.spec.containers"]?.array?.count == 1)
            // The Scale's resourceVersion is the Deployment's: a stale one conflicts.
            #expect(await Self.code { _ = try await client.updateScale(staleCopy) }?.code == .conflict)
            // Negative replicas fail validation.
            var negative = try await client.getScale(name: "vllme-deployment", namespace: ns)
            negative.spec?.replicas = -1
            #expect(await Self.code { _ = try await client.updateScale(negative) }?.code
                    == .invalid(causes: ["spec.replicas: must be greater than or equal to 0"]))
            #expect(await Self.code { _ = try await client.getScale(name: "absent", namespace: ns) }?.code == .notFound)
        }
    }

    /// HTTPS with a client certificate: the CA from the kubeconfig verifies the server, the server verifies the client.
    @Test func tlsClientCertificateAndCA() async throws {
        let pki = try KubeTestPKI()
        defer { pki.remove() }
        let api = FakeKubernetesAPI()
        await KubeDemoCluster.seed(api)
        let server = try await KubeTLSServer(api: api, pki: pki)
        let base = KubeConnection(server: "https://127.0.0.1:\(server.port)", origin: "test")
        func nodes(_ connection: KubeConnection) async throws -> Int {
            let client = try KubernetesClient(connection: connection, requestTimeout: .seconds(5), connectTimeout: .seconds(2),
                                              retry: .none)
            defer { Task { try? await client.shutdown() } }
            return try await client.list(KubeNode.self).items.count
        }
        var mutual = base
        mutual.certificateAuthority = try pki.pem("ca.crt")
        mutual.clientCertificate = try pki.pem("client.crt")
        mutual.clientKey = try pki.pem("client.key")
        #expect(try await nodes(mutual) == 3)

        // Without the client certificate the server ends the handshake.
        var anonymous = base
        anonymous.certificateAuthority = try pki.pem("ca.crt")
        let refused = await Self.code { _ = try await nodes(anonymous) }
        #expect(refused?.code == .transport)
        // Without the CA the client does not trust the server.
        var unverified = mutual
        unverified.certificateAuthority = nil
        #expect(await Self.code { _ = try await nodes(unverified) }?.code == .transport)
        // insecure-skip-tls-verify: no server verification, the client certificate still presented.
        unverified.insecureSkipTLSVerify = true
        #expect(try await nodes(unverified) == 3)
        await server.shutdown()
    }

    @Test func labelSelectors() async throws {
        try await withFakeKubernetes { server, client in
            for (name, labels) in [("a", ["app": "web", "tier": "x"]), ("b", ["app": "db", "tier": "y"]), ("c", [:])] {
                var d = KubeDemoCluster.deployment(name, namespace: "sel")
                d[path: "metadata.labels"] = .object(labels.mapValues(JSONValue.string))
                await server.api.seed(.deployments, d)
            }
            await server.api.seed(.deployments, KubeDemoCluster.deployment("elsewhere", namespace: "other"))
            func names(_ selector: String?, namespace: String? = "sel") async throws -> [String] {
                try await client.list(Deployment.self, namespace: namespace, labelSelector: selector).items.map(\.metadata.name)
            }
            #expect(try await names(nil) == ["a", "b", "c"])
            #expect(try await names("app=web") == ["a"])
            #expect(try await names("app==db") == ["b"])
            #expect(try await names("app!=web") == ["b", "c"])
            #expect(try await names("app") == ["a", "b"])
            #expect(try await names("!app") == ["c"])
            #expect(try await names("app,tier=y") == ["b"])
            #expect(try await names("tier in (x,y)") == ["a", "b"])
            #expect(try await names(nil, namespace: nil) == ["elsewhere", "a", "b", "c"], "all namespaces, by namespace then name")
            let list = try await client.list(Deployment.self, namespace: "sel")
            #expect(list.metadata?.resourceVersion != nil)
        }
    }

    @Test func retryOnConflictRereadsAndSucceeds() async throws {
        try await withFakeKubernetes(seed: KubeDemoCluster.seed) { server, client in
            let ns = KubeDemoCluster.namespace
            await server.api.inject(.init(methods: ["PUT"], resource: .variantAutoscalings, name: "vllme-deployment",
                                          subresource: "status", status: 409, remaining: 2))
            let reads = KubeCounter()
            try await client.retryOnConflict {
                await reads.increment()
                var va = try await client.getObject(.variantAutoscalings, name: "vllme-deployment", namespace: ns)
                va["status"] = ["actuation": ["applied": true]]
                _ = try await client.replaceObject(.variantAutoscalings, va, subresource: "status")
            }
            #expect(await reads.value == 3, "two conflicts, three fresh reads")
            #expect(await server.api.object(.variantAutoscalings, namespace: ns, name: "vllme-deployment")?[path: "status.actuation.applied"] == true)

            // Bounded: conflicts beyond the attempts surface.
            await server.api.inject(.init(methods: ["PUT"], resource: .variantAutoscalings, status: 409))
            let error = await Self.code {
                try await client.retryOnConflict(attempts: 3) {
                    let va = try await client.getObject(.variantAutoscalings, name: "vllme-deployment", namespace: ns)
                    _ = try await client.replaceObject(.variantAutoscalings, va, subresource: "status")
                }
            }
            #expect(error?.code == .conflict)
            // Other errors are not retried.
            await server.api.clearFaults()
            await server.api.inject(.init(methods: ["GET"], resource: .variantAutoscalings, status: 403))
            let before = await reads.value
            let forbidden = await Self.code {
                try await client.retryOnConflict {
                    await reads.increment()
                    _ = try await client.getObject(.variantAutoscalings, name: "vllme-deployment", namespace: ns)
                }
            }
            #expect(forbidden?.code == .forbidden)
            let after = await reads.value
            #expect(after == before + 1)
        }
    }
}

actor KubeCounter {
    private(set) var value = 0
    func increment() { value += 1 }
}
