import ArgumentParser
import Foundation
import LetheCore

/// Runs a command body, printing a `LetheError` the way a user can act on it and exiting with the
/// matching sysexits code. This is the one place where errors meet exit codes.
func reporting(json: Bool = false, _ body: () throws(LetheError) -> Void) throws {
    do {
        try body()
    } catch {
        if json {
            var object: [String: JSONValue] = [
                "code": .string(error.code.rawValue), "message": .string(error.message),
            ]
            if !error.details.isEmpty {
                object["details"] = .array(error.details.map(JSONValue.string))
                object["total_problems"] = .integer(Int64(error.totalProblems))
            }
            Output.printJSON(["error": .object(object)])
        } else {
            Output.standardError("lethe: error: \(error.description)")
        }
        throw ExitCode(exitCode(for: error.code))
    }
}

/// The async form of ``reporting(json:_:)``, for commands that call the application's async use
/// cases: the same printing and exit codes.
func reporting(json: Bool = false, _ body: () async throws(LetheError) -> Void) async throws {
    do {
        try await body()
    } catch {
        try reporting(json: json) { () throws(LetheError) in throw error }
    }
}

/// sysexits(3) codes for each kind of error.
func exitCode(for code: LetheError.Code) -> Int32 {
    switch code {
    case .usage: 64
    case .invalidInput, .conflict, .illegalTransition: 65
    case .notFound: 66
    case .internal: 70
    case .io: 74
    case .locked: 75
    case .permission, .unauthenticated, .forbidden: 77
    case .incompatible: 78
    }
}

/// The exit status of a long run (an overwrite) stopped by Ctrl-C after recording where it stopped:
/// 128 + SIGINT, as shells report a command ended by that signal. Documented in
/// docs/sanitization.md and docs/operations.md.
let interruptedExitCode: Int32 = 130
