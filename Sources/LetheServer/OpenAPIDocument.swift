import Foundation
import HTTPTypes
import Hummingbird
import Lethe
import LetheCore
import NIOCore

/// The OpenAPI 3.1 document of the API, made from the route table (``APIRoute/all``) so that it
/// cannot drift from the router: `GET /api/v1/openapi.json` serves it from the binary, and
/// docs/openapi.json is a copy a test keeps equal.
public enum OpenAPIDocument {
    /// The document as pretty-printed JSON with sorted keys (stable bytes).
    public static let json: Data = {
        // The document is plain dictionaries, arrays, strings, numbers and booleans: serialization
        // cannot fail.
        try! JSONSerialization.data(
            withJSONObject: document(), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }()

    /// The error statuses an authenticated route may answer, with what each means.
    static let errorStatuses: [(Int, String)] = [
        (400, "The request is not what this route takes (a bad parameter or body)."),
        (401, "No valid API token."),
        (403, "The token's roles do not allow this action (see docs/security.md), or separation of duties."),
        (404, "No such resource."),
        (409, "The resource's state does not allow this (a conflict or an illegal transition)."),
        (413, "The body is larger than the server accepts."),
        (422, "The input is well-formed but invalid (every problem is listed)."),
        (429, "Too many failed authentications from this address."),
    ]

    static func document() -> [String: Any] {
        var paths: [String: [String: Any]] = [:]
        for route in APIRoute.all {
            paths[route.openAPIPath, default: [:]][route.method.rawValue.lowercased()] = operation(route)
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Lethe API",
                "version": "1",
                "description":
                    "Secure data disposal and asset tracking. Every route under /api/v1 but this document needs 'Authorization: Bearer TOKEN'; the actor of every event is the token's user. Results are the CLI's --json results; errors are RFC 9457 problems with the CLI's message and a stable code. See docs/api.md.",
            ],
            "servers": [["url": "/"]],
            "security": [["bearer": [String]()]],
            "paths": paths,
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]],
                "schemas": ["Problem": problemSchema],
            ],
        ]
    }

    static var problemSchema: [String: Any] {
        [
            "type": "object",
            "required": ["type", "title", "status", "detail", "code"],
            "properties": [
                "type": ["type": "string"], "title": ["type": "string"], "status": ["type": "integer"],
                "detail": ["type": "string"], "code": ["type": "string"],
                "errors": ["type": "array", "items": ["type": "string"]], "total_problems": ["type": "integer"],
            ],
        ]
    }

    static func schema(_ type: APIRoute.FieldType) -> [String: Any] {
        switch type {
        case .string: ["type": "string"]
        case .integer: ["type": "integer"]
        case .boolean: ["type": "boolean"]
        case .strings: ["type": "array", "items": ["type": "string"]]
        case .word(let words): ["type": "string", "enum": words]
        case .words(let words): ["type": "array", "items": ["type": "string", "enum": words]]
        }
    }

    /// Path parameters that are ids are positive integers; the rest are strings.
    static let integerParameters: Set<String> = ["id", "index"]

    static func operation(_ route: APIRoute) -> [String: Any] {
        var operation: [String: Any] = [
            "operationId": operationID(route),
            "summary": route.summary,
            "tags": [tag(route)],
        ]
        switch route.access {
        case .open:
            operation["security"] = [[String: Any]]()
            operation["description"] = "Open: no token needed."
        case .authenticated:
            operation["description"] = "Any authenticated user."
        case .action(let action):
            let roles = Authorization.roles(for: action).sorted().map(\.rawValue).joined(separator: ", ")
            operation["description"] = "Action `\(action.rawValue)`; roles: \(roles)."
            operation["x-lethe-action"] = action.rawValue
        }
        var parameters: [[String: Any]] = route.pathParameters.map { name in
            [
                "name": name, "in": "path", "required": true,
                "schema": integerParameters.contains(name)
                    ? ["type": "integer", "minimum": 1] : ["type": "string", "minLength": 1],
            ]
        }
        parameters += route.query.map { field in
            [
                "name": field.name, "in": "query", "required": field.required, "description": field.description,
                "schema": schema(field.type),
            ]
        }
        if !parameters.isEmpty { operation["parameters"] = parameters }
        switch route.body {
        case .none: break
        case .json(let fields):
            var properties: [String: Any] = [:]
            for field in fields {
                var property = schema(field.type)
                property["description"] = field.description
                properties[field.name] = property
            }
            let required = fields.filter(\.required).map(\.name)
            var object: [String: Any] = ["type": "object", "properties": properties, "additionalProperties": false]
            if !required.isEmpty { object["required"] = required }
            operation["requestBody"] = [
                "required": !required.isEmpty, "content": ["application/json": ["schema": object]],
            ]
        case .csv:
            operation["requestBody"] = [
                "required": true, "content": ["text/csv": ["schema": ["type": "string"]]],
            ]
        case .bytes:
            operation["requestBody"] = [
                "required": true,
                "content": ["application/octet-stream": ["schema": ["type": "string", "format": "binary"]]],
            ]
        }
        var responses: [String: Any] = [:]
        switch route.produces {
        case .json:
            responses["\(route.success)"] = [
                "description": "The result (the CLI's --json result).",
                "content": ["application/json": ["schema": ["type": "object"]]],
            ]
        case .archive:
            let binary: [String: Any] = ["schema": ["type": "string", "format": "binary"]]
            responses["\(route.success)"] = [
                "description": "The archive.", "content": ["application/gzip": binary, "application/zip": binary],
            ]
        case .pem:
            responses["\(route.success)"] = [
                "description": "PEM text.", "content": ["application/pkcs10": ["schema": ["type": "string"]]],
            ]
        case .document:
            let binary: [String: Any] = ["schema": ["type": "string", "format": "binary"]]
            responses["\(route.success)"] = [
                "description": "The document, as a download.",
                "content": ["text/csv": binary, "text/html": binary, "application/pdf": binary],
            ]
        }
        let problem: [String: Any] = [
            "application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]
        ]
        if route.access == .open {
            if route == .readyz { responses["503"] = ["description": "Not ready.", "content": problem] }
        } else {
            for (status, meaning) in errorStatuses {
                responses["\(status)"] = ["description": meaning, "content": problem]
            }
            switch route.produces {
            case .document, .archive:
                responses["503"] = [
                    "description":
                        "As many large downloads as the service makes at once are under way; try again later.",
                    "content": problem,
                ]
            default: break
            }
        }
        operation["responses"] = responses
        return operation
    }

    /// `post /api/v1/assets/:tag/retire` → `postAssetsTagRetire`.
    static func operationID(_ route: APIRoute) -> String {
        let words = route.path.split(whereSeparator: { "/:._-".contains($0) }).filter { $0 != "api" && $0 != "v1" }
        return route.method.rawValue.lowercased() + words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// The first path segment under /api/v1 (assets, jobs …) groups operations.
    static func tag(_ route: APIRoute) -> String {
        let segments = route.path.split(separator: "/")
        return segments.count > 2 ? String(segments[2]) : "health"
    }
}

/// `GET /api/v1/openapi.json`, open.
struct OpenAPIRoutes {
    func add(to router: Router<LetheRequestContext>) {
        router.on(RouterPath(APIRoute.openAPI.path), method: .get) { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.json)))
        }
    }
}

extension APIRoute {
    /// The route table as Markdown, one row per route: what docs/api.md prints (a test keeps the
    /// two equal).
    public static func markdownTable() -> String {
        var lines = ["| method and path | needs | what |", "| --- | --- | --- |"]
        for route in all {
            let needs: String =
                switch route.access {
                case .open: "nothing"
                case .authenticated: "any token"
                case .action(let action):
                    "`\(action.rawValue)` (\(Authorization.roles(for: action).count == Role.allCases.count ? "every role" : Authorization.roles(for: action).sorted().map(\.rawValue).joined(separator: ", ")))"
                }
            var what = route.summary
            switch route.body {
            case .none: break
            case .json(let fields):
                what += "; body " + fields.map { "`\($0.name)`\($0.required ? "" : "?")" }.joined(separator: ", ")
            case .csv: what += "; body `text/csv`"
            case .bytes: what += "; body: the file's bytes"
            }
            if !route.query.isEmpty {
                what += "; query " + route.query.map { "`\($0.name)`" }.joined(separator: ", ")
            }
            lines.append("| `\(route.method.rawValue) \(route.openAPIPath)` | \(needs) | \(what) |")
        }
        return lines.joined(separator: "\n")
    }
}
