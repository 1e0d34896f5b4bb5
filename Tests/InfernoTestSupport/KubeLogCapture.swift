import Foundation
import Logging

/// Collects swift-log records as text lines, for asserting on logs and printing a cycle's log.
package final class KubeLogCapture: @unchecked Sendable {
    // Guarded by `lock`.
    private var stored: [String] = []
    private let lock = NSLock()

    package init() {}

    package var lines: [String] { lock.withLock { stored } }
    package var text: String { lines.joined(separator: "\n") }

    package func append(_ line: String) { lock.withLock { stored.append(line) } }

    /// A logger writing here at `level` and above.
    package func logger(_ label: String, level: Logger.Level = .debug) -> Logger {
        var logger = Logger(label: label) { label in Handler(label: label, capture: self) }
        logger.logLevel = level
        return logger
    }

    package struct Handler: LogHandler {
        package var label: String
        package let capture: KubeLogCapture
        package var metadata: Logger.Metadata = [:]
        package var logLevel: Logger.Level = .trace

        package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        package func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
            let meta = all.keys.sorted().map { "\($0)=\(all[$0]!)" }.joined(separator: " ")
            capture.append("\(event.level) [\(label)] \(event.message)" + (meta.isEmpty ? "" : " \(meta)"))
        }
    }
}
