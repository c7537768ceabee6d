import Foundation

/// One problem with one field of an asset's input.
public struct FieldProblem: Sendable, Hashable {
    /// The field (or column) name.
    public var field: String
    /// The value as given.
    public var value: String
    /// Why it was refused and what to write instead.
    public var reason: String

    /// Creates a problem.
    public init(field: String, value: String, reason: String) {
        self.field = field
        self.value = value
        self.reason = reason
    }
}

/// The problems found in one set of fields.
public struct FieldProblems: Error, Sendable, Hashable {
    /// Each problem, in field order.
    public var problems: [FieldProblem]
    /// Wraps a list of problems.
    public init(_ problems: [FieldProblem]) { self.problems = problems }

    /// The problems as one error for a single asset (not a CSV row).
    public func error(context: String) -> LetheError {
        LetheError(
            .invalidInput, "\(context): \(problems.count == 1 ? "a field is" : "\(problems.count) fields are") invalid",
            details: problems.map { "\($0.field) \(Quoted($0.value)): \($0.reason)" })
    }
}

/// An asset's fields as text, the way they arrive from a flag or a CSV cell, before validation.
///
/// A nil field was not given; an empty string clears an optional field on update.
public struct AssetFields: Sendable, Hashable {
    public var tag: String?
    public var serial: String?
    public var make: String?
    public var model: String?
    public var mediaType: String?
    public var capacity: String?
    public var location: String?
    public var custodian: String?
    public var classification: String?
    public var encryption: String?
    public var parentTag: String?
    public var notes: String?
    public var state: String?

    /// Creates a set of fields; every field defaults to "not given".
    public init(
        tag: String? = nil, serial: String? = nil, make: String? = nil, model: String? = nil,
        mediaType: String? = nil, capacity: String? = nil, location: String? = nil, custodian: String? = nil,
        classification: String? = nil, encryption: String? = nil, parentTag: String? = nil,
        notes: String? = nil, state: String? = nil
    ) {
        self.tag = tag
        self.serial = serial
        self.make = make
        self.model = model
        self.mediaType = mediaType
        self.capacity = capacity
        self.location = location
        self.custodian = custodian
        self.classification = classification
        self.encryption = encryption
        self.parentTag = parentTag
        self.notes = notes
        self.state = state
    }

    /// The same fields with an empty (or blank) serial, capacity, media type, classification or
    /// encryption taken as not given: an import row's empty cell never clears what identifies a
    /// medium or sets its policy (the serial check and the size check of a sanitization compare
    /// the serial and capacity). Other empty fields still clear (a check-in empties the custodian).
    public var identityKeptWhereEmpty: AssetFields {
        func given(_ text: String?) -> String? {
            guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            return text
        }
        var kept = self
        kept.serial = given(serial)
        kept.capacity = given(capacity)
        kept.mediaType = given(mediaType)
        kept.classification = given(classification)
        kept.encryption = given(encryption)
        return kept
    }

    /// Field names as the user writes them (CSV columns of Lethe's own format, CLI flags).
    public enum Name {
        public static let tag = "asset_tag"
        public static let serial = "serial"
        public static let make = "make"
        public static let model = "model"
        public static let mediaType = "media_type"
        public static let capacity = "capacity"
        public static let location = "location"
        public static let custodian = "custodian"
        public static let classification = "classification"
        public static let encryption = "encryption"
        public static let parentTag = "parent_tag"
        public static let notes = "notes"
        public static let state = "state"
    }

    /// Validates the fields of a new asset: the tag, media type and classification are required;
    /// encryption defaults to `none` and state to `in-service`.
    public func newAsset(at time: Date) -> Result<Asset, FieldProblems> {
        var problems = lengthProblems()
        let tag = check(Name.tag, tag, required: true, &problems) { (text) throws(LetheError) in
            try AssetTag.validate(text)
        }
        let mediaType = check(Name.mediaType, mediaType, required: true, &problems) { (text) throws(LetheError) in
            try MediaType.parse(text)
        }
        let classification = check(Name.classification, classification, required: true, &problems) {
            (text) throws(LetheError) in try Classification.parse(text)
        }
        let encryption =
            check(Name.encryption, encryption, required: false, &problems) { (text) throws(LetheError) in
                try Encryption.parse(text)
            } ?? Encryption.none
        let capacity = check(Name.capacity, capacity, required: false, &problems) { (text) throws(LetheError) in
            try Capacity.parse(text)
        }
        let state =
            check(Name.state, state, required: false, &problems) { (text) throws(LetheError) in
                let state = try LifecycleState.parse(text)
                guard LifecycleState.initialStates.contains(state) else {
                    throw LetheError(
                        .invalidInput,
                        "an asset can be registered only as \(LifecycleState.initialStates.map(\.rawValue).joined(separator: ", ")); later states come from disposal jobs"
                    )
                }
                return state
            } ?? .inService
        let parent = check(Name.parentTag, parentTag, required: false, &problems) { (text) throws(LetheError) in
            try AssetTag.validate(text, field: "parent tag")
        }
        if let tag, let parent, tag == parent {
            problems.append(
                FieldProblem(field: Name.parentTag, value: parent, reason: "an asset cannot be its own parent"))
        }
        guard problems.isEmpty, let tag, let mediaType, let classification else {
            return .failure(FieldProblems(problems))
        }
        return .success(
            Asset(
                tag: tag, serial: Self.clean(serial), make: Self.clean(make), model: Self.clean(model),
                mediaType: mediaType, capacityBytes: capacity, location: Self.clean(location),
                custodian: Self.clean(custodian), classification: classification, encryption: encryption,
                parentTag: parent, notes: Self.clean(notes), state: state, registeredAt: time))
    }

    /// Applies the given fields to an existing asset; an empty string clears an optional field.
    /// The tag and the state are not changed here (the state changes only through the lifecycle).
    public func applied(to asset: Asset, at time: Date) -> Result<Asset, FieldProblems> {
        var problems = lengthProblems()
        var updated = asset
        if let value = serial { updated.serial = Self.clean(value) }
        if let value = make { updated.make = Self.clean(value) }
        if let value = model { updated.model = Self.clean(value) }
        if let value = location { updated.location = Self.clean(value) }
        if let value = custodian { updated.custodian = Self.clean(value) }
        if let value = notes { updated.notes = Self.clean(value) }
        if let value = check(
            Name.mediaType, mediaType, required: false, &problems,
            { (text) throws(LetheError) in
                try MediaType.parse(text)
            })
        {
            updated.mediaType = value
        }
        if let value = check(
            Name.classification, classification, required: false, &problems,
            {
                (text) throws(LetheError) in try Classification.parse(text)
            })
        {
            updated.classification = value
        }
        if let value = check(
            Name.encryption, encryption, required: false, &problems,
            { (text) throws(LetheError) in
                try Encryption.parse(text)
            })
        {
            updated.encryption = value
        }
        if let text = capacity {
            if text.trimmed.isEmpty {
                updated.capacityBytes = nil
            } else if let value = check(
                Name.capacity, text, required: false, &problems,
                {
                    (text) throws(LetheError) in try Capacity.parse(text)
                })
            {
                updated.capacityBytes = value
            }
        }
        if let text = parentTag {
            if text.trimmed.isEmpty {
                updated.parentTag = nil
            } else if let value = check(
                Name.parentTag, text, required: false, &problems,
                {
                    (text) throws(LetheError) in try AssetTag.validate(text, field: "parent tag")
                })
            {
                if value == asset.tag {
                    problems.append(
                        FieldProblem(field: Name.parentTag, value: value, reason: "an asset cannot be its own parent"))
                }
                updated.parentTag = value
            }
        }
        guard problems.isEmpty else { return .failure(FieldProblems(problems)) }
        if updated != asset { updated.updatedAt = time }
        return .success(updated)
    }

    /// The free-text fields longer than their ``FieldLimits``, in field order.
    func lengthProblems() -> [FieldProblem] {
        let texts: [(String, String?)] = [
            (Name.serial, serial), (Name.make, make), (Name.model, model), (Name.location, location),
            (Name.custodian, custodian), (Name.notes, notes),
        ]
        return texts.compactMap { field, text in
            guard let text, let limit = FieldLimits.limit(assetField: field),
                let reason = FieldLimits.problem(text.trimmed, limit: limit)
            else { return nil }
            return FieldProblem(field: field, value: text, reason: reason)
        }
    }

    /// Trims a free-text value; empty becomes nil.
    public static func clean(_ text: String?) -> String? {
        guard let trimmed = text?.trimmed, !trimmed.isEmpty else {
            return nil
        }
        return trimmed
    }

    private func check<T>(
        _ field: String, _ text: String?, required: Bool, _ problems: inout [FieldProblem],
        _ parse: (String) throws(LetheError) -> T
    ) -> T? {
        guard let text, !text.trimmed.isEmpty else {
            if required {
                problems.append(FieldProblem(field: field, value: text ?? "", reason: "is required"))
            }
            return nil
        }
        do {
            return try parse(text.trimmed)
        } catch {
            problems.append(FieldProblem(field: field, value: text, reason: error.message))
            return nil
        }
    }
}

extension Asset {
    /// The fields that differ between two versions of an asset, as `{field: {from, to}}`.
    public func changes(to other: Asset) -> [String: JSONValue] {
        let before = jsonFields.objectValue ?? [:]
        let after = other.jsonFields.objectValue ?? [:]
        var changes: [String: JSONValue] = [:]
        for key in Set(before.keys).union(after.keys) where before[key] != after[key] {
            changes[key] = .object(["from": before[key] ?? .null, "to": after[key] ?? .null])
        }
        return changes
    }
}
