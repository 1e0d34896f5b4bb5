import InfernoMIP
import Logging

/// What the control loop is run with, in `run` and in `simulate` alike: one definition of the defaults, one way to
/// assemble the planner and the reconciler from them.
package struct LoopSettings: Sendable {
    /// Scale-down stabilisation window (the HPA's default).
    package static let defaultStabilizationWindowSeconds = 300.0
    /// How far a rising load is extrapolated: about a replica's start-up plus one interval.
    package static let defaultLookaheadSeconds = 120.0
    /// Time between cycles (upstream's `GLOBAL_OPT_INTERVAL` default).
    package static let defaultIntervalSeconds = 60.0
    /// Seconds a model with `minReplicas: 0` must go without requests before it may scale to zero (WVA's default,
    /// 10 minutes).
    package static let defaultRetentionSeconds = 600.0

    package var intervalSeconds = defaultIntervalSeconds
    package var stabilizationWindowSeconds = defaultStabilizationWindowSeconds
    package var lookaheadSeconds = defaultLookaheadSeconds
    package var retentionSeconds = defaultRetentionSeconds
    package var solver: any AllocationSolver = MIPSolver()
    package var analyzer = AnalyzerSettings()
    // Best effort by priority: a controller must not scale an overloaded variant to zero because its SLOs
    // cannot be met in full (the offline default, `None`, would).
    package var options = OptimizerOptions(saturationPolicy: .priorityExhaustive, timeLimitSeconds: 5)
    /// The online profile estimator's settings (`--tuning on`, the default); nil plans with the configured
    /// profiles as they are (`--tuning off`).
    package var tuning: TunerSettings? = TunerSettings()

    package init() {}

    /// The reconciler over the given ports with these settings.
    package func makeReconciler(cluster: any ClusterSource, metrics: any LoadSource, actuator: any Actuator,
                                logger: Logger) -> Reconciler {
        Reconciler(cluster: cluster, metrics: metrics, actuator: actuator,
                   planner: Planner(analyzer: analyzer, solver: solver, options: options),
                   stabilizationWindowSeconds: stabilizationWindowSeconds, lookaheadSeconds: lookaheadSeconds,
                   retentionSeconds: retentionSeconds, tuning: tuning.map { ProfileTuning(settings: $0) }, logger: logger)
    }
}
