import Foundation
import LetheTestSupport
import Testing

/// Whether headless Chromium, the system chromedriver and Selenium are installed (`.ci/run`
/// installs them), so the browser test can run without downloading anything.
private let browserIsInstalled: Bool = {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") else { return false }
    let ran = try? runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", "import selenium"])
    return ran?.status == 0
}()

/// The web console in a real browser: scripts/console-browser-test.py drives headless Chromium
/// against a live `lethe serve` on 127.0.0.1 with a fresh data directory (sign in, register,
/// retire and see the dashboard change, an auditor's forged post refused, a job recorded, refused
/// to its executor and attested by a verifier, its bundle verified with openssl, an erasure request
/// filed and completed, no console errors).
/// `LETHE_UPDATE_SCREENSHOTS=1` writes its screenshots to docs/images for docs/console.md.
@Suite struct ConsoleBrowserTests {
    @Test(
        .enabled(
            if: browserIsInstalled,
            "Chromium's chromedriver or Selenium is not installed (apt-get install chromium chromium-driver; pip install selenium; .ci/run does)"
        ),
        .timeLimit(.minutes(8)))
    func theConsoleWorksInABrowser() async throws {
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let work = TemporaryDirectory("lethe-console-browser")
        var arguments = [
            checkout.appendingPathComponent("scripts/console-browser-test.py").path,
            LetheCLI.executable.path, work.path,
        ]
        if ProcessInfo.processInfo.environment["LETHE_UPDATE_SCREENSHOTS"] == "1" {
            arguments.append(checkout.appendingPathComponent("docs/images").path)
        }
        // The script stops itself after 400 s and says so
        // Waited for off the cooperative pool: the script runs for tens of seconds.
        let ran = try await runProcessOffThePool(
            URL(fileURLWithPath: "/usr/bin/env"), ["python3"] + arguments, in: work.path)
        #expect(ran.status == 0, "the browser test failed:\n\(ran.output.suffix(4000))")
        #expect(ran.stdout.contains("every browser check passed"))
    }
}
