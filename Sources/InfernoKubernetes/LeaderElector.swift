import Foundation
import InfernoControl
import Logging

/// Leader election on a `coordination.k8s.io/v1` Lease, as client-go does it: the holder renews the lease every
/// `retryPeriod`; a candidate takes it over only after it has seen the same lease record, unrenewed, for
/// `leaseDuration` by its own clock (so clock skew between pods does not matter). Every write is conditional on
/// the lease's resourceVersion, so two candidates cannot both win.
package actor LeaderElector {
    package struct Configuration: Sendable {
        package var namespace: String
        package var name: String
        /// This candidate (pod name, by convention).
        package var identity: String
        package var leaseDuration: Duration = .seconds(15)
        /// A leader that could not renew for this long steps down.
        package var renewDeadline: Duration = .seconds(10)
        package var retryPeriod: Duration = .seconds(2)

        package init(namespace: String, name: String, identity: String, leaseDuration: Duration = .seconds(15),
                     renewDeadline: Duration = .seconds(10), retryPeriod: Duration = .seconds(2)) {
            self.namespace = namespace
            self.name = name
            self.identity = identity
            self.leaseDuration = leaseDuration
            self.renewDeadline = renewDeadline
            self.retryPeriod = retryPeriod
        }
    }

    package let configuration: Configuration
    private let client: KubernetesClient
    private let clock: @Sendable () -> Date
    private let logger: Logger
    package private(set) var isLeader = false
    /// The last lease record seen and when (local clock): expiry is measured from there.
    private var observed: (record: Lease.Spec, at: Date)?
    private var lastRenewal: Date?

    package init(client: KubernetesClient, configuration: Configuration, clock: @escaping @Sendable () -> Date = { Date() },
         logger: Logger = Logger(label: "inferno.leader-election")) {
        self.client = client
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    /// One round: acquire the lease if it is free or expired, renew it if held. Returns whether this candidate
    /// leads now.
    @discardableResult
    package func tryAcquireOrRenew() async -> Bool {
        let now = clock()
        let c = configuration
        let seconds = Int(c.leaseDuration.components.seconds)
        let nowText = KubeTime.microString(now)
        do {
            let lease: Lease
            do {
                lease = try await client.get(Lease.self, name: c.name, namespace: c.namespace)
            } catch let error as KubernetesError where error.code == .notFound {
                let fresh = Lease(metadata: ObjectMeta(name: c.name, namespace: c.namespace),
                                  spec: Lease.Spec(holderIdentity: c.identity, leaseDurationSeconds: seconds,
                                                   acquireTime: nowText, renewTime: nowText, leaseTransitions: 0))
                let created = try await client.create(fresh)
                return became(true, record: created.spec ?? Lease.Spec(), at: now)
            }
            let record = lease.spec ?? Lease.Spec()
            if observed?.record != record { observed = (record, now) }
            let holder = record.holderIdentity ?? ""
            let held = !holder.isEmpty && holder != c.identity
            let duration = Double(record.leaseDurationSeconds ?? seconds)
            if held, let seen = observed?.at, now.timeIntervalSince(seen) < duration {
                return became(false, record: nil, at: now)
            }
            var updated = lease
            var spec = record
            if holder == c.identity {
                spec.renewTime = nowText
            } else {
                spec.holderIdentity = c.identity
                spec.acquireTime = nowText
                spec.renewTime = nowText
                spec.leaseTransitions = (record.leaseTransitions ?? 0) + 1   // as client-go: any change of holder
                if held { logger.info("taking over an expired lease", metadata: ["from": "\(holder)", "lease": "\(c.namespace)/\(c.name)"]) }
            }
            spec.leaseDurationSeconds = seconds
            updated.spec = spec
            let written = try await client.update(updated)
            return became(true, record: written.spec ?? spec, at: now)
        } catch let error as KubernetesError where error.code == .conflict || error.code == .alreadyExists {
            // Another candidate wrote first; its record is read next round.
            return became(false, record: nil, at: now)
        } catch {
            logger.warning("leader election round failed", metadata: ["error": "\(error)"])
            if isLeader, let last = lastRenewal, now.timeIntervalSince(last) < Self.seconds(configuration.renewDeadline) {
                return true   // still within the renew deadline
            }
            return became(false, record: nil, at: now)
        }
    }

    private func became(_ leading: Bool, record: Lease.Spec?, at now: Date) -> Bool {
        if let record { observed = (record, now) }
        if leading { lastRenewal = now }
        if leading != isLeader {
            logger.info(leading ? "became leader" : "lost leadership", metadata: [
                "identity": "\(configuration.identity)", "lease": "\(configuration.namespace)/\(configuration.name)",
            ])
        }
        isLeader = leading
        return leading
    }

    /// Gives the lease up if held (on shutdown), so a successor need not wait for it to expire.
    package func release() async {
        guard isLeader else { return }
        let c = configuration
        do {
            try await client.retryOnConflict { [client] in
                var lease = try await client.get(Lease.self, name: c.name, namespace: c.namespace)
                guard lease.spec?.holderIdentity == c.identity else { return }
                lease.spec?.holderIdentity = nil
                lease.spec?.leaseDurationSeconds = 1
                _ = try await client.update(lease)
            }
            logger.info("released the lease", metadata: ["lease": "\(c.namespace)/\(c.name)"])
        } catch {
            logger.warning("cannot release the lease", metadata: ["error": "\(error)"])
        }
        isLeader = false
        lastRenewal = nil
    }

    /// Acquires and renews every `retryPeriod` until the task is cancelled, calling `onChange` when leadership
    /// is gained or lost; releases the lease on the way out.
    package func run(onChange: @escaping @Sendable (Bool) async -> Void) async {
        var leading = false
        while !Task.isCancelled {
            let now = await tryAcquireOrRenew()
            if now != leading {
                leading = now
                await onChange(now)
            }
            try? await Task.sleep(for: configuration.retryPeriod)
        }
        // This task is cancelled now, and so would be every request made from it: release from a task of its own.
        await Task { await self.release() }.value
        if leading { await onChange(false) }
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
