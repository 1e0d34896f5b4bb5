/// The tree's lenient number rules (``JSONValue/decimal``, ``JSONValue/wholeNumber(_:)``) for `Codable` readers.
extension KeyedDecodingContainer {
    /// A number written as a number or as a decimal string (``JSONValue/decimal``).
    public func lenientDouble(_ key: Key) throws -> Double? {
        guard let value = try decodeIfPresent(JSONValue.self, forKey: key), value != .null else { return nil }
        guard let d = value.decimal else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self,
                                                   debugDescription: "expected a number, found \(value.kindDescription)")
        }
        return d
    }

    /// A whole number (``JSONValue/wholeNumber(_:)``) written as a number or as a decimal string.
    public func lenientInt(_ key: Key) throws -> Int? {
        guard let d = try lenientDouble(key) else { return nil }
        guard let n = JSONValue.wholeNumber(d) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self,
                                                   debugDescription: "expected a whole number, found \(formatNumber(d))")
        }
        return n
    }
}
