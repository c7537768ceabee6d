import Foundation
import LetheCore
import Testing

/// A YAML error libyaml places past the end of the text (found by the fuzzer: runs of lone CRs
/// before an unclosed flow sequence) is named on the file's last line.
@Test func aSyntaxErrorAtTheEndIsNamedInsideTheFile() throws {
    let text =
        "erasr_ulsea: P30D\n" + String(repeating: "\r", count: 30)
        + "anitization:\n  - media: [hfd]\n    \r\r\r\r\ranitization:\n  - media: [hfd]\n"
        + "    clclassification: [low # degauss=ed tape cannot   ?deadline: Pq4D\n"
    let lines = 1 + text.filter { ["\n", "\r", "\r\n"].contains($0) }.count
    let verdict = PolicyParser.parse(files: [(name: "fuzz.yaml", text: text)])
    #expect(!verdict.problems.isEmpty)
    for problem in verdict.problems {
        #expect(problem.line >= 1 && problem.line <= lines, "\(problem.line) of \(lines): \(problem.message)")
    }
}
