import Foundation
import Yams

/// Parses and validates policy files, collecting every problem with its file, line and column.
///
/// Pure: it is given the files' names and texts; reading them is the application's job.
public enum PolicyParser {
    /// The top-level keys of a policy file.
    public static let fileKeys = [
        "erasure_sla", "reverification_interval", "backup_erasure", "backup_destruction_deadline", "sanitization",
        "retention",
    ]
    /// The keys of a sanitization rule.
    public static let ruleKeys = [
        "media", "classification", "method", "techniques", "verification", "second_person", "separation_of_duties",
        "deadline", "issue_record",
    ]
    /// The keys of a rule's verification.
    public static let verificationKeys = ["mode", "rate_percent", "minimum"]
    /// The keys of a retention rule.
    public static let retentionKeys = ["category", "period", "trigger"]

    /// Parses `files` (name and text, in the order given) into one policy set.
    public static func parse(files: [(name: String, text: String)]) -> PolicyVerdict {
        var state = State()
        if files.isEmpty {
            state.problems.append(
                PolicyProblem(
                    file: "(policies)", line: 1, column: 1,
                    message: "no policy files (*.yaml, *.yml) found; copy policies/default.yaml and adapt it"))
        }
        for file in files { state.parseFile(name: file.name, text: file.text) }
        state.checkCoverage(firstFile: files.first?.name ?? "(policies)")
        let problems = state.problems.sorted {
            ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column)
        }
        guard problems.isEmpty else { return PolicyVerdict(policySet: nil, problems: problems) }
        let set = PolicySet(
            sanitization: state.rules, retention: state.retention,
            erasureSLA: state.erasureSLA?.value ?? PolicySet.defaultErasureSLA,
            reverificationInterval: state.reverification?.value ?? PolicySet.defaultReverificationInterval,
            backupErasure: state.backupErasure?.value ?? .suppress,
            backupDestructionDeadline: state.backupDeadline?.value ?? PolicySet.defaultBackupDestructionDeadline)
        return PolicyVerdict(policySet: set, problems: [])
    }

    private struct Place {
        var file: String
        var line: Int
        var column: Int
        var text: String { "\(file):\(line):\(column)" }
    }

    private struct State {
        var problems: [PolicyProblem] = []
        var rules: [SanitizationRule] = []
        var rulePlaces: [Place] = []
        var retention: [RetentionRule] = []
        var erasureSLA: (value: ISODuration, place: Place)?
        var reverification: (value: ISODuration, place: Place)?
        var backupErasure: (value: BackupErasure, place: Place)?
        var backupDeadline: (value: ISODuration, place: Place)?
        var file = ""
        var sanitizationPlace: Place?
        /// Media type × classification pairs named by rules that failed for another reason: not gaps.
        var claimedByBrokenRules: Set<String> = []
        /// Whether some rule may have been lost without knowing its pairs (a YAML syntax error, a
        /// rule whose media or classification did not parse): then gaps cannot be told.
        var coverageUnknown = false

        mutating func problem(_ node: Node?, _ message: String) {
            let mark = node?.mark
            problems.append(
                PolicyProblem(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
        }

        func place(_ node: Node) -> Place {
            Place(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        }

        mutating func parseFile(name: String, text: String) {
            file = name
            let root: Node?
            do {
                root = try Yams.compose(yaml: text)
            } catch let error as YamlError {
                problems.append(Self.syntaxProblem(error, file: name, text: text))
                coverageUnknown = true
                return
            } catch {
                problems.append(PolicyProblem(file: name, line: 1, column: 1, message: "cannot parse YAML: \(error)"))
                coverageUnknown = true
                return
            }
            guard let root else { return }  // an empty file adds nothing
            guard let mapping = mapping(root, "the file") else {
                coverageUnknown = true
                return
            }
            for (key, value) in checkedPairs(mapping, allowed: PolicyParser.fileKeys, in: "a policy file") {
                switch key {
                case "erasure_sla":
                    if let duration = duration(value, key) { erasureSLA = once(erasureSLA, duration, key, value) }
                case "reverification_interval":
                    if let duration = duration(value, key) {
                        reverification = once(reverification, duration, key, value)
                    }
                case "backup_erasure":
                    guard let text = scalar(value, key) else { continue }
                    guard let choice = BackupErasure(rawValue: text) else {
                        problem(value, "backup_erasure '\(text)' is not known; use suppress or shred")
                        continue
                    }
                    backupErasure = once(backupErasure, choice, key, value)
                case "backup_destruction_deadline":
                    if let duration = duration(value, key) {
                        backupDeadline = once(backupDeadline, duration, key, value)
                    }
                case "sanitization":
                    if sanitizationPlace == nil { sanitizationPlace = place(value) }
                    guard let items = sequence(value, "sanitization") else {
                        coverageUnknown = true
                        continue
                    }
                    for item in items { parseRule(item) }
                case "retention":
                    guard let items = sequence(value, "retention") else { continue }
                    for item in items { parseRetention(item) }
                default: break
                }
            }
        }

        static func syntaxProblem(_ error: YamlError, file: String, text: String) -> PolicyProblem {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                .composer(_, let problem, let mark, _):
                // libyaml can place an error met at the end of the text (after runs of lone CRs)
                // past the last line: it is then named at the end of the file, where it is.
                let lines =
                    1 + text.filter { ["\n", "\r", "\r\n", "\u{85}", "\u{2028}", "\u{2029}"].contains($0) }.count
                let (line, column) = mark.line > lines ? (lines, 1) : (mark.line, mark.column)
                return PolicyProblem(
                    file: file, line: line, column: column, message: "YAML syntax error: \(problem)")
            case .duplicatedKeysInMapping(let duplicates, let context):
                return PolicyProblem(
                    file: file, line: context.mark.line, column: context.mark.column,
                    message: "key '\(duplicates.joined(separator: "', '"))' appears twice in one mapping; keep one")
            default:
                return PolicyProblem(file: file, line: 1, column: 1, message: "YAML error: \(error)")
            }
        }

        // MARK: Rules

        mutating func parseRule(_ node: Node) {
            guard let mapping = mapping(node, "a sanitization rule") else {
                coverageUnknown = true
                return
            }
            var values: [String: Node] = [:]
            for (key, value) in checkedPairs(mapping, allowed: PolicyParser.ruleKeys, in: "a sanitization rule") {
                values[key] = value
            }
            let required = ["media", "classification", "method", "techniques", "verification", "deadline"]
            for key in required where values[key] == nil {
                problem(node, "a sanitization rule needs '\(key)'")
            }
            let media: [MediaType]? = values["media"].flatMap { words($0, "media") }
            let classes: [Classification]? = values["classification"].flatMap { words($0, "classification") }
            let method: MethodCategory? = values["method"].flatMap { word($0, "method") }
            let techniques: [Technique]? = values["techniques"].flatMap { words($0, "techniques", single: false) }
            let verification = values["verification"].flatMap { parseVerification($0) }
            let deadline = values["deadline"].flatMap { duration($0, "deadline") }
            let secondPerson = values["second_person"].map { bool($0, "second_person") } ?? false
            let separation = values["separation_of_duties"].map { bool($0, "separation_of_duties") } ?? true
            let issueRecord = values["issue_record"].map { bool($0, "issue_record") } ?? false
            if let method, let techniques, let node = values["techniques"], case .sequence(let items) = node {
                for (technique, item) in zip(techniques, items) where technique.maximumCategory < method {
                    problem(
                        item,
                        "technique '\(technique.rawValue)' reaches at most \(technique.maximumCategory.rawValue) and cannot satisfy method \(method.rawValue); choose a technique listed for \(method.rawValue) in docs/policies.md"
                    )
                }
            }
            if let techniques, techniques.isEmpty {
                problem(values["techniques"], "techniques must name at least one technique")
            }
            guard let media, let classes, let method, let techniques, let verification, let deadline,
                let secondPerson, let separation, let issueRecord
            else {
                // A broken rule still says which pairs it meant to cover, when that much parsed.
                if let media, let classes {
                    for item in media {
                        for level in classes { claimedByBrokenRules.insert("\(item.rawValue) × \(level.rawValue)") }
                    }
                } else {
                    coverageUnknown = true
                }
                return
            }
            rules.append(
                SanitizationRule(
                    mediaTypes: media, classifications: classes, method: method, techniques: techniques,
                    verification: verification, secondPerson: secondPerson, separationOfDuties: separation,
                    deadline: deadline, issueRecord: issueRecord, source: place(node).text))
            rulePlaces.append(place(node))
        }

        mutating func parseVerification(_ node: Node) -> VerificationRequirement? {
            guard let mapping = mapping(node, "verification") else { return nil }
            var values: [String: Node] = [:]
            for (key, value) in checkedPairs(mapping, allowed: PolicyParser.verificationKeys, in: "verification") {
                values[key] = value
            }
            guard let modeNode = values["mode"] else {
                problem(node, "verification needs 'mode' (full, sample or attest)")
                return nil
            }
            guard let mode: VerificationMode = word(modeNode, "verification mode") else { return nil }
            var requirement = VerificationRequirement(mode: mode)
            switch mode {
            case .sample:
                guard let rateNode = values["rate_percent"], let minimumNode = values["minimum"] else {
                    problem(
                        node,
                        "sample verification needs 'rate_percent' (1 to 100) and 'minimum' (a count of at least 1)")
                    return nil
                }
                guard let rate = integer(rateNode, "rate_percent", range: 1...100),
                    let minimum = integer(minimumNode, "minimum", range: 1...1_000_000_000)
                else { return nil }
                requirement.ratePercent = rate
                requirement.minimum = minimum
            case .full, .attest:
                for key in ["rate_percent", "minimum"] {
                    if let extra = values[key] {
                        problem(extra, "'\(key)' applies only to sample verification; remove it or use mode: sample")
                    }
                }
            }
            return requirement
        }

        mutating func parseRetention(_ node: Node) {
            guard let mapping = mapping(node, "a retention rule") else { return }
            var values: [String: Node] = [:]
            for (key, value) in checkedPairs(mapping, allowed: PolicyParser.retentionKeys, in: "a retention rule") {
                values[key] = value
            }
            for key in PolicyParser.retentionKeys where values[key] == nil {
                problem(node, "a retention rule needs '\(key)'")
            }
            var category: String?
            if let node = values["category"], let text = scalar(node, "category") {
                if DataCategory(text) != nil {
                    category = text
                } else {
                    problem(
                        node,
                        "data category '\(text)' is not in the taxonomy; use one of: \(DataCategory.taxonomy.map(\.name).joined(separator: ", "))"
                    )
                }
            }
            let period = values["period"].flatMap { duration($0, "period") }
            let trigger: RetentionTrigger? = values["trigger"].flatMap { word($0, "trigger") }
            guard let category, let period, let trigger else { return }
            if retention.contains(where: { $0.category == category && $0.trigger == trigger }) {
                problem(
                    node, "data category '\(category)' with trigger \(trigger.rawValue) already has a retention rule")
                return
            }
            retention.append(RetentionRule(category: category, period: period, trigger: trigger))
        }

        // MARK: Coverage

        mutating func checkCoverage(firstFile: String) {
            var owner: [String: Int] = [:]
            for (index, rule) in rules.enumerated() {
                for media in rule.mediaTypes {
                    for level in rule.classifications {
                        let key = "\(media.rawValue) × \(level.rawValue)"
                        if let first = owner[key] {
                            let place = rulePlaces[index]
                            problems.append(
                                PolicyProblem(
                                    file: place.file, line: place.line, column: place.column,
                                    message:
                                        "media type \(media.rawValue) with classification \(level.rawValue) is already covered by the rule at \(rulePlaces[first].text); each pair needs exactly one rule"
                                ))
                        } else {
                            owner[key] = index
                        }
                    }
                }
            }
            // Gaps are reported alongside the other problems, except for pairs a broken rule meant
            // to cover, and not at all when a rule may have been lost without its pairs being known.
            guard !coverageUnknown else { return }
            let anchor = sanitizationPlace ?? Place(file: firstFile, line: 1, column: 1)
            for media in MediaType.allCases {
                for level in Classification.allCases {
                    let key = "\(media.rawValue) × \(level.rawValue)"
                    guard owner[key] == nil, !claimedByBrokenRules.contains(key) else { continue }
                    problems.append(
                        PolicyProblem(
                            file: anchor.file, line: anchor.line, column: anchor.column,
                            message:
                                "no sanitization rule covers media type \(media.rawValue) with classification \(level.rawValue); add one"
                        ))
                }
            }
        }

        // MARK: Typed values

        func kind(_ node: Node) -> String {
            switch node {
            case .scalar: "a scalar"
            case .mapping: "a mapping"
            case .sequence: "a list"
            case .alias: "an alias"
            }
        }

        mutating func mapping(_ node: Node, _ what: String) -> Node.Mapping? {
            if case .mapping(let mapping) = node { return mapping }
            problem(node, "\(what) must be a mapping of keys to values, not \(kind(node))")
            return nil
        }

        mutating func sequence(_ node: Node, _ what: String) -> [Node]? {
            if case .sequence(let items) = node { return Array(items) }
            problem(node, "\(what) must be a list, not \(kind(node))")
            return nil
        }

        mutating func scalar(_ node: Node, _ what: String) -> String? {
            if case .scalar(let scalar) = node { return scalar.string }
            problem(node, "\(what) must be a single value, not \(kind(node))")
            return nil
        }

        /// The pairs of a mapping whose keys are known, reporting unknown and repeated keys.
        mutating func checkedPairs(_ mapping: Node.Mapping, allowed: [String], in what: String) -> [(String, Node)] {
            var seen: Set<String> = []
            var result: [(String, Node)] = []
            for (keyNode, value) in mapping {
                guard let key = scalar(keyNode, "a key") else { continue }
                guard allowed.contains(key) else {
                    problem(
                        keyNode, "unknown key '\(key)' in \(what); allowed keys: \(allowed.joined(separator: ", "))")
                    continue
                }
                guard seen.insert(key).inserted else {
                    problem(keyNode, "key '\(key)' appears twice in \(what)")
                    continue
                }
                result.append((key, value))
            }
            return result
        }

        mutating func word<W: LetheVocabulary>(_ node: Node, _ what: String) -> W? {
            guard let text = scalar(node, what) else { return nil }
            if let value = W(rawValue: text) { return value }
            problem(node, "\(W.fieldName) '\(text)' is not known; use one of: \(W.vocabulary)")
            return nil
        }

        /// A word or a list of words (`media: hdd` or `media: [hdd, ssd]`); nil when any is bad.
        mutating func words<W: LetheVocabulary>(_ node: Node, _ what: String, single: Bool = true) -> [W]? {
            let items: [Node]
            if case .sequence(let sequence) = node {
                items = Array(sequence)
            } else if single, case .scalar = node {
                items = [node]
            } else {
                problem(node, "\(what) must be a list, not \(kind(node))")
                return nil
            }
            var result: [W] = []
            var failed = false
            for item in items {
                if let value: W = word(item, what) {
                    if result.contains(value) {
                        problem(item, "\(W.fieldName) '\(value.rawValue)' is listed twice")
                    } else {
                        result.append(value)
                    }
                } else {
                    failed = true
                }
            }
            if items.isEmpty {
                problem(node, "\(what) must not be empty")
                return nil
            }
            return failed ? nil : result
        }

        /// A setting that may be given in one file only: the first one given, and a problem at
        /// `node` when it was given before.
        mutating func once<Value>(
            _ earlier: (value: Value, place: Place)?, _ value: Value, _ key: String, _ node: Node
        ) -> (value: Value, place: Place)? {
            if let earlier {
                problem(node, "\(key) is already set at \(earlier.place.text); set it in one file only")
                return earlier
            }
            return (value, place(node))
        }

        mutating func duration(_ node: Node, _ what: String) -> ISODuration? {
            guard let text = scalar(node, what) else { return nil }
            if let value = ISODuration.parse(text) { return value }
            problem(node, "\(what) '\(text)' is not an ISO 8601 duration; write for example P30D, P6M, P1Y or PT12H")
            return nil
        }

        mutating func bool(_ node: Node, _ what: String) -> Bool? {
            if case .scalar(let scalar) = node, scalar.style == .plain, let value = node.bool { return value }
            problem(node, "\(what) must be true or false")
            return nil
        }

        mutating func integer(_ node: Node, _ what: String, range: ClosedRange<Int>) -> Int? {
            if case .scalar(let scalar) = node, scalar.style == .plain, let value = node.int, range.contains(value) {
                return value
            }
            problem(node, "\(what) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
    }
}
