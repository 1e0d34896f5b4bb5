import InfernoControl
import InfernoFormats
import Yams

extension JSONValue {
    /// Reads one YAML document as the API machinery does (YAML to JSON): quoted scalars stay strings, plain ones
    /// resolve to null, booleans and numbers per the YAML core schema. An empty document is `null`.
    package init(yaml text: String) throws {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw YAMLSyntaxError(detail: "\(error)")
        }
        self = node.map(JSONValue.init(yamlNode:)) ?? .null
    }

    package init(yamlNode node: Node) {
        switch node {
        case .scalar(let s):
            switch Tag.Name(rawValue: s.tag.rawValue) {
            case .null: self = .null
            case .bool: self = node.bool.map(JSONValue.bool) ?? .string(s.string)
            case .int: self = node.int.map { .number(Double($0)) } ?? .string(s.string)
            case .float: self = node.float.map(JSONValue.number) ?? .string(s.string)
            default: self = .string(s.string)
            }
        case .sequence(let seq):
            self = .array(seq.map(JSONValue.init(yamlNode:)))
        case .mapping(let map):
            var o: [String: JSONValue] = [:]
            for (k, v) in map { o[k.string ?? "\(k)"] = JSONValue(yamlNode: v) }
            self = .object(o)
        case .alias:
            self = .null
        }
    }
}

/// A document that is not YAML; ``detail`` is the parser's description.
package struct YAMLSyntaxError: Error, CustomStringConvertible, Sendable {
    package var detail: String
    package var description: String { "not valid YAML: \(detail)" }
}
