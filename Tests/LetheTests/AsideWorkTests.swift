import Foundation
import Synchronization
import Testing

@testable import Lethe

@Suite struct AsideWorkTests {
    @Test func waitReturnsOnceTheWorkIsDoneAndAtOnceWhenNoneWasStarted() {
        // Given nothing started, waiting returns at once
        let aside = AsideWork()
        aside.wait()
        // When work that takes a while is started
        let done = Atomic(false)
        let release = DispatchSemaphore(value: 0)
        aside.start("test-aside") {
            release.wait()
            done.store(true, ordering: .sequentiallyConsistent)
        }
        // Then the caller goes on meanwhile, and a wait returns only once the work is done
        let doneBefore = done.load(ordering: .sequentiallyConsistent)
        #expect(!doneBefore)
        release.signal()
        aside.wait()
        let doneAfter = done.load(ordering: .sequentiallyConsistent)
        #expect(doneAfter)
        // And waiting again returns at once
        aside.wait()
    }

    @Test func aSecondPieceStartsOnlyOnceTheFirstIsDone() {
        let aside = AsideWork()
        let order = Mutex<[Int]>([])
        aside.start("test-aside") {
            Thread.sleep(forTimeInterval: 0.05)
            order.withLock { $0.append(1) }
        }
        aside.start("test-aside") { order.withLock { $0.append(2) } }
        aside.wait()
        #expect(order.withLock { $0 } == [1, 2])
    }
}
