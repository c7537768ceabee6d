import Foundation
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheSanitize

/// Whether this process can attach loop devices (root with losetup), as on the build machine.
private let loopDevicesAvailable: Bool =
    getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/losetup")
    && FileManager.default.fileExists(atPath: "/dev/loop-control")

private func losetup(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/sbin/losetup")
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
}

/// A real block device: a loop device over an image file whose size is not a multiple of 1 MiB.
@Test(.enabled(if: loopDevicesAvailable, "needs root and losetup"))
func aLoopDeviceIsOverwrittenToItsKernelSize() throws {
    let root = TemporaryDirectory()
    let image = root.file("loop.img")
    let size = 6 * (1 << 20) + 512 * 3  // whole 512-byte sectors, not whole MiB or 4 KiB
    _ = FileManager.default.createFile(atPath: image, contents: Data(repeating: 0xA5, count: size))
    guard let device = try? losetup(["-f", "--show", image]) else { return }  // no free loop device
    defer { _ = try? losetup(["-d", device]) }
    // The size comes from BLKGETSIZE64 on the device, and the safety checks pass an unmounted loop device.
    let checked = try TargetSafety().check(
        path: device, assetTag: "LOOP-1", assetSerial: nil, dataDirectory: root.file("data"), follow: false,
        ignoreSerial: false)
    #expect(checked.isBlockDevice)
    #expect(checked.size == Int64(size))
    #expect(checked.deviceName == (device as NSString).lastPathComponent)
    let seed = PatternStream.newSeed()
    let result = try OverwriteEngine().run(
        OverwriteRequest(path: device, pattern: .random, passes: 1, seed: seed), stop: StopSignal()
    ) { _ in }
    #expect(result.completed && result.isBlockDevice)
    #expect(result.bytesWritten == Int64(size))
    let report = try ReadbackEngine().run(path: device, pattern: .random, seed: seed, pass: 1, mode: .full)
    #expect(report.passed)
    #expect(report.bytesRead == Int64(size))
}
