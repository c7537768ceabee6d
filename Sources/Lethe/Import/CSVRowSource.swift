import CSV
import Foundation
import LetheCore

/// Reads a CSV file (RFC 4180, through CSV.swift) on a thread of its own and hands its rows over in
/// batches through a small bounded queue, so that parsing and database writes run in parallel and
/// memory stays flat however large the file is.
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

    /// The header row's fields.
    let header: [String]
    private let path: String
    // The reader is used by the parsing thread only, once `start()` has handed it over.
    private let reader: CSVReader
    private var nextLine: Int

    private let condition = NSCondition()
    private var batches: [[Record]] = []
    private var finished = false
    private var cancelled = false
    private var failure: LetheError?
    private static let batchSize = 2_000
    private static let queueDepth = 8

    /// Opens the file and reads its header row (a UTF-8 byte-order mark is skipped).
    init(path: String) throws(LetheError) {
        self.path = path
        guard let stream = InputStream(fileAtPath: path), FileManager.default.isReadableFile(atPath: path) else {
            throw LetheError(.notFound, "cannot read \(path): no such readable file")
        }
        do {
            reader = try CSVReader(stream: stream, hasHeaderRow: true)
        } catch {
            throw LetheError(.invalidInput, "\(path): cannot read a CSV header row (\(error))")
        }
        header = reader.headerRow ?? []
        nextLine = 2 + header.reduce(0) { $0 + Self.lineBreaks(in: $1) }
    }

    /// Starts parsing on a background thread.
    func start() {
        let thread = Thread { [self] in produce() }
        thread.name = "lethe-csv-reader"
        thread.start()
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

    private func produce() {
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
        switch reader.error {
        case nil, CSVError.cannotReadFile?:
            // On Linux, Foundation's InputStream reports bytes available until a read returns 0,
            // and CSV.swift turns that final empty read into `cannotReadFile`: it is the end of file.
            break
        case CSVError.unicodeDecoding?:
            failure = LetheError(
                .invalidInput, "\(path): line \(nextLine) is not valid UTF-8; save the file as UTF-8 and try again")
        case let error?:
            failure = LetheError(.io, "\(path): the file could not be read past line \(nextLine): \(error)")
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
