import Crypto
import Foundation
import LetheCore
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ReportLedger {
    /// A ledger folded through entry `K` of the evidence log, kept in the data directory so that
    /// the next report folds only the entries logged since: a year's log is ten million entries,
    /// and folding them is most of a report's time.
    ///
    /// A cache, never evidence: it is bound to the log's root at `K` (a cache of another
    /// history, or of a log restored to fewer entries, is not used), to the Lethe executable that
    /// wrote it (another build of Lethe folds from the log again), and to the SHA-256 of its own
    /// bytes (a torn or damaged file is not used). A cache that is not used is replaced by
    /// the next report that folds enough entries. `lethe report reproduce` never reads one: an
    /// auditor's reproduction folds from the log alone. It can be deleted at any time.
    ///
    /// Only a ledger without a focus is kept (a custody report's timeline holds its asset's
    /// entries from the first).
    struct Cache: Sendable {
        /// The file's name in the data directory.
        static let fileName = "report-ledger.cache"
        /// The layout of the file and the meaning of what ``ReportLedger/apply(_:)`` folds.
        /// Raise it with any change to either: a cache of another format is not used.
        static let format: UInt64 = 1
        static let magic = Array("LETHE REPORT LEDGER CACHE\n".utf8)

        /// The data directory.
        let directory: String
        /// Where a cache not used, or not written, is said.
        let logger: Logger
        /// A report that folds at least this many entries past the cache it started from
        /// (and at least a fiftieth of the log) writes a new one: below it, folding them again
        /// costs less than writing the file.
        var minimumEntries: Int64 = 100_000

        /// The cache's path.
        var path: String { directory + "/" + Self.fileName }

        /// Whether a ledger folded through entry `size` from a cache at `start` (0: none)
        /// is worth keeping as the new cache.
        func worthSaving(size: Int64, from start: Int64) -> Bool {
            size - start >= max(minimumEntries, size / 50, 1)
        }

        /// The ledger the cache holds when it can be used for a report at `size`: folded
        /// through at most `size` entries of this log (`root(K)`: the log's root at `K`), by
        /// this executable, its bytes intact. Nil otherwise, with the reason logged.
        func load(atMost size: Int64, root: (Int64) throws(LetheError) -> [UInt8]) -> ReportLedger? {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                if errno != ENOENT { logger.notice("report ledger cache not readable; folding the log") }
                return nil
            }
            defer { close(descriptor) }
            do throws(Unusable) {
                return try Self.read(descriptor, atMost: size, root: root)
            } catch {
                logger.notice("report ledger cache not used: \(error.reason); folding the log")
                return nil
            }
        }

        /// The log size the cache was folded through, when its header says it describes
        /// this log (`root(K)`: the log's root at `K`) and was written by this executable; its
        /// body is not read (``load(atMost:root:)`` checks it whole).
        func keptSize(root: (Int64) throws(LetheError) -> [UInt8]) -> Int64? {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return nil }
            defer { close(descriptor) }
            // The header only: its fields take fewer than 256 bytes.
            var reader = Reader(descriptor: descriptor, length: 256)
            do throws(Unusable) {
                guard try reader.bytes(Self.magic.count) == Self.magic, try reader.varint() == Self.format,
                    let identity = Self.executableIdentity,
                    try reader.bytes(identity.count) == identity
                else { return nil }
                let folded = Int64(bitPattern: try reader.varint())
                let stated = try reader.bytes(SHA256.byteCount)
                guard folded >= 1, (try? root(folded)) == stated else { return nil }
                return folded
            } catch {
                return nil
            }
        }

        /// Writes `ledger` (folded through its ``ReportLedger/size``, the log's root there being
        /// `root`) as the cache, replacing any: whole or not at all, mode 0600, not synced
        /// (a torn file is refused by its digest).
        func save(_ ledger: ReportLedger, root: [UInt8]) throws(LetheError) {
            guard ledger.focus == nil, let identity = Self.executableIdentity else {
                throw LetheError(
                    .internal, "a ledger with a focus, or of an executable not known, is not kept as a cache")
            }
            removeLeftovers()
            try OutputDestination.writeFile(path, force: true, flag: "report ledger cache") {
                (descriptor) throws(LetheError) in
                var writer = Writer(descriptor: descriptor, name: Self.fileName)
                writer.bytes(Self.magic)
                writer.varint(Self.format)
                writer.bytes(identity)
                writer.varint(UInt64(ledger.size))
                writer.bytes(root)
                try ledger.encode(into: &writer)
                try writer.finish()
            }
        }

        /// Removes the temporary names of caches whose writers died in the instant between
        /// naming the new file and renaming it over the old (`.report-ledger.cache.lethe-PID-…`,
        /// the cache's size each): those of a process that is no longer running. One that is
        /// (another fold writing now) is left alone.
        func removeLeftovers() {
            let prefix = "." + Self.fileName + ".lethe-"
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names where name.hasPrefix(prefix) {
                guard let pid = name.dropFirst(prefix.count).split(separator: "-").first.flatMap({ pid_t($0) }),
                    pid > 0, pid != getpid(), kill(pid, 0) != 0, errno == ESRCH
                else { continue }
                if unlink(directory + "/" + name) == 0 {
                    logger.notice("removed a report ledger cache left by a process that stopped while writing it")
                }
            }
        }

        /// Why a cache is not used.
        struct Unusable: Error {
            var reason: String
            init(_ reason: String) { self.reason = reason }
        }

        private static func read(
            _ descriptor: Int32, atMost size: Int64, root: (Int64) throws(LetheError) -> [UInt8]
        ) throws(Unusable) -> ReportLedger {
            var status = stat()
            guard fstat(descriptor, &status) == 0, Int(status.st_size) > SHA256.byteCount else {
                throw Unusable("the file is empty or cannot be read")
            }
            let length = Int(status.st_size) - SHA256.byteCount
            var reader = Reader(descriptor: descriptor, length: length)
            guard try reader.bytes(magic.count) == magic, try reader.varint() == format else {
                throw Unusable("written in another format")
            }
            guard let identity = executableIdentity, try reader.bytes(identity.count) == identity else {
                throw Unusable("written by another build of Lethe")
            }
            let folded = Int64(bitPattern: try reader.varint())
            guard folded >= 1, folded <= size else { throw Unusable("folded beyond the entries the report reads") }
            let stated = try reader.bytes(SHA256.byteCount)
            let actual: [UInt8]
            do { actual = try root(folded) } catch { throw Unusable("the log's root at its size: \(error.message)") }
            guard stated == actual else { throw Unusable("folded from another history of the log") }
            let ledger = try ReportLedger.decode(from: &reader, size: folded)
            guard reader.atEnd else { throw Unusable("bytes after the ledger") }
            var trailer = [UInt8](repeating: 0, count: SHA256.byteCount)
            let got = trailer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(length)) }
            guard got == SHA256.byteCount, Array(reader.hasher.finalize()) == trailer else {
                throw Unusable("its bytes do not have the digest they were written with")
            }
            return ledger
        }

        /// The executable writing or reading: its size and modification time, read once (a
        /// rebuilt or upgraded Lethe has another). Nil where it cannot be read (no `/proc`):
        /// there is then no cache, since a build could take another's.
        static let executableIdentity: [UInt8]? = {
            #if os(Linux)
                var status = stat()
                guard stat("/proc/self/exe", &status) == 0 else { return nil }
                var bytes: [UInt8] = []
                for value in [Int64(status.st_size), Int64(status.st_mtim.tv_sec), Int64(status.st_mtim.tv_nsec)] {
                    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
                }
                return bytes
            #else
                return nil
            #endif
        }()
    }

    /// Writes a cache's bytes through a buffer, hashing them as they go.
    struct Writer {
        let descriptor: Int32
        let name: String
        private var buffer: [UInt8] = []
        private var hasher = SHA256()
        private static let flushAt = 1 << 20

        init(descriptor: Int32, name: String) {
            self.descriptor = descriptor
            self.name = name
            buffer.reserveCapacity(Self.flushAt + 4096)
        }

        mutating func byte(_ value: UInt8) { buffer.append(value) }

        mutating func bytes(_ value: [UInt8]) { buffer.append(contentsOf: value) }

        /// An unsigned LEB128 number.
        mutating func varint(_ value: UInt64) {
            var value = value
            while value >= 0x80 {
                buffer.append(UInt8(truncatingIfNeeded: value) | 0x80)
                value >>= 7
            }
            buffer.append(UInt8(value))
        }

        /// A signed number, zigzag-encoded.
        mutating func integer(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

        /// A count (or a length).
        mutating func count(_ value: Int) { varint(UInt64(value)) }

        /// A date as its seconds' bits (NaN for none).
        mutating func date(_ value: Date?) {
            let seconds = value?.timeIntervalSinceReferenceDate ?? .nan
            withUnsafeBytes(of: seconds.bitPattern.littleEndian) { buffer.append(contentsOf: $0) }
        }

        mutating func string(_ value: String) {
            var value = value
            value.withUTF8 { text in
                count(text.count)
                buffer.append(contentsOf: text)
            }
        }

        /// A text or none (its length plus one; 0 for none).
        mutating func optionalString(_ value: String?) {
            guard var value else { return varint(0) }
            value.withUTF8 { text in
                count(text.count + 1)
                buffer.append(contentsOf: text)
            }
        }

        mutating func name(_ value: Name) { varint(UInt64(value.number)) }

        /// Writes what the buffer holds once it is large.
        mutating func flushIfFull() throws(LetheError) {
            if buffer.count >= Self.flushAt { try flush() }
        }

        private mutating func flush() throws(LetheError) {
            hasher.update(data: buffer)
            try DescriptorIO.writeAll(buffer, to: descriptor, name: name)
            buffer.removeAll(keepingCapacity: true)
        }

        /// Writes the rest, then the digest of everything written.
        mutating func finish() throws(LetheError) {
            try flush()
            try DescriptorIO.writeAll(Array(hasher.finalize()), to: descriptor, name: name)
        }
    }

    /// Reads a cache's bytes (the first `length` of its file) through a buffer, hashing
    /// them as they come; every read checked, so that no bytes make it trap.
    struct Reader {
        let descriptor: Int32
        /// The bytes not yet read into the buffer.
        private var unread: Int
        private var buffer: [UInt8] = []
        private var position = 0
        fileprivate var hasher = SHA256()

        /// A reader of the first `length` bytes of the file open as `descriptor`.
        init(descriptor: Int32, length: Int) {
            self.descriptor = descriptor
            self.unread = length
        }

        /// Whether every byte was read.
        var atEnd: Bool { unread == 0 && position == buffer.count }

        /// Reads the next piece (1 MiB at most, less at the end of the file).
        private mutating func refill() throws(Cache.Unusable) {
            guard unread > 0 else { throw Cache.Unusable("it ends early") }
            let want = min(unread, 1 << 20)
            buffer = [UInt8](repeating: 0, count: want)
            var got = 0
            while got < want {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + got, want - got) }
                if count < 0, errno == EINTR { continue }
                if count == 0 { break }
                guard count > 0 else { throw Cache.Unusable("it cannot be read") }
                got += count
            }
            guard got > 0 else { throw Cache.Unusable("it ends early") }
            if got < want { buffer.removeSubrange(got...) }
            unread -= got
            position = 0
            hasher.update(data: buffer)
        }

        mutating func byte() throws(Cache.Unusable) -> UInt8 {
            if position == buffer.count { try refill() }
            defer { position += 1 }
            return buffer[position]
        }

        mutating func bytes(_ count: Int) throws(Cache.Unusable) -> [UInt8] {
            guard count <= remaining else { throw Cache.Unusable("a length beyond the file") }
            var result: [UInt8] = []
            result.reserveCapacity(count)
            while result.count < count {
                if position == buffer.count { try refill() }
                let take = min(count - result.count, buffer.count - position)
                result.append(contentsOf: buffer[position..<position + take])
                position += take
            }
            return result
        }

        mutating func varint() throws(Cache.Unusable) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let byte = try byte()
                guard shift < 64 else { throw Cache.Unusable("a number too long") }
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }

        mutating func integer() throws(Cache.Unusable) -> Int64 {
            let value = try varint()
            return Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
        }

        /// A count, never more than the file's bytes (so none makes a reader reserve more).
        /// A count of things that take at least `bytesEach` bytes each in what is left of the
        /// file: no damaged count makes a reader reserve more than the file could hold.
        mutating func count(atLeast bytesEach: Int = 1) throws(Cache.Unusable) -> Int {
            let value = try varint()
            guard value <= UInt64(remaining / bytesEach) else { throw Cache.Unusable("a count beyond the file") }
            return Int(value)
        }

        /// The bytes not read yet.
        private var remaining: Int { unread + (buffer.count - position) }

        mutating func date() throws(Cache.Unusable) -> Date? {
            var bits: UInt64 = 0
            for shift in stride(from: 0, to: 64, by: 8) { bits |= UInt64(try byte()) << UInt64(shift) }
            let seconds = Double(bitPattern: bits)
            if seconds.isNaN { return nil }
            // A date of years 0 to 9999 (RFC 3339's), as every date a ledger folds is: no other
            // makes its reports' writing trap.
            guard seconds.isFinite, abs(seconds) < 3e11 else { throw Cache.Unusable("a date out of range") }
            return Date(timeIntervalSinceReferenceDate: seconds)
        }

        /// A date that cannot be none.
        mutating func requiredDate() throws(Cache.Unusable) -> Date {
            guard let date = try date() else { throw Cache.Unusable("a date missing") }
            return date
        }

        mutating func string() throws(Cache.Unusable) -> String {
            String(decoding: try bytes(try count()), as: UTF8.self)
        }

        mutating func optionalString() throws(Cache.Unusable) -> String? {
            let length = try count()
            return length == 0 ? nil : String(decoding: try bytes(length - 1), as: UTF8.self)
        }

        /// A name of a table of `count` texts.
        mutating func name(of count: Int) throws(Cache.Unusable) -> Name {
            let number = try varint()
            guard number < UInt64(count) else { throw Cache.Unusable("a text beyond the table") }
            return Name(number: UInt32(number))
        }
    }
}

extension ReportLedger {
    /// The states of a job by their number in a cache.
    private static let jobStates: [JobState] = [.scheduled, .inProgress, .executed, .verified, .failed, .cancelled]

    /// Writes everything the ledger folded but the tables that find things (built again when
    /// read), in a fixed order.
    fileprivate func encode(into writer: inout Writer) throws(LetheError) {
        writer.date(time)
        writer.count(names.texts.count - 2)
        for text in names.texts.dropFirst(2) {
            writer.string(text ?? "")
            try writer.flushIfFull()
        }
        writer.count(verifications.count)
        for plan in verifications {
            let bytes = try CanonicalJSON.encode(plan)
            writer.count(bytes.count)
            writer.bytes(bytes)
        }
        writer.count(jobs.count)
        for job in jobs {
            let facts = facts(of: job)
            writer.integer(job.id)
            writer.date(job.dueAt)
            writer.date(job.createdAt)
            writer.byte((facts.afterFailedJob == nil ? 0 : 1) | (facts.readbackRatePercent == nil ? 0 : 2))
            if let id = facts.afterFailedJob { writer.integer(id) }
            if let rate = facts.readbackRatePercent { writer.integer(rate) }
            for date in [job.executedAt, job.verifiedAt, facts.failedAt, facts.finishedAt] { writer.date(date) }
            writer.name(job.asset)
            writer.name(job.method)
            writer.count(Int(job.verification))
            for name in [
                job.executedBy, job.executedMethod, job.technique, job.tool, job.toolVersion, job.verifiedBy,
                job.verifier, job.readbackMode, job.readbackSeed, job.certificate,
            ] {
                writer.name(name)
            }
            writer.byte(UInt8(Self.jobStates.firstIndex(of: job.state) ?? 0))
            try writer.flushIfFull()
        }
        writer.count(lives.count)
        for (life, tag) in zip(lives, lifeTags) {
            writer.name(tag)
            writer.date(life.retiredAt)
            writer.date(life.disposedAt)
            let ids = Array(life.jobs)
            writer.count(ids.count)
            ids.forEach { writer.integer($0) }
            writer.name(life.stateName)
            writer.name(life.destinationName)
            writer.byte(life.stateSeen ? 1 : 0)
            try writer.flushIfFull()
        }
        writer.count(lostDates.count)
        for (slot, date) in lostDates.sorted(by: { $0.key < $1.key }) {
            writer.count(slot)
            writer.date(date)
        }
        // Up to the last serial with a kind (the table's length is how it grew, not a fact).
        let serials = (recordKindCodes.lastIndex { $0 != 0 } ?? -1) + 1
        writer.count(serials)
        for number in 0..<serials {
            writer.name(recordKindName(Name(number: UInt32(number))) ?? .none)
            try writer.flushIfFull()
        }
        writer.count(custody.count)
        for move in custody {
            writer.string(move.asset)
            writer.date(move.at)
            writer.optionalString(move.from)
            writer.optionalString(move.to)
            writer.count(move.seals.count)
            move.seals.forEach { writer.string($0) }
            writer.optionalString(move.manifest)
            writer.optionalString(move.locationTo)
            writer.string(move.actor)
            writer.integer(move.seq)
            try writer.flushIfFull()
        }
        writer.count(revocations.count)
        for (serial, revocation) in revocations.sorted(by: { $0.key < $1.key }) {
            writer.string(serial)
            writer.date(revocation.at)
            writer.string(revocation.reason)
            try writer.flushIfFull()
        }
        writer.count(erasures.count)
        for (_, erasure) in erasures.sorted(by: { $0.key < $1.key }) {
            writer.integer(erasure.id)
            writer.string(erasure.reason)
            writer.date(erasure.receivedAt)
            writer.date(erasure.dueAt)
            writer.date(erasure.completedAt)
            try writer.flushIfFull()
        }
        writer.count(backupsDestroyed.count)
        for backup in backupsDestroyed {
            writer.integer(backup.backup)
            writer.date(backup.at)
            writer.string(backup.how)
            try writer.flushIfFull()
        }
        writer.count(attestedParts.count)
        for part in attestedParts {
            writer.integer(part.request)
            writer.string(part.store)
            writer.date(part.at)
            try writer.flushIfFull()
        }
    }

    /// The capacity for a table of `count` read from a cache: room for a quarter more, so
    /// that folding the entries after it does not copy the table into one twice its size (a
    /// year's jobs are a hundred megabytes; the room is memory only once it is used).
    private static func room(for count: Int) -> Int {
        count + count / 4 + 1024
    }

    /// Reads what ``encode(into:)`` wrote, for a ledger folded through entry `size`; every
    /// text and plan a job or a life names is checked to be in its table.
    fileprivate static func decode(from reader: inout Reader, size: Int64) throws(Cache.Unusable) -> ReportLedger {
        let time = try reader.date()
        var texts: [String] = []
        let textCount = try reader.count()
        texts.reserveCapacity(textCount)
        for _ in 0..<textCount { texts.append(try reader.string()) }
        guard let names = Names(restoring: texts, room: Self.room(for: textCount)) else {
            throw Cache.Unusable("a text held twice")
        }
        texts = []
        let nameCount = names.texts.count
        var plans: [JSONValue] = []
        for _ in 0..<(try reader.count()) {
            let bytes = try reader.bytes(try reader.count())
            do {
                plans.append(try CanonicalJSON.decode(bytes))
            } catch {
                throw Cache.Unusable("a verification plan that is not canonical JSON")
            }
        }
        var jobs: [Job] = []
        var jobExtras: [Int64: JobFacts] = [:]
        // The fewest bytes a job and a life are written in (``encode(into:)``).
        let jobCount = try reader.count(atLeast: 64)
        jobs.reserveCapacity(Self.room(for: jobCount))
        for _ in 0..<jobCount {
            let id = try reader.integer()
            let dueAt = try reader.requiredDate()
            let createdAt = try reader.requiredDate()
            let flags = try reader.byte()
            let afterFailedJob = flags & 1 == 0 ? nil : try reader.integer()
            let rate = flags & 2 == 0 ? nil : try reader.integer()
            let executedAt = try reader.date()
            let verifiedAt = try reader.date()
            let failedAt = try reader.date()
            let finishedAt = try reader.date()
            let asset = try reader.name(of: nameCount)
            let method = try reader.name(of: nameCount)
            let verification = try reader.count()
            guard verification < plans.count else { throw Cache.Unusable("a job's plan beyond the table") }
            var job = Job(
                id: id, asset: asset, method: method, verification: Int32(verification), dueAt: dueAt,
                createdAt: createdAt)
            job.executedAt = executedAt
            job.verifiedAt = verifiedAt
            let facts = JobFacts(
                afterFailedJob: afterFailedJob, readbackRatePercent: rate, failedAt: failedAt, finishedAt: finishedAt)
            if let extras = ReportLedger.place(facts, in: &job) { jobExtras[id] = extras }
            job.executedBy = try reader.name(of: nameCount)
            job.executedMethod = try reader.name(of: nameCount)
            job.technique = try reader.name(of: nameCount)
            job.tool = try reader.name(of: nameCount)
            job.toolVersion = try reader.name(of: nameCount)
            job.verifiedBy = try reader.name(of: nameCount)
            job.verifier = try reader.name(of: nameCount)
            job.readbackMode = try reader.name(of: nameCount)
            job.readbackSeed = try reader.name(of: nameCount)
            job.certificate = try reader.name(of: nameCount)
            let state = Int(try reader.byte())
            guard state < jobStates.count else { throw Cache.Unusable("a job in no known state") }
            job.state = jobStates[state]
            jobs.append(job)
        }
        var lives: [AssetLife] = []
        var lifeTags: [Name] = []
        let lifeCount = try reader.count(atLeast: 21)
        lives.reserveCapacity(Self.room(for: lifeCount))
        lifeTags.reserveCapacity(Self.room(for: lifeCount))
        for _ in 0..<lifeCount {
            lifeTags.append(try reader.name(of: nameCount))
            var life = AssetLife()
            life.retiredAt = try reader.date()
            life.disposedAt = try reader.date()
            for _ in 0..<(try reader.count()) { life.jobs.append(try reader.integer()) }
            life.stateName = try reader.name(of: nameCount)
            life.destinationName = try reader.name(of: nameCount)
            life.stateSeen = try reader.byte() != 0
            lives.append(life)
        }
        var lostDates: [Int: Date] = [:]
        for _ in 0..<(try reader.count()) {
            let slot = try reader.count()
            guard slot < lives.count else { throw Cache.Unusable("a lost asset beyond the lives") }
            lostDates[slot] = try reader.requiredDate()
        }
        var ledger = ReportLedger(
            restoring: names, verifications: plans, jobs: jobs, jobExtras: jobExtras, lives: lives, lifeTags: lifeTags,
            lostDates: lostDates, size: size, time: time)
        guard ledger.verifications.count == plans.count else { throw Cache.Unusable("a plan held twice") }
        let serials = try reader.count()
        guard serials <= nameCount else { throw Cache.Unusable("a record kind beyond the table") }
        for number in 0..<serials {
            let kind = try reader.name(of: nameCount)
            if kind != .none { ledger.setRecordKind(Name(number: UInt32(number)), kind) }
        }
        for _ in 0..<(try reader.count()) {
            let asset = try reader.string()
            let at = try reader.requiredDate()
            let from = try reader.optionalString()
            let to = try reader.optionalString()
            var seals: [String] = []
            for _ in 0..<(try reader.count()) { seals.append(try reader.string()) }
            ledger.custody.append(
                Custody(
                    asset: asset, at: at, from: from, to: to, seals: seals, manifest: try reader.optionalString(),
                    locationTo: try reader.optionalString(), actor: try reader.string(), seq: try reader.integer()))
        }
        for _ in 0..<(try reader.count()) {
            let serial = try reader.string()
            ledger.revocations[serial] = (try reader.requiredDate(), try reader.string())
        }
        for _ in 0..<(try reader.count()) {
            let id = try reader.integer()
            ledger.erasures[id] = Erasure(
                id: id, reason: try reader.string(), receivedAt: try reader.requiredDate(),
                dueAt: try reader.requiredDate(), completedAt: try reader.date())
        }
        for _ in 0..<(try reader.count()) {
            ledger.backupsDestroyed.append(
                BackupDestroyed(backup: try reader.integer(), at: try reader.requiredDate(), how: try reader.string()))
        }
        for _ in 0..<(try reader.count()) {
            ledger.attestedParts.append((try reader.integer(), try reader.string(), try reader.requiredDate()))
        }
        return ledger
    }
}
