import AsyncHTTPClient
import Foundation
import InfernoControl
import InfernoFormats
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// A small typed Kubernetes REST client on AsyncHTTPClient: bearer token or client certificate, custom CA or
/// `insecure-skip-tls-verify`, a timeout per request, bounded retries with backoff on 5xx, 429 and transport
/// failures, and API errors mapped to `KubernetesError`. Call `shutdown()` when done.
package final class KubernetesClient: Sendable {
    package struct RetryPolicy: Sendable {
        /// Tries per request, the first included.
        package var attempts = 4
        package var initialDelay: Duration = .milliseconds(200)
        package var maxDelay: Duration = .seconds(5)
        package static let none = RetryPolicy(attempts: 1)

        package init(attempts: Int = 4, initialDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(5)) {
            self.attempts = attempts
            self.initialDelay = initialDelay
            self.maxDelay = maxDelay
        }
    }

    package let connection: KubeConnection
    package let requestTimeout: Duration
    package let retry: RetryPolicy
    private let http: HTTPClient
    private let logger: Logger

    /// `connectTimeout` bounds each attempt to connect (AsyncHTTPClient keeps trying until then), `requestTimeout`
    /// each request as a whole.
    package init(connection: KubeConnection, requestTimeout: Duration = .seconds(15), connectTimeout: Duration = .seconds(5),
         retry: RetryPolicy = RetryPolicy(), logger: Logger = Logger(label: "inferno.kubernetes")) throws {
        var config = HTTPClient.Configuration()
        config.tlsConfiguration = try connection.tlsConfiguration()
        config.redirectConfiguration = .disallow
        config.timeout = .init(connect: .nanoseconds(Self.nanoseconds(connectTimeout)))
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
        self.connection = connection
        self.requestTimeout = requestTimeout
        self.retry = retry
        self.logger = logger
    }

    package func shutdown() async throws { try await http.shutdown() }

    /// Sends one API request and returns the JSON answer; retries transient failures per `retry`.
    /// `operation` names the request in errors and logs (`get deployments.apps ns/name`).
    package func send(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil,
              contentType: String = "application/json", operation: String) async throws -> JSONValue {
        var delay = retry.initialDelay
        var attempt = 1
        while true {
            do {
                return try await sendOnce(method, path, query: query, body: body, contentType: contentType,
                                          operation: operation)
            } catch let error as KubernetesError where error.isTransient && attempt < retry.attempts {
                logger.debug("retrying after a transient failure", metadata: [
                    "operation": "\(operation)", "attempt": "\(attempt)", "error": "\(error)",
                    "delayMilliseconds": "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)",
                ])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, retry.maxDelay)
                attempt += 1
            }
        }
    }

    private func sendOnce(_ method: HTTPMethod, _ path: String, query: [(String, String)], body: JSONValue?,
                          contentType: String, operation: String) async throws -> JSONValue {
        var url = connection.server + path
        if !query.isEmpty {
            url += "?" + query.map { "\($0.0)=\(Self.queryEscape($0.1))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "inferno-controller")
        if let token = try bearerToken(operation: operation) {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body.serialized()))
        }
        let status: Int
        let bytes: [UInt8]
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(Self.nanoseconds(requestTimeout)))
            status = Int(response.status.code)
            let buffer = try await response.body.collect(upTo: 64 << 20)
            bytes = Array(buffer.readableBytesView)
        } catch {
            throw KubernetesError(code: .transport, operation: operation, message: "\(error)")
        }
        guard (200..<300).contains(status) else {
            throw Self.apiError(status: status, body: bytes, operation: operation)
        }
        do {
            return try JSONValue(parsing: bytes)
        } catch {
            throw KubernetesError(code: .decoding, operation: operation, message: "\(error)")
        }
    }

    private func bearerToken(operation: String) throws -> String? {
        if let file = connection.tokenFile {
            // Re-read every time: projected service-account tokens rotate under a running pod.
            if let text = try? String(contentsOfFile: file, encoding: .utf8) {
                return text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if connection.token == nil {
                throw KubernetesError(code: .unauthorized, operation: operation, message: "cannot read token file \(file)")
            }
        }
        return connection.token
    }

    /// Maps an error answer, reading the API's `Status` object when there is one.
    package static func apiError(status: Int, body: [UInt8], operation: String) -> KubernetesError {
        let json = try? JSONValue(parsing: body)
        var message = json?["message"]?.string ?? String(decoding: body.prefix(500), as: UTF8.self)
        message = message.trimmingCharacters(in: .whitespacesAndNewlines)
        let reason = json?["reason"]?.string
        let code: KubernetesError.Code
        switch status {
        case 401: code = .unauthorized
        case 403: code = .forbidden
        case 404: code = .notFound
        case 409: code = reason == "AlreadyExists" ? .alreadyExists : .conflict
        case 422:
            let causes = (json?[path: "details.causes"]?.array ?? []).map { c in
                [c["field"]?.string, c["message"]?.string].compactMap { $0 }.joined(separator: ": ")
            }
            code = .invalid(causes: causes)
        case 429, 500...599: code = .server(status: status)
        default: code = .rejected(status: status)
        }
        return KubernetesError(code: code, operation: operation, message: message)
    }

    package static func queryEscape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    package static func nanoseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }
}

extension KubeConnection {
    /// TLS for AsyncHTTPClient: the cluster's CA (or no verification), the user's client certificate.
    package func tlsConfiguration() throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if insecureSkipTLSVerify {
            tls.certificateVerification = .none
        } else if let ca = certificateAuthority {
            tls.trustRoots = .certificates(try Self.certificates(ca))
        }
        if let cert = clientCertificate, let key = clientKey {
            tls.certificateChain = try Self.certificates(cert).map { .certificate($0) }
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key.bytes, format: .pem))
            } catch {
                throw KubeCredentialError(origin: key.origin, message: "not a PEM private key (\(error))")
            }
        }
        return tls
    }

    private static func certificates(_ pem: PEM) throws -> [NIOSSLCertificate] {
        let certs: [NIOSSLCertificate]
        do {
            certs = try NIOSSLCertificate.fromPEMBytes(pem.bytes)
        } catch {
            throw KubeCredentialError(origin: pem.origin, message: "not a PEM certificate (\(error))")
        }
        guard !certs.isEmpty else { throw KubeCredentialError(origin: pem.origin, message: "no PEM certificate in it") }
        return certs
    }
}
