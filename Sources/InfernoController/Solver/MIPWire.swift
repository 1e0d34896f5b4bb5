import Foundation
import InfernoMIP

/// ``MIPProblem``, ``CbcSettings`` and ``MIPResult`` as JSON, for the CBC solve in a child process
/// (``IsolatedCbcSolver``). Infinite bounds travel as the strings `"inf"` and `"-inf"`.
enum MIPWire {
    struct Request: Codable {
        var maximize: Bool
        var variables: [Variable]
        var rows: [Row]
        var start: [Int: Double]?
        var timeLimitSeconds: Double?
        var relativeGap: Double?
        var logLevel: Int
        var parameters: [String: String]
    }

    struct Variable: Codable {
        var name: String
        /// `c`, `i` or `b`.
        var kind: String
        var lower: Double, upper: Double, objective: Double
    }

    struct Row: Codable {
        var name: String
        var columns: [Int]
        var coefficients: [Double]
        var lower: Double, upper: Double
    }

    struct Response: Codable {
        /// `optimal`, `feasible`, `infeasible`, `noSolutionWithinLimit`, `unbounded` or `error`.
        var status: String
        var message: String?
        var objective: Double?, bestBound: Double?, relativeGap: Double?
        var values: [Double]?
        var seconds: Double
    }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    static func request(_ p: MIPProblem, _ s: CbcSettings) -> Request {
        Request(maximize: p.sense == .maximize,
                variables: p.variables.map {
                    Variable(name: $0.name, kind: $0.kind == .continuous ? "c" : $0.kind == .integer ? "i" : "b",
                             lower: $0.lower, upper: $0.upper, objective: $0.objective)
                },
                rows: p.rows.map { Row(name: $0.name, columns: $0.columns, coefficients: $0.coefficients, lower: $0.lower, upper: $0.upper) },
                start: p.start, timeLimitSeconds: s.timeLimitSeconds, relativeGap: s.relativeGap, logLevel: s.logLevel,
                parameters: s.parameters)
    }

    static func problem(_ r: Request) -> (MIPProblem, CbcSettings) {
        let variables = r.variables.map {
            MIPVariable(name: $0.name, kind: $0.kind == "i" ? .integer : $0.kind == "b" ? .binary : .continuous,
                        lower: $0.lower, upper: $0.upper, objective: $0.objective)
        }
        let rows = r.rows.map { LinearRow(name: $0.name, columns: $0.columns, coefficients: $0.coefficients, lower: $0.lower, upper: $0.upper) }
        return (MIPProblem(sense: r.maximize ? .maximize : .minimize, variables: variables, rows: rows, start: r.start),
                CbcSettings(timeLimitSeconds: r.timeLimitSeconds, relativeGap: r.relativeGap, logLevel: r.logLevel,
                            parameters: r.parameters))
    }

    static func response(_ r: MIPResult) -> Response {
        var message: String?
        let status: String
        switch r.status {
        case .optimal: status = "optimal"
        case .feasible: status = "feasible"
        case .infeasible: status = "infeasible"
        case .noSolutionWithinLimit: status = "noSolutionWithinLimit"
        case .unbounded: status = "unbounded"
        case .error(let m): status = "error"; message = m
        }
        return Response(status: status, message: message, objective: r.objective, bestBound: r.bestBound,
                        relativeGap: r.relativeGap, values: r.values, seconds: r.seconds)
    }

    static func result(_ r: Response) -> MIPResult {
        let status: MIPStatus = switch r.status {
        case "optimal": .optimal
        case "feasible": .feasible
        case "infeasible": .infeasible
        case "noSolutionWithinLimit": .noSolutionWithinLimit
        case "unbounded": .unbounded
        case "error": .error(r.message ?? "CBC child reported an error")
        default: .error("CBC child answered an unknown status \"\(r.status)\"")
        }
        return MIPResult(status: status, objective: r.objective, bestBound: r.bestBound, relativeGap: r.relativeGap,
                         values: r.values, seconds: r.seconds)
    }
}
