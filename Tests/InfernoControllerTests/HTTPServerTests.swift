import AsyncHTTPClient
import Foundation
import Testing
@testable import InfernoControl
@testable import InfernoController
@testable import InfernoHTTP
@testable import InfernoKubernetes
@testable import InfernoPrometheus
@testable import InfernoSimulation
import InfernoTestSupport

@Suite struct HTTPServerTests {
    @Test func servesAndDecodesQueries() async throws {
        let server = try await HTTPServer(port: 0) { request in
            HTTPResponse(status: .ok, text: "\(request.method) \(request.path) q=\(request.queryItems["query"] ?? "-") body=\(request.body.count)")
        }
        defer { Task { await server.shutdown() } }
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/api/v1/query?query=sum%28rate%28x%5B1m%5D%29%29")
        // A generous timeout: the suite runs in parallel on 2 shared cores, and this checks decoding, not speed
        // (with 5 s it failed once under load).
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        #expect(response.status == .ok)
        let body = try await response.body.collect(upTo: 1 << 20)
        #expect(String(buffer: body) == "GET /api/v1/query q=sum(rate(x[1m])) body=0")
        await server.shutdown()
    }
}
