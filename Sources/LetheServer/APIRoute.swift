import Foundation
import HTTPTypes
import Hummingbird
import Lethe
import LetheCore

/// One route of the HTTP API, as the one route table declares it: method, path, who may call it,
/// and what it takes and returns. The router, the OpenAPI document and the role × route test are
/// all made from ``APIRoute/all``.
public struct APIRoute: Sendable, Hashable {
    /// Who may call a route.
    public enum Access: Sendable, Hashable {
        /// Anyone, without a token (health checks, the OpenAPI document).
        case open
        /// Any authenticated principal (`whoami`).
        case authenticated
        /// A principal whose roles allow the action (the authorization table).
        case action(Action)
    }

    /// The JSON type of a field of a query or a body.
    public enum FieldType: Sendable, Hashable {
        /// A string.
        case string
        /// A whole number.
        case integer
        /// true or false (`true`/`false` or `1`/`0` in a query).
        case boolean
        /// An array of strings.
        case strings
        /// One word of a vocabulary (`laptop`, `ssd` …).
        case word([String])
        /// An array of words of a vocabulary (roles).
        case words([String])

        /// The words of a vocabulary, as its raw values.
        static func word<V: CaseIterable & RawRepresentable>(_ type: V.Type) -> Self where V.RawValue == String {
            .word(type.allCases.map(\.rawValue))
        }
    }

    /// A query parameter or a JSON body field.
    public struct Field: Sendable, Hashable {
        /// Its name (snake_case).
        public var name: String
        /// Its JSON type.
        public var type: FieldType
        /// Whether it must be given.
        public var required: Bool
        /// What it means.
        public var description: String

        init(_ name: String, _ type: FieldType, required: Bool = false, _ description: String) {
            self.name = name
            self.type = type
            self.required = required
            self.description = description
        }

        /// A string field.
        init(_ name: String, required: Bool = false, _ description: String) {
            self.init(name, .string, required: required, description)
        }
    }

    /// What a route's request body is.
    public enum Body: Sendable, Hashable {
        /// No body.
        case none
        /// A JSON object with these fields.
        case json([Field])
        /// A CSV file (`text/csv`), streamed.
        case csv
        /// Any bytes (`application/octet-stream`): an evidence file, an nwipe log.
        case bytes
    }

    /// What a route's successful response is.
    public enum Produces: Sendable, Hashable {
        /// A JSON document (the CLI's `--json` result).
        case json
        /// An archive download (`application/gzip` or `application/zip`).
        case archive
        /// PEM text (`application/pkcs10`).
        case pem
        /// A document for people, as a download: CSV, HTML or PDF.
        case document
    }

    /// The HTTP method.
    public var method: HTTPRequest.Method
    /// The path, in Hummingbird's syntax (`/api/v1/assets/:tag`).
    public var path: String
    /// Who may call it.
    public var access: Access
    /// One line saying what it does (the OpenAPI summary).
    public var summary: String
    /// Its query parameters.
    public var query: [Field]
    /// Its request body.
    public var body: Body
    /// The status of success (200, or 201 for a creation).
    public var success: Int
    /// What success returns.
    public var produces: Produces

    init(
        _ method: HTTPRequest.Method, _ path: String, _ access: Access, _ summary: String, query: [Field] = [],
        body: Body = .none, success: Int = 200, produces: Produces = .json
    ) {
        self.method = method
        self.path = path
        self.access = access
        self.summary = summary
        self.query = query
        self.body = body
        self.success = success
        self.produces = produces
    }

    /// The path's parameters (`:tag` → `tag`), in order.
    public var pathParameters: [String] {
        path.split(separator: "/").filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) }
    }

    /// The path in OpenAPI's syntax (`/api/v1/assets/{tag}`).
    public var openAPIPath: String {
        "/"
            + path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            .joined(separator: "/")
    }

    /// The action the route needs, when it needs one.
    public var action: Action? {
        if case .action(let action) = access { return action }
        return nil
    }

    static let apiPrefix = "/api/v1/"

    /// The path below `/api/v1/`, where the authenticated group is mounted.
    var groupPath: RouterPath {
        precondition(path.hasPrefix(Self.apiPrefix), "\(path) is not under \(Self.apiPrefix)")
        return RouterPath(String(path.dropFirst(Self.apiPrefix.count)))
    }
}

extension RouterGroup where Context == LetheRequestContext {
    /// Adds a route of the table: the handler runs only for a principal the route's access allows
    /// (403 otherwise, before the body is read), and gets that principal as the actor.
    @discardableResult
    func on(
        _ route: APIRoute,
        use handler:
            @escaping @Sendable (Request, LetheRequestContext, Principal) async throws -> some ResponseGenerator
    ) -> Self {
        precondition(route.access != .open, "\(route.path) is open: add it to the router, not the API group")
        return on(route.groupPath, method: route.method) { request, context in
            let principal = try context.requirePrincipal()
            if let action = route.action { try Authorization.check(principal, action) }
            guard case .json(let fields) = route.body else { return try await handler(request, context, principal) }
            // A JSON body is read here, once, for the names of its members: a misspelt one
            // ("custodain") was ignored, and the request succeeded without what it meant to say.
            var request = request
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            try APIRoute.refuseUnknownMembers(of: body, taken: fields)
            return try await handler(request, context, principal)
        }
    }
}

extension APIRoute {
    /// Refuses (400 `usage`) a JSON object body with a member the route does not take, naming it
    /// and the members taken. A body that is not a JSON object is left to the route's decoding.
    static func refuseUnknownMembers(of body: ByteBuffer, taken fields: [Field]) throws(LetheError) {
        guard body.readableBytes > 0,
            let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
        else { return }
        let taken = Set(fields.map(\.name))
        let unknown = object.keys.filter { !taken.contains($0) }.sorted()
        guard !unknown.isEmpty else { return }
        throw LetheError(
            .usage,
            "the body has \(unknown.count == 1 ? "a member" : "members") this route does not take: \(unknown.map { Quoted($0).description }.joined(separator: ", ")) (it takes \(fields.map(\.name).joined(separator: ", "))); nothing was changed"
        )
    }
}

extension Parameters {
    /// A path parameter that is a positive integer id, or a 404 naming it.
    func id(_ name: String = "id", of what: String) throws(LetheError) -> Int64 {
        let text = self.get(name) ?? ""
        guard let id = Int64(text), id > 0 else {
            throw LetheError(.notFound, "there is no \(what) \(Quoted(text)): \(what) ids are positive integers")
        }
        return id
    }

    /// A path parameter (always present on a matched route), percent-decoded: the router matches
    /// the path as sent, so a user named `jo smith` arrives as `jo%20smith` and an asset tagged
    /// `LAP/9` as `LAP%2F9` (one segment until decoded). A malformed escape is kept as sent.
    func text(_ name: String) -> String {
        let sent = self.get(name) ?? ""
        return sent.removingPercentEncoding ?? sent
    }
}
