import Foundation

/// An ISO 8601 duration such as `P30D`, `P1Y6M` or `PT12H` (no fractions, no negative values).
///
/// Years and months are calendar units: adding `P1M` to 31 January gives the end of February (UTC).
public struct ISODuration: Sendable, Hashable, CustomStringConvertible {
    /// Calendar years.
    public var years: Int
    /// Calendar months.
    public var months: Int
    /// Weeks of seven days.
    public var weeks: Int
    /// Days.
    public var days: Int
    /// Hours.
    public var hours: Int
    /// Minutes.
    public var minutes: Int
    /// Seconds.
    public var seconds: Int

    /// Creates a duration from its parts.
    public init(
        years: Int = 0, months: Int = 0, weeks: Int = 0, days: Int = 0, hours: Int = 0, minutes: Int = 0,
        seconds: Int = 0
    ) {
        self.years = years
        self.months = months
        self.weeks = weeks
        self.days = days
        self.hours = hours
        self.minutes = minutes
        self.seconds = seconds
    }

    /// Parses `PnYnMnWnDTnHnMnS`; nil when the text is not such a duration or is empty (`P`, `PT`).
    public static func parse(_ text: String) -> ISODuration? {
        var chars = Array(text.uppercased())
        guard chars.first == "P", chars.count > 1 else { return nil }
        chars.removeFirst()
        var result = ISODuration()
        var inTime = false
        var digits = ""
        var sawValue = false
        var lastRank = -1
        for char in chars {
            if char.isASCII, char.isNumber {
                digits.append(char)
                continue
            }
            if char == "T" {
                guard !inTime, digits.isEmpty else { return nil }
                inTime = true
                continue
            }
            guard let value = Int(digits), digits.count <= 6 else { return nil }
            digits = ""
            let rank: Int
            switch (char, inTime) {
            case ("Y", false): (rank, result.years) = (0, value)
            case ("M", false): (rank, result.months) = (1, value)
            case ("W", false): (rank, result.weeks) = (2, value)
            case ("D", false): (rank, result.days) = (3, value)
            case ("H", true): (rank, result.hours) = (4, value)
            case ("M", true): (rank, result.minutes) = (5, value)
            case ("S", true): (rank, result.seconds) = (6, value)
            default: return nil
            }
            guard rank > lastRank else { return nil }
            lastRank = rank
            sawValue = true
        }
        guard digits.isEmpty, sawValue, !(inTime && lastRank < 4) else { return nil }
        return result
    }

    /// The canonical text: zero parts left out (`P30D`, `P1YT2H`); `PT0S` for zero.
    public var description: String {
        var text = "P"
        if years > 0 { text += "\(years)Y" }
        if months > 0 { text += "\(months)M" }
        if weeks > 0 { text += "\(weeks)W" }
        if days > 0 { text += "\(days)D" }
        if hours > 0 || minutes > 0 || seconds > 0 {
            text += "T"
            if hours > 0 { text += "\(hours)H" }
            if minutes > 0 { text += "\(minutes)M" }
            if seconds > 0 { text += "\(seconds)S" }
        }
        return text == "P" ? "PT0S" : text
    }

    /// The date this long after `date`, in the UTC calendar.
    public func added(to date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var components = DateComponents()
        components.year = years
        components.month = months
        components.day = weeks * 7 + days
        components.hour = hours
        components.minute = minutes
        components.second = seconds
        return calendar.date(byAdding: components, to: date) ?? date
    }
}
