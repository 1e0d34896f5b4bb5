import Foundation
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
@testable import InfernoSimulation
import InfernoTestSupport

/// The client and the load source's rules against a scripted HTTP server (the real-Prometheus tests are in
/// `PromCollectorTests`).
@Suite struct PromClientTests {
    /// Answers `/api/v1/query` with `answer(query)`; records the Authorization header of each request.
    final class StubPrometheus: @unchecked Sendable {
        let server: HTTPServer
        private let lock = NSLock()
        private var _authorizations: [String] = []
        private var _queries: [String] = []
        var authorizations: [String] { lock.withLock { _authorizations } }
        var queries: [String] { lock.withLock { _queries } }

        init(answer: @escaping @Sendable (String) -> HTTPResponse) async throws {
            let box = Box()
            server = try await HTTPServer(port: 0) { request in
                box.owner?.record(request)
                return answer(request.queryItems["query"] ?? "")
            }
            box.owner = self
        }

        private func record(_ r: HTTPRequest) {
            lock.withLock {
                _authorizations.append(r.headers["Authorization"].first ?? "")
                _queries.append(r.queryItems["query"] ?? "")
            }
        }

        var url: String { "http://127.0.0.1:\(server.port)" }

        final class Box: @unchecked Sendable { weak var owner: StubPrometheus? }
    }

    static func vector(_ values: [String]) -> HTTPResponse {
        let items = values.map { #"{"metric":{},"value":[1752075000.16,"\#($0)"]}"# }.joined(separator: ",")
        return HTTPResponse(status: .ok, json: #"{"status":"success","data":{"resultType":"vector","result":[\#(items)]}}"#)
    }

    @Test func parsesVectorsScalarsAndSpecialValues() throws {
        let body = Data(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"pod":"a"},"value":[1752075000.160,"9.333333333333332"]},{"metric":{},"value":[1.5,"NaN"]},{"metric":{},"value":[2,"+Inf"]},{"metric":{},"value":[2,"-Inf"]}]}}"#.utf8)
        let samples = try PrometheusClient.decode(status: 200, body: body).samples
        #expect(samples.count == 4)
        #expect(samples[0].labels == ["pod": "a"] && samples[0].value == 9.333333333333332 && samples[0].timestamp == 1752075000.16)
        #expect(samples[1].value.isNaN)
        #expect(samples[2].value == .infinity && samples[3].value == -.infinity)
        let scalar = try PrometheusClient.decode(status: 200, body: Data(#"{"status":"success","data":{"resultType":"scalar","result":[3,"4.5"]}}"#.utf8))
        #expect(scalar == .scalar(PrometheusSample(labels: [:], timestamp: 3, value: 4.5)))
        #expect(try PrometheusClient.decode(status: 200, body: Data(#"{"status":"success","data":{"resultType":"vector","result":[]}}"#.utf8)) == .vector([]))
    }

    @Test func reportsErrors() {
        #expect(throws: PrometheusError.api(status: 400, errorType: "bad_data", message: "parse error")) {
            try PrometheusClient.decode(status: 400, body: Data(#"{"status":"error","errorType":"bad_data","error":"parse error"}"#.utf8))
        }
        #expect(throws: PrometheusError.api(status: 502, errorType: "http", message: "Bad Gateway")) {
            try PrometheusClient.decode(status: 502, body: Data("Bad Gateway".utf8))
        }
        #expect(throws: PrometheusError.self) {
            try PrometheusClient.decode(status: 200, body: Data(#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#.utf8))
        }
        #expect(throws: PrometheusError.self) { try PrometheusClient(configuration: PrometheusConfiguration(baseURL: "prometheus:9090")) }
    }

    @Test func rereadsTheTokenFileForEveryQuery() async throws {
        let stub = try await StubPrometheus { _ in Self.vector(["1"]) }
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        try "first-token\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        let client = try PrometheusClient(configuration: PrometheusConfiguration(baseURL: stub.url + "/", tokenFile: tokenFile.path))
        _ = try await client.query("up")
        try "rotated-token".write(to: tokenFile, atomically: true, encoding: .utf8)
        _ = try await client.query("a + b")
        #expect(stub.authorizations == ["Bearer first-token", "Bearer rotated-token"])
        #expect(stub.queries == ["up", "a + b"])   // `+` survives the query string
        await client.shutdown()

        let fixed = try PrometheusClient(configuration: PrometheusConfiguration(baseURL: stub.url, bearerToken: "fixed"))
        _ = try await fixed.query("up")
        #expect(stub.authorizations.last == "Bearer fixed")
        await fixed.shutdown()
        await stub.server.shutdown()
    }

    /// The load source's classification of what Prometheus answers.
    @Test func classifiesAnswers() async throws {
        let v = PromCollectorTests.variant("m")
        func source(_ answer: @escaping @Sendable (String) -> HTTPResponse) async throws -> (StubPrometheus, PrometheusLoadSource, PrometheusClient) {
            let stub = try await StubPrometheus(answer: answer)
            let client = try PrometheusClient(configuration: PrometheusConfiguration(baseURL: stub.url, timeoutSeconds: 2))
            return (stub, PrometheusLoadSource(client: client), client)
        }
        func run(_ answer: @escaping @Sendable (String) -> HTTPResponse) async throws -> LoadObservation {
            let (stub, s, client) = try await source(answer)
            let result = await s.load(of: v)
            await client.shutdown()
            await stub.server.shutdown()
            return result
        }
        // Fresh, all values present.
        let ok = try await run { q in
            if q.hasPrefix("time()") { return Self.vector(["3"]) }
            if q.contains("request_success_total") { return Self.vector(["20"]) }
            if q.contains("deriv") { return Self.vector(["-2"]) }   // draining: no correction
            if q.contains("prompt") { return Self.vector(["100"]) }
            if q.contains("generation") { return Self.vector(["128"]) }
            if q.contains("first_token") { return Self.vector(["250"]) }
            return Self.vector(["NaN"])                           // ITL NaN → nil, not a failure
        }
        #expect(ok == .available(VariantLoad(arrivalRatePerMinute: 20, meanInputTokens: 100, meanOutputTokens: 128,
                                             itlMilliseconds: nil, ttftMilliseconds: 250)))
        // No series.
        if case .missing = try await run({ _ in Self.vector([]) }) {} else { Issue.record("empty vector is not missing") }
        // Arrival NaN.
        let nan = try await run { q in q.hasPrefix("time()") ? Self.vector(["1"]) : Self.vector(["NaN"]) }
        if case .missing = nan {} else { Issue.record("NaN arrival is \(nan)") }
        // Arrivals but no completions in the window: token lengths unknown → missing, not zero.
        let noTokens = try await run { q in
            if q.hasPrefix("time()") { return Self.vector(["1"]) }
            if q.contains("deriv") { return Self.vector(["5"]) }
            if q.contains("request_success_total") { return Self.vector(["0"]) }
            return Self.vector(["NaN"])
        }
        if case .missing(let why) = noTokens { #expect(why.contains("token lengths are unknown")) } else { Issue.record("\(noTokens)") }
        // Values past the named limits: a broken exporter, held as missing with the value and the limit named.
        func absurd(rate: String, generation: String, itl: String) async throws -> LoadObservation {
            try await run { q in
                if q.hasPrefix("time()") { return Self.vector(["1"]) }
                if q.contains("request_success_total") { return Self.vector([rate]) }
                if q.contains("generation") { return Self.vector([generation]) }
                if q.contains("prompt") { return Self.vector(["100"]) }
                if q.contains("deriv") { return Self.vector(["0"]) }
                return Self.vector([itl])
            }
        }
        let flood = try await absurd(rate: "1e15", generation: "128", itl: "20")
        if case .missing(let why) = flood { #expect(why.contains("arrival rate") && why.contains("limit of 1000000000000/min"), "\(why)") } else { Issue.record("\(flood)") }
        let longOutput = try await absurd(rate: "20", generation: "1e9", itl: "20")
        if case .missing(let why) = longOutput { #expect(why.contains("mean output tokens")) } else { Issue.record("\(longOutput)") }
        let slow = try await absurd(rate: "20", generation: "128", itl: "1e12")
        if case .available(let load) = slow { #expect(load.itlMilliseconds == nil, "an ITL of 1e12 ms is no measurement") } else {
            Issue.record("\(slow)")
        }
        // Old sample.
        if case .stale = try await run({ q in q.hasPrefix("time()") ? Self.vector(["600"]) : Self.vector(["1"]) }) {} else {
            Issue.record("old sample is not stale")
        }
        // Un-aggregated answer: refused, not the first element.
        if case .failed = try await run({ q in q.hasPrefix("time()") ? Self.vector(["1"]) : Self.vector(["1", "2"]) }) {} else {
            Issue.record("two series taken")
        }
        // HTTP error.
        if case .failed = try await run({ _ in HTTPResponse(status: .serviceUnavailable, text: "down") }) {} else {
            Issue.record("503 is not failed")
        }
        // Nothing listening.
        let port = try await PrometheusHarness.freePort()
        let client = try PrometheusClient(configuration: PrometheusConfiguration(baseURL: "http://127.0.0.1:\(port)", timeoutSeconds: 2))
        let refused = await PrometheusLoadSource(client: client).load(of: v)
        await client.shutdown()
        if case .failed(let why) = refused { #expect(why.contains("unreachable")) } else { Issue.record("refused is \(refused)") }
    }
}
