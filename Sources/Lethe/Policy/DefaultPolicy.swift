import Foundation
import LetheCore

/// The shipped default policy set (NIST SP 800-88 / IEEE 2883), compiled into the binary so that
/// Lethe works where no policy directory exists.
///
/// Its text is `policies/default.yaml`, embedded by `scripts/embed-default-policy.sh`; a test
/// fails when the two differ.
public enum DefaultPolicy {
    /// The file name the default has in `policies/` and that `lethe policy init` writes.
    public static let fileName = "default.yaml"
}
