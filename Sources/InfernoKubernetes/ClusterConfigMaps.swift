import Foundation
import InfernoControl
import InfernoFormats
import InfernoMIP

/// The controller's ConfigMaps (docs/formats.md §3), parsed. Bad entries are skipped with a problem each, so one typo
/// does not hide every other accelerator or class.
package enum ClusterConfigMaps {
    package static let costsName = "accelerator-unit-costs"
    package static let serviceClassesName = "service-classes-config"

    /// `accelerator-unit-costs`: key = accelerator name, value = JSON `{"device": "<GPU product>", "cost": "40.00"}`
    /// (optionally `multiplicity`, cards per accelerator, and `memSize`, GB). Sorted by name.
    package static func accelerators(from data: [String: String]) -> (accelerators: [Accelerator], problems: [String]) {
        var out: [Accelerator] = []
        var problems: [String] = []
        for key in data.keys.sorted() {
            let at = "\(costsName)[\(key)]"
            guard let json = try? JSONValue(parsing: Array(data[key]!.utf8)), json.object != nil else {
                problems.append("\(at): not a JSON object")
                continue
            }
            guard let device = json["device"]?.string, !device.isEmpty else {
                problems.append("\(at).device: missing")
                continue
            }
            guard let cost = number(json["cost"]), cost >= 0 else {
                problems.append("\(at).cost: expected a non-negative number, found \(json["cost"]?.kindDescription ?? "nothing")")
                continue
            }
            let multiplicityValue = number(json["multiplicity"]) ?? 1
            // Checked before `Int(_:)`, which traps on a value out of Int's range.
            guard multiplicityValue == multiplicityValue.rounded(), multiplicityValue >= 1,
                  multiplicityValue <= Double(InputLimits.cardsPerReplica) else {
                problems.append("\(at).multiplicity: expected a whole number in [1, \(InputLimits.cardsPerReplica)], found \(json["multiplicity"]?.kindDescription ?? "nothing")")
                continue
            }
            let multiplicity = Int(multiplicityValue)
            guard cost <= InputLimits.cost else {
                problems.append("\(at).cost: \(cost) is above the limit \(formatNumber(InputLimits.cost))")
                continue
            }
            out.append(Accelerator(name: key, type: device, multiplicity: multiplicity,
                                   memoryGB: number(json["memSize"]) ?? 0, costPerHour: cost))
        }
        return (out, problems)
    }

    /// `service-classes-config`: any keys, each value YAML `{name, priority, data: [{model, slo-tpot, slo-ttft}]}`
    /// (`slo-tpot` is the ITL target, ms; 0 or absent means no target). Classes of the same name are merged.
    /// Sorted by priority, then name.
    package static func serviceClasses(from data: [String: String]) -> (classes: [ServiceClass], problems: [String]) {
        var byName: [String: ServiceClass] = [:]
        var problems: [String] = []
        for key in data.keys.sorted() {
            let at = "\(serviceClassesName)[\(key)]"
            let doc: JSONValue
            do { doc = try JSONValue(yaml: data[key]!) } catch {
                problems.append("\(at): \(error)")
                continue
            }
            guard let name = doc["name"]?.string, !name.isEmpty else {
                problems.append("\(at).name: missing")
                continue
            }
            let priority: Int
            if let p = doc["priority"], !p.isNull {
                guard let n = number(p), n == n.rounded(), n >= 1, n <= 1_000_000 else {
                    problems.append("\(at).priority: expected a whole number in [1, 1000000], found \(p.kindDescription)")
                    continue
                }
                priority = Int(n)
            } else {
                priority = ServiceClass.defaultPriority
            }
            var cls = byName[name] ?? ServiceClass(name: name, priority: priority, targets: [:])
            if cls.priority != priority {
                problems.append("\(at): class \"\(name)\" has priorities \(cls.priority) and \(priority); keeping \(min(cls.priority, priority))")
                cls.priority = min(cls.priority, priority)
            }
            for (i, entry) in (doc["data"]?.array ?? []).enumerated() {
                guard let model = entry["model"]?.string, !model.isEmpty else {
                    problems.append("\(at).data[\(i)].model: missing")
                    continue
                }
                func target(_ k: String) -> Double? { number(entry[k]).flatMap { $0 > 0 ? $0 : nil } }
                cls.targets[model] = SLOTarget(itlMilliseconds: target("slo-tpot") ?? target("slo-itl"),
                                               ttftMilliseconds: target("slo-ttft"), tokensPerSecond: target("slo-tps"))
            }
            byName[name] = cls
        }
        let classes = byName.values.sorted { ($0.priority, $0.name) < ($1.priority, $1.name) }
        return (classes, problems)
    }

    /// A number written as a number or a numeric string.
    package static func number(_ v: JSONValue?) -> Double? {
        switch v {
        case .number(let d): d
        case .string(let s): DecimalNumber.parse(s)
        default: nil
        }
    }
}
