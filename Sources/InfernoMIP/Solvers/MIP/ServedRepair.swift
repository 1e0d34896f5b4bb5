import Foundation

extension StagedSolve {
    /// Restores the served counts fixed by earlier stages at `state.point` when a rounding lost some (see
    /// ``ServedRepair``). Returns whether anything was evicted (they then have nothing; ``fillIdle(_:only:)`` may
    /// place them elsewhere).
    func repairServed(_ state: inout StageState, preferring first: Set<Int> = [],
                      lpShare: (Int) -> [String: Double] = { _ in [:] }) -> Bool {
        guard var p = state.point else { return false }
        var repair = ServedRepair(driver: self, placements: state.formulation.placements(at: p),
                                  requiredServed: state.requiredServed)
        repair.restore(preferring: first, lpShare: lpShare)
        state.steps += repair.steps
        guard let q = state.formulation.point(for: repair.placements, solutionStatus: assembler.isFullyServed) else {
            return false
        }
        for i in q.indices { p[i] = q[i] }
        state.point = p
        return repair.evicted
    }
}

/// Puts back servers of levels short of their fixed served count. An unserved server of such a level (those in
/// `first`, the ones the rounding dropped, before the others) takes the candidate whose room costs the fewest
/// evictions, then the one the LP gave most of it (`lpShare`). Room on a GPU type is made first by moving fully
/// served servers of any level to another type with free cards (no one loses service), then by evicting servers of
/// lower priority (lowest priority first, larger first). Without the moves, or choosing by fewest cards, a rounded
/// answer could be discarded or gutted (docs/benchmark.md, "Repairing the rounded LP answer").
struct ServedRepair {
    /// How room is made for one candidate: servers moved (to the candidate given) and servers evicted.
    struct Room {
        var moves: [(server: Int, to: Candidate)]
        var evictions: [Int]
    }

    let driver: StagedSolve
    let requiredServed: [Int: Int]
    private(set) var placements: [String: [Placement]]
    private(set) var steps: [MIPStep] = []
    private(set) var evicted = false
    private var used: [String: Int] = [:]
    private var onType: [String: Set<Int>] = [:]
    private var servers: [ServerCandidates] { driver.servers }

    /// A level far short of its count (which only a search can restore) gives up after this many servers that
    /// found no room: milliseconds, not seconds.
    static let failuresPerLevel = 32

    init(driver: StagedSolve, placements: [String: [Placement]], requiredServed: [Int: Int]) {
        self.driver = driver
        self.placements = placements
        self.requiredServed = requiredServed
        for (s, sc) in driver.servers.enumerated() {
            for pl in placements[sc.name] ?? [] {
                used[pl.acceleratorType, default: 0] += pl.units
                onType[pl.acceleratorType, default: []].insert(s)
            }
        }
    }

    mutating func restore(preferring first: Set<Int>, lpShare: (Int) -> [String: Double]) {
        for (level, required) in requiredServed.sorted(by: { $0.key < $1.key }) {
            let members = driver.byLevel[level] ?? []
            var count = members.filter { isServed($0) }.count
            guard count < required else { continue }
            var failures = 0
            let unserved = members.filter { !isServed($0) }.sorted {
                (first.contains($0) ? 0 : 1, servers[$0].name) < (first.contains($1) ? 0 : 1, servers[$1].name)
            }
            for s in unserved where count < required && failures < Self.failuresPerLevel {
                if let (c, plan) = bestPlan(for: s, level: level, share: lpShare(s)) {
                    for (v, to) in plan.moves { place(v, to) }
                    for v in plan.evictions { unplace(v) }
                    evicted = evicted || !plan.evictions.isEmpty
                    place(s, c)
                    count += 1
                    steps.append(.repair(priority: level, server: servers[s].name, accelerator: c.accelerator,
                                         cards: c.units, moved: plan.moves.count, evicted: plan.evictions.count))
                } else {
                    failures += 1
                }
            }
        }
    }

    /// The candidate that evicts the fewest servers whose level has a fixed count (each would need a repair of its
    /// own), then the fewest servers, then the one the LP gave most of the server to, then the fewest cards.
    func bestPlan(for s: Int, level: Int, share: [String: Double]) -> (Candidate, Room)? {
        let plans = fullOptions(s).compactMap { c in room(for: c, level: level, excluding: s).map { (c, $0) } }
        func damage(_ plan: Room) -> (Int, Int) {
            (plan.evictions.filter { requiredServed[servers[$0].priority] != nil }.count, plan.evictions.count)
        }
        return plans.min { a, b in
            let da = damage(a.1), db = damage(b.1)
            return (da.0, da.1, -(share[a.0.accelerator] ?? 0), a.0.units) < (db.0, db.1, -(share[b.0.accelerator] ?? 0), b.0.units)
        }
    }

    /// How to make room for `c` (for a server of `level`): moves, then evictions; nil if it cannot.
    func room(for c: Candidate, level: Int, excluding s: Int) -> Room? {
        let type = c.acceleratorType
        guard free(type) < c.units else { return Room(moves: [], evictions: []) }
        let here = (onType[type] ?? []).filter { $0 != s }.map { v in (v, units(v, on: type)) }
        // Moves: fully served servers on this type with a full-service candidate elsewhere that fits.
        var moves: [(server: Int, to: Candidate)] = []
        var gained = 0
        var taken: [String: Int] = [:]
        for (v, u) in here.sorted(by: { ($0.1, servers[$1.0].name) > ($1.1, servers[$0.0].name) })
        where free(type) + gained < c.units && placements[servers[v].name]!.count == 1 && isServed(v) {
            if let to = fullOptions(v).first(where: { $0.acceleratorType != type
                && free($0.acceleratorType) - (taken[$0.acceleratorType] ?? 0) >= $0.units }) {
                moves.append((v, to))
                taken[to.acceleratorType, default: 0] += to.units
                gained += u
            }
        }
        // Evictions: lower priorities, lowest first, larger first, then by name: `here` comes from a set, whose
        // order differs between runs, so a tie left to it made the same solve end differently.
        let moved = Set(moves.map { $0.server })
        var chosen: [Int] = []
        for (v, u) in here.filter({ servers[$0.0].priority > level && !moved.contains($0.0) }).sorted(by: {
            (servers[$0.0].priority, $0.1, servers[$1.0].name) > (servers[$1.0].priority, $1.1, servers[$0.0].name)
        })
        where free(type) + gained < c.units {
            chosen.append(v)
            gained += u
        }
        return free(type) + gained >= c.units ? Room(moves: moves, evictions: chosen) : nil
    }

    func free(_ type: String) -> Int {
        driver.cards(type) == Int.max ? Int.max / 4 : driver.cards(type) - (used[type] ?? 0)
    }

    func isServed(_ s: Int) -> Bool { driver.assembler.isFullyServed(servers[s], placements[servers[s].name] ?? []) }

    func units(_ s: Int, on type: String) -> Int {
        (placements[servers[s].name] ?? []).reduce(0) { $0 + ($1.acceleratorType == type ? $1.units : 0) }
    }

    /// A server's full-service candidates within its replica bound, fewest cards first.
    func fullOptions(_ s: Int) -> [Candidate] {
        servers[s].candidates.filter { c in servers[s].server.maxReplicas.map { c.replicasNeeded <= $0 } ?? true }
            .sorted { ($0.units, $0.accelerator) < ($1.units, $1.accelerator) }
    }

    private mutating func unplace(_ s: Int) {
        for pl in placements[servers[s].name] ?? [] {
            used[pl.acceleratorType, default: 0] -= pl.units
            onType[pl.acceleratorType]?.remove(s)
        }
        placements[servers[s].name] = []
    }

    private mutating func place(_ s: Int, _ c: Candidate) {
        unplace(s)
        placements[servers[s].name] = [Placement(candidate: c, replicas: c.replicasNeeded)]
        used[c.acceleratorType, default: 0] += c.units
        onType[c.acceleratorType, default: []].insert(s)
    }
}
