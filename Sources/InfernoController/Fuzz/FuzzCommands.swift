import ArgumentParser
import Foundation

/// `inferno-controller fuzz`: the project's seeded fuzzer over every entrance of untrusted input.
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Feed seeded mutations of valid inputs to a decoder and count crashes and hangs.",
        discussion: """
            Each input runs in a worker process under an address-space limit and a time limit. A rejected \
            input (an error message) is a clean outcome; a crash, an abort or a hang is a finding. Exits \
            with status 1 when there is any finding. See docs/robustness.md.
            """)

    @Option(help: "What to fuzz: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")).")
    var target: FuzzTarget
    @Option(help: "Number of inputs.")
    var inputs = 1_000
    @Option(help: "Seed; the same seed gives the same inputs.")
    var seed: UInt64 = 1
    @Option(name: .customLong("memory-limit-mb"), help: "Address-space limit of a worker, MiB.")
    var memoryLimitMegabytes = 2048
    @Option(name: .customLong("seconds-per-input"), help: "Time limit of one input, seconds.")
    var secondsPerInput = 10.0

    func validate() throws {
        guard inputs >= 1 else { throw ValidationError("--inputs: \(inputs) must be at least 1") }
        guard memoryLimitMegabytes >= 256 else { throw ValidationError("--memory-limit-mb: \(memoryLimitMegabytes) must be at least 256") }
        guard secondsPerInput > 0 else { throw ValidationError("--seconds-per-input: \(secondsPerInput) must be positive") }
    }

    func run() throws {
        let binary = WatchedChild.controllerBinary() ?? URL(fileURLWithPath: "/proc/self/exe")
        let report = FuzzRunner(executable: binary, target: target, seed: seed, inputs: inputs,
                                memoryLimitMegabytes: memoryLimitMegabytes, secondsPerInput: secondsPerInput).run()
        print("target \(target.rawValue) seed \(seed): \(report.inputs) inputs, \(report.accepted) accepted, "
              + "\(report.rejected) rejected, \(report.crashes.count) crashes, \(report.hangs.count) hangs, "
              + String(format: "%.1f s", report.seconds))
        for f in report.crashes { print("crash: input \(f.index): \(f.what)") }
        for f in report.hangs { print("hang: input \(f.index): \(f.what)") }
        if !report.crashes.isEmpty || !report.hangs.isEmpty { throw ExitCode(1) }
    }
}

/// `inferno-controller fuzz-worker` (hidden): runs inputs `from..<to` of a target in this process, announcing each.
struct FuzzWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fuzz-worker", shouldDisplay: false)

    @Option var target: FuzzTarget
    @Option var seed: UInt64
    @Option var from: Int
    @Option var to: Int
    @Option(name: .customLong("memory-limit-mb")) var memoryLimitMegabytes = 2048
    /// Writes one input to stdout instead of running it (to reproduce a finding).
    @Flag(name: .customLong("print")) var printInput = false
    /// Tests only: abort at this input, or hang at it, so the parent's classification can be checked.
    @Option(name: .customLong("abort-at")) var abortAt: Int?
    @Option(name: .customLong("hang-at")) var hangAt: Int?

    func run() throws {
        let mutator = FuzzMutator(base: target.base)
        if printInput {
            FileHandle.standardOutput.write(mutator.input(seed: seed, index: from))
            return
        }
        limitAddressSpace(megabytes: memoryLimitMegabytes)
        for i in from..<max(from, to) {
            let input = mutator.input(seed: seed, index: i)
            Self.say("start \(i)")
            if i == abortAt { abort() }
            if i == hangAt { while true { sleep(60) } }
            let accepted = target.exercise(input)
            Self.say("done \(i) \(accepted ? "accepted" : "rejected")")
        }
    }

    /// Unbuffered, so the parent knows which input was running when this process died.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

extension FuzzTarget: ExpressibleByArgument {}
