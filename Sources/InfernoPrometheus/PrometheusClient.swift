import AsyncHTTPClient
import Foundation
import InfernoControl
import InfernoFormats
import NIOCore
import NIOHTTP1
import NIOSSL

/// Where Prometheus is and how to reach it (docs/formats.md §3).
package struct PrometheusConfiguration: Sendable, Equatable {
    /// `http(s)://host:port`, optionally with a path prefix (`https://thanos.example/prometheus`).
    package var baseURL: String
    /// PEM file of the CA that signed Prometheus' certificate; the only trust root when set (as Go's `RootCAs`).
    package var caFile: String?
    /// Skip verifying Prometheus' certificate (test clusters only).
    package var insecureSkipVerify = false
    /// A fixed bearer token.
    package var bearerToken: String?
    /// A file holding the bearer token, read again for every query: projected service-account tokens rotate.
    package var tokenFile: String?
    /// Deadline of one query, connection included.
    package var timeoutSeconds: Double = 10

    package init(baseURL: String, caFile: String? = nil, insecureSkipVerify: Bool = false, bearerToken: String? = nil,
                 tokenFile: String? = nil, timeoutSeconds: Double = 10) {
        self.baseURL = baseURL
        self.caFile = caFile
        self.insecureSkipVerify = insecureSkipVerify
        self.bearerToken = bearerToken
        self.tokenFile = tokenFile
        self.timeoutSeconds = timeoutSeconds
    }
}

/// One sample of an instant query.
package struct PrometheusSample: Sendable, Hashable {
    package var labels: [String: String]
    /// Evaluation time of the query (seconds since the epoch), not the scrape time.
    package var timestamp: Double
    /// May be NaN or ±Inf (`"NaN"`, `"+Inf"` on the wire).
    package var value: Double
}

/// The result of `/api/v1/query`.
package enum PrometheusQueryResult: Sendable, Hashable {
    case vector([PrometheusSample])
    case scalar(PrometheusSample)

    /// The samples, a scalar as a one-element vector.
    package var samples: [PrometheusSample] {
        switch self {
        case .vector(let s): s
        case .scalar(let s): [s]
        }
    }
}

/// Why a query gave no result.
package enum PrometheusError: Error, CustomStringConvertible, Equatable {
    /// Could not connect, TLS failed, timed out.
    case transport(String)
    /// Prometheus answered with an error (`errorType`, `error`), or a non-2xx status without a JSON body.
    case api(status: Int, errorType: String, message: String)
    /// The answer was not the JSON the HTTP API documents.
    case malformed(String)
    /// The configuration cannot work (bad URL, unreadable token file).
    case configuration(String)

    package var description: String {
        switch self {
        case .transport(let m): "Prometheus unreachable: \(m)"
        case .api(let status, let type, let message): "Prometheus error (HTTP \(status), \(type)): \(message)"
        case .malformed(let m): "unexpected Prometheus answer: \(m)"
        case .configuration(let m): "Prometheus configuration: \(m)"
        }
    }
}

/// Runs PromQL instant queries over Prometheus' HTTP API (`GET /api/v1/query`).
///
/// Owns an `HTTPClient`: call `shutdown()` when done.
package final class PrometheusClient: Sendable {
    package let configuration: PrometheusConfiguration
    private let client: HTTPClient
    private let queryURL: String

    package init(configuration: PrometheusConfiguration) throws {
        let base = configuration.baseURL.trimmingCharacters(in: .whitespaces)
        guard let url = URL(string: base), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host != nil else {
            throw PrometheusError.configuration("PROMETHEUS_BASE_URL \"\(configuration.baseURL)\" is not an http(s) URL with a host")
        }
        if let ca = configuration.caFile, !FileManager.default.isReadableFile(atPath: ca) {
            throw PrometheusError.configuration("CA file \"\(ca)\" is not readable")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if configuration.insecureSkipVerify {
            tls.certificateVerification = .none
        } else if let ca = configuration.caFile {
            tls.trustRoots = .file(ca)
        }
        let timeout = TimeAmount.milliseconds(Int64(configuration.timeoutSeconds * 1000))
        // No redirects: the bearer token must not follow a redirect to another host.
        var http = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                            timeout: .init(connect: timeout, read: timeout))
        http.connectionPool.idleTimeout = .seconds(60)
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http)
        self.configuration = configuration
        var trimmed = base
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.queryURL = trimmed + "/api/v1/query"
    }

    package func shutdown() async {
        try? await client.shutdown()
    }

    /// Evaluates `promql` at `time` (seconds since the epoch; Prometheus' "now" when nil).
    package func query(_ promql: String, at time: Double? = nil) async throws(PrometheusError) -> PrometheusQueryResult {
        var parameters = "query=" + Self.formEncode(promql)
        if let time { parameters += "&time=" + String(format: "%.3f", time) }
        var request = HTTPClientRequest(url: queryURL + "?" + parameters)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        if let token = try bearerToken() { request.headers.add(name: "Authorization", value: "Bearer \(token)") }

        let status: Int
        let body: ByteBuffer
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(configuration.timeoutSeconds * 1000)))
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 32 << 20)
        } catch {
            throw .transport("\(queryURL): \(error)")
        }
        return try Self.decode(status: status, body: Data(body.readableBytesView))
    }

    /// The token to send: the file's current contents (trimmed), else the fixed value, else none.
    package func bearerToken() throws(PrometheusError) -> String? {
        if let path = configuration.tokenFile {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw .configuration("token file \"\(path)\" is not readable")
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return token.isEmpty ? nil : token
        }
        if let token = configuration.bearerToken, !token.isEmpty { return token }
        return nil
    }

    /// `application/x-www-form-urlencoded` value: everything but unreserved characters percent-encoded (`+` too,
    /// which Go would otherwise read as a space).
    package static func formEncode(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// Parses the HTTP API's envelope: `{"status":"success","data":{"resultType":…,"result":…}}` or
    /// `{"status":"error","errorType":…,"error":…}`.
    package static func decode(status: Int, body: Data) throws(PrometheusError) -> PrometheusQueryResult {
        // An object or an array is a JSON body; anything else (a bare scalar included) is not the API's answer.
        guard let root = try? JSONValue(parsing: body), root.object != nil || root.array != nil else {
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            if !(200..<300).contains(status) { throw .api(status: status, errorType: "http", message: text) }
            throw .malformed("not JSON: \(text)")
        }
        guard let state = root["status"]?.string else { throw .malformed("no \"status\" field") }
        guard state == "success" else {
            throw .api(status: status, errorType: root["errorType"]?.string ?? "unknown",
                       message: root["error"]?.string ?? "no message")
        }
        guard let data = root["data"], let type = data["resultType"]?.string else {
            throw .malformed("no \"data.resultType\"")
        }
        switch type {
        case "vector":
            guard let items = data["result"]?.array, items.allSatisfy({ $0.object != nil }) else {
                throw .malformed("vector result is not a list")
            }
            var samples: [PrometheusSample] = []
            for item in items {
                let labels = item["metric"]?.object.flatMap(Self.stringLabels) ?? [:]
                guard let pair = item["value"]?.array else { throw .malformed("vector element without \"value\"") }
                let (t, v) = try samplePair(pair)
                samples.append(PrometheusSample(labels: labels, timestamp: t, value: v))
            }
            return .vector(samples)
        case "scalar":
            guard let pair = data["result"]?.array else { throw .malformed("scalar result is not a pair") }
            let (t, v) = try samplePair(pair)
            return .scalar(PrometheusSample(labels: [:], timestamp: t, value: v))
        default:
            throw .malformed("result type \"\(type)\" (an instant query for a vector or scalar was expected)")
        }
    }

    /// A series' labels when every value is a string (as the API writes them); `nil` otherwise.
    private static func stringLabels(_ metric: [String: JSONValue]) -> [String: String]? {
        var labels: [String: String] = [:]
        for (name, value) in metric {
            guard let s = value.string else { return nil }
            labels[name] = s
        }
        return labels
    }

    /// `[1752075000.160, "9.33"]`.
    package static func samplePair(_ pair: [JSONValue]) throws(PrometheusError) -> (Double, Double) {
        guard pair.count == 2, let t = pair[0].double, let s = pair[1].string else {
            throw .malformed("sample \(JSONValue.array(pair).text) is not [time, \"value\"]")
        }
        guard let v = parseValue(s) else { throw .malformed("sample value \"\(s)\" is not a number") }
        return (t, v)
    }

    /// Prometheus' float spelling: Go's `strconv.FormatFloat(v, 'f', -1, 64)` plus `NaN`, `+Inf`, `-Inf`.
    package static func parseValue(_ s: String) -> Double? {
        switch s {
        case "NaN": .nan
        case "+Inf", "Inf": .infinity
        case "-Inf": -.infinity
        default: Double(s)
        }
    }
}
