import Foundation
import Yams

/// How a Snipe-IT asset export maps onto Lethe's assets: categories to media types, status
/// labels to lifecycle states, and the defaults for what Snipe-IT does not hold.
///
/// Matching of category and status names ignores case and surrounding space. The built-in mapping
/// covers Snipe-IT's default categories and status labels; a YAML file extends or overrides it
/// (`docs/guide-it-staff.md` shows the format).
public struct SnipeITMapping: Sendable, Hashable {
    /// Category name (lowercased) → media type.
    public var categories: [String: MediaType]
    /// Status label (lowercased) → lifecycle state (one of the initial states).
    public var statusLabels: [String: LifecycleState]
    /// Classification for every imported asset unless a column says otherwise.
    public var defaultClassification: Classification
    /// Encryption for every imported asset unless a column says otherwise.
    public var defaultEncryption: Encryption

    /// The mapping used when no file is given.
    public static let builtIn = SnipeITMapping(
        categories: [
            "laptop": .laptop, "laptops": .laptop, "notebook": .laptop, "notebooks": .laptop,
            "desktop": .desktop, "desktops": .desktop, "workstation": .desktop, "workstations": .desktop,
            "server": .server, "servers": .server,
            "hard drive": .hdd, "hard drives": .hdd, "hdd": .hdd, "hdds": .hdd,
            "ssd": .ssd, "ssds": .ssd, "solid state drive": .ssd, "solid state drives": .ssd,
            "nvme": .nvme, "nvme drive": .nvme, "nvme drives": .nvme,
            "usb drive": .usbFlash, "usb drives": .usbFlash, "usb flash": .usbFlash, "usb stick": .usbFlash,
            "sd card": .sdCard, "sd cards": .sdCard,
            "tape": .tape, "tapes": .tape, "backup tape": .tape, "backup tapes": .tape,
            "phone": .phone, "phones": .phone, "mobile phone": .phone, "mobile phones": .phone,
            "tablet": .tablet, "tablets": .tablet,
            "optical": .optical, "optical media": .optical,
        ],
        statusLabels: [
            "ready to deploy": .inService, "deployed": .inService, "pending": .inService,
            "out for repair": .inService, "archived": .retired, "broken": .retired,
            "lost/stolen": .lost, "lost": .lost, "stolen": .lost,
        ],
        defaultClassification: .moderate, defaultEncryption: .none)

    /// The media type for a category, if mapped.
    public func mediaType(forCategory name: String) -> MediaType? {
        categories[name.trimmed.lowercased()]
    }

    /// The lifecycle state for a status label, if mapped.
    public func state(forStatus name: String) -> LifecycleState? {
        statusLabels[name.trimmed.lowercased()]
    }

    /// The built-in mapping extended by a YAML document:
    ///
    /// ```yaml
    /// categories: { "Rack Servers": server, "Field Tablets": tablet }
    /// status_labels: { "Decommissioned": retired }
    /// defaults: { classification: high, encryption: self-encrypting }
    /// ```
    ///
    /// - Throws: `invalidInput` naming the file, line and column of the first problem.
    public static func builtIn(extendedBy yaml: String, file: String) throws(LetheError) -> SnipeITMapping {
        var mapping = builtIn
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw LetheError(.invalidInput, "\(file): not valid YAML: \(error)")
        }
        guard let root else { return mapping }
        func fail(_ node: Node, _ text: String) -> LetheError {
            let place = node.mark.map { ":\($0.line):\($0.column)" } ?? ""
            return LetheError(.invalidInput, "\(file)\(place): \(text)")
        }
        guard let top = root.mapping else {
            throw fail(root, "expected a mapping with categories, status_labels, defaults")
        }
        for (keyNode, value) in top {
            switch keyNode.string {
            case "categories":
                guard let entries = value.mapping else {
                    throw fail(value, "categories must map category names to media types")
                }
                for (name, type) in entries {
                    guard let key = name.string, let word = type.string else {
                        throw fail(name, "expected 'Category: media-type'")
                    }
                    do {
                        mapping.categories[key.trimmed.lowercased()] = try MediaType.parse(
                            word)
                    } catch { throw fail(type, error.message) }
                }
            case "status_labels":
                guard let entries = value.mapping else { throw fail(value, "status_labels must map labels to states") }
                for (name, state) in entries {
                    guard let key = name.string, let word = state.string else {
                        throw fail(name, "expected 'Label: state'")
                    }
                    let parsed: LifecycleState
                    do { parsed = try LifecycleState.parse(word) } catch { throw fail(state, error.message) }
                    guard LifecycleState.initialStates.contains(parsed) else {
                        throw fail(
                            state,
                            "a status can map only to \(LifecycleState.initialStates.map(\.rawValue).joined(separator: ", "))"
                        )
                    }
                    mapping.statusLabels[key.trimmed.lowercased()] = parsed
                }
            case "defaults":
                guard let entries = value.mapping else { throw fail(value, "defaults must be a mapping") }
                for (name, word) in entries {
                    do {
                        switch name.string {
                        case "classification":
                            mapping.defaultClassification = try Classification.parse(word.string ?? "")
                        case "encryption": mapping.defaultEncryption = try Encryption.parse(word.string ?? "")
                        default:
                            throw fail(name, "unknown key '\(name.string ?? "")'; use classification or encryption")
                        }
                    } catch let error as LetheError where error.message.hasPrefix(file) {
                        throw error
                    } catch {
                        throw fail(word, (error as? LetheError)?.message ?? "\(error)")
                    }
                }
            default:
                throw fail(keyNode, "unknown key '\(keyNode.string ?? "")'; use categories, status_labels or defaults")
            }
        }
        return mapping
    }
}
