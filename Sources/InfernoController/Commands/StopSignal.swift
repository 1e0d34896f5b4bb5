import Foundation

/// SIGTERM / SIGINT as a flag the loop polls (Kubernetes sends SIGTERM, then SIGKILL after the grace period).
final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    private var sources: [DispatchSourceSignal] = []

    var requested: Bool { lock.lock(); defer { lock.unlock() }; return flag }

    func install() {
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.lock(); self.flag = true; self.lock.unlock()
            }
            source.resume()
            sources.append(source)
        }
    }
}
