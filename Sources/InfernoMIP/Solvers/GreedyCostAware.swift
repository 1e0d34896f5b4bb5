/// Greedy for a model with several variants (a server with ``Server/variants``): WVA's cost-aware rule, the
/// baseline the MIP's split is compared with. It starts from the replicas each variant has now (within its
/// bounds and the free cards), then
/// - while the replicas carry less than the model's rate within the SLOs (or fewer than its `minReplicas`), adds
///   one on the variant with the lowest cost per unit of capacity (cost per replica over `λ*`) that has room;
/// - while a replica can go without falling short, removes one from the most expensive variant per unit of
///   capacity; the cheapest variant's last replica stays while the model has demand.
/// Incremental and myopic: it never trades an expensive replica for cheaper ones that would not fit one by one.
extension GreedyState {
    mutating func costAware(_ sc: ServerCandidates) -> [Placement] {
        let cs = sc.candidates
        guard !cs.isEmpty else { return [] }
        let rate = sc.requiredRatePerSecond
        let serverMax = sc.server.maxReplicas ?? Int.max
        func upper(_ k: Int) -> Int { min(serverMax, sc.server.variant(on: cs[k].accelerator)?.maxReplicas ?? Int.max) }
        func lower(_ k: Int) -> Int { min(upper(k), sc.server.variant(on: cs[k].accelerator)?.minReplicas ?? 0) }
        /// Cost per request per second of capacity; with no load, cost per replica (only floors matter then).
        func perCapacity(_ k: Int) -> Double {
            rate > 0 && cs[k].ratePerReplica > 0 ? cs[k].costPerReplica / cs[k].ratePerReplica : cs[k].costPerReplica
        }
        func fits(_ k: Int) -> Bool { cs[k].unitsPerReplica <= available(cs[k].acceleratorType) }
        var r = [Int](repeating: 0, count: cs.count)
        for k in cs.indices {
            let want = min(max(sc.server.variant(on: cs[k].accelerator)?.currentReplicas ?? 0, lower(k)), upper(k))
            let room = cs[k].unitsPerReplica > 0 ? available(cs[k].acceleratorType) / cs[k].unitsPerReplica : want
            r[k] = max(0, min(want, room))
            consume(r[k] * cs[k].unitsPerReplica, of: cs[k].acceleratorType)
        }
        func capacity() -> Double { cs.indices.reduce(0) { $0 + Double(r[$1]) * cs[$1].ratePerReplica } }
        func total() -> Int { r.reduce(0, +) }
        let order = { (a: Int, b: Int) in (perCapacity(a), cs[a].accelerator) < (perCapacity(b), cs[b].accelerator) }
        while capacity() < rate * (1 - 1e-9) || total() < sc.server.minReplicas {
            guard let k = cs.indices.filter({ r[$0] < upper($0) && fits($0) && (rate <= 0 || cs[$0].ratePerReplica > 0) })
                .min(by: order) else { break }
            r[k] += 1
            consume(cs[k].unitsPerReplica, of: cs[k].acceleratorType)
        }
        let cheapest = cs.indices.min(by: order)!
        while true {
            let removable = cs.indices.filter { k in
                r[k] > lower(k) && total() > sc.server.minReplicas
                    && capacity() - cs[k].ratePerReplica >= rate * (1 - 1e-9)
                    && !(rate > 0 && k == cheapest && r[k] == 1)
            }
            guard let k = removable.max(by: order) else { break }
            r[k] -= 1
            consume(-cs[k].unitsPerReplica, of: cs[k].acceleratorType)
        }
        return cs.indices.filter { r[$0] > 0 }.map { Placement(candidate: cs[$0], replicas: r[$0]) }
    }
}
