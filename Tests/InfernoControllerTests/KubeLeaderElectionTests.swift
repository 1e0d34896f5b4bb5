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

/// Two electors on one Lease in the fake API server, with a hand-driven clock.
@Suite struct KubeLeaderElectionTests {
    final class ManualClock: @unchecked Sendable {
        private let lock = NSLock()
        private var current = Date(timeIntervalSince1970: 1_750_000_000)
        var now: Date { lock.withLock { current } }
        func advance(_ seconds: Double) { lock.withLock { current += seconds } }
    }

    static func elector(_ client: KubernetesClient, _ identity: String, _ clock: ManualClock) -> LeaderElector {
        LeaderElector(client: client, configuration: .init(namespace: "inferno-system", name: "inferno-controller-leader",
                                                           identity: identity, leaseDuration: .seconds(15)),
                      clock: { clock.now })
    }

    @Test func oneLeaderAtATimeAndTakeoverAfterExpiry() async throws {
        try await withFakeKubernetes { server, client in
            let clock = ManualClock()
            let a = Self.elector(client, "pod-a", clock)
            let b = Self.elector(client, "pod-b", clock)
            func lease() async -> JSONValue? { await server.api.object(.leases, namespace: "inferno-system", name: "inferno-controller-leader") }

            #expect(await a.tryAcquireOrRenew())
            #expect(await lease()?[path: "spec.holderIdentity"] == "pod-a")
            #expect(await lease()?[path: "spec.leaseDurationSeconds"] == 15)
            #expect(await lease()?[path: "spec.leaseTransitions"] == 0)
            #expect(!(await b.tryAcquireOrRenew()))

            // a renews within the duration: b keeps waiting, measuring from the renewal it saw.
            clock.advance(10)
            #expect(await a.tryAcquireOrRenew())
            #expect(!(await b.tryAcquireOrRenew()))
            clock.advance(10)
            #expect(!(await b.tryAcquireOrRenew()), "10 s since b saw a's last renewal: not expired")

            // a stops renewing (crashed): 15 s after b last saw a change, b takes over.
            clock.advance(6)
            #expect(await b.tryAcquireOrRenew())
            #expect(await lease()?[path: "spec.holderIdentity"] == "pod-b")
            #expect(await lease()?[path: "spec.leaseTransitions"] == 1)
            #expect(!(await a.tryAcquireOrRenew()), "a comes back and finds b leading")
            #expect(!(await a.isLeader))

            // b shuts down and releases: a need not wait for expiry.
            await b.release()
            #expect(await lease()?[path: "spec.holderIdentity"] == nil)
            #expect(!(await b.isLeader))
            #expect(await a.tryAcquireOrRenew())
            #expect(await lease()?[path: "spec.holderIdentity"] == "pod-a")
            #expect(await lease()?[path: "spec.leaseTransitions"] == 2)
        }
    }

    @Test func simultaneousCandidatesElectExactlyOne() async throws {
        try await withFakeKubernetes { _, client in
            let clock = ManualClock()
            for round in 0..<5 {
                // A free lease (create race), then an expired one (update race on the same resourceVersion).
                let a = Self.elector(client, "a\(round)", clock)
                let b = Self.elector(client, "b\(round)", clock)
                async let x = a.tryAcquireOrRenew()
                async let y = b.tryAcquireOrRenew()
                let (wonA, wonB) = await (x, y)
                #expect(wonA != wonB, "round \(round): exactly one leader, got \(wonA) and \(wonB)")
                clock.advance(100)
                // Two newcomers see the lease held; the holder then lapses, and both find it expired at once.
                let c = Self.elector(client, "c\(round)", clock)
                let d = Self.elector(client, "d\(round)", clock)
                _ = await c.tryAcquireOrRenew()
                _ = await d.tryAcquireOrRenew()
                clock.advance(16)
                async let p = c.tryAcquireOrRenew()
                async let q = d.tryAcquireOrRenew()
                let (wonC, wonD) = await (p, q)
                #expect(wonC != wonD, "round \(round): exactly one takes over, got \(wonC) and \(wonD)")
                try await client.deleteObject(.leases, name: "inferno-controller-leader", namespace: "inferno-system")
            }
        }
    }
}
