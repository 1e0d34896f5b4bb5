import InfernoKubernetes
import InfernoSimulation

/// A scenario file's decoding error as a sentence: the field's path, what is wrong, and for a field with a
/// fixed set of values, the values allowed.
enum ScenarioDecodingMessage {
    static let allowed: [String: String] = [
        "routing": RoutingPolicy.allCases.map(\.rawValue).joined(separator: ", "),
        "input": TokenLengthDistribution.allCases.map(\.rawValue).joined(separator: ", "),
        "output": TokenLengthDistribution.allCases.map(\.rawValue).joined(separator: ", "),
        "kind": "constant, ramp, step, sine",
    ]

    static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        var text = e.fieldDescription
        let path: [CodingKey]
        switch e {
        case .dataCorrupted(let c), .typeMismatch(_, let c), .valueNotFound(_, let c): path = c.codingPath
        case .keyNotFound(let k, let c): path = c.codingPath + [k]
        @unknown default: path = []
        }
        if let key = path.last?.stringValue, let values = allowed[key] { text += " (allowed: \(values))" }
        return text
    }
}
