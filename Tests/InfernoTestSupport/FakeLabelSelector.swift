/// Label selectors as the API server reads them: comma-separated requirements, each `key`, `!key`, `key=value`,
/// `key==value`, `key!=value`, `key in (a,b)` or `key notin (a,b)`.
package struct FakeLabelSelector: Sendable {
    package enum Requirement: Sendable {
        case exists(String)
        case absent(String)
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
    }

    package struct ParseError: Error, CustomStringConvertible {
        package var description: String

        package init(description: String) {
            self.description = description
        }
    }

    package var requirements: [Requirement] = []

    package init(_ text: String) throws {
        for part in Self.split(text) {
            let p = part.trimmingCharacters(in: .whitespaces)
            if p.isEmpty { continue }
            if let r = p.range(of: " notin ") ?? p.range(of: " in ") {
                let key = String(p[..<r.lowerBound]).trimmingCharacters(in: .whitespaces)
                let rest = p[r.upperBound...].trimmingCharacters(in: .whitespaces)
                guard rest.hasPrefix("("), rest.hasSuffix(")") else { throw ParseError(description: "\(p): expected (values)") }
                let values = Set(rest.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                requirements.append(p[r].contains("notin") ? .notIn(key, values) : .isIn(key, values))
            } else if let r = p.range(of: "!=") {
                requirements.append(.notEquals(String(p[..<r.lowerBound]), String(p[r.upperBound...])))
            } else if let r = p.range(of: "==") ?? p.range(of: "=") {
                requirements.append(.equals(String(p[..<r.lowerBound]), String(p[r.upperBound...])))
            } else if p.hasPrefix("!") {
                requirements.append(.absent(String(p.dropFirst())))
            } else {
                guard !p.contains(" ") else { throw ParseError(description: "\(p): unexpected space") }
                requirements.append(.exists(p))
            }
        }
    }

    /// Splits on commas outside parentheses.
    private static func split(_ s: String) -> [String] {
        var out: [String] = [], current = "", depth = 0
        for ch in s {
            if ch == "(" { depth += 1 } else if ch == ")" { depth -= 1 }
            if ch == ",", depth == 0 { out.append(current); current = "" } else { current.append(ch) }
        }
        out.append(current)
        return out
    }

    package func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { r in
            switch r {
            case .exists(let k): labels[k] != nil
            case .absent(let k): labels[k] == nil
            case .equals(let k, let v): labels[k] == v
            case .notEquals(let k, let v): labels[k] != v
            case .isIn(let k, let vs): labels[k].map(vs.contains) ?? false
            case .notIn(let k, let vs): !(labels[k].map(vs.contains) ?? false)
            }
        }
    }
}

import Foundation
