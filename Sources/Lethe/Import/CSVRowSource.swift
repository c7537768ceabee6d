import CSV
import Foundation
import LetheCore

/// Reads a CSV file (RFC 4180, through CSV.swift) from an ``ImportByteSource`` on a thread of its
/// own and hands its rows over in batches through a small bounded queue, so that parsing and
/// database writes run in parallel and memory stays flat however large the file is. The bytes are
/// hashed as they are parsed.
///
/// Each row carries the file line it starts on, counting the line breaks inside quoted fields.
final class CSVRowSource: @unchecked Sendable {
    /// One record of the file.
    struct Record: Sendable {
        /// The 1-based line the record starts on.
        var line: Int
        /// Its fields, as text.
        var cells: [String]
    }

    private let name: String
    private let stream: HashingInputStream
    // Used by the parsing thread only.
    private var nextLine = 0

    private let condition = NSCondition()
    private var batches: [[Record]] = []
    private var finished = false
    private var cancelled = false
    private var failure: LetheError?
    private static let batchSize = 2_000
    private static let queueDepth = 8

    /// A source of the rows of `bytes`; `name` names the file in messages. Nothing is read before
    /// ``start()``.
    init(_ bytes: any ImportByteSource, name: String) {
        self.name = name
        self.stream = HashingInputStream(bytes, name: name)
    }

    /// Starts parsing on a thread of its own and returns the header row's fields (a UTF-8
    /// byte-order mark is skipped) once that thread has read them: the calling task is suspended
    /// meanwhile, never blocked.
    func start() async throws(LetheError) -> [String] {
        let header = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<[String], LetheError>, Never>) in
            let thread = Thread { [self] in
                OwnThread.nameCurrentThread("lethe-csv")
                produce(header: continuation)
            }
            thread.start()
        }
        return try header.get()
    }

    /// SHA-256 of the file, lowercase hex: complete once ``nextBatch()`` has returned nil.
    var digest: String {
        condition.lock()
        defer { condition.unlock() }
        return stream.digest
    }

    /// The next batch of records, or nil at the end of the file. Rethrows a reading failure.
    func nextBatch() throws(LetheError) -> [Record]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !finished { condition.wait() }
        if !batches.isEmpty {
            let batch = batches.removeFirst()
            condition.signal()
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the parsing thread early.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    private func produce(header: CheckedContinuation<Result<[String], LetheError>, Never>) {
        let reader: CSVReader
        do {
            reader = try CSVReader(stream: stream, hasHeaderRow: true)
        } catch {
            let failure =
                stream.failure
                ?? LetheError(
                    .invalidInput,
                    "\(name): cannot read a CSV header row: the file is empty, or its first line is not comma-separated column names (see docs/guide-it-staff.md for the columns)"
                )
            header.resume(returning: .failure(failure))
            return
        }
        let fields = reader.headerRow ?? []
        nextLine = 2 + fields.reduce(0) { $0 + Self.lineBreaks(in: $1) }
        header.resume(returning: .success(fields))
        var batch: [Record] = []
        batch.reserveCapacity(Self.batchSize)
        while let cells = reader.next() {
            let line = nextLine
            nextLine += 1 + cells.reduce(0) { $0 + Self.lineBreaks(in: $1) }
            if cells.count == 1 && cells[0].isEmpty { continue }  // a blank line
            batch.append(Record(line: line, cells: cells))
            if batch.count == Self.batchSize {
                guard hand(batch) else { return }
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { _ = hand(batch) }
        condition.lock()
        if let failure = stream.failure {
            self.failure = failure
        } else if let line = stream.quotes.openQuoteLine {
            failure = LetheError(
                .invalidInput,
                "\(name): line \(line): a quoted field (one starting with \") is never closed, so the rest of the file was read into it; close it with a \" or remove the stray one; nothing was imported"
            )
        } else {
            switch reader.error {
            case nil, CSVError.cannotReadFile?:
                // CSV.swift turns the final empty read at the end of the bytes into `cannotReadFile`.
                break
            case CSVError.unicodeDecoding?:
                failure = LetheError(
                    .invalidInput, "\(name): line \(nextLine) is not valid UTF-8; save the file as UTF-8 and try again")
            case let error?:
                failure = LetheError(.io, "\(name): the file could not be read past line \(nextLine): \(error)")
            }
        }
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Queues a batch, waiting while the queue is full; false once cancelled.
    private func hand(_ batch: [Record]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= Self.queueDepth && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        batches.append(batch)
        condition.signal()
        return true
    }

    private static func lineBreaks(in cell: String) -> Int {
        var count = 0
        for byte in cell.utf8 where byte == 0x0A { count += 1 }
        return count
    }
}
