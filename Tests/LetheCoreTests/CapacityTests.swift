import LetheCore
import Testing

@Test(arguments: [
    ("512GB", Int64(512_000_000_000)), ("512 gb", 512_000_000_000), ("1.5 TiB", 1_649_267_441_664),
    ("1000204886016", 1_000_204_886_016), ("4KiB", 4096), ("0", 0), ("2.25 KB", 2250), ("1 B", 1),
    ("16 MiB", 16_777_216), ("3T", 3_000_000_000_000),
])
func parsesCapacities(text: String, bytes: Int64) throws {
    #expect(try Capacity.parse(text) == bytes)
}

@Test(arguments: ["", "GB", "12 XB", "1.2.3GB", "-5GB", ".5GB", "1.5", "1.0001 KB", "99999999 PB", "12GB extra"])
func refusesMalformedCapacities(text: String) {
    #expect {
        try Capacity.parse(text)
    } throws: { error in
        (error as? LetheError)?.code == .invalidInput && (error as? LetheError)?.message.contains("'\(text)'") == true
    }
}

@Test func formatsForPeople() {
    #expect(Capacity.format(512_000_000_000) == "512 GB")
    #expect(Capacity.format(1_649_267_441_664) == "1.6 TB")
    #expect(Capacity.format(999) == "999 B")
    #expect(Capacity.format(1_250_000) == "1.3 MB")
}
