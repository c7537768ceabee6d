import LetheCore
import Testing

@Test func hexRoundTripsAndRefusesWhatIsNotHex() {
    let bytes: [UInt8] = [0x00, 0x0F, 0x10, 0xAB, 0xFF]
    #expect(Hex.encode(bytes) == "000f10abff")
    #expect(Hex.decode("000f10abff") == bytes)
    #expect(Hex.decode("000F10ABFF") == bytes)
    #expect(Hex.decode("") == [])
    #expect(Hex.decode("abc") == nil, "odd count")
    #expect(Hex.decode("0g") == nil, "not a hex digit")
    #expect(Hex.decode(" 00") == nil)
}
