import ArgumentParser
import Foundation
import Lethe
import LetheCore
import LetheEvidence

/// `lethe keys`: the issuer identity that signs records.
struct KeysCommand: AsyncParsableCommand {
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
struct KeysShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show the issuer certificate and the log key.",
        discussion: "Example:\n  lethe keys show --organization 'Acme Data Services'")

    @OptionGroup var issuer: IssuerOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            let summary = try await issuer.openApp(global).evidence.issuer(by: try EvidenceReader.principal())
            if output.json {
                Output.printResult(summary)
            } else {
                print("issuer       \(summary.issuerSubject)")
                print("issued by    \(summary.issuerIssuer)\(summary.selfSigned ? " (self-signed)" : "")")
                print("sha256       \(summary.issuerSHA256)")
                print("valid until  \(summary.notAfter)")
                print("log key      \(summary.logKey)")
            }
        }
    }
}

/// `lethe keys csr`.
struct KeysCSR: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csr", abstract: "Print a certificate signing request (PEM) for the issuer key.",
        discussion: "Example:\n  lethe keys csr > lethe-issuer.csr")

    @OptionGroup var issuer: IssuerOptions
    @OptionGroup var global: GlobalOptions

    mutating func run() async throws {
        try await reporting { () async throws(LetheError) in
            print(
                try await issuer.openApp(global).evidence.certificateRequest(by: try EvidenceReader.principal()),
                terminator: "")
        }
    }
}

/// `lethe keys import --cert FILE [--chain FILE]`.
struct KeysImport: AsyncParsableCommand {
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

    mutating func run() async throws {
        try await reporting(json: output.json) { () async throws(LetheError) in
            func text(_ path: String) throws(LetheError) -> String {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw LetheError(.notFound, "cannot read \(path)")
                }
                return String(decoding: data, as: UTF8.self)
            }
            let certificatePEM = try text(cert)
            let chainPEM = try chain.map { (path) throws(LetheError) in try text(path) }
            let imported = try await issuer.openApp(global).evidence.importIssuerCertificate(
                certificatePEM: certificatePEM, chainPEM: chainPEM, source: cert, by: try EvidenceReader.principal())
            if output.json {
                Output.printResult(imported)
            } else {
                print("imported \(imported.issuerSubject), issued by \(imported.issuedBy)")
            }
        }
    }
}
