import Foundation
import Testing
@testable import InfernoMIP

/// The model's arithmetic made faster without changing its results (docs/benchmark.md, "Less work around CBC"),
/// against the plain computations it replaced: bit for bit, on random inputs.
@Suite struct ModelArithmeticTests {
    /// A random sparse expression over `columns` columns, with fractional coefficients (where the order of a sum
    /// shows in its last bits), and a point that is 0 on most columns.
    static func randomCase(_ rng: inout SplitMix64, columns: Int) -> (LinearExpression, [Double]) {
        var e = LinearExpression(constant: rng.unit() * 10 - 5)
        for c in 0..<columns where rng.unit() < 0.6 { e.terms[c] = (rng.unit() - 0.5) * 1e3 / Double(rng.int(1...97)) }
        let point = (0..<columns).map { _ in rng.unit() < 0.7 ? 0 : (rng.unit() < 0.5 ? 1 : rng.unit() * 7) }
        return (e, point)
    }

    /// `value(_:)` skips the zero products: the sum over every term in column order gives the same bits.
    @Test func valueIsTheColumnOrderSumBitForBit() {
        var rng = SplitMix64(seed: 16)
        var multi = 0
        for _ in 0..<400 {
            let (e, point) = Self.randomCase(&rng, columns: rng.int(1...60))
            let reference = e.terms.keys.sorted().reduce(e.constant) { $0 + e.terms[$1]! * point[$1] }
            #expect(e.value(point).bitPattern == reference.bitPattern)
            if e.terms.keys.filter({ point[$0] != 0 }).count > 1 { multi += 1 }
        }
        #expect(multi > 100) // the path that sorts, not only the one-nonzero path
    }

    /// `sum()` and `+=` add in place: the same terms and constant as adding term by term into a copy.
    @Test func sumInPlaceEqualsTheSumOfCopies() {
        var rng = SplitMix64(seed: 17)
        let parts = (0..<50).map { _ in Self.randomCase(&rng, columns: 30).0 }
        var reference = LinearExpression()
        for p in parts {
            var copy = reference
            for (k, v) in p.terms { copy.terms[k, default: 0] += v }
            copy.constant += p.constant
            reference = copy
        }
        let summed = parts.sum()
        #expect(summed.terms.count == reference.terms.count)
        #expect(summed.terms.allSatisfy { reference.terms[$0.key]?.bitPattern == $0.value.bitPattern })
        #expect(summed.constant.bitPattern == reference.constant.bitPattern)
    }

    /// `occupancy(at:)` says what `placements(at:)` says: per GPU type the cards the placements use, and which
    /// servers have a placement, at points where random servers take a random choice or partial service.
    @Test func occupancyAgreesWithThePlacements() {
        var rng = SplitMix64(seed: 18)
        for seed in UInt64(1)...12 {
            var options = OptimizerOptions()
            options.saturationPolicy = seed % 2 == 0 ? .priorityExhaustive : .none
            let p = Instances.randomProblem(seed: seed, servers: 12, types: 3, priorities: 2, tightness: 1.2,
                                            options: options)
            let f = AllocationFormulation(servers: p.servers, options: p.options, cards: p.cards(of:))
            for _ in 0..<20 {
                var point = [Double](repeating: 0, count: f.model.columns.count)
                for s in f.servers.indices where rng.unit() < 0.6 {
                    let columns = f.columns(of: s).filter { f.model.columns[$0].kind != .continuous }
                    guard let c = columns.randomElement(using: &rng) else { continue }
                    point[c] = Double(rng.int(0...Int(min(3, f.model.columns[c].upper))))
                }
                let placements = f.placements(at: point)
                var used: [String: Int] = [:]
                for ps in placements.values { for pl in ps { used[pl.acceleratorType, default: 0] += pl.units } }
                let occupancy = f.occupancy(at: point)
                #expect(occupancy.used == used.filter { $0.value != 0 })
                #expect(occupancy.placed == f.servers.map { !(placements[$0.name] ?? []).isEmpty })
            }
        }
    }
}
