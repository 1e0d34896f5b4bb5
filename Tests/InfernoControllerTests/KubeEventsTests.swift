import Foundation
import Testing
@testable import InfernoControl
@testable import InfernoKubernetes
import InfernoTestSupport

/// Events on VariantAutoscalings: the correlator against client-go's documented rules (counted repeats, a
/// 25-token bucket refilled every 5 minutes, similar messages combined after 10), and the Events as kubectl —
/// a client nobody here wrote — shows them under `kubectl describe va`.
struct KubeEventsTests {
    static let id = VariantID(namespace: KubeDemoCluster.namespace, name: "vllme-deployment")

    static func event(_ reason: String = "ScaledUp", _ message: String = "scaled from 1 to 2") -> VariantEvent {
        VariantEvent(variant: id, type: .normal, reason: reason, message: message)
    }

    @Test func repeatsAreCountedNotCreated() {
        var c = EventCorrelator()
        guard case .create(let name, _) = c.correlate(Self.event(), at: 100) else { Issue.record("first is not a create"); return }
        #expect(name.hasPrefix("vllme-deployment."))
        #expect(c.correlate(Self.event(), at: 160) == .repeated(name: name, count: 2, firstTimestamp: 100, message: "scaled from 1 to 2"))
        #expect(c.correlate(Self.event(), at: 220) == .repeated(name: name, count: 3, firstTimestamp: 100, message: "scaled from 1 to 2"))
        // Another reason is another Event.
        guard case .create(let other, _) = c.correlate(Self.event("ScaledDown"), at: 230) else { Issue.record("not a create"); return }
        #expect(other != name)
    }

    @Test func aBurstOf25ThenOneEveryFiveMinutes() {
        var c = EventCorrelator()
        let written = (0..<40).filter { c.correlate(Self.event("R\($0 % 3)"), at: 0) != .dropped }.count
        #expect(written == 25)
        #expect(c.correlate(Self.event(), at: 299) == .dropped)
        #expect(c.correlate(Self.event(), at: 301) != .dropped)
        #expect(c.correlate(Self.event(), at: 302) == .dropped)
        // Another object has its own bucket.
        let elsewhere = VariantEvent(variant: VariantID(namespace: "x", name: "y"), type: .normal, reason: "R", message: "m")
        #expect(c.correlate(elsewhere, at: 301) != .dropped)
    }

    @Test func similarMessagesAreCombinedAfterTen() {
        var c = EventCorrelator()
        var writes: [EventCorrelator.Write] = []
        for i in 0..<12 { writes.append(c.correlate(Self.event("ScaledUp", "scaled to \(i)"), at: Double(i))) }
        #expect(writes.prefix(9).allSatisfy { if case .create = $0 { true } else { false } })
        guard case .create(let combined, let message) = writes[9] else { Issue.record("10th: \(writes[9])"); return }
        #expect(message == "(combined from similar events): scaled to 9")
        #expect(writes[10] == .repeated(name: combined, count: 2, firstTimestamp: 9, message: "(combined from similar events): scaled to 10"))
    }

    @Test func decisionsBecomeEvents() {
        let v = VariantObservation(id: Self.id, modelID: "m", accelerator: "A100", profiles: [], minReplicas: 1,
                                   scaleTarget: "vllme-deployment", currentReplicas: 1)
        let load = LoadObservation.available(VariantLoad(arrivalRatePerMinute: 60, meanInputTokens: 100, meanOutputTokens: 100))
        let up = VariantDecision(variant: v, load: load, action: .scale, current: 1, desired: 3, optimized: 3,
                                 accelerator: "A100", reason: "optimized", fullyServed: false)
        let scaled = VariantEvent.events(for: up, outcome: .scaled(from: 1, to: 3)).map { "\($0.type.rawValue) \($0.reason)" }
        #expect(scaled == ["Warning CapacityShortfall", "Normal ScaledUp"])
        #expect(VariantEvent.events(for: up, outcome: .failed(.getScale, "forbidden")).map(\.reason) == ["CapacityShortfall", "FailedGetScale"])
        #expect(VariantEvent.events(for: up, outcome: .observed).map(\.reason) == ["CapacityShortfall", "ScaleSkipped"])
        var held = up
        held.action = .hold("no load metrics")
        held.load = .missing("no series")
        held.desired = 1
        #expect(VariantEvent.events(for: held, outcome: .unchanged).map(\.reason) == ["MetricsMissing"])
        var steady = up
        steady.desired = 1
        steady.fullyServed = true
        #expect(VariantEvent.events(for: steady, outcome: .unchanged).isEmpty)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: KubeKubectlTests.kubectl), "kubectl is not installed"))
    func kubectlDescribeShowsTheAggregatedEvents() async throws {
        try await withFakeKubernetes(seed: KubeKubectlTests.seed) { server, client in
            let uid = try #require(await server.api.object(.variantAutoscalings, namespace: Self.id.namespace, name: Self.id.name)?[path: "metadata.uid"]?.string)
            let recorder = KubernetesEventRecorder(client: client, instance: "test")
            await recorder.remember(uid: uid, for: Self.id)
            let now = Date().timeIntervalSince1970
            for t in [now - 240, now - 120, now] { await recorder.record([Self.event()], at: t) }
            await recorder.record([VariantEvent(variant: Self.id, type: .warning, reason: "MetricsMissing", message: "no series for the model")],
                                  at: now)
            let stored = await server.api.objects.filter { $0.key.resource == "events" }
            #expect(stored.count == 2, "one Event per distinct event, repeats counted: \(stored.keys)")

            let home = try KubeKubectlTests.tempHome()
            let kubeconfig = home + "/kubeconfig"
            try server.writeKubeconfig(to: kubeconfig)
            let describe = try await KubeKubectlTests.run(["describe", "va", Self.id.name, "-n", Self.id.namespace],
                                                          kubeconfig: kubeconfig, home: home)
            #expect(describe.status == 0, "stderr: \(describe.stderr)")
            let events = describe.stdout.components(separatedBy: "Events:").last ?? ""
            print("kubectl describe va (events):\n\(events)")
            let scaled = events.split(separator: "\n").first { $0.contains("ScaledUp") }.map(String.init) ?? ""
            #expect(scaled.contains("Normal") && scaled.contains("(x3 over") && scaled.contains("inferno-controller")
                    && scaled.contains("scaled from 1 to 2"), "got:\n\(describe.stdout)")
            #expect(events.contains("Warning") && events.contains("MetricsMissing") && events.contains("no series for the model"))
        }
    }
}
