// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Lethe",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lethe", targets: ["lethe"]),
        .library(name: "Lethe", targets: ["Lethe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/yaslab/CSV.swift", exact: "2.5.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // SubjectHasher uses swift-crypto's BoringSSL module (not a product): pin the exact version,
        // so an update that renames it cannot quietly drop the fast path (a test checks it is built).
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        // CMS signing is SPI in swift-certificates: pin the exact version.
        .package(url: "https://github.com/apple/swift-certificates", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // The service: its scheduler and webhook deliveries run as services beside the HTTP server.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // The web console's server-rendered templates (compiled into the binary as string literals).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        .target(
            name: "LetheCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "LetheStore",
            dependencies: [
                "LetheCore",
                // A record too large to hold is checked against its signed digest as it is stored.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                // The import's hot insert binds through the SQLite C API of GRDB's own statement.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "LetheEvidence",
            dependencies: [
                "LetheCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .target(
            name: "LetheSanitize",
            dependencies: [
                "LetheCore",
                .product(name: "Crypto", package: "swift-crypto"),
                // The database erasure executors and verifiers work on the customer's SQLite stores.
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // cairo's PDF surface renders reports as PDF (Debian: libcairo2-dev; .ci/run installs it).
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        // glibc's <malloc.h> (mallopt), for the command's memory tuning; part of libc.
        .systemLibrary(name: "CMalloc"),
        .target(
            name: "LethePostgres",
            dependencies: [
                // The PostgreSQL erasure executor: the only target that links postgres-nio.
                "LetheCore", "LetheSanitize",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Lethe",
            dependencies: [
                "LetheCore", "LetheStore", "LetheEvidence", "LetheSanitize", "CCairo", "LethePostgres",
                .product(name: "CSV", package: "CSV.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                // Passwords: scrypt (a memory-hard KDF) from swift-crypto's extras.
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "LetheServer",
            dependencies: [
                "Lethe", "LetheCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "lethe",
            dependencies: [
                // LetheCore's values (errors, vocabularies, dates), LetheEvidence's bundle and key types
                // and LetheStore's query values cross the edge; storage itself is reached only through Lethe.
                "Lethe", "LetheCore", "LetheEvidence", "LetheStore", "LetheServer", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Fuzzing: the parsers of outside input behind one entry point (scripts/fuzz.sh builds
        // lethe-fuzz with -sanitize=fuzzer,address; LetheFuzzingTests replays the corpus).
        .target(
            name: "LetheFuzzing", dependencies: ["Lethe", "LetheCore", "LetheEvidence", "LetheSanitize", "LetheStore"]),
        .executableTarget(name: "lethe-fuzz", dependencies: ["LetheFuzzing"]),
        .target(
            name: "LetheTestSupport", dependencies: ["Lethe", "LetheStore", "LetheCore"], path: "Tests/LetheTestSupport"
        ),
        .testTarget(name: "LetheCoreTests", dependencies: ["LetheCore"]),
        .testTarget(
            name: "LetheStoreTests",
            dependencies: [
                "LetheStore", "LetheCore", "LetheTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .testTarget(
            name: "LetheEvidenceTests",
            dependencies: [
                "LetheEvidence", "LetheCore", "LetheTestSupport", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]),
        .testTarget(
            name: "LetheSanitizeTests",
            dependencies: [
                "LetheSanitize", "LetheCore", "LetheTestSupport", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "LetheTests",
            dependencies: ["Lethe", "LetheCore", "LetheEvidence", "LetheSanitize", "LetheStore", "LetheTestSupport"]),
        .testTarget(
            name: "letheTests",
            dependencies: [
                "LetheTestSupport",
                // The kill test talks to a running 'lethe serve' over HTTP.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ], exclude: ["Fixtures"]),
        .testTarget(
            name: "LetheServerTests",
            dependencies: [
                "LetheServer", "Lethe", "LetheCore", "LetheTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "LethePostgresTests",
            dependencies: ["LethePostgres", "LetheSanitize", "LetheCore", "LetheTestSupport"]),
        .testTarget(name: "LetheFuzzingTests", dependencies: ["LetheFuzzing"], exclude: ["Corpus"]),
    ]
)
