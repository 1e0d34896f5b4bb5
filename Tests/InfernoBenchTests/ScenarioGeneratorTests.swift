import Foundation
import Testing
@testable import InfernoBenchKit
import InfernoMIP

@Suite struct ScenarioGeneratorTests {
    @Test func sameSeedSameScenario() {
        let spec = ScenarioSpec(servers: 60, accelerators: 9, priorities: 3, tightness: 1.0, seed: 7)
        let a = ScenarioGenerator(spec: spec).generate()
        let b = ScenarioGenerator(spec: spec, parallelism: 2).generate()
        #expect(a.system == b.system)
        var other = spec
        other.seed = 8
        #expect(ScenarioGenerator(spec: other).generate().system != a.system)
    }
}
