import Foundation
@testable import InfernoControl
@testable import InfernoKubernetes
import InfernoMIP
import InfernoTestSupport
import Testing

/// The profile estimate through the Kubernetes API (the fake server, which validates status writes): written to
/// `status.profileEstimate` every cycle, read back by a controller that starts later.
@Suite struct KubeTuningStatusTests {
    static let id = KubeClusterCycleTests.demoID

    @Test func theEstimateIsWrittenToTheStatusAndResumedFromIt() async throws {
        let logs = KubeLogCapture()
        try await withFakeKubernetes(seed: KubeDemoCluster.seed) { server, client in
            let load = StubLoadSource(fallback: StubLoadSource.twoReplicas)
            let first = KubeClusterCycleTests.reconciler(client, load: load, logs: logs, tuning: ProfileTuning())
            let report = await first.cycle(at: Date().timeIntervalSince1970)
            let written = try #require(report.decisions.first?.tuning)
            var va = await server.api.object(.variantAutoscalings, namespace: Self.id.namespace, name: Self.id.name)
            #expect(va?[path: "status.profileEstimate.kind"] == "seed")
            #expect(va?[path: "status.profileEstimate.accelerator"] == "A100")
            #expect(va?[path: "status.profileEstimate.prior.alpha"]?.double == written.estimate.prior.coefficients[0])
            #expect(!logs.text.contains("cannot record status"))

            // A controller that ran before left an estimate 1.3 times the configured profile after 7 windows.
            var saved = written
            saved.estimate.logCoefficients = saved.estimate.logCoefficients.map { $0 + log(1.3) }
            saved.estimate.updates = 7
            va?[path: "status.\(TuningStatusJSON.field)"] = TuningStatusJSON.json(saved)
            _ = await server.api.seed(.variantAutoscalings, va!)
            let second = KubeClusterCycleTests.reconciler(client, load: load, logs: logs, tuning: ProfileTuning())
            let resumed = try #require(await second.cycle(at: Date().timeIntervalSince1970).decisions.first?.tuning)
            #expect(resumed.estimate.updates >= 7, "\(resumed.lastOutcome)")
            #expect(abs(resumed.estimate.coefficients[0] / (written.estimate.coefficients[0] * 1.3) - 1) < 0.3)
        }
    }
}
