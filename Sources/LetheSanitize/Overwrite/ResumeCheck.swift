import Foundation
import LetheCore

/// Before a resume: does the target still hold what the interrupted run wrote? A file replaced at
/// the same path (often with the same inode number, which a file system reuses at once) or another
/// disk at the same device node would otherwise get only the rest of its bytes overwritten, and the
/// job would say executed. The check reads back up to 4 MiB that the run wrote last, the bytes
/// just before its checkpoint (or, at the start of a later pass, the end of the previous pass),
/// and compares them with the run's pattern from its recorded seed.
public enum ResumeCheck {
    /// How many bytes are compared at most.
    public static let window: Int64 = 4 << 20

    /// Whether `path` holds, before `offset` of `pass`, what an overwrite with `pattern` and `seed`
    /// wrote there. True when nothing was written yet (pass 1, offset 0).
    public static func holdsWhatWasWritten(
        path: String, pattern: OverwritePattern, seed: [UInt8], pass: Int, offset: Int64, size: Int64
    ) throws(LetheError) -> Bool {
        let range: Range<Int64>
        let writtenBy: Int
        if offset > 0 {
            range = max(0, offset - window)..<offset
            writtenBy = pass
        } else if pass > 1, size > 0 {
            range = max(0, size - window)..<size
            writtenBy = pass - 1
        } else {
            return true
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw LetheError(
                .io, "cannot read \(path) to check it before resuming: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let count = Int(range.count)
        var actual = [UInt8](repeating: 0, count: count)
        var expected = [UInt8](repeating: 0, count: count)
        let read = actual.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(range.lowerBound)) }
        guard read == count else { return false }
        expected.withUnsafeMutableBytes {
            PatternStream(pattern: pattern, seed: seed, pass: writtenBy).fill($0, at: range.lowerBound)
        }
        return actual == expected
    }
}
