import Foundation
import LetheCore
import SwiftASN1
@_spi(CMS) @_spi(FixedExpiryValidationTime) import X509

/// Detached CMS SignedData over a record's exact bytes: ECDSA P-256 with SHA-256, the issuer's
/// certificates embedded, and the signing time as a signed attribute.
public enum RecordSignature {
    /// Signs `bytes` and returns the DER `.p7s`.
    public static func sign(_ bytes: [UInt8], identity: IssuerIdentity, at time: Date) throws(LetheError) -> [UInt8] {
        do {
            return try CMS.sign(
                bytes, signatureAlgorithm: .ecdsaWithSHA256,
                additionalIntermediateCertificates: Array(identity.certificates.dropFirst()),
                certificate: identity.certificate, privateKey: identity.privateKey, signingTime: time, detached: true)
        } catch {
            throw LetheError(.internal, "cannot sign the record: \(error)")
        }
    }

    /// What a valid signature tells.
    public struct Verified: Sendable {
        /// The signer's certificate.
        public var signer: Certificate
        /// The signing time it carries.
        public var signingTime: Date?
    }

    /// Checks a detached signature over `bytes`: strict DER, one signer, the signature valid and
    /// the signer chaining to one of `trustRoots` at the signing time.
    public static func verify(
        _ bytes: [UInt8], signature: [UInt8], trustRoots: [Certificate]
    ) async throws(LetheError) -> Verified {
        let parsed: CMSSignature
        do {
            parsed = try CMSSignature(derEncoded: signature)
            var serializer = DER.Serializer()
            try serializer.serialize(parsed)
            guard serializer.serializedBytes == signature else {
                throw LetheError(.invalidInput, "the signature is not in canonical DER")
            }
        } catch let error as LetheError {
            throw error
        } catch {
            throw LetheError(.invalidInput, "the signature is not CMS SignedData in DER: \(error)")
        }
        let signers: [CMSSignature.Signer]
        do {
            signers = try parsed.signers
        } catch {
            throw LetheError(.invalidInput, "the signature's signer cannot be read: \(error)")
        }
        guard signers.count == 1, let signer = signers.first else {
            throw LetheError(.invalidInput, "the signature must have exactly one signer with its certificate")
        }
        let time = signer.signingTime ?? Date()
        let result = await CMS.isValidSignature(
            dataBytes: bytes, signatureBytes: signature, trustRoots: CertificateStore(trustRoots)
        ) {
            RFC5280Policy(fixedExpiryValidationTime: time)
        }
        switch result {
        case .success(let valid):
            return Verified(signer: valid.signer, signingTime: signer.signingTime)
        case .failure(let failure):
            throw LetheError(.invalidInput, "the CMS signature does not verify: \(Self.describe(failure))")
        }
    }

    /// A verification failure in words an auditor can act on (not the library's debug dump).
    static func describe(_ failure: CMS.VerificationError) -> String {
        switch failure {
        case .unableToValidateSigner(let refusal):
            let signer = "the signer's certificate (\(refusal.signer.subject))"
            guard !refusal.policyFailures.isEmpty else {
                return
                    "\(signer) does not chain to any trusted certificate: it was not issued by the issuer or CA given (check --trust, or the bundle's issuer.pem)"
            }
            let reasons = Set(refusal.policyFailures.map { "\($0.policyFailureReason)" }).sorted()
            return "\(signer) was refused: \(reasons.joined(separator: "; "))"
        case .invalidCMSBlock(let block):
            return "the signature does not match the record (\(block.reason)): record.json or record.p7s was changed"
        }
    }
}

extension RecordSignature {
    /// The certificates embedded in a signature, as PEM (the signer's first where it can be told).
    public static func embeddedCertificatesPEM(_ signature: [UInt8]) throws(LetheError) -> String {
        do {
            let parsed = try CMSSignature(derEncoded: signature)
            let signer = try parsed.signers.first?.certificate
            var certificates = parsed.certificates
            if let signer, let position = certificates.firstIndex(of: signer) {
                certificates.insert(certificates.remove(at: position), at: 0)
            }
            return try certificates.map { try $0.serializeAsPEM().pemString + "\n" }.joined()
        } catch {
            throw LetheError(.internal, "cannot read the certificates of a stored signature: \(error)")
        }
    }
}
