import InfernoMIP

/// Model-level demand from variant-level measurements: what a model's variants carried, summed, plus what its
/// gateway saw but no pod did. Kept across cycles: the token lengths seen last (a model at zero still knows its
/// request shape), the last time it had requests (the retention window of scale to zero), and the forecast.
package struct DemandTracker: Sendable {
    /// Seconds without requests after which a model may go to zero (WVA's default: 10 minutes).
    package var retentionSeconds: Double
    package var lookaheadSeconds: Double
    private var forecast = LoadForecast<ModelKey>()
    private var lastTokens: [ModelKey: (input: Double, output: Double)] = [:]
    private var lastRequest: [ModelKey: Double] = [:]

    package init(retentionSeconds: Double = LoopSettings.defaultRetentionSeconds, lookaheadSeconds: Double = 0) {
        self.retentionSeconds = retentionSeconds
        self.lookaheadSeconds = lookaheadSeconds
    }

    package struct Demand: Sendable {
        /// Measured per model.
        package var measured: [ModelKey: LoadObservation]
        /// What to size for (a rising rate extrapolated, see ``LoadForecast``).
        package var planned: [ModelKey: LoadObservation]
        /// Models that had requests within the retention window: they keep at least one replica.
        package var retained: Set<ModelKey>
        package var notes: [String]
    }

    package mutating func demand(_ variants: [VariantObservation], loads: [VariantID: LoadObservation],
                                 unserved: [ModelKey: Double], at now: Double) -> Demand {
        var measured: [ModelKey: LoadObservation] = [:]
        var notes: [String] = []
        for (key, members) in Dictionary(grouping: variants.filter { $0.invalidReason == nil }, by: \.modelKey) {
            let (observation, note) = aggregate(key, members.sorted { $0.id < $1.id }, loads: loads, unserved: unserved[key])
            measured[key] = observation
            if let note { notes.append(note) }
        }
        var retained = Set<ModelKey>()
        let running = Set(variants.filter { ($0.currentReplicas ?? 0) > 0 }.map(\.modelKey))
        for (key, observation) in measured {
            // Requests now restart the window. A model seen for the first time starts it if it runs: a controller
            // that just started does not know when the last request was. (Without a measurement the model holds.)
            if (observation.load?.arrivalRatePerMinute ?? 0) > 0 || (lastRequest[key] == nil && running.contains(key)) {
                lastRequest[key] = now
            }
            if let last = lastRequest[key], now - last < retentionSeconds { retained.insert(key) }
        }
        lastRequest = lastRequest.filter { measured[$0.key] != nil }
        let planned = forecast.extrapolate(measured, at: now, lookaheadSeconds: lookaheadSeconds)
        return Demand(measured: measured, planned: planned, retained: retained, notes: notes.sorted())
    }

    /// One model's demand. A variant with no ready replica has nothing to measure and carries nothing (its
    /// share reaches the gateway as unserved demand); one with ready replicas and no measurement makes the whole
    /// model unknown: its share would be missed.
    private mutating func aggregate(_ key: ModelKey, _ members: [VariantObservation], loads: [VariantID: LoadObservation],
                                    unserved: Double?) -> (LoadObservation, String?) {
        var rate = 0.0, inputWeighted = 0.0, outputWeighted = 0.0, tokenRate = 0.0
        var measuredAny = false
        for v in members {
            let observation = loads[v.id] ?? .missing("no measurement")
            guard let load = observation.load else {
                if (v.readyReplicas ?? v.currentReplicas ?? 1) == 0 { continue }
                let why = "variant \(v.id): \(observation.reason ?? "")"
                switch observation {
                case .stale: return (.stale(why), nil)
                case .failed: return (.failed(why), nil)
                default: return (.missing(why), nil)
                }
            }
            measuredAny = true
            rate += load.arrivalRatePerMinute
            // Output means 0: nothing completed in the window (every completed request has an output token).
            if load.meanOutputTokens > 0 {
                let w = max(load.arrivalRatePerMinute, 1e-9)
                inputWeighted += w * load.meanInputTokens
                outputWeighted += w * load.meanOutputTokens
                tokenRate += w
            }
        }
        if let unserved { rate += unserved; measuredAny = true }
        guard measuredAny else {
            return (.missing("no variant of model \(key) has a ready replica, and its gateway's demand is not measured"), nil)
        }
        var note: String?
        if tokenRate > 0 {
            lastTokens[key] = (inputWeighted / tokenRate, outputWeighted / tokenRate)
        } else if lastTokens[key] == nil, rate > 0 {
            // Nothing completed yet (a model coming from zero): size with the tokens its profile was measured at.
            let tokens = members.lazy.compactMap { v in v.profiles.first { $0.accelerator == v.accelerator }?.atTokens }.first ?? 512
            lastTokens[key] = (Double(tokens), Double(tokens))
            note = "\(key): token lengths not measured yet; sizing with the profile's atTokens (\(tokens))"
        }
        let tokens = lastTokens[key] ?? (0, 0)
        return (.available(VariantLoad(arrivalRatePerMinute: rate, meanInputTokens: tokens.input,
                                       meanOutputTokens: tokens.output)), note)
    }
}
