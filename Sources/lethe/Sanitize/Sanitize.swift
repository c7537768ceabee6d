import ArgumentParser
import Dispatch
import Foundation
import Lethe
import LetheCore

/// `lethe sanitize`: overwrite a medium (block device or image file) for its disposal job.
struct Sanitize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sanitize",
        abstract: "Overwrite a block device or image file for an asset's disposal job (NIST SP 800-88 Clear).",
        discussion: """
            Refuses, with nothing written: a mounted target or one holding a mounted partition or swap, \
            the device or files of Lethe's own data directory, a symlink (unless --follow), a read-only \
            target, and a block device whose serial does not match the asset's (unless \
            --ignore-serial --reason TEXT, recorded). Without a terminal to confirm on, --yes is required. \
            An image file is compared by device and inode with every file of the data directory, so a hard \
            link to lethe.sqlite is refused too; an image file with other hard links is refused unless \
            --allow-hard-links. \
            Ctrl-C stops after the buffer in flight, flushes, records the exact offset and exits 130; \
            --resume JOB continues. A job whose last run was interrupted or killed is not started again \
            from the beginning unless --restart. \
            On completion the job is executed and the asset sanitized; 'lethe verify --due' reads it back.

            Exit status: 0 done, 130 interrupted (resumable), 64-78 refused or failed (sysexits).

            Examples:
              lethe sanitize HDD-0042 --target /dev/sdb --pattern zero
              lethe sanitize HDD-0042 --target /dev/sdb --pattern random --passes 1 --yes --progress json
              lethe sanitize IMG-1 --target disk.img --dry-run
              lethe sanitize --resume 12 --yes
            """)

    @Argument(help: "The asset tag of the medium.") var tag: String?
    @Option(help: "The block device or image file to overwrite.") var target: String?
    @Option(help: "zero, one, byte:0xNN or random (AES-256-CTR stream from a recorded seed).")
    var pattern: String = "zero"
    @Option(help: "Number of passes (1-35); every pass writes the pattern, random uses a new stream per pass.")
    var passes: Int = 1
    @Option(help: "The job to execute (default: the asset's open job).") var job: Int64?
    @Option(help: "Continue the interrupted or killed run of this job from its last checkpoint.") var resume: Int64?
    @Flag(help: "Overwrite what a symlinked target points to.") var follow = false
    @Flag(help: "Overwrite an image file that has other hard links (its other names lose their data too).")
    var allowHardLinks = false
    @Flag(help: "Start again from the beginning although the job's last run was interrupted (not --resume).")
    var restart = false
    @Flag(help: "Skip the serial check (needs --reason, which is recorded).") var ignoreSerial = false
    @Flag(help: "Overwrite a target whose size is not the asset's capacity (needs --reason, which is recorded).")
    var ignoreSize = false
    @Option(help: "Why the serial or size check is skipped.") var reason: String?
    @Flag(help: "Do not ask for confirmation (needed without a terminal).") var yes = false
    @Flag(help: "Check everything and print what would be overwritten; write nothing.") var dryRun = false
    @Option(help: "Progress display: bar (on a terminal), json (one line per second on stdout), none.")
    var progress: String?
    @Option(help: "Limit throughput to this many MiB per second (spares a shared machine).") var maxRate: Int64?
    @Option(help: .hidden) var checkpointInterval: Double = 2
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if resume != nil {
            guard tag == nil, target == nil, !restart else {
                throw ValidationError("--resume JOB takes no TAG, --target or --restart")
            }
        } else {
            guard tag != nil, target != nil else { throw ValidationError("give TAG --target PATH, or --resume JOB") }
        }
        if ignoreSerial || ignoreSize, (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--ignore-serial and --ignore-size need --reason TEXT (it is recorded)")
        }
        if let progress, !["bar", "json", "none"].contains(progress) {
            throw ValidationError("--progress must be bar, json or none")
        }
        if let maxRate, maxRate <= 0 { throw ValidationError("--max-rate must be a positive number of MiB/s") }
    }

    func run() async throws {
        var interrupted = false
        try await reporting(json: output.json) { () async throws(LetheError) in
            let app = try global.openApp()
            let principal = try write.principal()
            let rate = maxRate.map { $0 << 20 }
            let plan: SanitizePlan
            if let resume {
                plan = try await app.sanitization.planResume(
                    jobID: resume, toolVersion: LetheVersion.current, maxBytesPerSecond: rate,
                    checkpointInterval: checkpointInterval, allowHardLinks: allowHardLinks, by: principal)
            } else {
                // swift-format-ignore: NeverForceUnwrap
                let request = SanitizeRequest(
                    target: target!, pattern: try OverwritePattern(parsing: pattern), passes: passes, jobID: job,
                    follow: follow, ignoreSerialReason: ignoreSerial ? reason : nil, maxBytesPerSecond: rate,
                    checkpointInterval: checkpointInterval, toolVersion: LetheVersion.current,
                    allowHardLinks: allowHardLinks, restart: restart, ignoreSizeReason: ignoreSize ? reason : nil)
                // swift-format-ignore: NeverForceUnwrap
                plan = try await app.sanitization.plan(assetTag: tag!, request, by: principal)
            }
            let summary =
                "\(plan.target.resolvedPath) (\(plan.target.isBlockDevice ? "block device" : "image file"), \(plan.target.size) bytes\(plan.target.serials.isEmpty ? "" : ", serial \(plan.target.serials[0])")) for asset \(plan.asset.tag), job \(plan.job.id): \(plan.request.pattern), \(plan.request.passes) pass(es)\(plan.resuming.map { ", resuming pass \($0.pass) at offset \($0.offset)" } ?? "")"
            if dryRun {
                if output.json {
                    Output.printResult(plan.preview)
                } else {
                    print("would overwrite \(summary); \(plan.bytesToWrite) bytes; nothing was written")
                }
                return
            }
            if !yes { try confirm(summary: summary, tag: plan.asset.tag) }
            let stop = StopSignal()
            signal(SIGINT, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
            source.setEventHandler { stop.stop() }
            source.resume()
            defer {
                source.cancel()
                signal(SIGINT, SIG_DFL)
            }
            let display = ProgressDisplay(
                mode: progress ?? (Output.standardErrorIsTerminal && !output.json ? "bar" : "none"))
            let outcome = try await app.sanitization.run(plan, by: principal, stop: stop) { display.update($0) }
            display.finish()
            report(outcome)
            if !outcome.completed { interrupted = true }
        }
        // Interrupted on request: recorded and resumable, but not done; say so in the status.
        if interrupted { throw ExitCode(interruptedExitCode) }
    }

    private func confirm(summary: String, tag: String) throws(LetheError) {
        guard isatty(0) == 1 else {
            throw LetheError(.usage, "no terminal to confirm on: add --yes to overwrite \(summary)")
        }
        FileHandle.standardError.write(
            Data("This destroys all data on \(summary).\nType the asset tag (\(tag)) to continue: ".utf8))
        guard readLine()?.trimmingCharacters(in: .whitespaces) == tag else {
            throw LetheError(.usage, "not confirmed; nothing was written")
        }
    }

    private func report(_ outcome: SanitizeOutcome) {
        let rate = outcome.throughputBytesPerSecond
        if output.json {
            Output.printResult(outcome)
        } else if outcome.completed {
            print(
                "job \(outcome.job.id) (\(outcome.job.assetTag)) executed: \(outcome.run.pattern) × \(outcome.run.passes), \(ProgressDisplay.bytes(outcome.run.bytesWritten)) written at \(ProgressDisplay.bytes(rate))/s; asset sanitized. Next: lethe verify --due"
            )
        } else {
            print(
                "job \(outcome.job.id) (\(outcome.job.assetTag)) interrupted at pass \(outcome.run.pass) offset \(outcome.run.offset); continue with: lethe sanitize --resume \(outcome.job.id)"
            )
        }
    }
}
