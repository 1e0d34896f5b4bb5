import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
@testable import InfernoSimulation
import InfernoTestSupport

@Suite struct PromQLTests {
    @Test func escapesLabelValues() {
        #expect(PromQL.quoted("default/default") == #""default/default""#)
        #expect(PromQL.quoted(#"a"b"#) == #""a\"b""#)
        #expect(PromQL.quoted(#"a\b"#) == #""a\\b""#)
        #expect(PromQL.quoted("a\nb") == #""a\nb""#)
        #expect(PromQL.quoted("tab\there\r") == #""tab\there\r""#)
        // A quote cannot close the string early and inject a matcher.
        #expect(PromQL.quoted(#"x",namespace=~".*"#) == #""x\",namespace=~\".*""#)
        #expect(PromQL.quoted("ünïcode/模型") == "\"ünïcode/模型\"")
    }

    @Test func buildsTheSection5Queries() {
        let q = VLLMQueries()
        let m = VLLMQueries.matchers(model: "default/default", namespace: "llm-d-sim")
        #expect(m == #"{model_name="default/default",namespace="llm-d-sim"}"#)
        #expect(q.arrivalRate(m) == #"sum(rate(vllm:request_success_total{model_name="default/default",namespace="llm-d-sim"}[1m])) * 60"#)
        #expect(q.queueGrowth(m) == #"sum(deriv(vllm:num_requests_waiting{model_name="default/default",namespace="llm-d-sim"}[1m])) * 60"#)
        #expect(q.sampleAge(m) == #"time() - max(timestamp(vllm:num_requests_running{model_name="default/default",namespace="llm-d-sim"}))"#)
        #expect(q.meanInputTokens(m) == #"sum(rate(vllm:request_prompt_tokens_sum{model_name="default/default",namespace="llm-d-sim"}[1m])) / sum(rate(vllm:request_prompt_tokens_count{model_name="default/default",namespace="llm-d-sim"}[1m]))"#)
        #expect(q.meanOutputTokens(m) == #"sum(rate(vllm:request_generation_tokens_sum{model_name="default/default",namespace="llm-d-sim"}[1m])) / sum(rate(vllm:request_generation_tokens_count{model_name="default/default",namespace="llm-d-sim"}[1m]))"#)
        #expect(q.ttftMilliseconds(m) == #"(sum(rate(vllm:time_to_first_token_seconds_sum{model_name="default/default",namespace="llm-d-sim"}[1m])) / sum(rate(vllm:time_to_first_token_seconds_count{model_name="default/default",namespace="llm-d-sim"}[1m]))) * 1000"#)
        #expect(q.itlMilliseconds(m) == #"((sum(rate(vllm:inter_token_latency_seconds_sum{model_name="default/default",namespace="llm-d-sim"}[1m])) / sum(rate(vllm:inter_token_latency_seconds_count{model_name="default/default",namespace="llm-d-sim"}[1m]))) or (sum(rate(vllm:time_per_output_token_seconds_sum{model_name="default/default",namespace="llm-d-sim"}[1m])) / sum(rate(vllm:time_per_output_token_seconds_count{model_name="default/default",namespace="llm-d-sim"}[1m])))) * 1000"#)
        // Every query aggregates.
        for (_, promql) in q.all(model: "m", namespace: "n") { #expect(promql.contains("sum(") || promql.contains("max(")) }
    }

    @Test func anArrivalCounterReplacesCompletionsAndQueueGrowth() {
        let q = VLLMQueries(window: "2m", arrivalCounter: "vllm:request_received_total")
        let m = VLLMQueries.matchers(model: "a", namespace: "b")
        #expect(q.arrivalRate(m) == #"sum(rate(vllm:request_received_total{model_name="a",namespace="b"}[2m])) * 60"#)
        #expect(!q.all(model: "a", namespace: "b").contains { $0.name == "queueGrowth" })
    }

    @Test func formEncodingEscapesPlus() {
        #expect(PrometheusClient.formEncode("a+b c/d{x=\"y\"}") == "a%2Bb%20c%2Fd%7Bx%3D%22y%22%7D")
        #expect(PrometheusClient.formEncode("vllm:x[1m]") == "vllm%3Ax%5B1m%5D")
    }
}
