import InfernoControl
import InfernoHTTP
import InfernoKubernetes
import Logging
import ServiceLifecycle

// `run`'s long-lived parts as services of one ServiceGroup (swift-service-lifecycle). SIGTERM or SIGINT starts a
// graceful shutdown, which the group delivers in reverse order of the services: the control loop first (it finishes
// the cycle in flight, so no Deployment write is cut in half), then leader election (the Lease is released, so a
// successor need not wait for it to expire), then the HTTP endpoints.

/// The reconcile loop; returns when a graceful shutdown starts (after the cycle in flight) or on cancellation.
struct ControlLoopService: Service {
    var loop: ControlLoop<WallClock>

    func run() async throws {
        try await loop.run()
    }

    /// The loop's stop condition under a service group: a graceful shutdown has begun.
    static let shutdownRequested: @Sendable () -> Bool = { Task.isShuttingDownGracefully }
}

/// Leader election: acquires and renews the Lease until a graceful shutdown, then releases it.
struct LeaderElectionService: Service {
    var elector: LeaderElector
    var logger: Logger

    func run() async throws {
        let logger = self.logger
        // Cancelling the elector's loop is how it is told to stop: it releases the Lease on the way out.
        await cancelWhenGracefulShutdown {
            await elector.run { leading in logger.notice(leading ? "became leader" : "lost leadership") }
        }
    }
}

/// `/metrics`, `/debug/config`, `/healthz`, `/readyz`: already bound when the group starts (a port in use is an
/// error before any cycle runs); closed last, so probes answer while the loop winds down.
struct ProbeService: Service {
    var probes: ProbeServer

    func run() async throws {
        try? await gracefulShutdown()
        await probes.shutdown()
    }
}

extension ServiceGroup {
    /// `run`'s group: the loop ends the group when it returns; SIGTERM and SIGINT shut it down gracefully, and
    /// whatever is still running after `gracePeriod` (Kubernetes kills the pod 30 s after SIGTERM by default) is
    /// cancelled.
    static func controller(loop: ControlLoopService, elector: LeaderElectionService?, probes: ProbeService?,
                           gracePeriod: Duration, logger: Logger) -> ServiceGroup {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let probes { services.append(.init(service: probes)) }
        if let elector { services.append(.init(service: elector)) }
        services.append(.init(service: loop, successTerminationBehavior: .gracefullyShutdownGroup))
        var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger)
        configuration.maximumGracefulShutdownDuration = gracePeriod
        return ServiceGroup(configuration: configuration)
    }
}
