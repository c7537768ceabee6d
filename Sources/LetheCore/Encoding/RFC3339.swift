import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// RFC 3339 timestamps in UTC with whole seconds (`2026-11-22T09:30:00Z`), the form of every date
/// in Lethe's records.
public enum RFC3339 {
    /// Formats a date in UTC, truncated to the second.
    public static func format(_ date: Date) -> String {
        var seconds = time_t(floor(date.timeIntervalSince1970))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Built by hand: String(format:) costs microseconds, and every event and row carries dates.
        var bytes = [UInt8](repeating: 0, count: 20)
        func put(_ value: Int, at offset: Int, digits: Int) {
            var value = value
            for index in stride(from: offset + digits - 1, through: offset, by: -1) {
                bytes[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        put(Int(parts.tm_year) + 1900, at: 0, digits: 4)
        bytes[4] = UInt8(ascii: "-")
        put(Int(parts.tm_mon) + 1, at: 5, digits: 2)
        bytes[7] = UInt8(ascii: "-")
        put(Int(parts.tm_mday), at: 8, digits: 2)
        bytes[10] = UInt8(ascii: "T")
        put(Int(parts.tm_hour), at: 11, digits: 2)
        bytes[13] = UInt8(ascii: ":")
        put(Int(parts.tm_min), at: 14, digits: 2)
        bytes[16] = UInt8(ascii: ":")
        put(Int(parts.tm_sec), at: 17, digits: 2)
        bytes[19] = UInt8(ascii: "Z")
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Formats the calendar day of a date in UTC (`2026-11-22`).
    public static func formatDay(_ date: Date) -> String {
        String(format(date).prefix(10))
    }

    /// Parses `YYYY-MM-DD` (midnight UTC) or an RFC 3339 date-time with `Z` or an offset;
    /// fractions of a second are dropped.
    public static func parse(_ text: String, field: String = "date") throws(LetheError) -> Date {
        // Built only when needed: the message costs more than parsing a good date.
        var bad: LetheError {
            LetheError(.invalidInput, "\(field) '\(text)' is not a date; write 2026-11-22 or 2026-11-22T09:30:00Z")
        }
        let bytes = Array(text.trimmed.utf8)
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<start + count] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        func at(_ index: Int, _ char: Unicode.Scalar) -> Bool {
            index < bytes.count && bytes[index] == UInt8(ascii: char)
        }
        guard let year = number(0, 4), at(4, "-"), let month = number(5, 2), at(7, "-"),
            let day = number(8, 2), (1...12).contains(month), (1...31).contains(day)
        else { throw bad }
        var hour = 0
        var minute = 0
        var second = 0
        var offsetSeconds = 0
        if bytes.count > 10 {
            guard at(10, "T") || at(10, "t") || at(10, " "), let h = number(11, 2), at(13, ":"),
                let m = number(14, 2), at(16, ":"), let s = number(17, 2), h < 24, m < 60, s <= 60
            else { throw bad }
            (hour, minute, second) = (h, m, s)
            var index = 19
            if at(index, ".") {
                index += 1
                while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            }
            if at(index, "Z") || at(index, "z") {
                index += 1
            } else if at(index, "+") || at(index, "-") {
                guard let oh = number(index + 1, 2), at(index + 3, ":"), let om = number(index + 4, 2) else {
                    throw bad
                }
                offsetSeconds = (oh * 3600 + om * 60) * (at(index, "-") ? -1 : 1)
                index += 6
            } else {
                throw bad
            }
            guard index == bytes.count else { throw bad }
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = timegm(&parts)
        // timegm normalises 31 February into March: refuse dates that do not exist.
        var check = seconds
        var back = tm()
        gmtime_r(&check, &back)
        guard Int(back.tm_mday) == day || second == 60 else { throw bad }
        return Date(timeIntervalSince1970: TimeInterval(seconds - offsetSeconds))
    }
}
