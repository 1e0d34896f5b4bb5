import Foundation
import Testing
@testable import InfernoMIP

/// The upstream system JSON's bad input, one field broken at a time, and what is accepted with a warning.
extension SystemJSONTests {
    // MARK: - Bad input

    /// A small valid system to break one field at a time.
    static func minimal(models: String? = nil) -> String {
        let profiles = models ?? """
          {"name": "llama", "acc": "A100", "accCount": 1, "maxBatchSize": 32, "atTokens": 512,
           "decodeParms": {"alpha": 20, "beta": 0.4}, "prefillParms": {"gamma": 30, "delta": 0.005}},
          {"name": "llama", "acc": "H100", "accCount": 1, "maxBatchSize": 32, "atTokens": 512,
           "decodeParms": {"alpha": 12, "beta": 0.25}, "prefillParms": {"gamma": 18, "delta": 0.003}}
        """
        return """
        {"system": {
          "acceleratorData": {"accelerators": [{"name": "A100", "type": "A100-80", "multiplicity": 1, "cost": 40},
                                               {"name": "H100", "type": "H100-80", "multiplicity": 1, "cost": 75}]}, "capacityData": {"count": [{"type": "A100-80", "count": 8}, {"type": "H100-80", "count": 8}]},
          "modelData": {"models": [\(profiles)]},
          "serviceClassData": {"serviceClasses": [{"name": "Premium", "priority": 1,
                               "modelTargets": [{"model": "llama", "slo-itl": 40, "slo-ttft": 1000, "slo-tps": 0}]}]},
          "serverData": {"servers": [
            {"name": "s1", "class": "Premium", "model": "llama", "keepAccelerator": false, "minNumReplicas": 0,
             "currentAlloc": {"accelerator": "A100", "numReplicas": 1,
                              "load": {"arrivalRate": 60, "avgInTokens": 100, "avgOutTokens": 200}}},
            {"name": "s2", "class": "Premium", "model": "llama",
             "currentAlloc": {"load": {"arrivalRate": 30, "avgInTokens": 100, "avgOutTokens": 200}}}
          ]},
          "optimizerData": {"optimizer": {"saturationPolicy": "None"}}
        }}
        """
    }

    @Test func theMinimalSystemIsValid() throws {
        let r = try Self.report(Self.minimal())
        #expect(r.warnings.isEmpty, "\(r.warnings)")
        #expect(r.system.servers.count == 2)
    }

    /// Sets `value` at `path` (keys and array indices) in a JSONSerialization tree; `nil` removes the key.
    static func setting(_ tree: Any, _ path: ArraySlice<JSONPathStep>, _ value: Any?) -> Any {
        guard let step = path.first else { return value as Any }
        switch step {
        case .key(let k):
            var o = tree as? [String: Any] ?? [:]
            if path.count == 1, value == nil { o[k] = nil } else { o[k] = setting(o[k] as Any, path.dropFirst(), value) }
            return o
        case .index(let i):
            var a = tree as? [Any] ?? []
            if i == a.count { a.append(setting([String: Any](), path.dropFirst(), value)) }
            else { a[i] = setting(a[i], path.dropFirst(), value) }
            return a
        }
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        var name: String
        /// Edits of the minimal system: path (dot-separated, numbers are indices) and JSON value text (nil removes).
        var edits: [(String, String?)]
        /// Every expected line must be among the errors (exactly, or as a prefix when it ends in "…").
        var expected: [String]
        var testDescription: String { name }

        init(_ name: String, _ edits: [(String, String?)], _ expected: String...) {
            self.name = name
            self.edits = edits
            self.expected = expected
        }

        func document() throws -> Data {
            var tree = try JSONSerialization.jsonObject(with: Data(SystemJSONTests.minimal().utf8))
            for (path, json) in edits {
                let steps = ["system"] + path.split(separator: ".").map(String.init)
                let parsed = try json.map { try JSONSerialization.jsonObject(with: Data($0.utf8), options: .fragmentsAllowed) }
                tree = SystemJSONTests.setting(tree, ArraySlice(steps.map { Int($0).map(JSONPathStep.index) ?? .key($0) }), parsed)
            }
            return try JSONSerialization.data(withJSONObject: tree)
        }
    }

    static let s1 = "serverData.servers.0"
    static let p0 = "modelData.models.0"
    static let a0 = "acceleratorData.accelerators.0"

    static let badCases: [BadCase] = [
        BadCase("negative arrival rate", [("\(s1).currentAlloc.load.arrivalRate", "-3")],
                #"server "s1": currentAlloc.load.arrivalRate is -3 (must be >= 0)"#),
        BadCase("profile on an unknown accelerator", [("\(p0).acc", #""X""#)],
                #"model "llama" profile on "X": acc "X" is not a defined accelerator"#),
        BadCase("duplicate accelerator", [("acceleratorData.accelerators.1.name", #""A100""#)],
                #"accelerators: duplicate name "A100""#,
                #"model "llama" profile on "H100": acc "H100" is not a defined accelerator"#),
        BadCase("unknown class", [("serverData.servers.1.class", #""Gold""#)], #"server "s2": class "Gold" is not defined"#),
        BadCase("NaN as a string", [("\(a0).cost", #""NaN""#)], #"accelerator "A100": cost is the string "NaN", not a finite number"#),
        BadCase("infinity as a string", [("\(p0).decodeParms.alpha", #""inf""#)],
                #"model "llama" profile on "A100": decodeParms.alpha is the string "inf", not a finite number"#),
        BadCase("negative cost", [("\(a0).cost", "-1")], #"accelerator "A100": cost is -1 (must be >= 0)"#),
        BadCase("zero multiplicity", [("\(a0).multiplicity", "0")], #"accelerator "A100": multiplicity is 0 (must be >= 1)"#),
        BadCase("negative capacity", [("capacityData.count.1.count", "-2")], #"capacity type "H100-80": count is -2 (must be >= 0)"#),
        BadCase("zero accCount", [("\(p0).accCount", "0")], #"model "llama" profile on "A100": accCount is 0 (must be >= 1)"#),
        BadCase("zero maxBatchSize", [("\(p0).maxBatchSize", "0")], #"model "llama" profile on "A100": maxBatchSize is 0 (must be >= 1)"#),
        BadCase("zero atTokens", [("\(p0).atTokens", "0")], #"model "llama" profile on "A100": atTokens is 0 (must be >= 1)"#),
        BadCase("zero alpha", [("\(p0).decodeParms.alpha", "0")], #"model "llama" profile on "A100": decodeParms.alpha is 0 (must be > 0)"#),
        BadCase("negative beta", [("\(p0).decodeParms.beta", "-0.1")], #"model "llama" profile on "A100": decodeParms.beta is -0.1 (must be >= 0)"#),
        BadCase("negative gamma", [("\(p0).prefillParms.gamma", "-1")], #"model "llama" profile on "A100": prefillParms.gamma is -1 (must be >= 0)"#),
        BadCase("negative delta", [("\(p0).prefillParms.delta", "-0.01")], #"model "llama" profile on "A100": prefillParms.delta is -0.01 (must be >= 0)"#),
        BadCase("zero output tokens", [("\(s1).currentAlloc.load.avgOutTokens", "0")],
                #"server "s1": currentAlloc.load.avgOutTokens is 0 while arrivalRate is 60 (zero output tokens…"#),
        BadCase("negative input tokens", [("\(s1).currentAlloc.load.avgInTokens", "-5")],
                #"server "s1": currentAlloc.load.avgInTokens is -5 (must be >= 0)"#),
        BadCase("negative minNumReplicas", [("\(s1).minNumReplicas", "-1")], #"server "s1": minNumReplicas is -1 (must be >= 0)"#),
        BadCase("maxNumReplicas below min", [("\(s1).minNumReplicas", "3"), ("\(s1).maxNumReplicas", "2")],
                #"server "s1": maxNumReplicas is 2 (must be >= minNumReplicas 3)"#),
        BadCase("negative server batch override", [("\(s1).maxBatchSize", "-1")],
                #"server "s1": maxBatchSize is -1 (must be >= 1, or 0 for none)"#),
        BadCase("duplicate server", [("serverData.servers.1.name", #""s1""#)], #"servers: duplicate name "s1""#),
        BadCase("duplicate class", [("serviceClassData.serviceClasses.1", #"{"name": "Premium", "priority": 2}"#)],
                #"serviceClasses: duplicate name "Premium""#),
        BadCase("duplicate profile", [("modelData.models.1.acc", #""A100""#)], #"models: duplicate profile for model "llama" on "A100""#),
        BadCase("duplicate model target", [("serviceClassData.serviceClasses.0.modelTargets.1", #"{"model": "llama"}"#)],
                #"class "Premium": modelTargets[1].model "llama" has targets more than once"#),
        BadCase("negative SLO", [("serviceClassData.serviceClasses.0.modelTargets.0.slo-ttft", "-1")],
                #"class "Premium": modelTargets["llama"].slo-ttft is -1 (must be >= 0)"#),
        BadCase("keepAccelerator without a profile there",
                [("\(s1).keepAccelerator", "true"), ("\(s1).currentAlloc.accelerator", #""H100""#), ("modelData.models.1.name", #""other""#)],
                #"server "s1": keepAccelerator pins the server to "H100", where model "llama" has no profile"#),
        BadCase("current allocation on an unknown accelerator", [("\(s1).currentAlloc.accelerator", #""TPU""#)],
                #"server "s1": currentAlloc.accelerator "TPU" is not a defined accelerator"#),
        BadCase("unknown saturation policy", [("optimizerData.optimizer.saturationPolicy", #""Fair""#)],
                #"optimizer: saturationPolicy "Fair" is not one of None, PriorityExhaustive, PriorityRoundRobin, RoundRobin"#),
        BadCase("non-positive time limit", [("optimizerData.optimizer.timeLimit", "0")], "optimizer: timeLimit is 0 (must be > 0)"),
        BadCase("string where a number belongs", [("\(s1).currentAlloc.load.arrivalRate", #""fast""#)],
                #"server "s1": currentAlloc.load.arrivalRate expected a number, found the string "fast""#),
        BadCase("number where a string belongs", [("\(s1).model", "7")], #"server "s1": model expected a string, found the number 7"#),
        BadCase("wrong kind of Bool", [("\(s1).keepAccelerator", "1")], #"server "s1": keepAccelerator expected true or false, found the number 1"#),
        BadCase("fractional count", [("\(p0).accCount", "1.5")], #"model "llama" profile on "A100": accCount is 1.5 (must be a whole number)"#),
        BadCase("object where an array belongs", [("serverData.servers", "{}")], "system: serverData.servers expected an array, found an object"),
        BadCase("entry that is not an object", [("serverData.servers.1", #""s2""#)],
                #"servers[1]: expected an object, found the string "s2""#),
        BadCase("missing server model", [("\(s1).model", nil)], #"server "s1": model is missing"#),
        BadCase("missing accelerator name", [("\(a0).name", nil)], "accelerators[0]: name is missing"),
        BadCase("missing profile name", [("\(p0).name", nil)], "models[0]: name is missing"),
        BadCase("missing decode parameters", [("\(p0).decodeParms", nil)], #"model "llama" profile on "A100": decodeParms is missing: no performance model; "# + ModelProfile.systemJSONSpellings),
        BadCase("missing alpha", [("\(p0).decodeParms.alpha", nil)], #"model "llama" profile on "A100": decodeParms.alpha is missing"#),
        BadCase("missing accelerator cost", [("\(a0).cost", nil)], #"accelerator "A100": cost is missing"#),
        BadCase("missing part", [("serverData", nil)], "system: serverData.servers is missing"),
        BadCase("missing capacity", [("capacityData", nil)],
                "system: capacityData.count is missing (required unless optimizer.unlimited is true)"),
    ]

    @Test(arguments: badCases)
    func badInputIsReportedWithEntityAndField(_ bad: BadCase) throws {
        let errors = Self.errors(try bad.document())
        #expect(!errors.isEmpty)
        for line in bad.expected {
            let found = line.hasSuffix("…") ? errors.contains { $0.hasPrefix(String(line.dropLast())) } : errors.contains(line)
            #expect(found, "expected \(line)\ngot:\n\(errors.joined(separator: "\n"))")
        }
    }

    @Test func aFieldWithAStructuralErrorIsReportedOnce() throws {
        // A missing name is read as "", which validation would call empty: only the first is reported.
        let errors = Self.errors(try BadCase("", [("\(Self.a0).name", nil), ("\(Self.p0).acc", nil)]).document())
        #expect(errors.filter { $0.hasPrefix("accelerators[0]: name") } == ["accelerators[0]: name is missing"])
        #expect(errors.filter { $0.hasPrefix("models[0]: acc") } == ["models[0]: acc is missing"])
    }

    @Test func allErrorsAreReportedTogether() throws {
        let bad = BadCase("several", [
            ("\(Self.s1).currentAlloc.load.arrivalRate", "-3"),
            ("serverData.servers.1.class", #""Gold""#),
            ("\(Self.p0).decodeParms.alpha", #""abc""#),
            ("\(Self.a0).multiplicity", "0"),
            ("optimizerData.optimizer.saturationPolicy", #""Sometimes""#),
        ])
        let doc = try bad.document()
        do throws(SystemSpecError) {
            _ = try SystemSpec.decodeUpstream(system: doc)
            Issue.record("decoded")
        } catch {
            #expect(error.errors.count == 5, "\(error.errors)")
            #expect(error.description.split(separator: "\n").count == 5, "one per line")
            #expect(error.description.contains(#"server "s1": currentAlloc.load.arrivalRate is -3"#))
            #expect(error.description.contains(#"server "s2": class "Gold" is not defined"#))
            #expect(error.description.contains(#"decodeParms.alpha expected a number, found the string "abc""#))
            #expect(error.description.contains(#"accelerator "A100": multiplicity is 0"#))
            #expect(error.description.contains(#"saturationPolicy "Sometimes""#))
        }
    }

    @Test func notJSONIsAnError() {
        // The parser's own words (Foundation's), after the document's name; no "missing part" noise after them.
        func only(_ errors: [String], startsWith prefix: String) -> Bool { errors.count == 1 && errors[0].hasPrefix(prefix) }
        #expect(only(Self.errors(Data("{\"system\": ".utf8)), startsWith: "system: is not valid JSON: Unexpected end of file"))
        #expect(only(Self.errorsOf(parts: [Data(Self.minimal().utf8), Data("{\"servers\": [1,, 2]}".utf8)]),
                     startsWith: "part 2: is not valid JSON: Invalid value around character"))
        #expect(Self.errors(Data("[1, 2]".utf8)) == ["system: expected a JSON object, found an array"])
        // Numbers beyond a Double are not silently infinite.
        let huge = Self.errors(Data(Self.minimal().replacingOccurrences(of: "\"beta\": 0.4", with: "\"beta\": 1e400").utf8))
        #expect(only(huge, startsWith: "system: is not valid JSON: Number 1e400"), "\(huge)")
    }

    // MARK: - Accepted with a warning

    @Test func harmlessOddsAreWarnings() throws {
        let doc = try BadCase("", [
            ("serverData.servers.1.model", #""granite""#),                       // no profile at all
            ("capacityData.count.2", #"{"type": "TPU-v5", "count": 4}"#),        // type no accelerator uses
            ("serverData.servers.1.keepAccelerator", "true"),                    // nothing to keep
        ]).document()
        let r = try SystemSpec.decodeUpstreamReport(parts: [doc])
        #expect(r.warnings.contains(#"server "s2": model "granite" has no profile on any accelerator; the server gets no candidates"#))
        #expect(r.warnings.contains(#"server "s2": class "Premium" has no targets for model "granite"; sized without latency targets"#))
        #expect(r.warnings.contains(#"capacity type "TPU-v5": no accelerator has this type; ignored"#))
        #expect(r.warnings.contains(#"server "s2": keepAccelerator is set but currentAlloc names no accelerator; the server is not pinned"#))
        #expect(r.system.capacity["TPU-v5"] == 4)
        // The analyzer copes with the model without a profile: no candidate, and it says why.
        let sc = CandidateGenerator(system: r.system).candidates(for: r.system.servers[1])
        #expect(sc.candidates.isEmpty)
        #expect(sc.rejections.contains { $0.reason.contains("no profile") })
    }
}
