import Foundation
import InfernoFormats

/// One accelerator's profile as upstream writes it, in a system JSON's `modelData.models[]` entry and in a
/// VariantAutoscaling's `spec.modelProfile.accelerators[]` entry: both are read by ``read(_:accelerator:)``, with
/// one set of rules (docs/formats.md §9).
package struct ProfileEntry: Hashable, Sendable {
    package var accelerator: String
    package var acceleratorCount: Int
    package var maxBatchSize: Int
    /// The request length `maxBatchSize` was measured at; `nil` when not given (``ModelProfile/defaultAtTokens``).
    package var atTokens: Int?
    package var performance: PerformanceParameters

    /// Reads an entry; every problem goes to the log under the field's path, naming the value.
    static func read(_ f: LooseFields) -> ProfileEntry { read(f, accelerator: f.string("acc")) }

    /// Reads an entry whose `acc` the caller has read already (to name the entity by it).
    static func read(_ f: LooseFields, accelerator: String) -> ProfileEntry {
        ProfileEntry(accelerator: accelerator, acceleratorCount: f.int("accCount", default: 1),
                     maxBatchSize: f.int("maxBatchSize"), atTokens: f.optionalInt("atTokens"),
                     performance: PerformanceParameters.read(f))
    }

    /// One problem of an entry read on its own: the field's path within the entry and what is wrong with it.
    package struct Problem: Hashable, Sendable {
        /// `perfParms.decodeParms.alpha`; empty for the entry as a whole.
        package var field: String
        /// `is missing`, `expected a number, found the string "abc"`, `mixes the two performance models (…)`.
        package var message: String
    }

    /// Reads an entry on its own (a VariantAutoscaling's): the entry, or every problem found in it.
    package static func read(_ value: JSONValue) -> Result<ProfileEntry, ProfileEntryError> {
        let log = IssueLog()
        guard case .object = value else {
            return .failure(ProfileEntryError(problems: [Problem(field: "", message: "expected an object, found \(value.kindDescription)")]))
        }
        let entry = read(LooseFields(value, entity: "", log: log))
        let problems = log.issues.filter { $0.severity == .error }.map { Problem(field: $0.field, message: $0.message) }
        return problems.isEmpty ? .success(entry) : .failure(ProfileEntryError(problems: problems))
    }
}

package struct ProfileEntryError: Error, Hashable, Sendable {
    package var problems: [ProfileEntry.Problem]
}

extension ModelProfile {
    /// Used when a profile does not say at what request length `maxBatchSize` was measured: the value of every
    /// upstream example.
    public static let defaultAtTokens = 128

    /// The two spellings, quoted by every error about a profile's performance model.
    static let systemJSONSpellings = "the seed kind is \"decodeParms\": {\"alpha\", \"beta\"} with optional "
        + "\"prefillParms\": {\"gamma\", \"delta\"} (also inside \"perfParms\"); the per-iteration kind is "
        + "\"perfParms\": {\"alpha\", \"beta\", \"gamma\"} with optional \"maxNumTokens\""
}

/// The profile kinds (docs/model.md), told apart by structure.
extension PerformanceParameters {
    /// Keys of the seed kind when written directly in the entry (the oldest spelling puts `alpha`/`beta` there).
    private static let seedKeys = ["decodeParms", "prefillParms", "alpha", "beta", "gamma", "delta"]

    /// The performance model in any of the accepted spellings; anything that could be read as either kind, or
    /// gives one value twice, is an error naming the fields.
    static func read(_ f: LooseFields) -> PerformanceParameters {
        let missing = PerformanceParameters.seed(decode: DecodeParameters(alpha: 0, beta: 0), prefill: .zero)
        let beside = seedKeys.filter { f.has($0) }
        if f.has("perfParms") {
            guard let p = f.object("perfParms") else { return missing }
            let nested = ["decodeParms", "prefillParms"].filter { p.has($0) }
            let flat = ["alpha", "beta", "gamma", "delta", "maxNumTokens"].filter { p.has($0) }
            if !beside.isEmpty || !nested.isEmpty && !flat.isEmpty {
                let keys = beside + nested.map { "perfParms." + $0 } + flat.map { "perfParms." + $0 }
                f.log.error(f.entity, "perfParms", "mixes the two performance models (\(keys.joined(separator: ", "))); "
                            + "give one: " + ModelProfile.systemJSONSpellings)
                return missing
            }
            if !nested.isEmpty {   // the VA shape: perfParms{decodeParms{…}, prefillParms{…}}
                rejectBudget(f, kind: "perfParms.decodeParms")
                // Keyed as decodeParms, so the validator's findings on decodeParms.alpha do not repeat it.
                if !p.has("decodeParms") { f.log.error(f.entity, p.path("decodeParms"), "is missing", key: "decodeParms") }
                return readSeed(decode: p.object("decodeParms", canonicalPath: "decodeParms"),
                                prefill: p.object("prefillParms", canonicalPath: "prefillParms"))
            }
            if !p.has("gamma") || p.has("delta") {
                f.log.error(f.entity, "perfParms", "is neither model: it has \(flat.isEmpty ? "no keys" : flat.joined(separator: ", ")); "
                            + ModelProfile.systemJSONSpellings)
                return missing
            }
            return .perIteration(IterationParameters(alpha: p.double("alpha"), beta: p.double("beta"),
                                                     gamma: p.double("gamma"), maxNumTokens: budget(f, p)))
        }
        rejectBudget(f, kind: "no perfParms{alpha, beta, gamma}")
        if f.has("decodeParms") {
            let flatSeed = ["alpha", "beta", "gamma", "delta"].filter { f.has($0) }
            if !flatSeed.isEmpty {
                f.log.error(f.entity, "decodeParms", "is given twice: as decodeParms and as \(flatSeed.joined(separator: ", ")) "
                            + "beside it; give one: " + ModelProfile.systemJSONSpellings)
                return missing
            }
            return readSeed(decode: f.object("decodeParms"), prefill: f.object("prefillParms"))
        }
        if f.has("alpha") || f.has("beta") {   // the oldest spelling: the parameters in the entry itself
            let d = LooseFields(f.value, entity: f.entity, prefix: f.prefix, keyPrefix: "decodeParms", log: f.log)
            if f.has("prefillParms") {
                if let given = ["gamma", "delta"].first(where: { f.has($0) }) {
                    f.log.error(f.entity, given, "is given twice: beside alpha and in prefillParms; give one: "
                                + ModelProfile.systemJSONSpellings)
                    return missing
                }
                return readSeed(decode: d, prefill: f.object("prefillParms"))
            }
            let prefill = LooseFields(f.value, entity: f.entity, prefix: f.prefix, keyPrefix: "prefillParms", log: f.log)
            return readSeed(decode: d, prefill: prefill)
        }
        f.log.error(f.entity, "decodeParms", "is missing: no performance model; " + ModelProfile.systemJSONSpellings)
        return missing
    }

    private static func readSeed(decode d: LooseFields?, prefill p: LooseFields?) -> PerformanceParameters {
        .seed(decode: DecodeParameters(alpha: d?.double("alpha") ?? 0, beta: d?.double("beta") ?? 0),
              prefill: p.map { PrefillParameters(gamma: $0.double("gamma", default: 0), delta: $0.double("delta", default: 0)) }
                  ?? .zero)
    }

    /// `maxNumTokens` in `perfParms` or beside it; given in both with different values is an error.
    private static func budget(_ f: LooseFields, _ p: LooseFields) -> Int {
        let inner = p.optionalInt("maxNumTokens"), outer = f.optionalInt("maxNumTokens")
        if let inner, let outer, inner != outer {
            f.log.error(f.entity, "maxNumTokens", "is \(outer) beside perfParms but \(inner) in it; give one")
        }
        return inner ?? outer ?? IterationParameters.defaultMaxNumTokens
    }

    /// `maxNumTokens` in an entry of the seed kind: it belongs to the per-iteration kind.
    private static func rejectBudget(_ f: LooseFields, kind: String) {
        guard f.has("maxNumTokens") else { return }
        f.log.error(f.entity, "maxNumTokens", "belongs to the per-iteration model, but the profile has \(kind); "
                    + ModelProfile.systemJSONSpellings)
    }

    /// Each kind in its own spelling, so a file written and read back keeps it.
    var upstreamJSON: [String: JSONValue] {
        switch self {
        case .seed(let d, let p):
            return ["decodeParms": .object(["alpha": .number(d.alpha), "beta": .number(d.beta)]),
                    "prefillParms": .object(["gamma": .number(p.gamma), "delta": .number(p.delta)])]
        case .perIteration(let i):
            return ["perfParms": .object(["alpha": .number(i.alpha), "beta": .number(i.beta), "gamma": .number(i.gamma),
                                          "maxNumTokens": .number(Double(i.maxNumTokens))])]
        }
    }
}
