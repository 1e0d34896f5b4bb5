import Foundation
import InfernoFormats

/// A system read from upstream JSON, with what was accepted but deserves a look.
public struct UpstreamSystem: Hashable, Sendable {
    public var system: SystemSpec
    /// One sentence per finding, naming the entity and field, e.g. a server whose model has no profile.
    public var warnings: [String]

    public init(system: SystemSpec, warnings: [String] = []) {
        self.system = system
        self.warnings = warnings
    }
}

/// Reading and writing the upstream offline system JSON (docs/formats.md §1).
///
/// **Input.** `{"system": {"acceleratorData": {"accelerators": […]}, "capacityData": {"count": […]},
/// "modelData": {"models": […]}, "serviceClassData": {"serviceClasses": […]}, "serverData": {"servers": […]},
/// "optimizerData": {"optimizer": {…}}}}`, or the same parts spread over several documents, each either a whole
/// `{"system": …}`, a wrapper such as `{"modelData": …}`, or a part's inner object such as `{"models": […]}`.
/// A part given twice is an error. `acceleratorData` may also hold `count` (older upstream samples do).
///
/// **Leniency, as Go's decoder and upstream files need.** Keys match case-insensitively (`"AvgInTokens"`);
/// numbers may be integers, decimals or numeric strings (`"40.00"`); an integer field accepts `4.0` but not
/// `4.5`; `null` is an absent field; unknown keys are ignored (`power`, `memBW`, `milpSolver`, `desiredAlloc`).
/// Aliases: `slo-tpot` for `slo-itl` (the ConfigMap spelling), `avgInputTokens`/`avgOutputTokens` and
/// `variantCost` (the VA spelling), `maxReplicas`/`minReplicas` for `maxNumReplicas`/`minNumReplicas`.
///
/// **Profiles** are read by ``ProfileEntry``, the reader VariantAutoscaling profiles share (docs/formats.md
/// §9); `atTokens` is optional (absent: 128, as in every upstream example).
///
/// **Servers.** The load is `currentAlloc.load` (upstream keeps the observed load there; `arrivalRate` is
/// requests per minute). `current` is the `currentAlloc` when it names an accelerator, `nil` otherwise.
/// `maxBatchSize` 0 means no override. `maxNumReplicas` is an Inferno extension (absent: no maximum).
///
/// **Optimizer.** `unlimited`, `heterogeneous`, `delayedBestEffort`, `saturationPolicy` (case-insensitive;
/// empty is `None`), and the Inferno extensions `timeLimit` (seconds) and `relativeGap`.
///
/// **Validation.** Every problem is collected (``SystemSpecError/errors``), see ``SystemSpec/validationReport()``.
/// Decisions: a server whose class is not defined is an **error** (in an offline file it is a typo, and
/// accepting it would size the server without any latency target at the lowest priority, silently); a server
/// whose model has no profile, a class without targets for a server's model, a capacity type no accelerator
/// uses, an accelerator type without capacity, and `keepAccelerator` without a current accelerator are
/// **warnings**. `capacityData` may be omitted only when `optimizer.unlimited` is true.
extension SystemSpec {
    /// Reads a whole `{"system": …}` document (any of the spellings the type documentation lists).
    public static func decodeUpstream(system data: Data) throws(SystemSpecError) -> SystemSpec {
        try decodeUpstreamReport(parts: [data]).system
    }

    /// Reads a system given as several documents: whole ones or single parts (`{"models": […]}`, …).
    public static func decodeUpstream(parts: [Data]) throws(SystemSpecError) -> SystemSpec {
        try decodeUpstreamReport(parts: parts).system
    }

    /// Like ``decodeUpstream(parts:)``, and also returns the warnings.
    public static func decodeUpstreamReport(parts: [Data]) throws(SystemSpecError) -> UpstreamSystem {
        var reader = UpstreamSystemReader()
        return try reader.read(parts)
    }

    /// The upstream JSON of this system: one `{"system": …}` document, keys sorted, indented.
    ///
    /// Reads back equal with ``decodeUpstream(system:)`` except that: a server's load is written once, in
    /// `currentAlloc.load`, so a `current.load` different from the server's `load` reads back as the latter;
    /// a `current` with an empty accelerator reads back as `nil`; SLO targets of 0 read back as `nil`.
    public func encodeUpstream() -> Data {
        Data(JSONValue.object(["system": .object([
            "acceleratorData": .object(["accelerators": .array(accelerators.map(Self.upstreamJSON))]),
            "capacityData": .object(["count": .array(capacity.cardsByType.sorted { $0.key < $1.key }.map {
                .object(["type": .string($0.key), "count": .number(Double($0.value))])
            })]),
            "modelData": .object(["models": .array(profiles.map(Self.upstreamJSON))]),
            "serviceClassData": .object(["serviceClasses": .array(serviceClasses.map(Self.upstreamJSON))]),
            "serverData": .object(["servers": .array(servers.map(Self.upstreamJSON))]),
            "optimizerData": .object(["optimizer": Self.upstreamJSON(options)]),
        ])]).serialized(pretty: true))
    }

    private static func upstreamJSON(_ a: Accelerator) -> JSONValue {
        .object([
            "name": .string(a.name), "type": .string(a.type), "multiplicity": .number(Double(a.multiplicity)),
            "memSize": .number(a.memoryGB), "cost": .number(a.costPerHour),
        ])
    }

    private static func upstreamJSON(_ p: ModelProfile) -> JSONValue {
        .object([
            "name": .string(p.model), "acc": .string(p.accelerator), "accCount": .number(Double(p.acceleratorCount)),
            "maxBatchSize": .number(Double(p.maxBatchSize)), "atTokens": .number(Double(p.atTokens)),
        ].merging(p.performance.upstreamJSON) { a, _ in a })
    }

    private static func upstreamJSON(_ c: ServiceClass) -> JSONValue {
        .object([
            "name": .string(c.name), "priority": .number(Double(c.priority)),
            "modelTargets": .array(c.targets.sorted { $0.key < $1.key }.map { model, t in
                .object([
                    "model": .string(model), "slo-itl": .number(t.itlMilliseconds ?? 0),
                    "slo-ttft": .number(t.ttftMilliseconds ?? 0), "slo-tps": .number(t.tokensPerSecond ?? 0),
                ])
            }),
        ])
    }

    private static func upstreamJSON(_ s: Server) -> JSONValue {
        let c = s.current
        var o: [String: JSONValue] = [
            "name": .string(s.name), "class": .string(s.serviceClass), "model": .string(s.model),
            "keepAccelerator": .bool(s.keepAccelerator), "minNumReplicas": .number(Double(s.minReplicas)),
            "maxBatchSize": .number(Double(s.maxBatchSizeOverride ?? 0)),
            "currentAlloc": .object([
                "accelerator": .string(c?.accelerator ?? ""), "numReplicas": .number(Double(c?.replicas ?? 0)),
                "maxBatch": .number(Double(c?.batchLimit ?? 0)), "cost": .number(c?.cost ?? 0),
                "itlAverage": .number(c?.itlMilliseconds ?? 0), "ttftAverage": .number(c?.ttftMilliseconds ?? 0),
                "load": .object([
                    "arrivalRate": .number(s.load.arrivalRatePerMinute),
                    "avgInTokens": .number(s.load.meanInputTokens),
                    "avgOutTokens": .number(s.load.meanOutputTokens),
                ]),
            ]),
        ]
        if let m = s.maxReplicas { o["maxNumReplicas"] = .number(Double(m)) }
        return .object(o)
    }

    private static func upstreamJSON(_ o: OptimizerOptions) -> JSONValue {
        .object([
            "unlimited": .bool(o.unlimited), "heterogeneous": .bool(o.heterogeneous),
            "delayedBestEffort": .bool(o.delayedBestEffort), "saturationPolicy": .string(o.saturationPolicy.rawValue),
            "timeLimit": .number(o.timeLimitSeconds), "relativeGap": .number(o.relativeGap),
        ])
    }
}

/// The parts of a system document, by their inner key.
private enum UpstreamPart: String, CaseIterable {
    case accelerators, count, models, serviceClasses, servers, optimizer

    var wrapper: String {
        switch self {
        case .accelerators: return "acceleratorData"
        case .count: return "capacityData"
        case .models: return "modelData"
        case .serviceClasses: return "serviceClassData"
        case .servers: return "serverData"
        case .optimizer: return "optimizerData"
        }
    }

    /// Where the part lives in a whole document, for messages.
    var path: String { "\(wrapper).\(rawValue)" }

    static func named(_ key: String) -> UpstreamPart? {
        let k = key.lowercased()
        return allCases.first { $0.rawValue.lowercased() == k }
    }

    static let wrappers: Set<String> = Set(["system"] + allCases.map { $0.wrapper.lowercased() })
}

/// One decode: finds the parts, reads each entity field by field, then runs the semantic validation.
private struct UpstreamSystemReader {
    let log = IssueLog()
    var found: [UpstreamPart: (value: JSONValue, source: String)] = [:]
    /// A document that could not be read may have held any part: do not call the others missing.
    var unreadable = false

    mutating func read(_ documents: [Data]) throws(SystemSpecError) -> UpstreamSystem {
        for (i, data) in documents.enumerated() {
            let source = documents.count == 1 ? "system" : "part \(i + 1)"
            let root: JSONValue
            do { root = try JSONValue(parsing: data) } catch {
                log.error(source, "", "is not valid JSON: \(error.detail)")
                unreadable = true
                continue
            }
            let before = found.count
            guard case .object = root else {
                log.error(source, "", "expected a JSON object, found \(root.kindDescription)")
                unreadable = true
                continue
            }
            scan(root, source: source, path: "", depth: 0)
            if found.count == before, !log.issues.contains(where: { $0.entity == source }) {
                log.error(source, "", "holds no system part (expected \"system\", a wrapper such as \"modelData\", "
                          + "or one of \(UpstreamPart.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")))")
            }
        }
        if documents.isEmpty { log.error("system", "", "no input documents") }

        let options = readOptions()
        let accelerators = readAccelerators()
        let capacity = readCapacity(unlimited: options.unlimited)
        let profiles = readProfiles()
        let classes = readServiceClasses()
        let servers = readServers()
        let spec = SystemSpec(accelerators: accelerators, profiles: profiles, serviceClasses: classes,
                              servers: servers, capacity: capacity, options: options)

        // Semantic findings on fields the reader already reported (a missing name read as "") would repeat them.
        let structural = log.issues.filter { $0.severity == .error }
        for issue in spec.validationIssues() {
            let repeated = structural.contains { s in
                s.entity == issue.entity && (s.key == "*" || issue.key == s.key || issue.key.hasPrefix(s.key + "."))
            }
            if !repeated { log.append(issue) }
        }
        let errors = log.errors
        if !errors.isEmpty { throw SystemSpecError(errors: errors) }
        return UpstreamSystem(system: spec, warnings: log.warnings)
    }

    /// Finds part objects at the root, under `system`, and under the `…Data` wrappers.
    private mutating func scan(_ value: JSONValue, source: String, path: String, depth: Int) {
        guard case .object(let o) = value else { return }
        for (key, child) in o.sorted(by: { $0.key < $1.key }) where child != .null {
            let here = path.isEmpty ? key : path + "." + key
            if let part = UpstreamPart.named(key) {
                if let earlier = found[part] {
                    let where_ = earlier.source == source ? "in \(source)" : "in \(earlier.source) and \(source)"
                    log.error("system", part.path, "is given more than once (\(where_))")
                } else {
                    found[part] = (child, source)
                }
            } else if depth < 2, UpstreamPart.wrappers.contains(key.lowercased()) {
                guard case .object = child else {
                    log.error(source, here, "expected an object, found \(child.kindDescription)")
                    continue
                }
                scan(child, source: source, path: here, depth: depth + 1)
            }
        }
    }

    /// The entries of an array part; `nil` when the part is absent (recorded when `required`) or not an array.
    private func entries(_ part: UpstreamPart, required: Bool, note: String = "") -> [JSONValue]? {
        guard let value = found[part]?.value else {
            if required, !unreadable { log.error("system", part.path, "is missing" + note) }
            return nil
        }
        guard case .array(let items) = value else {
            log.error("system", part.path, "expected an array, found \(value.kindDescription)")
            return nil
        }
        return items
    }

    /// Records an entry that is not an object; the whole entity is then exempt from further findings.
    private func notAnObject(_ entity: String, _ item: JSONValue) -> Bool {
        if case .object = item { return false }
        log.error(entity, "", "expected an object, found \(item.kindDescription)", key: "*")
        return true
    }

    private func readOptions() -> OptimizerOptions {
        var options = OptimizerOptions()
        guard let value = found[.optimizer]?.value else { return options }
        let e = EntityLabel.optimizer
        guard !notAnObject(e, value) else { return options }
        let f = LooseFields(value, entity: e, log: log)
        options.unlimited = f.bool("unlimited")
        options.heterogeneous = f.bool("heterogeneous")
        options.delayedBestEffort = f.bool("delayedBestEffort")
        if let policy = f.optionalString("saturationPolicy") {
            let p = policy.trimmingCharacters(in: .whitespaces).lowercased()
            if p.isEmpty {
                options.saturationPolicy = .none
            } else if let match = SaturationPolicy.allCases.first(where: { $0.rawValue.lowercased() == p }) {
                options.saturationPolicy = match
            } else {
                log.error(e, "saturationPolicy", "\"\(policy)\" is not one of "
                          + SaturationPolicy.allCases.map(\.rawValue).joined(separator: ", "))
            }
        }
        options.timeLimitSeconds = f.double("timeLimit", default: options.timeLimitSeconds)
        options.relativeGap = f.double("relativeGap", default: options.relativeGap)
        return options
    }

    private func readAccelerators() -> [Accelerator] {
        guard let items = entries(.accelerators, required: true) else { return [] }
        return items.enumerated().map { i, item in
            guard !notAnObject(EntityLabel.accelerator("", index: i), item) else {
                return Accelerator(name: "", type: "", costPerHour: 0)
            }
            let name = LooseFields(item, entity: EntityLabel.accelerator("", index: i), log: log).string("name")
            let f = LooseFields(item, entity: EntityLabel.accelerator(name, index: i), log: log)
            return Accelerator(name: name, type: f.string("type"), multiplicity: f.int("multiplicity", default: 1),
                               memoryGB: f.double("memSize", default: 0), costPerHour: f.double("cost"))
        }
    }

    private func readCapacity(unlimited: Bool) -> Capacity {
        let note = unlimited ? "" : " (required unless optimizer.unlimited is true)"
        guard let items = entries(.count, required: !unlimited, note: note) else { return Capacity([:]) }
        var cards: [String: Int] = [:]
        for (i, item) in items.enumerated() {
            guard !notAnObject("capacity count[\(i)]", item) else { continue }
            let type = LooseFields(item, entity: "capacity count[\(i)]", log: log).string("type")
            guard !type.isEmpty else { continue }
            let count = LooseFields(item, entity: EntityLabel.capacity(type), log: log).int("count")
            if cards[type] != nil {
                log.error("capacity", "count", "lists type \"\(type)\" more than once")
            } else {
                cards[type] = count
            }
        }
        return Capacity(cards)
    }

    private mutating func readProfiles() -> [ModelProfile] {
        guard let items = entries(.models, required: true) else { return [] }
        var profiles: [ModelProfile] = []
        for (i, item) in items.enumerated() {
            let indexLabel = EntityLabel.profile(model: "", accelerator: "", index: i)
            guard !notAnObject(indexLabel, item) else {
                profiles.append(ModelProfile(model: "", accelerator: "", maxBatchSize: 0, atTokens: 0,
                                             decode: DecodeParameters(alpha: 0, beta: 0)))
                continue
            }
            let byIndex = LooseFields(item, entity: indexLabel, log: log)
            let model = byIndex.string("name"), acc = byIndex.string("acc")
            let e = EntityLabel.profile(model: model, accelerator: acc, index: i)
            let entry = ProfileEntry.read(LooseFields(item, entity: e, log: log), accelerator: acc)
            profiles.append(ModelProfile(model: model, accelerator: acc, acceleratorCount: entry.acceleratorCount,
                                         maxBatchSize: entry.maxBatchSize,
                                         atTokens: entry.atTokens ?? ModelProfile.defaultAtTokens,
                                         performance: entry.performance))
        }
        return profiles
    }

    private func readServiceClasses() -> [ServiceClass] {
        guard let items = entries(.serviceClasses, required: true) else { return [] }
        return items.enumerated().map { i, item in
            guard !notAnObject(EntityLabel.serviceClass("", index: i), item) else {
                return ServiceClass(name: "", priority: ServiceClass.defaultPriority, targets: [:])
            }
            let name = LooseFields(item, entity: EntityLabel.serviceClass("", index: i), log: log).string("name")
            let e = EntityLabel.serviceClass(name, index: i)
            let f = LooseFields(item, entity: e, log: log)
            var targets: [String: SLOTarget] = [:]
            for (j, t) in (f.array("modelTargets") ?? []).enumerated() {
                let field = "modelTargets[\(j)]"
                guard case .object = t else {
                    log.error(e, field, "expected an object, found \(t.kindDescription)")
                    continue
                }
                let tf = LooseFields(t, entity: e, prefix: field, log: log)
                let model = tf.string("model")
                // Upstream: 0 means no target.
                func target(_ key: String, aliases: [String] = []) -> Double? {
                    tf.optionalDouble(key, aliases: aliases).flatMap { $0 == 0 ? nil : $0 }
                }
                let slo = SLOTarget(itlMilliseconds: target("slo-itl", aliases: ["slo-tpot"]),
                                    ttftMilliseconds: target("slo-ttft"), tokensPerSecond: target("slo-tps"))
                guard !model.isEmpty else { continue }
                if targets[model] != nil {
                    log.error(e, field + ".model", "\"\(model)\" has targets more than once")
                } else {
                    targets[model] = slo
                }
            }
            return ServiceClass(name: name, priority: f.int("priority", default: ServiceClass.defaultPriority),
                                targets: targets)
        }
    }

    private func readServers() -> [Server] {
        guard let items = entries(.servers, required: true) else { return [] }
        return items.enumerated().map { i, item in
            guard !notAnObject(EntityLabel.server("", index: i), item) else {
                return Server(name: "", serviceClass: "", model: "", load: .zero)
            }
            let name = LooseFields(item, entity: EntityLabel.server("", index: i), log: log).string("name")
            let f = LooseFields(item, entity: EntityLabel.server(name, index: i), log: log)
            var load = Load.zero
            var current: Allocation?
            if let a = f.object("currentAlloc") {
                if let l = a.object("load") {
                    load = Load(arrivalRatePerMinute: l.double("arrivalRate", default: 0),
                                meanInputTokens: l.double("avgInTokens", aliases: ["avgInputTokens"], default: 0),
                                meanOutputTokens: l.double("avgOutTokens", aliases: ["avgOutputTokens"], default: 0))
                }
                let accelerator = a.string("accelerator", default: "")
                let allocation = Allocation(
                    accelerator: accelerator, replicas: a.int("numReplicas", default: 0),
                    batchLimit: a.int("maxBatch", default: 0), cost: a.double("cost", aliases: ["variantCost"], default: 0),
                    itlMilliseconds: a.double("itlAverage", default: 0), ttftMilliseconds: a.double("ttftAverage", default: 0),
                    load: load)
                current = accelerator.isEmpty ? nil : allocation
            }
            let batch = f.int("maxBatchSize", default: 0)
            return Server(name: name, serviceClass: f.string("class"), model: f.string("model"), load: load,
                          current: current, minReplicas: f.int("minNumReplicas", aliases: ["minReplicas"], default: 0),
                          maxReplicas: f.optionalInt("maxNumReplicas", aliases: ["maxReplicas"]),
                          maxBatchSizeOverride: batch == 0 ? nil : batch, keepAccelerator: f.bool("keepAccelerator"))
        }
    }
}
