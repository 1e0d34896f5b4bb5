import Foundation
import Logging

/// Drives the reconciler on wall-clock time: a cycle every interval, and at once when the set of
/// VariantAutoscalings changes (polled cheaply every few seconds). An error never turns into a faster requeue: a
/// failed cycle is retried at the next interval (upstream's exponential requeue is one of its bugs). With leader
/// election, only the leader runs cycles. Ends on SIGTERM or SIGINT.
struct ControlLoop {
    let reconciler: Reconciler
    let source: KubernetesClusterSource
    let elector: LeaderElector?
    let metrics: ControllerMetrics
    let intervalSeconds: Double
    let logger: Logger
    /// How often the set of variants is checked between cycles.
    var pollSeconds: Double = 5

    func run() async throws {
        let stop = StopSignal()
        stop.install()
        var lastCycle: Double = -.infinity
        var known: Set<VariantID>?
        while !stop.requested, !Task.isCancelled {
            let now = Date().timeIntervalSince1970
            var due = now - lastCycle >= intervalSeconds
            if !due, let previous = known, let ids = try? await source.variantIDs(), ids != previous {
                logger.info("variants changed: immediate cycle", metadata: ["variants": "\(ids.count)"])
                due = true
            }
            if due {
                if let elector, !(await elector.isLeader) {
                    logger.debug("not the leader: skipping the cycle")
                } else {
                    let report = await reconciler.cycle(at: now)
                    metrics.recordCycle(seconds: report.seconds, endedAt: Date().timeIntervalSince1970, failed: report.failed,
                                        solver: report.solverDiagnostics)
                    known = Set(report.decisions.map(\.variant.id))
                }
                lastCycle = now
            }
            // Sleep in short steps so a signal is noticed promptly.
            let step = min(pollSeconds, max(0.2, intervalSeconds - (Date().timeIntervalSince1970 - lastCycle)))
            var slept = 0.0
            while slept < step, !stop.requested {
                try? await Task.sleep(for: .milliseconds(200))
                slept += 0.2
            }
        }
        logger.notice("stopping: signal received")
    }
}

/// SIGTERM / SIGINT as a flag the loop polls (Kubernetes sends SIGTERM, then SIGKILL after the grace period).
final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    private var sources: [DispatchSourceSignal] = []

    var requested: Bool { lock.lock(); defer { lock.unlock() }; return flag }

    func install() {
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.lock(); self.flag = true; self.lock.unlock()
            }
            source.resume()
            sources.append(source)
        }
    }
}
