import Foundation

/// A TCP proxy on 127.0.0.1 in front of a local server that drops connections on demand, for the chaos tests: the
/// next `n` connections are closed as soon as their first bytes arrive (the request is lost, the client sees the
/// connection reset), and ``dropOpenConnections()`` cuts every connection open now (a long-lived connection lost
/// mid-stream, as a watch or a pooled keep-alive connection is when an API server restarts). Blocking sockets, one
/// thread per direction: for tests, not throughput.
package final class DroppingProxy: @unchecked Sendable {
    package let port: Int
    private let upstreamPort: Int
    private let listener: Int32
    private let lock = NSLock()
    private var dropBudget = 0
    private var open: Set<Int32> = []
    private var stopped = false
    /// Connections accepted and connections dropped, for the tests' assertions.
    package private(set) var accepted = 0
    package private(set) var dropped = 0

    package init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { close(fd); throw ChildProcess.NotRunnable(description: "proxy: bind/listen failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in acceptLoop() }.start()
    }

    package var url: String { "http://127.0.0.1:\(port)" }

    /// The next `count` connections are dropped on their first bytes.
    package func dropNextConnections(_ count: Int) { lock.withLock { dropBudget += count } }

    /// Cuts every connection open now.
    package func dropOpenConnections() {
        lock.withLock {
            for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
            dropped += open.count / 2
        }
    }

    package func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        dropOpenConnections()
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = UInt16(port).bigEndian
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        return a
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { if lock.withLock({ stopped }) { return } else { continue } }
            let drop = lock.withLock { () -> Bool in
                accepted += 1
                guard dropBudget > 0 else { return false }
                dropBudget -= 1
                dropped += 1
                return true
            }
            if drop {
                Thread {
                    var byte: UInt8 = 0
                    _ = recv(client, &byte, 1, 0)   // the request starts, then the connection is gone
                    close(client)
                }.start()
                continue
            }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: upstreamPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { close(client); close(upstream); continue }
            lock.withLock { open.insert(client); open.insert(upstream) }
            let pair = PumpPair()
            Thread { [self] in pump(from: client, to: upstream, pair) }.start()
            Thread { [self] in pump(from: upstream, to: client, pair) }.start()
        }
    }

    /// The two directions of one connection: the second to finish closes both descriptors, so neither is closed
    /// while the other direction may still use it.
    private final class PumpPair: @unchecked Sendable {
        let lock = NSLock()
        var finished = 0
    }

    /// Copies one direction until it ends, then shuts both sides down so the other direction ends too.
    private func pump(from source: Int32, to destination: Int32, _ pair: PumpPair) {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        copying: while true {
            let n = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            var sent = 0
            while sent < n {
                let m = buffer.withUnsafeBytes { send(destination, $0.baseAddress! + sent, n - sent, Int32(MSG_NOSIGNAL)) }
                if m <= 0 { break copying }
                sent += m
            }
        }
        shutdown(source, Int32(SHUT_RDWR))
        shutdown(destination, Int32(SHUT_RDWR))
        let last = pair.lock.withLock { pair.finished += 1; return pair.finished == 2 }
        guard last else { return }
        lock.withLock { open.remove(source); open.remove(destination) }
        close(source)
        close(destination)
    }
}
