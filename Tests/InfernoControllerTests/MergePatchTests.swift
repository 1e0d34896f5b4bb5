import InfernoFormats
import Testing
@testable import InfernoKubernetes
import InfernoTestSupport

/// JSON merge patch against RFC 7386 Appendix A, the RFC's own table of examples, for both the controller's
/// implementation and the fake API server's independent one.
@Suite struct MergePatchTests {
    /// (original, patch, result), as in RFC 7386 Appendix A.
    static let appendixA: [(String, String, String)] = [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"a":"foo"}"#, #"null"#, #"null"#),
        (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ]

    static func json(_ text: String) throws -> JSONValue { try JSONValue(parsing: Array(text.utf8)) }

    @Test func theControllersMergePatchFollowsTheRFC() throws {
        for (original, patch, result) in Self.appendixA {
            #expect(try Self.json(original).mergePatched(with: Self.json(patch)) == Self.json(result), "\(original) + \(patch)")
        }
    }

    @Test func theFakeServersMergePatchFollowsTheRFC() throws {
        for (original, patch, result) in Self.appendixA {
            #expect(FakeMergePatch.apply(try Self.json(patch), to: try Self.json(original)) == (try Self.json(result)),
                    "\(original) + \(patch)")
        }
    }

    /// The diff the controller sends, applied by the fake server, gives back the object the controller wanted.
    @Test func aComputedPatchAppliedByTheFakeGivesTheTarget() throws {
        let old = try Self.json(#"{"spec":{"replicas":2,"keep":true},"status":{"a":[1,2],"gone":"x"}}"#)
        let new = try Self.json(#"{"spec":{"replicas":3,"keep":true},"status":{"a":[1],"added":{"b":null}}}"#)
        let patch = try #require(new.mergePatch(from: old))
        // A null inside an added object cannot survive a merge patch (RFC 7386 §1): it is dropped.
        #expect(FakeMergePatch.apply(patch, to: old) == (try Self.json(#"{"spec":{"replicas":3,"keep":true},"status":{"a":[1],"added":{}}}"#)))
    }
}
