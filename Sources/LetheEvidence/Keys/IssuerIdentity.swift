import Crypto
import Foundation
import LetheCore
import SwiftASN1
import X509

/// The organisation's signing identity for records: a P-256 key and its X.509 certificate
/// (self-signed by default, or issued by the organisation's CA), with any intermediates.
public struct IssuerIdentity: Sendable {
    /// The private key.
    public let privateKey: Certificate.PrivateKey
    /// The issuer certificate first, then the chain towards the CA.
    public let certificates: [Certificate]

    /// The issuer's certificate.
    public var certificate: Certificate { certificates[0] }

    /// Refuses to sign at `time` with a certificate that is not valid then (a record signed
    /// outside its certificate's validity would fail every verifier).
    public func checkValidity(at time: Date) throws(LetheError) {
        guard certificate.notValidBefore <= time, time <= certificate.notValidAfter else {
            throw LetheError(
                .conflict,
                "the issuer certificate is valid from \(RFC3339.format(certificate.notValidBefore)) to \(RFC3339.format(certificate.notValidAfter)), not at \(RFC3339.format(time)); import a current one with 'lethe keys import' (nothing was issued)"
            )
        }
    }

    /// The SHA-256 of the issuer certificate's DER, lowercase hex (its fingerprint).
    public var certificateFingerprint: String { Self.fingerprint(certificate) }

    /// The SHA-256 of a certificate's DER, lowercase hex.
    public static func fingerprint(_ certificate: Certificate) -> String {
        var serializer = DER.Serializer()
        // Serializing a parsed or built certificate cannot fail.
        try! serializer.serialize(certificate)
        return Hex.encode(SHA256.hash(data: serializer.serializedBytes))
    }

    /// A key and chain; the certificate must be for the key.
    public init(privateKey: Certificate.PrivateKey, certificates: [Certificate]) throws(LetheError) {
        guard let first = certificates.first else {
            throw LetheError(.invalidInput, "an issuer identity needs a certificate")
        }
        guard first.publicKey == privateKey.publicKey else {
            throw LetheError(
                .invalidInput,
                "the certificate (subject \(first.subject)) is not for this installation's issuer key; import the certificate issued for 'lethe keys csr'"
            )
        }
        self.privateKey = privateKey
        self.certificates = certificates
    }

    /// The subject for an organisation: CN and O are its name.
    static func subject(organization: String) throws(LetheError) -> DistinguishedName {
        do {
            return try DistinguishedName {
                CommonName(organization + " disposal records")
                OrganizationName(organization)
            }
        } catch {
            throw LetheError(
                .invalidInput, "organisation name '\(organization)' cannot be a certificate name: \(error)")
        }
    }

    /// A new P-256 key with a self-signed certificate valid for 20 years from `now`: a CA with
    /// path length 0 whose key usage allows signing records (digital signature, non-repudiation)
    /// and itself (certificate signing), so that `openssl cms -verify -CAfile` accepts it.
    /// Pass `key` to certify an existing key (one whose certificate was lost); by default a new one is made.
    public static func selfSigned(
        organization: String, now: Date, key: Certificate.PrivateKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
    ) throws(LetheError) -> IssuerIdentity {
        let name = try subject(organization: organization)
        do {
            let notBefore = Date(timeIntervalSince1970: floor(now.timeIntervalSince1970) - 60)
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
                notValidBefore: notBefore, notValidAfter: notBefore.addingTimeInterval(20 * 366 * 86_400),
                issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(digitalSignature: true, nonRepudiation: true, keyCertSign: true))
                    SubjectKeyIdentifier(hash: key.publicKey)
                },
                issuerPrivateKey: key)
            return try IssuerIdentity(privateKey: key, certificates: [certificate])
        } catch let error as LetheError {
            throw error
        } catch {
            throw LetheError(.internal, "cannot create the issuer certificate: \(error)")
        }
    }

    /// A PKCS #10 request for the organisation's CA, signed by the issuer key.
    public func certificateSigningRequest(organization: String) throws(LetheError) -> String {
        do {
            let request = try CertificateSigningRequest(
                version: .v1, subject: try Self.subject(organization: organization), privateKey: privateKey,
                attributes: CertificateSigningRequest.Attributes(), signatureAlgorithm: .ecdsaWithSHA256)
            return try request.serializeAsPEM().pemString + "\n"
        } catch let error as LetheError {
            throw error
        } catch {
            throw LetheError(.internal, "cannot create the certificate signing request: \(error)")
        }
    }

    /// The certificates as PEM, issuer first.
    public var certificatesPEM: String {
        get throws(LetheError) {
            do {
                return try certificates.map { try $0.serializeAsPEM().pemString + "\n" }.joined()
            } catch {
                throw LetheError(.internal, "cannot encode the issuer certificate: \(error)")
            }
        }
    }

    /// The private key as PEM (PKCS #8), for the 0600 key file.
    public var privateKeyPEM: String {
        get throws(LetheError) {
            do {
                return try privateKey.serializeAsPEM().pemString + "\n"
            } catch {
                throw LetheError(.internal, "cannot encode the issuer key: \(error)")
            }
        }
    }

    /// Reads PEM certificates (one or more), naming `source` in errors.
    public static func certificates(pem text: String, source: String) throws(LetheError) -> [Certificate] {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: text)
        } catch {
            throw LetheError(.invalidInput, "\(source) is not PEM: \(error)")
        }
        var result: [Certificate] = []
        for (index, document) in documents.enumerated() {
            do {
                result.append(try Certificate(pemDocument: document))
            } catch {
                throw LetheError(
                    .invalidInput, "\(source): PEM block \(index + 1) is not an X.509 certificate: \(error)")
            }
        }
        guard !result.isEmpty else { throw LetheError(.invalidInput, "\(source) holds no certificate") }
        return result
    }

    /// Reads the key file's PEM.
    public static func privateKey(pem text: String, source: String) throws(LetheError) -> Certificate.PrivateKey {
        do {
            return try Certificate.PrivateKey(pemEncoded: text)
        } catch {
            throw LetheError(.invalidInput, "\(source) is not a PEM private key: \(error)")
        }
    }
}
