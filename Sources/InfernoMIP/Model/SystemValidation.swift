import Foundation

/// Everything wrong with a system description, one complete sentence per problem, each naming the entity and
/// the field (`server "s1": currentAlloc.load.arrivalRate is -3 (must be >= 0)`).
public struct SystemSpecError: Error, CustomStringConvertible, Sendable, Hashable {
    public var errors: [String]
    public init(errors: [String]) { self.errors = errors }
    /// One problem per line.
    public var description: String { errors.joined(separator: "\n") }
}

/// One finding about one field of one entity.
struct SystemIssue: Hashable, Sendable {
    enum Severity: Hashable, Sendable { case error, warning }
    var severity: Severity
    /// `server "s1"`, `accelerators`, `models[2]`.
    var entity: String
    /// Field path as shown (`currentAlloc.load.arrivalRate`), empty for the entity as a whole.
    var field: String
    /// Canonical field path, used to drop validation findings on fields the decoder already reported.
    var key: String
    /// What is wrong, completing the sentence after the field: `is -3 (must be >= 0)`.
    var message: String

    var text: String { field.isEmpty ? "\(entity): \(message)" : "\(entity): \(field) \(message)" }
}

/// Collects findings while a document is read. Lives for one decode on one thread.
final class IssueLog {
    private(set) var issues: [SystemIssue] = []

    func error(_ entity: String, _ field: String, _ message: String, key: String? = nil) {
        issues.append(SystemIssue(severity: .error, entity: entity, field: field, key: key ?? field, message: message))
    }

    func warning(_ entity: String, _ field: String, _ message: String) {
        issues.append(SystemIssue(severity: .warning, entity: entity, field: field, key: field, message: message))
    }

    func append(_ issue: SystemIssue) { issues.append(issue) }

    var errors: [String] { issues.filter { $0.severity == .error }.map(\.text) }
    var warnings: [String] { issues.filter { $0.severity == .warning }.map(\.text) }
}

/// How entities are named in messages: by name when they have one, by position otherwise.
/// The decoder and the validator share these so their findings about one entity line up.
enum EntityLabel {
    static func accelerator(_ name: String, index: Int) -> String {
        name.isEmpty ? "accelerators[\(index)]" : "accelerator \"\(name)\""
    }
    static func profile(model: String, accelerator: String, index: Int) -> String {
        model.isEmpty || accelerator.isEmpty ? "models[\(index)]" : "model \"\(model)\" profile on \"\(accelerator)\""
    }
    static func serviceClass(_ name: String, index: Int) -> String {
        name.isEmpty ? "serviceClasses[\(index)]" : "class \"\(name)\""
    }
    static func server(_ name: String, index: Int) -> String {
        name.isEmpty ? "servers[\(index)]" : "server \"\(name)\""
    }
    static func capacity(_ type: String) -> String { "capacity type \"\(type)\"" }
    static let optimizer = "optimizer"
}

extension SystemSpec {
    /// Problems with this system: `errors` make it unusable, `warnings` are accepted but worth seeing
    /// (a server whose model has no profile, a capacity type no accelerator uses, ...).
    public func validationReport() -> (errors: [String], warnings: [String]) {
        let issues = validationIssues()
        return (issues.filter { $0.severity == .error }.map(\.text), issues.filter { $0.severity == .warning }.map(\.text))
    }

    /// Throws every error of ``validationReport()`` at once; warnings are not errors.
    public func validate() throws(SystemSpecError) {
        let errors = validationReport().errors
        if !errors.isEmpty { throw SystemSpecError(errors: errors) }
    }

    /// The semantic rules: ranges, references between entities, duplicates. Field names are the upstream
    /// JSON's, since that is what users write.
    func validationIssues() -> [SystemIssue] {
        let log = IssueLog()
        func error(_ e: String, _ f: String, _ m: String) { log.error(e, f, m) }
        func warning(_ e: String, _ f: String, _ m: String) { log.warning(e, f, m) }
        func atLeast(_ v: Double, _ lower: Double, _ e: String, _ f: String) {
            if !v.isFinite { error(e, f, "is \(formatNumber(v)) (must be a finite number)") }
            else if v < lower { error(e, f, "is \(formatNumber(v)) (must be >= \(formatNumber(lower)))") }
        }
        func positive(_ v: Double, _ e: String, _ f: String) {
            if !v.isFinite { error(e, f, "is \(formatNumber(v)) (must be a finite number)") }
            else if v <= 0 { error(e, f, "is \(formatNumber(v)) (must be > 0)") }
        }
        func atLeast(_ v: Int, _ lower: Int, _ e: String, _ f: String) {
            if v < lower { error(e, f, "is \(v) (must be >= \(lower))") }
        }

        // Accelerators.
        var acceleratorNames = Set<String>(), duplicateAccelerators = Set<String>()
        for (i, a) in accelerators.enumerated() {
            let e = EntityLabel.accelerator(a.name, index: i)
            if a.name.isEmpty { error(e, "name", "is empty") }
            else if !acceleratorNames.insert(a.name).inserted, duplicateAccelerators.insert(a.name).inserted {
                error("accelerators", "", "duplicate name \"\(a.name)\"")
            }
            if a.type.isEmpty { error(e, "type", "is empty") }
            atLeast(a.multiplicity, 1, e, "multiplicity")
            atLeast(a.memoryGB, 0, e, "memSize")
            atLeast(a.costPerHour, 0, e, "cost")
            if !options.unlimited, !a.type.isEmpty, capacity.cardsByType[a.type] == nil {
                warning(e, "type", "\"\(a.type)\" has no capacity entry (0 cards available)")
            }
        }

        // Capacity.
        let usedTypes = Set(accelerators.map(\.type))
        for (type, count) in capacity.cardsByType.sorted(by: { $0.key < $1.key }) {
            let e = EntityLabel.capacity(type)
            if type.isEmpty { error("capacity", "type", "is empty") }
            atLeast(count, 0, e, "count")
            if !type.isEmpty, !usedTypes.contains(type) { warning(e, "", "no accelerator has this type; ignored") }
        }

        // Profiles.
        var profileKeys = Set<[String]>(), duplicateProfiles = Set<[String]>()
        for (i, p) in profiles.enumerated() {
            let e = EntityLabel.profile(model: p.model, accelerator: p.accelerator, index: i)
            if p.model.isEmpty { error(e, "name", "is empty") }
            if p.accelerator.isEmpty { error(e, "acc", "is empty") }
            else if accelerator(named: p.accelerator) == nil {
                error(e, "acc", "\"\(p.accelerator)\" is not a defined accelerator")
            }
            if !p.model.isEmpty, !p.accelerator.isEmpty {
                let k = [p.model, p.accelerator]
                if !profileKeys.insert(k).inserted, duplicateProfiles.insert(k).inserted {
                    error("models", "", "duplicate profile for model \"\(p.model)\" on \"\(p.accelerator)\"")
                }
            }
            atLeast(p.acceleratorCount, 1, e, "accCount")
            atLeast(p.maxBatchSize, 1, e, "maxBatchSize")
            atLeast(p.atTokens, 1, e, "atTokens")
            switch p.performance {
            case .seed(let decode, let prefill):
                positive(decode.alpha, e, "decodeParms.alpha")
                atLeast(decode.beta, 0, e, "decodeParms.beta")
                atLeast(prefill.gamma, 0, e, "prefillParms.gamma")
                atLeast(prefill.delta, 0, e, "prefillParms.delta")
            case .perIteration(let i):
                positive(i.alpha, e, "perfParms.alpha")
                atLeast(i.beta, 0, e, "perfParms.beta")
                atLeast(i.gamma, 0, e, "perfParms.gamma")
                atLeast(i.maxNumTokens, 1, e, "perfParms.maxNumTokens")
            }
        }

        // Service classes.
        var classNames = Set<String>(), duplicateClasses = Set<String>()
        for (i, c) in serviceClasses.enumerated() {
            let e = EntityLabel.serviceClass(c.name, index: i)
            if c.name.isEmpty { error(e, "name", "is empty") }
            else if !classNames.insert(c.name).inserted, duplicateClasses.insert(c.name).inserted {
                error("serviceClasses", "", "duplicate name \"\(c.name)\"")
            }
            atLeast(c.priority, 0, e, "priority")
            for (model, t) in c.targets.sorted(by: { $0.key < $1.key }) {
                let f = "modelTargets[\"\(model)\"]"
                if model.isEmpty { error(e, "modelTargets", "has a target with an empty model name") }
                if let v = t.itlMilliseconds { atLeast(v, 0, e, f + ".slo-itl") }
                if let v = t.ttftMilliseconds { atLeast(v, 0, e, f + ".slo-ttft") }
                if let v = t.tokensPerSecond { atLeast(v, 0, e, f + ".slo-tps") }
            }
        }

        // Servers.
        var serverNames = Set<String>(), duplicateServers = Set<String>()
        let profiled = Set(profiles.map(\.model))
        let profilePairs = Set(profiles.map { [$0.model, $0.accelerator] })
        for (i, s) in servers.enumerated() {
            let e = EntityLabel.server(s.name, index: i)
            if s.name.isEmpty { error(e, "name", "is empty") }
            else if !serverNames.insert(s.name).inserted, duplicateServers.insert(s.name).inserted {
                error("servers", "", "duplicate name \"\(s.name)\"")
            }
            if s.model.isEmpty { error(e, "model", "is empty") }
            else if !profiled.contains(s.model) {
                warning(e, "model", "\"\(s.model)\" has no profile on any accelerator; the server gets no candidates")
            }
            if s.serviceClass.isEmpty { error(e, "class", "is empty") }
            else if let c = serviceClass(named: s.serviceClass) {
                if !s.model.isEmpty, c.targets[s.model] == nil {
                    warning(e, "class", "\"\(c.name)\" has no targets for model \"\(s.model)\"; sized without latency targets")
                }
            } else {
                error(e, "class", "\"\(s.serviceClass)\" is not defined")
            }

            let load = s.load
            atLeast(load.arrivalRatePerMinute, 0, e, "currentAlloc.load.arrivalRate")
            atLeast(load.meanInputTokens, 0, e, "currentAlloc.load.avgInTokens")
            atLeast(load.meanOutputTokens, 0, e, "currentAlloc.load.avgOutTokens")
            if load.arrivalRatePerMinute > 0, load.meanOutputTokens == 0 {
                error(e, "currentAlloc.load.avgOutTokens",
                      "is 0 while arrivalRate is \(formatNumber(load.arrivalRatePerMinute)) (zero output tokens: requests must produce at least one token)")
            }

            atLeast(s.minReplicas, 0, e, "minNumReplicas")
            if let maxReplicas = s.maxReplicas, maxReplicas < max(s.minReplicas, 0) {
                error(e, "maxNumReplicas", "is \(maxReplicas) (must be >= minNumReplicas \(s.minReplicas))")
            }
            if let b = s.maxBatchSizeOverride, b < 1 {
                error(e, "maxBatchSize", "is \(b) (must be >= 1, or 0 for none)")
            }

            let currentAccelerator = s.current?.accelerator ?? ""
            if let c = s.current {
                if !c.accelerator.isEmpty, accelerator(named: c.accelerator) == nil {
                    error(e, "currentAlloc.accelerator", "\"\(c.accelerator)\" is not a defined accelerator")
                }
                atLeast(c.replicas, 0, e, "currentAlloc.numReplicas")
                atLeast(c.batchLimit, 0, e, "currentAlloc.maxBatch")
                atLeast(c.cost, 0, e, "currentAlloc.cost")
                atLeast(c.itlMilliseconds, 0, e, "currentAlloc.itlAverage")
                atLeast(c.ttftMilliseconds, 0, e, "currentAlloc.ttftAverage")
            }
            if s.keepAccelerator {
                if currentAccelerator.isEmpty {
                    warning(e, "keepAccelerator", "is set but currentAlloc names no accelerator; the server is not pinned")
                } else if accelerator(named: currentAccelerator) != nil, !s.model.isEmpty,
                          !profilePairs.contains([s.model, currentAccelerator]) {
                    error(e, "keepAccelerator", "pins the server to \"\(currentAccelerator)\", where model \"\(s.model)\" has no profile")
                }
            }
        }

        // Optimizer.
        positive(options.timeLimitSeconds, EntityLabel.optimizer, "timeLimit")
        atLeast(options.relativeGap, 0, EntityLabel.optimizer, "relativeGap")
        return log.issues
    }
}
