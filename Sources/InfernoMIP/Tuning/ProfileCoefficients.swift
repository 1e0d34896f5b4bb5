extension PerformanceParameters {
    /// The time coefficients of the profile, in a fixed order: the seed kind's `[alpha, beta, gamma, delta]`
    /// (decode, then prefill), the per-iteration kind's `[alpha, beta, gamma]` (the token budget is not a time).
    public var coefficients: [Double] {
        switch self {
        case .seed(let d, let p): [d.alpha, d.beta, p.gamma, p.delta]
        case .perIteration(let p): [p.alpha, p.beta, p.gamma]
        }
    }

    /// The names of ``coefficients`` as reports, metrics and the VariantAutoscaling status spell them.
    public var coefficientNames: [String] { Self.coefficientNames(of: kind) }

    public static func coefficientNames(of kind: ProfileKind) -> [String] {
        switch kind {
        case .seed: ["alpha", "beta", "gamma", "delta"]
        case .perIteration: ["alpha", "beta", "gamma"]
        }
    }

    /// The same kind with `values` as its coefficients (in ``coefficients``' order; the budget kept).
    public func with(coefficients values: [Double]) -> PerformanceParameters {
        precondition(values.count == coefficients.count, "\(values.count) coefficients for a \(kind) profile")
        switch self {
        case .seed:
            return .seed(decode: DecodeParameters(alpha: values[0], beta: values[1]),
                         prefill: PrefillParameters(gamma: values[2], delta: values[3]))
        case .perIteration(let p):
            return .perIteration(IterationParameters(alpha: values[0], beta: values[1], gamma: values[2],
                                                     maxNumTokens: p.maxNumTokens))
        }
    }
}
