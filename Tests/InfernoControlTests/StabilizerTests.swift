import InfernoControl
import InfernoMIP
import Testing

/// The HPA-style scale-down window and the capacity release, on decisions built by hand; every expected count is
/// worked out in the comments from the rule (scale up at once; down only to the highest recommendation of the last
/// window; holds that overflow a GPU type released from the lowest priority up).
@Suite struct StabilizerTests {
    static func decision(_ name: String, current: Int, optimized: Int, priority: Int = 1) -> VariantDecision {
        let v = VariantObservation(id: VariantID(namespace: "ns", name: name), modelID: "m", accelerator: "G", profiles: [],
                                   minReplicas: 0, scaleTarget: name, currentReplicas: current)
        return VariantDecision(variant: v, load: .missing("-"), action: .scale, current: current, desired: optimized,
                               optimized: optimized, accelerator: "G", reason: "optimized", fullyServed: true, priority: priority)
    }

    /// One card of type G per replica.
    static func oneCard(_ d: VariantDecision) -> (type: String, cards: Int)? { ("G", 1) }

    static func desired(_ s: inout Stabilizer, at t: Double, current: Int, optimized: Int) -> Int {
        s.stabilize([decision("a", current: current, optimized: optimized)], at: t, cardsPerReplica: oneCard,
                    available: ["G": 100])[0].desired
    }

    @Test func scalesUpAtOnce() {
        var s = Stabilizer(windowSeconds: 300)
        #expect(Self.desired(&s, at: 0, current: 2, optimized: 5) == 5)
    }

    @Test func aNewVariantStartsItsWindowAtItsCurrentReplicas() {
        var s = Stabilizer(windowSeconds: 300)
        // First sighting with 5 running: the window holds 5, so a wish for 2 waits.
        #expect(Self.desired(&s, at: 0, current: 5, optimized: 2) == 5)
    }

    @Test func scaleDownFollowsTheHighestRecommendationOfTheWindow() {
        var s = Stabilizer(windowSeconds: 300)
        #expect(Self.desired(&s, at: 0, current: 5, optimized: 5) == 5)
        // t = 60: the window holds {5 (t = 0), 3}: stay at 5.
        #expect(Self.desired(&s, at: 60, current: 5, optimized: 3) == 5)
        // t = 301: t = 0 left the window (301 - 0 >= 300); {3 (t = 60), 2}: down to 3, not 2.
        #expect(Self.desired(&s, at: 301, current: 5, optimized: 2) == 3)
        // t = 361: t = 60 left too; {2 (t = 301), 2}: down to 2.
        #expect(Self.desired(&s, at: 361, current: 3, optimized: 2) == 2)
    }

    @Test func neverAboveWhatRunsBecauseOfHistory() {
        var s = Stabilizer(windowSeconds: 300)
        _ = Self.desired(&s, at: 0, current: 8, optimized: 8)
        // Someone scaled the Deployment to 3 by hand; the window remembers 8 but the hold is capped at 3.
        #expect(Self.desired(&s, at: 60, current: 3, optimized: 1) == 3)
    }

    @Test func aZeroWindowScalesDownAtOnce() {
        var s = Stabilizer(windowSeconds: 0)
        #expect(Self.desired(&s, at: 0, current: 5, optimized: 1) == 1)
    }

    @Test func holdsThatOverflowATypeAreReleasedFromTheLowestPriorityUp() {
        var s = Stabilizer(windowSeconds: 300)
        // Both first seen with 3 running and wanting 1: both would hold 3, 6 cards of the 4 there are. The excess
        // (2) comes out of the priority-10 hold: it drops to 1; the priority-1 hold keeps 3.
        let out = s.stabilize([Self.decision("premium", current: 3, optimized: 1, priority: 1),
                               Self.decision("free", current: 3, optimized: 1, priority: 10)],
                              at: 0, cardsPerReplica: Self.oneCard, available: ["G": 4])
        #expect(out.map(\.desired) == [3, 1])
        #expect(out[1].reason.hasSuffix("; released 2 for capacity"))
        #expect(out[0].reason.contains("holding 3, optimizer wants 1"))
    }

    @Test func heldDecisionsAreLeftAlone() {
        var s = Stabilizer(windowSeconds: 300)
        var d = Self.decision("a", current: 4, optimized: 1)
        d.action = .hold("metrics unavailable")
        d.desired = 4
        d.optimized = nil
        let out = s.stabilize([d], at: 0, cardsPerReplica: Self.oneCard, available: ["G": 1])
        #expect(out[0].desired == 4 && out[0].reason == "optimized")
    }

    @Test func forgottenVariantsStartAfresh() {
        var s = Stabilizer(windowSeconds: 300)
        _ = Self.desired(&s, at: 0, current: 9, optimized: 9)
        s.retain([])
        // History dropped: the window restarts at the current 4, not the remembered 9.
        #expect(Self.desired(&s, at: 60, current: 4, optimized: 1) == 4)
        #expect(Self.desired(&s, at: 400, current: 4, optimized: 1) == 1)
    }
}
