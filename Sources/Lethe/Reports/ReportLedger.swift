import Foundation
import LetheCore

/// An optional date in 8 bytes rather than 16: its seconds since the reference date, NaN for
/// none (no date an entry holds is NaN). A ledger holds millions of them.
@propertyWrapper
struct CompactDate {
    private var seconds = Double.nan

    init(wrappedValue: Date?) {
        self.wrappedValue = wrappedValue
    }

    var wrappedValue: Date? {
        get { seconds.isNaN ? nil : Date(timeIntervalSinceReferenceDate: seconds) }
        set { seconds = newValue?.timeIntervalSinceReferenceDate ?? .nan }
    }
}

/// The facts a report needs, folded from the evidence log's entries in order: jobs, asset states,
/// custody moves, records and revocations, erasure requests and backups.
///
/// A report is computed from the first `N` entries of the log only (and the asset register's
/// descriptive fields as they stood at entry `N`), so computing it again at the same log size
/// gives the same facts whatever happened since. Pure: it sees events, never the store.
///
/// Compact at a year's size (a million jobs): a job holds no reference (text that repeats —
/// methods, tools, actors, tags — is a ``Name`` in ``names``, its verification plan an index in
/// ``verifications``), so copying one is copying its bytes; jobs sit in one array in the order
/// they were scheduled, found by id through a dense index.
struct ReportLedger {
    /// A text of the ledger, by its number in ``Names`` (0: none).
    struct Name: Hashable {
        var number: UInt32
        static let none = Name(number: 0)
        /// `in-service`, every asset's state until an entry changes it: the first text of every
        /// table of names.
        static let inService = Name(number: 1)
    }

    /// Every distinct text the jobs hold, once each.
    ///
    /// Found by text through an open-addressing table of numbers (4 bytes a slot) rather than a
    /// dictionary from text to number: at a year's size the table holds two million texts (every
    /// tag and every record's serial), and a dictionary's slots held each text a second time.
    struct Names {
        private(set) var texts: [String?] = [nil]
        /// Numbers of ``texts`` by their text's hash, linear probing; 0 is an empty slot. Never more
        /// than half full.
        private var slots = [UInt32](repeating: 0, count: 16)

        /// A table holding `in-service` (``Name/inService``) only.
        init() {
            _ = name("in-service")
        }

        /// The slot of `text`'s number, or of the empty slot where it would go.
        private func probe(_ text: String) -> Int {
            let mask = slots.count - 1
            var index = text.hashValue & mask
            while true {
                let number = slots[index]
                if number == 0 || texts[Int(number)] == text { return index }
                index = (index + 1) & mask
            }
        }

        /// The number of `text` if it is in the table.
        func existing(_ text: String) -> Name? {
            let number = slots[probe(text)]
            return number == 0 ? nil : Name(number: number)
        }

        /// The number of `text` (``Name/none`` for nil), added if new.
        mutating func name(_ text: String?) -> Name {
            guard let text else { return .none }
            let index = probe(text)
            if slots[index] != 0 { return Name(number: slots[index]) }
            let number = UInt32(texts.count)
            texts.append(text)
            slots[index] = number
            if texts.count * 2 > slots.count { grow() }
            return Name(number: number)
        }

        /// Doubles the table and places every number again.
        private mutating func grow() {
            slots = [UInt32](repeating: 0, count: slots.count * 2)
            for number in 1..<texts.count {
                guard let text = texts[number] else { continue }
                slots[probe(text)] = UInt32(number)
            }
        }

        /// The text of `name` (nil for ``Name/none``).
        subscript(name: Name) -> String? { texts[Int(name.number)] }

        /// The table whose texts from number 2 on are `texts`, in this order (``init()`` holds
        /// the first two), with room for `room` texts; nil when a text repeats, which no table
        /// holds.
        init?(restoring texts: [String], room: Int) {
            self.init()
            self.texts.reserveCapacity(max(room, texts.count) + 2)
            for text in texts {
                let next = UInt32(self.texts.count)
                guard name(text).number == next else { return nil }
            }
        }
    }

    /// The states of a job as its events leave it.
    enum JobState: String {
        case scheduled
        case inProgress = "in-progress"
        case executed, verified, failed, cancelled
    }

    /// One disposal job as its events describe it: plain values only (text as ``Name``s).
    ///
    /// 96 bytes (a million of them in a year's report): the optional dates are held as seconds,
    /// NaN for none; the fields are laid out widest first, so no padding falls between them.
    /// What few jobs have is kept beside the jobs, in ``ReportLedger/jobExtras``, and read
    /// through the ledger: the failed job a re-sanitization follows, a sample rate beyond 16
    /// bits, when a job failed or finished unless that is when it was verified (as it is for
    /// every job verified, or failed, once) — ``ReportLedger/afterFailedJob(of:)``,
    /// ``ReportLedger/readbackRatePercent(of:)``, ``ReportLedger/failedAt(of:)`` and
    /// ``ReportLedger/finishedAt(of:)``.
    struct Job {
        var id: Int64
        var dueAt: Date
        var createdAt: Date
        @CompactDate var executedAt: Date? = nil
        @CompactDate var verifiedAt: Date? = nil
        var asset: Name
        var method: Name
        /// The job's verification plan: an index in ``ReportLedger/verifications``.
        var verification: Int32
        var executedBy = Name.none
        var executedMethod = Name.none
        var technique = Name.none
        var tool = Name.none
        var toolVersion = Name.none
        var verifiedBy = Name.none
        var verifier = Name.none
        /// The read-back actually done: `full` or `sampled`, with the sample rate and seed.
        var readbackMode = Name.none
        var readbackSeed = Name.none
        var certificate = Name.none
        /// The sample rate, when it fits here (``Flags/rateHere``).
        fileprivate var readbackRate: Int16 = 0
        var state = JobState.scheduled
        /// Where the facts kept beside the job are.
        fileprivate var flags = Flags()

        /// Where a job's rarer facts are: here, beside the jobs, or the same as another.
        fileprivate struct Flags: OptionSet {
            var rawValue: UInt8 = 0
            /// The sample rate is ``Job/readbackRate``.
            static let rateHere = Flags(rawValue: 1)
            /// These are in the job's entry of ``ReportLedger/jobExtras``.
            static let rateBeside = Flags(rawValue: 2)
            static let failedBeside = Flags(rawValue: 4)
            static let finishedBeside = Flags(rawValue: 8)
            static let afterFailedJobBeside = Flags(rawValue: 16)
            /// The job failed, or finished, when it was verified.
            static let failedWhenVerified = Flags(rawValue: 32)
            static let finishedWhenVerified = Flags(rawValue: 64)

            static let beside: Flags = [.rateBeside, .failedBeside, .finishedBeside, .afterFailedJobBeside]
        }

        init(id: Int64, asset: Name, method: Name, verification: Int32, dueAt: Date, createdAt: Date) {
            self.id = id
            self.asset = asset
            self.method = method
            self.verification = verification
            self.dueAt = dueAt
            self.createdAt = createdAt
        }
    }

    /// The facts of a job that are not in ``Job`` itself: either beside it (in
    /// ``ReportLedger/jobExtras``, only those its flags say are there), or what it holds.
    struct JobFacts: Equatable {
        var afterFailedJob: Int64?
        var readbackRatePercent: Int64?
        var failedAt: Date?
        var finishedAt: Date?
    }

    /// The ids of an asset's jobs in the order they were scheduled: the first held inline (an
    /// asset has one job but for a re-sanitization), so most assets allocate nothing for them.
    struct JobIDs: Sequence {
        private var first: Int64 = 0
        private var rest: [Int64] = []
        private var hasFirst = false

        mutating func append(_ id: Int64) {
            if hasFirst {
                rest.append(id)
            } else {
                first = id
                hasFirst = true
            }
        }

        func makeIterator() -> Iterator {
            Iterator(head: hasFirst ? first : nil, tail: rest.makeIterator())
        }

        struct Iterator: IteratorProtocol {
            var head: Int64?
            var tail: IndexingIterator<[Int64]>

            mutating func next() -> Int64? {
                if let id = head {
                    head = nil
                    return id
                }
                return tail.next()
            }
        }
    }

    /// One asset's lifecycle as its events describe it.
    ///
    /// Compact (a million of them in a year's report, 48 bytes each): the dates are held as
    /// seconds, NaN for none, so an optional date costs 8 bytes rather than 16; the state and the
    /// destination are ``Name``s in the ledger's names (read with ``ReportLedger/state(of:)``
    /// and ``ReportLedger/destination(of:)``, or ``state(_:)`` and ``destination(_:)`` given the
    /// ledger's texts), 4 bytes each rather than a text's 16. When an asset was lost is kept
    /// beside the lives (``ReportLedger/lostDates``): few are.
    struct AssetLife {
        @CompactDate var retiredAt: Date? = nil
        @CompactDate var disposedAt: Date? = nil
        var jobs = JobIDs()
        /// The state's text (`in-service` until an entry changes it).
        var stateName = Name.inService
        /// The destination's text, once disposed.
        var destinationName = Name.none
        /// Whether a state change was seen (an imported asset's first state has no event).
        var stateSeen = false

        /// The state, given the ledger's texts (``ReportLedger/Names/texts``).
        func state(_ texts: [String?]) -> String {
            texts[Int(stateName.number)] ?? "in-service"
        }

        /// The destination, given the ledger's texts.
        func destination(_ texts: [String?]) -> String? {
            texts[Int(destinationName.number)]
        }

    }

    /// A custody hand-over.
    struct Custody {
        var asset: String
        var at: Date
        var from: String?
        var to: String?
        var seals: [String]
        var manifest: String?
        var locationTo: String?
        var actor: String
        var seq: Int64
    }

    /// An erasure request's dates and reason.
    struct Erasure {
        var id: Int64
        var reason: String
        var receivedAt: Date
        var dueAt: Date
        var completedAt: Date?
    }

    /// A backup recorded destroyed.
    struct BackupDestroyed {
        var backup: Int64
        var at: Date
        var how: String
    }

    /// The jobs, in the order they were first scheduled (or replanned).
    private(set) var jobs: [Job] = []
    /// By job id, the facts of the few jobs that have facts beside them (``Job``).
    private(set) var jobExtras: [Int64: JobFacts] = [:]
    /// The slot in ``jobs`` of job id `i`, plus one (0: none), for ids up to a little beyond the
    /// number of jobs (ids are dense from 1); ``sparseSlots`` holds any other.
    private var denseSlots: [Int32] = []
    private var sparseSlots: [Int64: Int32] = [:]
    /// Whether ``jobs`` is in id order (every job scheduled with a larger id than the last).
    private(set) var jobsInIDOrder = true
    /// The text the jobs hold.
    private(set) var names = Names()
    /// Each distinct verification plan of a job, once (a job refers to it by index).
    private(set) var verifications: [JSONValue] = []
    private var verificationIndex: [JSONValue: Int32] = [:]
    /// Every asset the entries name (registered one by one, scheduled for a job or changing
    /// state), in the order first named: an import's single event names none, and leaves only
    /// the registration time to go by.
    ///
    /// An array found by the tag's ``Name`` rather than a dictionary by tag: at a year's size a
    /// dictionary of lives held twice the slots it used, and every tag once more.
    private(set) var lives: [AssetLife] = []
    /// The tag of each of ``lives``.
    private(set) var lifeTags: [Name] = []
    /// By a name's number, one more than the slot in ``lives`` of the asset with that tag (0: none).
    private var lifeSlots: [UInt32] = []
    var custody: [Custody] = []
    /// By the number of a record's serial in ``names``, the code of its kind's text (0: no
    /// record; else one more than its index in ``recordKindNames``): the one fact about a record
    /// a report reads back (the kind of a revoked one). An array of a byte a name, not a
    /// dictionary by serial: a year holds a million records, and their serials are in ``names``
    /// already (a disposal record's job names it); a record has one of a few kinds.
    private(set) var recordKindCodes: [UInt8] = []
    /// The kind's text of each code of ``recordKindCodes`` but 0, in the order first seen.
    private(set) var recordKindNames: [Name] = []
    /// The kinds of records beyond the 255 kinds a code holds (none in practice), by the number
    /// of their serial.
    private var moreRecordKinds: [UInt32: Name] = [:]
    /// When each asset that was lost was last lost, by its slot in ``lives``.
    private(set) var lostDates: [Int: Date] = [:]
    var revocations: [String: (at: Date, reason: String)] = [:]
    var erasures: [Int64: Erasure] = [:]
    var backupsDestroyed: [BackupDestroyed] = []
    var attestedParts: [(request: Int64, store: String, at: Date)] = []
    /// The asset whose every event is kept in ``timeline`` (a custody report's), if any.
    var focus: String?
    /// The events of ``focus``, in log order.
    var timeline: [Event] = []
    /// The entries folded so far.
    private(set) var size: Int64 = 0
    /// The time of the last entry folded.
    private(set) var time: Date?

    /// The kinds of entry ``apply(_:)`` folds; every other kind leaves the ledger as it is (but
    /// for ``timeline``, which keeps every entry about ``focus``), so a scan may skip them.
    static let foldedTypes: [EventType] = [
        .assetRegistered, .jobScheduled, .jobReplanned, .jobStarted, .jobExecuted, .jobVerified,
        .jobFailed, .jobCancelled, .assetStateChanged, .custodyTransferred, .recordIssued, .recordRevoked,
        .erasureRequested, .erasureCompleted, .erasurePartChanged, .backupShredded,
    ]

    /// The kind of the record with serial `serial`, if the entries issue one.
    func recordKind(_ serial: String) -> String? {
        guard let name = names.existing(serial) else { return nil }
        return recordKindName(name).flatMap { names[$0] }
    }

    /// The text of the kind of the record whose serial is `serial`, if the entries issue one.
    func recordKindName(_ serial: Name) -> Name? {
        let number = Int(serial.number)
        guard number < recordKindCodes.count, recordKindCodes[number] != 0 else { return nil }
        let code = Int(recordKindCodes[number])
        return code == Int(UInt8.max) ? moreRecordKinds[serial.number] : recordKindNames[code - 1]
    }

    /// Records that the record whose serial is `serial` is of kind `kind`.
    mutating func setRecordKind(_ serial: Name, _ kind: Name) {
        let number = Int(serial.number)
        Self.makeRoom(in: &recordKindCodes, for: number)
        if let index = recordKindNames.firstIndex(of: kind) {
            recordKindCodes[number] = UInt8(index + 1)
            moreRecordKinds[serial.number] = nil
        } else if recordKindNames.count < Int(UInt8.max) - 1 {
            recordKindNames.append(kind)
            recordKindCodes[number] = UInt8(recordKindNames.count)
            moreRecordKinds[serial.number] = nil
        } else {
            recordKindCodes[number] = UInt8.max
            moreRecordKinds[serial.number] = kind
        }
    }

    /// The job with id `id`, if one was scheduled.
    func job(_ id: Int64) -> Job? {
        slot(id).map { jobs[$0] }
    }

    /// The failed job `job` re-sanitizes, if any.
    func afterFailedJob(of job: Job) -> Int64? {
        job.flags.contains(.afterFailedJobBeside) ? jobExtras[job.id]?.afterFailedJob : nil
    }

    /// The sample rate of `job`'s sampled read-back, in percent.
    func readbackRatePercent(of job: Job) -> Int64? {
        if job.flags.contains(.rateHere) { return Int64(job.readbackRate) }
        return job.flags.contains(.rateBeside) ? jobExtras[job.id]?.readbackRatePercent : nil
    }

    /// When `job` last failed its verification.
    func failedAt(of job: Job) -> Date? {
        if job.flags.contains(.failedWhenVerified) { return job.verifiedAt }
        return job.flags.contains(.failedBeside) ? jobExtras[job.id]?.failedAt : nil
    }

    /// When `job` finished: verified, failed or cancelled.
    func finishedAt(of job: Job) -> Date? {
        if job.flags.contains(.finishedWhenVerified) { return job.verifiedAt }
        return job.flags.contains(.finishedBeside) ? jobExtras[job.id]?.finishedAt : nil
    }

    /// The facts of `job` not in the job itself.
    func facts(of job: Job) -> JobFacts {
        JobFacts(
            afterFailedJob: afterFailedJob(of: job), readbackRatePercent: readbackRatePercent(of: job),
            failedAt: failedAt(of: job), finishedAt: finishedAt(of: job))
    }

    /// Sets `facts` as the facts of `job` (its ``Job/verifiedAt`` already set): in the job where
    /// they fit, else in the extras returned.
    static func place(_ facts: JobFacts, in job: inout Job) -> JobFacts? {
        var flags = Job.Flags()
        var extras = JobFacts()
        if let rate = facts.readbackRatePercent {
            if let small = Int16(exactly: rate) {
                job.readbackRate = small
                flags.insert(.rateHere)
            } else {
                extras.readbackRatePercent = rate
                flags.insert(.rateBeside)
            }
        }
        if !flags.contains(.rateHere) { job.readbackRate = 0 }
        // A date is a flag when it is the verification's, else kept beside the job.
        func place(
            _ date: Date?, _ whenVerified: Job.Flags, _ beside: Job.Flags, _ field: WritableKeyPath<JobFacts, Date?>
        ) {
            guard let date else { return }
            if date == job.verifiedAt {
                flags.insert(whenVerified)
            } else {
                extras[keyPath: field] = date
                flags.insert(beside)
            }
        }
        place(facts.failedAt, .failedWhenVerified, .failedBeside, \.failedAt)
        place(facts.finishedAt, .finishedWhenVerified, .finishedBeside, \.finishedAt)
        if let previous = facts.afterFailedJob {
            extras.afterFailedJob = previous
            flags.insert(.afterFailedJobBeside)
        }
        job.flags = flags
        return flags.isDisjoint(with: .beside) ? nil : extras
    }

    /// Changes the facts of the job in `slot` not held in the job itself (after any change to
    /// its ``Job/verifiedAt``, which `change` is given the facts as they stood before).
    private mutating func changeFacts(ofSlot slot: Int, before: JobFacts, _ change: (inout JobFacts) -> Void) {
        var facts = before
        change(&facts)
        let hadExtras = !jobs[slot].flags.isDisjoint(with: .beside)
        let extras = Self.place(facts, in: &jobs[slot])
        if let extras {
            jobExtras[jobs[slot].id] = extras
        } else if hadExtras {
            jobExtras[jobs[slot].id] = nil
        }
    }

    /// The last job scheduled for an asset.
    func lastJob(of life: AssetLife) -> Job? {
        var found: Job?
        for id in life.jobs {
            if let job = job(id) { found = job }
        }
        return found
    }

    /// The last of an asset's jobs in `state`.
    func lastJob(of life: AssetLife, in state: JobState) -> Job? {
        lastJobSlot(of: life, in: state).map { jobs[$0] }
    }

    /// The slot in ``jobs`` of the last of an asset's jobs in `state`.
    func lastJobSlot(of life: AssetLife, in state: JobState) -> Int? {
        var found: Int?
        for id in life.jobs {
            if let slot = slot(id), jobs[slot].state == state { found = slot }
        }
        return found
    }

    /// The text of `name`.
    func text(_ name: Name) -> String? {
        names[name]
    }

    /// The state of an asset's life (`in-service` until an entry changes it).
    func state(of life: AssetLife) -> String {
        life.state(names.texts)
    }

    /// The destination of an asset's life, once disposed.
    func destination(of life: AssetLife) -> String? {
        life.destination(names.texts)
    }

    /// The slot in ``lives`` of the asset tagged `tag`, if the entries name it.
    func lifeSlot(_ tag: String) -> Int? {
        guard let name = names.existing(tag), Int(name.number) < lifeSlots.count else { return nil }
        let slot = lifeSlots[Int(name.number)]
        return slot == 0 ? nil : Int(slot) - 1
    }

    /// The slot in ``lives`` of the asset whose tag has the name `tag`, if the entries name it
    /// (found without hashing the tag's text).
    func lifeSlot(_ tag: Name) -> Int? {
        guard Int(tag.number) < lifeSlots.count, lifeSlots[Int(tag.number)] != 0 else { return nil }
        return Int(lifeSlots[Int(tag.number)]) - 1
    }

    /// The life of the asset tagged `tag`, if the entries name it.
    func life(_ tag: String) -> AssetLife? {
        lifeSlot(tag).map { lives[$0] }
    }

    /// The tag of the asset in slot `slot` of ``lives``.
    func tag(ofLife slot: Int) -> String {
        names[lifeTags[slot]] ?? ""
    }

    /// Every asset the entries name with its tag, in the order first named.
    var assetLives: some Sequence<(tag: String, life: AssetLife)> {
        lives.indices.lazy.map { (tag: tag(ofLife: $0), life: lives[$0]) }
    }

    /// Changes the life of the asset tagged `tag`, named now if it was not; returns its slot in
    /// ``lives``.
    @discardableResult
    private mutating func changeLife(_ tag: String, _ change: (inout AssetLife) -> Void) -> Int {
        let name = names.name(tag)
        let number = Int(name.number)
        Self.makeRoom(in: &lifeSlots, for: number)
        if lifeSlots[number] == 0 {
            lives.append(AssetLife())
            lifeTags.append(name)
            lifeSlots[number] = UInt32(lives.count)
        }
        let slot = Int(lifeSlots[number]) - 1
        change(&lives[slot])
        return slot
    }

    /// Grows `table` (indexed by a name's number, 0 for none) to hold index `number`, by half its
    /// size at least, so that appending names one by one grows it a few times only.
    private static func makeRoom<Number: FixedWidthInteger>(in table: inout [Number], for number: Int) {
        guard number >= table.count else { return }
        let grown = table.count + max(number + 1 - table.count, table.count / 2)
        // Reserved exactly: appending alone would double the capacity, not add half.
        table.reserveCapacity(grown)
        table.append(contentsOf: repeatElement(0, count: grown - table.count))
    }

    /// The slots of ``jobs`` in id order.
    var slotsInIDOrder: SlotOrder {
        guard !jobsInIDOrder else { return SlotOrder(count: jobs.count, sorted: nil) }
        let sorted = (0..<Int32(jobs.count)).sorted { jobs[Int($0)].id < jobs[Int($1)].id }
        return SlotOrder(count: jobs.count, sorted: sorted)
    }

    /// Slots of ``jobs`` in the order of their ids: the slots themselves when the jobs were
    /// scheduled in id order (nothing held: a year has a million), else 4 bytes a job.
    struct SlotOrder: RandomAccessCollection {
        let count: Int
        /// The slots in id order, unless they are already.
        let sorted: [Int32]?

        var startIndex: Int { 0 }
        var endIndex: Int { count }
        subscript(position: Int) -> Int { sorted.map { Int($0[position]) } ?? position }
    }

    private func slot(_ id: Int64) -> Int? {
        if id >= 0, id < denseSlots.count, denseSlots[Int(id)] != 0 { return Int(denseSlots[Int(id)]) - 1 }
        // An id first seen far beyond the others stays sparse even once the dense index reaches it.
        return sparseSlots.isEmpty ? nil : sparseSlots[id].map(Int.init)
    }

    /// Adds a job (its id not yet in the ledger).
    private mutating func insert(_ job: Job) {
        jobs.append(job)
        indexJob(at: jobs.count - 1)
    }

    /// Finds the job in `slot` of ``jobs`` (the last added) by its id from now on.
    private mutating func indexJob(at slot: Int) {
        let id = jobs[slot].id
        if slot > 0, id <= jobs[slot - 1].id { jobsInIDOrder = false }
        // Dense while ids stay near the number of jobs (they count from 1); any other id, such
        // as a huge one, costs a dictionary entry, not memory up to it.
        if id >= 0, id < Int64(denseSlots.count) + 4096 + Int64(slot + 1) {
            if id >= denseSlots.count {
                denseSlots.append(contentsOf: repeatElement(0, count: Int(id) + 1 - denseSlots.count))
            }
            denseSlots[Int(id)] = Int32(slot) + 1
        } else {
            sparseSlots[id] = Int32(slot)
        }
    }

    private mutating func verificationNumber(_ plan: JSONValue) -> Int32 {
        if let index = verificationIndex[plan] { return index }
        let index = Int32(verifications.count)
        verifications.append(plan)
        verificationIndex[plan] = index
        return index
    }

    /// A ledger that has folded no entry.
    init() {}

    /// A ledger as a cache describes it (``ReportLedger/Cache``): its texts, plans,
    /// jobs in their order with the facts beside them, lives in theirs with their tags, when the lost ones were lost, and
    /// the entry it was folded to (the cache's reader sets the rest). The tables that find
    /// jobs by id and lives by tag are built again as folding builds them; the arrays are taken
    /// as they are (a year's jobs are a hundred megabytes, not to be copied).
    init(
        restoring names: Names, verifications: [JSONValue], jobs: [Job], jobExtras: [Int64: JobFacts],
        lives: [AssetLife], lifeTags: [Name], lostDates: [Int: Date], size: Int64, time: Date?
    ) {
        self.names = names
        for plan in verifications { _ = verificationNumber(plan) }
        self.jobs = jobs
        self.jobExtras = jobExtras
        denseSlots.reserveCapacity(jobs.capacity + 1)
        for slot in jobs.indices { indexJob(at: slot) }
        self.lives = lives
        self.lifeTags = lifeTags
        lifeSlots.reserveCapacity(names.texts.capacity)
        for (slot, tag) in lifeTags.enumerated() {
            Self.makeRoom(in: &lifeSlots, for: Int(tag.number))
            lifeSlots[Int(tag.number)] = UInt32(slot + 1)
        }
        self.lostDates = lostDates
        self.size = size
        self.time = time
    }

    /// Marks the ledger as folded up to `event`, the log's entry at the size it was computed at,
    /// whether or not its kind was folded.
    mutating func end(at event: Event) {
        size = event.seq
        time = event.recordedAt
    }

    /// Folds the next entry of the log.
    mutating func apply(_ event: Event) {
        apply(Entry(event))
    }

    /// Folds the next entries of the log, in order.
    mutating func apply(_ entries: [Entry]) {
        for entry in entries { apply(entry) }
    }

    /// Folds the next entry of the log, read into an ``Entry``.
    mutating func apply(_ entry: Entry) {
        size = entry.seq
        time = entry.recordedAt
        if let focus, entry.assetTag == focus, let event = entry.event { timeline.append(event) }
        let time = entry.recordedAt
        switch entry.fact {
        case .none:
            break
        case .registered:
            if let tag = entry.assetTag { changeLife(tag) { _ in } }
        case .scheduled(let scheduled):
            let verification = verificationNumber(scheduled.verification)
            let method = scheduled.method.map { names.name($0) }
            if let slot = slot(scheduled.id) {
                jobs[slot].method = method ?? jobs[slot].method
                jobs[slot].verification = verification
                jobs[slot].dueAt = scheduled.dueAt ?? jobs[slot].dueAt
                if entry.type == .jobScheduled {
                    jobs[slot].createdAt = time
                    changeFacts(ofSlot: slot, before: facts(of: jobs[slot])) {
                        $0.afterFailedJob = scheduled.afterFailedJob
                    }
                }
            } else {
                insert(
                    Job(
                        id: scheduled.id, asset: names.name(scheduled.asset), method: method ?? names.name(""),
                        verification: verification, dueAt: scheduled.dueAt ?? time, createdAt: time))
                if entry.type == .jobScheduled, let previous = scheduled.afterFailedJob {
                    changeFacts(ofSlot: jobs.count - 1, before: JobFacts()) { $0.afterFailedJob = previous }
                }
            }
            if entry.type == .jobScheduled {
                changeLife(scheduled.asset) { $0.jobs.append(scheduled.id) }
            }
        case .started(let id):
            update(id) { job, _ in job.state = .inProgress }
        case .executed(let id, let executed):
            update(id) { job, names in
                job.state = .executed
                job.executedBy = names.name(entry.actor)
                job.executedAt = time
                job.executedMethod = names.name(executed.method)
                job.technique = names.name(executed.technique)
                job.tool = names.name(executed.tool)
                job.toolVersion = names.name(executed.toolVersion)
            }
        case .verified(let id, let passed, let verified):
            guard let id, let slot = slot(id) else { return }
            // The facts as they stood, read before the verification's time replaces the one
            // they may be the same as.
            let before = facts(of: jobs[slot])
            jobs[slot].state = passed ? .verified : .failed
            jobs[slot].verifiedBy = names.name(entry.actor)
            jobs[slot].verifiedAt = time
            jobs[slot].verifier = names.name(verified.verifier)
            jobs[slot].readbackMode = names.name(verified.readbackMode)
            jobs[slot].readbackSeed = names.name(verified.readbackSeed)
            changeFacts(ofSlot: slot, before: before) { facts in
                facts.readbackRatePercent = verified.readbackRatePercent
                if !passed { facts.failedAt = time }
                facts.finishedAt = time
            }
        case .cancelled(let id):
            guard let id, let slot = slot(id) else { return }
            jobs[slot].state = .cancelled
            changeFacts(ofSlot: slot, before: facts(of: jobs[slot])) { $0.finishedAt = time }
        case .stateChanged(let to, let destination):
            guard let tag = entry.assetTag else { return }
            // The state's and the destination's names: 4 bytes each an asset.
            let state = names.name(to)
            let disposedTo = names.name(destination)
            let slot = changeLife(tag) { Self.change(&$0, to: to, name: state, destination: disposedTo, at: time) }
            if to == "lost" { lostDates[slot] = time }
        case .custody(let move):
            guard let tag = entry.assetTag else { return }
            custody.append(
                Custody(
                    asset: tag, at: move.at ?? time, from: move.from, to: move.to, seals: move.seals,
                    manifest: move.manifest, locationTo: move.locationTo, actor: entry.actor, seq: entry.seq))
        case .recordIssued(let serial, let kind, let job):
            let name = names.name(serial)
            setRecordKind(name, names.name(kind))
            if kind == "disposal", let job { update(job) { job, _ in job.certificate = name } }
        case .recordRevoked(let serial, let reason):
            revocations[serial] = (time, reason)
        case .erasureRequested(let id, let reason, let dueAt, let allDone):
            erasures[id] = Erasure(
                id: id, reason: reason, receivedAt: time, dueAt: dueAt ?? time,
                // A request with nothing left to do completes as it is received (no completion event).
                completedAt: allDone ? time : nil)
        case .erasureCompleted(let id):
            erasures[id]?.completedAt = time
        case .partAttested(let request, let store):
            attestedParts.append((request, store, time))
        case .backupShredded(let backup, let method):
            let how =
                method.hasPrefix("crypto-erase")
                ? "shredded" : method.hasPrefix("media sanitized") ? "with-media" : "attested"
            backupsDestroyed.append(BackupDestroyed(backup: backup, at: time, how: how))
        }
    }

    private static func change(_ life: inout AssetLife, to: String, name: Name, destination: Name, at time: Date) {
        life.stateName = name
        life.stateSeen = true
        switch to {
        case "retired": life.retiredAt = time
        case "disposed":
            life.disposedAt = time
            life.destinationName = destination
        case "in-service": life.retiredAt = nil
        default: break
        }
    }

    private mutating func update(_ id: Int64?, _ change: (inout Job, inout Names) -> Void) {
        guard let id, let slot = slot(id) else { return }
        change(&jobs[slot], &names)
    }
}

extension ReportLedger {
    /// One entry of the log as the ledger folds it: its top-level fields and the few payload
    /// fields its kind contributes (``Fact``), read from the payload once, on any thread.
    struct Entry: Sendable {
        var seq: Int64
        var recordedAt: Date
        var actor: String
        var type: EventType
        var assetTag: String?
        var fact: Fact
        /// The whole event, kept only where a timeline needs it (an entry about the focus).
        var event: Event?

        /// Reads a parsed event.
        init(_ event: Event) {
            seq = event.seq
            recordedAt = event.recordedAt
            actor = event.actor
            type = event.type
            assetTag = event.assetTag
            fact = Fact(type: event.type, payload: event.payload)
            self.event = event
        }

        /// Reads an event's stored bytes: in place when they are in the simple form canonical
        /// JSON takes (``StoredEventView``), else parsed whole as ``Event/init(storedBytes:)``
        /// does (which refuses what it always refused). The whole event is kept only when it is
        /// about `focus`.
        init(storedBytes bytes: [UInt8], focus: String?) throws(LetheError) {
            try self.init(storedBytes: bytes, range: 0..<bytes.count, focus: focus)
        }

        /// Reads the stored bytes of an event that are `bytes[range]` (a batch read into one
        /// buffer), as ``init(storedBytes:focus:)`` does.
        init(storedBytes bytes: [UInt8], range: Range<Int>, focus: String?) throws(LetheError) {
            guard let view = StoredEventView(storedBytes: bytes, range: range) else {
                var entry = Entry(try Event(storedBytes: Array(bytes[range])))
                if focus == nil || entry.assetTag != focus { entry.event = nil }
                self = entry
                return
            }
            seq = view.seq
            recordedAt = view.recordedAt
            actor = view.actor
            type = view.type
            assetTag = view.assetTag
            fact = Fact(type: view.type, payload: view.payload)
            event = focus != nil && view.assetTag == focus ? try Event(storedBytes: Array(bytes[range])) : nil
        }
    }

    /// What an entry contributes to the ledger: the payload fields its kind needs, nothing else.
    /// A kind the ledger does not fold, or a payload that lacks what its kind needs, is `none`.
    enum Fact: Sendable {
        case none
        case registered
        case scheduled(Scheduled)
        case started(Int64?)
        case executed(Int64?, Executed)
        case verified(Int64?, passed: Bool, Verified)
        case cancelled(Int64?)
        case stateChanged(to: String, destination: String?)
        case custody(Move)
        case recordIssued(serial: String, kind: String, job: Int64?)
        case recordRevoked(serial: String, reason: String)
        case erasureRequested(Int64, reason: String, dueAt: Date?, allPartsDone: Bool)
        case erasureCompleted(Int64)
        case partAttested(request: Int64, store: String)
        case backupShredded(Int64, method: String)

        struct Scheduled: Sendable {
            var id: Int64
            var asset: String
            var method: String?
            var verification: JSONValue
            var dueAt: Date?
            var afterFailedJob: Int64?
        }

        struct Executed: Sendable {
            var method: String?
            var technique: String?
            var tool: String?
            var toolVersion: String?
        }

        struct Verified: Sendable {
            var verifier: String?
            var readbackMode: String?
            var readbackRatePercent: Int64?
            var readbackSeed: String?
        }

        struct Move: Sendable {
            var at: Date?
            var from: String?
            var to: String?
            var seals: [String]
            var manifest: String?
            var locationTo: String?
        }

        /// Reads the fields a kind of entry contributes from its payload (a tree or the stored
        /// bytes read in place: the same fields either way).
        init<Payload: JSONFieldReading>(type: EventType, payload: Payload) {
            switch type {
            case .assetRegistered:
                self = .registered
            case .jobScheduled, .jobReplanned:
                guard let job = payload["job"], let id = job["id"]?.integerValue,
                    let asset = job["asset"]?.stringValue
                else {
                    self = .none
                    return
                }
                self = .scheduled(
                    Scheduled(
                        id: id, asset: asset, method: job["method"]?.stringValue,
                        verification: job["verification"]?.jsonValue ?? .null, dueAt: job["due_at"]?.dateValue,
                        afterFailedJob: payload["after_failed_job"]?.integerValue))
            case .jobStarted:
                self = .started(payload["job"]?.integerValue)
            case .jobExecuted:
                self = .executed(
                    payload["job"]?.integerValue,
                    Executed(
                        method: payload["method"]?.stringValue, technique: payload["technique"]?.stringValue,
                        tool: payload["tool"]?.stringValue, toolVersion: payload["tool_version"]?.stringValue))
            case .jobVerified, .jobFailed:
                let details = payload["details"]
                self = .verified(
                    payload["job"]?.integerValue, passed: type == .jobVerified,
                    Verified(
                        verifier: payload["verifier"]?.stringValue, readbackMode: details?["mode"]?.stringValue,
                        readbackRatePercent: details?["sample_rate_percent"]?.integerValue,
                        readbackSeed: details?["sample_seed"]?.stringValue))
            case .jobCancelled:
                self = .cancelled(payload["job"]?.integerValue)
            case .assetStateChanged:
                guard let to = payload["to"]?.stringValue else {
                    self = .none
                    return
                }
                self = .stateChanged(to: to, destination: payload["destination"]?.stringValue)
            case .custodyTransferred:
                self = .custody(
                    Move(
                        at: payload["at"]?.dateValue, from: payload["from"]?.stringValue,
                        to: payload["to"]?.stringValue,
                        seals: (payload["seals"]?.arrayValue ?? []).compactMap(\.stringValue),
                        manifest: payload["manifest"]?.stringValue, locationTo: payload["location_to"]?.stringValue))
            case .recordIssued:
                guard let serial = payload["serial"]?.stringValue, let kind = payload["kind"]?.stringValue else {
                    self = .none
                    return
                }
                self = .recordIssued(serial: serial, kind: kind, job: payload["job"]?.integerValue)
            case .recordRevoked:
                guard let serial = payload["serial"]?.stringValue else {
                    self = .none
                    return
                }
                self = .recordRevoked(serial: serial, reason: payload["reason"]?.stringValue ?? "")
            case .erasureRequested:
                guard let id = payload["request"]?.integerValue else {
                    self = .none
                    return
                }
                self = .erasureRequested(
                    id, reason: payload["reason"]?.stringValue ?? "unknown", dueAt: payload["due_at"]?.dateValue,
                    allPartsDone: (payload["parts"]?.arrayValue ?? []).allSatisfy {
                        $0["state"]?.stringValue == "done"
                    })
            case .erasureCompleted:
                guard let id = payload["request"]?.integerValue else {
                    self = .none
                    return
                }
                self = .erasureCompleted(id)
            case .erasurePartChanged:
                guard payload["action"]?.stringValue == "attest", payload["state"]?.stringValue == "done",
                    let request = payload["request"]?.integerValue
                else {
                    self = .none
                    return
                }
                self = .partAttested(request: request, store: payload["store"]?.stringValue ?? "")
            case .backupShredded:
                guard let backup = payload["backup"]?.integerValue else {
                    self = .none
                    return
                }
                self = .backupShredded(backup, method: payload["method"]?.stringValue ?? "")
            default:
                self = .none
            }
        }
    }
}
