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

    @Test(arguments: [
        ("2026/11/23 00:59:45", "2026-11-23T00:59:45Z"), ("2026/02/29 00:00:00", nil), ("2026/13/01 00:00:00", nil),
        ("2026/11/23 00:59:4\u{0322}", nil), ("2026/11/23 00:59:45 ", nil), ("2026-11-23 00:59:45", nil),
        ("", nil), ("2026/11/23 0a:59:45", nil),
    ])
    func aStampIsReadOnlyInNwipesShape(_ stamp: String, _ expected: String?) throws {
        #expect(NwipeLog.stampDate(Substring(stamp)) == (try expected.map { try RFC3339.parse($0) }))
    }

    @Test func aLineWhoseStampIsNotASCIIIsReadWithoutATime() throws {
        // Given a real log with a line added whose stamp holds a combining character and bytes that
        // are not UTF-8 (a fuzzed log: Foundation's DateFormatter stopped the process on it)
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/nwipe")
        var bytes = Array(try Data(contentsOf: directory.appendingPathComponent("verified-zero.log")))
        let line = Array("[2026/11/23 00:59:4".utf8) + [0xCC, 0xA2, 0xDF, 0xDF, 0x91] + Array("] info: x\n".utf8)
        let firstLineEnd = try #require(bytes.firstIndex(of: UInt8(ascii: "\n")))
        bytes.insert(contentsOf: line, at: firstLineEnd + 1)

        // Then it parses as the log does, the added line's stamp read as no time
        let log = try NwipeLog(bytes: bytes, fileName: "fuzzed.log")
        #expect(try log.startedAt == RFC3339.parse("2026-11-23T00:59:45Z"))
        #expect(try log.endedAt == RFC3339.parse("2026-11-23T00:59:47Z"))
        #expect(log.status == .erased)
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

    static func text(_ name: String) throws -> [UInt8] {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/nwipe")
        return Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// `verified-zero.log` with `old` replaced by `new` (byte-wise, so the raw serial stays).
    static func edited(_ old: String, _ new: String) throws -> NwipeLog {
        let bytes = try text("verified-zero.log")
        let needle = Array(old.utf8)
        let start = try #require(
            (0...(bytes.count - needle.count)).first { bytes[$0..<$0 + needle.count].elementsEqual(needle) })
        let changed = Array(bytes[..<start]) + Array(new.utf8) + Array(bytes[(start + needle.count)...])
        return try NwipeLog(bytes: changed, fileName: "edited.log")
    }

    static let loop32 = NwipeExpectation(assetTag: "HDD-2", serial: "30d8048b7f", capacityBytes: 33_554_432)

    @Test(arguments: ["verified-zero.log", "multipass-dodshort.log", "edited-invalid-serial.log"])
    func realErasedLogsAreConsistent(name: String) throws {
        let log = try Self.fixture(name)
        #expect(log.devices.count == 1)
        #expect(log.devices[0].sizeBytes == 33_554_432)
        #expect(log.completenessFindings() == [])
    }

    @Test func theAssetsSerialAsHexOrTextSelectsTheDevice() throws {
        let log = try Self.fixture("verified-zero.log").selectingDevice(for: Self.loop32, logName: "v.log")
        #expect(log.device == "/dev/loop0")
        #expect(log.devices[0].hasSerial("30D8048B7F"))
        #expect(!log.devices[0].hasSerial("30d8048b"))
    }

    /// A real 32 MiB loop-device log offered for a 1 TB drive with another serial (issue 13).
    @Test func anotherDrivesSerialIsRefusedNamingBothValues() throws {
        let log = try Self.fixture("verified-zero.log")
        let refused = #expect(throws: LetheError.self) {
            try log.selectingDevice(
                for: NwipeExpectation(assetTag: "HDD-9", serial: "WD-WCC4E1234567", capacityBytes: 1_000_204_886_016),
                logName: "verified-zero.log")
        }
        #expect(refused?.message.contains("serial: the log says /dev/loop0 (serial hex 30d8048b7f)") == true)
        #expect(refused?.message.contains("expected 'WD-WCC4E1234567'") == true)
        #expect(refused?.message.contains("HDD-9") == true)
    }

    @Test func anotherSizeIsRefusedEvenWhenTheSerialCheckIsSkipped() throws {
        let log = try Self.fixture("verified-zero.log")
        let refused = #expect(throws: LetheError.self) {
            try log.selectingDevice(
                for: NwipeExpectation(
                    assetTag: "HDD-9", serial: "WD-1", capacityBytes: 1_000_000_000_000, ignoreSerial: true),
                logName: "verified-zero.log")
        }
        #expect(refused?.message.contains("device size of /dev/loop0: the log says 33554432 bytes") == true)
        #expect(refused?.message.contains("expected 1000000000000 bytes") == true)
    }

    /// A real log of two devices: the asset's is chosen (by --device when the loop driver gave
    /// both the same serial bytes), and only its lines count.
    @Test func aTwoDeviceLogYieldsTheAssetsDevice() throws {
        let log = try Self.fixture("two-devices.log")
        #expect(log.devices.map(\.path) == ["/dev/loop0", "/dev/loop1"])
        var asset = NwipeExpectation(assetTag: "USB-1", serial: "507554c67f", capacityBytes: 8_388_608)
        let ambiguous = #expect(throws: LetheError.self) { try log.selectingDevice(for: asset, logName: "t.log") }
        #expect(ambiguous?.message.contains("--device") == true)
        asset.devicePath = "/dev/loop1"
        let chosen = try log.selectingDevice(for: asset, logName: "t.log")
        #expect(chosen.device == "/dev/loop1")
        #expect(chosen.bytesWritten == 2 * 8_388_608)
        #expect(chosen.completenessFindings() == [])
        asset.capacityBytes = 16_777_216
        #expect(throws: LetheError.self) { try log.selectingDevice(for: asset, logName: "t.log") }
    }

    /// A real log of two devices whose second failed and whose first is "Erased" by a method that
    /// writes nothing (verify_zero).
    @Test func aVerifyOnlyErasedDeviceAndAFailedOneAreNotErasures() throws {
        let log = try Self.fixture("verify-zero-one-failed.log")
        let first = log.selecting(log.devices[0])
        #expect(first.status == .erased)
        #expect(first.completenessFindings().map(\.field) == ["method"])
        let second = log.selecting(log.devices[1])
        #expect(second.status == .failed)
        #expect(second.errorLines.contains { $0.contains("[FAILURE] /dev/loop1") })
        #expect(!second.erasedWithoutErrors)
        #expect(first.errorLines.isEmpty)
    }

    /// The five-line forgery of issue 13: 0 bytes written and no method, status Erased.
    @Test func aFiveLineForgeryIsNotAnErasure() throws {
        let forged = """
            [2026/11/23 00:59:45]  notice:   banner   = nwipe 0.33
            [2026/11/23 00:59:45]  notice: Found /dev/sdb, ATA, WDC WD10EZEX,   1 TB, S/N=WD-1
            [2026/11/23 00:59:45]  notice: /dev/sdb has serial number WD-1
            ********************************* Drive Status *********************************
                 sdb | Erased |   0 B/s | 00:00:01 | WDC WD10EZEX/WD-1
            [2026/11/23 00:59:47]    info: Nwipe successfully completed.

            """
        let log = try NwipeLog(bytes: Array(forged.utf8), fileName: "forged.log")
        #expect(log.status == .erased)
        #expect(log.completenessFindings().map(\.field) == ["method"])
    }

    @Test func aFailedVerificationUnderAnErasedStatusIsFound() throws {
        let log = try Self.edited(
            "notice: [SUCCESS] Verified that /dev/loop0 is empty.", "error: [FAILURE] /dev/loop0 is not empty .")
        #expect(log.status == .erased)
        let fields = log.completenessFindings().map(\.field)
        #expect(fields.contains("verifications of /dev/loop0"))
        #expect(fields.contains("error lines"))
    }

    @Test func missingBytesAndAMissingPassAreFound() throws {
        let short = try Self.edited(
            "notice: 33554432 bytes written to /dev/loop0\n[2026/11/23 00:59:46]  notice: Finished pass 1/1",
            "notice: 4096 bytes written to /dev/loop0\n[2026/11/23 00:59:46]  notice: Finished pass 1/1")
        let bytes = try #require(short.completenessFindings().first { $0.field == "bytes written to /dev/loop0" })
        #expect(bytes.found == "33558528")
        #expect(bytes.expected.hasPrefix("67108864"))
        let unfinished = try Self.edited("Finished pass 1/1, round 1/1", "Still in pass 1/1, round 1/1")
        #expect(unfinished.completenessFindings().map(\.field) == ["pass 1/1 of round 1/1 on /dev/loop0"])
    }

    @Test func refusesSomethingElse() {
        #expect(throws: LetheError.self) { try NwipeLog(bytes: Array("hello\n".utf8), fileName: "x.txt") }
    }
}
