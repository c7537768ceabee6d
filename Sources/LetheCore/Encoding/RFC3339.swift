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
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        write(date, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the 20 bytes of ``format(_:)`` to `out` (a report writes millions of dates).
    ///
    /// The civil date is computed from the count of days (Howard Hinnant's `civil_from_days`,
    /// exact over the proleptic Gregorian calendar), not with `gmtime_r`, and written two digits
    /// at a time: this runs five times for each row of a year's report.
    public static func write(_ date: Date, into out: inout [UInt8]) {
        let seconds = Int64(floor(date.timeIntervalSince1970))
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        // Days since 0000-03-01, in eras of 400 years (146,097 days).
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pair(_ value: Int64) {
            out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value / 10))
            out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10))
        }
        // Four digits of the year, as before: years outside 0...9999 do not occur in Lethe's data.
        let shownYear = ((year % 10_000) + 10_000) % 10_000
        pair(shownYear / 100)
        pair(shownYear % 100)
        out.append(UInt8(ascii: "-"))
        pair(month)
        out.append(UInt8(ascii: "-"))
        pair(day)
        out.append(UInt8(ascii: "T"))
        pair(secondOfDay / 3_600)
        out.append(UInt8(ascii: ":"))
        pair(secondOfDay / 60 % 60)
        out.append(UInt8(ascii: ":"))
        pair(secondOfDay % 60)
        out.append(UInt8(ascii: "Z"))
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
