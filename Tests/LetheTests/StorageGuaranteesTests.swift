import Foundation
import Lethe
import LetheCore
import LetheStore
import LetheTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Test func theEventTableRefusesUpdateAndDelete() throws {
    let lethe = try TestInstallation()
    try lethe.app.registerAsset(laptop("LAP-1"), actor: "a")
    let before = try Snapshot(lethe)
    #expect(throws: (any Error).self) { try lethe.rawSQL("UPDATE event SET actor = 'mallory'") }
    #expect(throws: (any Error).self) { try lethe.rawSQL("DELETE FROM event") }
    #expect(throws: (any Error).self) {
        try lethe.rawSQL("INSERT INTO event (seq, recorded_at, actor, type, body) VALUES (9, 't', 'a', 'x', x'00')")
    }
    #expect(try Snapshot(lethe) == before)
}

@Test func theDataDirectoryIsCreatedPrivate() throws {
    let lethe = try TestInstallation()
    var info = stat()
    #expect(stat(lethe.dataDirectory.path, &info) == 0)
    #expect(info.st_mode & 0o777 == 0o700)
}

@Test func aDataDirectoryOthersCanReadIsRefusedOnceItHoldsData() throws {
    let lethe = try TestInstallation()
    chmod(lethe.dataDirectory.path, 0o755)
    #expect {
        try LetheApp.open(lethe.dataDirectory)
    } throws: { error in
        (error as! LetheError).code == .permission && (error as! LetheError).message.contains("chmod 700")
    }
}

@Test func aDataDirectoryThatCannotBeCreatedGivesAnIOError() throws {
    let root = TemporaryDirectory()
    let blocker = root.write("not-a-directory", "x")
    #expect {
        try LetheApp.open(DataDirectory(path: blocker + "/data"))
    } throws: { error in
        (error as! LetheError).code == .io && (error as! LetheError).message.contains(blocker)
    }
    #expect {
        try LetheApp.open(DataDirectory(path: blocker))
    } throws: { error in
        (error as! LetheError).code == .io && (error as! LetheError).message.contains("not a directory")
    }
}

@Test func aDatabaseFromANewerLetheIsRefused() throws {
    let lethe = try TestInstallation()
    try lethe.rawSQL("INSERT INTO grdb_migrations (identifier) VALUES ('v999-from-the-future')")
    #expect {
        try LetheApp.open(lethe.dataDirectory)
    } throws: { error in
        (error as! LetheError).code == .incompatible && (error as! LetheError).message.contains("newer version")
    }
}

@Test func aDatabaseLockedByAnotherProcessGivesALockedErrorAndChangesNothing() throws {
    let lethe = try TestInstallation()
    try lethe.app.registerAsset(laptop("LAP-1"), actor: "a")
    let before = try Snapshot(lethe)

    // Another process (the sqlite3 shell) holds the write lock.
    let holder = try SQLiteLockHolder(path: lethe.dataDirectory.databasePath)

    #expect {
        try lethe.app.retireAsset(tag: "LAP-1", actor: "a")
    } throws: { error in
        (error as! LetheError).code == .locked && (error as! LetheError).message.contains("locked by another process")
    }
    holder.release()
    #expect(try Snapshot(lethe) == before)
    #expect(try lethe.app.asset(tag: "LAP-1").state == .inService)
}
