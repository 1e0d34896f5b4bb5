import InfernoFormats

/// The solution output of `optimize --format json` (docs/formats.md §1).
extension Solution {
    /// Upstream's solution shape, `{"allocations": {server: allocation}}`, with Inferno's diagnostics beside it
    /// under `"inferno"`: the solver, the TTFT statistic and batch-limit policy of the analysis, per server its
    /// status, placements, candidates and rejections, the MIP's stages and steps, the notes.
    public func upstreamJSON(problem: OptimizationProblem, settings: AnalyzerSettings, analysisSeconds: Double) -> JSONValue {
        let solution = self
        var allocations: [String: JSONValue] = [:]
        var servers: [String: JSONValue] = [:]
        for s in solution.servers {
            guard let sc = problem.servers.first(where: { $0.name == s.name }) else { continue }
            allocations[s.name] = Self.allocation(s, load: sc.server.load)
            servers[s.name] = Self.diagnostics(s, sc)
        }
        var inferno: [String: JSONValue] = [
            "solver": .string(solution.solver),
            "ttftStatistic": .string(settings.percentile.description),
            "itlStatistic": .string(settings.itlPercentile.description),
            "batchLimitPolicy": .string(settings.batchLimitPolicy.rawValue),
            "totalCost": .number(solution.totalCost),
            "analysisSeconds": .number(analysisSeconds),
            "solveSeconds": .number(solution.diagnostics.seconds),
            "servedPerPriority": .array(solution.servedPerPriority.map {
                ["priority": .number(Double($0.priority)), "served": .number(Double($0.served)),
                 "total": .number(Double($0.total))]
            }),
            "usage": .array(solution.usage.map { u in
                var d: JSONValue = ["type": .string(u.type), "cardsUsed": .number(Double(u.cardsUsed)), "cost": .number(u.cost)]
                if let a = u.cardsAvailable { d["cardsAvailable"] = .number(Double(a)) }
                return d
            }),
            "servers": .object(servers),
            "notes": .array(solution.diagnostics.notes.map(JSONValue.string)),
        ]
        if let mip = solution.diagnostics.mip { inferno["mip"] = Self.diagnostics(mip) }
        return ["allocations": .object(allocations), "inferno": .object(inferno)]
    }

    /// One server's allocation in upstream's shape.
    private static func allocation(_ s: ServerSolution, load: Load) -> JSONValue {
        let primary = s.primary
        return [
            "accelerator": .string(primary?.accelerator ?? ""),
            "numReplicas": .number(Double(s.replicas)),
            "maxBatch": .number(Double(primary?.batchLimit ?? 0)),
            "cost": .number(s.cost),
            "itlAverage": .number(s.itlMilliseconds ?? 0),
            "ttftAverage": .number(s.ttftMilliseconds ?? 0),
            "load": ["arrivalRate": .number(load.arrivalRatePerMinute), "avgInTokens": .number(load.meanInputTokens),
                     "avgOutTokens": .number(load.meanOutputTokens)],
        ]
    }

    /// One server's status, placements, candidates and rejections.
    private static func diagnostics(_ s: ServerSolution, _ sc: ServerCandidates) -> JSONValue {
        var entry: JSONValue = [
            "status": .string(s.status.label),
            "priority": .number(Double(s.priority)),
            "placements": .array(s.placements.map {
                ["accelerator": .string($0.accelerator), "acceleratorType": .string($0.acceleratorType),
                 "replicas": .number(Double($0.replicas)), "batchLimit": .number(Double($0.batchLimit)),
                 "cards": .number(Double($0.units)), "cost": .number($0.cost)]
            }),
            "candidates": .array(sc.candidates.map {
                ["accelerator": .string($0.accelerator), "replicas": .number(Double($0.replicasNeeded)),
                 "batchLimit": .number(Double($0.batchLimit)), "ratePerReplicaPerMinute": .number($0.ratePerReplica * 60),
                 "cost": .number($0.cost)]
            }),
        ]
        if let r = s.status.reason { entry["reason"] = .string(r) }
        if !sc.rejections.isEmpty {
            entry["rejected"] = .object(Dictionary(sc.rejections.map { ($0.accelerator, JSONValue.string($0.reason)) },
                                                   uniquingKeysWith: { a, _ in a }))
        }
        return entry
    }

    /// The MIP's status, gap and stages.
    private static func diagnostics(_ mip: MIPDiagnostics) -> JSONValue {
        var m: JSONValue = [
            "status": .string(mip.status), "components": .number(Double(mip.components)),
            "stages": .array(mip.stages.map { st in
                var d: JSONValue = ["name": .string(st.name), "status": .string(st.status), "seconds": .number(st.seconds)]
                if let o = st.objective { d["objective"] = .number(o) }
                if let b = st.bestBound { d["bestBound"] = .number(b) }
                if let g = st.gap { d["gap"] = .number(g) }
                if !st.steps.isEmpty { d["steps"] = .array(st.steps.map(JSONValue.string)) }
                return d
            }),
        ]
        if let g = mip.gap { m["gap"] = .number(g) }
        if let f = mip.fallbackReason { m["fallback"] = .string(f) }
        return m
    }
}
