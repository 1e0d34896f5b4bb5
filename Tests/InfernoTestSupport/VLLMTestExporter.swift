import Foundation
import InfernoControl
import InfernoHTTP
import InfernoKubernetes
import InfernoPrometheus
import InfernoSimulation

/// Serves vLLM metrics whose counters grow at known rates: every value is a function of the wall time elapsed since
/// the exporter started (`rate × elapsed`), so whatever the scrape times, Prometheus' `rate()` sees the exact slope.
package final class VLLMTestExporter: Sendable {
    /// Which ITL series a model exports.
    package enum ITLSeries: Sendable { case timePerOutputToken, interTokenLatency, both(olderSeconds: Double) }

    /// One model in one namespace, spread over `pods` pods (each exports its share, so only `sum()` sees the total).
    package struct Model: Sendable {
        package var name: String
        package var namespace: String
        package var pods = 1
        package var requestsPerMinute: Double
        package var promptTokens: Double = 512
        package var generationTokens: Double = 128
        package var ttftSeconds: Double = 0.25
        package var itlSeconds: Double = 0.02
        package var itl: ITLSeries = .timePerOutputToken
        /// Slope of `vllm:num_requests_waiting` (requests per second, summed over pods).
        package var waitingGrowthPerSecond: Double = 0
        /// When set, only `vllm:num_requests_running` is exported, with this explicit sample time (ms since the
        /// epoch): a series Prometheus keeps but that never gets newer.
        package var frozenAtMilliseconds: Int64? = nil
        /// Further labels on every series (a variant's pod labels, as the scrape config copies them).
        package var labels: [String: String] = [:]

        package init(name: String, namespace: String, pods: Int = 1, requestsPerMinute: Double, promptTokens: Double = 512,
                     generationTokens: Double = 128, ttftSeconds: Double = 0.25, itlSeconds: Double = 0.02,
                     itl: ITLSeries = .timePerOutputToken, waitingGrowthPerSecond: Double = 0,
                     frozenAtMilliseconds: Int64? = nil, labels: [String: String] = [:]) {
            self.name = name
            self.namespace = namespace
            self.pods = pods
            self.requestsPerMinute = requestsPerMinute
            self.promptTokens = promptTokens
            self.generationTokens = generationTokens
            self.ttftSeconds = ttftSeconds
            self.itlSeconds = itlSeconds
            self.itl = itl
            self.waitingGrowthPerSecond = waitingGrowthPerSecond
            self.frozenAtMilliseconds = frozenAtMilliseconds
            self.labels = labels
        }
    }

    package let models: [Model]
    package let started: Date
    package let server: HTTPServer
    package var port: Int { server.port }
    package var target: String { "127.0.0.1:\(server.port)" }

    package init(models: [Model]) async throws {
        let started = Date()
        self.models = models
        self.started = started
        self.server = try await HTTPServer(port: 0) { request in
            guard request.path == "/metrics" else { return HTTPResponse(status: .notFound, text: "") }
            return HTTPResponse(status: .ok, contentType: MetricsRegistry.contentType,
                                body: Array(Self.exposition(models, elapsed: Date().timeIntervalSince(started)).utf8))
        }
    }

    package func shutdown() async { await server.shutdown() }

    /// A label value in the text format: backslash, double quote and newline escaped. (This exporter writes vLLM's
    /// series by hand, with sample timestamps and histogram series the controller's registry has no use for.)
    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// The exposition after `elapsed` seconds.
    package static func exposition(_ models: [Model], elapsed t: Double) -> String {
        var families: [String: (type: String, lines: [String])] = [:]
        var order: [String] = []
        func add(_ family: String, _ type: String, _ line: String) {
            if families[family] == nil { families[family] = (type, []); order.append(family) }
            families[family]!.lines.append(line)
        }
        for m in models {
            for pod in 0..<m.pods {
                let share = 1 / Double(m.pods)
                let labels = "model_name=\"\(Self.escape(m.name))\",namespace=\"\(Self.escape(m.namespace))\",pod=\"pod-\(pod)\""
                    + m.labels.sorted { $0.key < $1.key }.map { ",\($0.key)=\"\(Self.escape($0.value))\"" }.joined()
                if let frozen = m.frozenAtMilliseconds {
                    add("vllm:num_requests_running", "gauge", "vllm:num_requests_running{\(labels)} 1 \(frozen)")
                    continue
                }
                let requests = m.requestsPerMinute / 60 * t * share
                let outputTokensAfterFirst = requests * max(0, m.generationTokens - 1)
                add("vllm:num_requests_running", "gauge", "vllm:num_requests_running{\(labels)} \(m.requestsPerMinute > 0 ? 1 : 0)")
                add("vllm:num_requests_waiting", "gauge", "vllm:num_requests_waiting{\(labels)} \(m.waitingGrowthPerSecond * t * share)")
                add("vllm:request_success_total", "counter", "vllm:request_success_total{\(labels),finished_reason=\"stop\"} \(requests)")
                func histogram(_ name: String, count: Double, sum: Double) {
                    add(name, "histogram", "\(name)_bucket{\(labels),le=\"+Inf\"} \(count)")
                    add(name, "histogram", "\(name)_sum{\(labels)} \(sum)")
                    add(name, "histogram", "\(name)_count{\(labels)} \(count)")
                }
                histogram("vllm:request_prompt_tokens", count: requests, sum: requests * m.promptTokens)
                histogram("vllm:request_generation_tokens", count: requests, sum: requests * m.generationTokens)
                histogram("vllm:time_to_first_token_seconds", count: requests, sum: requests * m.ttftSeconds)
                switch m.itl {
                case .timePerOutputToken:
                    histogram("vllm:time_per_output_token_seconds", count: outputTokensAfterFirst, sum: outputTokensAfterFirst * m.itlSeconds)
                case .interTokenLatency:
                    histogram("vllm:inter_token_latency_seconds", count: outputTokensAfterFirst, sum: outputTokensAfterFirst * m.itlSeconds)
                case .both(let older):
                    histogram("vllm:inter_token_latency_seconds", count: outputTokensAfterFirst, sum: outputTokensAfterFirst * m.itlSeconds)
                    histogram("vllm:time_per_output_token_seconds", count: outputTokensAfterFirst, sum: outputTokensAfterFirst * older)
                }
            }
        }
        var out = ""
        for family in order {
            let f = families[family]!
            out += "# HELP \(family) test series\n# TYPE \(family) \(f.type)\n"
            for line in f.lines { out += line + "\n" }
        }
        return out
    }
}
