/// A scenario file's decoding error in words: the path of the field and what is wrong with it, instead of
/// `DecodingError`'s debug dump.
package enum ScenarioDecodingError {
    package static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func path(_ keys: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            let all = keys + (last.map { [$0] } ?? [])
            let text = all.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : text
        }
        switch e {
        case .keyNotFound(let key, let c): return "missing required field \"\(path(c.codingPath, key))\""
        case .typeMismatch(let type, let c): return "field \"\(path(c.codingPath))\": expected \(type) (\(c.debugDescription))"
        case .valueNotFound(let type, let c): return "field \"\(path(c.codingPath))\": expected \(type), found null"
        case .dataCorrupted(let c): return c.codingPath.isEmpty ? "not valid JSON: \(c.debugDescription)"
                                                               : "field \"\(path(c.codingPath))\": \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

/// A scenario file that cannot be used: printed as it is, without a usage text (the arguments were fine).
package struct ScenarioFileError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
