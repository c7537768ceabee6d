import Foundation
import LetheEvidence

/// Verifies a valid evidence bundle (`certificates/example`) with one file replaced by the input.
///
/// The input's first byte chooses the file; the rest is its new content. A changed `record.json`
/// that passes every check would be a forgery.
enum FuzzBundle {
    /// The example bundle, read once.
    static let example: EvidenceBundle = {
        let directory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("certificates/example").path
        let bundle = EvidenceBundle.read(directory: directory)
        precondition(bundle.files[.record] != nil, "the example bundle is missing from \(directory)")
        return bundle
    }()

    /// The files an input may replace (the HTML and instructions are not checked).
    static let checkedFiles: [EvidenceBundle.File] = [.record, .signature, .issuer, .logEntry, .logProof, .logKey]

    static func run(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let file = checkedFiles[Int(selector) % checkedFiles.count]
        var bundle = example
        let content = Array(bytes.dropFirst())
        bundle.files[file] = content
        let checks = blockingVerify(bundle)
        if file == .record, content != example.files[.record] {
            precondition(checks.contains { !$0.passed }, "a changed record.json passed every check")
        }
    }

    /// Runs the async verification to completion from libFuzzer's (non-concurrency) thread.
    private static func blockingVerify(_ bundle: EvidenceBundle) -> [EvidenceBundle.Check] {
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            box.set(await bundle.verify())
            done.signal()
        }
        done.wait()
        return box.checks
    }
}

/// Hands the checks from the verifying task back to the waiting thread.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [EvidenceBundle.Check] = []
    func set(_ checks: [EvidenceBundle.Check]) { lock.withLock { stored = checks } }
    var checks: [EvidenceBundle.Check] { lock.withLock { stored } }
}
