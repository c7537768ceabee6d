import Foundation

/// Paths typed on the command line, made absolute before they are recorded: a relative path is
/// resolved against the directory the command runs in, which a later command (or the service)
/// does not share.
enum CommandLinePath {
    /// `path` made absolute against the current directory, standardized.
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.path
    }
}
