/// How long and how precisely ``CbcSolver`` searches.
///
/// Fixed, not configurable: CBC runs serially (its `threads` parameter stays at the default 0;
/// in this CBC build `threads 1` already starts a worker thread) and its time limit is wall clock
/// (`timeMode elapsed`; CBC's default counts CPU time, which under load lets a solve run far
/// longer than the limit).
public struct CbcSettings: Hashable, Sendable {
    /// Wall-clock limit for the search, seconds; `nil` for none. CBC checks it between nodes and
    /// cut passes, so a solve can overrun it a little (tens of milliseconds on small models).
    public var timeLimitSeconds: Double?
    /// Stop once `|incumbent - bound| <= relativeGap * |incumbent|` (CBC's `ratioGap`);
    /// `nil` keeps CBC's default (0: prove optimality).
    public var relativeGap: Double?
    /// CBC's log level; 0 prints nothing, 1 a summary, higher more.
    public var logLevel: Int

    /// Further CBC command-line parameters (`Cbc_setParameter(name, value)`, e.g. `"preprocess": "off"`),
    /// applied in name order after the settings above. Empty by default: CBC's own defaults.
    public var parameters: [String: String]

    public init(timeLimitSeconds: Double? = nil, relativeGap: Double? = nil, logLevel: Int = 0,
                parameters: [String: String] = [:]) {
        self.timeLimitSeconds = timeLimitSeconds
        self.relativeGap = relativeGap
        self.logLevel = logLevel
        self.parameters = parameters
    }
}
