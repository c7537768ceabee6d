import Foundation
import LetheCore

/// What the safety checks learned about a target that passed them.
public struct CheckedTarget: Sendable, Hashable {
    /// The path given.
    public var path: String
    /// The path it resolves to (what is written).
    public var resolvedPath: String
    /// Whether it is a block device (else a regular image file).
    public var isBlockDevice: Bool
    /// The kernel's name of the device (`sdb`, `loop3`), for block devices.
    public var deviceName: String?
    /// The serial numbers the kernel reports for it (sysfs, /dev/disk/by-id).
    public var serials: [String]
    /// The size an overwrite covers.
    public var size: Int64
    /// Whether the serial check was skipped on purpose (`--ignore-serial --reason`).
    public var serialIgnored: Bool
    /// The file that passed the checks (device and inode): the overwrite opens only this one.
    public var identity: FileIdentity
}

/// The checks that run before a single byte is written: a target that is mounted or holds a
/// mounted partition (or swap), the data directory's own device or files (compared by device and
/// inode, so a hard link or another spelling of a path is caught), an image file with more than
/// one hard link (unless allowed on purpose), a symlink (unless followed on purpose), a read-only
/// target, and a block device whose serial does not match the asset's. Each refusal is an error
/// that names the target and what to do; nothing is written.
public struct TargetSafety: Sendable {
    /// Where the kernel's views live (changed by tests).
    public var procRoot = "/proc"
    /// The sysfs root.
    public var sysRoot = "/sys"
    /// The device directory.
    public var devRoot = "/dev"

    /// Creates the checks over the real system.
    public init() {}

    /// Checks `path` for overwriting the asset `assetTag` with serial `assetSerial`.
    public func check(
        path: String, assetTag: String, assetSerial: String?, dataDirectory: String?, follow: Bool,
        ignoreSerial: Bool, allowHardLinks: Bool = false
    ) throws(LetheError) -> CheckedTarget {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw LetheError(.notFound, "target \(path) does not exist; check the path (nothing was written)")
        }
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        if (info.st_mode & S_IFMT) == S_IFLNK {
            guard follow else {
                throw LetheError(
                    .conflict,
                    "target \(path) is a symlink to \(resolved); give the real path, or --follow to overwrite \(resolved) (nothing was written)"
                )
            }
            guard stat(resolved, &info) == 0 else {
                throw LetheError(.notFound, "target \(path) resolves to \(resolved), which does not exist")
            }
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFBLK || kind == S_IFREG else {
            throw LetheError(
                .invalidInput, "target \(path) is neither a block device nor a regular image file (nothing was written)"
            )
        }
        let isBlock = kind == S_IFBLK
        if let dataDirectory { try refuseDataDirectory(resolved, isBlock: isBlock, info: info, dataDirectory) }
        if !isBlock, info.st_nlink > 1, !allowHardLinks {
            throw LetheError(
                .conflict,
                "target \(path) has \(info.st_nlink) hard links: the same file has other names, which the overwrite would destroy too; find them with 'find / -xdev -samefile \(resolved)', or give --allow-hard-links if that is meant (nothing was written)"
            )
        }
        var kernelName: String?
        var serials: [String] = []
        var mountDevice: String? = isBlock ? Self.majorMinor(info.st_rdev) : nil
        if !isBlock, let loop = loopDevice(backing: resolved) { mountDevice = loop }
        if let majmin = mountDevice {
            let name = deviceName(majorMinor: majmin)
            try refuseMounted(path: path, majorMinor: majmin, name: name, viaLoop: !isBlock)
            if isBlock {
                kernelName = name
                if let name, readText("\(sysRoot)/class/block/\(name)/ro") == "1" {
                    throw LetheError(
                        .permission,
                        "target \(path) (\(name)) is read-only at the kernel (\(sysRoot)/class/block/\(name)/ro = 1); nothing was written"
                    )
                }
                serials = name.map(self.serials(device:)) ?? []
            }
        }
        // access() grants root everything: a file or device whose mode gives no one write
        // permission (chmod a-w, 0444) says not to write it, and is refused for root too.
        if info.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH) == 0 {
            throw LetheError(
                .permission,
                "target \(path) is read-only (mode \(String(info.st_mode & 0o7777, radix: 8))): no one may write it, root included; if it is the medium to overwrite, give it write permission first (chmod u+w); nothing was written"
            )
        }
        if access(resolved, W_OK) != 0 {
            throw LetheError(
                .permission,
                "target \(path) is not writable (\(String(cString: strerror(errno)))); nothing was written")
        }
        if isBlock, !ignoreSerial {
            try refuseSerialMismatch(path: path, assetTag: assetTag, assetSerial: assetSerial, serials: serials)
        }
        let size = try OverwriteEngine.size(of: resolved).size
        guard size > 0 else {
            throw LetheError(
                .invalidInput,
                "target \(path) is empty (0 bytes): there is nothing on it to overwrite, and no read-back could show anything overwritten; give the medium's device or its whole image (nothing was written)"
            )
        }
        return CheckedTarget(
            path: path, resolvedPath: resolved, isBlockDevice: isBlock, deviceName: kernelName, serials: serials,
            size: size, serialIgnored: ignoreSerial && isBlock, identity: FileIdentity(info))
    }

    static func majorMinor(_ device: dev_t) -> String {
        let major = (device >> 8) & 0xFFF | ((device >> 32) & ~0xFFF)
        let minor = (device & 0xFF) | ((device >> 12) & ~0xFF)
        return "\(major):\(minor)"
    }

    func readText(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The kernel name of a block device (`sdb1`) from its major:minor.
    func deviceName(majorMinor: String) -> String? {
        let link = "\(sysRoot)/dev/block/\(majorMinor)"
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link) else { return nil }
        return (target as NSString).lastPathComponent
    }

    /// The major:minor numbers of a device and of its partitions.
    func deviceAndPartitions(name: String?, majorMinor: String) -> Set<String> {
        var result: Set<String> = [majorMinor]
        guard let name else { return result }
        let directory = "\(sysRoot)/class/block/\(name)"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            if let dev = readText("\(directory)/\(entry)/dev"), readText("\(directory)/\(entry)/partition") != nil {
                result.insert(dev)
            }
        }
        // Device-mapper and md devices built on this one are in holders/.
        for holder in (try? FileManager.default.contentsOfDirectory(atPath: "\(directory)/holders")) ?? [] {
            if let dev = readText("\(sysRoot)/class/block/\(holder)/dev") { result.insert(dev) }
        }
        return result
    }

    /// The mounts in mountinfo as (major:minor, mount point).
    func mounts() -> [(String, String)] {
        guard let text = readText("\(procRoot)/self/mountinfo") else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            return (String(fields[2]), String(fields[4]))
        }
    }

    func refuseMounted(path: String, majorMinor: String, name: String?, viaLoop: Bool) throws(LetheError) {
        let devices = deviceAndPartitions(name: name, majorMinor: majorMinor)
        if let mount = mounts().first(where: { devices.contains($0.0) }) {
            let through = viaLoop ? " through loop device \(name ?? majorMinor)" : ""
            throw LetheError(
                .conflict,
                "target \(path)\(through) is mounted (or holds a mounted partition) at \(mount.1); unmount it first (nothing was written)"
            )
        }
        let swaps = readText("\(procRoot)/swaps") ?? ""
        for line in swaps.split(separator: "\n").dropFirst() {
            guard let first = line.split(separator: " ").first else { continue }
            var info = stat()
            if stat(String(first), &info) == 0, (info.st_mode & S_IFMT) == S_IFBLK,
                devices.contains(Self.majorMinor(info.st_rdev))
            {
                throw LetheError(
                    .conflict, "target \(path) is (or holds) active swap \(first); swapoff first (nothing was written)")
            }
        }
    }

    /// The loop device (major:minor) an image file backs, if attached.
    func loopDevice(backing file: String) -> String? {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "\(sysRoot)/block")) ?? []
        where entry.hasPrefix("loop") {
            if readText("\(sysRoot)/block/\(entry)/loop/backing_file") == file {
                return readText("\(sysRoot)/block/\(entry)/dev")
            }
        }
        return nil
    }

    func refuseDataDirectory(_ resolved: String, isBlock: Bool, info: stat, _ dataDirectory: String) throws(LetheError)
    {
        let directory = URL(fileURLWithPath: dataDirectory).resolvingSymlinksInPath().path
        var dirInfo = stat()
        guard stat(directory, &dirInfo) == 0 else { return }
        if !isBlock {
            if resolved == directory || resolved.hasPrefix(directory + "/") {
                throw LetheError(
                    .conflict,
                    "target \(resolved) is inside Lethe's data directory \(directory); it would destroy Lethe's own records (nothing was written)"
                )
            }
            // Paths can differ for one file (a hard link, a bind mount): compare the files themselves.
            if let same = Self.file(FileIdentity(info), among: directory) {
                throw LetheError(
                    .conflict,
                    "target \(resolved) is the same file as \(same) in Lethe's data directory (a hard link or another path to it); it would destroy Lethe's own records (nothing was written)"
                )
            }
            return
        }
        let dataDevice = Self.majorMinor(dirInfo.st_dev)
        let name = deviceName(majorMinor: Self.majorMinor(info.st_rdev))
        if deviceAndPartitions(name: name, majorMinor: Self.majorMinor(info.st_rdev)).contains(dataDevice) {
            throw LetheError(
                .conflict,
                "target \(resolved) holds Lethe's data directory \(directory); it would destroy Lethe's own records (nothing was written)"
            )
        }
    }

    /// The path of the file under `directory` (at any depth, symlinks not followed) that is
    /// `identity`, if any.
    static func file(_ identity: FileIdentity, among directory: String) -> String? {
        if FileIdentity.of(path: directory) == identity { return directory }
        guard let entries = FileManager.default.enumerator(atPath: directory) else { return nil }
        for case let entry as String in entries {
            let path = directory + "/" + entry
            if FileIdentity.of(path: path) == identity { return path }
        }
        return nil
    }

    /// Serials the kernel reports for a device (or its parent disk): sysfs and /dev/disk/by-id names.
    func serials(device name: String) -> [String] {
        var result: [String] = []
        var names = [name]
        if readText("\(sysRoot)/class/block/\(name)/partition") != nil,
            let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(sysRoot)/class/block/\(name)")
        {
            names.append(((link as NSString).deletingLastPathComponent as NSString).lastPathComponent)
        }
        for candidate in names {
            for file in ["device/serial", "device/vpd_pg80", "serial"] {
                if let text = readText("\(sysRoot)/class/block/\(candidate)/\(file)"), !text.isEmpty {
                    result.append(text.filter { ($0.asciiValue ?? 0) > 32 && ($0.asciiValue ?? 0) < 127 })
                }
            }
        }
        let byID = "\(devRoot)/disk/by-id"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: byID)) ?? [] {
            guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(byID)/\(entry)") else {
                continue
            }
            if names.contains((link as NSString).lastPathComponent) { result.append(entry) }
        }
        return result.filter { !$0.isEmpty }
    }

    /// Whether a device reporting `serials` (sysfs values and /dev/disk/by-id names) is the one
    /// labelled `expected`.
    static func serials(_ serials: [String], include expected: String) -> Bool {
        serials.contains { reported in
            reported == expected || reported.hasSuffix("_" + expected) || reported.hasSuffix("-" + expected)
        }
    }

    /// Refuses to read back the block device at `path` unless it is still the medium of asset
    /// `assetTag`, serial `assetSerial`: a name such as /dev/sdb can name another disk after a
    /// reboot or a swap, and another blank disk reads back as a fixed pattern just as well. A
    /// regular file (checked by its inode instead), a path that is gone (its size check fails),
    /// or a device whose kernel reports no serial (a loop device) is not compared.
    public func refuseOtherDevice(path: String, assetTag: String, assetSerial: String?) throws(LetheError) {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFBLK,
            let name = deviceName(majorMinor: Self.majorMinor(info.st_rdev))
        else { return }
        try refuseOtherDevice(path: path, deviceName: name, assetTag: assetTag, assetSerial: assetSerial)
    }

    /// ``refuseOtherDevice(path:assetTag:assetSerial:)`` for the device the kernel names `name`.
    func refuseOtherDevice(
        path: String, deviceName name: String, assetTag: String, assetSerial: String?
    ) throws(LetheError) {
        try refuseSerialMismatch(
            path: path, assetTag: assetTag, assetSerial: assetSerial, serials: serials(device: name), for: .readBack)
    }

    /// What a device's serial is checked for: the advice its refusal ends with differs.
    enum SerialCheck {
        case overwrite, readBack
    }

    /// Refuses a device reporting `serials` unless one is asset `assetTag`'s `assetSerial`; a
    /// device that reports none (a loop device) has nothing to compare.
    func refuseSerialMismatch(
        path: String, assetTag: String, assetSerial: String?, serials: [String], for check: SerialCheck = .overwrite
    )
        throws(LetheError)
    {
        guard !serials.isEmpty else { return }
        let reported = serials.joined(separator: ", ")
        guard let expected = assetSerial?.trimmingCharacters(in: .whitespaces), !expected.isEmpty else {
            let advice =
                switch check {
                case .overwrite:
                    "record it with 'lethe asset update \(assetTag) --serial …', or --ignore-serial --reason TEXT (nothing was written)"
                case .readBack:
                    "so it cannot be shown to be the medium that was overwritten; record it with 'lethe asset update \(assetTag) --serial …' (nothing was recorded)"
                }
            throw LetheError(
                .conflict, "asset \(assetTag) has no serial to compare with \(path)'s (\(reported)); \(advice)")
        }
        guard Self.serials(serials, include: expected) else {
            let advice =
                switch check {
                case .overwrite:
                    "check you have the right device, or --ignore-serial --reason TEXT (nothing was written)"
                case .readBack:
                    "it is not the medium that was overwritten, so reading it back would show nothing about the overwrite; attach the asset's medium and give its path, or verify another way (nothing was recorded)"
                }
            throw LetheError(
                .conflict, "\(path) reports serial \(reported), not asset \(assetTag)'s \(expected); \(advice)")
        }
    }
}
