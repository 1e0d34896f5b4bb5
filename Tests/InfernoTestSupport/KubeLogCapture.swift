import Foundation
import Logging

/// Collects swift-log records as text lines, for asserting on logs and printing a cycle's log.
final class KubeLogCapture: @unchecked Sendable {
    // Guarded by `lock`.
    private var stored: [String] = []
    private let lock = NSLock()

    var lines: [String] { lock.withLock { stored } }
    var text: String { lines.joined(separator: "\n") }

    func append(_ line: String) { lock.withLock { stored.append(line) } }

    /// A logger writing here at `level` and above.
    func logger(_ label: String, level: Logger.Level = .debug) -> Logger {
        var logger = Logger(label: label) { label in Handler(label: label, capture: self) }
        logger.logLevel = level
        return logger
    }

    struct Handler: LogHandler {
        var label: String
        let capture: KubeLogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
            let meta = all.keys.sorted().map { "\($0)=\(all[$0]!)" }.joined(separator: " ")
            capture.append("\(event.level) [\(label)] \(event.message)" + (meta.isEmpty ? "" : " \(meta)"))
        }
    }
}
