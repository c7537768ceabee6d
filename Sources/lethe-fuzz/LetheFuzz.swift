import Foundation
import LetheFuzzing

#if FUZZING
    // Built by scripts/fuzz.sh with -sanitize=fuzzer,address. SwiftPM links an executable's entry
    // point as `lethe_fuzz_main` (so that tests can link the module); here it hands control to
    // libFuzzer's driver, which parses libFuzzer's flags and calls `fuzzOneInput` for every input.
    // LETHE_FUZZ_TARGET names the parser.
    private let target: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["LETHE_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            fatalError("set LETHE_FUZZ_TARGET to one of: \(names)")
        }
        return target
    }()

    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        target.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }

    /// libFuzzer's entry for programs that have their own `main` (compiler-rt `FuzzerInterface.h`).
    @_silgen_name("LLVMFuzzerRunDriver")
    private func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    @_cdecl("lethe_fuzz_main")
    public func letheFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
    }
#else
    /// Without the fuzzer: `lethe-fuzz TARGET FILE…` runs files through a target (to replay a crash
    /// that a fuzzing run saved).
    @main
    struct LetheFuzz {
        static func main() {
            let arguments = CommandLine.arguments.dropFirst()
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
                let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
                FileHandle.standardError.write(Data("usage: lethe-fuzz \(names) FILE...\n".utf8))
                exit(64)
            }
            for path in arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: path) else {
                    FileHandle.standardError.write(Data("lethe-fuzz: cannot read \(path)\n".utf8))
                    exit(66)
                }
                target.run(Array(data))
                print("\(path): ok")
            }
        }
    }
#endif
