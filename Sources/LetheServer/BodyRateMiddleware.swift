import Hummingbird
import NIOCore

/// Refuses a request body that arrives too slowly: from the request's start, a body is allowed
/// a grace period (the idle timeout) plus a second for every ``minimumBytesPerSecond`` bytes it
/// has brought, and reading it fails with 408 past that. The idle timeout closes a connection
/// whose body stops; this stops one whose body trickles in, a byte now and then, which resets
/// that timeout each time and would hold the connection for as long as the body is long (as
/// Apache's `mod_reqtimeout` `body=…,MinRate=…`).
///
/// Checked as each piece of the body arrives, so it costs no timer and no task.
struct BodyRateMiddleware: RouterMiddleware {
    typealias Context = LetheRequestContext
    /// The time any body has before its rate is asked for.
    let grace: Duration
    /// The average rate a body must keep once the grace is over: a client on a slow link sends
    /// hundreds of times more.
    static let minimumBytesPerSecond = 500

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var request = request
        request.body = RequestBody(
            asyncSequence: RateCheckedBody(base: request.body, started: .now, grace: grace))
        return try await next(request, context)
    }
}

/// A request body whose pieces are passed on while they keep the minimum rate.
struct RateCheckedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let base: RequestBody
    let started: ContinuousClock.Instant
    let grace: Duration

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let started: ContinuousClock.Instant
        let grace: Duration
        var received = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let piece = try await base.next() else { return nil }
            received += piece.readableBytes
            // By now the body may have taken the grace and a second per 500 bytes it brought.
            let allowed = grace + .seconds(Double(received) / Double(BodyRateMiddleware.minimumBytesPerSecond))
            guard ContinuousClock.now - started <= allowed else {
                throw HTTPError(
                    .requestTimeout,
                    message:
                        "the request body arrived too slowly: under \(BodyRateMiddleware.minimumBytesPerSecond) bytes a second after the first \(grace)"
                )
            }
            return piece
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), started: started, grace: grace)
    }
}
