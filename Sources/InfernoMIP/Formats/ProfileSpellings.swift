import InfernoFormats

/// The profile kinds in upstream's system JSON (see ``SystemSpec`` decoding docs and docs/model.md).
extension PerformanceParameters {
    /// The performance model in any of the accepted spellings of a system JSON profile (see ``SystemSpec`` decoding docs).
    static func read(_ f: LooseFields) -> PerformanceParameters {
        let log = f.log
        func decode(_ d: LooseFields) -> DecodeParameters { DecodeParameters(alpha: d.double("alpha"), beta: d.double("beta")) }
        func prefill(_ p: LooseFields?) -> PrefillParameters {
            guard let p else { return .zero }
            return PrefillParameters(gamma: p.double("gamma", default: 0), delta: p.double("delta", default: 0))
        }
        let missing = PerformanceParameters.seed(decode: DecodeParameters(alpha: 0, beta: 0), prefill: .zero)
        let seedKeys = ["decodeParms", "prefillParms", "alpha", "beta", "delta"].filter { f.has($0) }
        if f.has("perfParms") {
            guard let p = f.object("perfParms") else { return missing }
            let nestedSeed = ["decodeParms", "prefillParms"].filter { p.has($0) }
            let flat = ["alpha", "beta", "gamma", "delta", "maxNumTokens"].filter { p.has($0) }
            if !seedKeys.isEmpty || !nestedSeed.isEmpty && !flat.isEmpty {
                let keys = seedKeys + nestedSeed.map { "perfParms." + $0 } + flat.map { "perfParms." + $0 }
                log.error(f.entity, "perfParms", "mixes the two performance models (\(keys.joined(separator: ", "))); "
                          + "give one: " + ModelProfile.systemJSONSpellings)
                return missing
            }
            if !nestedSeed.isEmpty {   // the VA shape: perfParms{decodeParms{…}, prefillParms{…}}
                let d = p.object("decodeParms", canonicalPath: "decodeParms")
                let pre = p.object("prefillParms", canonicalPath: "prefillParms")
                return .seed(decode: d.map(decode) ?? DecodeParameters(alpha: 0, beta: 0), prefill: prefill(pre))
            }
            if !p.has("gamma") || p.has("delta") {
                log.error(f.entity, "perfParms", "is neither model: it has \(flat.isEmpty ? "no keys" : flat.joined(separator: ", ")); "
                          + ModelProfile.systemJSONSpellings)
                return missing
            }
            let budget = p.optionalInt("maxNumTokens") ?? f.optionalInt("maxNumTokens") ?? IterationParameters.defaultMaxNumTokens
            return .perIteration(IterationParameters(alpha: p.double("alpha"), beta: p.double("beta"),
                                                     gamma: p.double("gamma"), maxNumTokens: budget))
        }
        if f.has("maxNumTokens") {
            log.error(f.entity, "maxNumTokens", "belongs to the per-iteration model, but the profile has no "
                      + "perfParms{alpha, beta, gamma}; " + ModelProfile.systemJSONSpellings)
        }
        if f.has("decodeParms") {
            return .seed(decode: f.object("decodeParms").map(decode) ?? DecodeParameters(alpha: 0, beta: 0),
                         prefill: prefill(f.object("prefillParms")))
        }
        if f.has("alpha") {   // the oldest spelling: alpha and beta in the entry itself
            let d = LooseFields(f.value, entity: f.entity, prefix: "", keyPrefix: "decodeParms", log: log)
            return .seed(decode: decode(d), prefill: prefill(f.object("prefillParms")))
        }
        log.error(f.entity, "decodeParms", "is missing: no performance model; " + ModelProfile.systemJSONSpellings)
        return missing
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

extension ModelProfile {
    /// The two spellings, quoted by every error about a profile's performance model.
    static let systemJSONSpellings = "the seed kind is \"decodeParms\": {\"alpha\", \"beta\"} with optional "
        + "\"prefillParms\": {\"gamma\", \"delta\"} (also inside \"perfParms\"); the per-iteration kind is "
        + "\"perfParms\": {\"alpha\", \"beta\", \"gamma\"} with optional \"maxNumTokens\""
}
