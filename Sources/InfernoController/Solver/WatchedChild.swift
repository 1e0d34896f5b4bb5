import Foundation

/// Runs this program (or another) as a child process with a watchdog: the building block of the CBC solve
/// in a child (``IsolatedCbcSolver``) and of the fuzzer's workers. Whatever the child does — abort, crash,
/// run away, exhaust its address space — the parent gets an ``Exit`` back.
struct WatchedChild: Sendable {
    enum Exit: Hashable, Sendable {
        case exited(Int32)
        case signalled(Int32)
        /// Killed by the watchdog after this many seconds.
        case timedOut(Double)
        case couldNotStart(String)

        var description: String {
            switch self {
            case .exited(let code): "exited with status \(code)"
            case .signalled(let s): "killed by signal \(s) (\(Self.signalName(s)))"
            case .timedOut(let t): "killed after \(String(format: "%.1f", t)) s without an answer"
            case .couldNotStart(let why): "could not start: \(why)"
            }
        }

        static func signalName(_ s: Int32) -> String {
            switch s {
            case SIGABRT: "SIGABRT"
            case SIGSEGV: "SIGSEGV"
            case SIGBUS: "SIGBUS"
            case SIGILL: "SIGILL"
            case SIGTRAP: "SIGTRAP"
            case SIGKILL: "SIGKILL"
            case SIGFPE: "SIGFPE"
            default: "signal \(s)"
            }
        }
    }

    var executable: URL
    var arguments: [String]

    /// This process's own binary, when it is `inferno-controller` (not, say, a test runner).
    static func controllerBinary() -> URL? {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let url = URL(fileURLWithPath: path)
        return url.lastPathComponent == "inferno-controller" ? url : nil
    }

    /// Writes `input` to the child's stdin, collects its stdout, and waits at most `timeout` seconds.
    /// Stderr is passed through (CBC's assertion message lands in the controller's log stream).
    func run(input: Data, timeout: Double) -> (exit: Exit, output: Data) {
        // A child that dies before reading its stdin must not take the parent with it (EPIPE, not SIGPIPE).
        signal(SIGPIPE, SIG_IGN)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do { try process.run() } catch { return (.couldNotStart("\(error)"), Data()) }
        let output = OutputBox()
        let reader = Thread {
            output.set(stdout.fileHandleForReading.readDataToEndOfFile())
            output.done.signal()
        }
        reader.start()
        let writer = Thread {
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let started = Date()
        let timedOut = finished.wait(timeout: .now() + timeout) == .timedOut
        if timedOut {
            kill(process.processIdentifier, SIGKILL)
            finished.wait()
        }
        output.done.wait()
        // Release what the child held here. Foundation's Process keeps a run-loop source that retains the process
        // (and so its pipes) until `waitUntilExit` clears it, and the read end of stdout is ours to close: without
        // both, every solve leaked a pipe's descriptor and the Process (measured: 26 to 99 descriptors in 30 s of
        // `run --interval 1s`, docs/robustness.md).
        process.waitUntilExit()
        try? stdout.fileHandleForReading.close()
        if timedOut { return (.timedOut(Date().timeIntervalSince(started)), output.get()) }
        let exit: Exit = process.terminationReason == .uncaughtSignal
            ? .signalled(process.terminationStatus) : .exited(process.terminationStatus)
        return (exit, output.get())
    }
}

/// The child's stdout, handed from the reader thread to the caller.
private final class OutputBox: @unchecked Sendable {
    private var data = Data()
    private let lock = NSLock()
    let done = DispatchSemaphore(value: 0)
    func set(_ d: Data) { lock.withLock { data = d } }
    func get() -> Data { lock.withLock { data } }
}

/// Caps this process's address space (RLIMIT_AS), so a runaway allocation fails here, in the child, and
/// never takes memory from the rest of the machine.
func limitAddressSpace(megabytes: Int) {
    let bytes = rlim_t(megabytes) * 1024 * 1024
    var limit = rlimit(rlim_cur: bytes, rlim_max: bytes)
    _ = setrlimit(Int32(RLIMIT_AS.rawValue), &limit)
}
