import Foundation
import LetheCore
import Synchronization
import Testing

@testable import Lethe

@Suite struct OrderedWorkTests {
    @Test func takesTheResultsInTheOrderHandedInWithFewInFlight() throws {
        // Given work whose pieces take longer the smaller their number (later ones finish first)
        var taken: [Int] = []
        var submitted = 0
        var mostInFlight = 0
        // When 300 pieces go through 3 threads, 4 at most in flight
        try OrderedWork.run(
            threads: 3, window: 4,
            transform: { (number: Int) throws(LetheError) -> Int in
                var spin = 0
                for step in 0..<((300 - number) * 50) { spin &+= step }
                return number * 2 + (spin == -1 ? 1 : 0)
            },
            feed: { (submit) throws(LetheError) in
                for number in 0..<300 {
                    try submit(number)
                    submitted += 1
                    mostInFlight = max(mostInFlight, submitted - taken.count)
                }
            },
            take: { (result) throws(LetheError) in taken.append(result) })
        // Then every result is taken, in order, and never more than the window was in flight
        #expect(taken == (0..<300).map { $0 * 2 })
        #expect(mostInFlight == 4)
    }

    @Test func aFailedPieceEndsTheRunAfterTheResultsBeforeIt() {
        // Given work that fails at piece 37
        var taken: [Int] = []
        let error = #expect(throws: LetheError.self) {
            try OrderedWork.run(
                threads: 2,
                transform: { (number: Int) throws(LetheError) -> Int in
                    if number == 37 || number == 80 { throw LetheError(.invalidInput, "piece \(number)") }
                    return number
                },
                feed: { (submit) throws(LetheError) in
                    for number in 0..<200 { try submit(number) }
                },
                take: { (result) throws(LetheError) in taken.append(result) })
        }
        // Then its error is thrown, once the pieces before it were taken (none after)
        #expect(error?.message == "piece 37")
        #expect(taken == Array(0..<37))
    }

    @Test func anErrorInFeedOrTakeStopsTheThreads() {
        // Given a count of pieces the threads did
        let done = Atomic<Int>(0)
        let fromTake = #expect(throws: LetheError.self) {
            try OrderedWork.run(
                threads: 2, window: 3,
                transform: { (number: Int) throws(LetheError) -> Int in
                    done.add(1, ordering: .relaxed)
                    return number
                },
                feed: { (submit) throws(LetheError) in
                    for number in 0..<1000 { try submit(number) }
                },
                take: { (result) throws(LetheError) in
                    if result == 10 { throw LetheError(.conflict, "stop at 10") }
                })
        }
        #expect(fromTake?.message == "stop at 10")
        // Then no piece is done after the run returned: its threads had stopped
        let after = done.load(ordering: .relaxed)
        #expect(after <= 14)
        Thread.sleep(forTimeInterval: 0.05)
        #expect(done.load(ordering: .relaxed) == after)

        let fromFeed = #expect(throws: LetheError.self) {
            try OrderedWork.run(
                transform: { (number: Int) throws(LetheError) -> Int in number },
                feed: { (submit) throws(LetheError) in
                    try submit(1)
                    throw LetheError(.usage, "no more")
                },
                take: { (_: Int) throws(LetheError) in })
        }
        #expect(fromFeed?.message == "no more")
    }
}
