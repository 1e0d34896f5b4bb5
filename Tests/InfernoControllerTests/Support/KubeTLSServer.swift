import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
@testable import InfernoController

/// A CA, a server certificate for 127.0.0.1 and a client certificate, made with the openssl command line.
struct KubeTestPKI {
    let directory: String
    func path(_ name: String) -> String { directory + "/" + name }
    func pem(_ name: String) throws -> KubeConnection.PEM {
        KubeConnection.PEM(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path(name)))), origin: "test \(name)")
    }

    init() throws {
        directory = NSTemporaryDirectory() + "inferno-kube-pki-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n".write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(toFile: path("client.ext"), atomically: true, encoding: .utf8)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try run(["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=inferno-kube-test-ca"])
        for (name, subject) in [("server", "/CN=127.0.0.1"), ("client", "/CN=inferno-controller/O=system:masters")] {
            try run(["req"] + ec + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject])
            try run(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                     "-out", "\(name).crt", "-days", "2", "-extfile", "\(name).ext"])
        }
    }

    private func run(_ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw KubeJSONError(message: "openssl \(arguments.joined(separator: " ")) failed") }
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

/// The fake API behind HTTPS that requires a client certificate signed by the test CA (as an API server with
/// `--client-ca-file` does for certificate users).
final class KubeTLSServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    let port: Int

    init(api: FakeKubernetesAPI, pki: KubeTestPKI) async throws {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(pki.path("server.crt")).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: pki.path("server.key"), format: .pem)))
        tls.certificateVerification = .noHostnameVerification
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pki.path("ca.crt")))
        let context = try NIOSSLContext(configuration: tls)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(KubeTLSRequestHandler(api: api))
                }
            }
        self.channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        self.group = group
        self.port = channel.localAddress?.port ?? 0
    }

    func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// One request at a time to the fake API, as `HTTPServer` does it.
private final class KubeTLSRequestHandler: ChannelInboundHandler, @unchecked Sendable {
    // Touched only on the channel's event loop.
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    private let api: FakeKubernetesAPI
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(api: FakeKubernetesAPI) { self.api = api }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            let parts = head.uri.split(separator: "?", maxSplits: 1).map(String.init)
            let request = HTTPRequest(method: head.method, path: parts.first ?? "/", query: parts.count > 1 ? parts[1] : "",
                                      headers: head.headers, body: body)
            let api = self.api
            let promise = context.eventLoop.makePromise(of: HTTPResponse.self)
            promise.completeWithTask { await api.handle(request) }
            let ctx = NIOLoopBound(context, eventLoop: context.eventLoop)
            let version = head.version
            promise.futureResult.whenSuccess { response in
                let context = ctx.value
                var headers = response.headers
                headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
                context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: version, status: response.status, headers: headers))), promise: nil)
                context.write(self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
                context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
            }
            self.head = nil
        }
    }
}
