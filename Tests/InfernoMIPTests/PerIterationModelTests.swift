import Foundation
import Testing
@testable import InfernoMIP

/// The per-iteration (2026) model against independent truth: the M/M/1/K closed form at B = 1, hand-computed
/// chunk counts, monotonicity, and the reference table generated from llm-inferno queue-analysis's Go analyzer
/// (Tests/Fixtures/queue-analysis/README.md).
@Suite struct PerIterationModelTests {
    func relative(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-300) }

    static let example = IterationParameters(alpha: 12, beta: 0.05, gamma: 0.0005)

    /// B = 1: a lone request takes `(c + m) * alpha + beta * (n + m) + gamma * (n (c + 1) / 2 + m (n + (m + 1) / 2))`
    /// with c = 1 (budget above n), and the queue is the textbook M/M/1/K with K = 1 + Q.
    @Test(arguments: [0.1, 0.6, 0.95, 1.5], [0, 5, 128])
    func singleSlotMatchesMM1K(rho: Double, queue: Int) {
        let n = 300.0, m = 200.0, p = Self.example
        let tau = (1 + m) * p.alpha + p.beta * (n + m) + p.gamma * (n + m * (n + (m + 1) / 2))
        let times = ServiceTimes(iteration: p, inputTokens: n, outputTokens: m)
        let model = QueueModel(times: times, batchLimit: 1, queueLimit: queue)
        #expect(relative(model.serviceRate(inService: 1), 1 / tau) < 1e-12)
        let rate = rho * 1000 / tau
        let metrics = model.evaluate(ratePerSecond: rate)
        let truth = QueueModelTests.mm1k(rho: rho, k: queue + 1)
        #expect(relative(metrics.blockingProbability, truth.blocking) < 1e-9)
        #expect(relative(metrics.meanInSystem, truth.meanInSystem) < 1e-9)
        #expect(relative(metrics.throughputPerSecond, rate * (1 - truth.blocking)) < 1e-9)
        // Prefill at X (the mean in service, below 1): one chunk of background alpha + (X - 1) delta plus the own work.
        let x = metrics.meanInService
        let delta = (p.beta * (n + m) + p.gamma * (n + m * (n + (m + 1) / 2))) / (1 + m)
        let prefill = max(0, p.alpha + (x - 1) * delta) + (p.beta + p.gamma) * n
        #expect(relative(metrics.prefillMilliseconds, prefill) < 1e-9)
        #expect(relative(metrics.itlMilliseconds, (tau - prefill) / m) < 1e-9)
        #expect(relative(metrics.ttftMilliseconds, metrics.waitMilliseconds + prefill + (tau - prefill) / m) < 1e-9)
    }

    /// Chunks by hand for n = 4096, m = 256, M = 2048: the largest batch at k chunks is
    /// floor((k + 256)(2048 - 4096 / k) / 4352): 0, 0, 40, 61, 73 for k = 1 ... 5.
    @Test func chunkCountsByHand() {
        let it = IterationTimes(parameters: IterationParameters(alpha: 10, beta: 0.1, gamma: 0.001, maxNumTokens: 2048),
                                inputTokens: 4096, outputTokens: 256)
        let table = it.chunkTable(upTo: 80)
        #expect(table[1] == 3 && table[40] == 3 && table[41] == 4 && table[61] == 4 && table[62] == 5)
        #expect(table[73] == 5 && table[74] == 6)
        #expect(it.chunks(atBatch: 40.4, limit: 80) == 3 && it.chunks(atBatch: 40.6, limit: 80) == 4)
        // A short prompt well inside the budget is one chunk at any batch up to (1 + m) M / (n + m).
        let short = IterationTimes(parameters: Self.example, inputTokens: 128, outputTokens: 512)
        #expect(short.chunkTable(upTo: 256).allSatisfy { $0 == 1 })
    }

    @Test func metricsRiseWithRateBatchAndLength() {
        let p = IterationParameters(alpha: 8, beta: 0.03, gamma: 0.0004, maxNumTokens: 4096)
        let model = QueueModel(times: ServiceTimes(iteration: p, inputTokens: 1024, outputTokens: 256), batchLimit: 64,
                               queueLimit: 256)
        var last = model.evaluate(ratePerSecond: 0.01 * model.maxThroughputPerSecond)
        for f in stride(from: 0.05, through: 1.2, by: 0.05) {
            let m = model.evaluate(ratePerSecond: f * model.maxThroughputPerSecond)
            #expect(m.throughputPerSecond >= last.throughputPerSecond)
            #expect(m.itlMilliseconds >= last.itlMilliseconds - 1e-9)
            #expect(m.ttftMilliseconds >= last.ttftMilliseconds - 1e-9)
            last = m
        }
        // Longer requests: lower capacity, higher latencies at the same rate.
        var lastCapacity = Double.infinity, lastITL = 0.0
        for length in [64.0, 256, 1024, 4096] {
            let q = QueueModel(times: ServiceTimes(iteration: p, inputTokens: length, outputTokens: length), batchLimit: 64)
            let m = q.evaluate(ratePerSecond: 0.05)
            #expect(q.maxThroughputPerSecond < lastCapacity && m.itlMilliseconds > lastITL)
            lastCapacity = q.maxThroughputPerSecond
            lastITL = m.itlMilliseconds
        }
        // A larger batch limit: more capacity.
        var capacity = 0.0
        for b in [8, 16, 32, 64, 128, 256] {
            let q = QueueModel(times: ServiceTimes(iteration: p, inputTokens: 512, outputTokens: 512), batchLimit: b)
            #expect(q.maxThroughputPerSecond > capacity)
            capacity = q.maxThroughputPerSecond
        }
    }

    /// Upstream's documented example (README, examples/problem-data.json). The README shows outputs of an older
    /// analysis (ITL 20.53, TTFT 75.32, maxRPS 3.821); the code at the reference commit gives these.
    @Test func upstreamDocumentedExample() throws {
        let problem = QueueAnalysisProblem(ratePerSecond: 3, batchLimit: 48, queueLimit: 128, inputTokens: 128,
                                           outputTokens: 512, performance: .perIteration(Self.example))
        let solved = try problem.analyze().get()
        #expect(relative(solved.metrics.itlMilliseconds, 20.118889) < 0.01)
        #expect(relative(solved.metrics.ttftMilliseconds, 67.61465) < 0.01)
        #expect(relative(solved.maxRatePerSecond, 3.8609295) < 0.01)
        #expect(relative(solved.metrics.meanInService, 30.980886) < 0.01)
        var target = problem
        target.targetTTFT = 60
        target.targetITL = 20
        let sized = try target.analyze().get()
        #expect(relative(sized.rateForTargetTTFT, 2.9494622) < 0.01)
        #expect(relative(sized.rateForTargetITL, 2.971982) < 0.01)
        #expect(sized.metrics.ttftMilliseconds <= 60 * (1 + 1e-6) && sized.metrics.itlMilliseconds <= 20)
    }

    /// Every output of the Go analyzer's table within 1%; at least 98% of them (the issue's goal), and every
    /// miss printed.
    @Test func referenceTableFromUpstreamAnalyzer() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/queue-analysis/reference.json")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[String: Any]])
        #expect(rows.count > 700)
        var compared = 0, within = 0
        var misses: [String] = []
        for (i, row) in rows.enumerated() {
            let p = try #require(row["problem"] as? [String: Any])
            func num(_ d: [String: Any], _ k: String) -> Double { (d[k] as? NSNumber)?.doubleValue ?? 0 }
            let base = try QueueAnalysisProblem.parse(JSONSerialization.data(withJSONObject: p))[0]
            var solve = base
            solve.targetTTFT = 0
            solve.targetITL = 0
            let cases: [(QueueAnalysisProblem, [String: Any]?)] = [(solve, row["solve"] as? [String: Any]),
                                                                   (base, row["target"] as? [String: Any])]
            for (problem, expected) in cases {
                guard let expected, problem.isSizing || expected["RPSTargetTTFT"] == nil else { continue }
                guard case .success(let got) = problem.analyze() else {
                    misses.append("row \(i): no result"); compared += expected.count; continue
                }
                for (name, value) in got.fields where expected[name] != nil {
                    compared += 1
                    let want = num(expected, name)
                    if relative(value, want) <= 0.01 || abs(value - want) < 1e-6 { within += 1 } else {
                        misses.append("row \(i) \(problem.isSizing ? "target" : "solve") \(name): \(value) vs \(want)")
                    }
                }
            }
        }
        let share = Double(within) / Double(compared)
        print("queue-analysis reference: \(within)/\(compared) outputs within 1% (\(String(format: "%.2f", 100 * share))%)")
        for m in misses.prefix(40) { print("  miss: " + m) }
        #expect(share >= 0.98)
    }

    @Test func problemsParseBothKindsAndRejectMixtures() throws {
        let flat = #"{"rps": 2, "MAXBATCHSIZE": 16, "avgInputTokens": 100, "avgOutputTokens": 50, "alpha": 10,"#
            + #" "beta": 0.1, "gamma": 0.001, "maxQueueSize": 10, "targetTTFT": 0}"#
        let p = try QueueAnalysisProblem.parse(Data(flat.utf8))
        #expect(p.count == 1 && p[0].performance == .perIteration(IterationParameters(alpha: 10, beta: 0.1, gamma: 0.001)))
        #expect(!p[0].isSizing && p[0].batchLimit == 16)
        let seed = #"[{"RPS": 1, "maxBatchSize": 8, "avgOutputTokens": 20, "decodeParms": {"alpha": 5, "beta": 0.2}}]"#
        let s = try QueueAnalysisProblem.parse(Data(seed.utf8))
        #expect(s[0].performance.kind == .seed)
        let mixed = #"{"RPS": 1, "maxBatchSize": 8, "avgOutputTokens": 20, "alpha": 5, "decodeParms": {"alpha": 5, "beta": 0.2}}"#
        #expect(throws: QueueAnalysisError.self) { try QueueAnalysisProblem.parse(Data(mixed.utf8)) }
        do { _ = try QueueAnalysisProblem.parse(Data(mixed.utf8)) } catch {
            #expect(error.description.contains("mixes the two performance models"))
            #expect(error.description.contains("decodeParms") && error.description.contains("\"gamma\""))
        }
        let bad = #"[{"RPS": 0, "maxBatchSize": 0, "avgOutputTokens": 20, "alpha": 5, "beta": 0, "gamma": 0}]"#
        do { _ = try QueueAnalysisProblem.parse(Data(bad.utf8)); Issue.record("accepted") } catch {
            #expect(error.description.contains("problem[0]") && error.description.contains("maxBatchSize"))
            #expect(error.description.contains("RPS"))
        }
    }
}
