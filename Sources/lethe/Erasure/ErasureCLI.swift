import Foundation
import Lethe
import LetheCore

/// What the erasure and backup commands share.
enum ErasureCLI {
    /// The principal a reading command runs for: the local operator (whoever holds the data
    /// directory), named after the login user.
    static func reader() throws(LetheError) -> Principal { try Principal.localOperator(WriteOptions.loginUser()) }

    /// An evidence file read for an attestation: its bytes and its name (no path is recorded).
    static func evidence(_ path: String?) throws(LetheError) -> AttestationEvidence? {
        guard let path else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw LetheError(
                exists ? .io : .notFound,
                exists
                    ? "cannot read evidence file \(path); check its permissions (nothing was recorded)"
                    : "evidence file \(path) does not exist; check the path (nothing was recorded)")
        }
        return AttestationEvidence(name: path, bytes: data)
    }
}
