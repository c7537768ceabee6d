import Foundation
import LetheCore
import LetheTestSupport
import Testing

@testable import Lethe

/// A new user's walk-through imported `Q-1,"hdd,low` followed by two rows: CSV.swift read the rest
/// of the file into the open quoted field, and the import said only that one row had too few
/// fields. A quoted field that is never closed is now named, on the line it opens.
@Suite struct CSVQuoteImportTests {
    /// The line of a quoted field still open after `text`, fed in pieces of `piece` bytes.
    static func openQuote(_ text: String, piece: Int = 3) -> Int? {
        var tracker = CSVQuoteTracker()
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: piece) {
            bytes[start..<min(start + piece, bytes.count)].withUnsafeBytes { tracker.scan($0) }
        }
        return tracker.openQuoteLine
    }

    @Test func theTrackerFollowsQuotedFieldsAsTheReaderReadsThem() {
        #expect(Self.openQuote("a,b\n\"x,y\n") == 2)
        #expect(Self.openQuote("a,b\n1,2\n3,\"never\nclosed,\n") == 3)
        // closed ones, escaped quotes, line breaks inside, CRLF, and a quote inside an unquoted field
        #expect(Self.openQuote("a,b\r\n\"x,\"\"y\"\"\",2\r\n\"multi\nline\",3\n15\" screen,4\n") == nil)
        #expect(Self.openQuote("a\n\"ends at the end of the file\"") == nil)
        #expect(Self.openQuote("a\n\"\"") == nil)
        // a byte-order mark, which the reader skips, before a quoted first field
        #expect(Self.openQuote("\u{FEFF}\"a,\",media_type\n1,2\n", piece: 1) == nil)
        #expect(Self.openQuote("\u{FEFF}\"asset_tag,media_type\n1,2\n", piece: 2) == 1)
    }

    @Test func anImportWithAQuoteNeverClosedIsRefusedNamingItsLine() async throws {
        let installation = try TestInstallation()
        let csv = "asset_tag,media_type,classification\nQ-0,hdd,low\nQ-1,\"hdd,low\nQ-2,hdd,low\nQ-3,hdd,low\n"
        let refusal = await #expect(throws: LetheError.self) {
            _ = try await installation.app.assets.importAssets(
                ImportRequest(fileName: "quote.csv"), from: InMemoryBytes(Array(csv.utf8)), by: .local("ivy"))
        }
        #expect(refusal?.code == .invalidInput)
        #expect(
            refusal?.message.contains("quote.csv: line 3: a quoted field") == true, "\(String(describing: refusal))")
        #expect(try installation.count("asset") == 0)
    }
}
