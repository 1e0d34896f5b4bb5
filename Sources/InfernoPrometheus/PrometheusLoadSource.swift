import Foundation
import InfernoControl
import InfernoFormats
import InfernoMIP
import Logging

/// Measures a variant's load from vLLM's metrics in Prometheus (docs/formats.md §5).
///
/// Every query is aggregated with `sum(...)` over the variant's `{model_name, namespace}` (all its pods) — plus, when
/// other variants serve the same model, its Deployment's `matchLabels` (its own pods only; docs/reference.md) — and
/// each answer is classified before use. The rules, in order:
///
/// 1. **Presence and freshness**: `time() - max(timestamp(vllm:num_requests_running{…}))`, the age of the newest
///    sample on Prometheus' own clock. No series → `.missing`; older than `staleAfterSeconds` → `.stale`.
/// 2. **Arrival rate** (req/min): `sum(rate(vllm:request_success_total{…}[w])) * 60`, plus the growth of the
///    waiting queue, `max(0, sum(deriv(vllm:num_requests_waiting{…}[w])) * 60)`: by flow balance, arrivals =
///    completions + queue growth, so an overloaded server whose completions plateau still shows its real demand.
///    When `arrivalCounter` names a true arrival-side counter, its rate is used alone. An empty answer (fewer than
///    two samples in the window) or NaN/Inf → `.missing`.
/// 3. **Truly idle**: the counter series exists, is fresh, has samples across the window and did not move
///    (rate exactly 0, no queue growth) → `.available` with zero load and zero token means. That *is* zero load,
///    unlike an absent or NaN series, which is missing data and never read as zero.
/// 4. **Token means**: `sum(rate(x_sum)) / sum(rate(x_count))`; NaN (0/0) with a non-zero arrival rate (requests
///    arrive but none completed in the window) → `.missing`.
/// 5. **Latencies** (ms, optional): TTFT from `vllm:time_to_first_token_seconds`, ITL from
///    `vllm:inter_token_latency_seconds` (newer vLLM) or else `vllm:time_per_output_token_seconds`; NaN → `nil`.
///
/// Any HTTP or transport error → `.failed`. The caller keeps replicas as they are in every case but `.available`.
package struct PrometheusLoadSource: LoadSource {
    package let client: PrometheusClient
    package var queries: VLLMQueries
    /// Newest sample older than this (seconds, on Prometheus' clock) → `.stale`. Twice a 30 s scrape interval.
    package var staleAfterSeconds: Double
    /// PromQL for a model's demand its pods do not see (`INFERNO_GATEWAY_QUERY`, docs/reference.md); `nil` leaves
    /// it unmeasured.
    package var gatewayQuery: String?
    package let logger: Logger

    package init(client: PrometheusClient, queries: VLLMQueries = VLLMQueries(), staleAfterSeconds: Double = 60,
         logger: Logger = Logger(label: "inferno.prometheus")) {
        self.client = client
        self.queries = queries
        self.staleAfterSeconds = staleAfterSeconds
        self.logger = logger
    }

    package func load(of variant: VariantObservation) async -> LoadObservation {
        // A model's only variant is measured over every pod of the model in its namespace, as always (no pod
        // labels needed on the series); one of several, over its own pods only.
        let selector = variant.sharesModel ? variant.podSelector ?? [:] : [:]
        if variant.sharesModel, selector.isEmpty {
            return .missing("\(variant.id) shares model \(variant.modelID) with other variants and its Deployment's selector is unknown: "
                            + "measuring by model_name alone would count their load too")
        }
        let m = VLLMQueries.matchers(model: variant.modelID, namespace: variant.id.namespace, pods: selector)
        var subject = "model_name=\(PromQL.quoted(variant.modelID)), namespace=\(PromQL.quoted(variant.id.namespace))"
        for (k, v) in selector.sorted(by: { $0.key < $1.key }) { subject += ", \(VLLMQueries.seriesLabel(k))=\(PromQL.quoted(v))" }

        // 1. Presence and freshness.
        let age: Double
        switch await scalar(queries.sampleAge(m)) {
        case .failure(let e): return .failed(e.description)
        case .success(nil):
            return .missing("no \(VLLMQueries.presenceMetric) series for \(subject)")
        case .success(let a?):
            guard a.isFinite else { return .missing("\(VLLMQueries.presenceMetric) for \(subject) has no usable timestamp") }
            age = a
        }
        if age > staleAfterSeconds {
            return .stale("newest \(VLLMQueries.presenceMetric) sample for \(subject) is \(String(format: "%.0f", age)) s old"
                          + " (limit \(String(format: "%.0f", staleAfterSeconds)) s)")
        }

        // 2.–5. The rest, concurrently.
        async let arrivalResult = scalar(queries.arrivalRate(m))
        async let growthResult = queries.arrivalCounter == nil ? scalar(queries.queueGrowth(m)) : .success(nil)
        async let inputResult = scalar(queries.meanInputTokens(m))
        async let outputResult = scalar(queries.meanOutputTokens(m))
        async let ttftResult = scalar(queries.ttftMilliseconds(m))
        async let itlResult = scalar(queries.itlMilliseconds(m))
        let results = await [arrivalResult, growthResult, inputResult, outputResult, ttftResult, itlResult]
        var values: [Double?] = []
        for r in results {
            switch r {
            case .failure(let e): return .failed(e.description)
            case .success(let v): values.append(v)
            }
        }
        let (arrival, growth, input, output, ttft, itl) = (values[0], values[1], values[2], values[3], values[4], values[5])

        let counter = queries.arrivalCounter ?? VLLMQueries.completionCounter
        guard let completions = arrival else {
            return .missing("no samples of \(counter) for \(subject) in the last \(queries.window)")
        }
        guard completions.isFinite, completions >= 0 else {
            return .missing("\(counter) rate for \(subject) is \(completions)")
        }
        var rate = completions
        if let g = growth, g.isFinite, g > 0 {
            rate += g
            logger.info("waiting queue growing: arrival rate above completions", metadata: [
                "model": "\(variant.modelID)", "namespace": "\(variant.id.namespace)",
                "completionsPerMinute": "\(completions)", "queueGrowthPerMinute": "\(g)",
            ])
        }
        if rate == 0 {
            return .available(VariantLoad(arrivalRatePerMinute: 0, meanInputTokens: 0, meanOutputTokens: 0,
                                          itlMilliseconds: nil, ttftMilliseconds: nil))
        }
        guard let inTokens = input, inTokens.isFinite, inTokens >= 0,
              let outTokens = output, outTokens.isFinite, outTokens >= 0 else {
            return .missing("requests arrive for \(subject) (\(String(format: "%.2f", rate))/min) but token lengths are unknown:"
                            + " no request completed in the last \(queries.window)")
        }
        // Values past the named limits are a broken exporter or query, not load: hold rather than size for them.
        if let outOfRange = Self.outOfRange(rate: rate, input: inTokens, output: outTokens) {
            return .missing("\(subject): \(outOfRange)")
        }
        func usable(_ v: Double?) -> Double? { v.flatMap { $0.isFinite && $0 >= 0 && $0 <= InputLimits.milliseconds ? $0 : nil } }
        return .available(VariantLoad(arrivalRatePerMinute: rate, meanInputTokens: inTokens, meanOutputTokens: outTokens,
                                      itlMilliseconds: usable(itl), ttftMilliseconds: usable(ttft)))
    }

    /// Which measured value is beyond its limit (`InputLimits`), if any, as a message naming it.
    static func outOfRange(rate: Double, input: Double, output: Double) -> String? {
        if rate > InputLimits.ratePerMinute {
            return "arrival rate \(rate)/min is above the limit of \(formatNumber(InputLimits.ratePerMinute))/min"
        }
        for (name, tokens) in [("input", input), ("output", output)] where tokens > InputLimits.tokens {
            return "mean \(name) tokens \(tokens) is above the limit of \(formatNumber(InputLimits.tokens))"
        }
        return nil
    }

    /// The gateway query for `model`, its value in requests per minute; `nil` without a query, on an empty
    /// answer, or on error (logged: the model's demand is then what its variants' pods show).
    package func unservedDemand(of model: ModelKey, variants: [VariantObservation]) async -> Double? {
        guard let template = gatewayQuery, let modelID = variants.first?.modelID else { return nil }
        let promql = template.replacingOccurrences(of: "$model", with: PromQL.quoted(modelID))
            .replacingOccurrences(of: "$namespace", with: PromQL.quoted(model.namespace))
        switch await scalar(promql) {
        case .success(let v?) where v.isFinite && v >= 0 && v <= InputLimits.ratePerMinute: return v
        case .success: return nil
        case .failure(let e):
            logger.warning("gateway query failed", metadata: ["model": "\(model)", "error": "\(e.description)"])
            return nil
        }
    }

    /// The single value of an aggregated query: `nil` for an empty vector. More than one element means the query
    /// was not aggregated, a programming error here; the first is not silently taken.
    private func scalar(_ promql: String) async -> Result<Double?, PrometheusError> {
        do {
            let samples = try await client.query(promql).samples
            guard samples.count <= 1 else {
                return .failure(.malformed("\(samples.count) series for an aggregated query: \(promql)"))
            }
            return .success(samples.first?.value)
        } catch {
            return .failure(error)
        }
    }
}

/// The PromQL of docs/formats.md §5, one function per quantity. `m` is the `{model_name="…",namespace="…"}` matcher.
package struct VLLMQueries: Sendable, Equatable {
    package static let presenceMetric = "vllm:num_requests_running"
    package static let waitingMetric = "vllm:num_requests_waiting"
    package static let completionCounter = "vllm:request_success_total"

    /// Range of `rate()`/`deriv()`, a PromQL duration. `1m` as upstream; tests use a shorter one so they need not
    /// wait a minute for a full window.
    package var window = "1m"
    /// A counter of requests *received* carrying the same labels, if the servers export one; vLLM does not, so
    /// the default is completions plus queue growth.
    package var arrivalCounter: String?

    package init(window: String = "1m", arrivalCounter: String? = nil) {
        self.window = window
        self.arrivalCounter = arrivalCounter
    }

    package static func matchers(model: String, namespace: String, pods: [String: String] = [:]) -> String {
        PromQL.matchers([("model_name", model), ("namespace", namespace)]
                        + pods.map { (seriesLabel($0.key), $0.value) }.sorted { $0.0 < $1.0 })
    }

    /// A pod label as it appears on scraped series: every character outside `[a-zA-Z0-9_]` becomes `_`, as
    /// Prometheus' Kubernetes discovery (`__meta_kubernetes_pod_label_…`) and the Prometheus Operator's
    /// `podTargetLabels` spell it (`app.kubernetes.io/name` → `app_kubernetes_io_name`).
    package static func seriesLabel(_ podLabel: String) -> String {
        String(podLabel.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") ? $0 : "_" })
    }

    package func sampleAge(_ m: String) -> String {
        "time() - max(timestamp(\(Self.presenceMetric)\(m)))"
    }

    package func arrivalRate(_ m: String) -> String {
        "\(PromQL.sumRate(arrivalCounter ?? Self.completionCounter, m, window: window)) * 60"
    }

    /// Growth of the waiting queue, requests per minute (negative while it drains).
    package func queueGrowth(_ m: String) -> String {
        "sum(deriv(\(Self.waitingMetric)\(m)[\(window)])) * 60"
    }

    package func meanInputTokens(_ m: String) -> String {
        PromQL.meanOverWindow("vllm:request_prompt_tokens", m, window: window)
    }

    package func meanOutputTokens(_ m: String) -> String {
        PromQL.meanOverWindow("vllm:request_generation_tokens", m, window: window)
    }

    package func ttftMilliseconds(_ m: String) -> String {
        "(\(PromQL.meanOverWindow("vllm:time_to_first_token_seconds", m, window: window))) * 1000"
    }

    /// The newer name first; `or` falls back to the older one only when the newer has no series.
    package func itlMilliseconds(_ m: String) -> String {
        "((\(PromQL.meanOverWindow("vllm:inter_token_latency_seconds", m, window: window)))"
            + " or (\(PromQL.meanOverWindow("vllm:time_per_output_token_seconds", m, window: window)))) * 1000"
    }

    /// Every query for one variant, in the order they are evaluated (for docs and logs).
    package func all(model: String, namespace: String) -> [(name: String, promql: String)] {
        let m = Self.matchers(model: model, namespace: namespace)
        var out = [("sampleAge", sampleAge(m)), ("arrivalRate", arrivalRate(m))]
        if arrivalCounter == nil { out.append(("queueGrowth", queueGrowth(m))) }
        out += [("meanInputTokens", meanInputTokens(m)), ("meanOutputTokens", meanOutputTokens(m)),
                ("ttftMilliseconds", ttftMilliseconds(m)), ("itlMilliseconds", itlMilliseconds(m))]
        return out
    }
}

/// The load source when no Prometheus is configured: every variant's load is missing, so every variant holds.
package struct NoPrometheusLoadSource: LoadSource {
    package init() {}

    package func load(of variant: VariantObservation) async -> LoadObservation {
        .missing("no Prometheus configured (PROMETHEUS_BASE_URL or --prometheus-url)")
    }
}
