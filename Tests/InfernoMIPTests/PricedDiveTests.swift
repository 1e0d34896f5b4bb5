import Foundation
import Testing
@testable import InfernoMIP

/// The room-making dive's helpers (PricedDive.swift) on an instance worked out by hand: GPU types T (8 cards) and
/// U (4 cards), one card per replica. Priority 0: `big` (4 cards of T or 4 of U), `topT` (1 of T), `topU` (1 of U);
/// priority 1, the level the stage counts: `lowT` (1 of T), `lowU` (1 of U).
@Suite struct PricedDiveTests {
    static let t4 = Instances.candidate("T", replicas: 4, costPerReplica: 10)
    static let u4 = Instances.candidate("U", replicas: 4, costPerReplica: 10)
    static let t1 = Instances.candidate("T", replicas: 1, costPerReplica: 10)
    static let u1 = Instances.candidate("U", replicas: 1, costPerReplica: 10)

    static func driver(tuning: MIPTuning = MIPTuning()) -> StagedSolve {
        let servers = [Instances.server("big", priority: 0, [t4, u4]), Instances.server("topT", priority: 0, [t1]),
                       Instances.server("topU", priority: 0, [u1]), Instances.server("lowT", priority: 1, [t1]),
                       Instances.server("lowU", priority: 1, [u1])]
        let options = OptimizerOptions(timeLimitSeconds: 10, relativeGap: 0)
        let problem = OptimizationProblem(servers: servers, capacity: Capacity(["T": 8, "U": 4]), options: options)
        return StagedSolve(servers: problem.servers, options: options, cards: problem.cards(of:),
                           assembler: SolutionAssembler(problem: problem), tuning: tuning,
                           solveStage: { CbcSolver().solve($0, settings: $1) })
    }

    /// The relaxation, the groups by server name, `big`'s choice on T and the count of priority 1; with
    /// `fixedTop`, the count of priority 0 fixed at 2 by an earlier stage.
    static func setup(_ d: StagedSolve, fixedTop: Bool = false) throws
        -> (ChoiceRelaxation, [String: Int], onT: Int, CountTarget) {
        var f = d.initialState(start: nil).formulation
        if fixedTop {
            let top = d.servers.indices.filter { d.servers[$0].priority == 0 }
            f.model.add(f.servedCount(top) >= 2, "stage served p0")
        }
        let relaxation = try #require(ChoiceRelaxation(f, pinned: [:]))
        let group = Dictionary(uniqueKeysWithValues: relaxation.groups.enumerated().map {
            (d.servers[$1.server].name, $0)
        })
        let big = relaxation.groups[try #require(group["big"])]
        let onT = try #require(big.columns.firstIndex { f.model.columns[$0].name == "f[big,T]" })
        let low = d.servers.indices.filter { d.servers[$0].priority == 1 }
        return (relaxation, group, onT, CountTarget(count: f.servedCount(low), slack: 0))
    }

    /// Room for `big` on T: the servers whose pick is on T (`topT`, `lowT`) and every counted server (`lowU`), not
    /// `topU` (on U, not counted) and not `big`, which takes nothing in the picks given.
    @Test func roomMakersAreTheFixedTypesServersAndEveryCountedOne() throws {
        let d = Self.driver()
        let (relaxation, group, onT, target) = try Self.setup(d)
        var agreed = [Int](repeating: 0, count: relaxation.groups.count)
        agreed[try #require(group["big"])] = -1
        let room = d.roomMakers(relaxation, group: relaxation.groups[try #require(group["big"])], choice: onT,
                                agreed: agreed, target: target)
        let names = Set(room.map { d.servers[relaxation.groups[$0].server].name })
        #expect(names == ["topT", "lowT", "lowU"])
    }

    /// With the count of priority 0 fixed, `big`'s choice on T uses that row too, and so does `topU`'s pick: it may
    /// give up its place in the count to `big`, so it is freed as well.
    @Test func roomMakersIncludeTheServersOfTheFixedServersCount() throws {
        let d = Self.driver()
        let (relaxation, group, onT, target) = try Self.setup(d, fixedTop: true)
        var agreed = [Int](repeating: 0, count: relaxation.groups.count)
        agreed[try #require(group["big"])] = -1
        let room = d.roomMakers(relaxation, group: relaxation.groups[try #require(group["big"])], choice: onT,
                                agreed: agreed, target: target)
        let names = Set(room.map { d.servers[relaxation.groups[$0].server].name })
        #expect(names == ["topT", "topU", "lowT", "lowU"])
    }

    /// `big` split 0.6 on T, 0.4 on U: on T, where the LP put most of it, it takes 4 of 8 cards, so it is large for a
    /// share of 1% or 49% of a row's bound, and not for 50% or more.
    @Test(arguments: [(0.01, true), (0.49, true), (0.5, false), (0.9, false)])
    func aSplitServerIsLargeByItsShareOfARow(share: Double, large: Bool) throws {
        var tuning = MIPTuning()
        tuning.roomDiveShare = share
        let d = Self.driver(tuning: tuning)
        let (relaxation, group, _, _) = try Self.setup(d)
        let f = d.initialState(start: nil).formulation
        var x = [Double](repeating: 0, count: f.model.columns.count)
        for c in relaxation.groups[try #require(group["big"])].columns {
            x[c] = f.model.columns[c].name == "f[big,T]" ? 0.6 : 0.4
        }
        #expect(d.largeSplit(relaxation, x) == large)
        // Nothing split: nothing is large.
        #expect(!d.largeSplit(relaxation, [Double](repeating: 0, count: f.model.columns.count)))
    }
}
