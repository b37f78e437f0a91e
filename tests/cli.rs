//! The `authcrypt` command-line tool, run as a separate process: round trips on every curve and
//! in both modes, exit codes, a table of bad inputs, `inspect`, `demo`, and the README session.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use authcrypt::{Alg, Curve, Enc, Jwk};
use common::edit::{edit_json, edit_protected, flip_first, insert_first, Part};
use common::{b64, unb64};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_authcrypt");
const CURVES: [&str; 4] = ["X25519", "P-256", "P-384", "P-521"];

/// DIDComm plaintext messages, what `unpack` accepts with its message checks on.
const HI: &[u8] =
    br#"{"id":"1","type":"https://didcomm.org/basicmessage/2.0/message","body":{"content":"hi"}}"#;
const HELLO: &[u8] =
    br#"{"id":"2","type":"https://didcomm.org/basicmessage/2.0/message","body":{"content":"hello"}}"#;
const PAYLOAD: &[u8] =
    br#"{"id":"3","type":"https://didcomm.org/basicmessage/2.0/message","body":{"content":"payload"}}"#;

// ------------------------------------------------------------------------------------------
// Harness
// ------------------------------------------------------------------------------------------

/// A scratch directory, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("authcrypt-cli-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        Dir(path)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The path as a string argument.
    fn arg(&self, name: &str) -> String {
        self.path(name).to_string_lossy().into_owned()
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        std::fs::write(self.path(name), bytes).expect("write fixture");
        self.arg(name)
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).expect("read fixture")
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the tool with `stdin` fed from another thread (so large outputs cannot deadlock).
fn run<S: AsRef<str>>(args: &[S], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args.iter().map(AsRef::as_ref))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("RUST_BACKTRACE")
        .spawn()
        .expect("spawn authcrypt");
    let mut pipe = child.stdin.take().expect("stdin pipe");
    let input = stdin.to_vec();
    // The tool may exit before reading (a usage error): a broken pipe here is expected.
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait for authcrypt");
    let _ = writer.join();
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Checks that a run succeeded and returns its stdout.
#[track_caller]
fn ok(out: &Output) -> Vec<u8> {
    assert_eq!(
        out.status.code(),
        Some(0),
        "expected success; stderr: {}",
        text(&out.stderr)
    );
    no_panic(out);
    out.stdout.clone()
}

/// Checks a failure: the exit code, nothing on stdout, one line on stderr with `fragment`.
#[track_caller]
fn fails(out: &Output, code: i32, fragment: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "exit code; stderr: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "stdout must be empty on failure, got {} octets",
        out.stdout.len()
    );
    no_panic(out);
    assert_eq!(
        stderr.lines().count(),
        1,
        "one line on stderr, got: {stderr}"
    );
    assert!(stderr.starts_with("authcrypt: "), "{stderr}");
    assert!(
        stderr.contains(fragment),
        "stderr should contain {fragment:?}: {stderr}"
    );
}

#[track_caller]
fn no_panic(out: &Output) {
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
}

/// Deterministic pseudo-random octets (xorshift64*), including every octet value.
fn octets(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

/// A DIDComm plaintext message of exactly `len` octets (`len` ≥ 100) whose body content is
/// pseudo-random letters and digits.
fn message(seed: u64, len: usize) -> Vec<u8> {
    let head =
        br#"{"id":"1","type":"https://didcomm.org/basicmessage/2.0/message","body":{"content":""#;
    let tail = br#""}}"#;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = head.to_vec();
    out.extend(
        octets(seed, len - head.len() - tail.len())
            .into_iter()
            .map(|b| ALPHABET[b as usize % ALPHABET.len()]),
    );
    out.extend_from_slice(tail);
    out
}

/// `keygen` into `<name>.jwk` and `pub` into `<name>.pub.jwk`; returns (private, public).
fn keypair(dir: &Dir, name: &str, crv: &str, kid: Option<&str>) -> (String, String) {
    let mut args = vec!["keygen", "--crv", crv];
    if let Some(kid) = kid {
        args.extend(["--kid", kid]);
    }
    let private = dir.write(&format!("{name}.jwk"), ok(&run(&args, b"")));
    let public = ok(&run(&["pub", private.as_str()], b""));
    let public = dir.write(&format!("{name}.pub.jwk"), public);
    (private, public)
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("JSON output")
}

// ------------------------------------------------------------------------------------------
// Round trips
// ------------------------------------------------------------------------------------------

#[test]
fn authcrypt_and_anoncrypt_round_trip_on_every_curve() {
    for (i, crv) in CURVES.into_iter().enumerate() {
        let dir = Dir::new("rt");
        let (alice, alice_pub) = keypair(&dir, "alice", crv, Some("did:example:alice#key-1"));
        let (bob, bob_pub) = keypair(&dir, "bob", crv, Some("did:example:bob#key-1"));
        let plaintext = message(i as u64 + 1, 1000 + 37 * i);

        // authcrypt, general JSON (the DIDComm default)
        let env = ok(&run(
            &["pack", "--from", &alice, "--to", &bob_pub],
            &plaintext,
        ));
        let v = json(&env);
        let header = json(&unb64(v["protected"].as_str().unwrap()));
        assert_eq!(header["alg"], "ECDH-1PU+A256KW", "{crv}");
        assert_eq!(header["enc"], "A256CBC-HS512");
        assert_eq!(header["typ"], "application/didcomm-encrypted+json");
        assert_eq!(header["skid"], "did:example:alice#key-1");
        assert_eq!(
            unb64(header["apu"].as_str().unwrap()),
            b"did:example:alice#key-1"
        );
        assert_eq!(
            header["apv"].as_str().unwrap(),
            authcrypt::didcomm::apv_for(&["did:example:bob#key-1"])
        );
        assert_eq!(header["epk"]["crv"], crv);
        let got = ok(&run(
            &["unpack", "--key", &bob, "--sender", &alice_pub],
            &env,
        ));
        assert_eq!(got, plaintext, "authcrypt {crv}");

        // anoncrypt
        let env = ok(&run(&["pack", "--to", &bob_pub], &plaintext));
        let header = json(&unb64(json(&env)["protected"].as_str().unwrap()));
        assert_eq!(header["alg"], "ECDH-ES+A256KW");
        assert!(header.get("skid").is_none() && header.get("apu").is_none());
        assert_eq!(ok(&run(&["unpack", "--key", &bob], &env)), plaintext);

        // compact, both modes (plain JOSE profile on the way back)
        for from in [Some(alice.as_str()), None] {
            let mut args = vec!["pack", "--to", bob_pub.as_str(), "--compact"];
            if let Some(a) = from {
                args.extend(["--from", a]);
            }
            let env = ok(&run(&args, &plaintext));
            let env_text = text(&env);
            assert_eq!(env_text.trim().split('.').count(), 5, "compact {crv}");
            let header = json(&unb64(env_text.split('.').next().unwrap()));
            assert_eq!(header["kid"], "did:example:bob#key-1");
            let mut args = vec!["unpack", "--profile", "jose", "--key", bob.as_str()];
            if from.is_some() {
                args.extend(["--sender", alice_pub.as_str()]);
            }
            assert_eq!(ok(&run(&args, &env)), plaintext, "compact {crv}");
        }

        // protect-sender: anoncrypt(authcrypt)
        let env = ok(&run(
            &[
                "pack",
                "--from",
                &alice,
                "--to",
                &bob_pub,
                "--protect-sender",
            ],
            &plaintext,
        ));
        let header = json(&unb64(json(&env)["protected"].as_str().unwrap()));
        assert_eq!(header["alg"], "ECDH-ES+A256KW");
        assert!(header.get("skid").is_none());
        let out = run(
            &["unpack", "-v", "--key", &bob, "--sender", &alice_pub],
            &env,
        );
        assert_eq!(ok(&out), plaintext, "protect-sender {crv}");
        let report = text(&out.stderr);
        assert!(report.contains("anoncrypt"), "{report}");
        assert!(report.contains("did:example:alice#key-1"), "{report}");
    }
}

#[test]
fn empty_and_large_plaintexts_round_trip() {
    let dir = Dir::new("sizes");
    let (alice, alice_pub) = keypair(&dir, "alice", "P-256", Some("did:example:alice#k"));
    let (bob, bob_pub) = keypair(&dir, "bob", "P-256", Some("did:example:bob#k"));
    // Content that is not a DIDComm message needs --no-message-checks.
    for plaintext in [Vec::new(), octets(99, 1 << 20)] {
        let env = ok(&run(
            &["pack", "--from", &alice, "--to", &bob_pub],
            &plaintext,
        ));
        let unpack = ["unpack", "--key", &bob, "--sender", &alice_pub];
        fails(&run(&unpack, &env), 1, "not a DIDComm message");
        let out = run(
            &[&unpack[..], &["--no-message-checks", "-v"]].concat(),
            &env,
        );
        assert_eq!(ok(&out), plaintext);
        assert!(text(&out.stderr).contains("not checked"));
    }
    let large = message(98, 1 << 20);
    let env = ok(&run(&["pack", "--from", &alice, "--to", &bob_pub], &large));
    let got = ok(&run(
        &["unpack", "--key", &bob, "--sender", &alice_pub],
        &env,
    ));
    assert_eq!(got, large);
}

#[test]
fn other_algorithms_round_trip_with_the_jose_profile() {
    let cases: [(&str, &str, bool); 9] = [
        ("ECDH-ES", "A128GCM", false),
        ("ECDH-ES", "A256CBC-HS512", false),
        ("ECDH-ES+A128KW", "A128CBC-HS256", false),
        ("ECDH-ES+A192KW", "A192GCM", false),
        ("ECDH-ES+A256KW", "A128GCM", false),
        ("ECDH-1PU", "A256GCM", true),
        ("ECDH-1PU+A128KW", "A128CBC-HS256", true),
        ("ECDH-1PU+A192KW", "A192CBC-HS384", true),
        ("ECDH-1PU+A256KW", "A128CBC-HS256", true),
    ];
    for crv in ["X25519", "P-384"] {
        let dir = Dir::new("algs");
        let (alice, alice_pub) = keypair(&dir, "alice", crv, Some("did:example:alice#1"));
        let (bob, bob_pub) = keypair(&dir, "bob", crv, Some("did:example:bob#1"));
        for (n, (alg, enc, authenticated)) in cases.into_iter().enumerate() {
            let plaintext = octets(n as u64 + 100, 333);
            let mut args = vec!["pack", "--to", &bob_pub, "--alg", alg, "--enc", enc];
            if authenticated {
                args.extend(["--from", &alice]);
            }
            let env = ok(&run(&args, &plaintext));
            let v = json(&env);
            let header = json(&unb64(v["protected"].as_str().unwrap()));
            assert_eq!(header["alg"], alg);
            assert_eq!(header["enc"], enc);
            assert_eq!(header["typ"], "application/didcomm-encrypted+json");
            assert!(header.get("apv").is_some());
            assert_eq!(header.get("skid").is_some(), authenticated);
            let direct = !alg.contains('+');
            assert_eq!(
                v["recipients"][0].get("encrypted_key").is_none(),
                direct,
                "{alg}: encrypted_key only with key wrapping"
            );
            let mut args = vec!["unpack", "--profile", "jose", "--key", &bob];
            if authenticated {
                args.extend(["--sender", &alice_pub]);
            }
            assert_eq!(ok(&run(&args, &env)), plaintext, "{alg} {enc} {crv}");
        }
    }
}

#[test]
fn anoncrypt_encodings_of_the_didcomm_profile() {
    let dir = Dir::new("anonenc");
    let (bob, bob_pub) = keypair(&dir, "bob", "X25519", Some("did:example:bob#1"));
    for enc in ["A256GCM", "XC20P", "A256CBC-HS512"] {
        let env = ok(&run(&["pack", "--to", &bob_pub, "--enc", enc], HI));
        assert_eq!(ok(&run(&["unpack", "--key", &bob], &env)), HI, "{enc}");
    }
}

#[test]
fn several_recipients_each_unpack() {
    let dir = Dir::new("multi");
    let (alice, alice_pub) = keypair(&dir, "alice", "X25519", Some("did:example:alice#1"));
    let (bob, bob_pub) = keypair(&dir, "bob", "X25519", Some("did:example:bob#1"));
    let (carol, carol_pub) = keypair(&dir, "carol", "X25519", Some("did:example:carol#1"));
    let plaintext = message(7, 4096);
    let env = ok(&run(
        &[
            "pack", "--from", &alice, "--to", &bob_pub, "--to", &carol_pub,
        ],
        &plaintext,
    ));
    for me in [&bob, &carol] {
        let got = ok(&run(&["unpack", "--key", me, "--sender", &alice_pub], &env));
        assert_eq!(got, plaintext);
    }
    // Both keys offered: the first that matches a recipient kid is used.
    let got = ok(&run(
        &[
            "unpack", "--key", &carol, "--key", &bob, "--sender", &alice_pub,
        ],
        &env,
    ));
    assert_eq!(got, plaintext);
    let report = json(&ok(&run(&["inspect", "--json"], &env)));
    assert_eq!(report["apv_matches_kids"], true);
    assert_eq!(report["recipients"][0]["kid"], "did:example:bob#1");
    assert_eq!(report["recipients"][1]["kid"], "did:example:carol#1");
}

#[test]
fn surrounding_whitespace_and_the_flattened_serialization() {
    let dir = Dir::new("ws");
    let (bob, bob_pub) = keypair(&dir, "bob", "P-521", Some("did:example:bob#1"));
    let env = ok(&run(&["pack", "--to", &bob_pub], PAYLOAD));
    let mut padded = b"\n\t  ".to_vec();
    padded.extend_from_slice(&env);
    padded.extend_from_slice(b"\r\n\n");
    assert_eq!(ok(&run(&["unpack", "--key", &bob], &padded)), PAYLOAD);

    // The same envelope in the flattened serialization: fine for JOSE, not for DIDComm.
    let flattened = edit_json(&text(&env), |v| {
        let recipient = v
            .remove("recipients")
            .and_then(|r| r.as_array().and_then(|a| a.first().cloned()))
            .expect("one recipient");
        v.insert("header".into(), recipient["header"].clone());
        v.insert("encrypted_key".into(), recipient["encrypted_key"].clone());
    })
    .into_bytes();
    assert_eq!(
        ok(&run(
            &["unpack", "--profile", "jose", "--key", &bob],
            &flattened
        )),
        PAYLOAD
    );
    fails(
        &run(&["unpack", "--key", &bob], &flattened),
        1,
        "general JSON",
    );
    let report = text(&ok(&run(&["inspect"], &flattened)));
    assert!(report.contains("flattened JSON"), "{report}");
}

/// The DIDComm test keys: Bob's DID document as recipient, JWK Sets of secrets.
#[test]
fn did_documents_and_jwk_sets() {
    let vectors: Value = json(
        &std::fs::read(format!(
            "{}/rfc-vectors/didcomm-v2-test-keys.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("test keys"),
    );
    let dir = Dir::new("did");
    let secrets = |owner: &str| -> Value {
        let keys: Vec<Value> = vectors["keys"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|k| k["owner"] == owner)
            .map(|k| {
                let mut jwk = k["private_jwk"].clone();
                jwk["kid"] = k["kid"].clone();
                jwk
            })
            .collect();
        json!({ "keys": keys })
    };
    let alice_doc = dir.write(
        "alice-did.json",
        vectors["did_documents"]["did:example:alice"].to_string(),
    );
    let bob_doc = dir.write(
        "bob-did.json",
        vectors["did_documents"]["did:example:bob"].to_string(),
    );
    let alice_secrets = dir.write("alice.jwks", secrets("alice").to_string());
    let bob_secrets = dir.write("bob.jwks", secrets("bob").to_string());
    let message = br#"{"id":"1","type":"https://example.org/t","from":"did:example:alice","to":["did:example:bob"],"body":{}}"#;

    // anoncrypt to Bob's DID: all his X25519 keyAgreement keys.
    let env = ok(&run(&["pack", "--to", &bob_doc], message));
    let report = json(&ok(&run(&["inspect", "--json"], &env)));
    assert_eq!(report["crv"], "X25519");
    assert_eq!(report["recipients"].as_array().unwrap().len(), 3);
    assert_eq!(ok(&run(&["unpack", "--key", &bob_secrets], &env)), message);

    // authcrypt from Alice's secrets to Bob's DID, sender checked against Alice's DID document.
    let env = ok(&run(
        &["pack", "--from", &alice_secrets, "--to", &bob_doc],
        message,
    ));
    let report = json(&ok(&run(&["inspect", "--json"], &env)));
    assert_eq!(report["skid"], "did:example:alice#key-x25519-1");
    assert_eq!(report["didcomm"]["valid"], true);
    let got = ok(&run(
        &["unpack", "--key", &bob_secrets, "--sender", &alice_doc],
        &env,
    ));
    assert_eq!(got, message);

    // An explicit P-384 recipient key fixes the curve; Bob's document then gives his P-384 keys.
    let (_, other) = keypair(&dir, "other", "P-384", Some("did:example:other#1"));
    let env = ok(&run(&["pack", "--to", &other, "--to", &bob_doc], message));
    let report = json(&ok(&run(&["inspect", "--json"], &env)));
    assert_eq!(report["crv"], "P-384");
    assert_eq!(report["recipients"].as_array().unwrap().len(), 3);

    // The plaintext names Bob: Alice cannot open it with her keys.
    fails(
        &run(&["unpack", "--key", &alice_secrets], &env),
        1,
        "no key supplied for any recipient",
    );
}

#[test]
fn keys_without_kid_work_outside_the_didcomm_profile() {
    let dir = Dir::new("nokid");
    let (alice, alice_pub) = keypair(&dir, "alice", "X25519", None);
    let (bob, bob_pub) = keypair(&dir, "bob", "X25519", None);
    let (carol, _) = keypair(&dir, "carol", "X25519", None);
    let env = ok(&run(
        &[
            "pack",
            "--to",
            &bob_pub,
            "--from",
            &alice,
            "--alg",
            "ECDH-1PU",
            "--compact",
        ],
        b"no kids",
    ));
    // No kid in the JWE: every --key is tried.
    let got = ok(&run(
        &[
            "unpack",
            "--profile",
            "jose",
            "--key",
            &carol,
            "--key",
            &bob,
            "--sender",
            &alice_pub,
        ],
        &env,
    ));
    assert_eq!(got, b"no kids");
}

#[test]
fn keygen_pub_and_capabilities() {
    let dir = Dir::new("keygen");
    for crv in CURVES {
        let key = json(&ok(&run(
            &["keygen", "--crv", crv, "--kid", "did:example:k#1"],
            b"",
        )));
        assert_eq!(key["crv"], crv);
        assert!(key.get("d").is_some());
        assert_eq!(key["kid"], "did:example:k#1");
        let public = json(&ok(&run(&["pub"], key.to_string().as_bytes())));
        assert!(public.get("d").is_none());
        assert_eq!(public["x"], key["x"]);
        assert_eq!(public["kid"], key["kid"]);
    }
    // -o writes an owner-only file and never overwrites.
    let path = dir.arg("k.jwk");
    assert!(ok(&run(&["keygen", "-o", &path], b"")).is_empty());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    fails(&run(&["keygen", "-o", &path], b""), 2, "already exists");
    // pub of a JWK Set is the set of public keys.
    let a = text(&dir.read("k.jwk"));
    let set = dir.write("set.jwks", format!("{{\"keys\":[{a}]}}"));
    let public = json(&ok(&run(&["pub", &set], b"")));
    assert!(public["keys"][0].get("d").is_none());

    let caps = json(&ok(&run(&["capabilities"], b"")));
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&caps["alg"]), Alg::ALL.map(|a| a.name().to_owned()));
    assert_eq!(names(&caps["enc"]), Enc::ALL.map(|e| e.name().to_owned()));
    assert_eq!(names(&caps["crv"]), Curve::ALL.map(|c| c.name().to_owned()));
    assert_eq!(caps["serialization"].as_array().unwrap().len(), 3);
    assert_eq!(caps["key_agreement_backend"], authcrypt::BACKEND);

    let version = text(&ok(&run(&["--version"], b"")));
    assert_eq!(
        version.trim(),
        format!("authcrypt {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn every_subcommand_has_examples_in_help() {
    for sub in [
        "keygen",
        "pub",
        "pack",
        "unpack",
        "inspect",
        "capabilities",
        "demo",
    ] {
        let help = text(&ok(&run(&[sub, "--help"], b"")));
        assert!(help.contains("Example"), "{sub} --help: {help}");
        assert!(help.contains("authcrypt "), "{sub} --help: {help}");
    }
    let help = text(&ok(&run(&["--help"], b"")));
    assert!(help.contains("Exit codes"), "{help}");
}

#[test]
fn inspect_reports_claims_without_keys() {
    let dir = Dir::new("inspect");
    let (alice, _) = keypair(&dir, "alice", "P-256", Some("did:example:alice#key-1"));
    let (_, bob_pub) = keypair(&dir, "bob", "P-256", Some("did:example:bob#key-1"));
    let env = ok(&run(
        &["pack", "--from", &alice, "--to", &bob_pub],
        b"secret",
    ));
    let report = text(&ok(&run(&["inspect"], &env)));
    for expected in [
        "general JSON",
        "ECDH-1PU+A256KW",
        "A256CBC-HS512",
        "P-256",
        "application/didcomm-encrypted+json",
        "\"did:example:alice#key-1\" (equals skid)",
        "matches the 1 recipient kid",
        "did:example:bob#key-1",
        "ciphertext 16",
        "meets the DIDComm v2 header rules: authcrypt from did:example:alice#key-1",
    ] {
        assert!(report.contains(expected), "{expected:?} in:\n{report}");
    }
    assert!(!report.contains("secret"));

    let v = json(&ok(&run(&["inspect", "--json"], &env)));
    assert_eq!(v["serialization"], "general JSON");
    assert_eq!(v["alg"], "ECDH-1PU+A256KW");
    assert_eq!(v["crv"], "P-256");
    assert_eq!(v["apu_decoded"], "did:example:alice#key-1");
    assert_eq!(v["apu_matches_skid"], true);
    assert_eq!(v["apv_matches_kids"], true);
    assert_eq!(v["sizes"]["tag"], 32);
    assert_eq!(v["didcomm"]["mode"], "authcrypt");

    // A broken rule is reported, not fatal: inspect exits 0.
    let bad = edit_protected(&text(&env), |h| {
        h.insert("apv".into(), Value::String(b64(&[0u8; 32])));
    })
    .into_bytes();
    let v = json(&ok(&run(&["inspect", "--json"], &bad)));
    assert_eq!(v["apv_matches_kids"], false);
    assert_eq!(v["didcomm"]["valid"], false);
    let unsupported = edit_protected(&text(&env), |h| {
        h.insert("alg".into(), Value::String("RSA-OAEP".into()));
    })
    .into_bytes();
    let report = text(&ok(&run(&["inspect"], &unsupported)));
    assert!(report.contains("RSA-OAEP (not supported)"), "{report}");
}

#[test]
fn demo_runs_and_shows_the_rejection() {
    let out = text(&ok(&run(&["demo"], b"")));
    for expected in [
        "did:example:alice#key-x25519-1",
        "did:example:bob#key-x25519-1",
        "did:example:charlie#key-x25519-1",
        "\"ciphertext\"",
        "ECDH-1PU+A256KW",
        "sender kid:  did:example:alice#key-x25519-1",
        "rejected: decryption failed",
        "\"apv\" does not match",
        "anoncrypt wrapping authcrypt",
        "(anonymous)",
        "messagespecificattribute",
        "does not match the DID of the authenticated sender",
        "is not a DIDComm nesting",
        "signed by:   did:example:alice#key-1 (EdDSA)",
        "the signer's DID is not the DID of the authcrypt sender",
    ] {
        assert!(out.contains(expected), "{expected:?} in demo output");
    }
}

#[test]
fn broken_pipe_on_stdout_is_not_a_panic() {
    let dir = Dir::new("pipe");
    let (_, bob_pub) = keypair(&dir, "bob", "X25519", Some("did:example:bob#1"));
    let mut child = Command::new(BIN)
        .args(["pack", "--to", &bob_pub])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Close the reading end before the tool writes anything.
    drop(child.stdout.take());
    let mut stdin = child.stdin.take().expect("stdin");
    let _ = stdin.write_all(&octets(5, 1 << 20));
    drop(stdin);
    let mut stderr = String::new();
    let _ = child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr);
    let status = child.wait().expect("wait");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.code(), Some(0), "{stderr}");
}

#[test]
fn mutated_envelopes_never_panic_nor_leak_partial_output() {
    let dir = Dir::new("mutate");
    let (alice, alice_pub) = keypair(&dir, "alice", "X25519", Some("did:example:alice#1"));
    let (bob, bob_pub) = keypair(&dir, "bob", "X25519", Some("did:example:bob#1"));
    let plaintext = octets(11, 200);
    let env = ok(&run(
        &["pack", "--from", &alice, "--to", &bob_pub],
        &plaintext,
    ));
    let noise = octets(12, 4 * 60);
    for i in 0..60 {
        let r = |k: usize| noise[4 * i + k] as usize;
        let mut m = env.clone();
        match i % 4 {
            0 => {
                let at = (r(0) * 256 + r(1)) % m.len();
                let alphabet = b"Aa0-_{}\":,.\\\x00\xff";
                m[at] = alphabet[r(2) % alphabet.len()];
            }
            1 => m.truncate((r(0) * 256 + r(1)) % m.len()),
            2 => {
                let at = (r(0) * 256 + r(1)) % m.len();
                m.remove(at);
            }
            _ => {
                let at = (r(0) * 256 + r(1)) % m.len();
                m.insert(at, r(2) as u8);
            }
        }
        for profile in ["didcomm", "jose"] {
            let out = run(
                &[
                    "unpack",
                    "--profile",
                    profile,
                    "--key",
                    &bob,
                    "--sender",
                    &alice_pub,
                ],
                &m,
            );
            no_panic(&out);
            match out.status.code() {
                Some(0) => assert_eq!(out.stdout, plaintext),
                Some(1..=3) => assert!(out.stdout.is_empty(), "partial output"),
                other => panic!("exit code {other:?}: {}", text(&out.stderr)),
            }
        }
        let out = run(&["inspect", "--json"], &m);
        no_panic(&out);
        assert!(matches!(out.status.code(), Some(0..=3)));
    }
}

// ------------------------------------------------------------------------------------------
// Bad inputs: exit code, empty stdout, one line on stderr
// ------------------------------------------------------------------------------------------

/// Fixtures shared by the table.
struct Fixtures {
    dir: Dir,
    alice: String,
    alice_pub: String,
    bob: String,
    bob_pub: String,
    carol: String,
    carol_pub: String,
    /// A P-256 key with Bob's kid.
    bob_p256: String,
    /// authcrypt Alice → Bob, and Alice → Bob + Carol.
    authcrypt: Vec<u8>,
    two: Vec<u8>,
    anoncrypt: Vec<u8>,
    compact: Vec<u8>,
}

fn fixtures() -> Fixtures {
    let dir = Dir::new("bad");
    let (alice, alice_pub) = keypair(&dir, "alice", "X25519", Some("did:example:alice#key-1"));
    let (bob, bob_pub) = keypair(&dir, "bob", "X25519", Some("did:example:bob#key-1"));
    let (carol, carol_pub) = keypair(&dir, "carol", "X25519", Some("did:example:carol#key-1"));
    let (bob_p256, _) = keypair(&dir, "bobp256", "P-256", Some("did:example:bob#key-1"));
    let authcrypt = ok(&run(&["pack", "--from", &alice, "--to", &bob_pub], HELLO));
    let two = ok(&run(
        &[
            "pack", "--from", &alice, "--to", &bob_pub, "--to", &carol_pub,
        ],
        HELLO,
    ));
    let anoncrypt = ok(&run(&["pack", "--to", &bob_pub], HELLO));
    let compact = ok(&run(&["pack", "--to", &bob_pub, "--compact"], HELLO));
    Fixtures {
        dir,
        alice,
        alice_pub,
        bob,
        bob_pub,
        carol,
        carol_pub,
        bob_p256,
        authcrypt,
        two,
        anoncrypt,
        compact,
    }
}

struct Case {
    name: &'static str,
    args: Vec<String>,
    stdin: Vec<u8>,
    code: i32,
    fragment: &'static str,
}

fn case(
    name: &'static str,
    args: &[&str],
    stdin: &[u8],
    code: i32,
    fragment: &'static str,
) -> Case {
    Case {
        name,
        args: args.iter().map(|s| (*s).to_owned()).collect(),
        stdin: stdin.to_vec(),
        code,
        fragment,
    }
}

#[test]
fn bad_inputs_table() {
    let f = fixtures();
    let d = &f.dir;
    let bad_json = d.write("bad.json", "{\"kty\":");
    let empty = d.write("empty.json", "");
    let array = d.write("array.json", "[1,2]");
    let x448 = d.write(
        "x448.jwk",
        r#"{"kty":"OKP","crv":"X448","x":"mwj3zDG34-Z9ItWuoSEHSic70rg94Jxj-qc9LCLF2bvINmRyQdlT1AxbEtqIEg1TF3-A5TLEH6A"}"#,
    );
    let ed25519 = d.write(
        "ed.jwk",
        r#"{"kty":"OKP","crv":"Ed25519","x":"G-boxFB6vOZBu-wXkm-9Lh79I8nf9Z50cILaOgKKGww"}"#,
    );
    let rsa = d.write("rsa.jwk", r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#);
    let no_x = d.write("nox.jwk", r#"{"kty":"OKP","crv":"X25519"}"#);
    let mut mismatch = json(&d.read("alice.jwk"));
    mismatch["d"] = json(&d.read("bob.jwk"))["d"].clone();
    let mismatch = d.write("mismatch.jwk", mismatch.to_string());
    let no_ka = d.write(
        "noka.json",
        r##"{"id":"did:example:dave","verificationMethod":[{"id":"#k","type":"JsonWebKey2020","publicKeyJwk":{"kty":"OKP","crv":"X25519","x":"GDTrI66K0pFfO54tlCSvfjjNapIs44dzpneBgyx0S3E"}}]}"##,
    );
    let unsupported_set = d.write(
        "x448.jwks",
        format!("{{\"keys\":[{}]}}", text(&d.read("x448.jwk"))),
    );
    let (_, nokid_pub) = keypair(d, "nokid", "X25519", None);
    let (_, p256_pub) = keypair(d, "p256", "P-256", Some("did:example:p#1"));
    let low_order = d.write(
        "low.jwk",
        r#"{"kty":"OKP","crv":"X25519","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","kid":"did:example:low#1"}"#,
    );
    let impostor = {
        let (_, p) = keypair(d, "impostor", "X25519", Some("did:example:alice#key-1"));
        p
    };
    let mallory_msg = ok(&run(
        &["pack", "--from", &f.alice, "--to", &f.bob_pub],
        br#"{"id":"1","type":"t","from":"did:example:mallory","body":{}}"#,
    ));

    let a = |s: &str| s.to_owned();
    let (alice, alice_pub, bob, bob_pub, carol, carol_pub, bob_p256) = (
        a(&f.alice),
        a(&f.alice_pub),
        a(&f.bob),
        a(&f.bob_pub),
        a(&f.carol),
        a(&f.carol_pub),
        a(&f.bob_p256),
    );
    let env = f.authcrypt.clone();
    let unpack = [
        "unpack",
        "--key",
        bob.as_str(),
        "--sender",
        alice_pub.as_str(),
    ];
    let missing = d.arg("does-not-exist.jwk");
    let mut garbage = b"\x00\x9f".to_vec();
    garbage.extend(octets(3, 64));

    let cases = vec![
        // --- usage (2)
        case(
            "unknown flag",
            &["pack", "--to", &bob_pub, "--frobnicate"],
            b"",
            2,
            "unexpected argument '--frobnicate'",
        ),
        case(
            "unknown subcommand",
            &["frobnicate"],
            b"",
            2,
            "unrecognized subcommand",
        ),
        case("pack without --to", &["pack"], b"", 2, "--to"),
        case("unpack without --key", &["unpack"], &env, 2, "--key"),
        case(
            "bad --profile value",
            &["unpack", "--key", &bob, "--profile", "x"],
            &env,
            2,
            "invalid value 'x'",
        ),
        case(
            "--protect-sender without --from",
            &["pack", "--to", &bob_pub, "--protect-sender"],
            b"m",
            2,
            "--from",
        ),
        case(
            "--compact with --protect-sender",
            &[
                "pack",
                "--to",
                &bob_pub,
                "--from",
                &alice,
                "--protect-sender",
                "--compact",
            ],
            b"m",
            2,
            "cannot be used with",
        ),
        case(
            "1PU without --from",
            &["pack", "--to", &bob_pub, "--alg", "ECDH-1PU+A256KW"],
            b"m",
            2,
            "--from",
        ),
        case(
            "ES with --from",
            &[
                "pack", "--to", &bob_pub, "--from", &alice, "--alg", "ECDH-ES",
            ],
            b"m",
            2,
            "anonymous",
        ),
        case(
            "direct alg, two recipients",
            &[
                "pack", "--to", &bob_pub, "--to", &carol_pub, "--alg", "ECDH-ES",
            ],
            b"m",
            2,
            "exactly one recipient",
        ),
        case(
            "recipient twice",
            &["pack", "--to", &bob_pub, "--to", &bob_pub],
            b"m",
            2,
            "given twice",
        ),
        case(
            "recipients on two curves",
            &["pack", "--to", &bob_pub, "--to", &p256_pub],
            b"m",
            2,
            "different curves",
        ),
        case(
            "sender on the wrong curve",
            &["pack", "--from", &alice, "--to", &p256_pub],
            b"m",
            2,
            "no private key on P-256",
        ),
        case(
            "recipient without kid (DIDComm)",
            &["pack", "--to", &nokid_pub],
            b"m",
            2,
            "has no \"kid\"",
        ),
        case(
            "small-order recipient key",
            &["pack", "--to", &low_order],
            b"m",
            2,
            "small-order",
        ),
        case(
            "missing key file",
            &["unpack", "--key", &missing],
            &env,
            2,
            "no such file or directory",
        ),
        case(
            "key file is a directory",
            &["pack", "--to", &d.arg("")],
            b"m",
            2,
            "cannot read key file",
        ),
        case(
            "bad JSON key file",
            &["unpack", "--key", &bad_json],
            &env,
            2,
            "is not valid JSON",
        ),
        case(
            "empty key file",
            &["pack", "--to", &empty],
            b"m",
            2,
            "is empty",
        ),
        case(
            "JSON array as key file",
            &["pack", "--to", &array],
            b"m",
            2,
            "expected a JWK",
        ),
        case(
            "JWK without x",
            &["pack", "--to", &no_x],
            b"m",
            2,
            "missing \"x\"",
        ),
        case(
            "d does not match x",
            &["unpack", "--key", &mismatch],
            &env,
            2,
            "does not match the public key",
        ),
        case(
            "DID document without keyAgreement",
            &["pack", "--to", &no_ka],
            b"m",
            2,
            "no keyAgreement key",
        ),
        case(
            "public key as --key",
            &["unpack", "--key", &bob_pub],
            &env,
            2,
            "holds no private key",
        ),
        case(
            "public key as --from",
            &["pack", "--from", &alice_pub, "--to", &bob_pub],
            b"m",
            2,
            "holds no private key",
        ),
        case("empty stdin", &unpack, b"", 2, "no envelope on stdin"),
        case(
            "whitespace-only stdin",
            &["inspect"],
            b" \n\t",
            2,
            "no envelope on stdin",
        ),
        case(
            "pub of a DID document",
            &["pub", &no_ka],
            b"",
            2,
            "DID document",
        ),
        case(
            "pub of bad JSON on stdin",
            &["pub"],
            b"{oops",
            2,
            "not valid JSON",
        ),
        // --- unsupported (3)
        case(
            "unsupported alg",
            &["pack", "--to", &bob_pub, "--alg", "RSA-OAEP-256"],
            b"m",
            3,
            "unsupported key management algorithm \"RSA-OAEP-256\"",
        ),
        case(
            "unsupported enc",
            &["pack", "--to", &bob_pub, "--enc", "A512GCM"],
            b"m",
            3,
            "unsupported content encryption algorithm",
        ),
        case(
            "1PU key wrap with GCM",
            &[
                "pack", "--from", &alice, "--to", &bob_pub, "--enc", "A256GCM",
            ],
            b"m",
            3,
            "requires an AES-CBC-HMAC",
        ),
        case(
            "compact with two recipients",
            &["pack", "--to", &bob_pub, "--to", &carol_pub, "--compact"],
            b"m",
            3,
            "compact serialization carries exactly one recipient",
        ),
        case(
            "keygen on X448",
            &["keygen", "--crv", "X448"],
            b"",
            3,
            "unsupported curve \"X448\"",
        ),
        case(
            "X448 key file",
            &["pack", "--to", &x448],
            b"m",
            3,
            "unsupported curve",
        ),
        case(
            "Ed25519 key file",
            &["pack", "--to", &ed25519],
            b"m",
            3,
            "signature curve",
        ),
        case(
            "RSA key file",
            &["unpack", "--key", &rsa],
            &env,
            3,
            "unsupported key type \"RSA\"",
        ),
        case(
            "JWK Set of unsupported keys",
            &["pack", "--to", &unsupported_set],
            b"m",
            3,
            "no usable key",
        ),
        case(
            "envelope alg unsupported",
            &unpack,
            &edit_protected(&text(&env), |h| {
                h.insert("alg".into(), json!("RSA-OAEP"));
            })
            .into_bytes(),
            3,
            "unsupported key management algorithm \"RSA-OAEP\"",
        ),
        case(
            "envelope enc unsupported",
            &unpack,
            &edit_protected(&text(&env), |h| {
                h.insert("enc".into(), json!("A512GCM"));
            })
            .into_bytes(),
            3,
            "unsupported content encryption algorithm \"A512GCM\"",
        ),
        case(
            "envelope with zip",
            &unpack,
            &edit_protected(&text(&env), |h| {
                h.insert("zip".into(), json!("DEF"));
            })
            .into_bytes(),
            3,
            "\"zip\"",
        ),
        case(
            "envelope with crit",
            &unpack,
            &edit_protected(&text(&env), |h| {
                h.insert("crit".into(), json!(["exp"]));
                h.insert("exp".into(), json!(1));
            })
            .into_bytes(),
            3,
            "critical header parameter: exp",
        ),
        // --- rejected (1)
        case("binary garbage", &unpack, &garbage, 1, "not a JWE"),
        case(
            "truncated JSON",
            &unpack,
            &env[..env.len() / 2],
            1,
            "invalid JSON",
        ),
        case(
            "JSON that is not a JWE",
            &unpack,
            b"{\"hello\":1}",
            1,
            "ciphertext",
        ),
        case(
            "tampered ciphertext",
            &unpack,
            &flip_first(&text(&env), Part::Ciphertext).into_bytes(),
            1,
            "decryption failed",
        ),
        case(
            "tampered tag",
            &unpack,
            &flip_first(&text(&env), Part::Tag).into_bytes(),
            1,
            "decryption failed",
        ),
        case(
            "tampered iv",
            &unpack,
            &flip_first(&text(&env), Part::Iv).into_bytes(),
            1,
            "decryption failed",
        ),
        case(
            "protected header not base64url",
            &unpack,
            &edit_json(&text(&env), |v| {
                v.insert("protected".into(), json!("%%%"));
            })
            .into_bytes(),
            1,
            "\"protected\"",
        ),
        case(
            "epk missing",
            &unpack,
            &edit_protected(&text(&env), |h| {
                h.remove("epk");
            })
            .into_bytes(),
            1,
            "\"epk\" must be present in the protected header",
        ),
        case(
            "skid replaced",
            &unpack,
            &edit_protected(&text(&env), |h| {
                h.insert("skid".into(), json!("did:example:carol#key-1"));
            })
            .into_bytes(),
            1,
            "\"apu\" does not match \"skid\"",
        ),
        case(
            "wrong typ",
            &unpack,
            &edit_protected(&text(&env), |h| {
                h.insert("typ".into(), json!("JWT"));
            })
            .into_bytes(),
            1,
            "typ",
        ),
        case(
            "apv mismatch (recipient dropped)",
            &["unpack", "--key", &bob, "--sender", &alice_pub],
            &edit_json(&text(&f.two), |v| {
                if let Some(Value::Array(r)) = v.get_mut("recipients") {
                    r.pop();
                }
            })
            .into_bytes(),
            1,
            "\"apv\" does not match",
        ),
        case(
            "missing sender",
            &["unpack", "--key", &bob],
            &env,
            1,
            "give the sender's public key with --sender",
        ),
        case(
            "wrong sender key file",
            &["unpack", "--key", &bob, "--sender", &carol_pub],
            &env,
            1,
            "sender key \"did:example:alice#key-1\" not found",
        ),
        case(
            "impostor sender key with Alice's kid",
            &["unpack", "--key", &bob, "--sender", &impostor],
            &env,
            1,
            "decryption failed",
        ),
        case(
            "not a recipient",
            &["unpack", "--key", &carol, "--sender", &alice_pub],
            &env,
            1,
            "no key supplied for any recipient",
        ),
        case(
            "recipient key on the wrong curve",
            &["unpack", "--key", &bob_p256, "--sender", &alice_pub],
            &env,
            1,
            "curve mismatch",
        ),
        case(
            "compact under the DIDComm profile",
            &["unpack", "--key", &bob],
            &f.compact,
            1,
            "general JSON serialization",
        ),
        case(
            "anonymous message with --sender",
            &unpack,
            &f.anoncrypt,
            1,
            "anonymous",
        ),
        case(
            "from does not match the sender",
            &unpack,
            &mallory_msg,
            1,
            "\"from\"",
        ),
        case(
            "inspect binary garbage",
            &["inspect"],
            &garbage,
            1,
            "not a JWE",
        ),
        case(
            "oversized envelope",
            &["inspect"],
            &vec![b' '; (64 << 20) + 2],
            1,
            "exceeds the limit",
        ),
    ];
    assert!(cases.len() >= 30, "{} cases", cases.len());
    for c in &cases {
        let out = run(&c.args, &c.stdin);
        let stderr = text(&out.stderr);
        assert!(
            out.status.code() == Some(c.code),
            "case {:?}: exit {:?}, expected {}; stderr: {stderr}",
            c.name,
            out.status.code(),
            c.code
        );
        assert!(out.stdout.is_empty(), "case {:?}: stdout not empty", c.name);
        assert_eq!(stderr.lines().count(), 1, "case {:?}: {stderr}", c.name);
        assert!(
            stderr.contains(c.fragment),
            "case {:?}: {:?} not in: {stderr}",
            c.name,
            c.fragment
        );
        no_panic(&out);
    }
}

#[test]
fn no_arguments_prints_help_and_exits_2() {
    let out = run::<&str>(&[], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("Usage"));
}

// ------------------------------------------------------------------------------------------
// Key files: strict JSON, one key per kid
// ------------------------------------------------------------------------------------------

/// The text of a key file written by `keygen` or `pub`, without its newline.
fn key_text(dir: &Dir, name: &str) -> String {
    text(&dir.read(name)).trim().to_owned()
}

/// A DID document with one verification method per `(fragment, public JWK file)`, every one
/// of them a keyAgreement key.
fn did_document(dir: &Dir, id: &str, methods: &[(&str, &str)]) -> Value {
    let vms: Vec<Value> = methods
        .iter()
        .map(|(fragment, file)| {
            let mut jwk = json(&dir.read(file));
            jwk.as_object_mut().expect("JWK").remove("kid");
            json!({
                "id": fragment,
                "type": "JsonWebKey2020",
                "controller": id,
                "publicKeyJwk": jwk,
            })
        })
        .collect();
    let ka: Vec<&str> = methods.iter().map(|(fragment, _)| *fragment).collect();
    json!({ "id": id, "verificationMethod": vms, "keyAgreement": ka })
}

#[test]
fn key_files_with_a_repeated_member_are_rejected() {
    let dir = Dir::new("dupmember");
    let (alice, alice_pub) = keypair(&dir, "alice", "X25519", Some("did:example:alice#key-1"));
    let (bob, bob_pub) = keypair(&dir, "bob", "X25519", Some("did:example:bob#key-1"));
    let (carol, carol_pub) = keypair(&dir, "carol", "X25519", Some("did:example:carol#key-1"));
    let env = ok(&run(&["pack", "--from", &alice, "--to", &bob_pub], HI));
    let carol_x = json(&dir.read("carol.pub.jwk"))["x"].clone();
    let carol_x = format!("\"x\":{carol_x}");

    // For each option: the file it takes, without and with a repeated member.
    struct Shape {
        name: &'static str,
        good: String,
        bad: String,
        member: &'static str,
    }
    let shapes = |mine: &str, theirs: &str, did: &str, fragment_file: &str| -> Vec<Shape> {
        let doc = did_document(&dir, did, &[("#key-1", fragment_file)]).to_string();
        let doc_body = doc.strip_suffix('}').expect("object");
        vec![
            Shape {
                name: "a JWK with two kids",
                good: mine.to_owned(),
                bad: insert_first(mine, "\"kid\":\"did:example:other#1\""),
                member: "kid",
            },
            Shape {
                name: "a JWK Set with two \"keys\"",
                good: format!("{{\"keys\":[{mine}]}}"),
                bad: format!("{{\"keys\":[{mine}],\"keys\":[{theirs}]}}"),
                member: "keys",
            },
            Shape {
                name: "a JWK in a set with two \"x\"",
                good: format!("{{\"keys\":[{theirs},{mine}]}}"),
                bad: format!("{{\"keys\":[{theirs},{}]}}", insert_first(mine, &carol_x)),
                member: "x",
            },
            Shape {
                name: "a DID document with two \"keyAgreement\"",
                good: doc.clone(),
                bad: format!("{doc_body},\"keyAgreement\":[]}}"),
                member: "keyAgreement",
            },
        ]
    };
    let key_text = |name: &str| key_text(&dir, name);
    let as_name = |path: &str| {
        Path::new(path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    // Per option: the key file it takes, another key, the DID of its documents, and the file
    // whose key goes into them.
    let options = [
        ("--key", &bob, &carol, "did:example:bob", &bob_pub),
        (
            "--sender",
            &alice_pub,
            &carol_pub,
            "did:example:alice",
            &alice_pub,
        ),
        ("--to", &bob_pub, &carol_pub, "did:example:bob", &bob_pub),
    ]
    .map(|(option, key, other, did, in_documents)| {
        let shapes = shapes(
            &key_text(&as_name(key)),
            &key_text(&as_name(other)),
            did,
            &as_name(in_documents),
        );
        (option, shapes)
    });
    for (option, shapes) in options {
        for (i, shape) in shapes.into_iter().enumerate() {
            let good = dir.write(&format!("good-{option}-{i}.json"), &shape.good);
            let bad = dir.write(&format!("bad-{option}-{i}.json"), &shape.bad);
            let args = |file: &str| -> Vec<String> {
                let v: Vec<&str> = match option {
                    "--key" => vec!["unpack", "--key", file, "--sender", &alice_pub],
                    "--sender" => vec!["unpack", "--key", &bob, "--sender", file],
                    _ => vec!["pack", "--to", file],
                };
                v.into_iter().map(str::to_owned).collect()
            };
            // Without the repeated member the file works (a DID document holds no private key,
            // so it is no --key file), which shows the repetition is what is rejected.
            let out = run(&args(&good), &env);
            if option == "--key" && shape.member == "keyAgreement" {
                fails(&out, 2, "holds no private key");
            } else {
                ok(&out);
            }
            let out = run(&args(&bad), &env);
            let expected = format!("key file {bad} repeats the member \"{}\"", shape.member);
            assert_eq!(out.status.code(), Some(2), "{option} {}", shape.name);
            fails(&out, 2, &expected);
        }
    }
}

#[test]
fn different_keys_under_one_kid_are_a_usage_error() {
    let dir = Dir::new("conflict");
    let (alice, alice_pub) = keypair(&dir, "alice", "X25519", Some("did:example:alice#key-1"));
    let (bob, bob_pub) = keypair(&dir, "bob", "X25519", Some("did:example:bob#key-1"));
    let (mallory, mallory_pub) =
        keypair(&dir, "mallory", "X25519", Some("did:example:alice#key-1"));
    let (bob2, bob2_pub) = keypair(&dir, "bob2", "X25519", Some("did:example:bob#key-1"));
    let (_, bob384_pub) = keypair(&dir, "bob384", "P-384", Some("did:example:bob#key-1"));
    let alice_doc = dir.write(
        "alice-did.json",
        did_document(&dir, "did:example:alice", &[("#key-1", "alice.pub.jwk")]).to_string(),
    );
    let set = |name: &str, files: &[&str]| -> String {
        let keys: Vec<String> = files.iter().map(|f| key_text(&dir, f)).collect();
        dir.write(name, format!("{{\"keys\":[{}]}}", keys.join(",")))
    };
    let senders = set("senders.jwks", &["alice.pub.jwk", "mallory.pub.jwk"]);
    let bobs = set("bobs.jwks", &["bob.jwk", "bob2.pub.jwk"]);
    let from = set("from.jwks", &["alice.jwk", "mallory.jwk"]);
    // One document, two verification methods with one id.
    let mut two_methods = did_document(
        &dir,
        "did:example:alice",
        &[("#key-1", "alice.pub.jwk"), ("#key-1", "mallory.pub.jwk")],
    );
    two_methods["keyAgreement"] = json!(["#key-1"]);
    let two_methods = dir.write("two-methods.json", two_methods.to_string());
    let bob_doc = dir.write(
        "bob-did.json",
        did_document(&dir, "did:example:bob", &[("#key-1", "bob384.pub.jwk")]).to_string(),
    );

    let env = ok(&run(&["pack", "--from", &alice, "--to", &bob_pub], HI));
    // Each file alone opens the message or packs, so the conflict is what is rejected.
    assert_eq!(
        ok(&run(
            &["unpack", "--key", &bob, "--sender", &alice_doc],
            &env
        )),
        HI
    );
    ok(&run(&["pack", "--to", &bob2_pub], HI));
    ok(&run(&["pack", "--from", &mallory, "--to", &bob_pub], HI));

    let kid_a = "did:example:alice#key-1";
    let kid_b = "did:example:bob#key-1";
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["unpack", "--key", &bob, "--sender", &alice_doc, "--sender", &mallory_pub],
            format!("--sender: key file {alice_doc} and key file {mallory_pub} hold different keys for {kid_a}"),
        ),
        (
            vec!["unpack", "--key", &bob, "--sender", &mallory_pub, "--sender", &alice_pub],
            format!("--sender: key file {mallory_pub} and key file {alice_pub} hold different keys for {kid_a}"),
        ),
        (
            vec!["unpack", "--key", &bob, "--sender", &senders],
            format!("--sender: key file {senders} holds different keys for {kid_a}"),
        ),
        (
            vec!["unpack", "--key", &bob, "--sender", &two_methods],
            format!("key file {two_methods}: two different keys are given for kid \"{kid_a}\""),
        ),
        (
            vec!["unpack", "--key", &bob, "--key", &bob2, "--sender", &alice_pub],
            format!("--key: key file {bob} and key file {bob2} hold different keys for {kid_b}"),
        ),
        (
            vec!["unpack", "--key", &bobs, "--sender", &alice_pub],
            format!("--key: key file {bobs} holds different keys for {kid_b}"),
        ),
        (
            vec!["pack", "--to", &bob_pub, "--to", &bob2_pub],
            format!("--to: key file {bob_pub} and key file {bob2_pub} hold different keys for {kid_b}"),
        ),
        // On another curve, and so not a recipient of this envelope, but still a conflict.
        (
            vec!["pack", "--to", &bob_pub, "--to", &bob_doc],
            format!("--to: key file {bob_pub} and key file {bob_doc} hold different keys for {kid_b}"),
        ),
        (
            vec!["pack", "--to", &bob384_pub, "--to", &two_methods],
            format!("key file {two_methods}: two different keys are given for kid \"{kid_a}\""),
        ),
        (
            vec!["pack", "--from", &from, "--to", &bob_pub],
            format!("--from: key file {from} holds different keys for {kid_a}"),
        ),
    ];
    for (args, line) in cases {
        let out = run(&args, &env);
        fails(&out, 2, &line);
        assert_eq!(text(&out.stderr), format!("authcrypt: error: {line}\n"));
    }
}

#[test]
fn one_key_given_twice_is_accepted() {
    let dir = Dir::new("samekey");
    let (alice, alice_pub) = keypair(&dir, "alice", "X25519", Some("did:example:alice#key-1"));
    let (bob, bob_pub) = keypair(&dir, "bob", "X25519", Some("did:example:bob#key-1"));
    let (carol, _) = keypair(&dir, "carol", "X25519", Some("did:example:carol#key-1"));
    let alice_doc = dir.write(
        "alice-did.json",
        did_document(&dir, "did:example:alice", &[("#key-1", "alice.pub.jwk")]).to_string(),
    );
    // Bob's public key first, then his private key, in one set.
    let bob_set = dir.write(
        "bob.jwks",
        format!(
            "{{\"keys\":[{},{}]}}",
            key_text(&dir, "bob.pub.jwk"),
            key_text(&dir, "bob.jwk")
        ),
    );
    let env = ok(&run(&["pack", "--from", &alice, "--to", &bob_pub], HI));
    let runs: [Vec<&str>; 5] = [
        vec![
            "unpack", "--key", &bob, "--key", &bob, "--sender", &alice_pub, "--sender", &alice_pub,
        ],
        vec![
            "unpack", "--key", &bob_set, "--sender", &alice_doc, "--sender", &alice_pub,
        ],
        vec![
            "unpack", "--key", &carol, "--key", &bob_set, "--key", &bob, "--sender", &alice,
        ],
        vec![
            "unpack",
            "--profile",
            "jose",
            "--key",
            &bob_set,
            "--sender",
            &alice_pub,
            "--sender",
            &alice_doc,
        ],
        vec![
            "unpack", "--key", &bob, "--sender", &alice_pub, "--sender", &alice, "--sender",
            &alice_doc,
        ],
    ];
    for args in runs {
        assert_eq!(ok(&run(&args, &env)), HI, "{args:?}");
    }
    // The sender's private key and its public key in one --from set.
    let from = dir.write(
        "from.jwks",
        format!(
            "{{\"keys\":[{},{}]}}",
            key_text(&dir, "alice.pub.jwk"),
            key_text(&dir, "alice.jwk")
        ),
    );
    let env = ok(&run(&["pack", "--from", &from, "--to", &bob_pub], HI));
    assert_eq!(
        ok(&run(
            &["unpack", "--key", &bob, "--sender", &alice_pub],
            &env
        )),
        HI
    );
}

// ------------------------------------------------------------------------------------------
// Bounds on what pack reads and writes
// ------------------------------------------------------------------------------------------

/// What `unpack` accepts on stdin, and the largest plaintexts `pack` reads for it.
const MAX_ENVELOPE: usize = 64 << 20;
const MAX_PLAINTEXT: usize = MAX_ENVELOPE / 4 * 3;
const MAX_PROTECTED_PLAINTEXT: usize = MAX_ENVELOPE / 16 * 9;

/// Runs the tool with `len` octets of [`streamed_octet`]s written into its stdin from another
/// thread, one piece at a time, so the test never holds the input. Returns the output and what
/// the writer met: a tool that stops reading early leaves it with a broken pipe.
fn run_streamed(args: &[&str], len: usize) -> (Output, std::io::Result<()>) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("RUST_BACKTRACE")
        .spawn()
        .expect("spawn authcrypt");
    let mut pipe = child.stdin.take().expect("stdin pipe");
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        let piece: Vec<u8> = (0..1 << 20).map(streamed_octet).collect();
        let mut left = len;
        while left > 0 {
            let n = left.min(piece.len());
            pipe.write_all(&piece[..n])?;
            left -= n;
        }
        Ok(())
    });
    let out = child.wait_with_output().expect("wait for authcrypt");
    let written = writer.join().expect("writer thread");
    (out, written)
}

/// The octet at `offset` within each MiB of a streamed input.
fn streamed_octet(offset: usize) -> u8 {
    (offset.wrapping_mul(167) >> 3) as u8
}

#[test]
fn pack_refuses_a_plaintext_too_large_for_unpack() {
    let dir = Dir::new("bound");
    let (alice, _) = keypair(&dir, "alice", "X25519", Some("did:example:alice#key-1"));
    let (_, bob_pub) = keypair(&dir, "bob", "X25519", Some("did:example:bob#key-1"));

    // One octet over the bound.
    let (out, _) = run_streamed(&["pack", "--to", &bob_pub], MAX_PLAINTEXT + 1);
    fails(
        &out,
        2,
        &format!("the plaintext on stdin is larger than {MAX_PLAINTEXT} octets"),
    );
    // Far over it: the tool stops reading one octet past the bound, so the writer cannot
    // finish.
    let (out, written) = run_streamed(&["pack", "--to", &bob_pub], MAX_PLAINTEXT + (8 << 20));
    fails(&out, 2, "larger than");
    assert_eq!(
        written.expect_err("the tool reads no further").kind(),
        std::io::ErrorKind::BrokenPipe
    );
    // Nested, the content is encoded twice and the bound is lower.
    let protect = [
        "pack",
        "--from",
        &alice,
        "--to",
        &bob_pub,
        "--protect-sender",
    ];
    let (out, _) = run_streamed(&protect, MAX_PROTECTED_PLAINTEXT + 1);
    fails(
        &out,
        2,
        &format!(
            "the plaintext on stdin is larger than {MAX_PROTECTED_PLAINTEXT} octets: its \
             envelope with --protect-sender would exceed the {MAX_ENVELOPE} octets"
        ),
    );
}

#[test]
fn pack_checks_the_envelope_length_near_the_bound() {
    let dir = Dir::new("nearbound");
    let (bob, bob_pub) = keypair(&dir, "bob", "X25519", Some("did:example:bob#key-1"));
    // At the bound, the cipher block of padding and the header push the envelope over what
    // unpack accepts.
    let (out, _) = run_streamed(&["pack", "--to", &bob_pub], MAX_PLAINTEXT);
    fails(
        &out,
        2,
        &format!("more than the {MAX_ENVELOPE} that `authcrypt unpack` accepts"),
    );
    // A little under it, the envelope fits, and unpack opens it.
    let len = MAX_PLAINTEXT - 4096;
    let (out, written) = run_streamed(&["pack", "--to", &bob_pub], len);
    written.expect("the whole plaintext is read");
    let envelope = ok(&out);
    assert!(envelope.len() <= MAX_ENVELOPE, "{}", envelope.len());
    let plaintext = ok(&run(
        &["unpack", "--key", &bob, "--no-message-checks"],
        &envelope,
    ));
    assert_eq!(plaintext.len(), len);
    assert!(plaintext
        .chunks(1 << 20)
        .all(|c| c.iter().enumerate().all(|(i, &o)| o == streamed_octet(i))));
}

// ------------------------------------------------------------------------------------------
// What reaches the terminal
// ------------------------------------------------------------------------------------------

#[test]
fn bidi_controls_in_a_kid_are_escaped_on_stderr() {
    let dir = Dir::new("bidi");
    let (_, bob_pub) = keypair(&dir, "bob", "X25519", Some("did:example:bob#\u{202e}1-yek"));
    let (carol, _) = keypair(&dir, "carol", "X25519", Some("did:example:carol#key-1"));
    let env = ok(&run(&["pack", "--to", &bob_pub], HI));
    let report = json(&ok(&run(&["inspect", "--json"], &env)));
    assert_eq!(
        report["recipients"][0]["kid"], "did:example:bob#\u{202e}1-yek",
        "the envelope carries the character as it is"
    );
    // Carol is no recipient, so the error lists the recipient kids.
    let out = run(&["unpack", "--key", &carol], &env);
    fails(&out, 1, "recipient kids: did:example:bob#\\u{202e}1-yek");
    assert!(
        !text(&out.stderr).contains('\u{202e}'),
        "{:?}",
        text(&out.stderr)
    );
}

// ------------------------------------------------------------------------------------------
// The README session
// ------------------------------------------------------------------------------------------

#[test]
fn readme_session_runs() {
    let readme = std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR")))
        .expect("README.md");
    let start = readme
        .find("<!-- cli-session:start -->")
        .expect("start marker");
    let end = readme.find("<!-- cli-session:end -->").expect("end marker");
    let section = &readme[start..end];
    let block_start = section.find("```sh\n").expect("a ```sh block") + "```sh\n".len();
    let block_len = section[block_start..].find("```").expect("end of block");
    let script = &section[block_start..block_start + block_len];
    for command in ["keygen", "pub", "sign", "pack", "inspect", "unpack"] {
        assert!(
            script.contains(&format!("authcrypt {command}")),
            "{command}"
        );
    }

    let dir = Dir::new("readme");
    let script_path = dir.write("session.sh", script);
    let bin_dir = Path::new(BIN).parent().expect("binary directory");
    let path = match std::env::var_os("PATH") {
        Some(p) => {
            let mut dirs = vec![bin_dir.to_path_buf()];
            dirs.extend(std::env::split_paths(&p));
            std::env::join_paths(dirs).expect("PATH")
        }
        None => bin_dir.as_os_str().to_owned(),
    };
    let out = Command::new("bash")
        .args(["-e", "-o", "pipefail"])
        .arg(&script_path)
        .current_dir(&dir.0)
        .env("PATH", path)
        .output()
        .expect("run bash");
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "session failed: {}\n{stdout}",
        text(&out.stderr)
    );
    assert!(
        stdout.ends_with("\"body\":{\"content\":\"Hello, Bob!\"}}\n"),
        "{stdout}"
    );
    for expected in [
        "ECDH-1PU+A256KW",
        "did:example:alice#key-1",
        "did:example:bob#key-1",
        "matches the 1 recipient kid",
        "meets the DIDComm v2 header rules",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in:\n{stdout}");
    }
    assert!(dir.path("msg.jwe").exists());
}

/// The attacks of rules M1–M3, N1 and K1 of `docs/rules.md` through the binary: each exits
/// with its code, one line on stderr and nothing on stdout.
#[test]
fn a_wrong_sender_is_never_reported() {
    let dir = Dir::new("binding");
    let (alice, alice_pub) = keypair(&dir, "alice", "X25519", Some("did:example:alice#key-1"));
    let (bob, bob_pub) = keypair(&dir, "bob", "X25519", Some("did:example:bob#key-1"));
    let (mallory, mallory_pub) =
        keypair(&dir, "mallory", "X25519", Some("did:example:mallory#key-1"));
    let claims_alice =
        br#"{"id":"1","type":"t","from":"did:example:alice","to":["did:example:bob"],"body":{}}"#;
    let unpack_from_mallory = ["unpack", "--key", &bob, "--sender", &mallory_pub];
    let from_mallory = |plaintext: &[u8]| {
        ok(&run(
            &["pack", "--from", &mallory, "--to", &bob_pub],
            plaintext,
        ))
    };
    // A plain from Alice inside Mallory's authcrypt.
    fails(
        &run(&unpack_from_mallory, &from_mallory(claims_alice)),
        1,
        "does not match the DID of the authenticated sender",
    );
    // The same claim behind a byte-order mark, inside a JWS-shaped object, or beside JWS members.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(claims_alice);
    fails(
        &run(&unpack_from_mallory, &from_mallory(&bom)),
        1,
        "byte-order mark",
    );
    let jws = r#"{"payload":"not base64url!","signatures":[{"protected":"eyJhbGciOiJFZERTQSJ9","signature":"AA"}]}"#;
    fails(
        &run(&unpack_from_mallory, &from_mallory(jws.as_bytes())),
        1,
        "\"payload\"",
    );
    let mixed = r#"{"payload":"e30","signatures":[],"from":"did:example:alice","body":{}}"#;
    fails(
        &run(&unpack_from_mallory, &from_mallory(mixed.as_bytes())),
        1,
        "mixes signed-message members",
    );
    let to_string =
        br#"{"id":"1","type":"t","from":"did:example:mallory","to":"did:example:bob","body":{}}"#;
    fails(
        &run(&unpack_from_mallory, &from_mallory(to_string)),
        1,
        "must be an array of strings",
    );
    // Alice relays an anonymous envelope that claims her as its author.
    let anonymous = ok(&run(&["pack", "--to", &bob_pub], claims_alice));
    let relayed = ok(&run(
        &["pack", "--from", &alice, "--to", &bob_pub],
        &anonymous,
    ));
    fails(
        &run(&["unpack", "--key", &bob, "--sender", &alice_pub], &relayed),
        1,
        "anoncrypt inside authcrypt is not a DIDComm nesting",
    );
    // Mallory's DID document declares a key under Alice's DID.
    let mallory_key: Value = json(key_text(&dir, "mallory.pub.jwk").as_bytes());
    let forged = dir.write(
        "mallory-did.json",
        json!({"id": "did:example:mallory",
               "verificationMethod": [{"id": "did:example:alice#key-1", "type": "JsonWebKey2020",
                   "controller": "did:example:mallory", "publicKeyJwk": mallory_key}],
               "keyAgreement": ["did:example:alice#key-1"]})
        .to_string(),
    );
    let impostor = Jwk::from_json(&key_text(&dir, "mallory.jwk"))
        .unwrap()
        .with_kid("did:example:alice#key-1");
    let impostor_env = ok(&run(
        &[
            "pack",
            "--from",
            &dir.write("impostor.jwk", impostor.to_private_json().unwrap().as_str()),
            "--to",
            &bob_pub,
        ],
        claims_alice,
    ));
    fails(
        &run(
            &["unpack", "--key", &bob, "--sender", &forged],
            &impostor_env,
        ),
        2,
        "a key of another DID",
    );
    // Under the JOSE profile too, --sender refuses an anonymous message.
    let compact = ok(&run(&["pack", "--to", &bob_pub, "--compact"], claims_alice));
    fails(
        &run(
            &[
                "unpack",
                "--profile",
                "jose",
                "--key",
                &bob,
                "--sender",
                &alice_pub,
            ],
            &compact,
        ),
        1,
        "a sender was required",
    );
    // The real thing still works, and -v names the key that was checked.
    let real = ok(&run(
        &["pack", "--from", &alice, "--to", &bob_pub],
        claims_alice,
    ));
    let out = run(
        &["unpack", "-v", "--key", &bob, "--sender", &alice_pub],
        &real,
    );
    assert_eq!(ok(&out), claims_alice);
    assert!(text(&out.stderr).contains("from did:example:alice#key-1"));
}

/// Signed messages through the binary (rules V1–V9): `keygen` of signature keys, `sign`,
/// `pack --sign`, and `unpack` verifying at every nesting, reporting the signer with `-v`, and
/// refusing each binding attack with exit 1, one line and empty stdout.
#[test]
fn signed_messages_sign_pack_and_unpack() {
    let dir = Dir::new("signed");
    let (alice, alice_pub) = keypair(&dir, "alice", "X25519", Some("did:example:alice#key-1"));
    let (bob, bob_pub) = keypair(&dir, "bob", "X25519", Some("did:example:bob#key-1"));
    let (mallory, mallory_pub) =
        keypair(&dir, "mallory", "X25519", Some("did:example:mallory#key-1"));
    let (alice_sig, alice_sig_pub) = keypair(
        &dir,
        "alice-sig",
        "Ed25519",
        Some("did:example:alice#key-sig-1"),
    );
    let (mallory_sig, mallory_sig_pub) = keypair(
        &dir,
        "mallory-sig",
        "secp256k1",
        Some("did:example:mallory#key-sig-1"),
    );
    let (alice_p256, alice_p256_pub) = keypair(
        &dir,
        "alice-p256",
        "P-256",
        Some("did:example:alice#key-p256-1"),
    );
    let message =
        br#"{"id":"1","type":"t","from":"did:example:alice","to":["did:example:bob"],"body":{}}"#;

    // sign alone, and every nesting of pack --sign, unpack to the message with the signer.
    let signed = ok(&run(&["sign", "--key", &alice_sig], message));
    let jws: serde_json::Value = serde_json::from_slice(&signed).unwrap();
    assert_eq!(
        jws["signatures"][0]["header"]["kid"],
        "did:example:alice#key-sig-1"
    );
    let senders = ["--sender", &alice_pub, "--sender", &alice_sig_pub];
    let alone = run(&["unpack", "--sender", &alice_sig_pub, "-v"], &signed);
    assert_eq!(ok(&alone), message);
    assert!(text(&alone.stderr).contains("signed by did:example:alice#key-sig-1 (EdDSA)"));
    let packings: [&[&str]; 3] = [
        &["pack", "--to", &bob_pub, "--sign", &alice_sig],
        &[
            "pack", "--from", &alice, "--to", &bob_pub, "--sign", &alice_sig,
        ],
        &[
            "pack",
            "--from",
            &alice,
            "--protect-sender",
            "--to",
            &bob_pub,
            "--sign",
            &alice_sig,
        ],
    ];
    for (i, pack) in packings.iter().enumerate() {
        let env = ok(&run(pack, message));
        let mut unpack = vec!["unpack", "--key", &bob, "-v"];
        unpack.extend(senders);
        let out = run(&unpack, &env);
        assert_eq!(ok(&out), message, "packing {i}");
        let line = text(&out.stderr);
        assert!(
            line.contains("; signed by did:example:alice#key-sig-1 (EdDSA)"),
            "{line}"
        );
        assert_eq!(
            line.contains("from did:example:alice#key-1"),
            i > 0,
            "{line}"
        );
    }
    // The other algorithms, chosen by the key; --alg must agree with it.
    let es256 = ok(&run(
        &["sign", "--key", &alice_p256, "--alg", "ES256"],
        message,
    ));
    let out = run(&["unpack", "--sender", &alice_p256_pub, "-v"], &es256);
    assert!(text(&out.stderr).contains("(ES256)"));
    fails(
        &run(&["sign", "--key", &alice_p256, "--alg", "EdDSA"], message),
        2,
        "does not sign with EdDSA",
    );
    fails(
        &run(&["sign", "--key", &alice_sig, "--alg", "HS256"], message),
        3,
        "HS256",
    );
    fails(
        &run(&["sign", "--key", &alice], message),
        2,
        "no private signature key",
    );
    fails(
        &run(&["sign", "--key", &mallory_sig], message),
        2,
        "\"from\"",
    );

    // A bad signature.
    let mut tampered: serde_json::Value = jws.clone();
    let sig = tampered["signatures"][0]["signature"]
        .as_str()
        .unwrap()
        .to_owned();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    tampered["signatures"][0]["signature"] = format!("{flipped}{}", &sig[1..]).into();
    fails(
        &run(
            &["unpack", "--sender", &alice_sig_pub],
            tampered.to_string().as_bytes(),
        ),
        1,
        "not authentic",
    );
    // A signer the keys given do not list for authentication: Alice's P-256 key offered only
    // for key agreement.
    let enc_only = {
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&alice_p256_pub).unwrap()).unwrap();
        v["use"] = "enc".into();
        dir.write("alice-p256-enc.jwk", v.to_string())
    };
    fails(
        &run(&["unpack", "--sender", &enc_only], &es256),
        1,
        "not an authentication key",
    );
    // A signer whose DID is not `from`: Mallory signs Alice's claim with his own key (`sign`
    // refuses to, so the library's JWS signer makes it).
    let by_mallory = authcrypt::jws::Signer::new(
        &authcrypt::jws::SigningKey::from_json(
            std::str::from_utf8(&std::fs::read(&mallory_sig).unwrap()).unwrap(),
        )
        .unwrap(),
    )
    .typ("application/didcomm-signed+json")
    .sign(message)
    .unwrap();
    fails(
        &run(
            &["unpack", "--sender", &mallory_sig_pub],
            by_mallory.as_bytes(),
        ),
        1,
        "is not the message's \"from\"",
    );
    // An authcrypt sender whose DID is not the signer's: Mallory re-sends Alice's signed
    // message under his own authcrypt.
    let resent = ok(&run(
        &["pack", "--from", &mallory, "--to", &bob_pub],
        &signed,
    ));
    fails(
        &run(
            &[
                "unpack",
                "--key",
                &bob,
                "--sender",
                &mallory_pub,
                "--sender",
                &alice_sig_pub,
            ],
            &resent,
        ),
        1,
        "not the DID of the authcrypt sender",
    );
    // pack refuses to make that message itself.
    fails(
        &run(
            &[
                "pack", "--from", &mallory, "--to", &bob_pub, "--sign", &alice_sig,
            ],
            message,
        ),
        2,
        "authcrypt sender",
    );
    // An encrypted message still needs --key.
    let env = ok(&run(
        &["pack", "--to", &bob_pub, "--sign", &alice_sig],
        message,
    ));
    fails(
        &run(&["unpack", "--sender", &alice_sig_pub], &env),
        2,
        "--key",
    );
}

/// `unpack --at`: the message's `expires_time` against the given time (rule M8).
#[test]
fn unpack_at_a_time_refuses_an_expired_message() {
    let dir = Dir::new("expiry");
    let (bob, bob_pub) = keypair(&dir, "bob", "X25519", Some("did:example:bob#key-1"));
    let message =
        br#"{"id":"1","type":"t","to":["did:example:bob"],"expires_time":1700000000,"body":{}}"#;
    let env = ok(&run(&["pack", "--to", &bob_pub], message));
    assert_eq!(ok(&run(&["unpack", "--key", &bob], &env)), message);
    assert_eq!(
        ok(&run(&["unpack", "--key", &bob, "--at", "1700000000"], &env)),
        message
    );
    fails(
        &run(&["unpack", "--key", &bob, "--at", "1700000001"], &env),
        1,
        "expired at 1700000000",
    );
    fails(
        &run(&["unpack", "--key", &bob, "--at", "now"], &env),
        1,
        "expired",
    );
    fails(
        &run(&["unpack", "--key", &bob, "--at", "yesterday"], &env),
        2,
        "--at takes seconds",
    );
}

/// `resolve`: the did:key document, computed locally, usable as a key file.
#[test]
fn resolve_prints_a_did_key_document_that_key_options_read() {
    let dir = Dir::new("resolve");
    let did = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";
    let doc = ok(&run(&["resolve", did], b""));
    let value: Value = serde_json::from_slice(&doc).unwrap();
    assert_eq!(value["id"], did);
    assert_eq!(
        value["keyAgreement"][0],
        format!("{did}#z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW")
    );
    // The document is a recipient for pack.
    let path = dir.write("did-key.json", &doc);
    ok(&run(
        &["pack", "--to", &path],
        br#"{"id":"1","type":"t","body":{}}"#,
    ));
    fails(
        &run(&["resolve", "did:web:example.com"], b""),
        3,
        "cannot be resolved here",
    );
    fails(&run(&["resolve", "did:key:mAAAA"], b""), 2, "base58btc");
}

/// A sender whose DID is its own document (did:key) needs no --sender file: its key comes from
/// the DID, and only that key is believed.
#[test]
fn unpack_resolves_a_did_key_sender_from_the_did_itself() {
    use authcrypt::did::key_method::did_key_of;
    use authcrypt::did::multikey::KeyKind;
    let dir = Dir::new("didkey-sender");
    let (bob, bob_pub) = keypair(&dir, "bob", "X25519", Some("did:example:bob#key-1"));
    let alice = Jwk::generate(Curve::X25519);
    let did = did_key_of(KeyKind::X25519, &alice.public_key().x());
    let kid = format!("{did}#{}", did.strip_prefix("did:key:").unwrap());
    let alice = dir.write(
        "alice.jwk",
        alice
            .with_kid(kid.clone())
            .to_private_json()
            .unwrap()
            .as_bytes(),
    );
    let message =
        json!({"id": "1", "type": "t", "from": did, "to": ["did:example:bob"], "body": {}})
            .to_string();
    let env = ok(&run(
        &["pack", "--from", &alice, "--to", &bob_pub],
        message.as_bytes(),
    ));
    let out = run(&["unpack", "--key", &bob, "-v"], &env);
    assert_eq!(ok(&out), message.as_bytes());
    assert!(text(&out.stderr).contains(&format!("from {kid}")));
    // With --sender naming Carol, the did:key sender is not believed: only Carol's file is.
    let (_, carol_pub) = keypair(&dir, "carol", "X25519", Some("did:example:carol#key-1"));
    let env_ok = ok(&run(
        &["pack", "--from", &alice, "--to", &bob_pub],
        message.as_bytes(),
    ));
    fails(
        &run(&["unpack", "--key", &bob, "--sender", &carol_pub], &env_ok),
        1,
        "not found (--sender kids: did:example:carol#key-1)",
    );
    // A did:key kid whose key is not the DID's is not believed.
    let other = Jwk::generate(Curve::X25519).with_kid(kid);
    let forged = dir.write("forged.jwk", other.to_private_json().unwrap().as_bytes());
    let env = ok(&run(
        &["pack", "--from", &forged, "--to", &bob_pub],
        message.as_bytes(),
    ));
    fails(&run(&["unpack", "--key", &bob], &env), 1, "not authentic");
}
