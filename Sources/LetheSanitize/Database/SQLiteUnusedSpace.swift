import Foundation

/// Checks that no byte of a SQLite database file outside its live records holds old content:
/// what decides whether an erasure must `VACUUM`.
///
/// With `PRAGMA secure_delete = ON` SQLite zeroes what an erasure deletes and every page it frees,
/// so a `VACUUM` is needed only for old content that was already in the file: free pages, freed
/// blocks and unallocated space inside pages left by earlier deletes and updates made without
/// `secure_delete` (typically in a restored backup). This check reads the file (format:
/// <https://www.sqlite.org/fileformat2.html>) and reports it clean only when
/// - every free page is zero (a freelist trunk page after its list of leaves),
/// - in every table leaf, index leaf and index interior page, the unallocated space between the
///   cell pointers and the cell content and every free block (after its 4-byte header) are zero
///   — but for the stale cell pointers a delete leaves right after the pointer array, and the
///   free-block headers (next offset, size) `secure_delete` leaves at the start of a freed cell
///   that joined the unallocated space (page offsets, accepted only where no text can look like
///   one: UTF-8 files with pages of ≤ 8 KiB).
///
/// In table interior pages (whose cells are child page numbers and integer row ids, stale copies
/// of which balancing leaves behind) the unallocated space may hold no run of 4 or more text-like
/// bytes (0x20–0x7E, or ≥ 0x80 as in UTF-8): a stale child pointer and row id make at most 3, old
/// row text (a root leaf turned interior page keeps its rows) many. A page's fragmented free bytes
/// (at most 3 in a row, unrecorded where) are not checked. Anything
/// the check cannot account for — an overflow or pointer-map page, reserved bytes per page, a file
/// over 1 GiB (its lock-byte page), a damaged structure — makes it `inconclusive`, which callers
/// treat like `dirty`.
///
/// Run it on the main file with the write-ahead log checkpointed and a read transaction open
/// (so no checkpoint rewrites the file meanwhile).
@_spi(Fuzzing) public enum SQLiteUnusedSpace {
    /// The outcome of a check.
    public enum Verdict: Equatable, Sendable {
        /// No byte outside live records holds anything.
        case clean
        /// Old content may remain: the reason, naming the first page found.
        case dirty(String)
        /// The file has pages or settings the check does not read.
        case inconclusive(String)

        /// Whether the file needs a `VACUUM` for its unused space to hold no old content.
        public var needsVacuum: Bool { self != .clean }
    }

    /// Checks the file at `path`.
    public static func check(path: String) -> Verdict {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            return .inconclusive("cannot read \(path)")
        }
        return data.withUnsafeBytes { check($0) }
    }

    /// Checks a whole database file's bytes.
    public static func check(_ file: UnsafeRawBufferPointer) -> Verdict {
        guard file.count >= 512, file.starts(with: Array("SQLite format 3\0".utf8)) else {
            return .inconclusive("not a SQLite database file")
        }
        func u16(_ offset: Int) -> Int { Int(file[offset]) << 8 | Int(file[offset + 1]) }
        func u32(_ offset: Int) -> Int { u16(offset) << 16 | u16(offset + 2) }
        func zero(_ range: Range<Int>) -> Bool {
            for index in range where file[index] != 0 { return false }
            return true
        }
        let pageSize = u16(16) == 1 ? 65536 : u16(16)
        guard pageSize >= 512, pageSize & (pageSize - 1) == 0 else { return .inconclusive("page size \(pageSize)") }
        guard file[20] == 0 else { return .inconclusive("\(file[20]) reserved bytes per page") }
        guard file.count % pageSize == 0 else { return .inconclusive("the file is not a whole number of pages") }
        guard file.count <= 1 << 30 else { return .inconclusive("a file over 1 GiB (it has a lock-byte page)") }
        let pages = file.count / pageSize
        let stalePointersAreSafeToSkip = pageSize <= 8192 && u32(56) == 1  // text encoding UTF-8

        // With `secure_delete` SQLite zeroes a freed cell, then writes a free-block header at its
        // start (2-byte offset of the next free block, 2-byte size) even when the cell was the
        // first of the cell content and the block joins the unallocated space. Accept a non-zero
        // byte there only inside such a header: next 0 or a later offset in the page, size at least
        // 4 and within the unallocated space. Both words' first bytes are then below 0x20, so no
        // two text-like bytes (0x20 and up, as in UTF-8 text) can stand side by side: no run of row
        // text passes. Only for UTF-8 files with pages of at most 8 KiB, as for stale pointers.
        // Text stored as UTF-16 in a BLOB alternates characters with zero bytes and could look
        // like a chain of headers near the start of a page; requiring `next` to lie past the
        // block's end, as SQLite's own (coalesced) free-block lists do, rules such chains out.
        func onlyFreeBlockHeaders(_ range: Range<Int>, page base: Int, pageSize: Int) -> Bool {
            var index = range.lowerBound
            scan: while index < range.upperBound {
                if file[index] == 0 {
                    index += 1
                    continue
                }
                // A header [start, start + 4) that covers `index` and begins where the scan may.
                for start in max(range.lowerBound, index - 3)...index where start + 4 <= range.upperBound {
                    let next = u16(start)
                    let size = u16(start + 2)
                    let offset = start - base
                    guard size >= 4, start + size <= range.upperBound else { continue }
                    // SQLite merges adjacent free blocks: the next one starts past this one's end.
                    guard next == 0 || (next >= offset + size && next < pageSize) else { continue }
                    index = start + 4
                    continue scan
                }
                return false
            }
            return true
        }

        var free = [Bool](repeating: false, count: pages + 1)
        func markFree(_ page: Int) -> Bool {
            guard page >= 1, page <= pages, !free[page] else { return false }
            free[page] = true
            return true
        }
        var trunk = u32(32)
        while trunk != 0 {
            guard markFree(trunk) else { return .inconclusive("the free-page list is damaged at page \(trunk)") }
            let base = (trunk - 1) * pageSize
            let leaves = u32(base + 4)
            guard 8 + 4 * leaves <= pageSize else { return .inconclusive("free-page list page \(trunk)") }
            guard zero(base + 8 + 4 * leaves..<base + pageSize) else {
                return .dirty("free-page list page \(trunk) holds old content")
            }
            for index in 0..<leaves {
                let leaf = u32(base + 8 + 4 * index)
                guard markFree(leaf) else { return .inconclusive("the free-page list is damaged at page \(leaf)") }
                guard zero((leaf - 1) * pageSize..<leaf * pageSize) else {
                    return .dirty("free page \(leaf) holds old content")
                }
            }
            trunk = u32(base)
        }

        for page in 1...pages where !free[page] {
            let base = (page - 1) * pageSize
            let header = base + (page == 1 ? 100 : 0)
            let kind = file[header]
            switch kind {
            case 0x05:
                // A table interior page's cells are child page numbers and row ids, and balancing
                // leaves stale copies of them in its unallocated space; but a root page that became
                // an interior page keeps the rows it held as a leaf there. No text allowed.
                let cells = u16(header + 3)
                let content = u16(header + 5) == 0 ? 65536 : u16(header + 5)
                let gap = header - base + 12 + 2 * cells
                guard gap <= content, content <= pageSize else { return .inconclusive("page \(page) is damaged") }
                var run = 0
                for index in base + gap..<base + content {
                    let byte = file[index]
                    run = (byte >= 0x20 && byte != 0x7F) ? run + 1 : 0
                    if run >= 4 { return .dirty("page \(page) holds old row content in its unallocated space") }
                }
            case 0x02, 0x0A, 0x0D:
                let headerSize = kind == 0x02 ? 12 : 8
                let cells = u16(header + 3)
                let content = u16(header + 5) == 0 ? 65536 : u16(header + 5)
                let gap = header - base + headerSize + 2 * cells
                guard gap <= content, content <= pageSize else { return .inconclusive("page \(page) is damaged") }
                // Deleting a cell shortens the cell pointer array by two bytes and leaves the last
                // pointer behind: skip such words (a page offset past the array). In a UTF-8 file
                // with pages of at most 8 KiB no two printable characters form one (0x2020 > 8192).
                // (Known limit: big-endian UTF-16 kept in a BLOB right after the array, zero byte
                // then character, would pass as such words. Stale pointers carry no count to check
                // them against; only the free-block headers below have a size and a next offset.)
                var unallocated = gap
                if stalePointersAreSafeToSkip {
                    while unallocated + 2 <= content {
                        let word = u16(base + unallocated)
                        guard word >= gap, word < pageSize else { break }
                        unallocated += 2
                    }
                }
                let clean =
                    stalePointersAreSafeToSkip
                    ? onlyFreeBlockHeaders(base + unallocated..<base + content, page: base, pageSize: pageSize)
                    : zero(base + unallocated..<base + content)
                guard clean else {
                    return .dirty("page \(page) holds old content in its unallocated space")
                }
                var block = u16(header + 1)
                var hops = 0
                while block != 0 {
                    guard block >= content, block + 4 <= pageSize, hops < pageSize / 4 else {
                        return .inconclusive("page \(page)'s free blocks are damaged")
                    }
                    let size = u16(base + block + 2)
                    guard size >= 4, block + size <= pageSize else {
                        return .inconclusive("page \(page)'s free blocks are damaged")
                    }
                    guard zero(base + block + 4..<base + block + size) else {
                        return .dirty("page \(page) holds old content in a free block")
                    }
                    block = u16(base + block)
                    hops += 1
                }
            default:
                return .inconclusive("page \(page) is an overflow or pointer-map page")
            }
        }
        return .clean
    }
}
