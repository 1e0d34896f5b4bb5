/// The allocation MIP of docs/optimizer.md for one group of servers: every variable, constraint and stage
/// objective is declared here, and nowhere else.
///
/// Single-accelerator mode, server `s`, candidate `k` (needs `n[k]` replicas of `u[k]` cards, rate `λ[k]` each):
///
///     f[s,k] ∈ {0,1}              fully served on k (n[k] replicas)
///     g[s,k] ∈ {0,1}, q[s,k] ∈ ℤ  best effort on k: q ≤ (n[k]-1)·g replicas          (policies other than None)
///     Σ_k f[s,k] + g[s,k] ≤ 1     one accelerator per server
///
/// Heterogeneous mode, server `s` needing rate `R`:
///
///     r[s,k] ∈ ℤ, 0 ≤ r ≤ n[k]    replicas on k;  full[s] ∈ {0,1}
///     Σ_k λ[k]·r[s,k] ≥ R·full[s],  Σ_k r[s,k] ≥ minReplicas·full[s]
///     φ[s] ≤ Σ_k λ[k]/R·r[s,k],  φ[s] ≤ 1   served fraction          (None: r ≤ n[k]·full[s])
///
/// A server with variants (one model, a Deployment per accelerator) is formulated as in heterogeneous mode in
/// either mode, with each variant's bounds: `min[k]·full[s] ≤ r[s,k] ≤ max[k]`, and each replica of a variant
/// that has none now valued at 1.1 × its cost (the transition penalty of starting it).
///
/// Both: `Σ_{s,k of type t} u[k]·replicas[s,k] ≤ capacity[t]`.
struct AllocationFormulation {
    let servers: [ServerCandidates]
    let heterogeneous: Bool
    /// Whether server `s` may split its replicas over accelerators: heterogeneous mode, or a server with variants.
    let split: [Bool]
    let policy: SaturationPolicy
    var model = LinearModel(sense: .maximize)

    /// Candidate indices (into `servers[s].candidates`) that get variables, after dominance pruning.
    private(set) var kept: [[Int]] = []
    private var full: [[Int: Variable]] = []       // f (single)
    private var partialUse: [[Int: Variable]] = [] // g (single) or x (heterogeneous, where a penalty needs it)
    private var replicaVars: [[Int: Variable]] = [] // q (single) or r (heterogeneous)
    private var servedVar: [Variable?] = []        // full (heterogeneous)
    private var fractionVar: [Variable?] = []      // φ (heterogeneous)
    private var idleVar: [Variable?] = []          // 1 when the server gets nothing (single, see `explicitIdle`)
    /// ``valueUpperBound()``, computed once: the columns' bounds do not change after building, and every tie-broken
    /// stage reads it.
    private(set) var valueBound = 0.0
    /// Indices (into `model.constraints`) of the one-accelerator rows: what ``ChoiceRelaxation`` leaves per server.
    private(set) var assignmentRows: Set<Int> = []
    /// Indices of the rows `q ≤ (n−1)·g` of partial service (single mode): one server's, like its assignment row.
    private(set) var partialRows: Set<Int> = []

    init(servers: [ServerCandidates], options: OptimizerOptions, cards: (String) -> Int, tuning: MIPTuning = MIPTuning()) {
        self.servers = servers
        self.heterogeneous = options.heterogeneous
        self.split = servers.map { options.heterogeneous || $0.server.variants != nil }
        self.policy = options.saturationPolicy
        let bestEffort = policy != .none
        var unitsByType: [String: LinearExpression] = [:]

        for sc in servers {
            let keep = Self.undominated(sc, keepPartial: bestEffort)
            kept.append(keep)
            var f: [Int: Variable] = [:], g: [Int: Variable] = [:], q: [Int: Variable] = [:]
            var served: Variable?, fraction: Variable?, idle: Variable?
            let maxReplicas = sc.server.maxReplicas ?? Int.max
            let name = sc.name
            if sc.server.variants == nil && !heterogeneous {
                var assignment = LinearExpression()
                for k in keep {
                    let c = sc.candidates[k]
                    if c.replicasNeeded <= maxReplicas, Self.fullIsUseful(sc, k, keepPartial: bestEffort) {
                        let v = model.binary("f[\(name),\(c.accelerator)]")
                        f[k] = v
                        assignment.add(v)
                        unitsByType[c.acceleratorType, default: LinearExpression()].add(v, Double(c.units))
                    }
                    let partialUpper = min(c.replicasNeeded - 1, maxReplicas)
                    if bestEffort, partialUpper >= 1 {
                        let use = model.binary("g[\(name),\(c.accelerator)]")
                        let count = model.integer("q[\(name),\(c.accelerator)]", upTo: Double(partialUpper))
                        g[k] = use; q[k] = count
                        assignment.add(use)
                        partialRows.insert(model.constraints.count)
                        model.add(LinearExpression(count) <= Double(partialUpper) * LinearExpression(use), "partial \(name) on \(c.accelerator)")
                        unitsByType[c.acceleratorType, default: LinearExpression()].add(count, Double(c.unitsPerReplica))
                    }
                }
                if assignment.terms.count > 1 {
                    assignmentRows.insert(model.constraints.count)
                    if tuning.explicitIdle {
                        // `Σ choices + idle = 1` rather than `Σ choices <= 1`: CBC 2.10's preprocessing turns such
                        // set-packing rows into equalities by adding slack columns of its own, and then its MIP-start
                        // translation indexes past the original columns ("Illegal index … in
                        // ClpModel::getColumnName") and the stage ends without a solution. With the slack written
                        // here, the model CBC receives has nothing to convert.
                        let none = model.binary("idle[\(name)]")
                        idle = none
                        model.add(assignment + none == 1, "one accelerator for \(name)")
                    } else {
                        model.add(assignment <= 1, "one accelerator for \(name)")
                    }
                }
            } else {
                let rate = sc.requiredRatePerSecond
                let m = Double(sc.server.minReplicas)
                let fullV = model.binary("full[\(name)]")
                served = fullV
                var coverage = LinearExpression(), replicas = LinearExpression()
                for k in keep {
                    let c = sc.candidates[k]
                    let bounds = sc.server.variant(on: c.accelerator)
                    let variantMax = min(maxReplicas, bounds?.maxReplicas ?? Int.max)
                    let floor = min(bounds?.minReplicas ?? 0, variantMax)
                    let upper = max(floor, min(c.replicasNeeded, variantMax))
                    guard upper >= 1 else { continue }
                    let r = model.integer("r[\(name),\(c.accelerator)]", upTo: Double(upper))
                    if floor > 0 { model.add(LinearExpression(r) >= Double(floor) * LinearExpression(fullV), "minReplicas of \(name) on \(c.accelerator)") }
                    q[k] = r
                    coverage.add(r, rate > 0 ? c.ratePerReplica / rate : 0)
                    replicas.add(r)
                    unitsByType[c.acceleratorType, default: LinearExpression()].add(r, Double(c.unitsPerReplica))
                    if !bestEffort { model.add(LinearExpression(r) <= Double(upper) * LinearExpression(fullV), "none: \(name) on \(c.accelerator) only if served") }
                    if let current = sc.server.current, !current.accelerator.isEmpty, current.accelerator != c.accelerator {
                        let x = model.binary("x[\(name),\(c.accelerator)]")
                        g[k] = x
                        model.add(LinearExpression(r) <= Double(upper) * LinearExpression(x), "moves \(name) to \(c.accelerator)")
                    }
                }
                if rate > 0 { model.add(coverage >= LinearExpression(fullV), "coverage of \(name)") }
                if m > 0 { model.add(replicas >= m * LinearExpression(fullV), "minReplicas of \(name)") }
                if maxReplicas < Int.max { model.add(replicas <= Double(maxReplicas), "maxReplicas of \(name)") }
                if sc.candidates.isEmpty || (rate > 0 && keep.isEmpty) { model.add(LinearExpression(fullV) <= 0, "no candidate for \(name)") }
                if bestEffort {
                    let phi = model.continuous("phi[\(name)]", upper: 1)
                    fraction = phi
                    if rate > 0 { model.add(LinearExpression(phi) <= coverage, "fraction of \(name)") }
                    else { model.add(LinearExpression(phi) <= LinearExpression(fullV), "fraction of \(name)") }
                }
            }
            full.append(f); partialUse.append(g); replicaVars.append(q)
            servedVar.append(served); fractionVar.append(fraction); idleVar.append(idle)
        }
        for (type, units) in unitsByType.sorted(by: { $0.key < $1.key }) {
            let available = cards(type)
            if available < Int.max { model.add(units <= Double(available), "capacity \(type)") }
        }
        valueBound = valueUpperBound()
    }

    // MARK: Stage objectives

    /// Servers fully served among `members` (indices into `servers`).
    func servedCount(_ members: [Int]) -> LinearExpression {
        members.map { s in
            split[s] ? servedVar[s].map(LinearExpression.init) ?? LinearExpression() : full[s].values.sorted().sum()
        }.sum()
    }

    /// Served fraction of server `s`: 1 when fully served, the share of its SLO-meeting replicas (or rate) otherwise.
    func fraction(_ s: Int) -> LinearExpression {
        if split[s] { return fractionVar[s].map(LinearExpression.init) ?? LinearExpression() }
        var e = full[s].values.sorted().sum()
        for (k, q) in replicaVars[s] { e.add(q, 1 / Double(servers[s].candidates[k].replicasNeeded)) }
        return e
    }

    /// Cost plus transition penalty, less the constant current cost (docs/optimizer.md, "Value of a choice"): keeping an accelerator is
    /// free, moving costs 10% of both allocations, and replicas cost what they cost.
    func value() -> LinearExpression {
        var e = LinearExpression()
        for (s, sc) in servers.enumerated() {
            let current = sc.server.current
            let currentCost = current?.cost ?? 0
            for k in kept[s] {
                let c = sc.candidates[k]
                let moves = (current?.accelerator ?? "") != c.accelerator
                var perReplica = moves ? (1 + acceleratorChangePenaltyFactor) * c.costPerReplica : c.costPerReplica
                if let bounds = sc.server.variant(on: c.accelerator) { perReplica = bounds.valuePerReplica(costPerReplica: c.costPerReplica) }
                let fixed = moves && current != nil && !(current!.accelerator.isEmpty) ? acceleratorChangePenaltyFactor * currentCost : 0
                if let f = full[s][k] {
                    e.add(f, transitionValue(from: current, to: c.accelerator, replicas: c.replicasNeeded, costPerReplica: c.costPerReplica) + currentCost)
                }
                if let q = replicaVars[s][k] { e.add(q, perReplica) }
                if let g = partialUse[s][k] { e.add(g, fixed) }
            }
        }
        return e
    }

    /// The columns that belong to server `s`.
    func columns(of s: Int) -> [Int] {
        var out: [Int] = []
        out += full[s].values.map(\.index)
        out += partialUse[s].values.map(\.index)
        out += replicaVars[s].values.map(\.index)
        if let v = servedVar[s] { out.append(v.index) }
        if let v = fractionVar[s] { out.append(v.index) }
        if let v = idleVar[s] { out.append(v.index) }
        return out
    }

    /// The full-service columns of server `s` and its idle column, in single mode; nil for a server that splits
    /// (heterogeneous mode or variants), whose choices are not one-of-several.
    func choiceColumns(of s: Int) -> (choices: [Int], idle: Int?)? {
        split[s] ? nil : (full[s].values.map(\.index).sorted(), idleVar[s]?.index)
    }

    /// Full-service values of server `s` at `point` (an LP solution), by accelerator: how much of the server the
    /// LP put where (single mode; empty in heterogeneous mode).
    func fullShares(of s: Int, at point: [Double]) -> [String: Double] {
        var out: [String: Double] = [:]
        for (k, v) in full[s] { out[servers[s].candidates[k].accelerator, default: 0] += point[v.index] }
        return out
    }

    /// The columns of partial (best-effort) service of server `s`: `g` and `q` in single mode; none in
    /// heterogeneous mode, where the same replica columns serve fully or partly.
    func partialColumns(of s: Int) -> [Int] {
        split[s] ? [] : partialUse[s].values.map(\.index) + replicaVars[s].values.map(\.index)
    }

    /// The partial-service pairs of server `s` in single mode, by candidate: its use column `g`, its replica column
    /// `q` and the bound `q ≤ upper·g`; empty for a server that splits.
    func partialPairs(of s: Int) -> [(use: Int, count: Int, upper: Double)] {
        guard !split[s] else { return [] }
        return partialUse[s].keys.sorted().compactMap { k in
            guard let g = partialUse[s][k], let q = replicaVars[s][k] else { return nil }
            return (g.index, q.index, model.columns[q.index].upper)
        }
    }

    /// Sets every server's idle column to what its choices at `p` leave (1 when it has none).
    func refreshIdle(_ p: inout [Double]) {
        for s in servers.indices {
            guard let v = idleVar[s] else { continue }
            let chosen = full[s].values.reduce(0.0) { $0 + p[$1.index] } + partialUse[s].values.reduce(0.0) { $0 + p[$1.index] }
            p[v.index] = max(0, 1 - chosen)
        }
    }

    /// Every column of server `s` pinned to "gets nothing": choices and replicas 0, idle 1.
    func nothing(for s: Int) -> [Int: Double] {
        var out: [Int: Double] = [:]
        for v in full[s].values { out[v.index] = 0 }
        for v in partialUse[s].values { out[v.index] = 0 }
        for v in replicaVars[s].values { out[v.index] = 0 }
        if let v = servedVar[s] { out[v.index] = 0 }
        if let v = fractionVar[s] { out[v.index] = 0 }
        if let v = idleVar[s] { out[v.index] = 1 }
        return out
    }

    /// An upper bound on ``value()`` at any point: per server the dearest single choice (one accelerator per
    /// server; in heterogeneous mode every replica variable at its upper bound).
    func valueUpperBound() -> Double {
        let v = value()
        var total = 0.0
        for s in servers.indices {
            var perChoice: [Double] = []
            for k in kept[s] {
                var c = 0.0
                for variable in [full[s][k], partialUse[s][k], replicaVars[s][k]].compactMap({ $0 }) {
                    c += (v.terms[variable.index] ?? 0) * model.columns[variable.index].upper
                }
                perChoice.append(c)
            }
            total += split[s] ? perChoice.reduce(0, +) : perChoice.max() ?? 0
        }
        return total
    }

    /// Whether server `s` can be fully served by some candidate at all.
    func canBeServed(_ s: Int) -> Bool {
        split[s] ? !kept[s].isEmpty || servers[s].requiredRatePerSecond <= 0 && !servers[s].candidates.isEmpty
                      : !full[s].isEmpty
    }

    // MARK: Between solutions and points

    /// Replicas per candidate at a point of the model.
    func placements(at point: [Double]) -> [String: [Placement]] {
        var out: [String: [Placement]] = [:]
        for (s, sc) in servers.enumerated() { out[sc.name] = [] }
        forEachPlacement(at: point) { s, c, replicas in
            out[servers[s].name, default: []].append(Placement(candidate: c, replicas: replicas))
        }
        return out
    }

    /// Calls `body` with each server, candidate and replica count (above 0) that `point` places, servers in order.
    private func forEachPlacement(at point: [Double], _ body: (Int, Candidate, Int) -> Void) {
        for (s, sc) in servers.enumerated() {
            for k in kept[s] {
                let c = sc.candidates[k]
                var replicas = 0.0
                if let f = full[s][k] { replicas += point[f.index].rounded() * Double(c.replicasNeeded) }
                if let q = replicaVars[s][k] { replicas += point[q.index].rounded() }
                if replicas > 0 { body(s, c, Int(replicas)) }
            }
        }
    }

    /// What ``placements(at:)`` says of `point` without building it: the cards in use per GPU type, and per server
    /// whether it has no placement.
    func occupancy(at point: [Double]) -> (used: [String: Int], placed: [Bool]) {
        var used: [String: Int] = [:], placed = [Bool](repeating: false, count: servers.count)
        forEachPlacement(at: point) { s, c, replicas in
            placed[s] = true
            used[c.acceleratorType, default: 0] += replicas * c.unitsPerReplica
        }
        return (used, placed)
    }

    /// A point of the model for given placements (the greedy answer as MIP start), or nil if it has no image.
    func point(for placements: [String: [Placement]], solutionStatus: (ServerCandidates, [Placement]) -> Bool) -> [Double]? {
        var p = [Double](repeating: 0, count: model.columns.count)
        for (s, sc) in servers.enumerated() {
            let ps = placements[sc.name] ?? []
            if split[s] {
                var coverage = 0.0
                for pl in ps {
                    guard let k = kept[s].first(where: { sc.candidates[$0].accelerator == pl.accelerator }),
                          let r = replicaVars[s][k] else { return nil }
                    p[r.index] = min(Double(pl.replicas), model.columns[r.index].upper)
                    if let x = partialUse[s][k] { p[x.index] = 1 }
                    coverage += p[r.index] * pl.ratePerReplica
                }
                let served = solutionStatus(sc, ps)
                if let v = servedVar[s] { p[v.index] = served ? 1 : 0 }
                if let phi = fractionVar[s] {
                    p[phi.index] = sc.requiredRatePerSecond > 0 ? min(1, coverage / sc.requiredRatePerSecond) : (served ? 1 : 0)
                }
            } else {
                guard let pl = ps.first else {
                    // Served with nothing (zero load, no minimum): a candidate needing no replicas is chosen.
                    // Only candidates with a full-service column count: under a best-effort policy every candidate
                    // is kept but a dominated one has no `f` (the first zero-replica candidate may be one).
                    if let k = kept[s].first(where: { sc.candidates[$0].replicasNeeded == 0 && full[s][$0] != nil }),
                       let f = full[s][k] { p[f.index] = 1 }
                    continue
                }
                guard ps.count == 1, let used = sc.candidates.firstIndex(where: { $0.accelerator == pl.accelerator }) else { return nil }
                if pl.replicas >= sc.candidates[used].replicasNeeded {
                    // Full service on a pruned candidate moves to the candidate that dominates it: same GPU type,
                    // no more cards, no more value; so the point stays feasible and no worse.
                    let units = sc.candidates[used].units
                    guard let k = ([used] + kept[s]).first(where: { full[s][$0] != nil && sc.candidates[$0].acceleratorType == sc.candidates[used].acceleratorType
                                                                   && sc.candidates[$0].units <= units }),
                          let f = full[s][k] else { return nil }
                    p[f.index] = 1
                    continue
                }
                guard let k = kept[s].first(where: { sc.candidates[$0].accelerator == pl.accelerator }) else { return nil }
                let c = sc.candidates[k]
                if pl.replicas >= c.replicasNeeded, let f = full[s][k] {
                    p[f.index] = 1
                } else if let q = replicaVars[s][k], let g = partialUse[s][k], pl.replicas < c.replicasNeeded {
                    p[q.index] = Double(pl.replicas); p[g.index] = 1
                } else {
                    return nil
                }
            }
        }
        refreshIdle(&p)
        return p
    }

    // MARK: Dominance

    /// Candidates worth a variable. For full service, among candidates of one GPU type a candidate using no more
    /// cards and no more value than another makes the other useless; partial service keeps all (replica
    /// granularity differs).
    static func undominated(_ sc: ServerCandidates, keepPartial: Bool) -> [Int] {
        if keepPartial { return Array(sc.candidates.indices) }
        let cs = sc.candidates
        let maxReplicas = sc.server.maxReplicas ?? Int.max
        func value(_ k: Int) -> Double {
            transitionValue(from: sc.server.current, to: cs[k].accelerator, replicas: cs[k].replicasNeeded, costPerReplica: cs[k].costPerReplica)
        }
        return cs.indices.filter { b in
            !cs.indices.contains { a in
                a != b && cs[a].replicasNeeded <= maxReplicas && cs[a].acceleratorType == cs[b].acceleratorType
                    && cs[a].units <= cs[b].units && value(a) <= value(b)
                    && (cs[a].units < cs[b].units || value(a) < value(b) || a < b)
            }
        }
    }

    static func fullIsUseful(_ sc: ServerCandidates, _ k: Int, keepPartial: Bool) -> Bool {
        guard keepPartial else { return true }
        let cs = sc.candidates
        let maxReplicas = sc.server.maxReplicas ?? Int.max
        let value = { (i: Int) in transitionValue(from: sc.server.current, to: cs[i].accelerator, replicas: cs[i].replicasNeeded, costPerReplica: cs[i].costPerReplica) }
        return !cs.indices.contains { a in
            a != k && cs[a].replicasNeeded <= maxReplicas && cs[a].acceleratorType == cs[k].acceleratorType
                && cs[a].units <= cs[k].units && value(a) <= value(k)
                && (cs[a].units < cs[k].units || value(a) < value(k) || a < k)
        }
    }
}
