/// Best effort: what greedy gives the servers it could not fully serve, per the saturation policy.
///
/// Every policy looks at a server's candidates in value order (all of them, including those above `maxReplicas`,
/// capped there) and serves the servers in the order they ran out of candidates. Replicas on one server never
/// exceed what a full allocation would need. Upstream does not cap round robin explicitly, but it need not: an
/// unallocated server's candidates each failed to fit when tried and free cards only shrink afterwards, so the cap
/// can only bind on a candidate that was never tried (one above `maxReplicas`, which upstream does not have).
extension GreedyState {
    mutating func bestEffort(_ entries: [GreedyEntry], policy: SaturationPolicy) {
        switch policy {
        case .none:
            break
        case .priorityExhaustive:
            exhaustive(entries)
        case .priorityRoundRobin:
            // Runs of equal priority; `entries` is already in priority order.
            var start = 0
            while start < entries.count {
                var end = start + 1
                while end < entries.count, entries[end].priority == entries[start].priority { end += 1 }
                roundRobin(Array(entries[start..<end]))
                start = end
            }
        case .roundRobin:
            roundRobin(entries)
        }
    }

    /// One server at a time, in order: as many replicas as fit, up to what it needs, on the first candidate whose
    /// type has room for at least one replica. Later candidates are not tried once one gets replicas.
    mutating func exhaustive(_ entries: [GreedyEntry]) {
        for entry in entries {
            for vc in entry.byValue {
                let c = vc.candidate
                guard c.unitsPerReplica > 0 else { continue }
                let fit = min(available(c.acceleratorType) / c.unitsPerReplica, entry.replicaLimit(c))
                if fit > 0 {
                    consume(fit * c.unitsPerReplica, of: c.acceleratorType)
                    recordBestEffort(c, replicas: fit, for: entry.name)
                    break
                }
            }
        }
    }

    /// One replica per server per round, visiting servers in order, until none can take another. A server commits
    /// to a candidate on its first visit (the first, by value, with room for one replica at that moment, which
    /// depends on what servers visited earlier in the round took) and keeps it; once its candidate's type has no
    /// room left, it drops out, even if another of its candidates' types still has room (upstream's behaviour).
    mutating func roundRobin(_ entries: [GreedyEntry]) {
        var candidate: [Candidate?] = Array(repeating: nil, count: entries.count)
        var granted = Array(repeating: 0, count: entries.count)
        var active = Array(repeating: true, count: entries.count)
        while active.contains(true) {
            for (i, entry) in entries.enumerated() where active[i] {
                if candidate[i] == nil {
                    candidate[i] = entry.byValue.first { vc in
                        vc.candidate.unitsPerReplica > 0
                            && available(vc.candidate.acceleratorType) >= vc.candidate.unitsPerReplica
                    }?.candidate
                }
                guard let c = candidate[i],
                      granted[i] < entry.replicaLimit(c),
                      available(c.acceleratorType) >= c.unitsPerReplica
                else {
                    active[i] = false
                    continue
                }
                granted[i] += 1
                consume(c.unitsPerReplica, of: c.acceleratorType)
            }
        }
        for (i, entry) in entries.enumerated() where granted[i] > 0 {
            if let c = candidate[i] { recordBestEffort(c, replicas: granted[i], for: entry.name) }
        }
    }
}
