import Foundation

/// A page-aligned buffer for direct I/O, freed on release.
final class AlignedBuffer {
    /// The alignment direct I/O needs on every device Lethe meets (logical blocks of 512 or 4096 bytes).
    static let alignment = 4096
    let pointer: UnsafeMutableRawBufferPointer

    init(size: Int) {
        var raw: UnsafeMutableRawPointer?
        let status = posix_memalign(&raw, Self.alignment, max(size, Self.alignment))
        precondition(status == 0 && raw != nil, "out of memory allocating a \(size)-byte I/O buffer")
        // swift-format-ignore: NeverForceUnwrap
        pointer = UnsafeMutableRawBufferPointer(start: raw!, count: size)
    }

    deinit { free(pointer.baseAddress) }
}
