//! DIDComm signed messages (rules V1–V9 of `docs/rules.md`): each test builds a message that
//! would tell a receiver a wrong signer, or a signer bound to the wrong sender, and asserts
//! the specific error; and the four nestings report what the keys proved.

mod common;

use authcrypt::didcomm::{
    check_message, sign, DidDocument, Envelope, KeySet, MessageForm, Mode, Packer, SignedMessage,
    Unpacked, Unpacker, TYP_SIGNED,
};
use authcrypt::error::SignedProblem;
use authcrypt::jws::{SigAlg, Signer, SigningKey};
use authcrypt::{Curve, Error, Jwk, ProfileError, Serialization};
use common::edit::edit_json;
use common::{b64, profile, unb64};
use serde_json::{json, Value};

const ALICE: &str = "did:example:alice";
const ALICE_KA: &str = "did:example:alice#key-x25519-1";
const ALICE_SIG: &str = "did:example:alice#key-1";
const ALICE_P256: &str = "did:example:alice#key-p256-1";
const BOB_KA: &str = "did:example:bob#key-x25519-1";
const MALLORY_KA: &str = "did:example:mallory#key-x25519-1";
const MALLORY_SIG: &str = "did:example:mallory#key-1";

struct World {
    alice: Jwk,
    alice_sig: SigningKey,
    /// A P-256 key Alice lists under keyAgreement only.
    alice_p256: SigningKey,
    bob: Jwk,
    mallory: Jwk,
    mallory_sig: SigningKey,
}

fn world() -> World {
    World {
        alice: Jwk::generate(Curve::X25519).with_kid(ALICE_KA),
        alice_sig: SigningKey::generate(SigAlg::EdDsa).with_kid(ALICE_SIG),
        alice_p256: SigningKey::generate(SigAlg::Es256).with_kid(ALICE_P256),
        bob: Jwk::generate(Curve::X25519).with_kid(BOB_KA),
        mallory: Jwk::generate(Curve::X25519).with_kid(MALLORY_KA),
        mallory_sig: SigningKey::generate(SigAlg::EdDsa).with_kid(MALLORY_SIG),
    }
}

fn public_jwk(json: &str) -> Value {
    let mut v: Value = serde_json::from_str(json).unwrap();
    v.as_object_mut().unwrap().remove("kid");
    v
}

/// Alice's DID document: an X25519 and a P-256 key for key agreement, an Ed25519 key for
/// authentication.
fn alice_document(w: &World) -> Value {
    json!({
        "id": ALICE,
        "verificationMethod": [
            {"id": "#key-x25519-1", "type": "JsonWebKey2020", "controller": ALICE,
             "publicKeyJwk": public_jwk(&w.alice.to_public_json())},
            {"id": "#key-p256-1", "type": "JsonWebKey2020", "controller": ALICE,
             "publicKeyJwk": public_jwk(&w.alice_p256.verifying_key().to_json())},
        ],
        "keyAgreement": ["#key-x25519-1", "#key-p256-1"],
        "authentication": [
            {"id": ALICE_SIG, "type": "JsonWebKey2020", "controller": ALICE,
             "publicKeyJwk": public_jwk(&w.alice_sig.verifying_key().to_json())},
        ],
    })
}

fn mallory_document(w: &World) -> Value {
    json!({
        "id": "did:example:mallory",
        "keyAgreement": [{"id": MALLORY_KA, "type": "JsonWebKey2020",
                          "publicKeyJwk": public_jwk(&w.mallory.to_public_json())}],
        "authentication": [{"id": MALLORY_SIG, "type": "JsonWebKey2020",
                            "publicKeyJwk": public_jwk(&w.mallory_sig.verifying_key().to_json())}],
    })
}

/// Bob's keyring: his secret and the DID documents of Alice and Mallory.
fn bob_keys(w: &World) -> KeySet {
    let mut keys = KeySet::new();
    keys.insert(w.bob.clone()).unwrap();
    for doc in [alice_document(w), mallory_document(w)] {
        keys.extend(KeySet::from_json(doc.to_string().as_bytes()).unwrap())
            .unwrap();
    }
    keys
}

fn message(from: Option<&str>, to: &str) -> Vec<u8> {
    let mut m = json!({"id": "1", "type": "https://example.org/t", "to": [to], "body": {"a": 1}});
    if let Some(from) = from {
        m["from"] = from.into();
    }
    m.to_string().into_bytes()
}

fn from_alice() -> Vec<u8> {
    message(Some(ALICE), "did:example:bob")
}

fn unpack(w: &World, input: &[u8]) -> Result<Unpacked, Error> {
    Unpacker::new(&bob_keys(w)).unpack(input)
}

/// The DIDComm rule by which Bob refuses `input`.
fn refused(w: &World, input: &[u8]) -> ProfileError {
    profile(unpack(w, input).unwrap_err())
}

/// A signed message as a peer might send it: any key, any claims.
fn signed_by(key: &SigningKey, payload: &[u8]) -> String {
    Signer::new(key).typ(TYP_SIGNED).sign(payload).unwrap()
}

/// The signed message with one thing changed: its payload (another valid message), its first
/// protected header (one member more) or its first signature (one bit).
fn tampered(jws: &str) -> [String; 3] {
    let payload = edit_json(jws, |m| {
        let other = String::from_utf8(from_alice())
            .unwrap()
            .replace(r#""id":"1""#, r#""id":"2""#);
        m["payload"] = b64(other.as_bytes()).into();
    });
    let protected = edit_json(jws, |m| {
        let entry = &mut m["signatures"][0];
        let mut header: Value =
            serde_json::from_slice(&unb64(entry["protected"].as_str().unwrap())).unwrap();
        header["x"] = 1.into();
        entry["protected"] = b64(header.to_string().as_bytes()).into();
    });
    let signature = edit_json(jws, |m| {
        let entry = &mut m["signatures"][0];
        let mut raw = unb64(entry["signature"].as_str().unwrap());
        raw[0] ^= 1;
        entry["signature"] = b64(&raw).into();
    });
    [payload, protected, signature]
}

// ------------------------------------------------------------------------------------------

#[test]
fn rule_v1_a_signed_message_is_json_with_a_did_url_kid_per_signature_and_its_own_typ() {
    let w = world();
    let compact = Signer::new(&w.alice_sig)
        .serialization(Serialization::Compact)
        .sign(&from_alice())
        .unwrap();
    assert_eq!(
        profile(SignedMessage::parse(compact.as_bytes()).unwrap_err()),
        ProfileError::NotGeneralJson(Serialization::Compact)
    );
    let typed = |typ: &str| {
        Signer::new(&w.alice_sig)
            .typ(typ)
            .sign(&from_alice())
            .unwrap()
    };
    assert_eq!(
        refused(&w, typed("application/didcomm-encrypted+json").as_bytes()),
        ProfileError::WrongSignedTyp("application/didcomm-encrypted+json".into())
    );
    // The short form of the media type is the same type; no typ at all is accepted too.
    assert!(unpack(&w, typed("didcomm-signed+json").as_bytes()).is_ok());
    let untyped = Signer::new(&w.alice_sig).sign(&from_alice()).unwrap();
    assert!(unpack(&w, untyped.as_bytes()).is_ok());

    let anonymous_key = SigningKey::generate(SigAlg::EdDsa);
    assert_eq!(
        refused(&w, signed_by(&anonymous_key, &from_alice()).as_bytes()),
        ProfileError::InvalidSignedMessage(SignedProblem::NoKid)
    );
    let not_did = w.alice_sig.clone().with_kid("key-1");
    assert_eq!(
        refused(&w, signed_by(&not_did, &from_alice()).as_bytes()),
        ProfileError::NotDidUrl("key-1".into())
    );
}

#[test]
fn rule_v2_signer_keys_come_from_authentication_methods_only() {
    let w = world();
    // Alice's P-256 key is a key-agreement method of her DID, not an authentication method:
    // a signature by it proves nothing, though it verifies.
    let by_p256 = signed_by(&w.alice_p256, &from_alice());
    assert_eq!(
        refused(&w, by_p256.as_bytes()),
        ProfileError::UnknownSigner(ALICE_P256.into())
    );
    let doc = DidDocument::from_json(alice_document(&w).to_string().as_bytes()).unwrap();
    assert_eq!(doc.authentication_keys(), [w.alice_sig.verifying_key()]);
    assert!(doc
        .key_agreement_keys()
        .iter()
        .any(|k| k.kid() == Some(ALICE_P256)));
    // Listed under authentication as well, the same key signs for Alice.
    let mut both = alice_document(&w);
    both["authentication"]
        .as_array_mut()
        .unwrap()
        .push("#key-p256-1".into());
    let mut keys = KeySet::new();
    keys.extend(KeySet::from_json(both.to_string().as_bytes()).unwrap())
        .unwrap();
    let out = Unpacker::new(&keys).unpack(by_p256.as_bytes()).unwrap();
    assert_eq!(out.signer_kid(), Some(ALICE_P256));
    assert_eq!(out.signers[0].alg, SigAlg::Es256);
    // An unknown signer is refused in every nesting.
    let stranger = SigningKey::generate(SigAlg::EdDsa).with_kid("did:example:alice#key-9");
    let env = Packer::anoncrypt()
        .to(&w.bob)
        .pack(signed_by(&stranger, &from_alice()).as_bytes())
        .unwrap();
    assert_eq!(
        refused(&w, env.as_bytes()),
        ProfileError::UnknownSigner("did:example:alice#key-9".into())
    );
}

#[test]
fn rule_v3_every_signature_verifies_or_the_message_is_rejected() {
    let w = world();
    let good = sign(&w.alice_sig, &from_alice()).unwrap();
    for bad in &tampered(&good) {
        assert_eq!(
            unpack(&w, bad.as_bytes()).unwrap_err(),
            Error::Crypto,
            "{bad}"
        );
        let env = Packer::authcrypt(&w.alice)
            .to(&w.bob)
            .pack(bad.as_bytes())
            .unwrap();
        assert_eq!(unpack(&w, env.as_bytes()).unwrap_err(), Error::Crypto);
    }
    // Two signatures by Alice's keys: both must verify.
    let mut keys = bob_keys(&w);
    let second = SigningKey::generate(SigAlg::Es256K).with_kid("did:example:alice#key-3");
    keys.insert_verification_key(second.verifying_key())
        .unwrap();
    let twice = Signer::new(&w.alice_sig)
        .also(&second)
        .typ(TYP_SIGNED)
        .sign(&from_alice())
        .unwrap();
    let out = Unpacker::new(&keys).unpack(twice.as_bytes()).unwrap();
    assert_eq!(out.signers.len(), 2);
    assert_eq!(out.signers[1].alg, SigAlg::Es256K);
    let broken = edit_json(&twice, |m| {
        let entry = &mut m["signatures"][1];
        let mut raw = unb64(entry["signature"].as_str().unwrap());
        raw[10] ^= 1;
        entry["signature"] = b64(&raw).into();
    });
    assert_eq!(
        Unpacker::new(&keys).unpack(broken.as_bytes()).unwrap_err(),
        Error::Crypto
    );
}

#[test]
fn rule_v4_every_signer_is_a_key_of_the_messages_from() {
    let w = world();
    // Mallory signs, with his own key, a message that claims to be from Alice.
    let forged = signed_by(&w.mallory_sig, &from_alice());
    assert_eq!(refused(&w, forged.as_bytes()), ProfileError::SignerNotFrom);
    let env = Packer::anoncrypt()
        .to(&w.bob)
        .pack(forged.as_bytes())
        .unwrap();
    assert_eq!(refused(&w, env.as_bytes()), ProfileError::SignerNotFrom);
    // A signed message must say who it is from.
    let no_from = signed_by(&w.alice_sig, &message(None, "did:example:bob"));
    assert_eq!(
        refused(&w, no_from.as_bytes()),
        ProfileError::InvalidSignedMessage(SignedProblem::NoFrom)
    );
    let odd_from = signed_by(
        &w.alice_sig,
        json!({"id": "1", "type": "t", "from": [ALICE], "body": {}})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(
        refused(&w, odd_from.as_bytes()),
        ProfileError::FromNotString
    );
    // A DID URL is not the DID.
    let url_from = signed_by(&w.alice_sig, &message(Some(ALICE_SIG), "did:example:bob"));
    assert_eq!(
        refused(&w, url_from.as_bytes()),
        ProfileError::SignerNotFrom
    );
}

#[test]
fn rule_v5_inside_authcrypt_the_signer_is_the_sender() {
    let w = world();
    // Mallory takes a message Alice signed and authcrypts it to Bob as his own: the signature
    // is genuine, the sender is Mallory, and the two must not be reported together.
    let alices = sign(&w.alice_sig, &from_alice()).unwrap();
    let env = Packer::authcrypt(&w.mallory)
        .to(&w.bob)
        .pack(alices.as_bytes())
        .unwrap();
    assert_eq!(refused(&w, env.as_bytes()), ProfileError::SignerNotSender);
    let protected = Packer::authcrypt(&w.mallory)
        .protect_sender(true)
        .to(&w.bob)
        .pack(alices.as_bytes())
        .unwrap();
    assert_eq!(
        refused(&w, protected.as_bytes()),
        ProfileError::SignerNotSender
    );
    // Forwarded anonymously, Alice's signed message is hers and nobody's sending.
    let env = Packer::anoncrypt()
        .to(&w.bob)
        .pack(alices.as_bytes())
        .unwrap();
    let out = unpack(&w, env.as_bytes()).unwrap();
    assert!(!out.authenticated());
    assert_eq!(out.signer_kid(), Some(ALICE_SIG));
}

#[test]
fn rule_v6_a_signed_message_is_addressed_as_its_envelope_was() {
    let w = world();
    let for_carol = sign(&w.alice_sig, &message(Some(ALICE), "did:example:carol")).unwrap();
    let env = Packer::anoncrypt()
        .to(&w.bob)
        .pack(for_carol.as_bytes())
        .unwrap();
    assert_eq!(refused(&w, env.as_bytes()), ProfileError::ToMismatch);
    let env = Packer::authcrypt(&w.alice)
        .to(&w.bob)
        .pack(for_carol.as_bytes())
        .unwrap();
    assert_eq!(refused(&w, env.as_bytes()), ProfileError::ToMismatch);
    // On its own a signed message has no recipient key to compare `to` with.
    assert!(unpack(&w, for_carol.as_bytes()).is_ok());
    // The payload is one plaintext message: not another signed message, not an envelope.
    for payload in [
        for_carol.clone().into_bytes(),
        b"[1]".to_vec(),
        b"plain words".to_vec(),
    ] {
        let nested = signed_by(&w.alice_sig, &payload);
        assert_eq!(
            refused(&w, nested.as_bytes()),
            ProfileError::InvalidSignedMessage(SignedProblem::PayloadNotMessage)
        );
    }
}

#[test]
fn rule_v7_each_nesting_reports_authentication_and_non_repudiation_separately() {
    let w = world();
    let m = from_alice();
    let signed = sign(&w.alice_sig, &m).unwrap();
    let auth = Packer::authcrypt(&w.alice)
        .sign_with(&w.alice_sig)
        .to(&w.bob);
    let cases = [
        ("sign(m)", signed.clone(), vec![], false),
        (
            "anoncrypt(sign(m))",
            Packer::anoncrypt()
                .sign_with(&w.alice_sig)
                .to(&w.bob)
                .pack(&m)
                .unwrap(),
            vec![Mode::Anoncrypt],
            false,
        ),
        (
            "authcrypt(sign(m))",
            auth.pack(&m).unwrap(),
            vec![Mode::Authcrypt],
            true,
        ),
        (
            "anoncrypt(authcrypt(sign(m)))",
            auth.clone().protect_sender(true).pack(&m).unwrap(),
            vec![Mode::Anoncrypt, Mode::Authcrypt],
            true,
        ),
    ];
    for (name, input, modes, authenticated) in cases {
        let out = unpack(&w, input.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(out.plaintext[..], m[..], "{name}");
        assert_eq!(out.form, MessageForm::Signed, "{name}");
        assert_eq!(
            out.layers.iter().map(|l| l.mode).collect::<Vec<_>>(),
            modes,
            "{name}"
        );
        assert_eq!(out.authenticated(), authenticated, "{name}");
        assert_eq!(
            out.sender_kid(),
            authenticated.then_some(ALICE_KA),
            "{name}"
        );
        assert!(out.non_repudiable(), "{name}");
        assert_eq!(out.signer_kid(), Some(ALICE_SIG), "{name}");
        assert_eq!(out.signers[0].alg, SigAlg::EdDsa, "{name}");
        // The signed message kept is the proof: a third party with only Alice's DID document
        // verifies it again.
        let proof = out.signed_message.as_ref().expect("the signed message");
        let judge = KeySet::from_json(alice_document(&w).to_string().as_bytes()).unwrap();
        let again = SignedMessage::parse(proof)
            .unwrap()
            .verify(&judge, None)
            .unwrap();
        assert_eq!(again.payload[..], m[..]);
    }
    // A plaintext message reports no signer.
    let plain = Packer::authcrypt(&w.alice).to(&w.bob).pack(&m).unwrap();
    let out = unpack(&w, plain.as_bytes()).unwrap();
    assert!(out.authenticated() && !out.non_repudiable());
    assert!(out.signed_message.is_none());
    // With the message checks off, a signed message is returned as received, unverified.
    let env = Packer::anoncrypt()
        .to(&w.bob)
        .pack(signed_by(&w.mallory_sig, &m).as_bytes())
        .unwrap();
    let out = Unpacker::new(&bob_keys(&w))
        .message_checks(false)
        .unpack(env.as_bytes())
        .unwrap();
    assert_eq!(out.form, MessageForm::Unchecked);
    assert!(!out.non_repudiable());
}

#[test]
fn rule_v8_two_step_unpack_names_the_signer_before_any_key_is_resolved() {
    let w = world();
    let env = Packer::authcrypt(&w.alice)
        .sign_with(&w.alice_sig)
        .to(&w.bob)
        .pack(&from_alice())
        .unwrap();
    let envelope = Envelope::parse(env.as_bytes()).unwrap();
    assert_eq!(envelope.sender_kid(), Some(ALICE_KA));
    let (plaintext, layer) = envelope
        .decrypt(&w.bob, Some(&w.alice.to_public()))
        .unwrap();
    assert_eq!(
        check_message(&plaintext, &layer).unwrap(),
        MessageForm::SignedUnverified
    );
    let signed = SignedMessage::parse(&plaintext).unwrap();
    assert_eq!(signed.signer_kids(), [ALICE_SIG]);
    // The caller resolves the signer (here: straight from Alice's document) and verifies.
    let doc = DidDocument::from_json(alice_document(&w).to_string().as_bytes()).unwrap();
    let verified = signed.clone().verify(&doc, Some(&layer)).unwrap();
    assert_eq!(verified.payload[..], from_alice()[..]);
    assert_eq!(verified.signers[0].kid, ALICE_SIG);
    // A layer that says authcrypt but names no sender binds nothing, so it is refused.
    let mut no_sender = layer.clone();
    no_sender.sender_kid = None;
    assert_eq!(
        profile(signed.clone().verify(&doc, Some(&no_sender)).unwrap_err()),
        ProfileError::NoSenderKid
    );
    // A resolver that answers with a key under another kid is not believed.
    struct Liar(authcrypt::jws::VerifyingKey);
    impl authcrypt::didcomm::KeyResolver for Liar {
        fn public_key(&self, _kid: &str) -> Option<Jwk> {
            None
        }
        fn verification_key(&self, _kid: &str) -> Option<authcrypt::jws::VerifyingKey> {
            Some(self.0.clone())
        }
    }
    let liar = Liar(
        w.alice_sig
            .verifying_key()
            .with_kid("did:example:alice#other"),
    );
    assert_eq!(
        profile(signed.clone().verify(&liar, Some(&layer)).unwrap_err()),
        ProfileError::UnknownSigner(ALICE_SIG.into())
    );
    // The same binding rules hold in two steps: Mallory's layer around Alice's signature.
    let mut mallorys = layer.clone();
    mallorys.sender_kid = Some(MALLORY_KA.into());
    assert_eq!(
        profile(signed.verify(&doc, Some(&mallorys)).unwrap_err()),
        ProfileError::SignerNotSender
    );
}

#[test]
fn rule_v9_packing_refuses_what_the_receiver_would_refuse() {
    let w = world();
    assert_eq!(
        profile(sign(&SigningKey::generate(SigAlg::EdDsa), &from_alice()).unwrap_err()),
        ProfileError::InvalidSignedMessage(SignedProblem::NoKid)
    );
    assert_eq!(
        profile(sign(&w.alice_sig.clone().with_kid("k"), &from_alice()).unwrap_err()),
        ProfileError::NotDidUrl("k".into())
    );
    assert_eq!(
        profile(sign(&w.mallory_sig, &from_alice()).unwrap_err()),
        ProfileError::SignerNotFrom
    );
    assert_eq!(
        profile(sign(&w.alice_sig, &message(None, "did:example:bob")).unwrap_err()),
        ProfileError::InvalidSignedMessage(SignedProblem::NoFrom)
    );
    assert_eq!(
        profile(
            Packer::authcrypt(&w.mallory)
                .sign_with(&w.alice_sig)
                .to(&w.bob)
                .pack(&from_alice())
                .unwrap_err()
        ),
        ProfileError::SignerNotSender
    );
    // What sign() writes: general JSON, the typ and alg protected, the kid per signature.
    let jws: Value = serde_json::from_str(&sign(&w.alice_sig, &from_alice()).unwrap()).unwrap();
    let entry = &jws["signatures"][0];
    let protected: Value =
        serde_json::from_slice(&unb64(entry["protected"].as_str().unwrap())).unwrap();
    assert_eq!(protected, json!({"typ": TYP_SIGNED, "alg": "EdDSA"}));
    assert_eq!(entry["header"], json!({"kid": ALICE_SIG}));
    assert_eq!(unb64(jws["payload"].as_str().unwrap()), from_alice());
}

#[test]
fn key_files_give_signature_keys_by_curve_and_use() {
    let w = world();
    let sig = w.alice_sig.verifying_key().to_json();
    let set = KeySet::from_json(sig.as_bytes()).unwrap();
    assert_eq!(set.len(), 0, "an Ed25519 key is no key-agreement key");
    assert_eq!(set.verification_keys().count(), 1);
    // A P-256 key serves both uses unless its `use` narrows it.
    let p256 = w.alice_p256.verifying_key().to_json();
    let both = KeySet::from_json(p256.as_bytes()).unwrap();
    assert_eq!((both.len(), both.verification_keys().count()), (1, 1));
    let with_use = |u: &str| {
        let mut v: Value = serde_json::from_str(&p256).unwrap();
        v["use"] = u.into();
        KeySet::from_json(v.to_string().as_bytes())
    };
    let enc = with_use("enc").unwrap();
    assert_eq!((enc.len(), enc.verification_keys().count()), (1, 0));
    let sig_only = with_use("sig").unwrap();
    assert_eq!(
        (sig_only.len(), sig_only.verification_keys().count()),
        (0, 1)
    );
    assert!(matches!(with_use("both"), Err(Error::InvalidMember { .. })));
    let mut x25519: Value = serde_json::from_str(&w.bob.to_public_json()).unwrap();
    x25519["use"] = "sig".into();
    assert!(matches!(
        KeySet::from_json(x25519.to_string().as_bytes()),
        Err(Error::InvalidMember { .. })
    ));
    // The private JWK of a signature key gives its public half, checked against `d`.
    let private = KeySet::from_json(w.alice_sig.to_json().as_bytes()).unwrap();
    assert_eq!(
        private.verification_keys().next(),
        Some(&w.alice_sig.verifying_key())
    );
}
