import Foundation
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
@testable import InfernoSimulation
import InfernoTestSupport

/// The fake API server checked by a client nobody here wrote: kubectl, pointed at it with a generated kubeconfig.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/kubectl"),
                "kubectl is not installed at /usr/bin/kubectl: the fake API server is not checked against it"))
struct KubeKubectlTests {
    static let kubectl = "/usr/bin/kubectl"

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs kubectl with `HOME` in a temp directory (its discovery cache goes there), killing it after `timeout`.
    static func run(_ arguments: [String], kubeconfig: String, home: String, timeout: Double = 60) async throws -> Run {
        let finished = try await ChildProcess.run(kubectl, ["--kubeconfig", kubeconfig] + arguments,
                                                  environment: ["HOME": home, "PATH": "/usr/bin:/bin", "KUBECONFIG": kubeconfig],
                                                  timeout: timeout)
        return Run(status: finished.status, stdout: finished.stdout, stderr: finished.stderr)
    }

    static func tempHome() throws -> String {
        let dir = NSTemporaryDirectory() + "kubectl-home-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The demo with a status, so every printer column has a value.
    static func seed(_ api: FakeKubernetesAPI) async {
        await KubeDemoCluster.seed(api)
        var va = KubeDemoCluster.variant()
        va["status"] = [
            "currentAlloc": ["accelerator": "A100", "numReplicas": 1, "maxBatch": 4, "variantCost": "40.00",
                             "itlAverage": "0.00", "ttftAverage": "0.00",
                             "load": ["arrivalRate": "0.00", "avgInputTokens": "0.00", "avgOutputTokens": "0.00"]],
            "desiredOptimizedAlloc": ["accelerator": "A100", "numReplicas": 1, "lastRunTime": "2025-08-06T23:31:26Z"],
            "conditions": [["type": "MetricsAvailable", "status": "True", "reason": "MetricsFound", "message": "",
                            "lastTransitionTime": "2025-08-06T23:31:26Z"]],
        ]
        await api.seed(.variantAutoscalings, va)
    }

    @Test func getScaleAndPatchStatus() async throws {
        try await withFakeKubernetes(seed: Self.seed) { server, _ in
            let home = try Self.tempHome()
            let kubeconfig = home + "/kubeconfig"
            try server.writeKubeconfig(to: kubeconfig)
            let ns = KubeDemoCluster.namespace

            // kubectl get va: the CRD's printer columns.
            await server.api.clearRequests()
            let get = try await Self.run(["get", "va", "-n", ns], kubeconfig: kubeconfig, home: home)
            #expect(get.status == 0, "stderr: \(get.stderr)")
            let lines = get.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            #expect(lines.first == ["NAME", "MODEL", "ACCELERATOR", "CURRENTREPLICAS", "OPTIMIZED", "METRICSREADY", "AGE"],
                    "got:\n\(get.stdout)\n\(get.stderr)")
            #expect(Array(lines.dropFirst().first?.prefix(6) ?? []) == ["vllme-deployment", "default/default", "A100", "1", "1", "True"])
            print("kubectl get va -n \(ns):\n\(get.stdout)")
            print("kubectl requests:\n" + zip(await server.api.requests, await server.api.acceptHeaders)
                .map { "  \($0.0)  [Accept: \($0.1)]" }.joined(separator: "\n"))

            // The README's spelling too.
            let full = try await Self.run(["get", "variantautoscalings.llmd.ai", "-n", ns], kubeconfig: kubeconfig, home: home)
            #expect(full.status == 0 && full.stdout.contains("CURRENTREPLICAS"), "stderr: \(full.stderr)")

            // kubectl scale: through the scale subresource.
            await server.api.clearRequests()
            let scale = try await Self.run(["scale", "deployment/vllme-deployment", "--replicas=3", "-n", ns],
                                           kubeconfig: kubeconfig, home: home)
            #expect(scale.status == 0, "stderr: \(scale.stderr)")
            #expect(scale.stdout.contains("deployment.apps/vllme-deployment scaled"))
            #expect(await server.api.object(.deployments, namespace: ns, name: "vllme-deployment")?[path: "spec.replicas"]?.int == 3)
            let scaleRequests = await server.api.requests.filter { $0.contains("/deployments/vllme-deployment/scale") }
            #expect(!scaleRequests.isEmpty)
            print("kubectl scale requests:\n" + (await server.api.requests).map { "  \($0)" }.joined(separator: "\n"))

            // kubectl patch --subresource=status: stored, spec untouched.
            await server.api.clearRequests()
            let patch = try await Self.run(["patch", "va", "vllme-deployment", "-n", ns, "--subresource=status", "--type=merge",
                                            "-p", #"{"status":{"actuation":{"applied":true},"desiredOptimizedAlloc":{"numReplicas":3}}}"#],
                                           kubeconfig: kubeconfig, home: home)
            #expect(patch.status == 0, "stderr: \(patch.stderr)")
            #expect(patch.stdout.contains("variantautoscaling.llmd.ai/vllme-deployment patched"))
            let va = await server.api.object(.variantAutoscalings, namespace: ns, name: "vllme-deployment")
            #expect(va?[path: "status.actuation.applied"] == true)
            #expect(va?[path: "status.desiredOptimizedAlloc.numReplicas"]?.int == 3)
            #expect(va?[path: "status.desiredOptimizedAlloc.accelerator"] == "A100")
            #expect(va?[path: "spec.modelID"] == "default/default")
            print("kubectl patch requests:\n" + (await server.api.requests).map { "  \($0)" }.joined(separator: "\n"))

            // The columns follow: OPTIMIZED now 3.
            let after = try await Self.run(["get", "va", "-n", ns], kubeconfig: kubeconfig, home: home)
            #expect(after.stdout.split(separator: "\n").dropFirst().first?.split(separator: " ").map(String.init).prefix(5).last == "3")
        }
    }
}
