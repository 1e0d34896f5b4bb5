import Foundation
import InfernoFormats

/// One problem in llm-inferno queue-analysis's format, the input of its `/solve` and `/target` (docs/model.md).
///
/// Keys match case-insensitively: `RPS, maxBatchSize, maxNumTokens, avgInputTokens, avgOutputTokens, alpha, beta,
/// gamma, maxQueueSize, targetTTFT, targetITL`. A target of 0 (or absent) means none; with no target the queue is
/// evaluated at `RPS`, with one it is sized (`/target`). The seed kind is written `decodeParms: {alpha, beta}`,
/// `prefillParms: {gamma, delta}` in place of the flat `alpha, beta, gamma`.
public struct QueueAnalysisProblem: Hashable, Sendable {
    public var ratePerSecond: Double
    public var batchLimit: Int
    public var queueLimit: Int
    public var inputTokens: Double
    public var outputTokens: Double
    public var performance: PerformanceParameters
    public var targetTTFT: Double
    public var targetITL: Double

    public init(ratePerSecond: Double, batchLimit: Int, queueLimit: Int, inputTokens: Double, outputTokens: Double,
                performance: PerformanceParameters, targetTTFT: Double = 0, targetITL: Double = 0) {
        self.ratePerSecond = ratePerSecond
        self.batchLimit = batchLimit
        self.queueLimit = queueLimit
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.performance = performance
        self.targetTTFT = targetTTFT
        self.targetITL = targetITL
    }

    public var isSizing: Bool { targetTTFT > 0 || targetITL > 0 }

    /// Reads one object or an array of them. Every problem's faults are collected, each naming the problem's
    /// index and the field.
    public static func parse(_ data: Data) throws(QueueAnalysisError) -> [QueueAnalysisProblem] {
        let root: JSONValue
        do { root = try JSONValue(parsing: data) } catch { throw QueueAnalysisError(messages: ["problems: not valid JSON: \(error.detail)"]) }
        let items: [JSONValue]
        switch root {
        case .array(let a): items = a
        case .object: items = [root]
        default: throw QueueAnalysisError(messages: ["problems: expected a JSON object or an array of them, found \(root.kindDescription)"])
        }
        let log = IssueLog()
        var problems: [QueueAnalysisProblem] = []
        for (i, item) in items.enumerated() {
            let entity = "problem[\(i)]"
            guard case .object = item else {
                log.error(entity, "", "expected a JSON object, found \(item.kindDescription)")
                continue
            }
            if let p = read(LooseFields(item, entity: entity, log: log), log: log) { problems.append(p) }
        }
        if items.isEmpty { log.error("problems", "", "the array is empty") }
        if !log.errors.isEmpty { throw QueueAnalysisError(messages: log.errors) }
        return problems
    }

    static let spellings = "the per-iteration kind is \"alpha\", \"beta\", \"gamma\" (optional \"maxNumTokens\"); "
        + "the seed kind is \"decodeParms\": {\"alpha\", \"beta\"} with optional \"prefillParms\": {\"gamma\", \"delta\"}"

    private static func read(_ f: LooseFields, log: IssueLog) -> QueueAnalysisProblem? {
        let before = log.errors.count
        let seedKeys = ["decodeParms", "prefillParms"].filter { f.has($0) }
        let flatKeys = ["alpha", "beta", "gamma", "maxNumTokens"].filter { f.has($0) }
        let performance: PerformanceParameters
        if !seedKeys.isEmpty && !flatKeys.isEmpty {
            log.error(f.entity, "", "mixes the two performance models (\((seedKeys + flatKeys).joined(separator: ", "))); give one: " + spellings)
            return nil
        } else if !seedKeys.isEmpty {
            let d = f.object("decodeParms", required: true)
            let p = f.object("prefillParms")
            performance = .seed(decode: DecodeParameters(alpha: d?.double("alpha") ?? 0, beta: d?.double("beta") ?? 0),
                                prefill: PrefillParameters(gamma: p?.double("gamma", default: 0) ?? 0,
                                                           delta: p?.double("delta", default: 0) ?? 0))
        } else {
            if flatKeys.isEmpty { log.error(f.entity, "alpha", "is missing: no performance model; " + spellings); return nil }
            let budget = f.int("maxNumTokens", default: 0)
            performance = .perIteration(IterationParameters(alpha: f.double("alpha"), beta: f.double("beta"),
                                                            gamma: f.double("gamma"),
                                                            maxNumTokens: budget == 0 ? IterationParameters.defaultMaxNumTokens : budget))
        }
        let problem = QueueAnalysisProblem(
            ratePerSecond: f.double("RPS", default: 0), batchLimit: f.int("maxBatchSize"),
            queueLimit: f.int("maxQueueSize", default: 0), inputTokens: f.double("avgInputTokens", default: 0),
            outputTokens: f.double("avgOutputTokens"), performance: performance,
            targetTTFT: f.double("targetTTFT", default: 0), targetITL: f.double("targetITL", default: 0))
        guard log.errors.count == before else { return nil }
        problem.validate(f.entity, log)
        return log.errors.count == before ? problem : nil
    }

    private func validate(_ e: String, _ log: IssueLog) {
        func check(_ ok: Bool, _ field: String, _ value: Double, _ rule: String) {
            if !ok || !value.isFinite { log.error(e, field, "is \(formatNumber(value)); it must be \(rule)") }
        }
        check(batchLimit >= 1, "maxBatchSize", Double(batchLimit), "at least 1")
        check(queueLimit >= 0, "maxQueueSize", Double(queueLimit), "at least 0")
        check(inputTokens >= 0, "avgInputTokens", inputTokens, "at least 0")
        check(outputTokens >= 1, "avgOutputTokens", outputTokens, "at least 1")
        check(targetTTFT >= 0, "targetTTFT", targetTTFT, "at least 0 (0: no target)")
        check(targetITL >= 0, "targetITL", targetITL, "at least 0 (0: no target)")
        check(ratePerSecond >= 0, "RPS", ratePerSecond, "at least 0")
        if !isSizing { check(ratePerSecond > 0, "RPS", ratePerSecond, "positive when no target is given") }
        switch performance {
        case .perIteration(let p):
            check(p.alpha > 0, "alpha", p.alpha, "positive")
            check(p.beta >= 0, "beta", p.beta, "at least 0")
            check(p.gamma >= 0, "gamma", p.gamma, "at least 0")
            check(p.maxNumTokens >= 1, "maxNumTokens", Double(p.maxNumTokens), "at least 1 (0: the default 8192)")
        case .seed(let d, let p):
            check(d.alpha > 0, "decodeParms.alpha", d.alpha, "positive")
            check(d.beta >= 0, "decodeParms.beta", d.beta, "at least 0")
            check(p.gamma >= 0, "prefillParms.gamma", p.gamma, "at least 0")
            check(p.delta >= 0, "prefillParms.delta", p.delta, "at least 0")
        }
    }

    public var times: ServiceTimes {
        ServiceTimes(performance: performance, inputTokens: inputTokens, outputTokens: outputTokens)
    }

    public var queue: QueueModel { QueueModel(times: times, batchLimit: batchLimit, queueLimit: queueLimit) }

    /// `/solve` without targets, `/target` with them: the metrics and, when sizing, the largest rate for each
    /// target alone (its `RPSTargetTTFT` / `RPSTargetITL`, the stable maximum for a target not given).
    public func analyze() -> Result<QueueAnalysis, SizingFailure> {
        let model = queue
        let maxRate = (1 - 0.001) * model.maxThroughputPerSecond
        guard isSizing else {
            return .success(QueueAnalysis(metrics: model.evaluate(ratePerSecond: ratePerSecond), maxRatePerSecond: maxRate))
        }
        func rate(_ target: SLOTarget, _ given: Bool) -> Result<Double, SizingFailure> {
            guard given else { return .success(maxRate) }
            return ReplicaSizer(target: target, percentile: .mean).size(model).map(\.maxRatePerSecond)
        }
        let ttft: Double, itl: Double
        switch rate(SLOTarget(ttftMilliseconds: targetTTFT), targetTTFT > 0) {
        case .success(let r): ttft = r
        case .failure(let f): return .failure(f)
        }
        switch rate(SLOTarget(itlMilliseconds: targetITL), targetITL > 0) {
        case .success(let r): itl = r
        case .failure(let f): return .failure(f)
        }
        return .success(QueueAnalysis(metrics: model.evaluate(ratePerSecond: min(ttft, itl)), maxRatePerSecond: maxRate,
                                      rateForTargetTTFT: ttft, rateForTargetITL: itl))
    }
}

/// Queue-analysis's output for one problem. Rates per second, times in ms.
public struct QueueAnalysis: Hashable, Sendable {
    public var metrics: QueueMetrics
    /// `maxRPS`: the stable maximum, `(1 - 0.001)` of the full batch's completion rate, as upstream.
    public var maxRatePerSecond: Double
    public var rateForTargetTTFT: Double = 0
    public var rateForTargetITL: Double = 0

    /// The fields in upstream's spelling and order.
    public var fields: [(String, Double)] {
        [("throughput", metrics.throughputPerSecond), ("avgRespTime", metrics.responseTimeMilliseconds),
         ("avgWaitTime", metrics.waitMilliseconds), ("avgNumInServ", metrics.meanInService),
         ("avgTTFT", metrics.ttftMilliseconds), ("avgITL", metrics.itlMilliseconds), ("maxRPS", maxRatePerSecond),
         ("RPSTargetTTFT", rateForTargetTTFT), ("RPSTargetITL", rateForTargetITL)]
    }
}

public struct QueueAnalysisError: Error, Hashable, Sendable, CustomStringConvertible {
    public var messages: [String]
    public var description: String { messages.joined(separator: "\n") }
}
