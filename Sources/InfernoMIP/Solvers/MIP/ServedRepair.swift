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

    /// A full-service candidate with its GPU type's index here.
    private struct Option {
        var candidate: Candidate
        var type: Int
    }

    /// A type's servers in the two orders ``room(for:level:excluding:)`` takes them, with their cards there.
    private struct Holders {
        /// Most cards first: the servers it tries to move.
        var byCards: [(server: Int, units: Int)]
        /// Lowest priority first, then most cards: the servers it evicts.
        var byPriority: [(server: Int, units: Int)]
    }

    let driver: StagedSolve
    let requiredServed: [Int: Int]
    private(set) var placements: [String: [Placement]]
    private(set) var steps: [MIPStep] = []
    private(set) var evicted = false
    // Indexed by server and by type rather than by name: a room is tried for every candidate of every server put
    // back, over every server on its type, and lookups by name took most of a 10,000-server repair's time.
    private var placed: [[Placement]]
    private var served: [Bool]
    private let priority: [Int]
    /// Each server's position in name order: the tie-break of every order here, compared as integers.
    private let nameRank: [Int]
    private var typeIndex: [String: Int] = [:]
    private var typeNames: [String] = []
    private var typeCards: [Int] = []
    private var typeUsed: [Int] = []
    private var onType: [Set<Int>] = []
    /// Each type's ``Holders``, once asked for; dropped when a server on the type is placed or unplaced.
    private var holders: [Holders?] = []
    /// Each server's full-service candidates (``fullOptions(_:)``), once asked for.
    private var options: [[Option]?]
    private var servers: [ServerCandidates] { driver.servers }

    /// A level far short of its count (which only a search can restore) gives up after this many servers that
    /// found no room: milliseconds, not seconds.
    static let failuresPerLevel = 32

    init(driver: StagedSolve, placements: [String: [Placement]], requiredServed: [Int: Int]) {
        self.driver = driver
        self.placements = placements
        self.requiredServed = requiredServed
        let servers = driver.servers
        let placed = servers.map { placements[$0.name] ?? [] }
        let served = servers.indices.map { driver.assembler.isFullyServed(servers[$0], placed[$0]) }
        var rank = [Int](repeating: 0, count: servers.count)
        // Only a level short of its count needs the orders: most repairs have none (the sort is 10,000 names).
        if requiredServed.contains(where: { level, required in
            (driver.byLevel[level] ?? []).count { served[$0] } < required }) {
            let byName = servers.indices.sorted { servers[$0].name < servers[$1].name }
            for (r, s) in byName.enumerated() { rank[s] = r }
        }
        self.placed = placed
        self.served = served
        priority = servers.map(\.priority)
        nameRank = rank
        options = Array(repeating: nil, count: servers.count)
        for s in servers.indices {
            for pl in placed[s] {
                let t = type(pl.acceleratorType)
                typeUsed[t] += pl.units
                onType[t].insert(s)
            }
        }
    }

    mutating func restore(preferring first: Set<Int>, lpShare: (Int) -> [String: Double]) {
        for (level, required) in requiredServed.sorted(by: { $0.key < $1.key }) {
            let members = driver.byLevel[level] ?? []
            var count = members.count { served[$0] }
            guard count < required else { continue }
            var failures = 0
            let unserved = members.filter { !served[$0] }.sorted {
                (first.contains($0) ? 0 : 1, nameRank[$0]) < (first.contains($1) ? 0 : 1, nameRank[$1])
            }
            for s in unserved where count < required && failures < Self.failuresPerLevel {
                if let (c, plan) = bestPlan(for: s, level: level, share: lpShare(s)) {
                    for (v, to) in plan.moves { place(v, to) }
                    for v in plan.evictions { unplace(v) }
                    evicted = evicted || !plan.evictions.isEmpty
                    place(s, c)
                    count += 1
                    steps.append(.repair(priority: level, server: servers[s].name, accelerator: c.candidate.accelerator,
                                         cards: c.candidate.units, moved: plan.moves.count,
                                         evicted: plan.evictions.count))
                } else {
                    failures += 1
                }
            }
        }
    }

    /// The candidate that evicts the fewest servers whose level has a fixed count (each would need a repair of its
    /// own), then the fewest servers, then the one the LP gave most of the server to, then the fewest cards.
    private mutating func bestPlan(for s: Int, level: Int, share: [String: Double]) -> (Option, Room)? {
        var plans: [(Option, Room)] = []
        for c in fullOptions(s) {
            if let plan = room(for: c, level: level, excluding: s) { plans.append((c, plan)) }
        }
        func damage(_ plan: Room) -> (Int, Int) {
            (plan.evictions.count { requiredServed[priority[$0]] != nil }, plan.evictions.count)
        }
        return plans.min { a, b in
            let da = damage(a.1), db = damage(b.1)
            let ca = a.0.candidate, cb = b.0.candidate
            return (da.0, da.1, -(share[ca.accelerator] ?? 0), ca.units)
                < (db.0, db.1, -(share[cb.accelerator] ?? 0), cb.units)
        }
    }

    /// How to make room for `c` (for a server of `level`): moves, then evictions; nil if it cannot.
    private mutating func room(for c: Option, level: Int, excluding s: Int) -> Room? {
        let needed = c.candidate.units - free(c.type)
        guard needed > 0 else { return Room(moves: [], evictions: []) }
        let here = holders(on: c.type)
        // Moves: fully served servers on this type with a full-service candidate elsewhere that fits.
        var moves: [(server: Int, to: Candidate)] = []
        var gained = 0
        var taken = [Int](repeating: 0, count: typeUsed.count)
        for (v, u) in here.byCards {
            if gained >= needed { break }
            guard v != s, placed[v].count == 1, served[v] else { continue }
            let elsewhere = fullOptions(v)
            // Its options may name a type met for the first time.
            taken += repeatElement(0, count: typeUsed.count - taken.count)
            if let to = elsewhere.first(where: {
                $0.type != c.type && free($0.type) - taken[$0.type] >= $0.candidate.units }) {
                moves.append((v, to.candidate))
                taken[to.type] += to.candidate.units
                gained += u
            }
        }
        // Evictions: lower priorities, lowest first, larger first, then by name (a set's order differs between runs,
        // so a tie left to it made the same solve end differently).
        let moved = Set(moves.map { $0.server })
        var chosen: [Int] = []
        for (v, u) in here.byPriority {
            if gained >= needed { break }
            guard v != s, priority[v] > level, !moved.contains(v) else { continue }
            chosen.append(v)
            gained += u
        }
        return gained >= needed ? Room(moves: moves, evictions: chosen) : nil
    }

    /// The servers on type `t` in both orders, sorted once per change of the type's servers.
    private mutating func holders(on t: Int) -> Holders {
        if let known = holders[t] { return known }
        let name = typeNames[t]
        let here = onType[t].map { v in
            (server: v, units: placed[v].reduce(0) { $0 + ($1.acceleratorType == name ? $1.units : 0) })
        }
        let rank = nameRank, priority = priority
        let made = Holders(
            byCards: here.sorted { ($0.units, rank[$1.server]) > ($1.units, rank[$0.server]) },
            byPriority: here.sorted {
                (priority[$0.server], $0.units, rank[$1.server]) > (priority[$1.server], $1.units, rank[$0.server])
            })
        holders[t] = made
        return made
    }

    /// A type's index here, new types added as met.
    private mutating func type(_ name: String) -> Int {
        if let t = typeIndex[name] { return t }
        let cards = driver.cards(name)
        typeIndex[name] = typeCards.count
        typeNames.append(name)
        typeCards.append(cards == Int.max ? Int.max / 4 : cards)
        typeUsed.append(0)
        onType.append([])
        holders.append(nil)
        return typeCards.count - 1
    }

    private func free(_ t: Int) -> Int { typeCards[t] - typeUsed[t] }

    /// A server's full-service candidates within its replica bound, fewest cards first.
    private mutating func fullOptions(_ s: Int) -> [Option] {
        if let known = options[s] { return known }
        let bound = servers[s].server.maxReplicas
        let made = servers[s].candidates.filter { c in bound.map { c.replicasNeeded <= $0 } ?? true }
            .sorted { ($0.units, $0.accelerator) < ($1.units, $1.accelerator) }
            .map { Option(candidate: $0, type: type($0.acceleratorType)) }
        options[s] = made
        return made
    }

    private mutating func unplace(_ s: Int) {
        for pl in placed[s] {
            let t = type(pl.acceleratorType)
            typeUsed[t] -= pl.units
            onType[t].remove(s)
            holders[t] = nil
        }
        set(s, [])
    }

    private mutating func place(_ s: Int, _ c: Candidate) {
        unplace(s)
        set(s, [Placement(candidate: c, replicas: c.replicasNeeded)])
        let t = type(c.acceleratorType)
        typeUsed[t] += c.units
        onType[t].insert(s)
        holders[t] = nil
    }

    private mutating func place(_ s: Int, _ c: Option) { place(s, c.candidate) }

    private mutating func set(_ s: Int, _ placements: [Placement]) {
        placed[s] = placements
        self.placements[servers[s].name] = placements
        served[s] = driver.assembler.isFullyServed(servers[s], placements)
    }
}
