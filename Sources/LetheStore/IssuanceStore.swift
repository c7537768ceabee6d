import LetheCore

/// Set-based reads for issuing many records at once: one query per kind of row for a whole
/// chunk of jobs instead of one per job.
public protocol IssuanceStoreReading {
    /// The numbers of the jobs in `state`, smallest first (one indexed query, no rows decoded).
    func jobIDs(state: JobState) throws(LetheError) -> [Int64]
    /// The jobs with these numbers, in the order given; numbers not stored are absent (one query).
    func jobs(ids: [Int64]) throws(LetheError) -> [DisposalJob]
    /// The assets with these tags, by tag; tags not registered are absent (one query).
    func assets(tags: [String]) throws(LetheError) -> [String: Asset]
    /// The stored bytes of the events of `type` about these assets, by asset tag, each list in
    /// log order (one query).
    func eventBodies(type: EventType, assetTags: [String]) throws(LetheError) -> [String: [[UInt8]]]
    /// The evidence digests of these jobs, by job, each list in the order they were kept (one query).
    func evidence(jobIDs: [Int64]) throws(LetheError) -> [Int64: [EvidenceDigest]]
    /// Gives the transaction a page cache large enough for `records` records, so that their
    /// pages stay in memory until the commit writes each once (instead of spilling to the WAL
    /// and being read back).
    func prepareBulkIssuance(records: Int) throws(LetheError)
}
