import InfernoFormats

/// The upper bounds of ``InputLimits``, checked on a decoded system before anything is sized from it.
extension SystemSpec {
    func checkLimits(_ checks: FieldChecks) {
        for (i, a) in accelerators.enumerated() {
            let e = EntityLabel.accelerator(a.name, index: i)
            checks.atMost(a.multiplicity, InputLimits.cardsPerReplica, e, "multiplicity")
            checks.atMost(a.costPerHour, InputLimits.cost, e, "cost")
        }
        for (type, count) in capacity.cardsByType.sorted(by: { $0.key < $1.key }) {
            checks.atMost(count, InputLimits.cards, EntityLabel.capacity(type), "count")
        }
        for (i, p) in profiles.enumerated() {
            let e = EntityLabel.profile(model: p.model, accelerator: p.accelerator, index: i)
            checks.atMost(p.acceleratorCount, InputLimits.cardsPerReplica, e, "accCount")
            checks.atMost(p.maxBatchSize, InputLimits.batchSize, e, "maxBatchSize")
            checks.atMost(Double(p.atTokens), InputLimits.tokens, e, "atTokens")
            let coefficients: [(String, Double)]
            switch p.performance {
            case .seed(let d, let f):
                coefficients = [("decodeParms.alpha", d.alpha), ("decodeParms.beta", d.beta),
                                ("prefillParms.gamma", f.gamma), ("prefillParms.delta", f.delta)]
            case .perIteration(let i):
                coefficients = [("perfParms.alpha", i.alpha), ("perfParms.beta", i.beta), ("perfParms.gamma", i.gamma)]
                checks.atMost(Double(i.maxNumTokens), InputLimits.tokens, e, "perfParms.maxNumTokens")
            }
            for (f, v) in coefficients {
                checks.atMost(v, InputLimits.milliseconds, e, f)
            }
        }
        for (i, c) in serviceClasses.enumerated() {
            let e = EntityLabel.serviceClass(c.name, index: i)
            for (model, t) in c.targets.sorted(by: { $0.key < $1.key }) {
                let f = "modelTargets[\"\(model)\"]"
                if let v = t.itlMilliseconds { checks.atMost(v, InputLimits.milliseconds, e, f + ".slo-itl") }
                if let v = t.ttftMilliseconds { checks.atMost(v, InputLimits.milliseconds, e, f + ".slo-ttft") }
                if let v = t.tokensPerSecond { checks.atMost(v, InputLimits.ratePerMinute, e, f + ".slo-tps") }
            }
        }
        for (i, s) in servers.enumerated() {
            checkServerLimits(s, EntityLabel.server(s.name, index: i), checks)
        }
    }

    private func checkServerLimits(_ s: Server, _ e: String, _ checks: FieldChecks) {
        checks.atMost(s.load.arrivalRatePerMinute, InputLimits.ratePerMinute, e, "currentAlloc.load.arrivalRate")
        checks.atMost(s.load.meanInputTokens, InputLimits.tokens, e, "currentAlloc.load.avgInTokens")
        checks.atMost(s.load.meanOutputTokens, InputLimits.tokens, e, "currentAlloc.load.avgOutTokens")
        checks.atMost(s.minReplicas, InputLimits.replicas, e, "minNumReplicas")
        if let m = s.maxReplicas { checks.atMost(m, InputLimits.replicas, e, "maxNumReplicas") }
        if let b = s.maxBatchSizeOverride { checks.atMost(b, InputLimits.batchSize, e, "maxBatchSize") }
        if let c = s.current {
            checks.atMost(c.replicas, InputLimits.replicas, e, "currentAlloc.numReplicas")
            checks.atMost(c.batchLimit, InputLimits.batchSize, e, "currentAlloc.maxBatch")
            checks.atMost(c.cost, InputLimits.cost, e, "currentAlloc.cost")
            checks.atMost(c.itlMilliseconds, InputLimits.milliseconds, e, "currentAlloc.itlAverage")
            checks.atMost(c.ttftMilliseconds, InputLimits.milliseconds, e, "currentAlloc.ttftAverage")
        }
    }
}

extension FieldChecks {
    /// Finite values above `upper` only: `atLeast` already reports non-finite ones.
    func atMost(_ v: Double, _ upper: Double, _ e: String, _ f: String) {
        if v.isFinite, v > upper { error(e, f, "is \(formatNumber(v)) (must be <= \(formatNumber(upper)))") }
    }

    func atMost(_ v: Int, _ upper: Int, _ e: String, _ f: String) {
        if v > upper { error(e, f, "is \(v) (must be <= \(upper))") }
    }
}
