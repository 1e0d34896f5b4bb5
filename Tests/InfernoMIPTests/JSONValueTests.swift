import Foundation
import InfernoFormats
import Testing

/// The one JSON tree: parsing against JSONSerialization, the writer's number rule, the lenient accessors.
@Suite struct JSONValueTests {
    @Test func parsesWhatJSONSerializationParsesKeepingBoolsApart() throws {
        let text = #"{"a": [1, 2.5, "x", null, true, false], "b": {"c": -3e2}, "d": 1}"#
        let tree = try JSONValue(parsing: Array(text.utf8))
        #expect(tree["a"] == [1, 2.5, "x", nil, true, false])
        #expect(tree[path: "b.c"] == .number(-300))
        // JSONSerialization reads `true` and `1` alike (NSNumber); the tree does not.
        #expect(tree["a"]?.array?[4] == .bool(true) && tree["d"] == .number(1))
        let reference = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary)
        let back = try #require(try JSONSerialization.jsonObject(with: Data(tree.serialized())) as? NSDictionary)
        #expect(back == reference)
    }

    /// The writer's text is JSONSerialization's (the solution output was written by it, byte for byte): key order,
    /// indentation, empty containers, escapes, numbers.
    @Test(arguments: [false, true])
    func writesWhatJSONSerializationWrites(pretty: Bool) throws {
        let keys = ["granite-3.1-8b", "granite-20b", "B", "a", "a10", "a9", "_x", "Z", "slo-itl", "sloItl", "é"]
        var object: [String: JSONValue] = [:]
        var reference: [String: Any] = [:]
        for (i, key) in keys.enumerated() {
            object[key] = .number(Double(i) / 4)
            reference[key] = Double(i) / 4
        }
        let controls = String(String.UnicodeScalarView((0..<0x21).compactMap(Unicode.Scalar.init))) + "\"\\/é\u{7f}"
        object["s"] = .string(controls)
        reference["s"] = controls
        object["empty"] = ["a": [], "o": [:]]
        reference["empty"] = ["a": [Any](), "o": [String: Any]()] as [String: Any]
        object["n"] = [1e20, 2.5e-5, 0.0036722570000000004, 123456789, -7, true, false, nil]
        reference["n"] = [1e20, 2.5e-5, 0.0036722570000000004, 123456789, -7, true, false, NSNull()] as [Any]
        let options: JSONSerialization.WritingOptions = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
                                                               : [.sortedKeys, .withoutEscapingSlashes]
        let expected = try JSONSerialization.data(withJSONObject: reference, options: options)
        #expect(String(decoding: JSONValue.object(object).serialized(pretty: pretty), as: UTF8.self)
                == String(decoding: expected, as: UTF8.self))
    }

    @Test func syntaxErrorsSayWhere() {
        do {
            _ = try JSONValue(parsing: Array(#"{"a": }"#.utf8))
            Issue.record("parsed")
        } catch {
            #expect(error.description.hasPrefix("not valid JSON: ") && error.detail.contains("character"), "\(error)")
        }
    }

    @Test func writerKeepsCountsIntegralAndRefusesNoNumber() {
        let tree: JSONValue = ["n": 3, "x": 0.25, "big": .number(1e20), "inf": .number(.infinity), "s": "a/b"]
        #expect(tree.text == #"{"big":1e+20,"inf":"inf","n":3,"s":"a/b","x":0.25}"#)
    }

    @Test(arguments: [(1.0, "1"), (10_000_000, "10000000"), (0.25, "0.25"), (-2, "-2"),
                      (1e15, "1000000000000000.0"), (1e16, "1e+16"),
                      (.infinity, "inf"), (.nan, "nan")] as [(Double, String)])
    func numbersAreFormattedOneWay(value: Double, text: String) {
        #expect(formatNumber(value) == text)
    }

    @Test func wholeNumbers() {
        #expect(JSONValue.wholeNumber(4.0) == 4 && JSONValue.wholeNumber(-7) == -7)
        #expect(JSONValue.wholeNumber(4.5) == nil && JSONValue.wholeNumber(1e16) == nil && JSONValue.wholeNumber(.nan) == nil)
        #expect(JSONValue.number(3).int == 3 && JSONValue.string("3").int == nil)
    }

    @Test func lenientAccessors() {
        #expect(JSONValue.string(" 40.00 ").decimal == 40 && JSONValue.number(2).decimal == 2)
        #expect(JSONValue.string("0x10").decimal == nil && JSONValue.string("inf").decimal == nil && JSONValue.bool(true).decimal == nil)
        let o: JSONValue = ["AvgInTokens": 5, "avgintokens": 6, "Other": 1]
        #expect(o.member("AvgInTokens") == 5)                 // exact match wins
        #expect(o.member("AVGINTOKENS") == 5)                 // else the smallest key that matches
        #expect(o.member("other") == 1 && o.member("none") == nil && o["other"] == nil)
    }

    @Test func editsByPath() {
        var tree: JSONValue = nil
        tree[path: "metadata.labels.a"] = "x"
        #expect(tree == ["metadata": ["labels": ["a": "x"]]])
        tree[path: "metadata.labels"] = nil
        #expect(tree == ["metadata": [:]])
    }
}
