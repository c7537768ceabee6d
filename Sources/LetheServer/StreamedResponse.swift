import Foundation
import HTTPTypes
import Hummingbird
import Lethe
import LetheCore
import Logging
import NIOCore

/// A response body made by a synchronous writer of chunks — a report's CSV, HTML page or
/// record.json, hundreds of megabytes at a year's size — run on a thread of its own: each chunk
/// is sent before the next is made, so the body is never held whole by the service (built whole
/// and copied into one buffer, a year's HTML page took 700 MB per request).
///
/// The status and headers are sent before the body is made: an error while it is made (a spool
/// file that changed, a record that cannot be read) ends the response without its last chunk,
/// which a client sees as a transfer cut short, never as a complete file. The middlewares have
/// recorded a 200 by then, so such an error is logged here, at error level. A client that goes
/// away stops the writer at its next chunk.
enum StreamedResponse {
    /// The body `produce` writes, chunk by chunk, through the function it is given; an error
    /// while it is made is logged to `logger` (its message only: no report content).
    static func make(
        logger: Logger, contentLength: Int? = nil,
        _ produce: @escaping @Sendable (_ send: ([UInt8]) throws(LetheError) -> Void) throws(LetheError) -> Void
    ) -> ResponseBody {
        ResponseBody(contentLength: contentLength) { writer in
            let handoff = Handoff()
            let (items, continuation) = AsyncStream<Item>.makeStream()
            let thread = Thread {
                do throws(LetheError) {
                    try produce { (chunk) throws(LetheError) in
                        continuation.yield(.chunk(chunk))
                        try handoff.waitUntilSent()
                    }
                    continuation.yield(.end)
                } catch {
                    continuation.yield(.failed(error))
                }
                continuation.finish()
            }
            thread.start()
            // However this ends, a writer waiting for its chunk to be sent is let go, and stops.
            defer { handoff.stop() }
            for await item in items {
                switch item {
                case .chunk(let bytes):
                    try await writer.write(ByteBuffer(bytes: bytes))
                    handoff.sent()
                case .end:
                    try await writer.finish(nil)
                    return
                case .failed(let error):
                    logger.error(
                        "a streamed response failed after its status was sent; it was cut short",
                        metadata: ["code": .string(error.code.rawValue), "error": .string(error.message)])
                    throw error
                }
            }
            // The stream ended without the writer's end: the request's task was cancelled.
            throw CancellationError()
        }
    }

    private enum Item: Sendable {
        case chunk([UInt8])
        case end
        case failed(LetheError)
    }

    /// The writer's wait for each chunk to be sent, and the word to stop.
    ///
    /// `@unchecked Sendable`: `stopped` is touched under `lock` only.
    private final class Handoff: @unchecked Sendable {
        private let lock = NSLock()
        private let turn = DispatchSemaphore(value: 0)
        private var stopped = false

        /// Blocks until the chunk given is sent; throws when the response will send no more.
        func waitUntilSent() throws(LetheError) {
            turn.wait()
            if lock.withLock({ stopped }) {
                throw LetheError(.io, "the response was not sent to its end (the client went away)")
            }
        }

        /// The chunk given was sent.
        func sent() { turn.signal() }

        /// No more chunk will be sent.
        func stop() {
            lock.withLock { stopped = true }
            turn.signal()
        }
    }
}

extension StreamedResponse {
    /// A signed report as a download in `format` — `json`, its signed record; `csv`, `html` or
    /// `pdf`, a rendering — sent as it is read and made, as an attachment: never shown inline
    /// under the service's origin (the HTML page has its own styles).
    ///
    /// A large report (a record over `largeBytes`: a year's takes a thread and minutes to render,
    /// and a copy of its record on disk) takes one of `slots`' places for as long as its download
    /// is sent or made; with every place taken the request is refused with 503, rather than
    /// letting any number of such downloads run at once.
    static func reportDownload(
        _ report: IssuedReport, format: String, logger: Logger, slots: DownloadSlots = .large,
        largeBytes: Int = DownloadSlots.largeBytes
    ) throws(LetheError) -> Response {
        let slot = report.recordCount > largeBytes ? try slots.take() : nil
        let (body, type): (ResponseBody, String)
        switch format {
        case "csv":
            body = make(logger: logger) { (send) throws(LetheError) in
                try withExtendedLifetime(slot) { () throws(LetheError) in try ReportCSV.write(report, to: send) }
            }
            type = "text/csv; charset=utf-8"
        case "html":
            body = make(logger: logger) { (send) throws(LetheError) in
                try withExtendedLifetime(slot) { () throws(LetheError) in try ReportHTML.write(report, to: send) }
            }
            type = "text/html; charset=utf-8"
        case "pdf":
            body = make(logger: logger) { (send) throws(LetheError) in
                try withExtendedLifetime(slot) { () throws(LetheError) in try ReportPDF.write(report, to: send) }
            }
            type = "application/pdf"
        default:
            body = make(logger: logger, contentLength: report.recordCount) { (send) throws(LetheError) in
                try withExtendedLifetime(slot) { () throws(LetheError) in try report.writeRecord(to: send) }
            }
            type = "application/json"
        }
        var headers: HTTPFields = [.contentType: type]
        headers[.contentDisposition] = "attachment; filename=\"\(report.serial).\(format)\""
        return Response(status: .ok, headers: headers, body: body)
    }
}

/// The places for large downloads under way at once. A place is given back when its last holder
/// lets it go — the response, once sent or dropped, and the thread making it, once done — so no
/// path (an error, a client gone, a response never written) keeps one.
final class DownloadSlots: @unchecked Sendable {
    // @unchecked: `taken` is touched under `lock` only.
    /// The places of the service's report downloads: one per core, at least two.
    static let large = DownloadSlots(limit: max(2, ProcessInfo.processInfo.activeProcessorCount))
    /// A record over this many bytes is large: the size past which a stored report is copied to
    /// a spool file to be shown (4 MiB).
    static let largeBytes = 4 << 20

    let limit: Int
    private let lock = NSLock()
    private var taken = 0

    init(limit: Int) { self.limit = limit }

    /// A place, while one is free.
    func take() throws(LetheError) -> Slot {
        lock.lock()
        defer { lock.unlock() }
        guard taken < limit else {
            throw LetheError(
                .locked, "\(limit) large report downloads are already under way; try again when one has finished")
        }
        taken += 1
        return Slot(of: self)
    }

    /// The places taken.
    var inUse: Int { lock.withLock { taken } }

    fileprivate func giveBack() { lock.withLock { taken -= 1 } }

    /// One place, given back when it is let go.
    final class Slot: Sendable {
        private let slots: DownloadSlots
        fileprivate init(of slots: DownloadSlots) { self.slots = slots }
        deinit { slots.giveBack() }
    }
}
