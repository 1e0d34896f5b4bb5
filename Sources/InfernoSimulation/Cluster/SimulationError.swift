import InfernoControl
import InfernoMIP

/// What was wrong with a request to the simulated cluster, or with a scenario.
package enum SimulationError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownDeployment(namespace: String, name: String)
    case duplicateDeployment(namespace: String, name: String)
    case unknownAccelerator(deployment: String, accelerator: String)
    case missingProfile(deployment: String, model: String, accelerator: String)
    case invalidReplicas(deployment: String, replicas: Int)
    case invalidScenario(String)

    package var description: String {
        switch self {
        case .unknownDeployment(let ns, let name): return "deployment \"\(ns)/\(name)\" does not exist"
        case .duplicateDeployment(let ns, let name): return "deployment \"\(ns)/\(name)\" already exists"
        case .unknownAccelerator(let d, let a): return "deployment \"\(d)\": accelerator \"\(a)\" is not defined"
        case .missingProfile(let d, let m, let a):
            return "deployment \"\(d)\": model \"\(m)\" has no profile for accelerator \"\(a)\""
        case .invalidReplicas(let d, let r): return "deployment \"\(d)\": replicas must be >= 0, got \(r)"
        case .invalidScenario(let why): return "scenario: \(why)"
        }
    }
}
