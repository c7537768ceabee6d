import Foundation
import LetheCore

/// A `multipart/form-data` body (RFC 7578) as the console's upload form sends it: its text fields
/// and its file parts, read whole (the console caps the body's size before parsing).
struct ConsoleMultipart: Sendable {
    /// One file part.
    struct File: Sendable {
        /// The file name the browser sent (only a label: never used as a path).
        var fileName: String
        /// Its bytes.
        var bytes: [UInt8]
    }

    private(set) var fields: [String: String] = [:]
    private(set) var files: [String: File] = [:]

    /// Parses `body` sent with `contentType`; a body that is not multipart is a usage error.
    init(_ body: [UInt8], contentType: String) throws(LetheError) {
        guard contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundaryRange = contentType.range(of: "boundary=")
        else { throw LetheError(.usage, "the upload form must be sent as multipart/form-data") }
        var boundary = String(contentType[boundaryRange.upperBound...])
        if let end = boundary.firstIndex(of: ";") { boundary = String(boundary[..<end]) }
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        guard !boundary.isEmpty else { throw LetheError(.usage, "the upload form has no multipart boundary") }
        let delimiter = Array("--\(boundary)".utf8)
        let separator = Array("\r\n\r\n".utf8)
        var parts = Self.split(body, by: delimiter)
        // Before the first delimiter is a preamble; after the last (`--`) an epilogue.
        guard parts.count >= 2 else { throw LetheError(.usage, "the upload form's body has no parts") }
        parts.removeFirst()
        for part in parts {
            if part.starts(with: Array("--".utf8)) { break }
            guard let headerEnd = Self.index(of: separator, in: part, from: 0) else { continue }
            let headers = String(decoding: part[part.startIndex..<headerEnd], as: UTF8.self)
            var content = Array(part[(headerEnd + separator.count)...])
            if content.suffix(2) == [13, 10] { content.removeLast(2) }
            guard let name = Self.parameter("name", in: headers) else { continue }
            if let fileName = Self.parameter("filename", in: headers) {
                files[name] = File(fileName: fileName, bytes: content)
            } else if fields[name] == nil {
                fields[name] = String(decoding: content, as: UTF8.self)
            }
        }
    }

    private static func parameter(_ name: String, in headers: String) -> String? {
        guard let range = headers.range(of: "; \(name)=\"") else { return nil }
        let rest = headers[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    private static func split(_ bytes: [UInt8], by delimiter: [UInt8]) -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var start = 0
        while let found = index(of: delimiter, in: bytes[...], from: start) {
            parts.append(bytes[start..<found])
            start = found + delimiter.count
        }
        parts.append(bytes[start...])
        return parts
    }

    private static func index(of needle: [UInt8], in haystack: ArraySlice<UInt8>, from start: Int) -> Int? {
        guard let first = needle.first, haystack.endIndex - needle.count >= start else { return nil }
        var position = max(start, haystack.startIndex)
        while position <= haystack.endIndex - needle.count {
            if haystack[position] == first, haystack[position..<(position + needle.count)].elementsEqual(needle) {
                return position
            }
            position += 1
        }
        return nil
    }
}
