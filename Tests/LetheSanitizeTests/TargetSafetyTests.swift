import Foundation
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheSanitize

/// The safety checks against a fake /proc and /sys (the real ones cannot be staged in a test).
@Suite struct TargetSafetyTests {
    static func fakeSystem(_ root: TemporaryDirectory, mounts: [String]) -> TargetSafety {
        var safety = TargetSafety()
        safety.procRoot = root.file("proc")
        safety.sysRoot = root.file("sys")
        safety.devRoot = root.file("dev")
        let fm = FileManager.default
        try? fm.createDirectory(atPath: root.file("proc/self"), withIntermediateDirectories: true)
        let mountinfo = mounts.enumerated().map {
            "\($0.offset + 20) 1 \($0.element) / /mnt/m\($0.offset) rw - ext4 x rw"
        }
        _ = root.write("proc/self/mountinfo", mountinfo.joined(separator: "\n") + "\n")
        // A disk sdz (8:0) with one partition sdz1 (8:1) and a serial; a loop device loop5 (7:5).
        for path in ["sys/class/block/sdz/sdz1", "sys/class/block/sdz/device", "sys/block/loop5/loop"] {
            try? fm.createDirectory(atPath: root.file(path), withIntermediateDirectories: true)
        }
        _ = root.write("sys/class/block/sdz/dev", "8:0\n")
        _ = root.write("sys/class/block/sdz/sdz1/dev", "8:1\n")
        _ = root.write("sys/class/block/sdz/sdz1/partition", "1\n")
        _ = root.write("sys/class/block/sdz/device/serial", "  WD-WCC4E1234567 \n")
        _ = root.write("sys/block/loop5/dev", "7:5\n")
        return safety
    }

    @Test func aDiskWithAMountedPartitionIsRefused() throws {
        let root = TemporaryDirectory()
        let safety = Self.fakeSystem(root, mounts: ["8:1"])
        #expect(throws: LetheError.self) {
            try safety.refuseMounted(path: "/dev/sdz", majorMinor: "8:0", name: "sdz", viaLoop: false)
        }
        let quiet = Self.fakeSystem(TemporaryDirectory(), mounts: ["8:16"])
        try quiet.refuseMounted(path: "/dev/sdz", majorMinor: "8:0", name: "sdz", viaLoop: false)
    }

    @Test func serialMustMatchTheAsset() throws {
        let root = TemporaryDirectory()
        let safety = Self.fakeSystem(root, mounts: [])
        let serials = safety.serials(device: "sdz")
        #expect(serials == ["WD-WCC4E1234567"])
        try safety.refuseSerialMismatch(
            path: "/dev/sdz", assetTag: "HDD-1", assetSerial: "WD-WCC4E1234567", serials: serials)
        let error = #expect(throws: LetheError.self) {
            try safety.refuseSerialMismatch(
                path: "/dev/sdz", assetTag: "HDD-1", assetSerial: "WD-OTHER", serials: serials)
        }
        #expect(error?.message.contains("WD-OTHER") == true)
        #expect(throws: LetheError.self) {
            try safety.refuseSerialMismatch(path: "/dev/sdz", assetTag: "HDD-1", assetSerial: nil, serials: serials)
        }
        // A device that reports no serial (a loop device) has nothing to compare.
        try safety.refuseSerialMismatch(path: "/dev/loop5", assetTag: "HDD-1", assetSerial: "X", serials: [])
    }

    @Test func aDiskIsReadBackOnlyWhileItReportsTheAssetsSerial() throws {
        let root = TemporaryDirectory()
        let safety = Self.fakeSystem(root, mounts: [])
        // The disk the overwrite checked still reports the asset's serial: read back
        try safety.refuseOtherDevice(
            path: "/dev/sdz", deviceName: "sdz", assetTag: "HDD-1", assetSerial: " WD-WCC4E1234567 ")
        // Another disk now under that name, or an asset whose serial was removed: refused
        let other = #expect(throws: LetheError.self) {
            try safety.refuseOtherDevice(
                path: "/dev/sdz", deviceName: "sdz", assetTag: "HDD-1", assetSerial: "WD-OTHER")
        }
        #expect(other?.code == .conflict)
        #expect(other?.message.contains("not the medium that was overwritten") == true)
        let unlabelled = #expect(throws: LetheError.self) {
            try safety.refuseOtherDevice(path: "/dev/sdz", deviceName: "sdz", assetTag: "HDD-1", assetSerial: nil)
        }
        // (advice for a read-back: no overwrite's --ignore-serial)
        #expect(unlabelled?.message.contains("cannot be shown to be the medium that was overwritten") == true)
        #expect(unlabelled?.message.contains("--ignore-serial") == false)
        // A device that reports no serial has nothing to compare
        try safety.refuseOtherDevice(path: "/dev/loop5", deviceName: "loop5", assetTag: "HDD-1", assetSerial: "X")
        // And a regular file is not compared here (its inode is)
        let image = root.write("disk.img", "x")
        #expect(FileManager.default.fileExists(atPath: image))
        try safety.refuseOtherDevice(path: image, assetTag: "HDD-1", assetSerial: "WD-OTHER")
    }

    @Test func anImageBehindAMountedLoopDeviceIsRefused() throws {
        let root = TemporaryDirectory()
        let image = root.file("disk.img")
        _ = FileManager.default.createFile(atPath: image, contents: Data(count: 8192))
        let safety = Self.fakeSystem(root, mounts: ["7:5"])
        let resolved = URL(fileURLWithPath: image).resolvingSymlinksInPath().path
        _ = root.write("sys/block/loop5/loop/backing_file", resolved + "\n")
        let error = #expect(throws: LetheError.self) {
            try safety.check(
                path: image, assetTag: "IMG-1", assetSerial: nil, dataDirectory: nil, follow: false, ignoreSerial: false
            )
        }
        #expect(error?.message.contains("mounted") == true)
        // Unmounted, the same image passes and its size is the file's.
        let free = Self.fakeSystem(root, mounts: [])
        let checked = try free.check(
            path: image, assetTag: "IMG-1", assetSerial: nil, dataDirectory: nil, follow: false, ignoreSerial: false)
        #expect(checked.size == 8192)
        #expect(!checked.isBlockDevice)
    }

    @Test func readOnlyAndDataDirectoryTargetsAreRefused() throws {
        let root = TemporaryDirectory()
        let safety = Self.fakeSystem(root, mounts: [])
        let data = root.file("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let inside = data + "/lethe.sqlite"
        _ = FileManager.default.createFile(atPath: inside, contents: Data(count: 10))
        #expect(throws: LetheError.self) {
            try safety.check(
                path: inside, assetTag: "A", assetSerial: nil, dataDirectory: data, follow: false, ignoreSerial: false)
        }
        let readOnly = root.file("ro.img")
        _ = FileManager.default.createFile(
            atPath: readOnly, contents: Data(count: 10), attributes: [.posixPermissions: 0o400])
        // (refused for root too, whom access() would let write anything)
        let refusal = #expect(throws: LetheError.self) {
            try safety.check(
                path: readOnly, assetTag: "A", assetSerial: nil, dataDirectory: nil, follow: false, ignoreSerial: false)
        }
        #expect(refusal?.code == .permission)
        #expect(refusal?.message.contains("read-only (mode 400)") == true)
    }

    @Test func anEmptyTargetIsRefused() throws {
        // Given an image file of no bytes (nothing on it to overwrite, nothing a read-back could check)
        let root = TemporaryDirectory()
        let safety = Self.fakeSystem(root, mounts: [])
        let empty = root.file("empty.img")
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        // Then it is refused before anything is written
        let refusal = #expect(throws: LetheError.self) {
            try safety.check(
                path: empty, assetTag: "A", assetSerial: nil, dataDirectory: nil, follow: false, ignoreSerial: false)
        }
        #expect(refusal?.message.contains("empty (0 bytes)") == true)
    }

    @Test func aHardLinkToAFileOfTheDataDirectoryIsRefused() throws {
        // Given a data directory holding a database and a key in a subfolder, and hard links to them
        // outside it (paths that share no prefix with the data directory),
        let root = TemporaryDirectory()
        let safety = Self.fakeSystem(root, mounts: [])
        let data = root.file("data")
        try FileManager.default.createDirectory(atPath: data + "/keys", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: data + "/lethe.sqlite", contents: Data(count: 4096))
        _ = FileManager.default.createFile(atPath: data + "/keys/issuer.key", contents: Data(count: 100))
        for (file, link) in [("lethe.sqlite", "x"), ("keys/issuer.key", "y.img")] {
            #expect(Foundation.link(data + "/" + file, root.file(link)) == 0)
            // when either is given as the target, even with --allow-hard-links,
            // then it is refused as the data directory's own file, named.
            #expect {
                try safety.check(
                    path: root.file(link), assetTag: "A", assetSerial: nil, dataDirectory: data, follow: false,
                    ignoreSerial: false, allowHardLinks: true)
            } throws: { error in
                let error = error as? LetheError
                return error?.code == .conflict && error?.message.contains("same file as \(data)/\(file)") == true
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: data + "/lethe.sqlite")) == Data(count: 4096))
    }

    @Test func anImageWithOtherHardLinksIsRefusedUnlessAllowed() throws {
        // Given an image file with a second name,
        let root = TemporaryDirectory()
        let safety = Self.fakeSystem(root, mounts: [])
        let image = root.file("disk.img")
        _ = FileManager.default.createFile(atPath: image, contents: Data(count: 8192))
        #expect(Foundation.link(image, root.file("other-name.img")) == 0)
        // when it is checked, then it is refused (its other name would lose its data too),
        #expect {
            try safety.check(
                path: image, assetTag: "A", assetSerial: nil, dataDirectory: root.file("data"), follow: false,
                ignoreSerial: false)
        } throws: { error in
            (error as? LetheError)?.message.contains("2 hard links") == true
        }
        // unless allowed on purpose, and then its identity is the file's.
        let checked = try safety.check(
            path: image, assetTag: "A", assetSerial: nil, dataDirectory: root.file("data"), follow: false,
            ignoreSerial: false, allowHardLinks: true)
        #expect(checked.identity == FileIdentity.of(path: root.file("other-name.img")))
    }
}
