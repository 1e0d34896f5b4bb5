/// The largest values Inferno accepts where a value enters (system JSON, VariantAutoscaling specs, scenarios).
///
/// Each is far above any real deployment and low enough that nothing sized from it (the queue model's arrays,
/// integer products such as `maxBatchSize * atTokens`, replica counts in the MIP) overflows or allocates more
/// than a few megabytes. A value above its limit is an error naming the entity, the field and the limit.
public enum InputLimits {
    /// Requests in one replica's batch (`maxBatchSize`, a VariantAutoscaling's batch override). vLLM's
    /// `max_num_seqs` defaults to 256; the queue model keeps two arrays of this length.
    public static let batchSize = 16_384
    /// Replicas of one server (`minNumReplicas`, `maxNumReplicas`, current replicas).
    public static let replicas = 100_000
    /// Cards per replica (`accCount`) and cards per accelerator unit (`multiplicity`).
    public static let cardsPerReplica = 1_024
    /// Cards of one type in the cluster (`capacity`).
    public static let cards = 10_000_000
    /// Mean input or output tokens per request, and a profile's `atTokens`.
    public static let tokens = 10_000_000.0
    /// Requests per minute to one server.
    public static let ratePerMinute = 1e12
    /// Cost per hour of one accelerator or one replica.
    public static let cost = 1e12
    /// Any time in milliseconds: SLO targets, profile coefficients, observed latencies (about 11.6 days).
    public static let milliseconds = 1e9
}

