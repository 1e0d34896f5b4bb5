import Foundation
import NIOHTTP1

/// `host:port` as controller-runtime spells bind addresses: `:8080` (all interfaces), `127.0.0.1:8081`,
/// `[::1]:8080`; `0` disables the endpoint.
package struct BindAddress: Sendable, Equatable, CustomStringConvertible {
    package var host: String
    package var port: Int

    /// `nil` for `0` (disabled).
    package init?(parsing text: String, flag: String) throws {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s == "0" { return nil }
        guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]), (0...65535).contains(port) else {
            throw BindAddressError(flag: flag, value: text)
        }
        var host = String(s[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }

    package init(host: String, port: Int) { self.host = host; self.port = port }

    package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

package struct BindAddressError: Error, CustomStringConvertible {
    package var flag: String
    package var value: String
    package var description: String { "\(flag): \"\(value)\" is not host:port (e.g. \":8080\", \"127.0.0.1:8081\") or 0 to disable" }
}

/// The controller's endpoints: `/metrics` on the metrics address; `/healthz` (alive) and `/readyz` (200 once a cycle
/// has read all its inputs, 503 before) on the health-probe address. One server when both addresses are equal
/// (and not port 0).
package final class ProbeServer: Sendable {
    package let metricsServer: HTTPServer?
    package let healthServer: HTTPServer?

    /// - Parameter isReady: e.g. `{ await reconciler.hasCompletedCycle }`.
    package static func start(metrics: BindAddress?, health: BindAddress?, registry: MetricsRegistry,
                      isReady: @escaping @Sendable () async -> Bool) async throws -> ProbeServer {
        let metricsRoute: HTTPServer.Handler = { request in
            guard request.path == "/metrics" else { return HTTPResponse(status: .notFound, text: "not found\n") }
            return HTTPResponse(status: .ok, contentType: MetricsRegistry.contentType, body: Array(registry.exposition().utf8))
        }
        let healthRoute: HTTPServer.Handler = { request in
            switch request.path {
            case "/healthz": return HTTPResponse(status: .ok, text: "ok\n")
            case "/readyz":
                return await isReady() ? HTTPResponse(status: .ok, text: "ok\n")
                    : HTTPResponse(status: .serviceUnavailable, text: "no successful cycle yet\n")
            default: return HTTPResponse(status: .notFound, text: "not found\n")
            }
        }
        if let m = metrics, let h = health, m == h, m.port != 0 {   // port 0 twice means two free ports
            let server = try await HTTPServer(host: m.host, port: m.port) { request in
                request.path == "/metrics" ? await metricsRoute(request) : await healthRoute(request)
            }
            return ProbeServer(metricsServer: server, healthServer: server, shared: true)
        }
        var metricsServer: HTTPServer?
        if let m = metrics { metricsServer = try await HTTPServer(host: m.host, port: m.port, handler: metricsRoute) }
        do {
            var healthServer: HTTPServer?
            if let h = health { healthServer = try await HTTPServer(host: h.host, port: h.port, handler: healthRoute) }
            return ProbeServer(metricsServer: metricsServer, healthServer: healthServer, shared: false)
        } catch {
            await metricsServer?.shutdown()
            throw error
        }
    }

    private let shared: Bool

    private init(metricsServer: HTTPServer?, healthServer: HTTPServer?, shared: Bool) {
        self.metricsServer = metricsServer
        self.healthServer = healthServer
        self.shared = shared
    }

    /// Ports actually bound (useful with port 0).
    package var metricsPort: Int? { metricsServer?.port }
    package var healthPort: Int? { healthServer?.port }

    package func shutdown() async {
        await metricsServer?.shutdown()
        if !shared { await healthServer?.shutdown() }
    }
}
