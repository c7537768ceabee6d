#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writing to an open descriptor.
public enum DescriptorIO {
    /// Writes all of `bytes` at the descriptor's position, again after an interrupted or short
    /// write; `name` names the file in the error.
    public static func writeAll(
        _ bytes: UnsafeRawBufferPointer, to descriptor: Int32, name: String
    ) throws(LetheError) {
        var done = 0
        while done < bytes.count {
            let count = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw LetheError(.io, "cannot write \(name): \(String(cString: strerror(errno)))") }
            done += count
        }
    }

    /// Writes all of `bytes` (see ``writeAll(_:to:name:)-(UnsafeRawBufferPointer,_,_)``).
    public static func writeAll(_ bytes: [UInt8], to descriptor: Int32, name: String) throws(LetheError) {
        var failure: LetheError?
        bytes.withUnsafeBytes { buffer in
            do throws(LetheError) { try writeAll(buffer, to: descriptor, name: name) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}
