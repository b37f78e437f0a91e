//! didcomm-rust end to end: the crates.io `didcomm` crate (0.4, on askar-crypto 0.2) packing and
//! unpacking whole DIDComm messages, beside this crate and the primitive floor, in one criterion
//! run.
//!
//! - **didcomm-rust** pack is `Message::pack_encrypted` of a built `Message` to
//!   `did:example:bob`, from `did:example:alice` (authcrypt: ECDH-1PU+A256KW, A256CBC-HS512, no
//!   signing) or from nobody (anoncrypt: ECDH-ES+A256KW with `enc_alg_anon` set to
//!   `A256cbcHs512EcdhEsA256kw`, A256CBC-HS512 like this crate, not its XC20P default), with
//!   `forward: false` (neither side is asked to route; with `true` and no service in the DID
//!   document it would only resolve the recipient's DID once more). Every call serializes the
//!   message, resolves the DIDs through `ExampleDIDResolver` (which clones the DID document),
//!   finds the sender's secret through `ExampleSecretsResolver`, parses the JWKs and encrypts to
//!   every keyAgreement key of the recipient DID on the sender's curve: that is its real cost and
//!   it is kept. Unpack is `Message::unpack` (default `UnpackOptions`) of its own envelope, with a
//!   secrets resolver that holds the last recipient key only: it resolves the sender's DID
//!   (authcrypt), decrypts, and parses and validates the message (after anoncrypt the default
//!   `unwrap_re_wrapping_forward` also reads it once to look for a forward).
//! - **ours** packs exactly the octets didcomm-rust encrypts (its `pack_plaintext` output, a
//!   plaintext message with `id`/`typ`/`type`/`body`/`from`/`to`/`created_time` whose body is
//!   trimmed so that it is exactly the group's size) with a `Packer` built once with parsed keys
//!   (default configuration, which may use a second core), and unpacks its own envelope with an
//!   `Unpacker` over the last recipient's key set (message checks on).
//! - **floor** is the primitive floor of the other benches (`benches/common/floor.rs`), on the
//!   same plaintext, with the protected header of this crate's envelope as AAD.
//!
//! Both sides use the same keys: the DID documents (`JsonWebKey2020` verification methods) and
//! the secrets are built from the `Parties` JWKs, exported with `to_public_json` and
//! `to_private_json`. Ten recipients are one DID whose document has ten keyAgreement keys
//! (`did:example:bob#key-1` … `#key-10`, the fixtures' kids). At setup each case proves that it
//! is one protocol: this crate opens didcomm-rust's envelope and gets its plaintext, and
//! didcomm-rust unpacks this crate's envelope into the same `Message` (the bench panics
//! otherwise).
//!
//! Matrix: authcrypt and anoncrypt × X25519 and P-256 × 1 and 10 recipients × 1 KiB, 64 KiB and
//! 1 MiB. P-384 is left out: didcomm-rust 0.4.1 has no P-384 key agreement (the key types it
//! recognises are X25519, P-256, Ed25519 and secp256k1, and its JWE code leaves P-384 as a
//! TODO), so packing to a P-384 DID fails ("No common keys between sender and recipient found"
//! for authcrypt, "No key agreement keys found for recipient" for anoncrypt); setup checks
//! that it still does.
//! Groups are `e2e_pack_{size}` and `e2e_unpack_{size}`; functions `didcomm-rust`, `ours` and
//! `floor`; parameters the case.
//!
//! Run from benches/peer: `CARGO_TARGET_DIR=../../target-bench cargo bench --bench didcomm_rust`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use didcomm::algorithms::AnonCryptAlg;
use didcomm::did::resolvers::ExampleDIDResolver;
use didcomm::did::{DIDDoc, VerificationMaterial, VerificationMethod, VerificationMethodType};
use didcomm::error::ErrorKind;
use didcomm::secrets::resolvers::ExampleSecretsResolver;
use didcomm::secrets::{Secret, SecretMaterial, SecretType};
use didcomm::{
    Message, PackEncryptedMetadata, PackEncryptedOptions, UnpackMetadata, UnpackOptions,
};
use serde_json::{json, Value};

use authcrypt::didcomm::{did_of, KeySet};
use authcrypt::{Curve, Jwk};
use authcrypt_peer_bench::fixtures::{
    case_id, message, protected_member, recipient_kid, Mode, Parties, RECIPIENTS, SENDER_KID, SIZES,
};
use authcrypt_peer_bench::ours::{Ours, Tuning};
use authcrypt_peer_bench::{fixtures, floor, ours};

#[path = "../../common/measure.rs"]
mod measure;

/// The curves didcomm-rust 0.4 can agree keys on, of the fixtures' `CURVES`.
const CURVES: [Curve; 2] = [Curve::X25519, Curve::P256];

/// The JOSE `enc` of both modes.
const ENC: &str = "A256CBC-HS512";

/// Runs one of didcomm-rust's futures to completion on the calling thread.
fn run<F: std::future::Future>(future: F) -> F::Output {
    pollster::block_on(future)
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).expect("JWK JSON")
}

fn kid_of(jwk: &Jwk) -> String {
    jwk.kid().expect("fixture keys have kids").to_owned()
}

/// A DID document whose keyAgreement keys are `keys`, in order.
fn did_doc(did: &str, keys: &[Jwk]) -> DIDDoc {
    DIDDoc {
        id: did.to_owned(),
        key_agreement: keys.iter().map(kid_of).collect(),
        authentication: Vec::new(),
        verification_method: keys
            .iter()
            .map(|key| VerificationMethod {
                id: kid_of(key),
                type_: VerificationMethodType::JsonWebKey2020,
                controller: did.to_owned(),
                verification_material: VerificationMaterial::JWK {
                    public_key_jwk: json_of(&key.to_public_json()),
                },
            })
            .collect(),
        service: Vec::new(),
    }
}

/// The secret of one key pair.
fn secret(key: &Jwk) -> Secret {
    Secret {
        id: kid_of(key),
        type_: SecretType::JsonWebKey2020,
        secret_material: SecretMaterial::JWK {
            private_key_jwk: json_of(&key.to_private_json().expect("key pair")),
        },
    }
}

fn sender_did() -> &'static str {
    did_of(SENDER_KID)
}

fn recipient_did() -> String {
    did_of(&recipient_kid(0)).to_owned()
}

/// The fixture message of `size` octets as a didcomm-rust `Message`, and the plaintext
/// didcomm-rust encrypts for it (`pack_plaintext`), exactly `size` octets: the filler of the
/// body is trimmed by what didcomm-rust's serialization adds (`typ`).
fn didcomm_message(size: usize) -> (Message, Vec<u8>) {
    let fixture: Value = serde_json::from_slice(&message(size)).expect("fixture is JSON");
    let text = |name: &str| fixture[name].as_str().expect("fixture member").to_owned();
    let content = fixture["body"]["content"].as_str().expect("fixture body");
    let to: Vec<String> = fixture["to"]
        .as_array()
        .expect("fixture to")
        .iter()
        .map(|v| v.as_str().expect("a DID").to_owned())
        .collect();
    assert_eq!(to, [recipient_did()], "fixture recipient");
    assert_eq!(text("from"), sender_did(), "fixture sender");
    let build = |content: &str| {
        Message::build(text("id"), text("type"), json!({ "content": content }))
            .from(text("from"))
            .to_many(to.clone())
            .created_time(fixture["created_time"].as_u64().expect("fixture time"))
            .finalize()
    };
    let no_dids = ExampleDIDResolver::new(Vec::new());
    let plaintext = |msg: &Message| run(msg.pack_plaintext(&no_dids)).expect("pack_plaintext");
    let excess = plaintext(&build(content)).len() - size;
    let msg = build(&content[..content.len() - excess]);
    let bytes = plaintext(&msg).into_bytes();
    assert_eq!(bytes.len(), size, "plaintext size");
    (msg, bytes)
}

/// didcomm-rust's side of one case: its resolvers and options.
struct Didcomm {
    mode: Mode,
    /// The recipient's DID, `to` of `pack_encrypted`.
    to: String,
    /// The DID documents of sender and recipient (both sides know both DIDs).
    dids: ExampleDIDResolver,
    /// The sender's secret.
    sender_secrets: ExampleSecretsResolver,
    /// The unpacking recipient's secret (the last key, as in this crate's key set).
    recipient_secrets: ExampleSecretsResolver,
    options: PackEncryptedOptions,
}

impl Didcomm {
    fn new(mode: Mode, parties: &Parties) -> Didcomm {
        let to = recipient_did();
        Didcomm {
            mode,
            dids: ExampleDIDResolver::new(vec![
                did_doc(sender_did(), std::slice::from_ref(&parties.sender)),
                did_doc(&to, &parties.recipients),
            ]),
            to,
            sender_secrets: ExampleSecretsResolver::new(vec![secret(&parties.sender)]),
            recipient_secrets: ExampleSecretsResolver::new(vec![secret(
                parties.unpacking_recipient(),
            )]),
            options: PackEncryptedOptions {
                forward: false,
                enc_alg_anon: AnonCryptAlg::A256cbcHs512EcdhEsA256kw,
                ..PackEncryptedOptions::default()
            },
        }
    }

    /// `from` of `pack_encrypted`: the sender's DID for authcrypt, none for anoncrypt.
    fn from(&self) -> Option<&'static str> {
        (self.mode == Mode::Authcrypt).then(sender_did)
    }

    fn pack(&self, msg: &Message) -> didcomm::error::Result<(String, PackEncryptedMetadata)> {
        run(msg.pack_encrypted(
            &self.to,
            self.from(),
            None,
            &self.dids,
            &self.sender_secrets,
            &self.options,
        ))
    }

    fn unpack(&self, envelope: &str) -> didcomm::error::Result<(Message, UnpackMetadata)> {
        run(Message::unpack(
            envelope,
            &self.dids,
            &self.recipient_secrets,
            &UnpackOptions::default(),
        ))
    }
}

/// One case on all three sides.
struct Case {
    id: String,
    mode: Mode,
    parties: Parties,
    keys: KeySet,
    didcomm: Didcomm,
    floor: Box<dyn floor::FloorCase>,
}

impl Case {
    fn ours(&self) -> measure::OursCase<'_> {
        measure::OursCase {
            id: &self.id,
            mode: self.mode,
            parties: &self.parties,
            keys: &self.keys,
        }
    }

    fn new(mode: Mode, curve: Curve, recipients: usize, msg: &Message, plaintext: &[u8]) -> Case {
        let parties = Parties::new(curve, recipients);
        let keys = parties.keyset(mode);
        let didcomm = Didcomm::new(mode, &parties);
        let our_envelope = cross_check(&didcomm, &parties, &keys, msg, plaintext);
        let aad = protected_member(&our_envelope);
        let floor = floor::case(mode, curve, recipients, &aad);
        assert_eq!(floor.unpack(&floor.pack(plaintext)), plaintext, "floor");
        Case {
            id: case_id(mode, curve, recipients),
            mode,
            parties,
            keys,
            didcomm,
            floor,
        }
    }
}

/// Proves that both sides speak one protocol with the same keys, and returns an envelope of
/// this crate: this crate opens didcomm-rust's envelope and gets the message didcomm-rust
/// sent, and didcomm-rust unpacks this crate's envelope into the same `Message`.
fn cross_check(
    didcomm: &Didcomm,
    parties: &Parties,
    keys: &KeySet,
    msg: &Message,
    plaintext: &[u8],
) -> String {
    let mode = didcomm.mode;
    let sender = (mode == Mode::Authcrypt).then_some(SENDER_KID);
    let (theirs, meta) = didcomm.pack(msg).expect("didcomm-rust pack");
    assert_eq!(meta.to_kids, parties.kids(), "encrypted to every key");
    assert_eq!(meta.from_kid.as_deref(), sender);
    assert_eq!(meta.sign_by_kid, None);
    assert!(meta.messaging_service.is_none(), "no forward");

    // Its envelope: the algorithms of the mode, the fixtures' kids in order.
    let envelope: Value = serde_json::from_str(&theirs).expect("envelope JSON");
    let kids: Vec<&str> = envelope["recipients"]
        .as_array()
        .expect("general JSON")
        .iter()
        .map(|r| r["header"]["kid"].as_str().expect("kid"))
        .collect();
    assert_eq!(kids, parties.kids(), "recipient kids");
    let parsed = authcrypt::didcomm::Envelope::parse(theirs.as_bytes())
        .expect("this crate parses didcomm-rust's envelope");
    assert_eq!(parsed.alg().to_string(), mode.alg());
    assert_eq!(parsed.enc().to_string(), ENC);
    assert_eq!(parsed.curve(), parties.curve);
    assert_eq!(parsed.sender_kid(), sender);

    // This crate opens didcomm-rust's envelope.
    let ours = Ours::new(Tuning::Default, mode, parties, keys, plaintext);
    let opened = ours
        .unpacker
        .unpack(theirs.as_bytes())
        .expect("this crate unpacks didcomm-rust's envelope");
    let sent = serde_json::to_value(msg).expect("message JSON");
    let got: Value = serde_json::from_slice(&opened.plaintext).expect("plaintext JSON");
    assert_eq!(got, sent, "the same message");
    assert_eq!(&opened.plaintext[..], plaintext, "the same octets");
    assert_eq!(opened.mode().map(|m| m.to_string()).as_deref(), Some(mode.name()));
    assert_eq!(opened.sender_kid(), sender);
    assert_eq!(
        opened.recipient_kid(),
        kid_of(parties.unpacking_recipient())
    );

    // didcomm-rust unpacks this crate's envelope, and its own.
    let our_envelope = ours.packer.pack(plaintext).expect("pack");
    let (unpacked, meta) = didcomm
        .unpack(&our_envelope)
        .expect("didcomm-rust unpacks this crate's envelope");
    assert_eq!(&unpacked, msg, "the same message");
    assert!(meta.encrypted);
    assert_eq!(meta.authenticated, mode == Mode::Authcrypt);
    assert_eq!(meta.anonymous_sender, mode == Mode::Anoncrypt);
    assert_eq!(meta.encrypted_from_kid.as_deref(), sender);
    assert_eq!(meta.encrypted_to_kids, Some(parties.kids()));
    match mode {
        Mode::Authcrypt => assert!(meta.enc_alg_auth.is_some()),
        Mode::Anoncrypt => assert_eq!(
            meta.enc_alg_anon,
            Some(AnonCryptAlg::A256cbcHs512EcdhEsA256kw)
        ),
    }
    let (own, _) = didcomm.unpack(&theirs).expect("didcomm-rust unpack");
    assert_eq!(&own, msg, "didcomm-rust round trip");
    our_envelope
}

/// didcomm-rust has no P-384 key agreement: packing to a P-384 DID is refused (while this
/// crate packs the same case).
fn check_no_p384(msg: &Message, plaintext: &[u8]) {
    for mode in Mode::ALL {
        let parties = Parties::new(Curve::P384, 1);
        let keys = parties.keyset(mode);
        let err = Didcomm::new(mode, &parties)
            .pack(msg)
            .expect_err("didcomm-rust packs P-384");
        // It does not know the key type, so it finds no key to use.
        let expected = match mode {
            Mode::Authcrypt => ErrorKind::NoCompatibleCrypto,
            Mode::Anoncrypt => ErrorKind::InvalidState,
        };
        assert_eq!(err.kind(), expected, "{mode:?} P-384: {err}");
        Ours::new(Tuning::Default, mode, &parties, &keys, plaintext);
    }
}

fn end_to_end(c: &mut Criterion) {
    for (size, label) in SIZES {
        let (msg, plaintext) = didcomm_message(size);
        check_no_p384(&msg, &plaintext);
        let mut cases = Vec::new();
        for mode in Mode::ALL {
            for curve in CURVES {
                for n in RECIPIENTS {
                    cases.push(Case::new(mode, curve, n, &msg, &plaintext));
                }
            }
        }

        let mut group = c.benchmark_group(format!("e2e_pack_{label}"));
        measure::configure(&mut group, size);
        for case in &cases {
            group.bench_function(BenchmarkId::new("didcomm-rust", &case.id), |b| {
                b.iter(|| {
                    case.didcomm
                        .pack(black_box(&msg))
                        .expect("didcomm-rust pack")
                })
            });
            measure::bench_pack(&mut group, &case.ours(), &plaintext, &[Tuning::Default]);
            measure::bench_floor_pack(&mut group, &case.id, case.floor.as_ref(), &plaintext);
        }
        group.finish();

        let mut group = c.benchmark_group(format!("e2e_unpack_{label}"));
        measure::configure(&mut group, size);
        for case in &cases {
            let (envelope, _) = case.didcomm.pack(&msg).expect("didcomm-rust pack");
            group.bench_function(BenchmarkId::new("didcomm-rust", &case.id), |b| {
                b.iter(|| {
                    case.didcomm
                        .unpack(black_box(&envelope))
                        .expect("didcomm-rust unpack")
                })
            });
            measure::bench_unpack(&mut group, &case.ours(), &plaintext, &[Tuning::Default]);
            measure::bench_floor_unpack(&mut group, &case.id, case.floor.as_ref(), &plaintext);
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = end_to_end
}
criterion_main!(benches);
