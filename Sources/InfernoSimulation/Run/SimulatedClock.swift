import InfernoControl

/// Simulated time for the control loop: sleeping until `t` runs the simulated cluster to `t` (and takes its
/// metrics snapshot there), so the production loop drives the simulation cycle by cycle. With `speed > 0` it also
/// waits `(t - now) / speed` wall-clock seconds, to watch a run unfold.
package actor SimulatedClock: ControlClock {
    package let environment: SimulationEnvironment
    package let speed: Double
    private var time: Double

    /// Starts at `start`, with the environment already advanced there.
    package init(environment: SimulationEnvironment, start: Double, speed: Double = 0) async {
        self.environment = environment
        self.speed = speed
        self.time = start
        await environment.advance(to: start)
    }

    package func now() -> Double { time }

    package func sleep(until t: Double) async throws {
        guard t > time else { return }
        if speed > 0 { try await Task.sleep(for: .milliseconds(Int((t - time) / speed * 1000))) }
        time = t
        await environment.advance(to: t)
    }
}
