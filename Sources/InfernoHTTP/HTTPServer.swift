import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A request as the handlers see it: method, path, query, headers, whole body.
package struct HTTPRequest: Sendable {
    package var method: HTTPMethod
    /// Path without the query string, percent-decoding left to the handler.
    package var path: String
    /// Raw query string (after `?`), empty when absent.
    package var query: String
    package var headers: HTTPHeaders
    package var body: [UInt8]

    /// Query parameters, percent-decoded; later values win.
    package var queryItems: [String: String] {
        var out: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            let key = Self.decode(kv[0])
            out[key] = kv.count > 1 ? Self.decode(kv[1]) : ""
        }
        return out
    }

    package static func decode(_ s: String) -> String {
        (s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding) ?? s
    }
}

/// A complete response.
package struct HTTPResponse: Sendable {
    package var status: HTTPResponseStatus
    package var headers: HTTPHeaders
    package var body: [UInt8]

    package init(status: HTTPResponseStatus, contentType: String = "text/plain; charset=utf-8", body: [UInt8]) {
        self.status = status
        self.headers = HTTPHeaders([("Content-Type", contentType)])
        self.body = body
    }

    package init(status: HTTPResponseStatus, text: String) {
        self.init(status: status, body: Array(text.utf8))
    }

    package init(status: HTTPResponseStatus, json: String) {
        self.init(status: status, contentType: "application/json", body: Array(json.utf8))
    }
}

/// A small HTTP/1.1 server on SwiftNIO for the controller's own endpoints (`/metrics`, `/healthz`, `/readyz`) and
/// for test servers (the in-process Kubernetes API server, also behind TLS, a vLLM metrics exporter). Whole bodies,
/// no streaming.
package final class HTTPServer: Sendable {
    package typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse

    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    /// The port actually bound (useful with port 0).
    package let port: Int
    package let host: String

    /// Binds `host:port` (port 0 picks a free one) and serves `handler`, over TLS when `tls` is given (its
    /// configuration decides whether client certificates are required).
    package init(host: String = "127.0.0.1", port: Int, tls: NIOSSLContext? = nil, handler: @escaping Handler) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(handler: handler))
                }
            }
            .childChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
        do {
            channel = try await bootstrap.bind(host: host, port: port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        self.group = group
        self.host = host
        self.port = channel.localAddress?.port ?? port
    }

    /// Stops accepting and closes the event loop.
    package func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// Collects one request and answers it with the handler's response.
private final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
    // Touched only on the channel's event loop.
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let handler: HTTPServer.Handler
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(handler: @escaping HTTPServer.Handler) { self.handler = handler }

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
            let keepAlive = head.isKeepAlive
            let version = head.version
            let handler = self.handler
            let loop = context.eventLoop
            let promise = loop.makePromise(of: HTTPResponse.self)
            promise.completeWithTask { await handler(request) }
            let ctx = NIOLoopBound(context, eventLoop: loop)
            promise.futureResult.whenSuccess { response in
                let context = ctx.value
                var headers = response.headers
                headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
                if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
                context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: version, status: response.status, headers: headers))), promise: nil)
                var buffer = context.channel.allocator.buffer(capacity: response.body.count)
                buffer.writeBytes(response.body)
                context.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in
                    if !keepAlive { ctx.value.close(promise: nil) }
                }
            }
            self.head = nil
        }
    }
}
