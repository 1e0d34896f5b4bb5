import InfernoControl

/// A failed API call: what was attempted, what the server (or the network) said.
package struct KubernetesError: Error, CustomStringConvertible, Sendable, Equatable {
    package enum Code: Sendable, Equatable {
        /// 401: no or bad credentials.
        case unauthorized
        /// 403: RBAC denies the verb on the resource.
        case forbidden
        /// 404.
        case notFound
        /// 409 on a write with a stale `resourceVersion`: read again and retry.
        case conflict
        /// 409 on create: the name is taken.
        case alreadyExists
        /// 422: the object failed validation; `causes` are `field: message`.
        case invalid(causes: [String])
        /// Another 4xx (400 bad request, 405, 415…).
        case rejected(status: Int)
        /// 5xx or 429: the server could not serve the request now.
        case server(status: Int)
        /// No HTTP answer: connection refused, TLS failure, timeout.
        case transport
        /// An answer that is not the object expected.
        case decoding
    }

    package var code: Code
    /// `update variantautoscalings.llmd.ai llm-d-sim/vllme-deployment/status`.
    package var operation: String
    /// The API's `Status.message`, or the transport or decoding error.
    package var message: String

    package var status: Int? {
        switch code {
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound: 404
        case .conflict, .alreadyExists: 409
        case .invalid: 422
        case .rejected(let s), .server(let s): s
        case .transport, .decoding: nil
        }
    }

    /// Worth retrying as is after a pause (the same request may succeed).
    package var isTransient: Bool {
        switch code {
        case .server, .transport: true
        default: false
        }
    }

    package var description: String {
        let what: String
        switch code {
        case .unauthorized: what = "401 Unauthorized (credentials missing, expired or rejected)"
        case .forbidden: what = "403 Forbidden"
        case .notFound: what = "404 Not Found"
        case .conflict: what = "409 Conflict"
        case .alreadyExists: what = "409 AlreadyExists"
        case .invalid(let causes):
            what = "422 Invalid" + (causes.isEmpty ? "" : " (\(causes.joined(separator: "; ")))")
        case .rejected(let s): what = "\(s) rejected"
        case .server(let s): what = "\(s) server error"
        case .transport: what = "no response"
        case .decoding: what = "unexpected response"
        }
        return message.isEmpty ? "\(operation): \(what)" : "\(operation): \(what): \(message)"
    }
}

/// PEM material that NIOSSL refused, naming where it came from.
package struct KubeCredentialError: Error, CustomStringConvertible, Sendable {
    package var origin: String
    package var message: String
    package var description: String { "\(origin): \(message)" }
}

extension DecodingError {
    /// `spec.modelProfile.accelerators[1].acc: missing` rather than Foundation's nested dump.
    package var fieldDescription: String {
        func path(_ keys: [CodingKey]) -> String {
            var out = ""
            for k in keys {
                if let i = k.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + k.stringValue }
            }
            return out.isEmpty ? "(top)" : out
        }
        switch self {
        case .keyNotFound(let key, let ctx): return "\(path(ctx.codingPath + [key])): missing"
        case .valueNotFound(_, let ctx): return "\(path(ctx.codingPath)): missing (null)"
        case .typeMismatch(let type, let ctx): return "\(path(ctx.codingPath)): expected \(Self.kind(type))"
        case .dataCorrupted(let ctx): return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        @unknown default: return "\(self)"
        }
    }

    private static func kind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default: "\(type)".hasPrefix("Array") ? "a list" : "an object"
        }
    }
}
