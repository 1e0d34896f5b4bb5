import ArgumentParser
import Foundation
import InfernoMIP

/// `inferno-controller analyze`: llm-inferno queue-analysis's `/solve` and `/target` as a command.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyze one replica's queue, or size it for TTFT/ITL targets, in queue-analysis's JSON format.",
        discussion: """
            The input is a JSON object or an array of them with the keys RPS, maxBatchSize, maxNumTokens, \
            avgInputTokens, avgOutputTokens, alpha, beta, gamma, maxQueueSize, targetTTFT, targetITL (any case; a \
            target of 0 means none). Without targets the queue is evaluated at RPS; with one it is sized for the \
            largest rate meeting the targets. The seed model is given as decodeParms {alpha, beta} and \
            prefillParms {gamma, delta} instead of alpha, beta, gamma. See docs/model.md.
            """)

    @Option(help: "Problems JSON file, or - for standard input.")
    var problems: String

    @Option(help: "Output format: json (queue-analysis's fields, one object per problem) or table.")
    var format: Format = .json

    enum Format: String, ExpressibleByArgument { case json, table }

    func run() throws {
        let data: Data
        if problems == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: problems) else {
                throw ValidationError("--problems: cannot read '\(problems)'")
            }
            data = d
        }
        let parsed: [QueueAnalysisProblem]
        do { parsed = try QueueAnalysisProblem.parse(data) } catch { throw ValidationError(error.description) }
        let results = parsed.map { $0.analyze() }
        switch format {
        case .json: print(Self.json(results))
        case .table: print(Self.table(parsed, results), terminator: "")
        }
        let failed = results.enumerated().compactMap { i, r -> String? in
            if case .failure(let f) = r { return "problem[\(i)]: \(f.description)" } else { return nil }
        }
        if !failed.isEmpty {
            FileHandle.standardError.write(Data((failed.joined(separator: "\n") + "\n").utf8))
            throw ExitCode(1)
        }
    }

    /// An array, one object per problem; a problem that cannot be sized is `{"error": "..."}`.
    static func json(_ results: [Result<QueueAnalysis, SizingFailure>]) -> String {
        let objects = results.map { r -> String in
            switch r {
            case .success(let a):
                return "  {" + a.fields.map { "\"\($0.0)\": \(number($0.1))" }.joined(separator: ", ") + "}"
            case .failure(let f):
                let text = String(data: (try? JSONEncoder().encode(f.description)) ?? Data(), encoding: .utf8) ?? "\"\""
                return "  {\"error\": \(text)}"
            }
        }
        return "[\n" + objects.joined(separator: ",\n") + "\n]"
    }

    private static func number(_ v: Double) -> String {
        v.isFinite ? String(format: "%.6g", v) : "null"
    }

    static func table(_ problems: [QueueAnalysisProblem], _ results: [Result<QueueAnalysis, SizingFailure>]) -> String {
        let columns = ["rate/s", "thru/s", "resp ms", "wait ms", "in serv", "TTFT ms", "ITL ms", "maxRPS", "bound"]
        let widths = [9, 9, 10, 9, 9, 9, 8, 9, 9]
        var out = "#".padding(toLength: 4, withPad: " ", startingAt: 0) + " " + "kind".padding(toLength: 13, withPad: " ", startingAt: 0)
        for (c, w) in zip(columns, widths) { out += " " + String(repeating: " ", count: max(0, w - c.count)) + c }
        out += "\n"
        for (i, (p, r)) in zip(problems, results).enumerated() {
            let kind = p.performance.kind.rawValue
            switch r {
            case .failure(let f):
                out += String(format: "%-4d ", i) + kind.padding(toLength: 13, withPad: " ", startingAt: 0) + " " + f.description + "\n"
            case .success(let a):
                let m = a.metrics
                let bound = !p.isSizing ? "-" : a.rateForTargetTTFT <= a.rateForTargetITL ? "TTFT" : "ITL"
                out += String(format: "%-4d ", i) + kind.padding(toLength: 13, withPad: " ", startingAt: 0)
                    + String(format: " %9.4f %9.4f %10.1f %9.2f %9.3f %9.2f %8.3f %9.4f ",
                              p.isSizing ? min(a.rateForTargetTTFT, a.rateForTargetITL) : p.ratePerSecond,
                              m.throughputPerSecond, m.responseTimeMilliseconds, m.waitMilliseconds, m.meanInService,
                              m.ttftMilliseconds, m.itlMilliseconds, a.maxRatePerSecond)
                    + String(repeating: " ", count: max(0, 9 - bound.count)) + bound + "\n"
            }
        }
        return out
    }
}
