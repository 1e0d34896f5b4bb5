import InfernoControl
import InfernoFormats

extension JSONValue {
    /// Applies a JSON merge patch (RFC 7386, `application/merge-patch+json`): objects merge key by key, `null`
    /// deletes a key, anything else (arrays included) replaces the target.
    package func mergePatched(with patch: JSONValue) -> JSONValue {
        guard case .object(let p) = patch else { return patch }
        var target = object ?? [:]
        for (key, value) in p {
            if value == .null {
                target[key] = nil
            } else {
                target[key] = (target[key] ?? .null).mergePatched(with: value)
            }
        }
        return .object(target)
    }

    /// The merge patch that turns `old` into `self` (nil when they are equal). Arrays are replaced whole.
    package func mergePatch(from old: JSONValue) -> JSONValue? {
        guard self != old else { return nil }
        guard case .object(let new) = self, case .object(let previous) = old else { return self }
        var patch: [String: JSONValue] = [:]
        for (key, value) in new {
            if let before = previous[key] {
                if let p = value.mergePatch(from: before) { patch[key] = p }
            } else {
                patch[key] = value
            }
        }
        for key in previous.keys where new[key] == nil { patch[key] = .null }
        return .object(patch)
    }
}
