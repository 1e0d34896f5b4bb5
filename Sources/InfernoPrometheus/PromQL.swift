import InfernoControl

/// Builds the PromQL the controller sends. Label values come from users (model names such as `default/default`,
/// `meta-llama/Llama-3.1-8B`, or anything else a VariantAutoscaling says), so they are always escaped: a quote or a
/// backslash in a model name must select that model, not break the query or select another one.
package enum PromQL {
    /// A PromQL double-quoted string literal holding `value` exactly (Go string-literal escapes: backslash,
    /// double quote, and the control characters PromQL's lexer rejects raw).
    package static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `{name="value",…}` in the given order, values escaped; empty string for no labels.
    package static func matchers(_ labels: KeyValuePairs<String, String>) -> String {
        matchers(labels.map { ($0.key, $0.value) })
    }

    package static func matchers(_ labels: [(String, String)]) -> String {
        labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\(quoted($0.1))" }.joined(separator: ",") + "}"
    }

    /// `metric{labels}`.
    package static func selector(_ metric: String, _ matchers: String) -> String { metric + matchers }

    /// `sum(rate(metric{labels}[window]))`: one series whatever the number of pods (docs/formats.md §7: never read only
    /// the first element of an un-aggregated vector).
    package static func sumRate(_ metric: String, _ matchers: String, window: String) -> String {
        "sum(rate(\(metric)\(matchers)[\(window)]))"
    }

    /// Mean per observation of a histogram or summary over the window: `sum(rate(x_sum)) / sum(rate(x_count))`.
    /// NaN when nothing was observed (0/0), which the caller reads as "no data", never as zero.
    package static func meanOverWindow(_ base: String, _ matchers: String, window: String) -> String {
        "\(sumRate(base + "_sum", matchers, window: window)) / \(sumRate(base + "_count", matchers, window: window))"
    }
}
