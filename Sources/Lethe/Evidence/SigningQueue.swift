import Crypto
import Dispatch
import Foundation
import LetheCore
import LetheEvidence
import LetheStore

/// A chunk of records on its way through issuance: drafts and serials read on the database's
/// thread, then the signed bodies computed elsewhere.
struct IssuanceChunk {
    /// Records per chunk: large enough to amortise the hand-over, small enough that signing
    /// starts early and overlaps the reads of the next chunk.
    static let size = 256

    /// The offset of the chunk's first record in the batch.
    var start: Int
    var sources: [RecordSource]
    var serials: [String] = []
    /// The canonical bytes and signatures, once submitted.
    var signed: SignedChunk?
}

/// Builds, encodes and signs chunks of records in order, off the database's thread, so that the
/// database thread never waits for a signature it does not need yet.
final class SigningQueue: Sendable {
    private let signer: RecordSigner
    private let queue = DispatchQueue(label: "lethe.record-signing")
    /// Threads per chunk: one per core. The database thread is one more, but it waits for a
    /// chunk's signatures often enough that leaving a core to it would leave that core idle.
    private let threads = ProcessInfo.processInfo.activeProcessorCount

    init(signer: RecordSigner) { self.signer = signer }

    /// Starts building, encoding and signing the chunk's records; the result is waited for
    /// with ``SignedChunk/wait()``.
    func submit(
        _ chunk: IssuanceChunk, firstIndex: Int64, issuedAt: JSONValue, issuerFields: JSONValue, actor: String,
        at time: Date
    ) -> SignedChunk {
        let signer = signer
        let threads = threads
        let sources = chunk.sources
        let serials = chunk.serials
        let start = chunk.start
        return SignedChunk(on: queue) { () throws(LetheError) in
            try ParallelMap.map(count: sources.count, threads: threads) { (index) throws(LetheError) in
                var fields = try sources[index].fields()
                fields["format"] = .string("lethe.record/1")
                fields["record_type"] = .string(sources[index].kind)
                fields["serial"] = .string(serials[index])
                fields["issued_at"] = issuedAt
                fields["log_index"] = .integer(firstIndex + Int64(start + index))
                fields["issuer"] = issuerFields
                // The encoded fields are taken out of the draft. In memory, the first in key
                // order (a report's content) becomes the body's buffer: one copy only. In a
                // file, the body is never held whole: it is hashed here, then stored, from
                // the file, between the bytes before and after the field.
                var encoded: [String: [UInt8]] = [:]
                var spooled: (key: String, file: SpoolFile, sha256: [UInt8]?, recordDigest: PrefixedDigest?)?
                for (key, field) in sources[index].encodedFields {
                    switch try field.take() {
                    case .memory(let bytes): encoded[key] = bytes
                    case .file(let file, let sha256, let recordDigest):
                        guard spooled == nil else {
                            throw LetheError(.internal, "a record has more than one field in a spool file")
                        }
                        spooled = (key, file, sha256, recordDigest)
                    }
                }
                let body: [UInt8]
                var spliced: SplicedBytes?
                let digest: [UInt8]
                if let spooled {
                    let (head, tail) = try CanonicalJSONSplice.split(fields, encoded: encoded, around: spooled.key)
                    let whole = SplicedBytes(head: head, file: spooled.file, tail: tail)
                    if let begun = spooled.recordDigest, begun.head == head, spooled.sha256 != nil {
                        // The record's digest, begun as the field was written: the file is not
                        // read for it. What is signed is then the bytes as they were written (and
                        // hashed for the digest the record names, as a report's content); every
                        // pass that stores or copies them checks the file still has them.
                        var state = begun.state
                        state.update(data: tail)
                        digest = Array(state.finalize())
                    } else {
                        let digests = try whole.digests()
                        // The field's bytes are still those hashed as they were written (and
                        // named by the record, as a report's content is): nothing else is signed.
                        if let expected = spooled.sha256, digests.file != expected {
                            throw LetheError(
                                .io,
                                "the report's spool file no longer has the SHA-256 its content was written with; nothing was signed"
                            )
                        }
                        digest = digests.whole
                    }
                    body = []
                    // Stored and written from the file again: each pass checks the digest signed.
                    spliced = whole.checking(sha256: digest)
                } else {
                    body = try CanonicalJSONSplice.encode(fields, taking: &encoded)
                    digest = Array(SHA256.hash(data: body))
                }
                // Without a template (a key other than P-256) the bytes are signed whole.
                let signature: [UInt8]
                if let fromDigest = try signer.sign(digest: digest) {
                    signature = fromDigest
                } else {
                    signature = try signer.sign(spliced?.load() ?? body, digest: digest)
                }
                // The record.issued event, encoded here too: the database thread only inserts it.
                var payload: [String: JSONValue] = [
                    "serial": .string(serials[index]), "kind": .string(sources[index].kind),
                    "record_sha256": .string(Hex.encode(digest)),
                    "signature_sha256": .string(Hex.encode(Array(SHA256.hash(data: signature)))),
                ]
                payload["job"] = sources[index].jobID.map(JSONValue.integer)
                let event = try Event(
                    seq: firstIndex + Int64(start + index) + 1, recordedAt: time, actor: actor,
                    draft: EventDraft(
                        type: .recordIssued, assetTag: sources[index].assetTag, payload: .object(payload)))
                return SignedBody(body: body, spliced: spliced, signature: signature, event: event)
            }
        }
    }
}

/// The signed bodies of one chunk, once the signing queue has them.
typealias SignedChunk = PendingResult<[SignedBody]>
