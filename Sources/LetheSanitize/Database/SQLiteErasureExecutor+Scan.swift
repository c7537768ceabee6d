import Dispatch
import GRDB
import LetheCore

extension SQLiteErasureExecutor {
    /// How many identity values are read before they are hashed together.
    static let scanBatch = 8192

    /// Streams the keyed hash of every non-null identity value, read-only, with the store's
    /// normalisation, in one read transaction (one consistent snapshot).
    ///
    /// Values are read in batches of 8,192; a worker thread hashes most of a batch while the
    /// next batch is read, and the hashes are handed to `body` in table order. Memory stays bounded by one batch.
    public func scanIdentities(
        store: DataStoreDeclaration, _ body: (SubjectHash) throws(LetheError) -> Void
    ) throws(LetheError) -> Int {
        let (path, plan) = try Self.target(store)
        let queue = try open(path, store: store, readonly: true)
        let keyed = hasher.makeKeyed()
        let normalization = plan.normalization
        var bodyError: LetheError?
        let count = try Self.mapErrors(store: store, path: path) {
            try queue.read { db in
                let resolved = try ResolvedPlan(plan, store: store.name, db: db)
                let column = resolved.identityColumn.quoted
                let cursor = try String.fetchCursor(
                    db, sql: "SELECT \(column) FROM \(resolved.identityTable.quoted) WHERE \(column) IS NOT NULL")
                var count = 0
                var hashes = [SubjectHash](repeating: SubjectHash(w0: 0, w1: 0, w2: 0, w3: 0), count: Self.scanBatch)
                func readBatch() throws -> [String] {
                    var values: [String] = []
                    values.reserveCapacity(Self.scanBatch)
                    while values.count < Self.scanBatch, let value = try cursor.next() { values.append(value) }
                    return values
                }
                var current = try readBatch()
                while !current.isEmpty {
                    // A worker hashes the first part of this batch while this thread reads the
                    // next batch (SQLite is used on this thread only) and then hashes the rest.
                    let batch = current
                    let split = batch.count >= 1024 ? batch.count * 5 / 8 : 0
                    let next: [String] = try hashes.withUnsafeMutableBufferPointer { output in
                        let target = SendablePointer(output.baseAddress!)
                        let group = DispatchGroup()
                        if split > 0 {
                            DispatchQueue.global().async(group: group) {
                                Self.hash(batch, 0..<split, into: target, keyed: keyed, normalization: normalization)
                            }
                        }
                        defer { group.wait() }
                        let next = try readBatch()
                        Self.hash(batch, split..<batch.count, into: target, keyed: keyed, normalization: normalization)
                        return next
                    }
                    for index in 0..<batch.count {
                        do { try body(hashes[index]) } catch {
                            bodyError = (error as? LetheError) ?? LetheError(.internal, "\(error)")
                            return count
                        }
                        count += 1
                    }
                    current = next
                }
                return count
            }
        }
        if let bodyError { throw bodyError }
        return count
    }

    /// Hashes `values[range]` into the same indexes of `target`.
    fileprivate static func hash(
        _ values: [String], _ range: Range<Int>, into target: SendablePointer, keyed: SubjectHasher.Keyed,
        normalization: IdentityNormalization
    ) {
        for index in range {
            var value = values[index]
            target.pointer[index] = value.withUTF8 {
                SubjectHasher.hash(bytes: UnsafeRawBufferPointer($0), keyed: keyed, normalization: normalization)
            }
        }
    }
}

/// A pointer written by several threads at disjoint indexes.
fileprivate struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<SubjectHash>
    init(_ pointer: UnsafeMutablePointer<SubjectHash>) { self.pointer = pointer }
}
