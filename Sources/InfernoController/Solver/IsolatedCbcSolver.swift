import Foundation
import InfernoMIP

/// A MIP stage solved by CBC in a child process (`inferno-controller solve-stage`), so that CBC's own
/// assertions (`OsiClpSolverInterface::crunch: Assertion ... failed`), crashes and runaways end the child,
/// never the controller. A dead or silent child becomes ``MIPStatus/error(_:)``: the MIP driver then keeps the
/// previous stage's answer, or at the first stage uses the greedy answer and reports the fallback with this
/// reason (decision notes, status, `inferno_mip_fallback_total`, logs). Every solve starts a fresh child, so
/// the next cycle tries CBC again. Overhead per solve: docs/robustness.md.
struct IsolatedCbcSolver: Sendable {
    var child: WatchedChild
    /// The child gets the stage's time limit plus this much before the watchdog kills it.
    var graceSeconds: Double = 10
    /// The child's address-space limit.
    var memoryLimitMegabytes = 4096

    init(executable: URL, extraArguments: [String] = []) {
        child = WatchedChild(executable: executable, arguments: ["solve-stage"] + extraArguments)
    }

    func solve(_ problem: MIPProblem, settings: CbcSettings) -> MIPResult {
        let started = Date()
        guard let input = try? MIPWire.encoder().encode(MIPWire.request(problem, settings)) else {
            return MIPResult(status: .error("the MIP could not be encoded for the CBC child"))
        }
        var child = self.child
        child.arguments += ["--memory-limit-mb", "\(memoryLimitMegabytes)"]
        let timeout = (settings.timeLimitSeconds ?? 3600) + graceSeconds
        let (exit, output) = child.run(input: input, timeout: timeout)
        let seconds = Date().timeIntervalSince(started)
        if exit == .exited(0), let answer = try? MIPWire.decoder().decode(MIPWire.Response.self, from: output) {
            return MIPWire.result(answer)
        }
        let what = exit == .exited(0) ? "answered something that is not a solution" : exit.description
        return MIPResult(status: .error("CBC child process \(what)"), seconds: seconds)
    }

    /// The stage solver for `MIPSolver`: CBC in a child when this process is `inferno-controller`, in-process
    /// otherwise (a test runner cannot re-execute itself as the controller).
    static func stageSolver() -> @Sendable (MIPProblem, CbcSettings) -> MIPResult {
        guard let binary = WatchedChild.controllerBinary() else { return { CbcSolver().solve($0, settings: $1) } }
        let solver = IsolatedCbcSolver(executable: binary)
        return { solver.solve($0, settings: $1) }
    }
}
