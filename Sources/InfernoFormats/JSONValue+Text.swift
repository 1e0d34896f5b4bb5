import Foundation

/// A document that is not JSON; ``detail`` is JSONSerialization's description, which says where the syntax broke
/// (`Invalid value around character 10.`, `Number 1e400 is not representable in Swift.`).
public struct JSONSyntaxError: Error, CustomStringConvertible, Sendable {
    public var detail: String
    public var description: String { "not valid JSON: \(detail)" }

    public init(detail: String) { self.detail = detail }
}

extension JSONValue {
    /// Parses a document (a bare scalar too). The tree comes from the decoder, which keeps `true` and `1` apart;
    /// on a syntax error JSONSerialization is asked where it broke, as the decoder's own message does not say.
    public init(parsing bytes: some Collection<UInt8>) throws(JSONSyntaxError) {
        let data = Data(bytes)
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            self = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw JSONSyntaxError(detail: (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)")
        }
    }

    /// The tree of an `Encodable` value.
    public init(encoding value: some Encodable) throws {
        let data = try JSONEncoder().encode(value)
        self = try JSONValue(parsing: data)
    }

    /// Decodes a `Decodable` value from this tree.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(serialized()))
    }

    /// JSON text, compact unless `pretty`: keys sorted as Foundation's `JSONSerialization` sorts them (numerically,
    /// case-insensitively: `granite-3.1-8b` before `granite-20b`), slashes unescaped (model names such as
    /// `ibm/granite-8b`), whole numbers below 9·10^15 as integers (replicas and generations must read back as
    /// integers in Go), other numbers as Swift writes a `Double`; NaN and infinity, which JSON cannot hold, as
    /// strings, which every reader here refuses naming the field. Pretty text is `JSONSerialization`'s.
    public func serialized(pretty: Bool = false) -> [UInt8] {
        var out = ""
        write(to: &out, pretty: pretty, level: 0)
        return Array(out.utf8)
    }

    private func write(to out: inout String, pretty: Bool, level: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d):
            if !d.isFinite { Self.writeString("\(d)", to: &out) }
            else if let n = Self.wholeNumber(d) { out += String(n) } else { out += "\(d)" }
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let a):
            Self.writeContainer(a, open: "[", close: "]", to: &out, pretty: pretty, level: level) { item, out in
                item.write(to: &out, pretty: pretty, level: level + 1)
            }
        case .object(let o):
            let root = Locale(identifier: "")
            let sorted = o.sorted { a, b in
                a.key.compare(b.key, options: [.numeric, .caseInsensitive, .forcedOrdering], range: nil, locale: root)
                    == .orderedAscending
            }
            Self.writeContainer(sorted, open: "{", close: "}", to: &out, pretty: pretty, level: level) { member, out in
                Self.writeString(member.key, to: &out)
                out += pretty ? " : " : ":"
                member.value.write(to: &out, pretty: pretty, level: level + 1)
            }
        }
    }

    private static func writeContainer<Element>(_ items: [Element], open: String, close: String, to out: inout String,
                                                 pretty: Bool, level: Int,
                                                 element: (Element, inout String) -> Void) {
        out += open
        let inner = pretty ? "\n" + String(repeating: "  ", count: level + 1) : ""
        for (i, item) in items.enumerated() {
            out += i == 0 ? inner : "," + inner
            element(item, &out)
        }
        if pretty { out += (items.isEmpty ? "\n\n" : "\n") + String(repeating: "  ", count: level) }
        out += close
    }

    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{8}": out += "\\b"
            case "\u{C}": out += "\\f"
            case "\u{0}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// The compact text, for logs and messages.
    public var text: String { String(decoding: serialized(), as: UTF8.self) }
}

extension JSONValue: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        // Bool before Double: the decoder refuses to read a number as a Bool and vice versa.
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let d = try? c.decode(Double.self) { self = .number(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
        self = .object(try c.decode([String: JSONValue].self))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d):
            // Whole numbers as integers, so counts (replicas, generations) read back as integers in Go. JSON has
            // no NaN or infinity: they are written as strings, which every reader here rejects naming the field.
            if !d.isFinite { try c.encode("\(d)") }
            else if d == d.rounded(), abs(d) < 9.0e15 { try c.encode(Int64(d)) } else { try c.encode(d) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}
