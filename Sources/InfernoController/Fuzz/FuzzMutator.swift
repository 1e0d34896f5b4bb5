import Foundation

/// Seeded mutations of a valid document: the values a careless or hostile writer would put in a field
/// (huge, negative, hexadecimal, non-finite, of the wrong kind), keys removed, elements duplicated, deep
/// nesting, and a few byte-level cuts and flips. Input `i` of seed `s` is always the same document.
struct FuzzMutator {
    let base: Data

    /// Values that have broken parsers before (issue 12) or sit on a limit.
    static var interesting: [Any] { [
        0, -1, 1, 4.5, -0.0, 16_384, 16_385, 65_536, 1e9, 1e15, 9.3e18, 1e308, -1e308, 2.2e-308,
        "0x10", "0x1p10", "1e9", "1e400", "-1", "inf", "-Infinity", "NaN", "nan", "", " 7 ", "4.5", "1_000",
        "round-robin", String(repeating: "x", count: 5_000), NSNull(), true, false, [Any](), [String: Any](),
        [1, 2, 3], ["a": 1],
    ] }

    func input(seed: UInt64, index: Int) -> Data {
        var rng = FuzzRandom(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        guard var tree = try? JSONSerialization.jsonObject(with: base, options: [.fragmentsAllowed]) else { return base }
        let mutations = 1 + rng.below(4)
        for _ in 0..<mutations { tree = mutate(tree, &rng, depth: 0) }
        var data = (try? JSONSerialization.data(withJSONObject: tree, options: [.fragmentsAllowed])) ?? base
        if rng.below(50) == 0 {
            // Deep nesting, written as text: the decoders' recursion, not the serialiser's, is under test.
            let depth = 500 + rng.below(5_000)
            data = Data(repeating: UInt8(ascii: "["), count: depth) + data + Data(repeating: UInt8(ascii: "]"), count: depth)
        }
        if rng.below(10) == 0, !data.isEmpty {
            switch rng.below(3) {
            case 0: data = data.prefix(rng.below(data.count))
            case 1: data[rng.below(data.count)] = UInt8(truncatingIfNeeded: rng.next())
            default: data.insert(UInt8(truncatingIfNeeded: rng.next()), at: rng.below(data.count))
            }
        }
        return data
    }

    /// One mutation somewhere in `node`: walk down a random path, then change what is there.
    private func mutate(_ node: Any, _ rng: inout FuzzRandom, depth: Int) -> Any {
        let descend = rng.below(4) != 0
        if var object = node as? [String: Any], !object.isEmpty {
            let keys = object.keys.sorted()
            let key = keys[rng.below(keys.count)]
            if descend, depth < 12 { object[key] = mutate(object[key]!, &rng, depth: depth + 1); return object }
            switch rng.below(4) {
            case 0: object.removeValue(forKey: key)
            case 1: object[key.uppercased()] = object[key]
            default: object[key] = replacement(for: object[key]!, &rng)
            }
            return object
        }
        if var array = node as? [Any], !array.isEmpty {
            let i = rng.below(array.count)
            if descend, depth < 12 { array[i] = mutate(array[i], &rng, depth: depth + 1); return array }
            switch rng.below(4) {
            case 0: array.remove(at: i)
            case 1: array.append(contentsOf: Array(repeating: array[i], count: 1 + rng.below(20)))
            default: array[i] = replacement(for: array[i], &rng)
            }
            return array
        }
        return replacement(for: node, &rng)
    }

    private func replacement(for value: Any, _ rng: inout FuzzRandom) -> Any {
        if rng.below(4) == 0, let n = value as? NSNumber, !(value is Bool) {
            // The same number written as a string, scaled, or negated.
            switch rng.below(3) {
            case 0: return "\(n)"
            case 1: return n.doubleValue * pow(10, Double(rng.below(12)))
            default: return -n.doubleValue
            }
        }
        return Self.interesting[rng.below(Self.interesting.count)]
    }
}

/// SplitMix64, so a seed names the same inputs on every machine.
struct FuzzRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
}
