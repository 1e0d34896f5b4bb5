import Foundation
import Testing
import InfernoFormats
@testable import InfernoMIP

/// Issue 12's crash classes at the library's entrances: numbers that are not decimal, values past the named
/// limits, and the analyzer fed values no check stood in front of. Each case crashed or allocated gigabytes before.
@Suite struct InputBoundsTests {
    static let small = SystemJSONTests.repositoryRoot.appendingPathComponent("examples/small.json")

    /// The errors of examples/small.json with the value at `path` (keys and array indices) replaced.
    static func errors(setting path: [Any], to value: Any) throws -> [String] {
        var tree = try JSONSerialization.jsonObject(with: Data(contentsOf: small))
        set(&tree, path[...], value)
        return SystemJSONTests.errorsOf(parts: [try JSONSerialization.data(withJSONObject: tree)])
    }

    static func set(_ node: inout Any, _ path: ArraySlice<Any>, _ value: Any) {
        guard let head = path.first else { node = value; return }
        if let key = head as? String, var object = node as? [String: Any], var child = object[key] {
            set(&child, path.dropFirst(), value); object[key] = child; node = object
        } else if let index = head as? Int, var array = node as? [Any], array.indices.contains(index) {
            set(&array[index], path.dropFirst(), value); node = array
        } else {
            Issue.record("examples/small.json has no \(path)")
        }
    }

    static var server0: [Any] { ["system", "serverData", "servers", 0] }

    // MARK: - What is not a decimal number is not a number (JSON's grammar is the truth)

    @Test(arguments: ["0x10", "0X1p4", "inf", "-Infinity", "nan", "1_000", "", " ", "1e", "e5", ".", "+", "1.2.3", "12abc", "١٢"])
    func nonDecimalStringsAreNotNumbers(_ text: String) {
        #expect(DecimalNumber.parse(text) == nil)
    }

    @Test(arguments: [("40.00", 40.0), ("-1e3", -1000), ("+5", 5), (".5", 0.5), ("5.", 5), (" 7 ", 7), ("1E-2", 0.01)])
    func decimalStringsAreNumbers(_ text: String, _ value: Double) {
        #expect(DecimalNumber.parse(text) == value)
    }

    @Test func aNumberOutOfRangeIsNotANumber() {
        #expect(DecimalNumber.parse("1e400") == nil)
    }

    @Test func hexadecimalAcceleratorCountIsAnErrorNamingTheField() throws {
        let errors = try Self.errors(setting: ["system", "modelData", "models", 0, "accCount"], to: "0x10")
        #expect(errors.contains { $0.contains("granite-13b") && $0.contains("accCount") && $0.contains("\"0x10\"") }, "\(errors)")
    }

    // MARK: - Named limits where the value enters

    @Test func maxBatchSizeOfABillionIsRejectedNotAllocated() throws {
        let errors = try Self.errors(setting: ["system", "modelData", "models", 0, "maxBatchSize"], to: "1e9")
        #expect(errors.contains { $0.contains("maxBatchSize is 1000000000 (must be <= \(InputLimits.batchSize))") }, "\(errors)")
    }

    @Test func serverBatchOverrideAndReplicasAreBounded() throws {
        var errors = try Self.errors(setting: Self.server0 + ["minNumReplicas"], to: 1e7)
        #expect(errors.contains { $0.contains("minNumReplicas is 10000000 (must be <= \(InputLimits.replicas))") }, "\(errors)")
        errors = try Self.errors(setting: Self.server0 + ["maxBatchSize"], to: 1e6)
        #expect(errors.contains { $0.contains("maxBatchSize is 1000000 (must be <= \(InputLimits.batchSize))") }, "\(errors)")
        errors = try Self.errors(setting: Self.server0 + ["currentAlloc", "load", "arrivalRate"], to: 1e300)
        #expect(errors.contains { $0.contains("currentAlloc.load.arrivalRate is") && $0.contains("must be <=") }, "\(errors)")
    }

    @Test func latencyTargetsAndCostsAreBounded() throws {
        var errors = try Self.errors(setting: ["system", "serviceClassData", "serviceClasses", 0, "modelTargets", 0, "slo-itl"], to: 1e308)
        #expect(errors.contains { $0.contains("class \"Premium\"") && $0.contains("slo-itl") && $0.contains("must be <=") }, "\(errors)")
        errors = try Self.errors(setting: ["system", "acceleratorData", "accelerators", 0, "cost"], to: 1e200)
        #expect(errors.contains { $0.contains("accelerator \"A100\": cost is") }, "\(errors)")
    }

    // MARK: - Nothing allocated in proportion to an unchecked value

    /// `maxBatchSize * atTokens` overflowed Int (a trap); a short request shape scaled a legal batch size past
    /// anything the queue model should allocate.
    @Test func memoryBoundBatchLimitNeitherOverflowsNorExceedsTheLimit() {
        let huge = ModelProfile(model: "m", accelerator: "a", maxBatchSize: Int.max / 2, atTokens: 1 << 20,
                                decode: DecodeParameters(alpha: 10, beta: 1))
        #expect(huge.memoryBoundBatchLimit(outputTokens: 1) == InputLimits.batchSize)
        #expect(huge.memoryBoundBatchLimit(outputTokens: .nan) == InputLimits.batchSize)
        #expect(huge.memoryBoundBatchLimit(outputTokens: 1e300) == InputLimits.batchSize)
        // Below the limit, upstream's integer formula exactly: 64 * 512 / 200 = 163.
        let real = ModelProfile(model: "m", accelerator: "a", maxBatchSize: 64, atTokens: 512,
                                decode: DecodeParameters(alpha: 10, beta: 1))
        #expect(real.memoryBoundBatchLimit(outputTokens: 200) == 163)
    }

    // MARK: - The sizing failure's message (String(format:) with %@ trapped here)

    @Test func ttftInfeasibleAtTheLowestLoadIsAMessageNotATrap() {
        // A TTFT target below the prefill of a lone request: infeasible at any rate.
        let times = ServiceTimes(decode: DecodeParameters(alpha: 10, beta: 0.1), prefill: PrefillParameters(gamma: 50, delta: 0.01),
                                 inputTokens: 1_000, outputTokens: 100)
        let sizer = ReplicaSizer(target: SLOTarget(itlMilliseconds: 1e308, ttftMilliseconds: 1), percentile: .seed)
        guard case .failure(let f) = sizer.size(QueueModel(times: times, batchLimit: 32)) else {
            Issue.record("a 1 ms TTFT target should be infeasible"); return
        }
        #expect(f.description.hasPrefix("TTFT "), "\(f)")
        #expect(f.description.contains("(p95) exceeds the 1.00 ms target even at the lowest load (batch limit 32)"), "\(f)")
    }

    @Test func itlInfeasibleAtTheLowestLoadIsAMessageNotATrap() {
        let times = ServiceTimes(decode: DecodeParameters(alpha: 10, beta: 0.1), prefill: .zero, inputTokens: 0, outputTokens: 100)
        let sizer = ReplicaSizer(target: SLOTarget(itlMilliseconds: 1, ttftMilliseconds: 1e308), percentile: .mean)
        guard case .failure(let f) = sizer.size(QueueModel(times: times, batchLimit: 16)) else {
            Issue.record("a 1 ms ITL target below alpha = 10 ms should be infeasible"); return
        }
        #expect(f.description.hasPrefix("ITL 10.") && f.description.contains("exceeds the 1.00 ms target"), "\(f)")
    }
}
