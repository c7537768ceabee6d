import Foundation
import LetheCore
import Testing

@testable import LetheSanitize

@Suite struct NwipeLogTests {
    static func fixture(_ name: String) throws -> NwipeLog {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/nwipe")
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try NwipeLog(bytes: Array(data), fileName: name)
    }

    @Test func verifiedZeroRun() throws {
        let log = try Self.fixture("verified-zero.log")
        #expect(log.version == "0.33")
        #expect(log.device == "/dev/loop0")
        #expect(log.model == "Loopback device")
        #expect(log.method == "Fill With Zeros")
        #expect(log.rounds == 1)
        #expect(log.verify == "1 (last pass)")
        #expect(log.prng == "Isaac64")
        #expect(log.bytesWritten == 2 * 33_554_432)  // the zero pass and the blanking pass
        #expect(log.status == .erased)
        #expect(log.passErrors == 0 && log.verificationErrors == 0 && log.syncErrors == 0)
        #expect(log.erasedWithoutErrors)
        #expect(log.toolVerified)
        #expect(try log.startedAt == RFC3339.parse("2026-11-23T00:59:45Z"))
        #expect(try log.endedAt == RFC3339.parse("2026-11-23T00:59:47Z"))
        #expect(log.serialHex?.isEmpty == false)
    }

    @Test func multiPassRun() throws {
        let log = try Self.fixture("multipass-dodshort.log")
        #expect(log.method == "DoD Short")
        #expect(log.verify == "2 (all passes)")
        #expect(log.bytesWritten == 4 * 33_554_432)  // three passes and the blanking pass
        #expect(log.verificationsPassed >= 3)
        #expect(log.status == .erased)
        #expect(log.erasedWithoutErrors)
    }

    @Test func abortedRun() throws {
        let log = try Self.fixture("aborted-random.log")
        #expect(log.status == .aborted)
        #expect(!log.erasedWithoutErrors)
        #expect(!log.toolVerified)
        #expect(log.method == "PRNG Stream")
    }

    @Test func invalidUTF8SerialKeepsTheRestOfTheLog() throws {
        // Byte-edited from the real verified log (see Fixtures/nwipe/README.md).
        let log = try Self.fixture("edited-invalid-serial.log")
        #expect(log.serialHex == "fffe57442dc32880")
        #expect(log.serial?.contains("\u{FFFD}") == true)
        #expect(log.status == .erased)
        #expect(log.bytesWritten == 2 * 33_554_432)
    }

    @Test func refusesSomethingElse() {
        #expect(throws: LetheError.self) { try NwipeLog(bytes: Array("hello\n".utf8), fileName: "x.txt") }
    }
}
