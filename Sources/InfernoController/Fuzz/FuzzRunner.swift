import Foundation

/// Runs a target's inputs in worker processes (`inferno-controller fuzz-worker`), each under an address-space
/// limit, with a watchdog per input. A worker runs inputs in sequence and says `start i` before and `done i`
/// after each; when it dies the input it had started is a crash, when it is silent past the time limit the
/// input is a hang (the worker is killed); either way a new worker resumes at the next input. So one process
/// start is paid per crash, not per input.
struct FuzzRunner: Sendable {
    var executable: URL
    var target: FuzzTarget
    var seed: UInt64
    var inputs: Int
    var memoryLimitMegabytes = 2048
    var secondsPerInput = 10.0
    /// Passed to every worker (tests: `--abort-at`, `--hang-at`).
    var workerArguments: [String] = []

    struct Finding: Hashable, Sendable {
        var index: Int
        var what: String
    }

    struct Report: Sendable {
        var inputs = 0, accepted = 0, rejected = 0
        var crashes: [Finding] = []
        var hangs: [Finding] = []
        var seconds = 0.0
    }

    func run() -> Report {
        var report = Report()
        let started = Date()
        var next = 0
        while next < inputs {
            let outcome = runWorker(from: next, report: &report)
            switch outcome {
            case .finished: next = inputs
            case .crashed(let index, let what):
                report.crashes.append(Finding(index: index, what: what)); next = index + 1
            case .hung(let index):
                report.hangs.append(Finding(index: index, what: "no answer within \(secondsPerInput) s")); next = index + 1
            }
        }
        report.inputs = inputs
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    private enum WorkerOutcome { case finished, crashed(Int, String), hung(Int) }

    private func runWorker(from first: Int, report: inout Report) -> WorkerOutcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["fuzz-worker", "--target", target.rawValue, "--seed", "\(seed)", "--from", "\(first)",
                             "--to", "\(inputs)", "--memory-limit-mb", "\(memoryLimitMegabytes)"] + workerArguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return .crashed(first, "worker could not start: \(error)") }
        var lines = LineReader(fd: stdout.fileHandleForReading.fileDescriptor)
        var current = first
        while true {
            switch lines.next(timeout: secondsPerInput) {
            case .line(let line):
                let parts = line.split(separator: " ")
                guard parts.count >= 2, let i = Int(parts[1]) else { continue }
                if parts[0] == "start" { current = i }
                if parts[0] == "done" { if parts.count > 2, parts[2] == "accepted" { report.accepted += 1 } else { report.rejected += 1 } }
            case .end:
                process.waitUntilExit()
                if process.terminationReason == .exit, process.terminationStatus == 0 { return .finished }
                let what = process.terminationReason == .uncaughtSignal
                    ? "signal \(process.terminationStatus) (\(WatchedChild.Exit.signalName(process.terminationStatus)))"
                    : "exit status \(process.terminationStatus)"
                return .crashed(current, what)
            case .timeout:
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return .hung(current)
            }
        }
    }
}

/// Lines from a pipe, each awaited at most a given time (poll(2)).
struct LineReader {
    let fd: Int32
    private var buffer: [UInt8] = []
    init(fd: Int32) { self.fd = fd }

    enum Next { case line(String), end, timeout }

    mutating func next(timeout: Double) -> Next {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return .line(line)
            }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return .timeout }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(min(left * 1000, 1000)) + 1)
            if ready < 0 { if errno == EINTR { continue } else { return .end } }
            if ready == 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { return .end }
            buffer += chunk[..<n]
        }
    }
}
