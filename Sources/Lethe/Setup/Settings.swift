import Foundation
import LetheCore

/// Configuration with documented keys: a command-line flag, else an environment variable, else
/// the data directory's `config.json` (a flat JSON object of strings), else nothing.
public struct Settings: Sendable, Hashable {
    /// One configuration key.
    public struct Key: Sendable, Hashable {
        /// The key in `config.json`.
        public var name: String
        /// The environment variable.
        public var environment: String
        /// What it means.
        public var meaning: String
    }

    /// The organisation that issues disposal records (the issuer certificate's subject, the
    /// Appendix G organisation).
    public static let organization = Key(
        name: "organization", environment: "LETHE_ORGANIZATION",
        meaning: "the organisation that issues disposal records (certificate subject O and CN)")
    /// Where the organisation performs sanitization (Appendix G: person performing, location).
    public static let location = Key(
        name: "location", environment: "LETHE_LOCATION", meaning: "where sanitization is performed (Appendix G)")
    /// The organisation's contact phone (Appendix G).
    public static let phone = Key(
        name: "phone", environment: "LETHE_PHONE", meaning: "the organisation's contact phone (Appendix G)")
    /// The first part of record serial numbers (`ACME` in `ACME-2026-000001`).
    public static let serialPrefix = Key(
        name: "serial_prefix", environment: "LETHE_SERIAL_PREFIX",
        meaning: "the first part of record serials (default: the organisation's initial letters and digits)")
    /// The evidence log's origin, used when its key is created.
    public static let logOrigin = Key(
        name: "log_origin", environment: "LETHE_LOG_ORIGIN",
        meaning: "the evidence log's origin line, fixed when the data directory is created")

    /// Every key, for help and documentation.
    public static let all = [organization, location, phone, serialPrefix, logOrigin]

    /// The configuration file's name in the data directory.
    public static let fileName = "config.json"

    private var values: [String: String]

    /// Empty settings.
    public init(_ values: [String: String] = [:]) { self.values = values }

    /// The value of a key, if set.
    public subscript(key: Key) -> String? {
        get { values[key.name] }
        set { values[key.name] = newValue }
    }

    /// Reads the environment and the data directory's `config.json` (the environment wins).
    public static func load(directory: DataDirectory, environment: [String: String]) throws(LetheError) -> Settings {
        var settings = Settings()
        let file = directory.path + "/" + fileName
        if let data = FileManager.default.contents(atPath: file) {
            let value: JSONValue
            do {
                value = try CanonicalJSON.decode(Array(data))
            } catch {
                throw LetheError(.invalidInput, "\(file) is not valid JSON: \(error.message)")
            }
            guard let object = value.objectValue else {
                throw LetheError(.invalidInput, "\(file) must be a JSON object of strings")
            }
            for (name, member) in object {
                guard all.contains(where: { $0.name == name }) else {
                    throw LetheError(
                        .invalidInput,
                        "\(file): unknown key '\(name)'; known keys: \(all.map(\.name).joined(separator: ", "))")
                }
                guard let text = member.stringValue else {
                    throw LetheError(.invalidInput, "\(file): key '\(name)' must be a string")
                }
                settings.values[name] = text
            }
        }
        for key in all {
            if let value = environment[key.environment], !value.isEmpty { settings[key] = value }
        }
        return settings
    }
}
