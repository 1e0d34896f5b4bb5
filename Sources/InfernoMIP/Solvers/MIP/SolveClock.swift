import Foundation

/// Where the MIP reads the time: its stages share a wall-clock budget (``OptimizerOptions/timeLimitSeconds``),
/// and CBC cannot stop inside an LP, so the driver decides from the clock which stages still run. Injected so a
/// test can script how long each LP takes instead of sleeping.
public protocol SolveClock: Sendable {
    /// Seconds since any fixed origin; only differences are used.
    func now() -> Double
}

/// The production clock.
public struct WallClock: SolveClock {
    public init() {}
    public func now() -> Double { Date().timeIntervalSinceReferenceDate }
}

/// A deadline on a ``SolveClock``: the whole solve's, or one stage's share of it.
struct TimeBudget: Sendable {
    let clock: any SolveClock
    /// On `clock`'s scale.
    let deadline: Double
    /// What CBC is told to stop by (``limiting(_:)``): up to `reserve` seconds before the solve's deadline, as CBC
    /// checks its limit only between nodes and heuristics (a search given the last second of a 10,000-server solve
    /// ran 0.27 s past it; docs/benchmark.md, "The time limit kept").
    let cbcDeadline: Double

    init(clock: any SolveClock, seconds: Double, reserve: Double = 0) {
        self.clock = clock
        deadline = clock.now() + seconds
        cbcDeadline = deadline - max(0, reserve)
    }

    private init(clock: any SolveClock, deadline: Double, cbcDeadline: Double) {
        self.clock = clock
        self.deadline = deadline
        self.cbcDeadline = cbcDeadline
    }

    /// Seconds left for work: until the deadline or the CBC deadline, whichever comes first; negative once past.
    var left: Double { min(deadline, cbcDeadline) - clock.now() }

    /// Seconds until the deadline itself: what a stage's share and skip are decided on (the reserve is for CBC's
    /// overrun, not a shorter limit).
    var toDeadline: Double { deadline - clock.now() }

    /// A budget ending `seconds` from now (at most nothing: a negative share ends now), whose CBC calls still stop
    /// by this one's CBC deadline.
    func starting(seconds: Double) -> TimeBudget {
        let end = clock.now() + max(0, seconds)
        return TimeBudget(clock: clock, deadline: end, cbcDeadline: min(end, cbcDeadline))
    }

    /// Seconds since `start` (a reading of `clock`).
    func elapsed(since start: Double) -> Double { clock.now() - start }

    /// `settings` with CBC's time limit cut to what is left before the CBC deadline: one rule for every CBC call
    /// inside a stage (at least 0.01 s, so that a spent budget still gives CBC a positive limit).
    func limiting(_ settings: CbcSettings) -> CbcSettings {
        let remaining = left
        var out = settings
        out.timeLimitSeconds = max(0.01, min(settings.timeLimitSeconds ?? remaining, remaining))
        return out
    }
}
