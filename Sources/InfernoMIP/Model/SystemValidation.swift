import Foundation
import InfernoFormats

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
    /// JSON's, since that is what users write. One function per kind of entity, in document order.
    func validationIssues() -> [SystemIssue] {
        let checks = FieldChecks(log: IssueLog())
        checkAccelerators(checks)
        checkCapacity(checks)
        checkProfiles(checks)
        checkServiceClasses(checks)
        checkServers(checks)
        checkOptimizer(checks)
        checkLimits(checks)
        return checks.log.issues
    }

    private func checkAccelerators(_ checks: FieldChecks) {
        var names = Set<String>(), duplicates = Set<String>()
        for (i, a) in accelerators.enumerated() {
            let e = EntityLabel.accelerator(a.name, index: i)
            if a.name.isEmpty { checks.error(e, "name", "is empty") }
            else if !names.insert(a.name).inserted, duplicates.insert(a.name).inserted {
                checks.error("accelerators", "", "duplicate name \"\(a.name)\"")
            }
            if a.type.isEmpty { checks.error(e, "type", "is empty") }
            checks.atLeast(a.multiplicity, 1, e, "multiplicity")
            checks.atLeast(a.memoryGB, 0, e, "memSize")
            checks.atLeast(a.costPerHour, 0, e, "cost")
            if !options.unlimited, !a.type.isEmpty, capacity.cardsByType[a.type] == nil {
                checks.warning(e, "type", "\"\(a.type)\" has no capacity entry (0 cards available)")
            }
        }
    }

    private func checkCapacity(_ checks: FieldChecks) {
        let usedTypes = Set(accelerators.map(\.type))
        for (type, count) in capacity.cardsByType.sorted(by: { $0.key < $1.key }) {
            let e = EntityLabel.capacity(type)
            if type.isEmpty { checks.error("capacity", "type", "is empty") }
            checks.atLeast(count, 0, e, "count")
            if !type.isEmpty, !usedTypes.contains(type) { checks.warning(e, "", "no accelerator has this type; ignored") }
        }
    }

    private func checkProfiles(_ checks: FieldChecks) {
        var keys = Set<[String]>(), duplicates = Set<[String]>()
        for (i, p) in profiles.enumerated() {
            let e = EntityLabel.profile(model: p.model, accelerator: p.accelerator, index: i)
            if p.model.isEmpty { checks.error(e, "name", "is empty") }
            if p.accelerator.isEmpty { checks.error(e, "acc", "is empty") }
            else if accelerator(named: p.accelerator) == nil {
                checks.error(e, "acc", "\"\(p.accelerator)\" is not a defined accelerator")
            }
            if !p.model.isEmpty, !p.accelerator.isEmpty {
                let k = [p.model, p.accelerator]
                if !keys.insert(k).inserted, duplicates.insert(k).inserted {
                    checks.error("models", "", "duplicate profile for model \"\(p.model)\" on \"\(p.accelerator)\"")
                }
            }
            checks.atLeast(p.acceleratorCount, 1, e, "accCount")
            checks.atLeast(p.maxBatchSize, 1, e, "maxBatchSize")
            checks.atLeast(p.atTokens, 1, e, "atTokens")
            switch p.performance {
            case .seed(let decode, let prefill):
                checks.positive(decode.alpha, e, "decodeParms.alpha")
                checks.atLeast(decode.beta, 0, e, "decodeParms.beta")
                checks.atLeast(prefill.gamma, 0, e, "prefillParms.gamma")
                checks.atLeast(prefill.delta, 0, e, "prefillParms.delta")
            case .perIteration(let i):
                checks.positive(i.alpha, e, "perfParms.alpha")
                checks.atLeast(i.beta, 0, e, "perfParms.beta")
                checks.atLeast(i.gamma, 0, e, "perfParms.gamma")
                checks.atLeast(i.maxNumTokens, 1, e, "perfParms.maxNumTokens")
            }
        }
    }

    private func checkServiceClasses(_ checks: FieldChecks) {
        var names = Set<String>(), duplicates = Set<String>()
        for (i, c) in serviceClasses.enumerated() {
            let e = EntityLabel.serviceClass(c.name, index: i)
            if c.name.isEmpty { checks.error(e, "name", "is empty") }
            else if !names.insert(c.name).inserted, duplicates.insert(c.name).inserted {
                checks.error("serviceClasses", "", "duplicate name \"\(c.name)\"")
            }
            checks.atLeast(c.priority, 0, e, "priority")
            for (model, t) in c.targets.sorted(by: { $0.key < $1.key }) {
                let f = "modelTargets[\"\(model)\"]"
                if model.isEmpty { checks.error(e, "modelTargets", "has a target with an empty model name") }
                if let v = t.itlMilliseconds { checks.atLeast(v, 0, e, f + ".slo-itl") }
                if let v = t.ttftMilliseconds { checks.atLeast(v, 0, e, f + ".slo-ttft") }
                if let v = t.tokensPerSecond { checks.atLeast(v, 0, e, f + ".slo-tps") }
            }
        }
    }

    private func checkServers(_ checks: FieldChecks) {
        var names = Set<String>(), duplicates = Set<String>()
        let profiled = Set(profiles.map(\.model))
        let profilePairs = Set(profiles.map { [$0.model, $0.accelerator] })
        for (i, s) in servers.enumerated() {
            let e = EntityLabel.server(s.name, index: i)
            if s.name.isEmpty { checks.error(e, "name", "is empty") }
            else if !names.insert(s.name).inserted, duplicates.insert(s.name).inserted {
                checks.error("servers", "", "duplicate name \"\(s.name)\"")
            }
            if s.model.isEmpty { checks.error(e, "model", "is empty") }
            else if !profiled.contains(s.model) {
                checks.warning(e, "model", "\"\(s.model)\" has no profile on any accelerator; the server gets no candidates")
            }
            checkServerClass(s, e, checks)
            checkServerLoadAndReplicas(s, e, checks)
            checkServerCurrent(s, e, profilePairs: profilePairs, checks)
        }
    }

    private func checkServerClass(_ s: Server, _ e: String, _ checks: FieldChecks) {
        if s.serviceClass.isEmpty { checks.error(e, "class", "is empty") }
        else if let c = serviceClass(named: s.serviceClass) {
            if !s.model.isEmpty, c.targets[s.model] == nil {
                checks.warning(e, "class", "\"\(c.name)\" has no targets for model \"\(s.model)\"; sized without latency targets")
            }
        } else {
            checks.error(e, "class", "\"\(s.serviceClass)\" is not defined")
        }
    }

    private func checkServerLoadAndReplicas(_ s: Server, _ e: String, _ checks: FieldChecks) {
        let load = s.load
        checks.atLeast(load.arrivalRatePerMinute, 0, e, "currentAlloc.load.arrivalRate")
        checks.atLeast(load.meanInputTokens, 0, e, "currentAlloc.load.avgInTokens")
        checks.atLeast(load.meanOutputTokens, 0, e, "currentAlloc.load.avgOutTokens")
        if load.arrivalRatePerMinute > 0, load.meanOutputTokens == 0 {
            checks.error(e, "currentAlloc.load.avgOutTokens",
                         "is 0 while arrivalRate is \(formatNumber(load.arrivalRatePerMinute)) (zero output tokens: requests must produce at least one token)")
        }
        checks.atLeast(s.minReplicas, 0, e, "minNumReplicas")
        if let maxReplicas = s.maxReplicas, maxReplicas < max(s.minReplicas, 0) {
            checks.error(e, "maxNumReplicas", "is \(maxReplicas) (must be >= minNumReplicas \(s.minReplicas))")
        }
        if let b = s.maxBatchSizeOverride, b < 1 {
            checks.error(e, "maxBatchSize", "is \(b) (must be >= 1, or 0 for none)")
        }
    }

    /// The current allocation, and `keepAccelerator`, which pins the server to it.
    private func checkServerCurrent(_ s: Server, _ e: String, profilePairs: Set<[String]>, _ checks: FieldChecks) {
        let currentAccelerator = s.current?.accelerator ?? ""
        if let c = s.current {
            if !c.accelerator.isEmpty, accelerator(named: c.accelerator) == nil {
                checks.error(e, "currentAlloc.accelerator", "\"\(c.accelerator)\" is not a defined accelerator")
            }
            checks.atLeast(c.replicas, 0, e, "currentAlloc.numReplicas")
            checks.atLeast(c.batchLimit, 0, e, "currentAlloc.maxBatch")
            checks.atLeast(c.cost, 0, e, "currentAlloc.cost")
            checks.atLeast(c.itlMilliseconds, 0, e, "currentAlloc.itlAverage")
            checks.atLeast(c.ttftMilliseconds, 0, e, "currentAlloc.ttftAverage")
        }
        if s.keepAccelerator {
            if currentAccelerator.isEmpty {
                checks.warning(e, "keepAccelerator", "is set but currentAlloc names no accelerator; the server is not pinned")
            } else if accelerator(named: currentAccelerator) != nil, !s.model.isEmpty,
                      !profilePairs.contains([s.model, currentAccelerator]) {
                checks.error(e, "keepAccelerator", "pins the server to \"\(currentAccelerator)\", where model \"\(s.model)\" has no profile")
            }
        }
    }

    private func checkOptimizer(_ checks: FieldChecks) {
        checks.positive(options.timeLimitSeconds, EntityLabel.optimizer, "timeLimit")
        checks.atLeast(options.relativeGap, 0, EntityLabel.optimizer, "relativeGap")
    }
}

/// The range rules every entity's checks share, writing to one log.
struct FieldChecks {
    let log: IssueLog

    func error(_ entity: String, _ field: String, _ message: String) { log.error(entity, field, message) }
    func warning(_ entity: String, _ field: String, _ message: String) { log.warning(entity, field, message) }

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
}
