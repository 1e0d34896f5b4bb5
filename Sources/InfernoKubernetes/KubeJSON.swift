import Foundation
import InfernoControl

/// A JSON document as the API server sends it. Objects are handled as trees so that a read-modify-write keeps
/// every field, including the ones no Swift type here models (other controllers' annotations, newer schema fields).
package enum KubeJSON: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([KubeJSON])
    case object([String: KubeJSON])

    // MARK: Reading

    package var string: String? { if case .string(let s) = self { s } else { nil } }
    package var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    package var double: Double? { if case .number(let d) = self { d } else { nil } }
    /// Whole numbers only.
    package var int: Int? {
        guard case .number(let d) = self, d == d.rounded(), abs(d) < 9.0e15 else { return nil }
        return Int(d)
    }
    package var array: [KubeJSON]? { if case .array(let a) = self { a } else { nil } }
    package var object: [String: KubeJSON]? { if case .object(let o) = self { o } else { nil } }
    package var isNull: Bool { self == .null }

    /// Member of an object; setting on `null` makes an object, setting `nil` removes the key.
    package subscript(key: String) -> KubeJSON? {
        get { object?[key] }
        set {
            var o = object ?? [:]
            o[key] = newValue
            self = .object(o)
        }
    }

    /// Member at a dotted path of object keys (`"metadata.resourceVersion"`); no escaping, for fixed paths only.
    package subscript(path path: String) -> KubeJSON? {
        get {
            var node: KubeJSON? = self
            for key in path.split(separator: ".") { node = node?[String(key)] }
            return node
        }
        set {
            let keys = path.split(separator: ".").map(String.init)
            self = Self.setting(self, keys[...], to: newValue)
        }
    }

    private static func setting(_ node: KubeJSON, _ keys: ArraySlice<String>, to value: KubeJSON?) -> KubeJSON {
        guard let key = keys.first else { return value ?? .null }
        var n = node.object == nil ? KubeJSON.object([:]) : node
        let child = n[key] ?? .null
        n[key] = keys.count == 1 ? value : setting(child, keys.dropFirst(), to: value)
        return n
    }

    /// For error messages: what was found instead of the expected kind.
    package var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let d): "the number \(KubeJSON.format(d))"
        case .string(let s): "the string \"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\""
        case .array: "an array"
        case .object: "an object"
        }
    }

    package static func format(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 9.0e15 ? String(Int64(d)) : String(d)
    }

    // MARK: Parsing and writing

    /// Parses a JSON document; the error says where the syntax broke.
    package init(parsing bytes: some Collection<UInt8>) throws {
        let data = Data(bytes)
        do {
            self = try JSONDecoder().decode(KubeJSON.self, from: data)
        } catch {
            let detail = (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) == nil
                ? ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) : nil
            throw KubeJSONError(message: "not valid JSON: \(detail ?? "\(error)")")
        }
    }

    /// The tree of an `Encodable` value.
    package init(encoding value: some Encodable) throws {
        let data = try JSONEncoder().encode(value)
        self = try KubeJSON(parsing: data)
    }

    /// Decodes a `Decodable` value from this tree.
    package func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(serialized()))
    }

    /// Compact JSON, keys sorted (stable bodies in logs and tests), slashes unescaped.
    package func serialized(pretty: Bool = false) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
                                          : [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data())
    }

    package var text: String { String(decoding: serialized(), as: UTF8.self) }
}

package struct KubeJSONError: Error, CustomStringConvertible, Sendable {
    package var message: String
    package var description: String { message }

    package init(message: String) { self.message = message }
}

extension KubeJSON: Codable {
    package init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        // Bool before Double: the decoder refuses to read a number as a Bool and vice versa.
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let d = try? c.decode(Double.self) { self = .number(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([KubeJSON].self) { self = .array(a); return }
        self = .object(try c.decode([String: KubeJSON].self))
    }

    package func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d):
            // Whole numbers as integers: replicas and generations must read back as integers in Go.
            if d == d.rounded(), abs(d) < 9.0e15 { try c.encode(Int64(d)) } else { try c.encode(d) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

extension KubeJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int) { self = .number(Double(value)) }
    package init(floatLiteral value: Double) { self = .number(value) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(arrayLiteral elements: KubeJSON...) { self = .array(elements) }
    package init(dictionaryLiteral elements: (String, KubeJSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, b in b }))
    }
    package init(nilLiteral: ()) { self = .null }
}
