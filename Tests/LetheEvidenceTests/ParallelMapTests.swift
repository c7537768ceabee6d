import LetheCore
import LetheEvidence
import Testing

@Suite struct ParallelMapTests {
    @Test func keepsTheOrderOnSeveralThreads() throws {
        let squares = try ParallelMap.map(count: 10_000) { (index) throws(LetheError) in index * index }
        #expect(squares == (0..<10_000).map { $0 * $0 })
        #expect(try ParallelMap.map(count: 3) { (index) throws(LetheError) in index } == [0, 1, 2])
        #expect(try ParallelMap.map(count: 0) { (index) throws(LetheError) in index }.isEmpty)
    }

    @Test func throwsTheFirstErrorByIndex() {
        let error = #expect(throws: LetheError.self) {
            try ParallelMap.map(count: 100) { (index) throws(LetheError) -> Int in
                if index == 41 || index == 77 { throw LetheError(.invalidInput, "item \(index)") }
                return index
            }
        }
        #expect(error?.message == "item 41")
    }
}
