import ArgumentParser
import Foundation
import Lethe
import LetheCore
import LetheEvidence

/// `lethe keys`: the issuer identity that signs records.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Show the issuer identity, make a CSR for your CA, import the certificate it issued.",
        discussion: """
            On first use Lethe creates a P-256 key (issuer.key, 0600) and a self-signed certificate \
            (issuer.pem) naming the configured organisation. To have records chain to your CA, run \
            'lethe keys csr', have the CA sign it, then 'lethe keys import --cert FILE [--chain FILE]'.
            """,
        subcommands: [KeysShow.self, KeysCSR.self, KeysImport.self]
    )
}

/// `lethe keys show`.
struct KeysShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show the issuer certificate and the log key.",
        discussion: "Example:\n  lethe keys show --organization 'Acme Data Services'")

    @OptionGroup var issuer: IssuerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            let app = try issuer.openApp(global)
            let identity = try app.issuerIdentity()
            let key = try app.logVerifierKey()
            let certificate = identity.certificate
            if output.json {
                Output.printJSON([
                    "issuer_subject": .string("\(certificate.subject)"),
                    "issuer_issuer": .string("\(certificate.issuer)"),
                    "issuer_sha256": .string(identity.certificateFingerprint),
                    "not_after": .string(RFC3339.format(certificate.notValidAfter)),
                    "chain_length": .integer(Int64(identity.certificates.count)),
                    "log_key": .string(key.verifierKey),
                ])
            } else {
                print("issuer       \(certificate.subject)")
                print(
                    "issued by    \(certificate.issuer)\(certificate.issuer == certificate.subject ? " (self-signed)" : "")"
                )
                print("sha256       \(identity.certificateFingerprint)")
                print("valid until  \(RFC3339.format(certificate.notValidAfter))")
                print("log key      \(key.verifierKey)")
            }
        }
    }
}

/// `lethe keys csr`.
struct KeysCSR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csr", abstract: "Print a certificate signing request (PEM) for the issuer key.",
        discussion: "Example:\n  lethe keys csr > lethe-issuer.csr")

    @OptionGroup var issuer: IssuerOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting { () throws(LetheError) in
            print(try issuer.openApp(global).issuerCertificateRequest(), terminator: "")
        }
    }
}

/// `lethe keys import --cert FILE [--chain FILE]`.
struct KeysImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Install the certificate your CA issued for the issuer key.",
        discussion:
            "Refused unless the certificate is for this installation's key. Example:\n  lethe keys import --cert issuer.crt --chain ca-chain.pem"
    )

    @Option(name: .long, help: "The issued certificate (PEM).") var cert: String
    @Option(name: .long, help: "Intermediate certificates (PEM), issuer side first.") var chain: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var issuer: IssuerOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting(json: output.json) { () throws(LetheError) in
            func text(_ path: String) throws(LetheError) -> String {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw LetheError(.notFound, "cannot read \(path)")
                }
                return String(decoding: data, as: UTF8.self)
            }
            let identity = try issuer.openApp(global).importIssuerCertificate(
                certificatePEM: try text(cert), chainPEM: try chain.map { (path) throws(LetheError) in try text(path) },
                source: cert)
            if output.json {
                Output.printJSON([
                    "issuer_subject": .string("\(identity.certificate.subject)"),
                    "issuer_sha256": .string(identity.certificateFingerprint),
                ])
            } else {
                print("imported \(identity.certificate.subject), issued by \(identity.certificate.issuer)")
            }
        }
    }
}
