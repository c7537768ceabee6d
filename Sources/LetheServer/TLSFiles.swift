import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Lethe
import LetheCore
import NIOCore
import NIOSSL

/// The TLS certificate and key `lethe serve` reads (PEM), turned into Hummingbird's server.
enum TLSFiles {
    /// HTTP/1.1, over TLS when the configuration names a certificate and key, closing a
    /// connection idle for the configured ``ServerConfiguration/idleTimeout``, and one whose
    /// client already holds as many as `clients` allows.
    ///
    /// - Throws: `permission` for a key file that group or others can read; `invalid-input` for
    ///   files that are not PEM certificates or keys; `not-found` for a missing file.
    static func serverBuilder(
        _ configuration: ServerConfiguration, clients: ClientConnections
    ) throws(LetheError) -> HTTPServerBuilder {
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ClientConnectionLimitHandler(clients)],
            idleTimeout: TimeAmount(configuration.idleTimeout))
        guard let certificatePath = configuration.tlsCertificatePath, let keyPath = configuration.tlsKeyPath else {
            return .http1(configuration: http1)
        }
        let tls = try tlsConfiguration(certificatePath: certificatePath, keyPath: keyPath)
        do {
            return try .tls(.http1(configuration: http1), tlsConfiguration: tls)
        } catch {
            throw LetheError(.invalidInput, "TLS cannot be set up with \(certificatePath) and \(keyPath): \(error)")
        }
    }

    /// The server's TLS configuration from a PEM certificate chain and a PEM private key.
    static func tlsConfiguration(certificatePath: String, keyPath: String) throws(LetheError) -> TLSConfiguration {
        guard let keyBytes = try PrivateFile.read(keyPath) else {
            throw LetheError(.notFound, "the TLS key \(keyPath) does not exist (--tls-key)")
        }
        guard FileManager.default.fileExists(atPath: certificatePath) else {
            throw LetheError(.notFound, "the TLS certificate \(certificatePath) does not exist (--tls-cert)")
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw LetheError(.invalidInput, "\(certificatePath) is not a PEM certificate chain (--tls-cert)")
        }
        guard !chain.isEmpty else {
            throw LetheError(.invalidInput, "\(certificatePath) holds no PEM certificate (--tls-cert)")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem)
        } catch {
            throw LetheError(.invalidInput, "\(keyPath) is not a PEM private key (--tls-key)")
        }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        return tls
    }
}
