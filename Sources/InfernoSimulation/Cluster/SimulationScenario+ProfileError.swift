import InfernoMIP

extension SimulationScenario {
    /// The scenario with every emulated server `factor` times slower than its profile says (`simulate
    /// --profile-error`): each variant's true profiles (its configured ones where the scenario gives none) get
    /// their time coefficients multiplied by `factor`; the controller still reads the configured ones. 1 is the
    /// scenario as written.
    package func withProfileError(_ factor: Double) -> SimulationScenario {
        guard factor != 1 else { return self }
        var s = self
        for i in s.variants.indices {
            let v = s.variants[i]
            s.variants[i].trueProfiles = v.profiles.map { configured in
                (v.trueProfiles?.first { $0.accelerator == configured.accelerator } ?? configured).scaled(by: factor)
            }
        }
        return s
    }
}

extension SimulationScenario {
    /// The scenario with the controller told each variant's true profiles (`simulate --oracle-profile`): the best
    /// an online estimate could learn, to measure a tuner against.
    package func revealingTrueProfiles() -> SimulationScenario {
        var s = self
        for i in s.variants.indices {
            guard let truths = s.variants[i].trueProfiles else { continue }
            s.variants[i].profiles = s.variants[i].profiles.map { p in truths.first { $0.accelerator == p.accelerator } ?? p }
            s.variants[i].trueProfiles = nil
        }
        return s
    }
}

extension SimulatedVariant {
    /// `trueProfiles`: one per accelerator, each an accelerator the variant has a configured profile for, with
    /// positive, finite time coefficients.
    func validateTrueProfiles() throws {
        guard let truths = trueProfiles else { return }
        var seen = Set<String>()
        for p in truths {
            let what = "variant \"\(namespace)/\(name)\": trueProfiles: accelerator \"\(p.accelerator)\""
            guard seen.insert(p.accelerator).inserted else {
                throw SimulationError.invalidScenario("\(what) is given twice")
            }
            guard profiles.contains(where: { $0.accelerator == p.accelerator }) else {
                throw SimulationError.invalidScenario("\(what) has no configured profile in \"profiles\"")
            }
            if let bad = p.performance.coefficients.first(where: { !$0.isFinite || $0 < 0 }) {
                throw SimulationError.invalidScenario("\(what) has a time coefficient \(bad); each must be finite and not negative")
            }
        }
    }
}
