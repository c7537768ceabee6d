import ArgumentParser

/// `lethe asset`: the asset register.
struct AssetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asset",
        abstract: "Register devices and media, follow their lifecycle and chain of custody.",
        discussion: """
            Lifecycle: in-service → retired → awaiting-sanitization → sanitized → verified → disposed, \
            with verification-failed → awaiting-sanitization, and lost from any state before disposed; \
            a lost asset that is found goes to awaiting-sanitization ('lethe asset found').
            """,
        subcommands: [
            AssetRegister.self, AssetImport.self, AssetList.self, AssetShow.self, AssetUpdate.self,
            AssetRetire.self, AssetMove.self, AssetDispose.self, AssetLost.self, AssetFound.self,
            AssetHistoryCommand.self,
        ]
    )
}

/// The descriptive fields shared by `asset register` and `asset update`.
struct AssetFieldOptions: ParsableArguments {
    @Option(help: "Manufacturer's serial number.") var serial: String?
    @Option(help: "Make or vendor.") var make: String?
    @Option(help: "Model or model number.") var model: String?
    @Option(
        name: .customLong("type"),
        help:
            "Media type: laptop, desktop, server, hdd, ssd, nvme, usb-flash, sd-card, tape, phone, tablet, optical, other."
    )
    var mediaType: String?
    @Option(help: "Capacity: bytes, or a number and unit (512GB, 1.5TiB).") var capacity: String?
    @Option(help: "Where the asset is.") var location: String?
    @Option(help: "Who has it.") var custodian: String?
    @Option(help: "Classification of its data: low, moderate, high.") var classification: String?
    @Option(help: "Encryption at rest: none, software, self-encrypting.") var encryption: String?
    @Option(help: "Tag of the asset it is part of (the server a drive sits in).") var parent: String?
    @Option(help: "Free notes.") var notes: String?

    func fields(tag: String?) -> AssetFieldsInput {
        AssetFieldsInput(
            tag: tag, serial: serial, make: make, model: model, mediaType: mediaType, capacity: capacity,
            location: location, custodian: custodian, classification: classification, encryption: encryption,
            parentTag: parent, notes: notes)
    }
}
