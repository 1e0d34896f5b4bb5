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
