/// Sizes for the load expected when new replicas would be ready, not the load of the last window.
///
/// A replica scaled up now serves only after its start-up (model loading: tens of seconds to minutes), and the
/// load was measured over a window that ended now, so a purely reactive controller is always a few minutes behind
/// a ramp. When a model's arrival rate rose since the previous cycle, its rate is extrapolated linearly
/// `lookahead` seconds ahead. Falling rates are not extrapolated: scale-down stays reactive (and stabilised).
package struct LoadForecast<Key: Hashable & Sendable>: Sendable {
    private var previous: [Key: (time: Double, rate: Double)] = [:]

    package init() {}

    package mutating func extrapolate(_ loads: [Key: LoadObservation], at now: Double,
                                      lookaheadSeconds: Double) -> [Key: LoadObservation] {
        var out = loads
        for (id, observation) in loads {
            guard let load = observation.load else { continue }
            defer { previous[id] = (now, load.arrivalRatePerMinute) }
            guard lookaheadSeconds > 0, let p = previous[id], now > p.time else { continue }
            let slope = (load.arrivalRatePerMinute - p.rate) / (now - p.time)
            guard slope > 0 else { continue }
            var ahead = load
            ahead.arrivalRatePerMinute += slope * lookaheadSeconds
            out[id] = .available(ahead)
        }
        previous = previous.filter { loads[$0.key] != nil }
        return out
    }
}
