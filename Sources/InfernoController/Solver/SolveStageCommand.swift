import ArgumentParser
import Foundation
import InfernoMIP

/// `inferno-controller solve-stage` (hidden): one CBC solve, the MIP on stdin and the answer on stdout, both
/// as ``MIPWire`` JSON. The controller runs its CBC solves this way (``IsolatedCbcSolver``).
struct SolveStageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "solve-stage", shouldDisplay: false)

    @Option(name: .customLong("memory-limit-mb"), help: "Address-space limit of this process.")
    var memoryLimitMegabytes: Int?

    /// Tests only: behave as a faulty CBC would.
    enum Fault: String, ExpressibleByArgument { case abort, hang, garbage }
    @Option var fault: Fault?

    func run() throws {
        if let memoryLimitMegabytes { limitAddressSpace(megabytes: memoryLimitMegabytes) }
        let input = FileHandle.standardInput.readDataToEndOfFile()
        switch fault {
        case .abort: abort()
        case .hang: while true { sleep(60) }
        case .garbage: FileHandle.standardOutput.write(Data("{\"status\": 7}".utf8)); return
        case nil: break
        }
        let request = try MIPWire.decoder().decode(MIPWire.Request.self, from: input)
        let (problem, settings) = MIPWire.problem(request)
        let result = CbcSolver().solve(problem, settings: settings)
        FileHandle.standardOutput.write(try MIPWire.encoder().encode(MIPWire.response(result)))
    }
}
