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

    init(clock: any SolveClock, seconds: Double) {
        self.clock = clock
        deadline = clock.now() + seconds
    }

    /// Seconds until the deadline; negative once past it.
    var left: Double { deadline - clock.now() }

    /// A budget ending `seconds` from now (at most nothing: a negative share ends now).
    func starting(seconds: Double) -> TimeBudget { TimeBudget(clock: clock, seconds: max(0, seconds)) }

    /// Seconds since `start` (a reading of `clock`).
    func elapsed(since start: Double) -> Double { clock.now() - start }

    /// `settings` with CBC's time limit cut to what is left: one rule for every CBC call inside a stage (at least
    /// 0.01 s, so that a spent budget still gives CBC a positive limit).
    func limiting(_ settings: CbcSettings) -> CbcSettings {
        let remaining = left
        var out = settings
        out.timeLimitSeconds = max(0.01, min(settings.timeLimitSeconds ?? remaining, remaining))
        return out
    }
}
