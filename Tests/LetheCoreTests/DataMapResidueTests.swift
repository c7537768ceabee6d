import Foundation
import LetheCore
import Testing

/// The `residue:` key of a postgres store: what Lethe cannot reach, declared so it becomes backups.
@Suite struct DataMapResidueTests {
    static func map(kind: String = "postgres", residue: String) -> String {
        """
        stores:
          - name: crm
            kind: \(kind)
            owner: sales
            connection: "\(kind == "postgres" ? "postgresql://u:p@db/crm" : "/tmp/crm.sqlite")"
            categories: []
            identity: {table: customers, column: email, erase: delete-row}
            residue:
        \(residue)
        """
    }

    /// Every problem the parser reported, message and details.
    static func problems(_ yaml: String) -> [String] {
        do {
            _ = try DataMap.parse(yaml: yaml, file: "m.yaml")
            return []
        } catch {
            return [error.message] + error.details
        }
    }

    @Test func aPostgresStoreDeclaresItsArchivesDumpsAndReplicas() throws {
        // Given a store with a WAL archive on a registered medium, a dump and a replica
        let yaml = Self.map(
            residue: """
                      - {name: pitr, kind: wal-archive, location: "s3://crm-wal/primary", retention: P35D, media: NAS-01}
                      - name: nightly
                        kind: dump
                        location: /srv/dumps/crm
                        retention: P1Y
                      - {name: standby, kind: replica, location: "postgresql://db-b:5432/crm"}
                """)

        // When it is parsed
        let residue = try DataMap.parse(yaml: yaml, file: "m.yaml").stores[0].residue

        // Then each entry is there in file order, with its kind, place, retention and medium
        #expect(residue.map(\.name) == ["pitr", "nightly", "standby"])
        #expect(residue.map(\.kind) == [.walArchive, .dump, .replica])
        #expect(residue[0].retention == ISODuration(days: 35) && residue[0].media == "NAS-01")
        #expect(residue[1].retention == ISODuration(years: 1) && residue[1].location == "/srv/dumps/crm")
        #expect(residue[2].retention == nil && residue[2].location == "postgresql://db-b:5432/crm")
    }

    @Test func parsesTheDocumentedPostgresExample() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/examples/postgres-store.yaml")
        let map = try DataMap.parse(yaml: try String(contentsOf: url, encoding: .utf8), file: "postgres-store.yaml")
        let residue = try #require(map.store(named: "crm")).residue
        #expect(residue.map(\.name) == ["pitr", "nightly-dump", "standby"])
        #expect(residue.map(\.kind) == [.walArchive, .dump, .replica])
        #expect(residue[0].retention == ISODuration(days: 35) && residue[0].media == "NAS-01")
        #expect(residue[1].retention == ISODuration(days: 90) && residue[2].retention == nil)
    }

    @Test func aLocationWithCredentialsIsRefusedWithItsPlace() {
        // Given locations that carry a password or a signed query
        let password = Self.problems(
            Self.map(
                residue:
                    "      - {name: pitr, kind: wal-archive, location: \"sftp://wal:hunter2@nas/wal\", retention: P35D}"
            ))
        let token = Self.problems(
            Self.map(
                residue:
                    "      - {name: d, kind: dump, location: \"https://dumps/x?X-Amz-Signature=ab12\", retention: P7D}")
        )

        // Then each is refused at its line and column, saying what to write instead, and the secret is not echoed
        #expect(password.count == 1)
        #expect(password[0].hasPrefix("m.yaml:9:"))
        #expect(password[0].contains("carries a password in 'user:password@'"))
        #expect(password[0].contains("without credentials") && password[0].contains("shown and logged"))
        #expect(!password[0].contains("hunter2"))
        #expect(token.first?.contains("query parameter 'x-amz-signature' carries a secret") == true)
        // An scp-style location with a password, and a presigned URL's session token, are secrets too;
        // paths, hosts and a user alone are not
        #expect(DeclaredResidue.credentialProblem(in: "wal:hunter2@nas01:/srv/wal") != nil)
        #expect(DeclaredResidue.credentialProblem(in: "https://b.s3/x?X-Amz-Security-Token=abc") != nil)
        for clean in ["/srv/wal", "nas01:/srv/wal", "backup@nas01:/srv/wal", "s3://crm-wal/primary?region=eu"] {
            #expect(DeclaredResidue.credentialProblem(in: clean) == nil, "\(clean)")
        }
        // A user name alone is not a secret
        #expect(
            Self.problems(
                Self.map(residue: "      - {name: r, kind: replica, location: \"postgresql://replicator@db-b/crm\"}")
            ).isEmpty)
    }

    @Test func retentionIsRequiredForArchivesAndDumpsAndRefusedForReplicas() {
        let missing = Self.problems(Self.map(residue: "      - {name: pitr, kind: wal-archive, location: /srv/wal}"))
        #expect(missing.first?.contains("residue 'pitr' of store 'crm' is missing the key 'retention'") == true)
        let replica = Self.problems(
            Self.map(residue: "      - {name: b, kind: replica, location: /srv/b, retention: P1D}"))
        #expect(replica.first?.contains("'retention' does not apply to a replica") == true)
        let bad = Self.problems(
            Self.map(residue: "      - {name: pitr, kind: wal-archive, location: /srv/wal, retention: 35 days}"))
        #expect(bad.first?.contains("must be an ISO 8601 duration such as P35D") == true)
        #expect(bad.first?.hasPrefix("m.yaml:9:") == true)
    }

    @Test func unknownKindsKeysDuplicatesAndOtherStoreKindsAreRefused() {
        let kind = Self.problems(Self.map(residue: "      - {name: a, kind: snapshot, location: /a, retention: P1D}"))
        #expect(kind.first?.contains("unknown residue kind 'snapshot'; use wal-archive, dump, replica") == true)
        let key = Self.problems(
            Self.map(residue: "      - {name: a, kind: dump, location: /a, retention: P1D, password: x}"))
        #expect(key.first?.contains("unknown key 'password' in a residue entry of store 'crm'") == true)
        let twice = Self.problems(
            Self.map(
                residue: """
                          - {name: a, kind: dump, location: /a, retention: P1D}
                          - {name: a, kind: replica, location: /b}
                    """))
        #expect(twice.first?.contains("residue 'a' is declared twice in store 'crm'") == true)
        let sqlite = Self.problems(
            Self.map(kind: "sqlite", residue: "      - {name: a, kind: dump, location: /a, retention: P1D}"))
        #expect(sqlite.first?.contains("'residue' applies only to postgres stores") == true)
        let notAList = Self.problems(Self.map(residue: "      name: a"))
        #expect(notAList.first?.contains("'residue' must be a list of entries") == true)
    }
}
