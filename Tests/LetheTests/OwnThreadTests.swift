import Foundation
import LetheCore
import Testing

@testable import Lethe

#if os(Linux)
    /// Blocking work runs on a thread of its own that carries its name from its first instruction, so
    /// `ps`, a stack dump and the tests that check where an engine ran all see it.
    @Suite struct OwnThreadTests {
        /// The kernel's name of the calling thread.
        private static func kernelName() -> String {
            let path = "/proc/thread-self/comm"
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            return text.trimmingCharacters(in: .newlines)
        }

        @Test func everyRunIsNamedBeforeItsWorkStarts() async throws {
            // Given many runs started from Swift concurrency threads (whose name a new Linux thread
            // inherits until it is renamed)
            // When each reads its own kernel name first thing
            var names: Set<String> = []
            for _ in 0..<200 {
                names.insert(try await OwnThread.run("lethe-named") { () throws(LetheError) in Self.kernelName() })
            }
            // Then every one already carried the name it was given
            #expect(names == ["lethe-named"])
        }

        @Test func aLongNameIsCutToTheKernelsFifteenBytesAtACharacterBoundary() async throws {
            let name = try await OwnThread.run("lethe-verification-run") { () throws(LetheError) in Self.kernelName() }
            #expect(name == "lethe-verificat")
            // The fifteenth byte is the first half of the fifth "é": the whole character is left out
            let accented = try await OwnThread.run("lethe-éééééé") { () throws(LetheError) in Self.kernelName() }
            #expect(accented == "lethe-éééé")
        }
    }
#endif
