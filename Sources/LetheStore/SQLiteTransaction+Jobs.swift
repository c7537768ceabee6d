import Foundation
import GRDB
import LetheCore

extension SQLiteTransaction {
    static let jobColumns = """
        id, asset_tag, state, method, techniques, verification_mode, sample_rate_percent, sample_minimum,
        second_person, separation_of_duties, due_at, policy_version, requested_by, approved_by, executed_by,
        executed_at, technique, tool, tool_version, verified_by, verified_at, reason, created_at, updated_at
        """
    private static let openStates = "('scheduled', 'in-progress', 'executed')"

    func job(id: Int64) throws(LetheError) -> DisposalJob? {
        try jobGuarded {
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(Self.jobColumns) FROM job WHERE id = ?"), arguments: [id]
            ).map(Self.job(from:))
        }
    }

    /// The WHERE clause (with its leading space, or empty) and arguments of a job query.
    private static func filter(_ query: JobQuery) -> (String, StatementArguments) {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if !query.states.isEmpty {
            // Literals from the JobState enum (never user text), so that the partial indexes
            // whose WHERE names the same states can be used.
            clauses.append("state IN (\(query.states.map { "'\($0.rawValue)'" }.joined(separator: ", ")))")
        }
        if let dueBefore = query.dueBefore {
            clauses.append("due_at < ?")
            arguments += [RFC3339.format(dueBefore)]
        }
        if let dueAtOrAfter = query.dueAtOrAfter {
            clauses.append("due_at >= ?")
            arguments += [RFC3339.format(dueAtOrAfter)]
        }
        if let version = query.policyVersionOtherThan {
            // Two ranges rather than <>, so that job_replannable_by_policy answers it.
            clauses.append("(policy_version < ? OR policy_version > ?)")
            arguments += [version, version]
        }
        if let tag = query.assetTag {
            clauses.append("asset_tag = ?")
            arguments += [tag]
        }
        return (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "), arguments)
    }

    func countJobs(_ query: JobQuery) throws(LetheError) -> Int {
        let (whereSQL, arguments) = Self.filter(query)
        return try jobGuarded {
            try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM job\(whereSQL)"), arguments: arguments) ?? 0
        }
    }

    func jobExecutions(since: Date) throws(LetheError) -> [JobExecution] {
        try jobGuarded {
            var executions: [JobExecution] = []
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT executed_at, method FROM job
                    WHERE state IN ('executed', 'verified') AND executed_at >= ?
                    ORDER BY executed_at, id
                    """,
                arguments: [RFC3339.format(since)])
            while let row = try rows.next() {
                executions.append(
                    JobExecution(executedAt: try RFC3339.parse(row[0] as String), method: try Self.word(row[1])))
            }
            return executions
        }
    }

    func jobs(_ query: JobQuery) throws(LetheError) -> [DisposalJob] {
        let (whereSQL, filterArguments) = Self.filter(query)
        var arguments = filterArguments
        var sql = "SELECT \(Self.jobColumns) FROM job\(whereSQL) ORDER BY due_at, id"
        if let limit = query.limit {
            sql += " LIMIT ?"
            arguments += [limit]
        }
        let finalSQL = sql
        let finalArguments = arguments
        return try jobGuarded {
            // Decoded from the cursor's rows, which read SQLite's columns directly (fetchAll's
            // copied rows box every value first).
            var jobs: [DisposalJob] = []
            let rows = try Row.fetchCursor(db, sql: finalSQL, arguments: finalArguments)
            while let row = try rows.next() { jobs.append(try Self.job(from: row)) }
            return jobs
        }
    }

    func openJob(assetTag: String) throws(LetheError) -> DisposalJob? {
        try jobGuarded {
            try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT \(Self.jobColumns) FROM job WHERE asset_tag = ? AND state IN \(Self.openStates)"),
                arguments: [assetTag]
            ).map(Self.job(from:))
        }
    }

    func jobCandidates() throws(LetheError) -> [JobCandidate] {
        // asset_by_state finds the retired and awaiting assets; job_one_open_per_asset answers the
        // NOT EXISTS; retired_at is the asset's last move to retired, written with it.
        let sql = """
            SELECT a.tag, a.media_type, a.classification, a.state, a.retired_at
            FROM asset a
            WHERE a.state IN ('retired', 'awaiting-sanitization')
              AND NOT EXISTS (SELECT 1 FROM job j WHERE j.asset_tag = a.tag AND j.state IN \(Self.openStates))
            ORDER BY a.tag
            """
        return try jobGuarded {
            var result: [JobCandidate] = []
            let rows = try Row.fetchCursor(db, sql: sql)
            while let row = try rows.next() {
                let retired: String? = row[4]
                result.append(
                    JobCandidate(
                        tag: row[0], mediaType: try Self.word(row[1]), classification: try Self.word(row[2]),
                        state: try Self.word(row[3]),
                        retiredAt: try retired.map { (text) throws in try RFC3339.parse(text) }))
            }
            return result
        }
    }

    func evidence(jobID: Int64) throws(LetheError) -> [EvidenceDigest] {
        try jobGuarded {
            try Row.fetchAll(
                db.cachedStatement(
                    sql:
                        "SELECT job_id, purpose, file_name, sha256, size_bytes, recorded_at FROM job_evidence WHERE job_id = ? ORDER BY id"
                ),
                arguments: [jobID]
            ).map { row in
                EvidenceDigest(
                    jobID: row[0], purpose: try Self.word(row[1]), fileName: row[2], sha256: row[3], sizeBytes: row[4],
                    recordedAt: try RFC3339.parse(row[5]))
            }
        }
    }

    func jobsWithEvidence(sha256: String) throws(LetheError) -> [Int64] {
        try jobGuarded {
            try Int64.fetchAll(
                db.cachedStatement(sql: "SELECT DISTINCT job_id FROM job_evidence WHERE sha256 = ? ORDER BY job_id"),
                arguments: [sha256])
        }
    }

    func insert(_ job: DisposalJob) throws(LetheError) -> DisposalJob {
        do {
            try db.cachedStatement(
                sql: """
                    INSERT INTO job (\(Self.jobColumns))
                    VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: Self.arguments(job))
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw LetheError(.conflict, "asset \(job.assetTag) already has an open disposal job")
        } catch {
            throw SQLiteStore.map(error, path: "lethe.sqlite")
        }
        var stored = job
        stored.id = db.lastInsertedRowID
        return stored
    }

    func update(_ job: DisposalJob) throws(LetheError) {
        try jobGuarded {
            try db.cachedStatement(
                sql: """
                    UPDATE job SET asset_tag = ?, state = ?, method = ?, techniques = ?, verification_mode = ?,
                        sample_rate_percent = ?, sample_minimum = ?, second_person = ?, separation_of_duties = ?,
                        due_at = ?, policy_version = ?, requested_by = ?, approved_by = ?, executed_by = ?,
                        executed_at = ?, technique = ?, tool = ?, tool_version = ?, verified_by = ?, verified_at = ?,
                        reason = ?, created_at = ?, updated_at = ?
                    WHERE id = ?
                    """
            ).execute(arguments: Self.arguments(job) + [job.id])
            guard db.changesCount == 1 else { throw LetheError(.notFound, "job \(job.id) does not exist") }
        }
    }

    func insert(_ evidence: EvidenceDigest) throws(LetheError) {
        do {
            try db.cachedStatement(
                sql: """
                    INSERT INTO job_evidence (job_id, purpose, file_name, sha256, size_bytes, recorded_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                evidence.jobID, evidence.purpose.rawValue, evidence.fileName, evidence.sha256, evidence.sizeBytes,
                RFC3339.format(evidence.recordedAt),
            ])
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw LetheError(
                .conflict,
                "evidence file \(evidence.fileName) (sha256 \(evidence.sha256.prefix(12))…) is already recorded for job \(evidence.jobID)"
            )
        } catch {
            throw SQLiteStore.map(error, path: "lethe.sqlite")
        }
    }

    // MARK: - Rows

    private static func arguments(_ job: DisposalJob) -> StatementArguments {
        let plan = job.plan
        var arguments: StatementArguments = [
            job.assetTag, job.state.rawValue, plan.method.rawValue,
            plan.techniques.map(\.rawValue).joined(separator: ","),
            plan.verification.mode.rawValue, plan.verification.ratePercent, plan.verification.minimum,
            plan.secondPerson, plan.separationOfDuties, RFC3339.format(plan.dueAt), job.policyVersion,
        ]
        arguments += [
            job.requestedBy, job.approvedBy, job.executedBy, job.executedAt.map(RFC3339.format),
            job.technique?.rawValue, job.tool, job.toolVersion, job.verifiedBy, job.verifiedAt.map(RFC3339.format),
            job.reason, RFC3339.format(job.createdAt), RFC3339.format(job.updatedAt),
        ]
        return arguments
    }

    static func word<V: LetheVocabulary>(_ text: String) throws -> V {
        guard let value = V(rawValue: text) else {
            throw LetheError(.internal, "stored \(V.fieldName) '\(text)' is not known to this version of Lethe")
        }
        return value
    }

    private static func date(_ text: String?) throws -> Date? {
        try text.map { (text) throws in try RFC3339.parse(text) }
    }

    static func job(from row: Row) throws -> DisposalJob {
        let techniques: String = row[4]
        let plan = JobPlan(
            method: try word(row[3]),
            techniques: try techniques.split(separator: ",").map { try word(String($0)) },
            verification: VerificationRequirement(mode: try word(row[5]), ratePercent: row[6], minimum: row[7]),
            secondPerson: row[8], separationOfDuties: row[9], dueAt: try RFC3339.parse(row[10]))
        let technique: String? = row[16]
        return DisposalJob(
            id: row[0], assetTag: row[1], state: try word(row[2]), plan: plan, policyVersion: row[11],
            requestedBy: row[12], approvedBy: row[13], executedBy: row[14], executedAt: try date(row[15]),
            technique: try technique.map { (text) throws -> Technique in try word(text) }, tool: row[17],
            toolVersion: row[18], verifiedBy: row[19], verifiedAt: try date(row[20]), reason: row[21],
            createdAt: try RFC3339.parse(row[22]), updatedAt: try RFC3339.parse(row[23]))
    }

    /// Runs GRDB work, turning its errors into Lethe's.
    func jobGuarded<T>(_ work: () throws -> T) throws(LetheError) -> T {
        do {
            return try work()
        } catch {
            throw SQLiteStore.map(error, path: "lethe.sqlite")
        }
    }
}
