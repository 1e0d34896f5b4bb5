extension PerformanceParameters {
    /// Every time coefficient multiplied by `factor` (the per-iteration token budget is not a time and stays): a
    /// server `factor` times slower (above 1) or faster (below 1) than the profile says.
    public func scaled(by factor: Double) -> PerformanceParameters {
        with(coefficients: coefficients.map { $0 * factor })
    }
}

extension ModelProfile {
    /// The same profile with its performance parameters multiplied by `factor` (memory facts unchanged).
    public func scaled(by factor: Double) -> ModelProfile {
        var p = self
        p.performance = performance.scaled(by: factor)
        return p
    }
}
