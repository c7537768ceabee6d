import Foundation
import LetheCore
import LetheSanitize
import LetheStore

/// The data map, holdings and erasure requests: every use case of `lethe store`, `lethe holding`
/// and `lethe erasure`, for every front end. Each takes the ``Principal`` it runs for, is
/// authorised by ``Authorization`` first, and returns a typed result; database erasure and residue
/// scans run on threads of their own while the calling task is suspended.
public struct ErasureService: Sendable {
    /// The application.
    let app: LetheApp

    /// The declaration of a registered store with its connection string opened (in memory only),
    /// read without blocking the calling task's thread.
    func declaration(of name: String, secrets: InstallationSecrets) async throws(LetheError) -> DataStoreDeclaration {
        let record = try await app.store.read { (tx) throws(LetheError) in try LetheApp.requireStore(name, in: tx) }
        return try DataStoreCoding.declaration(try CanonicalJSON.decode(record.declaration), box: secrets.box)
    }

    /// The engine that erases in `declaration`, or a `usage` error with `refusal` when there is none.
    func engine(
        for declaration: DataStoreDeclaration, refusal: @autoclosure () -> String
    ) throws(LetheError)
        -> any DatabaseErasureEngine
    {
        guard let engine = app.executors.engine(for: declaration) else { throw LetheError(.usage, refusal()) }
        return engine
    }
}

extension LetheApp {
    /// The data map, holdings and erasure requests.
    public var erasure: ErasureService { ErasureService(app: self) }
}
