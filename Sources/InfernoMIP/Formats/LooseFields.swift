import Foundation
import InfernoFormats

/// One object of the input read as (part of) an entity: typed field access that records what is wrong with
/// the entity's name and the field's path instead of stopping at the first problem.
struct LooseFields {
    let value: JSONValue
    /// `server "s1"`, `accelerators[3]`.
    let entity: String
    /// Field path prefix shown in messages (`currentAlloc.load`), empty at the entity's root.
    let prefix: String
    /// Prefix of the canonical field path, which differs from ``prefix`` only for alternative spellings
    /// (`perfParms.alpha` is `decodeParms.alpha`); validation findings on fields already reported are dropped.
    let keyPrefix: String
    let log: IssueLog

    init(_ value: JSONValue, entity: String, prefix: String = "", keyPrefix: String? = nil, log: IssueLog) {
        self.value = value
        self.entity = entity
        self.prefix = prefix
        self.keyPrefix = keyPrefix ?? prefix
        self.log = log
    }

    func path(_ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }
    func keyPath(_ key: String) -> String { keyPrefix.isEmpty ? key : keyPrefix + "." + key }

    /// The value of `key` or of the first alias present; `null` counts as absent (Go leaves the zero value).
    func raw(_ key: String, aliases: [String] = []) -> JSONValue? {
        for k in [key] + aliases {
            if let v = value.member(k), v != .null { return v }
        }
        return nil
    }

    func has(_ key: String, aliases: [String] = []) -> Bool { raw(key, aliases: aliases) != nil }

    private func wrongKind(_ key: String, expected: String, found: JSONValue) {
        log.error(entity, path(key), "expected \(expected), found \(found.kindDescription)", key: keyPath(key))
    }

    private func missing(_ key: String) {
        log.error(entity, path(key), "is missing", key: keyPath(key))
    }

    /// A number, from a JSON number or a decimal string (VA-style `"40.00"`; not `"0x10"`, see ``DecimalNumber``).
    /// `nil` when absent or invalid
    /// (invalid is recorded).
    func optionalDouble(_ key: String, aliases: [String] = []) -> Double? {
        guard let v = raw(key, aliases: aliases) else { return nil }
        if let d = v.decimal, d.isFinite { return d }
        if v.decimal != nil || isNonFiniteWord(v) {
            log.error(entity, path(key), "is \(v.kindDescription), not a finite number", key: keyPath(key))
        } else {
            wrongKind(key, expected: "a number", found: v)
        }
        return nil
    }

    /// `"inf"`, `"-Infinity"`, `"nan"`: numbers to `strtod`, so the message says why they are refused.
    private func isNonFiniteWord(_ v: JSONValue) -> Bool {
        guard case .string(let s) = v, let n = Double(s.trimmingCharacters(in: .whitespaces)) else { return false }
        return !n.isFinite && !s.lowercased().contains("x")
    }

    /// A required field (recorded as missing and read as `absent` when it is absent) or an optional one with a
    /// default; `read` reads it when present.
    private func required<T>(_ key: String, _ aliases: [String], default fallback: T?, absent: T,
                             _ read: (String, [String]) -> T?) -> T {
        if !has(key, aliases: aliases) {
            if let fallback { return fallback }
            missing(key)
            return absent
        }
        return read(key, aliases) ?? fallback ?? absent
    }

    /// A required number (recorded as missing and read as 0 when absent) or an optional one with a default.
    func double(_ key: String, aliases: [String] = [], default fallback: Double? = nil) -> Double {
        required(key, aliases, default: fallback, absent: 0) { optionalDouble($0, aliases: $1) }
    }

    /// A whole number; `4.0` and `"4"` are accepted, `4.5` is not.
    func optionalInt(_ key: String, aliases: [String] = []) -> Int? {
        guard let d = optionalDouble(key, aliases: aliases) else { return nil }
        guard let n = JSONValue.wholeNumber(d) else {
            log.error(entity, path(key), "is \(formatNumber(d)) (must be a whole number)", key: keyPath(key))
            return nil
        }
        return n
    }

    func int(_ key: String, aliases: [String] = [], default fallback: Int? = nil) -> Int {
        required(key, aliases, default: fallback, absent: 0) { optionalInt($0, aliases: $1) }
    }

    func optionalString(_ key: String, aliases: [String] = []) -> String? {
        guard let v = raw(key, aliases: aliases) else { return nil }
        guard case .string(let s) = v else {
            wrongKind(key, expected: "a string", found: v)
            return nil
        }
        return s
    }

    func string(_ key: String, aliases: [String] = [], default fallback: String? = nil) -> String {
        required(key, aliases, default: fallback, absent: "") { optionalString($0, aliases: $1) }
    }

    /// A Bool; the strings `"true"`/`"false"` are accepted as well.
    func bool(_ key: String, default fallback: Bool = false) -> Bool {
        guard let v = raw(key) else { return fallback }
        switch v {
        case .bool(let b): return b
        case .string(let s) where s.lowercased() == "true": return true
        case .string(let s) where s.lowercased() == "false": return false
        default:
            wrongKind(key, expected: "true or false", found: v)
            return fallback
        }
    }

    /// A nested object read with the same entity; `nil` when absent (recorded when `required`) or not an object.
    /// `canonicalPath` replaces the canonical path of the nested fields (`perfParms` read as `decodeParms`).
    func object(_ key: String, aliases: [String] = [], required: Bool = false, canonicalPath: String? = nil) -> LooseFields? {
        guard let v = raw(key, aliases: aliases) else {
            if required { missing(key) }
            return nil
        }
        guard case .object = v else {
            wrongKind(key, expected: "an object", found: v)
            return nil
        }
        return LooseFields(v, entity: entity, prefix: path(key), keyPrefix: canonicalPath ?? keyPath(key), log: log)
    }

    func array(_ key: String, required: Bool = false) -> [JSONValue]? {
        guard let v = raw(key) else {
            if required { missing(key) }
            return nil
        }
        guard case .array(let a) = v else {
            wrongKind(key, expected: "an array", found: v)
            return nil
        }
        return a
    }
}
