import Foundation
import LetheCore

/// Reads of the data map, holdings, backups and erasure requests, inside one snapshot.
///
/// Subjects are always keyed hashes (64 lowercase hex digits); no raw identifier reaches the store.
public protocol ErasureStoreReading {
    /// The registered store with this name, or nil.
    func registeredStore(name: String) throws(LetheError) -> RegisteredStore?
    /// Every registered store, by name.
    func registeredStores() throws(LetheError) -> [RegisteredStore]
    /// Whether the store holds the subject.
    func holds(store: String, subject: String) throws(LetheError) -> Bool
    /// How many subjects a store holds.
    func holdingCount(store: String) throws(LetheError) -> Int
    /// The backup with this number, or nil.
    func backup(id: Int64) throws(LetheError) -> BackupRecord?
    /// The backups, by number; of one store when given.
    func backups(store: String?) throws(LetheError) -> [BackupRecord]
    /// The backups whose file lives on the asset `tag`, by number.
    func backups(media tag: String) throws(LetheError) -> [BackupRecord]
    /// The store's snapshot backups that hold the subject and are not shredded, by number: those
    /// registered while the store was recorded to hold it (from its first recording to its
    /// erasure, both included).
    func backups(store: String, holding subject: String) throws(LetheError) -> [BackupRecord]
    /// The erasure request with this number, or nil.
    func erasureRequest(id: Int64) throws(LetheError) -> ErasureRequest?
    /// Erasure requests by due date; only open ones due before `dueBefore` when given.
    func erasureRequests(openOnly: Bool, dueBefore: Date?) throws(LetheError) -> [ErasureRequest]
    /// A request's parts, by number.
    func erasureParts(requestID: Int64) throws(LetheError) -> [ErasurePart]
    /// The `suppress` parts for a backup, by number.
    func suppressParts(backupID: Int64) throws(LetheError) -> [ErasurePart]
    /// Executed `execute` parts (verified at least once) whose last verification is older than
    /// `before`, with the subject's keyed hash in that store (the part's `outcome.subject`).
    func erasurePartsToVerify(before: Date) throws(LetheError) -> [(part: ErasurePart, subject: String)]
    /// The subjects (keyed hashes, `outcome.subject` of the parts) erased from the store or suppressed
    /// in a backup of it: what `erasure reapply` must erase again after a restore.
    func erasedSubjects(store: String) throws(LetheError) -> [String]
}

/// Writes of the data map, holdings, backups and erasure requests, inside one transaction.
public protocol ErasureStoreWriting: ErasureStoreReading {
    /// Stores a declaration, replacing the one with the same name.
    func save(_ store: RegisteredStore) throws(LetheError)
    /// Records that the store holds each subject; returns how many were new.
    func insertHoldings(store: String, subjects: [String], source: String, at time: Date) throws(LetheError) -> Int
    /// Records holdings given as concatenated 32-byte hashes (`digests.count` a multiple of 32),
    /// sorted: the bulk path of `store scan`. Returns how many were new.
    func insertHoldings(
        store: String, digests: [UInt8], source: String, at time: Date
    ) throws(LetheError) -> Int
    /// Records that the store no longer holds the subject (its data there was erased). The
    /// holding's row stays, marked erased: backups registered before still hold the subject.
    func eraseHolding(store: String, subject: String, at time: Date) throws(LetheError)
    /// Stores a new backup and returns it with its number and `subjectCount`; it holds every subject
    /// its store holds now (found by query, no copy is made).
    func insert(_ backup: BackupRecord) throws(LetheError) -> BackupRecord
    /// Replaces the stored backup with the same number.
    func update(_ backup: BackupRecord) throws(LetheError)
    /// Stores a new request and returns it with its number.
    func insert(_ request: ErasureRequest) throws(LetheError) -> ErasureRequest
    /// Replaces the stored request with the same number.
    func update(_ request: ErasureRequest) throws(LetheError)
    /// Stores a new part and returns it with its number.
    func insert(_ part: ErasurePart) throws(LetheError) -> ErasurePart
    /// Replaces the stored part with the same number.
    func update(_ part: ErasurePart) throws(LetheError)
}
