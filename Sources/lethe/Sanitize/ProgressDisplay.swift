import Foundation
import Lethe
import LetheCore

/// Shows overwrite progress: a bar on standard error (bytes, percent, throughput, ETA), or one
/// JSON line per second on standard output. Unchecked `Sendable`: the overwrite's one thread calls
/// `update`, and `finish` is called after that thread ended (the task awaited it).
final class ProgressDisplay: @unchecked Sendable {
    let mode: String
    private var lastShown = -1.0

    init(mode: String) { self.mode = mode }

    func update(_ progress: OverwriteProgress) {
        guard mode != "none", progress.elapsed - lastShown >= (mode == "json" ? 1 : 0.2) else { return }
        lastShown = progress.elapsed
        let rate = progress.elapsed > 0 ? Double(progress.bytesWritten) / progress.elapsed : 0
        let total = Double(progress.size) * Double(progress.passes)
        let remaining = total * (1 - progress.fraction)
        let eta = rate > 0 ? Int64(remaining / rate) : -1
        if mode == "json" {
            let line: JSONValue = [
                "pass": .integer(Int64(progress.position.pass)), "passes": .integer(Int64(progress.passes)),
                "offset": .integer(progress.position.offset), "size_bytes": .integer(progress.size),
                "bytes_written": .integer(progress.bytesWritten),
                "percent_x100": .integer(Int64(progress.fraction * 10000)),
                "bytes_per_second": .integer(Int64(rate)), "eta_seconds": .integer(eta),
            ]
            // One compact line per second, for a pipe or a log.
            if let text = try? CanonicalJSON.string(line) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
            return
        }
        let width = 30
        let filled = Int(progress.fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        Output.progress(
            String(
                format: "[%@] %5.1f%%  pass %d/%d  %@ / %@  %@/s  ETA %@", bar, progress.fraction * 100,
                progress.position.pass, progress.passes,
                Self.bytes(
                    Int64(Double(progress.size) * Double(progress.position.pass - 1)) + progress.position.offset),
                Self.bytes(Int64(total)), Self.bytes(Int64(rate)), Self.duration(eta)))
    }

    func finish() { if mode == "bar" { Output.progress(nil) } }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    static func duration(_ seconds: Int64) -> String {
        guard seconds >= 0 else { return "--:--" }
        return String(format: "%02lld:%02lld:%02lld", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }
}
