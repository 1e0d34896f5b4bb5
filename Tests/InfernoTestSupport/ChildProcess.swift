import Foundation

/// The tests' one way to run another program (openssl, kubectl, promtool, python3, Prometheus, the controller).
///
/// Output goes to files, not pipes: a verbose child can fill a pipe's buffer while nobody reads it and hang.
package enum ChildProcess {
    package struct Finished: Sendable {
        package var status: Int32
        package var stdout: String
        package var stderr: String

        package init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    package struct NotRunnable: Error, CustomStringConvertible {
        package var description: String

        package init(description: String) {
            self.description = description
        }
    }

    /// Runs `executable` to its end, killed (SIGTERM) after `timeout` seconds; blocks the calling thread.
    package static func run(_ executable: String, _ arguments: [String], directory: URL? = nil, environment: [String: String]? = nil,
                    input: Data? = nil, timeout: Double = 120) throws -> Finished {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("stdout"), err = scratch.appendingPathComponent("stderr")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        process.standardOutput = try handle(out)
        process.standardError = try handle(err)
        let stdin = input.map { _ in Pipe() }
        if let stdin { process.standardInput = stdin }
        do { try process.run() } catch { throw NotRunnable(description: "\(executable) not runnable: \(error)") }
        if let stdin, let input {
            stdin.fileHandleForWriting.write(input)
            try stdin.fileHandleForWriting.close()
        }
        let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        process.waitUntilExit()
        killer.cancel()
        return Finished(status: process.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                        stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// `run` off the concurrency pool's threads, for async tests.
    package static func run(_ executable: String, _ arguments: [String], directory: URL? = nil, environment: [String: String]? = nil,
                    input: Data? = nil, timeout: Double = 120) async throws -> Finished {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    try run(executable, arguments, directory: directory, environment: environment, input: input, timeout: timeout)
                })
            }
        }
    }

    /// Starts a long-running child (a server) with stdout and stderr appended to `log`; the caller stops it.
    package static func start(_ executable: URL, _ arguments: [String], directory: URL? = nil, log: URL) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let output = try handle(log)
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return process
    }

    private static func handle(_ url: URL) throws -> FileHandle {
        if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        return try FileHandle(forWritingTo: url)
    }
}
