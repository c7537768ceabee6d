import Foundation
import LetheCore
import LethePostgres
import LetheSanitize
import LetheTestSupport
import Testing

/// `sslmode` against a real TLS server: the test cluster with `ssl=on`, its certificate (for
/// `localhost` only) signed by a throwaway CA, and TCP logins over TLS only.
@Suite(.enabled(if: PostgresCluster.tls.available, Comment(rawValue: PostgresCluster.tls.skipReason)))
struct PostgresTLSTests {
    let executor = PostgresErasureExecutor(hasher: PostgresCRM.hasher)

    func url(_ crm: PostgresCRM, host: String, _ parameters: String) -> String {
        crm.cluster.url(database: crm.database, host: host, parameters: parameters)
    }

    @Test func verifyFullWithTheRightCertificateAuthorityAndHostScansAndErases() async throws {
        // Given the CRM on the TLS server and a connection string that checks the chain and the name
        let crm = try PostgresCRM("tls_full", cluster: .tls)
        let ca = try #require(crm.cluster.certificateAuthority)
        let store = crm.store(url: url(crm, host: "localhost", "sslmode=verify-full&sslrootcert=\(ca)"))
        let executor = self.executor

        // When the store is scanned and the subject erased
        let scanned = try await onThread { try executor.scanIdentities(store: store) { _ in } }
        let result = try await onThread { try executor.erase(identifier: PostgresCRM.subject, store: store) }

        // Then both ran over TLS (the server refuses plain TCP logins) and did their work
        #expect(scanned == 200)
        #expect(result.subjectRows == 1)
        #expect(try crm.sql("SELECT count(*) FROM tickets WHERE customer_id = 7") == "0\n")
    }

    @Test func verifyCAChecksTheChainButNotTheName() async throws {
        // Given a connection by address: the certificate names localhost only
        let crm = try PostgresCRM("tls_ca", cluster: .tls)
        let ca = try #require(crm.cluster.certificateAuthority)
        let executor = self.executor
        let byAddress = crm.store(url: url(crm, host: "127.0.0.1", "sslmode=verify-ca&sslrootcert=\(ca)"))

        // When the store is scanned with verify-ca
        let scanned = try await onThread { try executor.scanIdentities(store: byAddress) { _ in } }

        // Then the chain is enough: every identity was read over TLS
        #expect(scanned == 200)
    }

    @Test func verifyFullRefusesTheWrongHostName() async throws {
        // Given verify-full by address, where the certificate names localhost only
        let crm = try PostgresCRM("tls_host", cluster: .tls)
        let ca = try #require(crm.cluster.certificateAuthority)
        let store = crm.store(url: url(crm, host: "127.0.0.1", "sslmode=verify-full&sslrootcert=\(ca)"))
        let before = try crm.dump()
        let executor = self.executor

        // When the subject is erased
        let error = await #expect(throws: LetheError.self) {
            _ = try await onThread { try executor.erase(identifier: PostgresCRM.subject, store: store) }
        }

        // Then the run fails saying the certificate is not for that host, and nothing changed
        #expect(error?.code == .permission)
        #expect(error?.message.contains("not for that host") == true)
        #expect(error?.message.contains("127.0.0.1:\(crm.cluster.port)") == true)
        #expect(error?.message.contains(crm.cluster.password) == false)
        #expect(try crm.dump() == before)
    }

    @Test func verifyFullRefusesACertificateFromAnotherAuthority() async throws {
        // Given verify-full by the right name but trusting another CA
        let crm = try PostgresCRM("tls_wrong_ca", cluster: .tls)
        let other = try #require(crm.cluster.otherCertificateAuthority)
        let executor = self.executor
        let before = try crm.dump()

        // When the store is scanned with verify-full, or with verify-ca
        var errors: [LetheError?] = []
        for mode in ["verify-full", "verify-ca"] {
            let store = crm.store(url: url(crm, host: "localhost", "sslmode=\(mode)&sslrootcert=\(other)"))
            errors.append(
                await #expect(throws: LetheError.self) {
                    _ = try await onThread { try executor.scanIdentities(store: store) { _ in } }
                })
        }

        // Then each fails saying the certificate was not accepted and what sslrootcert must be
        for error in errors {
            #expect(error?.code == .permission)
            #expect(error?.message.contains("certificate was not accepted") == true)
            #expect(error?.message.contains("sslrootcert must be the PEM file") == true)
        }
        #expect(try crm.dump() == before)
    }

    @Test func requireEncryptsWithoutCheckingAndDisableIsRefusedByTheServer() async throws {
        // Given connection strings with sslmode=require (no CA given) and sslmode=disable
        let crm = try PostgresCRM("tls_require", cluster: .tls)
        let executor = self.executor
        let required = crm.store(url: url(crm, host: "127.0.0.1", "sslmode=require"))
        let plain = crm.store(url: url(crm, host: "127.0.0.1", "sslmode=disable"))

        // When the store is scanned with each
        let scanned = try await onThread { try executor.scanIdentities(store: required) { _ in } }
        let refused = await #expect(throws: LetheError.self) {
            _ = try await onThread { try executor.scanIdentities(store: plain) { _ in } }
        }

        // Then require works over TLS, and the plain connection is refused by the server's rules
        #expect(scanned == 200)
        #expect(refused?.code == .permission)
        #expect(refused?.message.contains("no encryption") == true)
    }
}
