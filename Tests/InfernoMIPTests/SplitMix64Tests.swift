import InfernoMIP
import Testing

/// The package's one seeded generator against the reference implementation's published outputs (Vigna's
/// `splitmix64.c`), so that a seed names the same scenario, simulation and random instance on every toolchain.
@Suite struct SplitMix64Tests {
    @Test func matchesTheReferenceStream() {
        var zero = SplitMix64(seed: 0)
        #expect([zero.next(), zero.next(), zero.next()] == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
        var g = SplitMix64(seed: 1_234_567)
        #expect((0..<5).map { _ in g.next() }
                == [6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
                    4_593_380_528_125_082_431, 16_408_922_859_458_223_821])
    }

    @Test func drawsStayInTheirRanges() {
        var g = SplitMix64(seed: 3)
        for _ in 0..<10_000 {
            let u = g.unit()
            #expect(u >= 0 && u < 1)
            #expect((-2...5).contains(g.int(-2...5)))
            #expect((1.5...2.5).contains(g.double(1.5...2.5)))
        }
    }

    @Test func streamsAndForksAreIndependentAndReproducible() {
        var a = SplitMix64(seed: 9, stream: "router"), b = SplitMix64(seed: 9, stream: "router")
        var c = SplitMix64(seed: 9, stream: "model")
        #expect(a.next() == b.next())
        #expect(a.next() != c.next())
        let parent = SplitMix64(seed: 4)
        var f1 = parent.fork(1), f1again = parent.fork(1), f2 = parent.fork(2)
        #expect(f1.next() == f1again.next() && f1.next() != f2.next())
    }
}
