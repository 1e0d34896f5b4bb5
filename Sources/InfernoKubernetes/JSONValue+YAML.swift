import InfernoControl
import InfernoFormats
import Yams

extension JSONValue {
    /// The most nodes one YAML document may expand to. Aliases let a few hundred bytes stand for billions of nodes
    /// (the "billion laughs" document), and kubectl refuses such documents too; a real kubeconfig has hundreds.
    package static let yamlNodeLimit = 1_000_000

    /// Reads one YAML document as the API machinery does (YAML to JSON): quoted scalars stay strings, plain ones
    /// resolve to null, booleans and numbers per the YAML core schema. An empty document is `null`.
    package init(yaml text: String) throws {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            // The parser's message quotes the offending line, which may be the whole file.
            throw YAMLSyntaxError(detail: String("\(error)".prefix(400)))
        }
        var budget = Self.yamlNodeLimit
        self = try node.map { try JSONValue(yamlNode: $0, budget: &budget) } ?? .null
    }

    private init(yamlNode node: Node, budget: inout Int) throws {
        budget -= 1
        guard budget >= 0 else { throw YAMLSyntaxError(expandsBeyond: Self.yamlNodeLimit) }
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
            self = .array(try seq.map { try JSONValue(yamlNode: $0, budget: &budget) })
        case .mapping(let map):
            var o: [String: JSONValue] = [:]
            for (k, v) in map { o[k.string ?? "\(k)"] = try JSONValue(yamlNode: v, budget: &budget) }
            self = .object(o)
        case .alias:
            self = .null
        }
    }
}

/// A document that is not YAML (``detail`` is the parser's description), or one whose aliases expand it past the
/// node limit.
package struct YAMLSyntaxError: Error, CustomStringConvertible, Sendable {
    package var description: String

    package init(detail: String) { description = "not valid YAML: \(detail)" }

    init(expandsBeyond limit: Int) { description = "YAML document expands to more than \(limit) nodes (aliases repeated too often)" }
}
