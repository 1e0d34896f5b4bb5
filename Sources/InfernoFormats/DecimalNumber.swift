import Foundation

/// The one place a number written as a string is read (system JSON, VariantAutoscaling specs, ConfigMaps).
///
/// Swift's `Double(String)` is C's `strtod`: it also accepts hexadecimal (`"0x10"` is 16, `"0x1p10"` is 1024),
/// `"inf"`, `"nan"` and `"infinity"`. A user who writes `"0x10"` meant no number at all, so only JSON's decimal
/// grammar is accepted — an optional sign, digits, an optional fraction, an optional exponent — and the result
/// must be finite. Surrounding spaces are ignored; a leading `+` is allowed (Go's `strconv.ParseFloat` takes it).
public enum DecimalNumber {
    public static func parse(_ text: some StringProtocol) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard isDecimal(t.utf8), let d = Double(t), d.isFinite else { return nil }
        return d
    }

    /// `[+-]? digits ('.' digits?)? ([eE] [+-]? digits)?` or `[+-]? '.' digits ...`: at least one digit before the exponent.
    static func isDecimal(_ bytes: String.UTF8View) -> Bool {
        var i = bytes.startIndex
        func peek() -> UInt8? { i < bytes.endIndex ? bytes[i] : nil }
        func isDigit(_ b: UInt8?) -> Bool { b.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        if peek() == 0x2B || peek() == 0x2D { i = bytes.index(after: i) }        // + -
        var mantissaDigits = 0
        while isDigit(peek()) { mantissaDigits += 1; i = bytes.index(after: i) }
        if peek() == 0x2E {                                                      // .
            i = bytes.index(after: i)
            while isDigit(peek()) { mantissaDigits += 1; i = bytes.index(after: i) }
        }
        guard mantissaDigits > 0 else { return false }
        if peek() == 0x65 || peek() == 0x45 {                                    // e E
            i = bytes.index(after: i)
            if peek() == 0x2B || peek() == 0x2D { i = bytes.index(after: i) }
            guard isDigit(peek()) else { return false }
            while isDigit(peek()) { i = bytes.index(after: i) }
        }
        return i == bytes.endIndex
    }
}
