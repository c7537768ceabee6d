import Foundation
import HTTPTypes
import Hummingbird
import Lethe
import LetheCore

/// An error as RFC 9457 `application/problem+json`: the CLI's message, a stable `code`, and the
/// first problems when there are several (bad rows of an import).
public struct Problem: Codable, Sendable, Equatable {
    /// A URI naming the kind of problem (`urn:lethe:problem:not-found`).
    public var type: String
    /// The HTTP status phrase.
    public var title: String
    /// The HTTP status code.
    public var status: Int
    /// What was wrong, where and what to do: the same message the CLI prints.
    public var detail: String
    /// Lethe's error code (`not-found`, `forbidden` …), stable for scripts.
    public var code: String
    /// The first individual problems (bad rows, fields), when there are several.
    public var errors: [String]?
    /// How many problems there were in all, when `errors` holds only the first.
    public var totalProblems: Int?

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, code, errors
        case totalProblems = "total_problems"
    }

    /// The problem for a Lethe error.
    public init(_ error: LetheError) {
        let status = Self.status(for: error.code)
        type = "urn:lethe:problem:\(error.code.rawValue)"
        title = status.reasonPhrase
        self.status = status.code
        detail = error.message
        code = error.code.rawValue
        errors = error.details.isEmpty ? nil : error.details
        totalProblems = error.details.isEmpty ? nil : error.totalProblems
    }

    /// A problem that is not a Lethe error (a body too large, too many requests, an unknown route).
    public init(status: HTTPResponse.Status, code: String, detail: String) {
        type = "urn:lethe:problem:\(code)"
        title = status.reasonPhrase
        self.status = status.code
        self.detail = detail
        self.code = code
    }

    /// The one mapping of Lethe's error codes to HTTP statuses (the CLI's exit codes are mapped in
    /// its own Reporting.swift).
    public static func status(for code: LetheError.Code) -> HTTPResponse.Status {
        switch code {
        case .usage: .badRequest
        case .invalidInput: .unprocessableContent
        case .notFound: .notFound
        case .conflict, .illegalTransition: .conflict
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .locked: .serviceUnavailable
        case .io, .permission, .incompatible, .internal: .internalServerError
        }
    }

    /// The problem as a response.
    public func response(headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/problem+json"
        let body = (try? ResponseJSON.encode(self)) ?? Array("{}".utf8)
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// The server's JSON coding: the same encoder as the CLI's `--json` (sorted keys, RFC 3339 dates).
enum ServerJSON {
    /// One encoder for every response: its options never change after it is made, and encoding
    /// with it from several tasks at once is safe.
    static let encoder: JSONEncoder = ResultEncoding.encoder()
}
