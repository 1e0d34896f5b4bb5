import Foundation
import Testing
@testable import InfernoMIP

/// The upstream offline system JSON: the examples, the spellings upstream files use, every class of bad input.
@Suite struct SystemJSONTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func example(_ name: String) throws -> Data {
        try Data(contentsOf: repositoryRoot.appendingPathComponent("examples").appendingPathComponent(name))
    }

    static func decode(_ text: String) throws -> SystemSpec {
        try SystemSpec.decodeUpstream(system: Data(text.utf8))
    }

    static func report(_ text: String) throws -> UpstreamSystem {
        try SystemSpec.decodeUpstreamReport(parts: [Data(text.utf8)])
    }

    /// The errors of a document that must not decode.
    static func errors(_ data: Data) -> [String] {
        errorsOf(parts: [data])
    }

    // MARK: - Examples

    @Test func smallExampleDecodes() throws {
        let r = try SystemSpec.decodeUpstreamReport(parts: [Self.example("small.json")])
        #expect(r.warnings.isEmpty, "\(r.warnings)")
        let s = r.system
        #expect(s.accelerators.map(\.name) == ["A100", "MI300X", "G2"])
        #expect(s.accelerator(named: "MI300X")?.costPerHour == 65)
        #expect(s.accelerator(named: "G2")?.type == "Intel-Gaudi-2-96GB")
        #expect(s.capacity["NVIDIA-A100-PCIE-80GB"] == 2)
        #expect(s.profiles.count == 6)
        #expect(s.serviceClass(named: "Premium")?.priority == 1)
        #expect(s.serviceClass(named: "Freemium")?.priority == 10)
        #expect(s.serviceClass(named: "Premium")?.targets["granite-13b"] == SLOTarget(itlMilliseconds: 30, ttftMilliseconds: 500))
        #expect(s.servers.count == 4)
        let premium = try #require(s.servers.first { $0.name == "premium-granite-13b" })
        #expect(premium.load.arrivalRatePerMinute == 480)
        #expect(premium.load.arrivalRatePerSecond == 8)
        #expect(premium.load.meanInputTokens == 512 && premium.load.meanOutputTokens == 256)
        #expect(premium.current?.accelerator == "A100" && premium.current?.replicas == 1)
        #expect(premium.current?.load == premium.load)
        #expect(premium.minReplicas == 1 && premium.maxReplicas == nil && premium.maxBatchSizeOverride == nil)
        #expect(s.servers.first { $0.name == "freemium-llama-3.1-8b" }?.current == nil, "empty accelerator: no current")
        #expect(s.options.saturationPolicy == .priorityExhaustive)
        #expect(!s.options.unlimited && !s.options.heterogeneous)
    }

    @Test func fleetExampleDecodes() throws {
        let r = try SystemSpec.decodeUpstreamReport(parts: [Self.example("fleet.json")])
        #expect(r.warnings.isEmpty, "\(r.warnings)")
        let s = r.system
        #expect(s.accelerators.count == 9)
        #expect(Set(s.accelerators.map(\.type)).count == 7)
        let a2 = try #require(s.accelerator(named: "2xA100"))
        #expect(a2.multiplicity == 2 && a2.type == s.accelerator(named: "A100")?.type && a2.costPerHour == 80)
        let h4 = try #require(s.accelerator(named: "4xH100"))
        #expect(h4.multiplicity == 4 && h4.costPerHour == 300 && h4.type == "NVIDIA-H100-80GB-HBM3")
        #expect(Set(s.profiles.map(\.model)).count == 9)
        #expect(s.serviceClasses.map(\.priority) == [1, 5, 10])
        #expect(s.servers.count == 27)
        #expect(s.servers.filter(\.keepAccelerator).count == 3)
        #expect(s.servers.filter { $0.current != nil }.count == 5)
        let idle = s.servers.filter { $0.load.arrivalRatePerMinute == 0 }
        #expect(idle.count == 2 && idle.allSatisfy { $0.minReplicas == 1 })
        #expect(s.servers.first { $0.name == "premium-mixtral-8x7b" }?.maxReplicas == 8)
        let seventy = try #require(s.profiles.first { $0.model == "llama-3.1-70b" && $0.accelerator == "A100" })
        #expect(seventy.acceleratorCount == 4)
        // Loads within the ranges the example promises.
        for server in s.servers where server.load.arrivalRatePerMinute > 0 {
            #expect((5...600).contains(server.load.arrivalRatePerMinute))
            #expect((100...2000).contains(server.load.meanInputTokens))
            #expect((100...1000).contains(server.load.meanOutputTokens))
        }
    }

    @Test(arguments: ["small.json", "fleet.json"])
    func everyServerOfAnExampleHasACandidate(file: String) throws {
        let system = try SystemSpec.decodeUpstream(system: Self.example(file))
        let generator = CandidateGenerator(system: system)
        for server in system.servers {
            let sc = generator.candidates(for: server)
            #expect(!sc.candidates.isEmpty, "\(server.name): \(sc.rejections)")
        }
    }

    @Test(arguments: ["small.json", "fleet.json"])
    func exampleRoundTrips(file: String) throws {
        let system = try SystemSpec.decodeUpstream(system: Self.example(file))
        let encoded = system.encodeUpstream()
        #expect(try SystemSpec.decodeUpstream(system: encoded) == system)
        #expect(system.encodeUpstream() == encoded, "encoding is deterministic")
    }

    // MARK: - Spellings

    static let oddCasing = """
    {"System": {
      "AcceleratorData": {"Accelerators": [{"NAME": "A100", "Type": "A100-80", "Cost": 40, "MemSize": 80}]},
      "capacitydata": {"COUNT": [{"TYPE": "A100-80", "Count": 4}]},
      "modelData": {"models": [{"Name": "m", "ACC": "A100", "AccCount": 2, "MaxBatchSize": 16, "AtTokens": 512,
                                "DecodeParms": {"Alpha": 20, "BETA": 0.5}, "PrefillParms": {"Gamma": 30, "Delta": 0.01}}]},
      "serviceClassData": {"ServiceClasses": [{"Name": "Gold", "Priority": 2,
                           "ModelTargets": [{"Model": "m", "SLO-ITL": 40, "Slo-Ttft": 800, "slo-TPS": 0}]}]},
      "serverData": {"Servers": [{"Name": "s", "Class": "Gold", "Model": "m", "KeepAccelerator": true,
                     "MinNumReplicas": 1, "MaxNumReplicas": 5, "MaxBatchSize": 8,
                     "CurrentAlloc": {"Accelerator": "A100", "NumReplicas": 2, "MaxBatch": 16, "Cost": 160,
                                      "ITLAverage": 22, "TTFTAverage": 120,
                                      "Load": {"ArrivalRate": 90, "AvgInTokens": 100, "AvgOutTokens": 200}}}]},
      "OptimizerData": {"Optimizer": {"Unlimited": false, "Heterogeneous": true, "DelayedBestEffort": true,
                        "SaturationPolicy": "priorityroundrobin", "TimeLimit": 3, "RelativeGap": 0.01}}
    }}
    """

    @Test func keysMatchCaseInsensitively() throws {
        let s = try Self.decode(Self.oddCasing)
        #expect(s.accelerators == [Accelerator(name: "A100", type: "A100-80", memoryGB: 80, costPerHour: 40)])
        #expect(s.capacity == Capacity(["A100-80": 4]))
        #expect(s.profiles == [ModelProfile(model: "m", accelerator: "A100", acceleratorCount: 2, maxBatchSize: 16,
                                            atTokens: 512, decode: DecodeParameters(alpha: 20, beta: 0.5),
                                            prefill: PrefillParameters(gamma: 30, delta: 0.01))])
        #expect(s.serviceClasses == [ServiceClass(name: "Gold", priority: 2,
                                                  targets: ["m": SLOTarget(itlMilliseconds: 40, ttftMilliseconds: 800)])])
        let load = Load(arrivalRatePerMinute: 90, meanInputTokens: 100, meanOutputTokens: 200)
        #expect(s.servers == [Server(name: "s", serviceClass: "Gold", model: "m", load: load,
                                     current: Allocation(accelerator: "A100", replicas: 2, batchLimit: 16, cost: 160,
                                                         itlMilliseconds: 22, ttftMilliseconds: 120, load: load),
                                     minReplicas: 1, maxReplicas: 5, maxBatchSizeOverride: 8, keepAccelerator: true)])
        #expect(s.options == OptimizerOptions(unlimited: false, heterogeneous: true, saturationPolicy: .priorityRoundRobin,
                                              delayedBestEffort: true, timeLimitSeconds: 3, relativeGap: 0.01))
    }

    /// The older model spelling with odd key casing, as a fixture: `perfParms{alpha, beta, gamma}`.
    static let perfParmsFixture = """
    {
      "system": {
        "acceleratorData": {"accelerators": [
          {"name": "H100", "type": "H100", "multiplicity": 1, "memSize": 80, "cost": 75.0},
          {"name": "A100", "type": "A100", "multiplicity": 1, "memSize": 80, "cost": 40.0}
        ]},
        "capacityData": {"count": [{"type": "H100", "count": 4}, {"type": "A100", "count": 4}]},
        "modelData": {"models": [
          {"name": "qwen_2_5_14b", "acc": "H100", "accCount": 1, "maxBatchSize": 32, "atTokens": 1024,
           "perfParms": {"alpha": 10.645377, "beta": 0.041760195, "gamma": 0.000057705090}},
          {"name": "llama_3_1_8b", "acc": "A100", "accCount": 1, "MaxBatchSize": 64, "ATTOKENS": 512,
           "PerfParms": {"Alpha": 12.28, "Beta": 0.182, "Gamma": 0.00093}}
        ]},
        "serviceClassData": {"serviceClasses": [
          {"name": "Bronze", "priority": 3, "modelTargets": [
            {"model": "qwen_2_5_14b", "slo-tpot": 50, "slo-ttft": 2000},
            {"model": "llama_3_1_8b", "slo-itl": 40, "slo-ttft": 1000}
          ]}
        ]},
        "serverData": {"servers": [
          {"name": "qwen", "class": "Bronze", "model": "qwen_2_5_14b",
           "currentAlloc": {"load": {"ArrivalRate": 120, "AvgInTokens": 700, "AvgOutTokens": 300}}},
          {"name": "llama", "class": "Bronze", "model": "llama_3_1_8b",
           "currentAlloc": {"accelerator": "A100", "numReplicas": 1,
                            "load": {"arrivalRate": 30, "avgInputTokens": 200, "avgOutputTokens": 100}}}
        ]},
        "optimizerData": {"optimizer": {"unlimited": true, "milpSolver": true}}
      }
    }
    """

    @Test func perfParmsSpellingIsThePerIterationKind() throws {
        let r = try Self.report(Self.perfParmsFixture)
        let s = r.system
        let qwen = try #require(s.profiles.first { $0.model == "qwen_2_5_14b" })
        #expect(qwen.performance == .perIteration(IterationParameters(alpha: 10.645377, beta: 0.041760195, gamma: 0.000057705090)))
        #expect(qwen.seed == nil, "never read as the seed's decode parameters")
        #expect(qwen.atTokens == 1024 && qwen.acceleratorCount == 1)
        let llama = try #require(s.profiles.first { $0.model == "llama_3_1_8b" })
        #expect(llama.performance == .perIteration(IterationParameters(alpha: 12.28, beta: 0.182, gamma: 0.00093, maxNumTokens: 8192)))
        #expect(llama.maxBatchSize == 64 && llama.atTokens == 512)
        #expect(r.warnings.isEmpty)
        // slo-tpot is the ITL target; the VA spelling of the token counts is accepted.
        #expect(s.serviceClass(named: "Bronze")?.targets["qwen_2_5_14b"]?.itlMilliseconds == 50)
        #expect(s.servers[1].load == Load(arrivalRatePerMinute: 30, meanInputTokens: 200, meanOutputTokens: 100))
        #expect(s.servers[0].current == nil)
        #expect(s.options.unlimited)
        for server in s.servers {
            #expect(!CandidateGenerator(system: s).candidates(for: server).candidates.isEmpty)
        }
    }

    @Test func otherProfileSpellings() throws {
        let doc = Self.minimal(models: """
          {"name": "va", "acc": "A100", "maxBatchSize": 8, "atTokens": 128,
           "perfParms": {"decodeParms": {"alpha": "20.58", "beta": "0.41"}, "prefillParms": {"gamma": "5", "delta": "0.01"}}},
          {"name": "oldest", "acc": "A100", "maxBatchSize": 32, "atTokens": 512, "alpha": 20.13, "beta": 0.87}
        """)
        let r = try Self.report(doc)
        #expect(r.system.profiles[0].seed?.decode == DecodeParameters(alpha: 20.58, beta: 0.41))
        #expect(r.system.profiles[0].seed?.prefill == PrefillParameters(gamma: 5, delta: 0.01))
        #expect(r.system.profiles[1].seed?.decode == DecodeParameters(alpha: 20.13, beta: 0.87))
        #expect(r.system.profiles[1].seed?.prefill == .zero)
        #expect(r.warnings.filter { $0.contains("perfParms") }.isEmpty, "the VA shape loses nothing")
    }

    @Test func mixedProfileSpellingsAreErrorsQuotingBoth() throws {
        for (name, body) in [
            ("beside", #""decodeParms": {"alpha": 20, "beta": 0.4}, "perfParms": {"alpha": 20, "beta": 0.4, "gamma": 0.001}"#),
            ("inside", #""perfParms": {"decodeParms": {"alpha": 20, "beta": 0.4}, "gamma": 0.001}"#),
            ("neither", #""perfParms": {"alpha": 20, "beta": 0.4}"#),
            ("budget", #""decodeParms": {"alpha": 20, "beta": 0.4}, "maxNumTokens": 4096"#),
        ] {
            let doc = Self.minimal(models: #"{"name": "m", "acc": "A100", "maxBatchSize": 8, "atTokens": 128, "# + body + "}")
            let errors = Self.errors(Data(doc.utf8))
            let message = errors.first { $0.contains("perfParms") || $0.contains("maxNumTokens") } ?? ""
            #expect(message.contains(#"model "m""#), "\(name): \(errors)")
            #expect(message.contains(#""decodeParms": {"alpha", "beta"}"#) && message.contains(#""perfParms": {"alpha", "beta", "gamma"}"#),
                    "\(name): \(errors)")
        }
    }

    @Test func writersKeepTheProfileKind() throws {
        var system = try Self.decode(Self.perfParmsFixture)
        system.profiles.append(ModelProfile(model: "llama_3_1_8b", accelerator: "H100", maxBatchSize: 32, atTokens: 512,
                                            decode: DecodeParameters(alpha: 9, beta: 0.1),
                                            prefill: PrefillParameters(gamma: 3, delta: 0.001)))
        system.profiles[0].performance = .perIteration(IterationParameters(alpha: 10, beta: 0.04, gamma: 0.0001, maxNumTokens: 2048))
        let back = try SystemSpec.decodeUpstream(system: system.encodeUpstream())
        #expect(back.profiles == system.profiles)
        let json = try JSONEncoder().encode(system.profiles)
        #expect(try JSONDecoder().decode([ModelProfile].self, from: json) == system.profiles)
        let both = #"{"model": "m", "accelerator": "A100", "maxBatchSize": 8, "atTokens": 128, "decode": {"alpha": 1, "beta": 0},"#
            + #" "perIteration": {"alpha": 1, "beta": 0, "gamma": 0}}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ModelProfile.self, from: Data(both.utf8)) }
    }

    @Test func numbersMayBeStrings() throws {
        let doc = """
        {"system": {
          "acceleratorData": {"accelerators": [{"name": "A100", "type": "A100", "multiplicity": "1", "cost": "40.00"}]},
          "capacityData": {"count": [{"type": "A100", "count": "4"}]},
          "modelData": {"models": [{"name": "m", "acc": "A100", "accCount": "1", "maxBatchSize": "16.0", "atTokens": "512",
                                    "decodeParms": {"alpha": "20.58", "beta": " 0.41 "}}]},
          "serviceClassData": {"serviceClasses": [{"name": "c", "priority": "1",
                               "modelTargets": [{"model": "m", "slo-itl": "40", "slo-ttft": "500.5"}]}]},
          "serverData": {"servers": [{"name": "s", "class": "c", "model": "m", "keepAccelerator": "false",
                         "currentAlloc": {"load": {"arrivalRate": "35.61", "avgInTokens": "0", "avgOutTokens": "228"}}}]},
          "optimizerData": {"optimizer": {"timeLimit": "2.5"}}
        }}
        """
        let s = try Self.decode(doc)
        #expect(s.accelerators[0].costPerHour == 40 && s.accelerators[0].multiplicity == 1)
        #expect(s.capacity["A100"] == 4)
        #expect(s.profiles[0].maxBatchSize == 16 && s.profiles[0].seed?.decode == DecodeParameters(alpha: 20.58, beta: 0.41))
        #expect(s.serviceClasses[0].targets["m"] == SLOTarget(itlMilliseconds: 40, ttftMilliseconds: 500.5))
        #expect(s.servers[0].load == Load(arrivalRatePerMinute: 35.61, meanInputTokens: 0, meanOutputTokens: 228))
        #expect(s.options.timeLimitSeconds == 2.5)
    }

    // MARK: - Parts

    @Test func partsInSeparateDocumentsCombine() throws {
        let whole = try SystemSpec.decodeUpstream(system: Self.example("small.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: Self.example("small.json")) as? [String: Any])
        let system = try #require(root["system"] as? [String: Any])
        // Each part's inner object as its own document, except the models, given with their wrapper.
        var parts: [Data] = []
        for (wrapper, inner) in [("acceleratorData", "accelerators"), ("capacityData", "count"),
                                 ("serviceClassData", "serviceClasses"), ("serverData", "servers"),
                                 ("optimizerData", "optimizer")] {
            let part = try #require(system[wrapper] as? [String: Any])
            parts.append(try JSONSerialization.data(withJSONObject: [inner: part[inner] as Any]))
        }
        parts.append(try JSONSerialization.data(withJSONObject: ["modelData": system["modelData"] as Any]))
        #expect(try SystemSpec.decodeUpstream(parts: parts) == whole)
        #expect(try SystemSpec.decodeUpstream(parts: parts.reversed()) == whole)
    }

    @Test func capacityInsideAcceleratorDataIsFound() throws {
        // Older upstream samples keep `count` next to `accelerators`.
        let doc = Self.minimal().replacingOccurrences(of: "]}, \"capacityData\": {\"count\":", with: "], \"count\":")
        #expect(!doc.contains("capacityData"))
        #expect(try Self.decode(doc).capacity == Capacity(["A100-80": 8, "H100-80": 8]))
    }

    @Test func aPartGivenTwiceOrNoPartAtAllIsAnError() throws {
        let doc = Data(Self.minimal().utf8)
        let twice = Self.errorsOf(parts: [doc, Data(#"{"servers": []}"#.utf8)])
        #expect(twice.contains("system: serverData.servers is given more than once (in part 1 and part 2)"), "\(twice)")
        let nothing = Self.errorsOf(parts: [doc, Data(#"{"server": []}"#.utf8)])
        #expect(nothing.contains { $0.hasPrefix("part 2: holds no system part") }, "\(nothing)")
    }

    static func errorsOf(parts: [Data]) -> [String] {
        do throws(SystemSpecError) {
            _ = try SystemSpec.decodeUpstream(parts: parts)
            return []
        } catch {
            return error.errors
        }
    }

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

    // MARK: - Values built in code

    @Test func programmaticSpecsValidate() throws {
        let demo = SeedDecisionTests.demoSystem(ratePerMinute: 20)
        #expect(demo.validationReport().errors.isEmpty)
        try demo.validate()
        var bad = demo
        bad.servers[0].load.arrivalRatePerMinute = .nan
        bad.profiles[0].performance = .seed(decode: DecodeParameters(alpha: -1, beta: 0.1), prefill: .zero)
        #expect(throws: SystemSpecError.self) { try bad.validate() }
        #expect(bad.validationReport().errors == [
            #"model "default/default" profile on "A100": decodeParms.alpha is -1 (must be > 0)"#,
            #"server "vllme-deployment:llm-d-sim": currentAlloc.load.arrivalRate is nan (must be a finite number)"#,
        ])
    }

    @Test func roundTripKeepsEveryField() throws {
        let load = Load(arrivalRatePerMinute: 35.61, meanInputTokens: 128.5, meanOutputTokens: 228)
        let spec = SystemSpec(
            accelerators: [Accelerator(name: "4xA100", type: "A100", multiplicity: 4, memoryGB: 80, costPerHour: 160),
                           Accelerator(name: "A100", type: "A100", costPerHour: 40.25)],
            profiles: [ModelProfile(model: "ibm/granite-13b", accelerator: "4xA100", acceleratorCount: 1, maxBatchSize: 32,
                                    atTokens: 512, decode: DecodeParameters(alpha: 10.29, beta: 0.21),
                                    prefill: PrefillParameters(gamma: 15.4, delta: 0.0012)),
                       ModelProfile(model: "ibm/granite-13b", accelerator: "A100", acceleratorCount: 2, maxBatchSize: 30,
                                    atTokens: 256, decode: DecodeParameters(alpha: 20.58, beta: 0.41))],
            serviceClasses: [ServiceClass(name: "Premium", priority: 1, targets: [
                "ibm/granite-13b": SLOTarget(itlMilliseconds: 24, ttftMilliseconds: 500, tokensPerSecond: 1200)]),
                             ServiceClass(name: "Empty", priority: 100, targets: [:])],
            servers: [Server(name: "a", serviceClass: "Premium", model: "ibm/granite-13b", load: load,
                             current: Allocation(accelerator: "A100", replicas: 3, batchLimit: 30, cost: 240,
                                                 itlMilliseconds: 21.3, ttftMilliseconds: 17.2, load: load),
                             minReplicas: 1, maxReplicas: 7, maxBatchSizeOverride: 4, keepAccelerator: true),
                      Server(name: "b", serviceClass: "Premium", model: "ibm/granite-13b", load: .zero)],
            capacity: Capacity(["A100": 12]),
            options: OptimizerOptions(unlimited: true, heterogeneous: true, saturationPolicy: .roundRobin,
                                      delayedBestEffort: true, timeLimitSeconds: 0.5, relativeGap: 1e-4))
        let data = spec.encodeUpstream()
        #expect(try SystemSpec.decodeUpstream(system: data) == spec)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""name" : "ibm/granite-13b""#), "slashes unescaped")
        #expect(text.contains(#""multiplicity" : 4"#), "integers stay integers")
    }
}

enum JSONPathStep {
    case key(String)
    case index(Int)
}
