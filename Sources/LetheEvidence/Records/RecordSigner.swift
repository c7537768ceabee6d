import Crypto
import Foundation
import LetheCore
import SwiftASN1
@_spi(CMS) import X509

/// Signs many records at one signing time with the bytes swift-certificates' `CMS.sign` writes,
/// without rebuilding and re-serialising the SignedData around each signature.
///
/// `CMS.sign` builds the SignedData's value types, erases them to `ASN1Any` and serialises the
/// issuer certificates again for every signature. For one identity and one signing time only
/// two things change per record: the message digest attribute and the ECDSA signature. So
/// ``init(identity:at:)`` calls `CMS.sign` once, takes its DER apart into the parts that stay the
/// same (version, digest algorithms, encapsulated content type, certificates, signer identifier,
/// signing-time and content-type attributes, signature algorithm), and ``sign(_:)`` puts them
/// back together around the new digest and signature. The result is the same DER as `CMS.sign`
/// (the tests compare them byte for byte, given the same signature), a detached CMS SignedData
/// that `openssl cms -verify` and ``RecordSignature/verify(_:signature:trustRoots:)`` accept.
///
/// When the key is not P-256 (or the template does not reproduce `CMS.sign`'s bytes) the signer falls back to ``RecordSignature/sign(_:identity:at:)``.
public struct RecordSigner: Sendable {
    /// The pieces of the template, or nil for the fallback.
    private let template: Template?
    private let identity: IssuerIdentity
    private let time: Date

    private struct Template: Sendable {
        /// The P-256 key (the certificate's key: checked at init).
        var key: SigningKey
        /// The ContentInfo's `contentType` OID TLV (id-signedData).
        var contentTypeTLV: [UInt8]
        /// SignedData's fields before `signerInfos`: version, digestAlgorithms, encapContentInfo, certificates.
        var signedDataHead: [UInt8]
        /// SignerInfo's fields before `signedAttrs`: version, sid, digestAlgorithm.
        var signerHead: [UInt8]
        /// SignerInfo's `signatureAlgorithm` TLV.
        var signatureAlgorithmTLV: [UInt8]
        /// The signed attributes other than the message digest, each a full TLV.
        var fixedAttributes: [[UInt8]]
        /// The message-digest attribute's TLV without the 32 digest bytes at its end.
        var messageDigestPrefix: [UInt8]
    }

    /// A signer for `identity` at `time`. With `useTemplate` false (worth it only for a few
    /// records: building the template costs a signature) every record is signed by `CMS.sign`.
    public init(identity: IssuerIdentity, at time: Date, useTemplate: Bool = true) throws(LetheError) {
        self.identity = identity
        self.time = time
        guard useTemplate, let key = Self.p256Key(identity) else {
            template = nil
            return
        }
        // Should swift-certificates ever write something the template does not reproduce, every
        // record is signed by `CMS.sign` itself.
        let reference = try RecordSignature.sign([], identity: identity, at: time)
        template = try? Self.template(from: reference, key: key)
    }

    /// The detached CMS SignedData (DER) over `bytes`.
    public func sign(_ bytes: [UInt8]) throws(LetheError) -> [UInt8] {
        try sign(bytes, digest: Array(SHA256.hash(data: bytes)))
    }

    /// The detached CMS SignedData (DER) over `bytes`, whose SHA-256 the caller has computed
    /// already (it is in the record's issuance event too).
    public func sign(_ bytes: [UInt8], digest: [UInt8]) throws(LetheError) -> [UInt8] {
        if let signature = try sign(digest: digest) { return signature }
        return try RecordSignature.sign(bytes, identity: identity, at: time)
    }

    /// The detached CMS SignedData (DER) over bytes whose SHA-256 is `digest`, signed from the
    /// template without the bytes themselves (a record too large to hold in memory); nil when
    /// this signer has no template, which must be given the bytes.
    public func sign(digest: [UInt8]) throws(LetheError) -> [UInt8]? {
        guard let template else { return nil }
        let attributes = Self.signedAttributesDER(template, digest: digest)
        let signature: [UInt8]
        do {
            signature = Array(try template.key.key.signature(for: attributes).derRepresentation)
        } catch {
            throw LetheError(.internal, "cannot sign the record: \(error)")
        }
        return Self.assemble(template, signedAttributes: attributes, signature: signature)
    }

    /// What ``sign(_:)`` writes for a message digest and a given signature (for the tests that
    /// compare it with `CMS.sign`'s bytes); nil for the fallback signer.
    func assemble(messageDigest: [UInt8], signature: [UInt8]) -> [UInt8]? {
        guard let template else { return nil }
        return Self.assemble(
            template, signedAttributes: Self.signedAttributesDER(template, digest: messageDigest), signature: signature)
    }

    /// Whether this signer uses the template (the key is P-256).
    var usesTemplate: Bool { template != nil }

    // MARK: - Building

    private static func assemble(_ template: Template, signedAttributes: [UInt8], signature: [UInt8]) -> [UInt8] {
        // signedAttrs is [0] IMPLICIT: the SET's tag becomes context-specific constructed 0.
        let attributesContent = signedAttributes.count - headerLength(ofTLV: signedAttributes)
        let signerContent =
            template.signerHead.count + tlvLength(attributesContent) + template.signatureAlgorithmTLV.count
            + tlvLength(signature.count)
        let signerInfos = tlvLength(tlvLength(signerContent))
        let signedDataContent = template.signedDataHead.count + signerInfos
        let contentInfoContent = template.contentTypeTLV.count + tlvLength(tlvLength(signedDataContent))
        var out: [UInt8] = []
        out.reserveCapacity(tlvLength(contentInfoContent))
        out.append(0x30)
        appendLength(contentInfoContent, to: &out)
        out.append(contentsOf: template.contentTypeTLV)
        out.append(0xA0)
        appendLength(tlvLength(signedDataContent), to: &out)
        out.append(0x30)
        appendLength(signedDataContent, to: &out)
        out.append(contentsOf: template.signedDataHead)
        out.append(0x31)
        appendLength(tlvLength(signerContent), to: &out)
        out.append(0x30)
        appendLength(signerContent, to: &out)
        out.append(contentsOf: template.signerHead)
        out.append(0xA0)
        appendLength(attributesContent, to: &out)
        out.append(contentsOf: signedAttributes[headerLength(ofTLV: signedAttributes)...])
        out.append(contentsOf: template.signatureAlgorithmTLV)
        out.append(0x04)
        appendLength(signature.count, to: &out)
        out.append(contentsOf: signature)
        return out
    }

    /// The size of a TLV whose value is `length` bytes (one-byte tag, DER definite length).
    private static func tlvLength(_ length: Int) -> Int { 1 + lengthSize(length) + length }

    private static func lengthSize(_ length: Int) -> Int {
        if length < 0x80 { return 1 }
        var bytes = 0
        var rest = length
        while rest > 0 {
            bytes += 1
            rest >>= 8
        }
        return 1 + bytes
    }

    private static func appendLength(_ length: Int, to out: inout [UInt8]) {
        if length < 0x80 {
            out.append(UInt8(length))
            return
        }
        let size = lengthSize(length) - 1
        out.append(0x80 | UInt8(size))
        for shift in stride(from: (size - 1) * 8, through: 0, by: -8) { out.append(UInt8((length >> shift) & 0xFF)) }
    }

    /// Tag and length bytes of a one-byte-tag TLV.
    private static func headerLength(ofTLV bytes: [UInt8]) -> Int {
        bytes[1] < 0x80 ? 2 : 2 + Int(bytes[1] & 0x7F)
    }

    // MARK: - Taking the reference apart

    private static func p256Key(_ identity: IssuerIdentity) -> P256.Signing.PrivateKey? {
        guard let pem = try? identity.privateKey.serializeAsPEM().pemString,
            let key = try? P256.Signing.PrivateKey(pemRepresentation: pem),
            Certificate.PublicKey(key.publicKey) == identity.certificate.publicKey
        else { return nil }
        return key
    }

    /// The key, shared by the signing threads: BoringSSL only reads an EC key to sign with it.
    private final class SigningKey: @unchecked Sendable {
        let key: P256.Signing.PrivateKey
        init(_ key: P256.Signing.PrivateKey) { self.key = key }
    }

    private struct TemplateError: Error, CustomStringConvertible {
        var description: String
    }

    private static func children(_ node: ASN1Node) throws -> [ASN1Node] {
        guard case .constructed(let nodes) = node.content else {
            throw TemplateError(description: "expected a constructed node, got \(node.identifier)")
        }
        return Array(nodes)
    }

    /// The template of `reference`, a `CMS.sign` signature over the empty message.
    private static func template(from reference: [UInt8], key: P256.Signing.PrivateKey) throws -> Template {
        let contentInfo = try children(DER.parse(reference))
        guard contentInfo.count == 2 else {
            throw TemplateError(description: "ContentInfo has \(contentInfo.count) fields")
        }
        guard let signedDataNode = try children(contentInfo[1]).first else {
            throw TemplateError(description: "ContentInfo has no content")
        }
        let signedData = try children(signedDataNode)
        guard signedData.count == 5 else {
            throw TemplateError(description: "SignedData has \(signedData.count) fields")
        }
        let signerInfos = try children(signedData[4])
        guard signerInfos.count == 1 else { throw TemplateError(description: "\(signerInfos.count) signer infos") }
        let signer = try children(signerInfos[0])
        guard signer.count == 6, signer[3].identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
        else {
            throw TemplateError(
                description: "the SignerInfo is not version, sid, digest, attributes, algorithm, signature")
        }
        let emptyDigest = Array(SHA256.hash(data: [UInt8]()))
        let messageDigestOID: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x04]
        var fixed: [[UInt8]] = []
        var digestPrefix: [UInt8]?
        for attribute in try children(signer[3]) {
            let bytes = Array(attribute.encodedBytes)
            let fields = try children(attribute)
            if Array(fields[0].encodedBytes) == messageDigestOID {
                guard bytes.suffix(32).elementsEqual(emptyDigest), digestPrefix == nil else {
                    throw TemplateError(description: "unexpected message-digest attribute")
                }
                digestPrefix = Array(bytes.dropLast(32))
            } else {
                fixed.append(bytes)
            }
        }
        guard let digestPrefix else { throw TemplateError(description: "no message-digest attribute") }
        let template = Template(
            key: SigningKey(key), contentTypeTLV: Array(contentInfo[0].encodedBytes),
            signedDataHead: signedData[0..<4].flatMap { Array($0.encodedBytes) },
            signerHead: signer[0..<3].flatMap { Array($0.encodedBytes) },
            signatureAlgorithmTLV: Array(signer[4].encodedBytes), fixedAttributes: fixed,
            messageDigestPrefix: digestPrefix)
        // The template must give back the reference exactly, given its own signature.
        guard case .primitive(let signature) = signer[5].content,
            assemble(
                template, signedAttributes: signedAttributesDER(template, digest: emptyDigest),
                signature: Array(signature)) == reference
        else { throw TemplateError(description: "the template does not reproduce CMS.sign's bytes") }
        return template
    }

    /// The DER of the SignedAttributes as signed: `SET OF Attribute`, sorted as DER requires.
    private static func signedAttributesDER(_ template: Template, digest: [UInt8]) -> [UInt8] {
        var attributes = template.fixedAttributes
        attributes.append(template.messageDigestPrefix + digest)
        attributes.sort { $0.lexicographicallyPrecedes($1) }
        let length = attributes.reduce(0) { $0 + $1.count }
        var out: [UInt8] = []
        out.reserveCapacity(length + 4)
        out.append(0x31)
        appendLength(length, to: &out)
        for attribute in attributes { out.append(contentsOf: attribute) }
        return out
    }
}
