import Foundation
import HTTPTypes
import Hummingbird
import Lethe
import LetheCore
import LetheEvidence
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// A response body made by a synchronous writer of chunks — a report's CSV, HTML page or
/// record.json, hundreds of megabytes at a year's size — run on a thread of its own: each chunk
/// is sent before the next is made, so the body is never held whole by the service (built whole
/// and copied into one buffer, a year's HTML page took 700 MB per request).
///
/// The status is decided by the first chunk: the response is made only once the writer has
/// given one, so an error found before it (a record that cannot be read or outlined) is an
/// error response (a problem with its status), not a 200. An error after it (a spool file that
/// changed midway) ends the response without its last chunk, which a client sees as a transfer
/// cut short, never as a complete file; the middlewares have recorded a 200 by then, so such an
/// error is logged here, at error level.
///
/// A client that goes away stops the writer at its next chunk. A client that stops reading is
/// let go: when a chunk has waited `sendTimeout` to be taken, the connection is closed, and the
/// writer stops with it — a stalled download holds no thread, place or spool file for longer.
enum StreamedResponse {
    /// How long one chunk may wait to be taken by the client before its connection is closed:
    /// a client slower than a chunk (4 MB) in this time, about 14 kB/s, is not served.
    static let sendTimeout = TimeAmount.minutes(5)

    /// The body `produce` writes, chunk by chunk, through the function it is given, once it has
    /// given its first chunk (or ended); an error before that is thrown here, one after it is
    /// logged to `logger` (its message only: no report content).
    ///
    /// - Parameter connection: the request's channel (an HTTP/1 connection's socket), closed
    ///   when a chunk (or the body's end) waits `sendTimeout` for the client to take what is
    ///   queued (none: no deadline, and the body ends once its end is written).
    static func make(
        logger: Logger, contentLength: Int? = nil, connection: (any Channel)? = nil,
        sendTimeout: TimeAmount = StreamedResponse.sendTimeout,
        _ produce: @escaping @Sendable (_ send: ([UInt8]) throws(LetheError) -> Void) throws(LetheError) -> Void
    ) async throws(LetheError) -> ResponseBody {
        let handoff = Handoff()
        let thread = Thread {
            OwnThread.nameCurrentThread("lethe-download")
            do throws(LetheError) {
                try produce { (chunk) throws(LetheError) in try handoff.send(chunk) }
                handoff.put(.end)
            } catch {
                handoff.put(.failed(error))
            }
        }
        thread.start()
        let first = await handoff.next()
        if case .failed(let error) = first { throw error }
        // Given back, so that the response does not keep the first chunk for the whole download.
        handoff.giveBack(first)
        // A response dropped unwritten (a middleware's error) lets its writer go as well.
        let release = Release(handoff)
        return ResponseBody(contentLength: contentLength) { writer in
            // However this ends, a writer waiting for its chunk to be sent is let go, and stops.
            defer { withExtendedLifetime(release) { handoff.stop() } }
            while true {
                switch await handoff.next() {
                case .chunk(let bytes):
                    try await withDeadline(sendTimeout, on: connection, logger: logger) {
                        try await writer.write(ByteBuffer(bytes: bytes))
                    }
                    handoff.sent()
                case .end:
                    // The end waits for the client to take the last chunk: under the deadline too.
                    try await withDeadline(sendTimeout, on: connection, logger: logger) {
                        try await writer.finish(nil)
                        if let connection { try await untilSent(connection) }
                    }
                    return
                case .failed(let error):
                    logger.error(
                        "a streamed response failed after its status was sent; it was cut short",
                        metadata: ["code": .string(error.code.rawValue), "error": .string(error.message)])
                    throw error
                }
            }
        }
    }

    /// Runs `write` (a write to `connection` that waits for the client to take what is queued),
    /// closing the connection if it has not returned within `timeout`: the write then fails —
    /// with its own error, or, when it returns anyway (a write the channel had queued before it
    /// was closed), with one saying the connection was closed, so that a download cut short
    /// never ends as if it were whole.
    private static func withDeadline(
        _ timeout: TimeAmount, on connection: (any Channel)?, logger: Logger, _ write: () async throws -> Void
    ) async throws {
        let expired = NIOLockedValueBox(false)
        let deadline = connection.map { (channel) in
            channel.eventLoop.scheduleTask(in: timeout) {
                expired.withLockedValue { $0 = true }
                logger.warning(
                    "a download's client took no data for \(timeout.nanoseconds / 1_000_000_000) s; its connection is closed"
                )
                channel.close(promise: nil)
            }
        }
        defer { deadline?.cancel() }
        try await write()
        if expired.withLockedValue({ $0 }) {
            throw LetheError(
                .io,
                "the client took no data for \(timeout.nanoseconds / 1_000_000_000) s; its connection was closed")
        }
    }

    /// Waits until `channel` (a socket's) has handed the kernel every byte written to it. A
    /// last chunk and the body's end can both be taken into the channel's buffer before it
    /// reports that it can take no more — the writer waits only once it has — so a body whose
    /// end was taken may still be waiting there, in part, for a client that reads nothing; it is
    /// not ended before it has gone. Fails once the channel is closed.
    static func untilSent(_ channel: any Channel) async throws {
        // The option is read on the channel's event loop, after the writes queued before it.
        while try await channel.getOption(.bufferedWritableBytes).get() > 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    private enum Item: Sendable {
        case chunk([UInt8])
        case end
        case failed(LetheError)
    }

    /// What the writer's thread gives the response, one item at a time: the writer waits for
    /// each chunk to be sent before it makes the next, and is told when no more will be.
    ///
    /// `@unchecked Sendable`: `item`, `waiter` and `stopped` are touched under `lock` only.
    private final class Handoff: @unchecked Sendable {
        private let lock = NSLock()
        private let turn = DispatchSemaphore(value: 0)
        private var item: Item?
        private var waiter: CheckedContinuation<Item, Never>?
        private var stopped = false

        /// Gives `item` to the response (the writer's last: its end or its error).
        func put(_ item: Item) {
            lock.lock()
            if let waiter {
                self.waiter = nil
                lock.unlock()
                waiter.resume(returning: item)
            } else {
                self.item = item
                lock.unlock()
            }
        }

        /// Gives `chunk` to the response and blocks until the connection has taken it; throws
        /// when the response will send no more (and then never blocks again).
        func send(_ chunk: [UInt8]) throws(LetheError) {
            if lock.withLock({ stopped }) { throw Self.gone }
            put(.chunk(chunk))
            turn.wait()
            if lock.withLock({ stopped }) { throw Self.gone }
        }

        private static let gone = LetheError(.io, "the response was not sent to its end (the client went away)")

        /// Puts back `item`, taken with ``next()``, as the next to take.
        func giveBack(_ item: Item) { put(item) }

        /// The writer's next item, once it gives one (it always does: a chunk, its end or an
        /// error, and it is never waiting for a chunk to be sent while this waits).
        func next() async -> Item {
            await withCheckedContinuation { (continuation: CheckedContinuation<Item, Never>) in
                lock.lock()
                if let item {
                    self.item = nil
                    lock.unlock()
                    continuation.resume(returning: item)
                } else {
                    waiter = continuation
                    lock.unlock()
                }
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

    /// Stops a writer when the response that would send its chunks is let go.
    private final class Release: Sendable {
        private let handoff: Handoff
        init(_ handoff: Handoff) { self.handoff = handoff }
        deinit { handoff.stop() }
    }
}

extension StreamedResponse {
    /// Signed report `serial` as a download in `format` — `json`, its signed record; `csv`,
    /// `html` or `pdf`, a rendering — sent as it is read and made, as an attachment: never shown
    /// inline under the service's origin (the HTML page has its own styles).
    ///
    /// A large report (a record over `largeBytes`: a year's takes a thread and minutes to render,
    /// and a copy of its record on disk) takes one of `slots`' places before its record is copied
    /// out of the store, for as long as its download is made or sent; with every place taken the
    /// request is refused with 503 having copied nothing, rather than letting any number of such
    /// downloads (and copies) run at once.
    ///
    /// - Parameter connection: the request's channel, closed when the client stops taking the
    ///   download (see ``make(logger:contentLength:connection:sendTimeout:_:)``).
    static func reportDownload(
        serial: String, format: String, reports: ReportService, by principal: Principal, logger: Logger,
        connection: (any Channel)? = nil, slots: DownloadSlots = .large, largeBytes: Int = DownloadSlots.largeBytes
    ) async throws(LetheError) -> Response {
        let size = try await reports.recordSize(serial: serial, by: principal)
        let slot = size > largeBytes ? try slots.take() : nil
        let report = try await reports.show(serial: serial, by: principal)
        return try await download(report, format: format, slot: slot, logger: logger, connection: connection)
    }

    /// Record `serial`'s evidence bundle as an archive download in `format`, made and sent a few
    /// megabytes at a time. A large record (a year's report: its bundle is a gigabyte) takes one
    /// of `slots`' places before it is copied out of the store, as a large report download does.
    static func bundleDownload(
        serial: String, format: BundleArchive.Format, evidence: EvidenceService, by principal: Principal,
        logger: Logger, connection: (any Channel)? = nil, slots: DownloadSlots = .large,
        largeBytes: Int = DownloadSlots.largeBytes
    ) async throws(LetheError) -> Response {
        let size = try await evidence.recordSize(serial: serial, by: principal)
        let slot = size > largeBytes ? try slots.take() : nil
        let bundle = try await evidence.bundle(serial: serial, by: principal)
        let entries = bundle.entries
        let body = try await make(logger: logger, connection: connection) { (send) throws(LetheError) in
            try withExtendedLifetime(slot) { () throws(LetheError) in
                try BundleArchive.write(format, directory: bundle.serial, entries: entries, to: send)
            }
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: format.contentType,
                .contentDisposition: "attachment; filename=\"\(bundle.serial).\(format.rawValue)\"",
            ], body: body)
    }

    /// Record `serial`'s HTML page, as its bundle holds it (a large report's read from its spool
    /// file as it is sent), shown inline under `headers`.
    static func bundlePage(
        serial: String, evidence: EvidenceService, by principal: Principal, headers: HTTPFields, logger: Logger,
        connection: (any Channel)? = nil, slots: DownloadSlots = .large, largeBytes: Int = DownloadSlots.largeBytes
    ) async throws(LetheError) -> Response {
        let size = try await evidence.recordSize(serial: serial, by: principal)
        let slot = size > largeBytes ? try slots.take() : nil
        let bundle = try await evidence.bundle(serial: serial, by: principal)
        guard let page = bundle.entries.first(where: { $0.name == EvidenceBundle.File.html.rawValue }) else {
            throw LetheError(.notFound, "record \(Quoted(serial)) has no HTML view")
        }
        let body = try await make(logger: logger, contentLength: page.count, connection: connection) {
            (send) throws(LetheError) in
            try withExtendedLifetime(slot) { () throws(LetheError) in try page.write(to: send) }
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// `report` as a download in `format`, holding `slot` until it is made and sent.
    private static func download(
        _ report: IssuedReport, format: String, slot: DownloadSlots.Slot?, logger: Logger, connection: (any Channel)?
    ) async throws(LetheError) -> Response {
        let type: String
        var contentLength: Int?
        let write: @Sendable (_ send: ([UInt8]) throws(LetheError) -> Void) throws(LetheError) -> Void
        switch format {
        case "csv":
            (type, write) = (
                "text/csv; charset=utf-8", { (send) throws(LetheError) in try ReportCSV.write(report, to: send) }
            )
        case "html":
            (type, write) = (
                "text/html; charset=utf-8", { (send) throws(LetheError) in try ReportHTML.write(report, to: send) }
            )
        case "pdf":
            (type, write) = ("application/pdf", { (send) throws(LetheError) in try ReportPDF.write(report, to: send) })
        default:
            (type, write) = ("application/json", { (send) throws(LetheError) in try report.writeRecord(to: send) })
            contentLength = report.recordCount
        }
        let body = try await make(logger: logger, contentLength: contentLength, connection: connection) {
            (send) throws(LetheError) in
            try withExtendedLifetime(slot) { () throws(LetheError) in try write(send) }
        }
        var headers: HTTPFields = [.contentType: type]
        headers[.contentDisposition] = "attachment; filename=\"\(report.serial).\(format)\""
        return Response(status: .ok, headers: headers, body: body)
    }
}

/// The places for large downloads under way at once. A place is held by the thread making the
/// download and given back when it ends — which it does on every path: the download made and
/// sent, an error, a client gone or stalled, a response never written.
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
