import Foundation
import InfernoControl
import InfernoFormats
import InfernoMIP
import Testing
@testable import InfernoKubernetes

/// One profile reader for system JSON and VariantAutoscaling: every entry below is read both ways, as a
/// `modelData.models[]` entry of a system document and as a VariantAutoscaling's `spec.modelProfile.accelerators[]`
/// entry, and the two must agree — the same performance model, or both refusing it naming the same field.
/// The cases are the ones where the two readers differed before they were one (docs/formats.md §9).
@Suite struct ProfileReaderAgreementTests {
    /// A valid system whose one profile is `entry` (plus its `name`).
    static func system(_ entry: JSONValue) -> Data {
        var model = entry
        model["name"] = "m"
        let document: JSONValue = ["system": [
            "acceleratorData": ["accelerators": [["name": "A100", "type": "A100", "cost": 40]]],
            "capacityData": ["count": [["type": "A100", "count": 8]]],
            "modelData": ["models": [model]],
            "serviceClassData": ["serviceClasses": [["name": "c", "priority": 1,
                                                     "modelTargets": [["model": "m", "slo-itl": 200, "slo-ttft": 2000]]]]],
            "serverData": ["servers": [["name": "s", "class": "c", "model": "m",
                                        "currentAlloc": ["load": ["arrivalRate": 60, "avgInTokens": 100, "avgOutTokens": 100]]]]],
        ]]
        return Data(document.serialized())
    }

    static func variant(_ entry: JSONValue) -> JSONValue {
        ["metadata": ["name": "v", "namespace": "n", "labels": [VariantAutoscaling.acceleratorLabel: "A100"]],
         "spec": ["modelID": "m", "modelProfile": ["accelerators": [entry]]]]
    }

    /// What each reader made of the entry: the profile, or the error text.
    static func read(_ entry: JSONValue) -> (system: Result<ModelProfile, SystemSpecError>, variant: VariantObservation) {
        let system = Result { () throws(SystemSpecError) in try SystemSpec.decodeUpstream(system: Self.system(entry)).profiles[0] }
        return (system, KubernetesClusterSource.variant(from: Self.variant(entry), defaultMinReplicas: 1))
    }

    static let seed = PerformanceParameters.seed(decode: DecodeParameters(alpha: 20, beta: 0.5),
                                                 prefill: PrefillParameters(gamma: 5, delta: 0.1))
    static let seedNoPrefill = PerformanceParameters.seed(decode: DecodeParameters(alpha: 20, beta: 0.5), prefill: .zero)
    static func iteration(_ budget: Int) -> PerformanceParameters {
        .perIteration(IterationParameters(alpha: 20, beta: 0.5, gamma: 0.001, maxNumTokens: budget))
    }

    static let accepted: [(JSONValue, PerformanceParameters)] = [
        // upstream's VA shape, numbers as strings (both accepted it)
        (["acc": "A100", "maxBatchSize": 8, "atTokens": 128,
          "perfParms": ["decodeParms": ["alpha": "20", "beta": "0.5"], "prefillParms": ["gamma": "5", "delta": "0.1"]]], seed),
        // seed parameters directly in the entry (system JSON only, before)
        (["acc": "A100", "maxBatchSize": 8, "atTokens": 128,
          "decodeParms": ["alpha": 20, "beta": 0.5], "prefillParms": ["gamma": 5, "delta": 0.1]], seed),
        // the oldest spelling with gamma and delta beside alpha (system JSON ignored them, before)
        (["acc": "A100", "maxBatchSize": 8, "atTokens": 128, "alpha": 20, "beta": 0.5, "gamma": 5, "delta": 0.1], seed),
        (["acc": "A100", "maxBatchSize": 8, "atTokens": 128, "alpha": 20, "beta": 0.5], seedNoPrefill),
        // the per-iteration kind, its budget inside perfParms, beside it, both equal, or absent
        (["acc": "A100", "maxBatchSize": 8, "atTokens": 128,
          "perfParms": ["alpha": 20, "beta": 0.5, "gamma": 0.001, "maxNumTokens": 4096]], iteration(4096)),
        (["acc": "A100", "maxBatchSize": 8, "atTokens": 128, "maxNumTokens": 2048,
          "perfParms": ["alpha": 20, "beta": 0.5, "gamma": 0.001]], iteration(2048)),
        (["acc": "A100", "maxBatchSize": 8, "atTokens": 128, "maxNumTokens": 2048,
          "perfParms": ["alpha": 20, "beta": 0.5, "gamma": 0.001, "maxNumTokens": 2048]], iteration(2048)),
        (["acc": "A100", "maxBatchSize": 8, "perfParms": ["alpha": 20, "beta": 0.5, "gamma": 0.001]], iteration(8192)),
        // keys in another case, as Go matches them (VariantAutoscaling's reader was case-sensitive, before)
        (["Acc": "A100", "MaxBatchSize": 8, "AtTokens": 128,
          "PerfParms": ["DecodeParms": ["Alpha": 20, "Beta": 0.5], "PrefillParms": ["Gamma": 5, "Delta": 0.1]]], seed),
    ]

    @Test(arguments: accepted.indices)
    func bothReadersAcceptTheSame(index: Int) throws {
        let (entry, expected) = Self.accepted[index]
        let (system, variant) = Self.read(entry)
        let profile = try system.get()
        #expect(variant.invalidReason == nil, "\(variant.invalidReason ?? "")")
        #expect(profile.performance == expected)
        #expect(variant.profiles.map(\.performance) == [expected])
        #expect(variant.profiles.first?.atTokens == profile.atTokens)
        #expect(profile.maxBatchSize == 8 && variant.profiles.first?.maxBatchSize == 8)
    }

    /// Without `atTokens` both read upstream's 128 (system JSON required it, before).
    @Test func atTokensDefaultsAlike() throws {
        let entry: JSONValue = ["acc": "A100", "maxBatchSize": 8, "alpha": 20, "beta": 0.5]
        let (system, variant) = Self.read(entry)
        #expect(try system.get().atTokens == 128)
        #expect(variant.profiles.first?.atTokens == 128)
    }

    static let refused: [(JSONValue, field: String, says: String)] = [
        // delta in a per-iteration perfParms: the seed kind's four parameters, or the per-iteration kind's three?
        (["acc": "A100", "maxBatchSize": 8, "perfParms": ["alpha": 20, "beta": 0.5, "gamma": 0.001, "delta": 0.1]],
         "perfParms", "is neither model"),
        // a budget beside a seed profile (VariantAutoscaling ignored it, before)
        (["acc": "A100", "maxBatchSize": 8, "maxNumTokens": 4096, "alpha": 20, "beta": 0.5], "maxNumTokens",
         "belongs to the per-iteration model"),
        (["acc": "A100", "maxBatchSize": 8, "maxNumTokens": 4096,
          "perfParms": ["decodeParms": ["alpha": 20, "beta": 0.5]]], "maxNumTokens", "belongs to the per-iteration model"),
        // decodeParms and alpha/beta beside it (system JSON ignored the latter, before)
        (["acc": "A100", "maxBatchSize": 8, "decodeParms": ["alpha": 20, "beta": 0.5], "alpha": 21], "decodeParms",
         "is given twice"),
        (["acc": "A100", "maxBatchSize": 8, "alpha": 20, "beta": 0.5, "gamma": 5, "prefillParms": ["gamma": 5]], "gamma",
         "is given twice"),
        // a seed parameter beside perfParms (system JSON ignored gamma there, before)
        (["acc": "A100", "maxBatchSize": 8, "gamma": 5, "perfParms": ["decodeParms": ["alpha": 20, "beta": 0.5]]],
         "perfParms", "mixes the two performance models"),
        // perfParms with prefillParms only (system JSON read alpha = beta = 0, before)
        (["acc": "A100", "maxBatchSize": 8, "perfParms": ["prefillParms": ["gamma": 5, "delta": 0.1]]],
         "perfParms.decodeParms", "is missing"),
        // two different budgets
        (["acc": "A100", "maxBatchSize": 8, "maxNumTokens": 2048,
          "perfParms": ["alpha": 20, "beta": 0.5, "gamma": 0.001, "maxNumTokens": 4096]], "maxNumTokens", "is 2048 beside perfParms but 4096"),
        (["acc": "A100", "maxBatchSize": 8, "perfParms": ["decodeParms": ["alpha": "fast", "beta": 0.5]]],
         "perfParms.decodeParms.alpha", "expected a number, found the string \"fast\""),
    ]

    @Test(arguments: refused.indices)
    func bothReadersRefuseTheSameNamingTheField(index: Int) {
        let (entry, field, says) = Self.refused[index]
        let (system, variant) = Self.read(entry)
        var systemErrors: [String] = []
        if case .failure(let e) = system { systemErrors = e.errors }
        #expect(systemErrors.contains { $0.contains("model \"m\" profile on \"A100\": \(field) \(says)") }, "\(systemErrors)")
        // A missing field reads as the decoder's other missing fields do: `field: missing`.
        let reason = variant.invalidReason ?? ""
        let variantSays = says == "is missing" ? "missing" : says
        #expect(reason.hasPrefix("spec.modelProfile.accelerators[0].\(field): \(variantSays)"), "\(reason)")
    }
}
