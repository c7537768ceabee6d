import Foundation
import LetheCore

/// Which assets a listing returns: filters, and keyset pagination by tag.
public struct AssetQuery: Sendable, Hashable {
    /// Only assets in this state.
    public var state: LifecycleState?
    /// Only assets of this media type.
    public var mediaType: MediaType?
    /// Only assets at this location (exact match).
    public var location: String?
    /// Only the assets attached to this parent.
    public var parentTag: String?
    /// Only assets whose tag sorts after this one (the last tag of the previous page).
    public var afterTag: String?
    /// At most this many.
    public var limit: Int?
    /// Only assets whose tag, serial, make, model, location or custodian contains this text,
    /// ignoring ASCII case (the API's `q=`).
    public var text: String?
    /// Only assets of this classification.
    public var classification: Classification?

    /// Creates a query; with no arguments it matches every asset.
    public init(
        state: LifecycleState? = nil, mediaType: MediaType? = nil, location: String? = nil,
        parentTag: String? = nil, afterTag: String? = nil, limit: Int? = nil, text: String? = nil,
        classification: Classification? = nil
    ) {
        self.text = text
        self.classification = classification
        self.state = state
        self.mediaType = mediaType
        self.location = location
        self.parentTag = parentTag
        self.afterTag = afterTag
        self.limit = limit
    }
}

/// A child row whose parent tag was not registered when the row was read, kept until the end of
/// an import to be resolved.
public struct PendingParent: Sendable, Hashable {
    /// The file line of the row.
    public var line: Int
    /// The child's tag.
    public var tag: String
    /// The parent tag it names.
    public var parentTag: String

    public init(line: Int, tag: String, parentTag: String) {
        self.line = line
        self.tag = tag
        self.parentTag = parentTag
    }
}

/// Reads inside one consistent snapshot of the store.
public protocol StoreReading: JobStoreReading, EvidenceStoreReading, SanitizeRunReading, ErasureStoreReading,
    StatusStoreReading,
    IssuanceStoreReading, UserStoreReading, ReportStoreReading, SchedulerStoreReading,
    WebhookStoreReading
{
    /// The asset with this tag, or nil.
    func asset(tag: String) throws(LetheError) -> Asset?
    /// The assets matching a query, ordered by tag.
    func assets(_ query: AssetQuery) throws(LetheError) -> [Asset]
    /// The tag and state of every asset attached to `parentTag`, ordered by tag.
    func attachedAssets(to parentTag: String) throws(LetheError) -> [(tag: String, state: LifecycleState)]
    /// How many assets match a query (ignoring its pagination).
    func countAssets(_ query: AssetQuery) throws(LetheError) -> Int
    /// The events about one asset, in log order, including the import that registered it.
    func events(assetTag: String) throws(LetheError) -> [Event]
    /// Events in log order starting at `fromSeq`, at most `limit` of them.
    func events(fromSeq: Int64, limit: Int) throws(LetheError) -> [Event]
    /// The newest event, or nil when the log is empty.
    func lastEvent() throws(LetheError) -> Event?
    /// How many events the log holds.
    func eventCount() throws(LetheError) -> Int64
}

/// Writes inside one transaction: all of it is committed, or none.
public protocol StoreWriting: StoreReading, JobStoreWriting, EvidenceStoreWriting, SanitizeRunWriting,
    ErasureStoreWriting, UserStoreWriting, ReportStoreWriting, SchedulerStoreWriting,
    WebhookStoreWriting
{
    /// Stores a new asset; a tag that exists already is a `conflict` error.
    ///
    /// - Parameters:
    ///   - importID: the import that registers it (from ``beginImport(fileName:sha256:format:)``), if any.
    ///   - line: the file line of its row in that import.
    func insert(_ asset: Asset, importID: Int64?, line: Int?) throws(LetheError)
    /// Records the start of a CSV import and returns its id.
    func beginImport(fileName: String, sha256: String, format: String) throws(LetheError) -> Int64
    /// Links an import to the event that records it, and records the file's SHA-256 (known once
    /// its last row is read); the assets it registered show that event in their history.
    func finishImport(id: Int64, eventSeq: Int64, sha256: String) throws(LetheError)
    /// Replaces the stored asset that has the same tag.
    func update(_ asset: Asset) throws(LetheError)
    /// Moves an asset from one lifecycle state to another, writing only its state, destination and
    /// update time (so SQLite touches only the indexes on those columns). An asset that is not in
    /// `from` any more is a `conflict` error; the caller checks that the transition is legal.
    func setState(
        tag: String, from: LifecycleState, to: LifecycleState, destination: Destination?, at time: Date
    ) throws(LetheError)
    /// Appends an event to the log, numbered after the newest, and returns it.
    @discardableResult
    func append(_ draft: EventDraft, actor: String, at time: Date) throws(LetheError) -> Event
    /// Appends an event whose bytes were encoded beforehand (off the database's thread); its
    /// `seq` must be the next one, or nothing is written and the error is `internal`.
    func append(built event: Event) throws(LetheError)
    /// An opaque mark: ``registeredSince(_:tag:)`` tells whether an asset was stored after it.
    func registrationMark() throws(LetheError) -> Int64
    /// Whether the asset with this tag was stored after `mark` was taken.
    func registeredSince(_ mark: Int64, tag: String) throws(LetheError) -> Bool
    /// Remembers a child whose parent is not yet known, for ``unresolvedParents(limit:)``.
    func deferParentCheck(_ pending: PendingParent) throws(LetheError)
    /// The deferred children whose parent still does not exist, or whose parent chain loops.
    func unresolvedParents(limit: Int) throws(LetheError) -> (first: [PendingParent], total: Int)
}

extension StoreWriting {
    /// Stores a new asset registered on its own (not by an import).
    public func insert(_ asset: Asset) throws(LetheError) {
        try insert(asset, importID: nil, line: nil)
    }
}

/// A persistence backend: SQLite now; another database must fit behind the same interface.
///
/// Use cases call the `async` methods: the body runs on the backend's own threads (GRDB's reader
/// and writer queues for SQLite) while the calling task is suspended, so no Swift concurrency
/// thread waits on the database or its locks. The synchronous ones are for engines that run on a
/// thread of their own (the log verification pipeline, the import's producer).
public protocol LetheStorage: Sendable {
    /// Runs `body` against a consistent snapshot, blocking the calling thread.
    func read<T>(_ body: (any StoreReading) throws(LetheError) -> T) throws(LetheError) -> T
    /// Runs `body` in one write transaction, committed when it returns and rolled back when it
    /// throws, or always rolled back when `dryRun` is true; blocks the calling thread.
    func write<T>(dryRun: Bool, _ body: (any StoreWriting) throws(LetheError) -> T) throws(LetheError) -> T
    /// Runs `body` against a consistent snapshot without blocking the calling task's thread.
    func read<T: Sendable>(_ body: @Sendable (any StoreReading) throws(LetheError) -> T) async throws(LetheError) -> T
    /// Runs `body` in one write transaction (committed when it returns, rolled back when it throws
    /// or when `dryRun` is true) without blocking the calling task's thread.
    func write<T: Sendable>(
        dryRun: Bool, _ body: @Sendable (any StoreWriting) throws(LetheError) -> T
    ) async throws(LetheError) -> T
    /// Runs `body`, a read of a few rows by key (a token, one asset), against a consistent
    /// snapshot on the calling thread when a connection of its own is free, without the hop to a
    /// reader's queue and back that the async `read` makes; with none free it is that read. Never
    /// for a scan or a list: it holds the thread.
    func briefRead<T: Sendable>(
        _ body: @Sendable (any StoreReading) throws(LetheError) -> T
    ) async throws(LetheError) -> T
    /// Makes content just overwritten with secure delete (a shredded backup key) survive in no
    /// log or journal of the backend (SQLite: a truncating checkpoint of the write-ahead log),
    /// without blocking the calling task's thread.
    func checkpointAfterSecureDelete() async throws(LetheError)
}

extension LetheStorage {
    /// A backend without connections of its own for brief reads runs them as any read.
    public func briefRead<T: Sendable>(
        _ body: @Sendable (any StoreReading) throws(LetheError) -> T
    ) async throws(LetheError) -> T {
        try await read(body)
    }

    /// Runs `body` in one write transaction that commits when it returns.
    public func write<T>(_ body: (any StoreWriting) throws(LetheError) -> T) throws(LetheError) -> T {
        try write(dryRun: false, body)
    }

    /// Runs `body` in one write transaction that commits when it returns, without blocking the
    /// calling task's thread.
    public func write<T: Sendable>(
        _ body: @Sendable (any StoreWriting) throws(LetheError) -> T
    ) async throws(LetheError) -> T {
        try await write(dryRun: false, body)
    }
}
