import Foundation
import Lethe
import LetheCore
import LetheStore

extension Principal {
    /// A test principal holding only `roles`, signed in to the console.
    public static func holding(_ roles: Set<Role>, name: String = "tester") -> Principal {
        try! Principal(name: name, roles: roles, authentication: .consoleSession)
    }

    /// The local operator named `name` (every role), as the CLI's `--actor`.
    public static func local(_ name: String) -> Principal { try! .localOperator(name) }

    /// An IT-staff user: registers, updates, moves, retires and disposes of assets.
    public static let itStaff = holding([.itStaff], name: "it")
    /// An auditor: reads only.
    public static let auditor = holding([.auditor], name: "auditor")
}

/// Synchronous set-up forms of the asset use cases, with an actor string, for the tests of other
/// domains that register, retire or lose assets as fixtures. They run the same in-transaction steps
/// as ``AssetService`` on the calling thread (no authorization: the fixture is the local
/// operator); the asset domain's own tests call `app.assets` with principals.
extension LetheApp {
    @discardableResult
    public func registerAsset(_ fields: AssetFields, actor: String) throws(LetheError) -> Asset {
        let actor = try Principal.localOperator(actor).name
        let time = currentTime
        let asset: Asset
        switch fields.newAsset(at: time) {
        case .success(let value): asset = value
        case .failure(let problems): throw problems.error(context: "cannot register asset \(fields.tag ?? "")")
        }
        try store.write { (tx) throws(LetheError) in try LetheApp.register(asset, in: tx, actor: actor, at: time) }
        return asset
    }

    @discardableResult
    public func updateAsset(tag: String, _ fields: AssetFields, actor: String) throws(LetheError) -> Asset {
        let actor = try Principal.localOperator(actor).name
        let time = currentTime
        return try store.write { (tx) throws(LetheError) in
            try LetheApp.update(tag: tag, fields, in: tx, actor: actor, at: time)
        }
    }

    public func asset(tag: String) throws(LetheError) -> Asset {
        try store.read { (tx) throws(LetheError) in try LetheApp.requireAsset(tag, in: tx) }
    }

    public func history(tag: String) throws(LetheError) -> [Event] {
        try store.read { (tx) throws(LetheError) in
            _ = try LetheApp.requireAsset(tag, in: tx)
            return try tx.events(assetTag: tag)
        }
    }

    @discardableResult
    public func retireAsset(tag: String, reason: String? = nil, actor: String) throws(LetheError) -> [Asset] {
        let actor = try Principal.localOperator(actor).name
        let time = currentTime
        return try store.write { (tx) throws(LetheError) in
            try LetheApp.retire(
                try LetheApp.requireAsset(tag, in: tx), details: ["reason": reason.map(JSONValue.string) ?? .null],
                in: tx, actor: actor, at: time)
        }
    }

    @discardableResult
    public func reportLost(tag: String, reason: String, actor: String) throws(LetheError) -> [Asset] {
        let actor = try Principal.localOperator(actor).name
        let time = currentTime
        return try store.write { (tx) throws(LetheError) in
            try LetheApp.lose(tag: tag, reason: reason, in: tx, actor: actor, at: time)
        }
    }

    @discardableResult
    public func disposeAsset(
        tag: String, destination: Destination, notes: String? = nil, actor: String
    ) throws(LetheError) -> Asset {
        let actor = try Principal.localOperator(actor).name
        let time = currentTime
        return try store.write { (tx) throws(LetheError) in
            try LetheApp.dispose(tag: tag, destination: destination, notes: notes, in: tx, actor: actor, at: time)
        }
    }

    /// Loads the policy files of a directory (what the CLI's `--policies` reads).
    public static func loadPolicies(directory: String) throws(LetheError) -> LoadedPolicies {
        try loadPolicies(source: .directory(directory))
    }

    /// Loads the policies of a source, reading a directory's `*.yaml` and `*.yml` files by name.
    public static func loadPolicies(source: PolicySource) throws(LetheError) -> LoadedPolicies {
        try loadPolicies(PolicyFiles.reading(source))
    }
}

extension PolicyFiles {
    /// The files of a source, a directory's read in name order.
    public static func reading(_ source: PolicySource) throws(LetheError) -> PolicyFiles {
        guard case .directory(let directory) = source else { return .embeddedDefault }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw LetheError(.notFound, "policy directory \(directory) does not exist")
        }
        var files: [NamedText] = []
        for name in names.filter({ $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }).sorted() {
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
                throw LetheError(.io, "cannot read policy file \(directory)/\(name)")
            }
            files.append(NamedText(name: name, text: String(decoding: data, as: UTF8.self)))
        }
        return PolicyFiles(source: source, files: files)
    }
}

extension AssetService {
    /// Imports the CSV file at `path` the way the CLI does: the test opens the file and the use case
    /// reads its bytes.
    public func importAssets(
        _ request: ImportRequest, path: String, by principal: Principal
    ) async throws(LetheError) -> ImportSummary {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw LetheError(.notFound, "cannot read \(path): no such readable file")
        }
        defer { try? handle.close() }
        return try await importAssets(request, from: FileHandleBytes(handle, name: path), by: principal)
    }
}
