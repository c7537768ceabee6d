/// A kind of personal data a store holds, named in the style of the fideslang taxonomy
/// (`user.contact.email`).
///
/// The accepted names are ``DataCategory/taxonomy``; a declaration naming anything else is refused
/// with the file, line and column, so that every store's categories can be compared and reported.
public struct DataCategory: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The dotted name, for example `user.contact.email`.
    public let name: String

    /// The documented taxonomy: every category a declaration may name, with a one-line meaning.
    ///
    /// A parent (`user.contact`) stands for all of its children and may be declared when a store
    /// holds data of the parent kind without a finer distinction.
    public static let taxonomy: [(name: String, meaning: String)] = [
        ("user", "any data about a customer"),
        ("user.name", "given, family or full name"),
        ("user.contact", "any contact detail"),
        ("user.contact.email", "e-mail address"),
        ("user.contact.phone", "telephone number"),
        ("user.contact.address", "postal address"),
        ("user.financial", "any financial data"),
        ("user.financial.card", "payment card number or card details"),
        ("user.financial.bank_account", "bank account number or IBAN"),
        ("user.health", "health or medical data"),
        ("user.government_id", "national id, passport, driving licence or tax number"),
        ("user.authentication", "any credential"),
        ("user.authentication.password", "password or password hash"),
        ("user.behavior", "any record of what the customer did"),
        ("user.behavior.browsing", "browsing or click history"),
        ("user.behavior.purchase", "order and purchase history"),
        ("user.device", "any data about the customer's devices"),
        ("user.device.ip_address", "IP address"),
        ("user.device.identifier", "device or advertising identifier, cookie id"),
        ("user.location", "location (precise or approximate)"),
        ("user.demographic", "date of birth, age, gender and the like"),
        ("user.content", "free text or files the customer supplied"),
        ("user.biometric", "fingerprints, face or voice data"),
        ("system", "operational data that may hold personal data"),
        ("system.logs", "application and access logs"),
        ("system.backups", "backup copies of stores"),
    ]

    private static let names: Set<String> = Set(taxonomy.map(\.name))

    /// The category with this name, or `nil` when the name is not in ``taxonomy``.
    public init?(_ name: String) {
        guard Self.names.contains(name) else { return nil }
        self.name = name
    }

    /// Whether this category is `other` or one of its descendants (`user.contact.email` is within `user.contact`).
    public func isWithin(_ other: DataCategory) -> Bool {
        name == other.name || name.hasPrefix(other.name + ".")
    }

    /// The dotted name.
    public var description: String { name }

    /// Orders categories by name.
    public static func < (lhs: DataCategory, rhs: DataCategory) -> Bool { lhs.name < rhs.name }
}
