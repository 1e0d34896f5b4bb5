import Foundation

/// A JSON document as a plain tree: the one representation every reader and writer of the package uses
/// (upstream system JSON, VariantAutoscaling objects and every other Kubernetes body, Prometheus responses, the
/// solution output). Objects are kept whole, so a read-modify-write keeps the fields no Swift type models.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    // MARK: Strict accessors: the value only when it is of that kind

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var double: Double? { if case .number(let d) = self { d } else { nil } }
    /// Whole numbers only (``wholeNumber(_:)``).
    public var int: Int? { double.flatMap(Self.wholeNumber) }
    public var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var object: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }
    public var isNull: Bool { self == .null }

    // MARK: Lenient accessors: what upstream's Go decoders accept

    /// A number written as a JSON number or as a decimal string (`"40.00"`, as upstream writes profile
    /// parameters and costs); the string is read by ``DecimalNumber``, so `"0x10"` and `"inf"` are not numbers.
    public var decimal: Double? {
        switch self {
        case .number(let d): d
        case .string(let s): DecimalNumber.parse(s)
        default: nil
        }
    }

    /// The one rule for a count: a whole number (`4.0` is 4, `4.5` is not one) below 9·10^15, where doubles stop
    /// holding every integer.
    public static func wholeNumber(_ d: Double) -> Int? {
        d == d.rounded() && abs(d) < 9.0e15 ? Int(d) : nil
    }

    /// Member of an object by key, case-insensitively as Go's `encoding/json` matches fields; an exact match wins.
    public func member(_ key: String) -> JSONValue? {
        guard case .object(let o) = self else { return nil }
        if let v = o[key] { return v }
        let lower = key.lowercased()
        // Several keys differing only in case: take the smallest, so the choice does not depend on hashing.
        return o.keys.filter { $0.lowercased() == lower }.min().flatMap { o[$0] }
    }

    // MARK: Editing

    /// Member of an object by exact key; setting on `null` makes an object, setting `nil` removes the key.
    public subscript(key: String) -> JSONValue? {
        get { object?[key] }
        set {
            var o = object ?? [:]
            o[key] = newValue
            self = .object(o)
        }
    }

    /// Member at a dotted path of object keys (`"metadata.resourceVersion"`); no escaping, for fixed paths only.
    public subscript(path path: String) -> JSONValue? {
        get {
            var node: JSONValue? = self
            for key in path.split(separator: ".") { node = node?[String(key)] }
            return node
        }
        set {
            let keys = path.split(separator: ".").map(String.init)
            self = Self.setting(self, keys[...], to: newValue)
        }
    }

    private static func setting(_ node: JSONValue, _ keys: ArraySlice<String>, to value: JSONValue?) -> JSONValue {
        guard let key = keys.first else { return value ?? .null }
        var n = node.object == nil ? JSONValue.object([:]) : node
        let child = n[key] ?? .null
        n[key] = keys.count == 1 ? value : setting(child, keys.dropFirst(), to: value)
        return n
    }

    // MARK: Messages

    /// For error messages: what was found instead of the expected kind.
    public var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let d): "the number \(formatNumber(d))"
        case .string(let s): "the string \"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// The one way a number is written as text, in messages and in string-valued fields (a VariantAutoscaling's
/// profile parameters): whole numbers below 10^15 without a decimal point or exponent (`10000000`, not
/// `1e+07`), everything else as Swift writes a `Double` (`0.25`, `1e+20`, `inf`).
public func formatNumber(_ d: Double) -> String {
    d.isFinite && d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, b in b }))
    }
    public init(nilLiteral: ()) { self = .null }
}
