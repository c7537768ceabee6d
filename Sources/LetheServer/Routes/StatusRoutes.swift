import Hummingbird
import Lethe
import NIOCore

/// The installation: its status, the policy check and the keys (``StatusService``,
/// ``PolicyService``, ``EvidenceService``).
struct StatusRoutes {
    let app: LetheApp

    struct CertificateBody: Decodable {
        var certificatePEM: String
        var chainPEM: String?
        enum CodingKeys: String, CodingKey {
            case certificatePEM = "certificate_pem"
            case chainPEM = "chain_pem"
        }
    }

    func add(to api: RouterGroup<LetheRequestContext>) {
        let (app, status, evidence, policies) = (app, app.status, app.evidence, ServerPolicies(app: app))
        api.on(.status) { _, _, principal in JSONResult(value: try await status.report(by: principal)) }
        api.on(.checkPolicies) { _, _, principal in
            JSONResult(value: try app.policies.check(try policies.files(), by: principal))
        }
        api.on(.keys) { _, _, principal in JSONResult(value: try await evidence.issuer(by: principal)) }
        api.on(.keysCSR) { _, _, principal in
            Response(
                status: .ok, headers: [.contentType: "application/pkcs10"],
                body: .init(byteBuffer: ByteBuffer(string: try await evidence.certificateRequest(by: principal))))
        }
        api.on(.importIssuerCertificate) { request, context, principal in
            let body = try await request.decode(as: CertificateBody.self, context: context)
            return JSONResult(
                value: try await evidence.importIssuerCertificate(
                    certificatePEM: body.certificatePEM, chainPEM: body.chainPEM, source: "the API request",
                    by: principal))
        }
    }
}
