/// The profile kinds in upstream's system JSON (see ``SystemSpec`` decoding docs and docs/model.md).
extension PerformanceParameters {
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
