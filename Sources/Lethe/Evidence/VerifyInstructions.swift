import LetheCore

/// The `VERIFY.txt` of a bundle: the exact commands that check each part by hand.
enum VerifyInstructions {
    static func text(serial: String, logIndex: Int64, signingTime: String) -> String {
        let title = "Evidence bundle for record \(serial)"
        return """
            \(title)
            \(String(repeating: "=", count: title.count))

            Files
              record.json     the record: canonical JSON, the exact bytes that were signed
              record.p7s      detached CMS signature of record.json (DER; ECDSA P-256, SHA-256; issuer certificate embedded)
              issuer.pem      the issuer's certificate (and chain) taken from record.p7s
              log-entry.json  the evidence-log entry that records the issuance (entry \(logIndex))
              log-proof.txt   C2SP tlog-proof: the inclusion proof of that entry and the signed checkpoint it leads to
              log-key.pub     the log's public key: a signed-note verifier key line, then PEM
              record.html     the record for people to read (not signed)

            Everything below runs offline with openssl, sha256sum and python3.

            1. The signature (proves: record.json was signed by the key of the certificate in issuer.pem)

               openssl cms -verify -binary -inform DER -in record.p7s -content record.json -CAfile issuer.pem -purpose any -out /dev/null

               It prints "CMS Verification successful". If the organisation's CA issued the certificate, use
               its root as -CAfile instead of issuer.pem. For an old record whose certificate has since
               expired, add -attime with the signing time (\(signingTime)) as seconds since 1970, e.g.
               -attime $(date -d \(signingTime) +%s).

            2. The issuance entry names this record (proves: the log entry is about these exact files)

               sha256sum record.json record.p7s
               grep -o '"record_sha256":"[0-9a-f]*"' log-entry.json
               grep -o '"signature_sha256":"[0-9a-f]*"' log-entry.json

               The two digests must equal record_sha256 and signature_sha256; "seq" in log-entry.json must be
               the record's log_index + 1 (\(logIndex + 1)).

            3. The checkpoint's signature (proves: the log's key signed this tree size and root)

               head -n 1 log-key.pub | cut -d+ -f3- | base64 -d | tail -c 32 | base64
               openssl pkey -pubin -in log-key.pub -outform DER | tail -c 32 | base64

               The two must print the same line: the key on the verifier key line (the log key's name and
               id, which you compare with the one you keep) is the PEM key openssl uses below.

               awk 'f{print} /^$/{f=1}' log-proof.txt > checkpoint.txt
               head -n 3 checkpoint.txt > checkpoint-body.txt
               tail -n 1 checkpoint.txt | awk '{print $NF}' | base64 -d | tail -c 64 > checkpoint.sig
               openssl pkeyutl -verify -pubin -inkey log-key.pub -rawin -in checkpoint-body.txt -sigfile checkpoint.sig
               wc -l < checkpoint.txt

               openssl prints "Signature Verified Successfully" and wc prints 5 (origin, size, root, a blank
               line, one signature line: the line checked above). Use the log key you keep rather than the
               bundle's copy: a key that came with the bundle proves nothing on its own (see docs/auditors.md).

            4. The entry is in the checkpointed tree (RFC 9162 inclusion proof)

               python3 - <<'PY'
            import base64, hashlib
            lines = open("log-proof.txt").read().split("\\n")
            blank = lines.index("")
            index = int([l for l in lines[:blank] if l.startswith("index ")][0].split()[1])
            proof = [base64.b64decode(l) for l in lines[1:blank] if not l.startswith(("index ", "extra "))]
            size, root = int(lines[blank+2]), base64.b64decode(lines[blank+3])
            h = hashlib.sha256(b"\\0" + open("log-entry.json", "rb").read()).digest()
            fn, sn = index, size - 1
            for p in proof:
                if fn & 1 or fn == sn:
                    h = hashlib.sha256(b"\\1" + p + h).digest()
                    while not fn & 1 and fn:
                        fn >>= 1; sn >>= 1
                else:
                    h = hashlib.sha256(b"\\1" + h + p).digest()
                fn >>= 1; sn >>= 1
            print("inclusion OK" if h == root and sn == 0 else "inclusion FAILED")
            PY

            Or all at once, with Lethe:   lethe certificate verify . [--trust CA.pem] [--log-key KEPT-KEY.pub]

            """
    }
}
