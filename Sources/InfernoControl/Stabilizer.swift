/// Damps flapping the way the HPA does: scale up at once, scale down only to the highest count recommended within
/// the last `window` seconds. Holding replicas must never overflow a GPU type, so when held replicas would not
/// fit next to everyone else's, holds are released from the lowest priority up.
package struct Stabilizer: Sendable {
    package var windowSeconds: Double
    /// Recent optimizer recommendations per variant, oldest first.
    private var history: [VariantID: [(time: Double, replicas: Int)]] = [:]
    /// Recent planned capacity (requests/s within the SLOs) per model with several variants, oldest first.
    private var modelHistory: [ModelKey: [(time: Double, capacity: Double, replicas: [VariantID: Int])]] = [:]

    package init(windowSeconds: Double) { self.windowSeconds = windowSeconds }

    /// `cardsPerReplica` and `type` say what a variant's replica holds; `available` is the capacity per type.
    package mutating func stabilize(_ decisions: [VariantDecision], at now: Double, cardsPerReplica: (VariantDecision) -> (type: String, cards: Int)?,
                            available: [String: Int]) -> [VariantDecision] {
        var out = stabilizeModels(decisions, at: now)
        for i in out.indices {
            guard out[i].action == .scale, let optimized = out[i].optimized, out[i].plannedShare == nil else { continue }
            let id = out[i].variant.id
            // A variant seen for the first time starts its window at its current replicas, as the HPA does: a
            // controller that just started does not scale anything down at once.
            let seen = history[id] ?? [(now, out[i].current)]
            var h = seen.filter { now - $0.time < windowSeconds }
            h.append((now, optimized))
            history[id] = h
            let ceiling = h.map(\.replicas).max() ?? optimized
            let target = min(out[i].current, ceiling)   // never above what runs now because of history
            if optimized < out[i].current, target > optimized, !out[i].idle {
                out[i].desired = target
                out[i].heldByStabilization = true
                out[i].reason = "scale-down stabilisation (\(Int(windowSeconds)) s window): holding \(target), optimizer wants \(optimized)"
            }
        }
        // Holds must fit: release the lowest-priority holds first where a type would overflow.
        var used: [String: Int] = [:]
        for d in out { if let c = cardsPerReplica(d) { used[c.type, default: 0] += d.desired * c.cards } }
        let holds = out.indices.filter { i in out[i].optimized.map { out[i].desired > $0 } ?? false }
            .sorted { (out[$0].priority ?? Int.max, out[$0].variant.id) > (out[$1].priority ?? Int.max, out[$1].variant.id) }
        for i in holds {
            guard let c = cardsPerReplica(out[i]), let limit = available[c.type], used[c.type, default: 0] > limit,
                  let optimized = out[i].optimized else { continue }
            let excess = used[c.type]! - limit
            let release = min(out[i].desired - optimized, (excess + c.cards - 1) / c.cards)
            out[i].desired -= release
            used[c.type]! -= release * c.cards
            out[i].reason += "; released \(release) for capacity"
            out[i].releasedForCapacity = true
        }
        return out
    }

    /// Models with several variants are damped as a whole: per-variant maxima would keep the union of two
    /// alternating mixes (measured: 2 H100 + 8 L40S where the plans were 2 + 4 and 1 + 8). A plan whose capacity is
    /// below the highest planned within the window is replaced by that highest plan (the newest of equals), capped per variant at what
    /// runs now, when that still carries at least what the new plan does; a plan at that level or above (growth, or
    /// the same capacity on another mix) applies at once. With one variant in use this is the per-variant rule.
    private mutating func stabilizeModels(_ decisions: [VariantDecision], at now: Double) -> [VariantDecision] {
        var out = decisions
        let groups = Dictionary(grouping: out.indices.filter { out[$0].plannedShare != nil && out[$0].action == .scale && !out[$0].idle },
                                by: { out[$0].variant.modelKey })
        for (key, members) in groups {
            func capacity(_ replicas: (VariantDecision) -> Int) -> Double {
                members.reduce(0) { $0 + Double(replicas(out[$1])) * (out[$1].ratePerReplica ?? 0) }
            }
            let planned = capacity { $0.optimized ?? 0 }
            let now_ = Dictionary(uniqueKeysWithValues: members.map { (out[$0].variant.id, out[$0].current) })
            let plan = Dictionary(uniqueKeysWithValues: members.map { (out[$0].variant.id, out[$0].optimized ?? 0) })
            var h = (modelHistory[key] ?? [(now, capacity(\.current), now_)]).filter { now - $0.time < windowSeconds }
            h.append((now, planned, plan))
            modelHistory[key] = h
            guard let highest = h.reversed().max(by: { $0.capacity < $1.capacity }), planned < highest.capacity * (1 - 1e-9) else { continue }
            let held = { (d: VariantDecision) in min(d.current, highest.replicas[d.variant.id] ?? 0) }
            guard capacity(held) >= planned else { continue }
            for i in members where held(out[i]) > (out[i].optimized ?? 0) {
                out[i].desired = held(out[i])
                out[i].reason = "scale-down stabilisation (\(Int(windowSeconds)) s window, model \(key)): holding \(out[i].desired), optimizer wants \(out[i].optimized ?? 0)"
            }
            for i in members where held(out[i]) < (out[i].optimized ?? 0) { out[i].desired = held(out[i]) }
        }
        // Make before break: while a variant of the model has replicas that are not ready yet, none of its other
        // variants shrinks (measured on 8 L40S cards: moving 3 L40S replicas' share to one starting H100 replica
        // at once left the L40S replicas overloaded for two cycles, 88% instead of 93% Premium attainment).
        for (_, members) in groups {
            let starting = members.filter { out[$0].desired > (out[$0].variant.readyReplicas ?? out[$0].current) }
            guard let first = starting.first else { continue }
            for i in members where out[i].desired < out[i].current {
                out[i].reason = "waiting for \(out[first].variant.id)'s new replicas to be ready: holding \(out[i].current), optimizer wants \(out[i].desired)"
                out[i].desired = out[i].current
            }
        }
        let live = Set(decisions.map(\.variant.modelKey))
        modelHistory = modelHistory.filter { live.contains($0.key) }
        return out
    }

    /// Forgets variants that no longer exist.
    package mutating func retain(_ ids: Set<VariantID>) { history = history.filter { ids.contains($0.key) } }
}
