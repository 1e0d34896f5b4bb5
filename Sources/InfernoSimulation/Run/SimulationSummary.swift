import Foundation
import InfernoControl
import InfernoMIP

/// The end-of-run figures: SLO attainment per class, cost, scale events.
package struct SimulationSummary: Sendable, Codable {
    package struct ClassAttainment: Sendable, Codable {
        package var serviceClass: String
        package var priority: Int
        /// Share of requests that met the class's SLOs (see ``SLOWindowCount``).
        package var attainment: Double
        package var requests: Double
    }
    package var cycles: Int
    package var simulatedSeconds: Double
    package var wallSeconds: Double
    package var attainment: [ClassAttainment]
    /// Mean of the per-cycle cost rate, per hour.
    package var meanCostPerHour: Double
    package var peakCostPerHour: Double
    /// Cost accrued over the run (cost rate × interval summed).
    package var totalCost: Double
    package var scaleUps: Int
    package var scaleDowns: Int
    /// Cycles in which a variant's metrics were unavailable and its replicas were held.
    package var heldForMissingMetrics: Int
    /// Largest share of a GPU type the controller committed in any cycle (≤ 1: capacity never exceeded).
    package var maxCapacityShare: Double
    /// Requests that arrived, and those the router dropped for want of a ready replica (once per model).
    package var arrivals: Int
    package var droppedAtRouter: Int
    /// Longest wait of a request for a replica of its model (scale from zero), seconds; `nil` when none waited.
    package var longestWaitForReplicaSeconds: Double?
    /// Scale events (up and down) per simulated hour: the oscillation measure.
    package var scaleEventsPerHour: Double
    /// Per variant, how the online profile estimate did against the servers' true profile (tuning on).
    package var tuning: [TuningSummary]

    package init(_ r: SimulationRunner.Result, intervalSeconds: Double) {
        cycles = r.reports.count
        simulatedSeconds = Double(cycles) * intervalSeconds
        wallSeconds = r.wallSeconds
        var byClass: [String: (met: Double, total: Double)] = [:]
        for s in r.samples { if let slo = s.slo { byClass[s.serviceClass, default: (0, 0)].met += slo.met; byClass[s.serviceClass]!.total += slo.total } }
        attainment = byClass.map { cls, v in
            ClassAttainment(serviceClass: cls, priority: r.scenario.serviceClasses.first { $0.name == cls }?.priority ?? 100,
                            attainment: v.total > 0 ? v.met / v.total : 1, requests: v.total)
        }.sorted { ($0.priority, $0.serviceClass) < ($1.priority, $1.serviceClass) }
        let costByCycle = Dictionary(grouping: r.samples, by: \.cycle).mapValues { $0.reduce(0) { $0 + $1.costPerHour } }
        meanCostPerHour = costByCycle.isEmpty ? 0 : costByCycle.values.reduce(0, +) / Double(costByCycle.count)
        peakCostPerHour = costByCycle.values.max() ?? 0
        totalCost = costByCycle.values.reduce(0) { $0 + $1 * intervalSeconds / 3600 }
        var ups = 0, downs = 0
        for report in r.reports {
            for o in report.outcomes.values {
                if case .scaled(let from, let to) = o { if to > from { ups += 1 } else { downs += 1 } }
            }
        }
        scaleUps = ups
        scaleDowns = downs
        heldForMissingMetrics = r.reports.reduce(0) { n, rep in
            n + rep.decisions.filter { if case .hold = $0.action, $0.load.load == nil { true } else { false } }.count
        }
        maxCapacityShare = r.usage.flatMap { $0 }.compactMap { u in
            u.cardsAvailable.flatMap { $0 > 0 ? Double(u.cardsUsed) / Double($0) : nil }
        }.max() ?? 0
        arrivals = r.traffic.reduce(0) { $0 + $1.arrivals }
        droppedAtRouter = r.traffic.reduce(0) { $0 + $1.unserved }
        longestWaitForReplicaSeconds = r.traffic.compactMap(\.longestWaitForReplica).max()
        scaleEventsPerHour = simulatedSeconds > 0 ? Double(ups + downs) / simulatedSeconds * 3600 : 0
        tuning = TuningSummary.of(r)
    }

    package func text() -> String {
        var out = "Summary: \(cycles) cycles, \(Int(simulatedSeconds / 60)) simulated minutes in \(String(format: "%.2f", wallSeconds)) s\n"
        out += "  SLO attainment (requests within TTFT and ITL targets; dropped and rejected ones miss):\n"
        for a in attainment {
            out += String(format: "    %-10@ p%-3d %6.2f%% of %.0f requests\n", a.serviceClass as NSString, a.priority, a.attainment * 100, a.requests)
        }
        out += String(format: "  cost: mean %.1f/h, peak %.1f/h, total %.1f over the run\n", meanCostPerHour, peakCostPerHour, totalCost)
        out += "  scale events: \(scaleUps) up, \(scaleDowns) down"
            + String(format: " (%.0f per hour)", scaleEventsPerHour) + "; holds for missing metrics: \(heldForMissingMetrics)\n"
        out += String(format: "  largest share of a GPU type committed: %.0f%%\n", maxCapacityShare * 100)
        out += "  requests: \(arrivals) arrived, \(droppedAtRouter) dropped at the router for want of a ready replica"
        out += longestWaitForReplicaSeconds.map { String(format: "; longest wait for a replica %.0f s\n", $0) } ?? "\n"
        return out + TuningSummary.text(tuning)
    }
}
