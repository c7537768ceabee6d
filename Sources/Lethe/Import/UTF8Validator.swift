/// Checks that bytes are UTF-8 as they stream past, chunk by chunk, and says on which line the
/// first invalid sequence is (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
///
/// The CSV parser does not: a Latin-1 `é` made it end a row early, and the rest of the line
/// became a row of its own, or was lost. Checking the bytes before they are parsed turns any such
/// file into one clear refusal.
struct UTF8Validator {
    /// Continuation bytes still expected for the current character.
    private var pending = 0
    /// The allowed range of the next continuation byte (narrower right after E0, ED, F0, F4).
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF
    /// Line feeds seen so far.
    private(set) var lineBreaks = 0

    /// Checks one chunk; returns the 1-based line of the first invalid byte, or nil.
    mutating func check(_ bytes: UnsafeRawBufferPointer) -> Int? {
        for byte in bytes {
            if pending > 0 {
                guard byte >= lower, byte <= upper else { return lineBreaks + 1 }
                pending -= 1
                lower = 0x80
                upper = 0xBF
                continue
            }
            switch byte {
            case 0x0A: lineBreaks += 1
            case 0x00...0x7F: break
            case 0xC2...0xDF: pending = 1
            case 0xE0: (pending, lower) = (2, 0xA0)
            case 0xED: (pending, upper) = (2, 0x9F)
            case 0xE1...0xEC, 0xEE...0xEF: pending = 2
            case 0xF0: (pending, lower) = (3, 0x90)
            case 0xF1...0xF3: pending = 3
            case 0xF4: (pending, upper) = (3, 0x8F)
            default: return lineBreaks + 1
            }
        }
        return nil
    }

    /// At the end of the bytes: the line of a character cut short, or nil.
    func finish() -> Int? { pending > 0 ? lineBreaks + 1 : nil }
}
