import Foundation
import Lethe
import LetheStore

/// Drives `LetheApp.importAssets` (dry run) on one installation in a temporary data directory that
/// lives as long as the process.
final class FuzzImport: Sendable {
    /// The one installation every input goes through.
    static let shared = FuzzImport()

    private let app: LetheApp
    private let file: String

    private init() {
        let root = FileManager.default.temporaryDirectory.path + "/lethe-fuzz-\(getpid())"
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            app = try LetheApp.open(DataDirectory(path: root + "/data"), busyTimeout: 1)
        } catch {
            fatalError("cannot open a fuzzing installation in \(root): \(error)")
        }
        file = root + "/input.csv"
    }

    /// Imports `bytes` as a CSV file (dry run): it either fails with a `LetheError` or counts its
    /// rows, and in both cases nothing is registered.
    func run(_ bytes: [UInt8], format: ImportFormat) {
        guard FileManager.default.createFile(atPath: file, contents: Data(bytes)) else {
            fatalError("cannot write \(file)")
        }
        let summary = try? app.importAssets(ImportRequest(path: file, format: format, dryRun: true), actor: "fuzz")
        if let summary {
            precondition(
                summary.registered + summary.updated + summary.unchanged <= summary.rows, "more assets than rows")
        }
        guard let registered = try? app.listAssets(AssetQuery(limit: 1)) else {
            fatalError("the installation cannot be read after an import")
        }
        precondition(registered.total == 0, "a dry-run import registered \(registered.total) assets")
    }
}
