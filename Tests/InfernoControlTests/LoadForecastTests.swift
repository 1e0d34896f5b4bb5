import InfernoControl
import Testing

/// The lookahead on rising load: linear extrapolation of the arrival rate between the last two measurements, only
/// upwards; the expected rates are the straight line through the two points, by hand.
@Suite struct LoadForecastTests {
    static let id = VariantID(namespace: "ns", name: "a")

    static func load(_ rate: Double) -> [VariantID: LoadObservation] {
        [id: .available(VariantLoad(arrivalRatePerMinute: rate, meanInputTokens: 100, meanOutputTokens: 200))]
    }

    static func rate(_ f: inout LoadForecast<VariantID>, _ observed: [VariantID: LoadObservation], at t: Double,
                     lookahead: Double = 120) -> Double? {
        f.extrapolate(observed, at: t, lookaheadSeconds: lookahead)[id]?.load?.arrivalRatePerMinute
    }

    @Test func aFirstMeasurementIsTakenAsItIs() {
        var f = LoadForecast<VariantID>()
        #expect(Self.rate(&f, Self.load(60), at: 0) == 60)
    }

    @Test func aRisingRateIsExtrapolatedAlongItsSlope() {
        var f = LoadForecast<VariantID>()
        _ = Self.rate(&f, Self.load(60), at: 0)
        // 60 -> 120 per minute over 60 s: +1 per minute each second; 120 s ahead: 120 + 120 = 240.
        #expect(Self.rate(&f, Self.load(120), at: 60) == 240)
        let out = f.extrapolate(Self.load(150), at: 120, lookaheadSeconds: 120)[Self.id]?.load
        // 120 -> 150 over 60 s: +0.5/s; 150 + 60 = 210, token means untouched.
        #expect(out == VariantLoad(arrivalRatePerMinute: 210, meanInputTokens: 100, meanOutputTokens: 200))
    }

    @Test func aFallingRateIsNotExtrapolated() {
        var f = LoadForecast<VariantID>()
        _ = Self.rate(&f, Self.load(120), at: 0)
        #expect(Self.rate(&f, Self.load(30), at: 60) == 30)
    }

    @Test func noLookaheadSizesForTheMeasuredLoad() {
        var f = LoadForecast<VariantID>()
        _ = Self.rate(&f, Self.load(60), at: 0, lookahead: 0)
        #expect(Self.rate(&f, Self.load(120), at: 60, lookahead: 0) == 120)
    }

    @Test func aMissingMeasurementKeepsTheLastOne() {
        var f = LoadForecast<VariantID>()
        _ = Self.rate(&f, Self.load(60), at: 0)
        #expect(f.extrapolate([Self.id: .missing("scrape failed")], at: 60, lookaheadSeconds: 120)[Self.id] == .missing("scrape failed"))
        // The slope is taken from t = 0: (180 - 60) / 120 s = 1 per minute per second; 180 + 120 = 300.
        #expect(Self.rate(&f, Self.load(180), at: 120) == 300)
    }

    @Test func aVanishedVariantIsForgotten() {
        var f = LoadForecast<VariantID>()
        _ = Self.rate(&f, Self.load(60), at: 0)
        _ = f.extrapolate([:], at: 60, lookaheadSeconds: 120)
        #expect(Self.rate(&f, Self.load(120), at: 120) == 120)
    }
}
