import Foundation
import Testing
@testable import InfernoController
import InfernoControl
import InfernoKubernetes
import InfernoPrometheus
import InfernoSimulation
import InfernoTestSupport

/// The seeded fuzzer (`inferno-controller fuzz`), a few hundred inputs per target in `make test`: no crash, no
/// hang. And the fuzzer itself can fail: a worker that aborts or hangs at a given input is reported as exactly that.
@Suite(.serialized) struct FuzzTests {
    static var binary: URL { RunCommandEndToEndTests.binary }

    static func run(_ target: FuzzTarget, inputs: Int, seed: UInt64 = 12, worker: [String] = [],
                    secondsPerInput: Double = 20) -> FuzzRunner.Report {
        FuzzRunner(executable: binary, target: target, seed: seed, inputs: inputs, secondsPerInput: secondsPerInput,
                   workerArguments: worker).run()
    }

    @Test(arguments: FuzzTarget.allCases)
    func noCrashesNoHangs(_ target: FuzzTarget) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the product first")
        let r = Self.run(target, inputs: 300)
        #expect(r.crashes.isEmpty, "\(target): \(r.crashes)")
        #expect(r.hangs.isEmpty, "\(target): \(r.hangs)")
        #expect(r.accepted + r.rejected == 300 - r.crashes.count - r.hangs.count)
        // The mutations are not all fatal: some inputs still pass, some are rejected.
        #expect(r.rejected > 0, "\(target): nothing rejected")
    }

    @Test func aCrashingInputIsCountedAndTheRunGoesOn() {
        let r = Self.run(.prometheus, inputs: 20, worker: ["--abort-at", "7"])
        #expect(r.crashes == [FuzzRunner.Finding(index: 7, what: "signal 6 (SIGABRT)")])
        #expect(r.hangs.isEmpty)
        #expect(r.accepted + r.rejected == 19)
    }

    @Test func aHangingInputIsKilledAndTheRunGoesOn() {
        let r = Self.run(.prometheus, inputs: 10, worker: ["--hang-at", "3"], secondsPerInput: 3)
        #expect(r.hangs.map(\.index) == [3])
        #expect(r.crashes.isEmpty)
        #expect(r.accepted + r.rejected == 9)
    }

    @Test func theSameSeedGivesTheSameInputs() {
        let m = FuzzMutator(base: FuzzTarget.system.base)
        #expect(m.input(seed: 5, index: 17) == m.input(seed: 5, index: 17))
        #expect(m.input(seed: 5, index: 17) != m.input(seed: 6, index: 17))
    }
}
