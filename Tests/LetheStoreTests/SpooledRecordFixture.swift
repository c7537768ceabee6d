import Foundation
import LetheCore
import LetheTestSupport
import Testing

@testable import LetheStore

/// A spliced record body for the store's tests: a head, `middle` in a file without a name in
/// `root`, and a tail, with the whole it stands for (no digest to check: `checking(sha256:)`).
func splicedRecordBody(_ middle: [UInt8], in root: TemporaryDirectory) throws -> (body: SplicedBytes, whole: [UInt8]) {
    var template = Array(root.file("spool-XXXXXX").utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    try #require(descriptor >= 0)
    template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    #expect(middle.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) } == middle.count)
    let head = Array(#"{"content":"#.utf8)
    let tail = Array(#","kind":"report"}"#.utf8)
    let body = SplicedBytes(head: head, file: SpoolFile(descriptor: descriptor, count: middle.count), tail: tail)
    return (body, head + middle + tail)
}

/// Issues a report record whose body is `body` into `store`, with its event, at `time`.
func issueSplicedRecord(
    _ serial: String, _ body: SplicedBytes, in store: SQLiteStore, at time: String = "2026-12-08T10:00:00Z"
) throws(LetheError) {
    let time = try RFC3339.parse(time)
    try store.write { (tx) throws(LetheError) in
        let event = try tx.append(
            EventDraft(type: "record.issued", assetTag: nil, payload: ["serial": .string(serial)]),
            actor: "it", at: time)
        try tx.insert(
            StoredRecord(
                serial: serial, kind: "report", jobID: nil, assetTag: nil, issuedAt: time, body: [],
                splicedBody: body, signature: [0x30], eventSeq: event.seq))
    }
}
