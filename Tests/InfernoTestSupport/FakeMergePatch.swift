import InfernoFormats
import InfernoKubernetes

/// The fake API server's JSON merge patch, written from RFC 7386 §2's pseudocode and kept apart from the
/// controller's `JSONValue.mergePatched(with:)`: a bug there must not be mirrored here, or a test of a patch the
/// controller sends would pass on both sides. `MergePatchTests` checks both against the RFC's Appendix A.
package enum FakeMergePatch {
    package static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
        // "if Patch is an Object": merge; otherwise the patch replaces the target wholesale.
        guard case .object(let members) = patch else { return patch }
        // "if Target is not an Object: Target = {}".
        var result: [String: JSONValue]
        if case .object(let existing) = target { result = existing } else { result = [:] }
        for name in members.keys.sorted() {
            let value = members[name]!
            if case .null = value {
                result.removeValue(forKey: name)
            } else {
                result[name] = apply(value, to: result[name] ?? .null)
            }
        }
        return .object(result)
    }
}
