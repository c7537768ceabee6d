import Crypto
import Foundation
import GRDB
import LetheCore

/// The SQL functions an erasure connection gets:
/// - `lethe_subject_match(value)` → 1 when the value's keyed hash (store normalisation) is one of the subjects;
/// - `lethe_subject_hash(value)` → the value's keyed hash in hex (store normalisation): the `keyed-hash`
///   action on the identity column;
/// - `lethe_keyed_hash(value)` → the value's keyed hash in hex (`exact`): the `keyed-hash` action on other columns.
struct SubjectFunctions: Sendable {
    let base: SubjectHasher.Keyed
    let normalization: IdentityNormalization
    let subjects: Set<SubjectHash>

    init(hasher: SubjectHasher, normalization: IdentityNormalization, subjects: Set<SubjectHash>) {
        base = hasher.makeKeyed()
        self.normalization = normalization
        self.subjects = subjects
    }

    func install(in db: Database) {
        let base = self.base
        let normalization = self.normalization
        let subjects = self.subjects
        db.add(
            function: DatabaseFunction("lethe_subject_match", argumentCount: 1, pure: true) { values in
                guard let hash = Self.hash(values[0], base: base, normalization: normalization) else { return 0 }
                return subjects.contains(hash) ? 1 : 0
            })
        db.add(
            function: DatabaseFunction("lethe_subject_hash", argumentCount: 1, pure: true) { values in
                Self.hash(values[0], base: base, normalization: normalization)?.hex
            })
        db.add(
            function: DatabaseFunction("lethe_keyed_hash", argumentCount: 1, pure: true) { values in
                Self.hash(values[0], base: base, normalization: .exact)?.hex
            })
    }

    /// The keyed hash of a stored value: text and blobs by their bytes, integers by their decimal
    /// text (as SQLite converts them); NULL has none.
    static func hash(
        _ value: DatabaseValue, base: SubjectHasher.Keyed, normalization: IdentityNormalization
    ) -> SubjectHash? {
        let bytes: [UInt8]
        switch value.storage {
        case .null: return nil
        case .string(let text): bytes = Array(text.utf8)
        case .int64(let number): bytes = Array(String(number).utf8)
        case .double(let number): bytes = Array(String(number).utf8)
        case .blob(let data): bytes = Array(data)
        }
        return bytes.withUnsafeBytes { SubjectHasher.hash(bytes: $0, keyed: base, normalization: normalization) }
    }
}
