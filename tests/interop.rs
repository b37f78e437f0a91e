//! Interoperability with independent DIDComm v2 implementations, in both directions.
//!
//! A peer is a process that speaks a small JSON protocol on stdin/stdout (see
//! `interop/README.md`): `pack` turns a list of cases into envelopes, `unpack` opens a list of
//! envelopes and reports the message and what it learnt about the sender. For every curve
//! (X25519, P-256, P-384, P-521), every mode (authcrypt; anoncrypt and protected sender with
//! A256CBC-HS512, A256GCM and XC20P) and both a single recipient kid and a whole DID (every
//! `keyAgreement` key of Bob's on that curve):
//!
//! - the peer packs and this crate unpacks, with all recipient keys and with each one alone,
//!   checking the plaintext, the layers and the sender kid;
//! - this crate packs and the peer unpacks with every recipient key, checking the plaintext
//!   and the peer's metadata.
//!
//! Signed messages run too, for each of Alice's three signature keys (EdDSA, ES256, ES256K): the
//! signed message alone, and inside anoncrypt, authcrypt and the protected sender; each side
//! verifies the other's, reports the signer, and rejects a signed message with a changed
//! signature.
//!
//! The keys are those of the DIDComm v2 spec appendix; Alice has no P-384 key there, so a
//! deterministic one is generated and handed to the peer with her DID document.
//!
//! These tests need the peers installed, so they are ignored by a plain `cargo test`;
//! `interop/run.sh` installs the peers and runs them. Once asked to run, a test fails when its
//! peer is missing.

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use authcrypt::didcomm::{
    sign, AnyPacker, DidDocument, Envelope, FromPrior, KeySet, MessageForm, Mode, Packer, Unpacked,
    Unpacker,
};
use authcrypt::jws::SigningKey;
use authcrypt::{Alg, Curve, Enc, Error, Jwk};
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use serde_json::{json, Value};

const ALICE: &str = "did:example:alice";
const BOB: &str = "did:example:bob";
/// Charlie, whose DID the `from_prior` cases rotate to Alice's.
const CHARLIE: &str = "did:example:charlie";
/// Charlie's Ed25519 authentication key.
const CHARLIE_SIG: &str = "did:example:charlie#key-1";
/// When the rotation was issued.
const ROTATED_AT: u64 = 1_516_269_022;
/// Alice's P-384 key, which the spec appendix lacks.
const ALICE_P384: &str = "did:example:alice#key-p384-1";

/// Base64url that tolerates padding, to look at what a peer emits without judging it.
const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Authcrypt,
    Anoncrypt,
    ProtectSender,
    /// A signed message, not encrypted.
    Signed,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Authcrypt => "authcrypt",
            Kind::Anoncrypt => "anoncrypt",
            Kind::ProtectSender => "protect-sender",
            Kind::Signed => "signed",
        }
    }

    fn has_sender(self) -> bool {
        matches!(self, Kind::Authcrypt | Kind::ProtectSender)
    }
}

/// Alice's signature keys in the spec appendix, with their algorithms.
const SIGNERS: [(&str, &str); 3] = [
    ("did:example:alice#key-1", "EdDSA"),
    ("did:example:alice#key-2", "ES256"),
    ("did:example:alice#key-3", "ES256K"),
];

#[derive(Clone, Debug)]
struct Case {
    id: String,
    curve: Curve,
    kind: Kind,
    /// The anoncrypt content encryption (authcrypt alone always uses A256CBC-HS512).
    enc: Enc,
    /// `None`: the whole DID of Bob; otherwise one of his kids.
    to_kid: Option<String>,
    /// The signer's kid, when the message is signed first.
    sign_by: Option<String>,
    /// Whether the message carries a `from_prior` (Charlie's DID rotated to Alice's).
    rotation: bool,
    message: Value,
}

impl Case {
    fn sender_kid(&self) -> String {
        format!("{ALICE}#key-{}-1", tag(self.curve))
    }

    fn to(&self) -> String {
        self.to_kid.clone().unwrap_or_else(|| BOB.to_owned())
    }

    fn peer_json(&self) -> Value {
        json!({
            "id": self.id,
            "mode": self.kind.name(),
            "enc": self.enc.name(),
            "curve": self.curve.name(),
            "from": self.kind.has_sender().then(|| self.sender_kid()),
            "to": self.to(),
            "sign_by": self.sign_by,
            "message": self.message,
        })
    }
}

fn tag(curve: Curve) -> &'static str {
    match curve {
        Curve::X25519 => "x25519",
        Curve::P256 => "p256",
        Curve::P384 => "p384",
        Curve::P521 => "p521",
    }
}

/// The whole matrix, with a fresh message id per case and direction.
fn cases(direction: &str, curves: &[Curve]) -> Vec<Case> {
    let mut out = Vec::new();
    for &curve in curves {
        let mut kinds = vec![(Kind::Authcrypt, Enc::A256CbcHs512)];
        for enc in [Enc::A256CbcHs512, Enc::A256Gcm, Enc::XC20P] {
            kinds.push((Kind::Anoncrypt, enc));
            kinds.push((Kind::ProtectSender, enc));
        }
        for (kind, enc) in kinds {
            for single in [true, false] {
                let to_kid = single.then(|| format!("{BOB}#key-{}-1", tag(curve)));
                let id = format!(
                    "{direction} {} {}{} to {}",
                    curve.name(),
                    kind.name(),
                    if kind == Kind::Authcrypt {
                        String::new()
                    } else {
                        format!("/{}", enc.name())
                    },
                    if single { "one kid" } else { "the DID" },
                );
                out.push(Case {
                    message: message(&id, kind.has_sender()),
                    id,
                    curve,
                    kind,
                    enc,
                    to_kid,
                    sign_by: None,
                    rotation: false,
                });
            }
        }
    }
    if curves.contains(&Curve::X25519) {
        out.extend(signed_cases(direction));
    }
    out
}

/// The DID rotation the `from_prior` cases carry, as claims.
fn rotation_claims() -> Value {
    json!({"iss": CHARLIE, "sub": ALICE, "iat": ROTATED_AT})
}

/// An authcrypt message from Alice whose `from_prior` says she was Charlie (X25519, to Bob's
/// first key). `message["from_prior"]` holds the claims; the packer signs them.
fn rotation_case(direction: &str) -> Case {
    let id = format!("{direction} from_prior authcrypt");
    let mut message = message(&id, true);
    message["from_prior"] = rotation_claims();
    Case {
        message,
        id,
        curve: Curve::X25519,
        kind: Kind::Authcrypt,
        enc: Enc::A256CbcHs512,
        to_kid: Some(format!("{BOB}#key-x25519-1")),
        sign_by: None,
        rotation: true,
    }
}

/// Each of Alice's signature keys, alone and inside anoncrypt, authcrypt and the protected
/// sender (X25519, to Bob's first X25519 key).
fn signed_cases(direction: &str) -> Vec<Case> {
    let mut out = Vec::new();
    for (kid, alg) in SIGNERS {
        for (kind, enc) in [
            (Kind::Signed, Enc::A256CbcHs512),
            (Kind::Anoncrypt, Enc::A256CbcHs512),
            (Kind::Authcrypt, Enc::A256CbcHs512),
            (Kind::ProtectSender, Enc::A256Gcm),
        ] {
            let id = format!("{direction} {alg}-signed {}", kind.name());
            out.push(Case {
                message: message(&id, true),
                id,
                curve: Curve::X25519,
                kind,
                enc,
                to_kid: Some(format!("{BOB}#key-x25519-1")),
                sign_by: Some(kid.to_owned()),
                rotation: false,
            });
        }
    }
    out
}

/// The message of a case: from Alice when it names a sender.
fn message(id: &str, from_alice: bool) -> Value {
    let mut message = json!({
        "id": format!("{:016x}", fnv(id)),
        "typ": "application/didcomm-plain+json",
        "type": "https://didcomm.org/basicmessage/2.0/message",
        "to": [BOB],
        "created_time": 1_516_269_022,
        "expires_time": 1_516_385_931,
        "lang": "en",
        "body": {
            "content": format!("{id}: grüße, ✓ \"quoted\" \\ / \u{1F510}"),
            "n": [1, 2.5, null, true],
        },
    });
    if from_alice {
        message["from"] = json!(ALICE);
    }
    message
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The keys of the spec appendix, plus Alice's generated P-384 key.
struct World {
    keys_file: PathBuf,
    secrets: Vec<Jwk>,
    bob_doc: DidDocument,
    /// Public keys of the senders, as Bob resolves them from Alice's DID document.
    alice_public: KeySet,
    alice_p384: Jwk,
    /// Alice's signature keys.
    alice_signing: Vec<SigningKey>,
    /// Charlie's signature key, which signs the rotations.
    charlie_signing: SigningKey,
}

impl World {
    fn load() -> World {
        let keys_file =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("rfc-vectors/didcomm-v2-test-keys.json");
        let vectors = common::vector("didcomm-v2-test-keys.json");
        let mut secrets = Vec::new();
        for entry in vectors["keys"].as_array().unwrap() {
            if entry["did_doc_relationship"] == "keyAgreement" {
                secrets.push(common::didcomm_secret(entry["kid"].as_str().unwrap()));
            }
        }
        let alice_p384 =
            Jwk::generate_with_rng(Curve::P384, &mut common::rng(384)).with_kid(ALICE_P384);
        secrets.push(alice_p384.clone());
        let doc = |did: &str| vectors["did_documents"][did].to_string();
        let bob_doc = DidDocument::from_json(doc(BOB).as_bytes()).unwrap();
        let mut alice_public = KeySet::from_json(doc(ALICE).as_bytes()).unwrap();
        alice_public.insert(alice_p384.to_public()).unwrap();
        let signing_key = |kid: &str| {
            let entry = vectors["keys"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["kid"] == kid)
                .unwrap();
            SigningKey::from_json(&entry["private_jwk"].to_string())
                .unwrap()
                .with_kid(kid)
        };
        let alice_signing = SIGNERS.iter().map(|(kid, _)| signing_key(kid)).collect();
        let charlie_signing = signing_key(CHARLIE_SIG);
        // Bob resolves Charlie's authentication key to verify a rotation.
        alice_public
            .insert_verification_key(charlie_signing.verifying_key())
            .unwrap();
        World {
            keys_file,
            secrets,
            bob_doc,
            alice_public,
            alice_p384,
            alice_signing,
            charlie_signing,
        }
    }

    fn signing_key(&self, kid: &str) -> &SigningKey {
        self.alice_signing
            .iter()
            .find(|k| k.kid() == Some(kid))
            .unwrap_or_else(|| panic!("no signing key {kid}"))
    }

    fn secret(&self, kid: &str) -> &Jwk {
        self.secrets
            .iter()
            .find(|k| k.kid() == Some(kid))
            .unwrap_or_else(|| panic!("no secret {kid}"))
    }

    /// Bob's kids on `curve`, in DID document order.
    fn bob_kids(&self, curve: Curve) -> Vec<String> {
        self.bob_doc
            .key_agreement_keys()
            .iter()
            .filter(|k| k.curve() == curve)
            .map(|k| k.kid().unwrap().to_owned())
            .collect()
    }

    fn recipients(&self, case: &Case) -> Vec<String> {
        match &case.to_kid {
            Some(kid) => vec![kid.clone()],
            None => self.bob_kids(case.curve),
        }
    }

    /// What Bob holds: the given secrets of his, and Alice's public keys.
    fn bob_keyring(&self, kids: &[String]) -> KeySet {
        let mut set = self.alice_public.clone();
        for kid in kids {
            set.insert(self.secret(kid).clone()).unwrap();
        }
        set
    }

    fn request(&self, cases: Vec<Value>) -> Value {
        let private = self.alice_p384.to_private_json().unwrap();
        let mut private: Value = serde_json::from_str(&private).unwrap();
        private.as_object_mut().unwrap().remove("kid");
        json!({
            "keys_file": self.keys_file,
            "extra_keys": [{"kid": ALICE_P384, "private_jwk": private}],
            "cases": cases,
        })
    }
}

/// A peer process and where its exchanges are kept.
struct Peer {
    name: &'static str,
    command: Vec<String>,
    out_dir: PathBuf,
}

impl Peer {
    /// Runs `command` (pack or unpack) on `request`; returns the per-case results by id.
    fn call(&self, command: &str, request: &Value) -> Vec<Value> {
        let request_text = serde_json::to_string_pretty(request).unwrap();
        std::fs::write(
            self.out_dir.join(format!("{command}-request.json")),
            &request_text,
        )
        .unwrap();
        let mut child = Command::new(&self.command[0])
            .args(&self.command[1..])
            .arg(command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: cannot start {:?}: {e}", self.name, self.command));
        // A peer that dies early closes its stdin: its exit status and stderr tell why.
        let _ = child
            .stdin
            .take()
            .unwrap()
            .write_all(request_text.as_bytes());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{} {command} exited with {}:\n{stderr}",
            self.name,
            output.status
        );
        std::fs::write(
            self.out_dir.join(format!("{command}-response.json")),
            &output.stdout,
        )
        .unwrap();
        let response: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{} {command}: not JSON ({e}):\n{stderr}", self.name));
        if let Some(versions) = response.get("peer") {
            println!("{} {command}: {versions}", self.name);
        }
        response["results"].as_array().cloned().unwrap_or_default()
    }
}

fn result_for<'a>(results: &'a [Value], id: &str) -> Result<&'a Value, String> {
    let r = results
        .iter()
        .find(|r| r["id"] == id)
        .ok_or_else(|| "the peer returned no result".to_owned())?;
    if r["ok"] == true {
        Ok(r)
    } else {
        Err(format!(
            "peer error: {}",
            r["error"].as_str().unwrap_or("?")
        ))
    }
}

/// Things a peer's envelopes do that this crate does not do itself.
#[derive(Default)]
struct Observations {
    envelopes: usize,
    short_coordinates: Vec<String>,
    padded_base64: Vec<String>,
    no_skid: Vec<String>,
    unprotected_members: Vec<String>,
}

impl Observations {
    fn look(&mut self, id: &str, envelope: &str, depth: usize) {
        let Ok(Value::Object(jwe)) = serde_json::from_str::<Value>(envelope) else {
            return;
        };
        self.envelopes += 1;
        let mut padded = false;
        for name in ["protected", "iv", "ciphertext", "tag"] {
            padded |= jwe
                .get(name)
                .and_then(Value::as_str)
                .is_some_and(|s| s.ends_with('='));
        }
        for r in jwe
            .get("recipients")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            padded |= r["encrypted_key"]
                .as_str()
                .is_some_and(|s| s.ends_with('='));
        }
        if jwe.contains_key("unprotected") {
            self.unprotected_members
                .push(format!("{id} (layer {depth})"));
        }
        let protected = jwe
            .get("protected")
            .and_then(Value::as_str)
            .and_then(|p| B64.decode(p).ok())
            .and_then(|p| serde_json::from_slice::<Value>(&p).ok())
            .unwrap_or(Value::Null);
        let epk = &protected["epk"];
        if let Some(curve) = epk["crv"].as_str().and_then(|c| Curve::from_name(c).ok()) {
            for coord in ["x", "y"] {
                padded |= epk[coord].as_str().is_some_and(|s| s.ends_with('='));
                if let Some(bytes) = epk[coord].as_str().and_then(|c| B64.decode(c).ok()) {
                    if bytes.len() < curve.coordinate_len() {
                        self.short_coordinates.push(format!(
                            "{id} (layer {depth}): epk {coord} has {} of {} bytes",
                            bytes.len(),
                            curve.coordinate_len()
                        ));
                    }
                }
            }
        }
        for (name, v) in protected.as_object().into_iter().flatten() {
            padded |= name.starts_with("ap") && v.as_str().is_some_and(|s| s.ends_with('='));
        }
        if padded {
            self.padded_base64.push(format!("{id} (layer {depth})"));
        }
        if protected["alg"] == Alg::Ecdh1PuA256Kw.name() && protected.get("skid").is_none() {
            self.no_skid.push(format!("{id} (layer {depth})"));
        }
    }

    fn report(&self, name: &str) -> String {
        let mut out = format!("{name}: {} envelopes inspected\n", self.envelopes);
        let mut list = |what: &str, items: &[String]| {
            out.push_str(&format!("  {what}: {}\n", items.len()));
            for i in items.iter().take(3) {
                out.push_str(&format!("    e.g. {i}\n"));
            }
        };
        list(
            "short EC coordinates in epk (read left-padded)",
            &self.short_coordinates,
        );
        list("padded base64url", &self.padded_base64);
        list("authcrypt without skid (sender from apu)", &self.no_skid);
        list("shared unprotected header", &self.unprotected_members);
        out
    }
}

/// The peer packs, this crate unpacks.
fn peer_to_authcrypt(
    world: &World,
    case: &Case,
    results: &[Value],
    seen: &mut Observations,
) -> Result<(), String> {
    let r = result_for(results, &case.id)?;
    let packed = r["packed"].as_str().ok_or("no packed message")?;
    let recipients = world.recipients(case);

    // Layer by layer, what each envelope claims; the outer layer of a protected sender is
    // opened by hand to reach the inner one.
    let mut text = packed.to_owned();
    for depth in 1..=2 {
        seen.look(&case.id, &text, depth);
        let envelope = Envelope::parse(text.as_bytes())
            .map_err(|e| format!("layer {depth} rejected: {e}\n  envelope: {text}"))?;
        let kids: BTreeSet<&str> = envelope
            .recipient_kids()
            .iter()
            .map(String::as_str)
            .collect();
        let want: BTreeSet<&str> = recipients.iter().map(String::as_str).collect();
        if kids != want {
            return Err(format!(
                "layer {depth}: recipients {kids:?}, expected {want:?}"
            ));
        }
        if envelope.curve() != case.curve {
            return Err(format!("layer {depth}: curve {}", envelope.curve()));
        }
        let sender = envelope.sender_kid().map(str::to_owned);
        let want_sender = (case.kind == Kind::Authcrypt || depth == 2).then(|| case.sender_kid());
        if sender != want_sender {
            return Err(format!(
                "layer {depth}: claims sender {sender:?}, expected {want_sender:?}"
            ));
        }
        if case.kind != Kind::ProtectSender || depth == 2 {
            break;
        }
        let (inner, _) = envelope
            .decrypt(world.secret(&recipients[0]), None)
            .map_err(|e| format!("layer {depth}: {e}\n  envelope: {text}"))?;
        text =
            String::from_utf8(inner.to_vec()).map_err(|_| "inner layer is not UTF-8".to_owned())?;
    }

    // The whole unpack, with all of Bob's keys, then with each recipient key alone.
    let check = |out: &Unpacked, who: &str| -> Result<(), String> {
        let got: Value = serde_json::from_slice(&out.plaintext)
            .map_err(|e| format!("{who}: plaintext is not JSON: {e}"))?;
        if got != case.message {
            return Err(format!(
                "{who}: plaintext differs:\n  got      {got}\n  expected {}",
                case.message
            ));
        }
        let want_sender = case.kind.has_sender().then(|| case.sender_kid());
        if out.sender_kid() != want_sender.as_deref() {
            return Err(format!(
                "{who}: sender {:?}, expected {want_sender:?}",
                out.sender_kid()
            ));
        }
        let layers: Vec<(Mode, Enc, Curve)> = out
            .layers
            .iter()
            .map(|l| (l.mode, l.enc, l.curve))
            .collect();
        let want: Vec<(Mode, Enc, Curve)> = match case.kind {
            Kind::Authcrypt => vec![(Mode::Authcrypt, Enc::A256CbcHs512, case.curve)],
            Kind::Anoncrypt => vec![(Mode::Anoncrypt, case.enc, case.curve)],
            Kind::ProtectSender => vec![
                (Mode::Anoncrypt, case.enc, case.curve),
                (Mode::Authcrypt, Enc::A256CbcHs512, case.curve),
            ],
            Kind::Signed => vec![],
        };
        if layers != want {
            return Err(format!("{who}: layers {layers:?}, expected {want:?}"));
        }
        Ok(())
    };
    let all = world.bob_keyring(&world.bob_kids(case.curve));
    let out = Unpacker::new(&all)
        .unpack(packed.as_bytes())
        .map_err(|e| format!("unpack: {e}\n  envelope: {packed}"))?;
    check(&out, "all keys")?;
    for kid in &recipients {
        let keys = world.bob_keyring(std::slice::from_ref(kid));
        let out = Unpacker::new(&keys)
            .unpack(packed.as_bytes())
            .map_err(|e| format!("unpack with {kid} alone: {e}\n  envelope: {packed}"))?;
        check(&out, kid)?;
        if out.recipient_kid() != kid {
            return Err(format!("opened by {}, expected {kid}", out.recipient_kid()));
        }
    }
    Ok(())
}

/// This crate packs for the peer.
fn pack(world: &World, case: &Case) -> Result<String, String> {
    let mut message = case.message.clone();
    if case.rotation {
        let jwt = FromPrior::sign(&world.charlie_signing, ALICE, ROTATED_AT)
            .map_err(|e| format!("from_prior: {e}"))?;
        message["from_prior"] = json!(jwt);
    }
    let message = serde_json::to_vec(&message).unwrap();
    let signer = case.sign_by.as_deref().map(|kid| world.signing_key(kid));
    if case.kind == Kind::Signed {
        let key = signer.ok_or("a signed case has a signer")?;
        return sign(key, &message).map_err(|e| format!("sign: {e}"));
    }
    let packer: AnyPacker = if case.kind.has_sender() {
        Packer::authcrypt(world.secret(&case.sender_kid()))
            .protect_sender(case.kind == Kind::ProtectSender)
            .into()
    } else {
        Packer::anoncrypt().into()
    };
    let packer = match &case.to_kid {
        Some(kid) => packer.to(&world.secret(kid).to_public()),
        None => packer
            .to_did(&world.bob_doc, BOB)
            .map_err(|e| e.to_string())?
            .prefer_curves(&[case.curve]),
    };
    let mut packer = packer.enc(case.enc);
    if let Some(key) = signer {
        packer = packer.sign_with(key);
    }
    packer.pack(&message).map_err(|e| format!("pack: {e}"))
}

/// The peer unpacks what this crate packed.
fn authcrypt_to_peer(
    world: &World,
    case: &Case,
    packed: &str,
    results: &[Value],
) -> Result<(), String> {
    let r = result_for(results, &case.id).map_err(|e| format!("{e}\n  envelope: {packed}"))?;
    if r["message"] != case.message {
        return Err(format!(
            "plaintext differs:\n  got      {}\n  expected {}",
            r["message"], case.message
        ));
    }
    let m = &r["metadata"];
    let sender = case.kind.has_sender().then(|| case.sender_kid());
    let to: BTreeSet<String> = world.recipients(case).into_iter().collect();
    let got_to: BTreeSet<String> = m["encrypted_to"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let anon_enc = (case.kind != Kind::Authcrypt).then(|| case.enc.name());
    let auth_enc = case.kind.has_sender().then(|| Enc::A256CbcHs512.name());
    let expect = [
        ("encrypted", json!(true), m["encrypted"].clone()),
        (
            "authenticated",
            json!(case.kind.has_sender()),
            m["authenticated"].clone(),
        ),
        (
            "anonymous_sender",
            json!(case.kind != Kind::Authcrypt),
            m["anonymous_sender"].clone(),
        ),
        ("encrypted_from", json!(sender), m["encrypted_from"].clone()),
        ("encrypted_to", json!(to), json!(got_to)),
        ("enc_alg_anon", json!(anon_enc), m["enc_alg_anon"].clone()),
        ("enc_alg_auth", json!(auth_enc), m["enc_alg_auth"].clone()),
    ];
    for (name, want, got) in expect {
        if want != got {
            return Err(format!("peer metadata {name} = {got}, expected {want}"));
        }
    }
    Ok(())
}

/// The layers a case's envelope has, outermost first.
fn modes(kind: Kind) -> Vec<Mode> {
    match kind {
        Kind::Signed => vec![],
        Kind::Anoncrypt => vec![Mode::Anoncrypt],
        Kind::Authcrypt => vec![Mode::Authcrypt],
        Kind::ProtectSender => vec![Mode::Anoncrypt, Mode::Authcrypt],
    }
}

/// The signed message with the first octet of its signature changed.
fn tamper_signature(signed: &str) -> Result<String, String> {
    let mut jws: Value = serde_json::from_str(signed).map_err(|e| format!("not JSON: {e}"))?;
    let sig = jws["signatures"][0]["signature"]
        .as_str()
        .ok_or("no signature")?
        .to_owned();
    let mut raw = B64.decode(&sig).map_err(|e| e.to_string())?;
    raw[0] ^= 1;
    jws["signatures"][0]["signature"] =
        json!(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw));
    Ok(jws.to_string())
}

/// The peer signs (and perhaps encrypts), this crate verifies; a signed message alone is also
/// checked to be rejected once its signature is changed.
fn peer_signed_to_authcrypt(world: &World, case: &Case, results: &[Value]) -> Result<(), String> {
    let r = result_for(results, &case.id)?;
    let packed = r["packed"].as_str().ok_or("no packed message")?;
    let signer = case.sign_by.as_deref().unwrap_or_default();
    let keys = world.bob_keyring(&world.recipients(case));
    let out = Unpacker::new(&keys)
        .unpack(packed.as_bytes())
        .map_err(|e| format!("unpack: {e}\n  message: {packed}"))?;
    let got: Value = serde_json::from_slice(&out.plaintext)
        .map_err(|e| format!("plaintext is not JSON: {e}"))?;
    if got != case.message {
        return Err(format!("plaintext differs: {got}"));
    }
    let layers: Vec<Mode> = out.layers.iter().map(|l| l.mode).collect();
    let want_alg = SIGNERS.iter().find(|(k, _)| *k == signer).map(|(_, a)| *a);
    let facts = (
        out.form,
        layers,
        out.signer_kid(),
        out.signers.first().map(|s| s.alg.name()),
        out.authenticated(),
    );
    let want = (
        MessageForm::Signed,
        modes(case.kind),
        Some(signer),
        want_alg,
        case.kind.has_sender(),
    );
    if facts != want {
        return Err(format!("reported {facts:?}, expected {want:?}"));
    }
    if case.kind == Kind::Signed {
        let bad = tamper_signature(packed)?;
        match Unpacker::new(&keys).unpack(bad.as_bytes()) {
            Err(Error::Crypto) => {}
            other => return Err(format!("a changed signature gave {other:?}")),
        }
    }
    Ok(())
}

/// The peer verifies what this crate signed (and perhaps encrypted).
fn signed_to_peer(case: &Case, packed: &str, results: &[Value]) -> Result<(), String> {
    let r = result_for(results, &case.id).map_err(|e| format!("{e}\n  message: {packed}"))?;
    if r["message"] != case.message {
        return Err(format!("plaintext differs: {}", r["message"]));
    }
    let m = &r["metadata"];
    let signer = case.sign_by.as_deref().unwrap_or_default();
    let alg = SIGNERS.iter().find(|(k, _)| *k == signer).map(|(_, a)| *a);
    let expect = [
        ("non_repudiation", json!(true), m["non_repudiation"].clone()),
        ("sign_from", json!(signer), m["sign_from"].clone()),
        ("sign_alg", json!(alg), m["sign_alg"].clone()),
        (
            "encrypted",
            json!(case.kind != Kind::Signed),
            m["encrypted"].clone(),
        ),
        // Both peers count a verified signature as authentication, with or without
        // authcrypt (this crate reports the two apart: `authenticated`, `non_repudiable`).
        ("authenticated", json!(true), m["authenticated"].clone()),
        (
            "encrypted_from",
            json!(case
                .kind
                .has_sender()
                .then(|| format!("{ALICE}#key-x25519-1"))),
            m["encrypted_from"].clone(),
        ),
    ];
    for (name, want, got) in expect {
        if want != got {
            return Err(format!("peer metadata {name} = {got}, expected {want}"));
        }
    }
    Ok(())
}

/// The message without its `from_prior`, which each side carries in its own form.
fn without_rotation(message: &Value) -> Value {
    let mut m = message.clone();
    if let Some(map) = m.as_object_mut() {
        map.remove("from_prior");
    }
    m
}

/// The peer signs the rotation and packs, this crate verifies it.
fn peer_rotation_to_authcrypt(world: &World, case: &Case, results: &[Value]) -> Result<(), String> {
    let r = result_for(results, &case.id)?;
    let packed = r["packed"].as_str().ok_or("no packed message")?;
    let keys = world.bob_keyring(&world.recipients(case));
    let out = Unpacker::new(&keys)
        .at(ROTATED_AT + 60)
        .unpack(packed.as_bytes())
        .map_err(|e| format!("unpack: {e}\n  envelope: {packed}"))?;
    let got: Value = serde_json::from_slice(&out.plaintext).map_err(|e| e.to_string())?;
    if without_rotation(&got) != without_rotation(&case.message) || !got["from_prior"].is_string() {
        return Err(format!("plaintext differs: {got}"));
    }
    let rotation = out.from_prior.ok_or("no rotation reported")?;
    let facts = (
        rotation.iss,
        rotation.sub,
        rotation.kid,
        rotation.alg.name(),
    );
    let want = (CHARLIE.into(), ALICE.into(), CHARLIE_SIG.into(), "EdDSA");
    if facts != want {
        return Err(format!("rotation {facts:?}, expected {want:?}"));
    }
    Ok(())
}

/// The peer verifies the rotation this crate signed.
fn rotation_to_peer(case: &Case, packed: &str, results: &[Value]) -> Result<(), String> {
    let r = result_for(results, &case.id).map_err(|e| format!("{e}\n  envelope: {packed}"))?;
    if without_rotation(&r["message"]) != without_rotation(&case.message) {
        return Err(format!("plaintext differs: {}", r["message"]));
    }
    let m = &r["metadata"];
    if m["from_prior_issuer_kid"] != CHARLIE_SIG {
        return Err(format!(
            "peer metadata from_prior_issuer_kid = {}",
            m["from_prior_issuer_kid"]
        ));
    }
    Ok(())
}

/// did:peer:2 DIDs of every shape this crate resolves: the specification's example, keys of
/// each purpose and kind, services with and without ids, endpoints as strings and objects.
fn did_peer_2_examples() -> Vec<String> {
    use authcrypt::did::multikey::{encode_multikey, KeyKind};
    let vectors = common::vector("did-peer-spec-examples.json");
    let spec = vectors["did_peer_2"]["did"].as_str().unwrap().to_owned();
    let x = encode_multikey(KeyKind::X25519, &[7; 32]);
    let x2 = encode_multikey(KeyKind::X25519, &[9; 32]);
    let ed = encode_multikey(
        KeyKind::Ed25519,
        &SigningKey::generate_with_rng(authcrypt::jws::SigAlg::EdDsa, &mut common::rng(2))
            .verifying_key()
            .to_encoded(),
    );
    let service = |v: Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string().as_bytes())
    };
    let dm = service(
        json!({"t": "dm", "s": {"uri": "https://a.example/didcomm", "a": ["didcomm/v2"], "r": ["did:example:mediator#key-1"]}}),
    );
    let plain = service(json!({"t": "dm", "s": "https://b.example/"}));
    let named = service(json!({"id": "#mine", "t": "LinkedDomains", "s": "https://c.example/"}));
    vec![
        spec,
        format!("did:peer:2.E{x}.V{ed}"),
        format!("did:peer:2.E{x}.E{x2}.V{ed}.A{ed}.I{ed}.D{ed}.S{dm}"),
        format!("did:peer:2.V{ed}.E{x}.S{dm}.S{plain}.S{named}.S{dm}"),
    ]
}

/// Long did:peer:4 DIDs: the specification's example and input documents encoded here (keys
/// of both kinds, a service, an embedded method).
fn did_peer_4_examples() -> Vec<String> {
    use authcrypt::did::multikey::{encode_multikey, KeyKind};
    let vectors = common::vector("did-peer-spec-examples.json");
    let spec = vectors["did_peer_4"]["long_form"]
        .as_str()
        .unwrap()
        .to_owned();
    let x = encode_multikey(KeyKind::X25519, &[5; 32]);
    let inputs = [
        json!({"@context": ["https://www.w3.org/ns/did/v1"],
               "verificationMethod": [{"id": "#x", "type": "Multikey", "publicKeyMultibase": x}],
               "keyAgreement": ["#x"],
               "service": [{"id": "#dm", "type": "DIDCommMessaging",
                            "serviceEndpoint": {"uri": "https://a.example", "accept": ["didcomm/v2"]}}]}),
        json!({"@context": ["https://www.w3.org/ns/did/v1"],
               "keyAgreement": [{"id": "#embedded", "type": "Multikey", "publicKeyMultibase": x}]}),
    ];
    let mut out = vec![spec];
    out.extend(
        inputs
            .iter()
            .map(|i| authcrypt::did::peer::peer4_from_input(i).unwrap()),
    );
    out
}

/// The peer resolves each did:peer:2 and long did:peer:4 example, and its document is this
/// crate's, member for member (for did:peer:2, an `alsoKnownAs` it adds is optional and left
/// out).
fn did_peer_2_cases(world: &World, peer: &Peer) -> Vec<(String, Result<(), String>)> {
    let mut dids = did_peer_2_examples();
    dids.extend(did_peer_4_examples());
    let cases: Vec<Value> = dids
        .iter()
        .enumerate()
        .map(|(i, did)| json!({"id": format!("{} example {i}", &did[..10]), "did": did}))
        .collect();
    let results = peer.call("resolve", &world.request(cases));
    dids.iter()
        .enumerate()
        .map(|(i, did)| {
            let id = format!("{} example {i}", &did[..10]);
            let outcome = (|| {
                let r = result_for(&results, &id)?;
                let mut theirs = r["document"].clone();
                let ours = if did.starts_with("did:peer:4") {
                    authcrypt::did::peer::peer4_document(did, did)
                } else {
                    if let Some(map) = theirs.as_object_mut() {
                        map.remove("alsoKnownAs");
                    }
                    authcrypt::did::peer::document_json(did)
                }
                .map_err(|e| e.to_string())?;
                if ours != theirs {
                    return Err(format!(
                        "documents differ:\n  ours   {ours}\n  theirs {theirs}"
                    ));
                }
                Ok(())
            })();
            (id, outcome)
        })
        .collect()
}

/// The id of the tampered copy of a signed case.
fn tampered_id(case: &Case) -> String {
    format!("{} with a changed signature", case.id)
}

/// Runs the whole matrix against one peer; prints and writes `interop: N passed, M failed`.
fn run_matrix(
    name: &'static str,
    command: Vec<String>,
    curves: &[Curve],
    peer_signs_rotations: bool,
    peer_resolves_dids: bool,
) {
    let out_dir = std::env::var_os("AUTHCRYPT_INTEROP_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("interop/.out"))
        .join(name);
    std::fs::create_dir_all(&out_dir).unwrap();
    let peer = Peer {
        name,
        command,
        out_dir: out_dir.clone(),
    };
    let world = World::load();
    let mut report: Vec<(String, Result<(), String>)> = Vec::new();

    // Peer -> authcrypt.
    let mut incoming = cases(&format!("{name}->authcrypt"), curves);
    if peer_signs_rotations {
        incoming.push(rotation_case(&format!("{name}->authcrypt")));
    }
    let results = peer.call(
        "pack",
        &world.request(incoming.iter().map(Case::peer_json).collect()),
    );
    let mut seen = Observations::default();
    for case in &incoming {
        let outcome = if case.rotation {
            peer_rotation_to_authcrypt(&world, case, &results)
        } else if case.sign_by.is_some() {
            peer_signed_to_authcrypt(&world, case, &results)
        } else {
            peer_to_authcrypt(&world, case, &results, &mut seen)
        };
        report.push((case.id.clone(), outcome));
    }

    // authcrypt -> peer.
    let mut outgoing = cases(&format!("authcrypt->{name}"), curves);
    outgoing.push(rotation_case(&format!("authcrypt->{name}")));
    let mut packed = Vec::new();
    let mut requests = Vec::new();
    for case in &outgoing {
        match pack(&world, case) {
            Ok(p) => {
                requests.push(json!({
                    "id": case.id,
                    "packed": p,
                    "curve": case.curve.name(),
                    "all_keys": true,
                }));
                if case.kind == Kind::Signed {
                    requests.push(json!({
                        "id": tampered_id(case),
                        "packed": tamper_signature(&p).unwrap(),
                        "curve": case.curve.name(),
                    }));
                }
                packed.push(Some(p));
            }
            Err(e) => {
                report.push((case.id.clone(), Err(e)));
                packed.push(None);
            }
        }
    }
    let results = peer.call("unpack", &world.request(requests));
    for (case, p) in outgoing.iter().zip(&packed) {
        let Some(p) = p else { continue };
        if case.rotation {
            report.push((case.id.clone(), rotation_to_peer(case, p, &results)));
            continue;
        }
        if case.sign_by.is_none() {
            report.push((
                case.id.clone(),
                authcrypt_to_peer(&world, case, p, &results),
            ));
            continue;
        }
        report.push((case.id.clone(), signed_to_peer(case, p, &results)));
        if case.kind == Kind::Signed {
            let id = tampered_id(case);
            let refused = match results.iter().find(|r| r["id"] == id.as_str()) {
                Some(r) if r["ok"] == false => Ok(()),
                Some(_) => Err("the peer accepted a changed signature".to_owned()),
                None => Err("the peer returned no result".to_owned()),
            };
            report.push((id, refused));
        }
    }

    if peer_resolves_dids {
        report.extend(did_peer_2_cases(&world, &peer));
    }

    let failed: Vec<&(String, Result<(), String>)> =
        report.iter().filter(|(_, r)| r.is_err()).collect();
    let mut text = String::new();
    for (id, r) in &report {
        match r {
            Ok(()) => text.push_str(&format!("ok   {id}\n")),
            Err(e) => text.push_str(&format!("FAIL {id}: {e}\n")),
        }
    }
    let observed = seen.report(&format!("{name} envelopes"));
    text.push_str(&observed);
    let summary = format!(
        "interop: {} passed, {} failed",
        report.len() - failed.len(),
        failed.len()
    );
    text.push_str(&summary);
    text.push('\n');
    std::fs::write(out_dir.join("report.txt"), &text).unwrap();
    std::fs::write(out_dir.join("summary.txt"), format!("{summary}\n")).unwrap();

    for (id, r) in &failed {
        println!("FAIL {id}: {}", r.as_ref().unwrap_err());
    }
    print!("{observed}");
    println!(
        "{name}: {summary} (details in {})",
        out_dir.join("report.txt").display()
    );
    assert!(
        failed.is_empty(),
        "{name}: {} of {} interop cases failed",
        failed.len(),
        report.len()
    );
}

/// The peer's command: from `var` if set, else `default` (relative to the crate) if it exists.
fn peer_command(var: &str, default: &str, script: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let program = match std::env::var_os(var) {
        Some(p) => PathBuf::from(p),
        None => root.join(default),
    };
    assert!(
        program.exists(),
        "the peer {} is not installed (set {var} or run interop/run.sh; \
         AUTHCRYPT_INTEROP_SKIP=1 interop/run.sh skips the interop step locally)",
        program.display()
    );
    let mut command = vec![program.to_string_lossy().into_owned()];
    command.extend(
        script
            .iter()
            .map(|s| root.join(s).to_string_lossy().into_owned()),
    );
    command
}

#[test]
#[ignore = "needs the didcomm-python peer: run interop/run.sh"]
fn didcomm_python() {
    let command = peer_command(
        "AUTHCRYPT_INTEROP_PYTHON",
        "interop/.venv/bin/python",
        &["interop/python/peer.py"],
    );
    run_matrix("didcomm-python", command, &Curve::ALL, true, true);
}

/// didcomm-rust 0.4 implements X25519 and P-256 only.
#[test]
#[ignore = "needs the didcomm-rust peer: run interop/run.sh --with-rust"]
fn didcomm_rust() {
    let command = peer_command(
        "AUTHCRYPT_INTEROP_RUST_PEER",
        "interop/rust-peer/target/debug/didcomm-rust-peer",
        &[],
    );
    // The peer's `from_prior` is a JWT it is given, not claims it signs: only its verification
    // of ours is exercised.
    run_matrix(
        "didcomm-rust",
        command,
        &[Curve::X25519, Curve::P256],
        false,
        false,
    );
}
