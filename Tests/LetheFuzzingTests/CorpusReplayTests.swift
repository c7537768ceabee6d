import Foundation
import LetheFuzzing
import Testing

/// Replays every seed and every saved crash of each fuzz target through the same entry point the
/// fuzzer calls: a crash the fuzzer once found stays fixed (`scripts/fuzz.sh` saves new crashes in
/// `Corpus/<target>/`, where this test picks them up).
@Suite struct CorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    static func inputs(_ target: FuzzTarget) -> [URL] {
        let directory = corpus.appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func replaysCorpus(_ target: FuzzTarget) async throws {
        let files = Self.inputs(target)
        // Given a seed corpus for every target (an empty one would make this test pass vacuously)
        #expect(files.count >= 2, "Corpus/\(target.rawValue) needs seeds")
        // When every input runs through the target, Then none traps (a trap ends the test run)
        for file in files {
            await target.run(Array(try Data(contentsOf: file)))
        }
    }
}
