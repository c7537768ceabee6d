import Lethe
import LetheCore

extension APIRoute {
    static let assets: [APIRoute] = [
        registerAsset, listAssets, importAssets, showAsset, updateAsset, retireAsset, moveAsset, lostAsset,
        foundAsset, disposeAsset, assetHistory,
    ]

    /// The descriptive fields of `POST /assets` and `PATCH /assets/{tag}`.
    static let assetFields: [Field] = [
        Field("serial", "Manufacturer's serial number."), Field("make", "Make or vendor."),
        Field("model", "Model or model number."),
        Field(
            "media_type", .word(MediaType.self),
            "laptop, desktop, server, hdd, ssd, nvme, usb-flash, sd-card, tape, phone, tablet, optical, other."),
        Field("capacity", "Capacity: bytes, or a number and unit (512GB, 1.5TiB)."),
        Field("capacity_bytes", .integer, "Capacity in bytes (instead of capacity)."),
        Field("location", "Where the asset is."), Field("custodian", "Who has it."),
        Field("classification", .word(Classification.self), "Classification of its data: low, moderate, high."),
        Field("encryption", .word(Encryption.self), "Encryption at rest: none, software, self-encrypting."),
        Field("parent_tag", "Tag of the asset it is part of."), .notes,
    ]

    static let registerAsset = APIRoute(
        .post, "/api/v1/assets", .action(.registerAsset), "Register one asset",
        body: .json(
            [Field("tag", required: true, "The asset tag: unique, 1–64 visible ASCII characters.")] + assetFields
                + [
                    Field(
                        "state", .word(["in-service", "retired", "lost"]),
                        "Initial state: in-service (default), retired, lost.")
                ]), success: 201)
    static let listAssets = APIRoute(
        .get, "/api/v1/assets", .action(.readAssets), "List assets by tag, a page at a time",
        query: [
            Field("state", .word(LifecycleState.self), "Only assets in this state."),
            Field("type", .word(MediaType.self), "Only assets of this media type."),
            Field("classification", .word(Classification.self), "Only assets of this classification."),
            Field("location", "Only assets at this location (exact)."),
            Field("parent", "Only assets attached to this parent tag."),
            Field("q", "Only assets whose tag, serial, make, model, location or custodian contains this text."),
            Field("after", "The next_after of the previous page."),
            Field("limit", .integer, "At most this many (1–1000, default 100)."),
        ])
    static let importAssets = APIRoute(
        .post, "/api/v1/assets/import", .action(.importAssets),
        "Import assets from a CSV body, all or nothing (streamed)",
        query: [
            Field("format", .word(ImportFormat.self), "Column layout: lethe (default) or snipeit."),
            Field("update", .boolean, "Update assets already registered, by tag."),
            Field("dry_run", .boolean, "Check the file only; write nothing."),
            Field("file_name", "The file's name, for the import's event (default upload.csv)."),
        ], body: .csv)
    static let showAsset = APIRoute(
        .get, "/api/v1/assets/:tag", .action(.readAssets), "One asset with the assets attached to it")
    static let updateAsset = APIRoute(
        .patch, "/api/v1/assets/:tag", .action(.updateAsset),
        "Change an asset's descriptive fields (an empty string clears one)", body: .json(assetFields))
    static let retireAsset = APIRoute(
        .post, "/api/v1/assets/:tag/retire", .action(.retireAsset),
        "Take an asset (and its attached in-service children) out of service", body: .json([.reason]))
    static let moveAsset = APIRoute(
        .post, "/api/v1/assets/:tag/move", .action(.moveAsset), "Record a custody transfer",
        body: .json([
            Field("to", required: true, "Who receives it."),
            Field("from", "Who hands it over (default: the current custodian)."),
            Field("location", "Where it is now."),
            Field("at", "When the hand-over happened (RFC 3339; default now)."),
            Field("seals", .strings, "Tamper-evident seal numbers."),
            Field("manifest", "The vendor's manifest or waybill reference."), .notes,
        ]))
    static let lostAsset = APIRoute(
        .post, "/api/v1/assets/:tag/lost", .action(.reportAssetLost),
        "Record that an asset is lost or stolen (an incident)",
        body: .json([Field("reason", required: true, "What happened.")]))
    static let foundAsset = APIRoute(
        .post, "/api/v1/assets/:tag/found", .action(.reportAssetFound),
        "Record that a lost asset has turned up; it goes to awaiting-sanitization",
        body: .json([Field("location", "Where it is now (becomes its location).")]))
    static let disposeAsset = APIRoute(
        .post, "/api/v1/assets/:tag/dispose", .action(.disposeAsset), "Record where a verified asset went",
        body: .json([
            Field(
                "destination", .word(Destination.self), required: true,
                "internal-reuse, external-reuse, recycling, manufacturer, destroyed."), .notes,
        ]))
    static let assetHistory = APIRoute(
        .get, "/api/v1/assets/:tag/history", .action(.readAssets), "An asset's whole story, in order")
}
