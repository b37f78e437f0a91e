//! Sender and key binding (rules M1–M6, K1–K5 and N1–N2 of `docs/rules.md`): each test builds
//! an attack in which a receiver could be told a sender, or a `from`, that no key proved, and
//! asserts the specific error.

mod common;

use authcrypt::didcomm::{
    check_message, DidDocument, Envelope, KeyResolver, KeySet, MessageForm, Mode, Packer, Unpacker,
};
use authcrypt::error::{MixedForm, SignedProblem};
use authcrypt::{Curve, Error, Jwk, ProfileError};
use common::edit::{edit_json, edit_protected};
use common::{b64, profile};
use serde_json::{json, Value};

const ALICE: &str = "did:example:alice#key-1";
const BOB: &str = "did:example:bob#key-1";
const CAROL: &str = "did:example:carol#key-1";
const MALLORY: &str = "did:example:mallory#key-1";

struct World {
    alice: Jwk,
    bob: Jwk,
    carol: Jwk,
    mallory: Jwk,
}

fn world() -> World {
    let key = |kid: &str| Jwk::generate(Curve::X25519).with_kid(kid);
    World {
        alice: key(ALICE),
        bob: key(BOB),
        carol: key(CAROL),
        mallory: key(MALLORY),
    }
}

/// Bob's keyring: his secret and the public keys of everyone else.
fn bob_keys(w: &World) -> KeySet {
    let mut keys = KeySet::new();
    keys.insert(w.bob.clone()).unwrap();
    for k in [&w.alice, &w.carol, &w.mallory] {
        keys.insert(k.to_public()).unwrap();
    }
    keys
}

/// Mallory authcrypts `plaintext` to Bob; Bob unpacks with the default checks.
fn from_mallory(w: &World, plaintext: &[u8]) -> Result<authcrypt::didcomm::Unpacked, Error> {
    let env = Packer::authcrypt(&w.mallory)
        .to(&w.bob)
        .pack(plaintext)
        .unwrap();
    Unpacker::new(&bob_keys(w)).unpack(env.as_bytes())
}

/// Someone anoncrypts `plaintext` to Bob; Bob unpacks with the default checks.
fn anonymous(w: &World, plaintext: &[u8]) -> Result<authcrypt::didcomm::Unpacked, Error> {
    let env = Packer::anoncrypt().to(&w.bob).pack(plaintext).unwrap();
    Unpacker::new(&bob_keys(w)).unpack(env.as_bytes())
}

/// A message that claims to come from Alice.
fn claims_alice() -> Value {
    json!({"id": "1", "type": "https://example.org/t", "from": "did:example:alice",
           "to": ["did:example:bob"], "body": {}})
}

fn jws_of(payload: &str) -> Value {
    json!({"payload": payload,
           "signatures": [{"protected": b64(br#"{"alg":"EdDSA"}"#), "signature": b64(&[0; 64])}]})
}

// ------------------------------------------------------------------------------------------
// M1–M6: the plaintext is exactly one DIDComm form, and its from/to are checked
// ------------------------------------------------------------------------------------------

#[test]
fn rule_m1_a_plaintext_that_is_not_a_json_object_is_not_a_message() {
    let w = world();
    for text in [
        &b"Hello, Bob!"[..],
        b"",
        b"[1,2]",
        b"\"did:example:alice\"",
        b"\x0c{}",
    ] {
        assert_eq!(
            profile(from_mallory(&w, text).unwrap_err()),
            ProfileError::NotAMessage
        );
    }
    // With the checks off, the content is returned unexamined and the sender is still the key.
    let env = Packer::authcrypt(&w.mallory)
        .to(&w.bob)
        .pack(b"Hello")
        .unwrap();
    let keys = bob_keys(&w);
    let out = Unpacker::new(&keys)
        .message_checks(false)
        .unpack(env.as_bytes())
        .unwrap();
    assert_eq!(out.form, MessageForm::Unchecked);
    assert_eq!(out.sender_kid(), Some(MALLORY));
}

#[test]
fn rule_m1_a_byte_order_mark_before_the_object_is_rejected() {
    let w = world();
    let mut text = b"\xEF\xBB\xBF".to_vec();
    text.extend(claims_alice().to_string().as_bytes());
    assert_eq!(
        profile(from_mallory(&w, &text).unwrap_err()),
        ProfileError::ByteOrderMark
    );
    assert_eq!(
        profile(anonymous(&w, &text).unwrap_err()),
        ProfileError::ByteOrderMark
    );
}

#[test]
fn rule_m2_signed_message_members_beside_message_members_are_ambiguous() {
    let w = world();
    // The JWS payload is harmless; the top-level from claims Alice.
    let inner = json!({"id": "2", "type": "t", "body": {}}).to_string();
    let mut mixed = jws_of(&b64(inner.as_bytes()));
    for (name, value) in claims_alice().as_object().unwrap() {
        mixed[name] = value.clone();
    }
    let text = mixed.to_string();
    for result in [
        from_mallory(&w, text.as_bytes()),
        anonymous(&w, text.as_bytes()),
    ] {
        assert_eq!(
            profile(result.unwrap_err()),
            ProfileError::AmbiguousMessage(MixedForm::Signed)
        );
    }
    // `payload` alone is a signed-message member too.
    let text = json!({"payload": "e30", "from": "did:example:alice"}).to_string();
    assert_eq!(
        profile(from_mallory(&w, text.as_bytes()).unwrap_err()),
        ProfileError::AmbiguousMessage(MixedForm::Signed)
    );
}

#[test]
fn rule_m2_envelope_members_beside_message_members_are_ambiguous() {
    let w = world();
    let inner = Packer::anoncrypt().to(&w.bob).pack(b"{}").unwrap();
    let text = edit_json(&inner, |t| {
        t.insert("from".into(), json!("did:example:alice"));
    });
    assert_eq!(
        profile(from_mallory(&w, text.as_bytes()).unwrap_err()),
        ProfileError::AmbiguousMessage(MixedForm::Envelope)
    );
    // A member only an envelope has makes the plaintext an envelope, which must then be one.
    let text = json!({"tag": "AAAA", "body": {}}).to_string();
    assert_eq!(
        profile(from_mallory(&w, text.as_bytes()).unwrap_err()),
        ProfileError::AmbiguousMessage(MixedForm::Envelope)
    );
    assert!(matches!(
        from_mallory(&w, br#"{"ciphertext":"AAAA"}"#),
        Err(Error::MissingMember { .. })
    ));
}

#[test]
fn rule_m3_a_signed_message_inside_an_envelope_is_read_whole_and_never_half_trusted() {
    let w = world();
    let signed = |payload: &str| jws_of(payload).to_string();
    // Inside either mode a malformed signed message is refused for what it is, and a well
    // formed one whose signer no key given proves is refused too: nothing is returned.
    for open in [from_mallory, anonymous] {
        assert_eq!(
            open(&w, signed("not base64url!").as_bytes()).unwrap_err(),
            Error::Base64 {
                location: authcrypt::Location::Jws,
                name: "payload".into()
            }
        );
        assert_eq!(
            profile(open(&w, json!({"payload": "e30"}).to_string().as_bytes()).unwrap_err()),
            ProfileError::InvalidSignedMessage(SignedProblem::Signatures)
        );
        assert_eq!(
            profile(
                open(
                    &w,
                    json!({"payload": "e30", "signature": "AA", "signatures": []})
                        .to_string()
                        .as_bytes()
                )
                .unwrap_err()
            ),
            ProfileError::InvalidSignedMessage(SignedProblem::Signatures)
        );
        // The placeholder signature names no signer at all.
        let good = signed(&b64(claims_alice().to_string().as_bytes()));
        assert_eq!(
            profile(open(&w, good.as_bytes()).unwrap_err()),
            ProfileError::InvalidSignedMessage(SignedProblem::NoKid)
        );
    }
}

#[test]
fn rule_m4_from_must_be_a_string_naming_the_sender() {
    let w = world();
    let text = json!({"id": "1", "type": "t", "from": ["did:example:mallory"], "body": {}});
    assert_eq!(
        profile(from_mallory(&w, text.to_string().as_bytes()).unwrap_err()),
        ProfileError::FromNotString
    );
    assert_eq!(
        profile(anonymous(&w, text.to_string().as_bytes()).unwrap_err()),
        ProfileError::FromNotString
    );
    assert_eq!(
        profile(from_mallory(&w, claims_alice().to_string().as_bytes()).unwrap_err()),
        ProfileError::FromMismatch
    );
    // A DID URL is not the DID.
    let text = json!({"from": MALLORY, "body": {}}).to_string();
    assert_eq!(
        profile(from_mallory(&w, text.as_bytes()).unwrap_err()),
        ProfileError::FromMismatch
    );
}

#[test]
fn rule_m5_to_must_be_an_array_of_strings_naming_the_recipient() {
    let w = world();
    for to in [
        json!("did:example:bob"),
        json!({"0": "did:example:bob"}),
        json!(["did:example:bob", 7]),
    ] {
        let text = json!({"from": "did:example:mallory", "to": to, "body": {}}).to_string();
        assert_eq!(
            profile(from_mallory(&w, text.as_bytes()).unwrap_err()),
            ProfileError::ToNotArray,
            "{text}"
        );
    }
    let text = json!({"to": ["did:example:carol"], "body": {}}).to_string();
    assert_eq!(
        profile(from_mallory(&w, text.as_bytes()).unwrap_err()),
        ProfileError::ToMismatch
    );
    let text = json!({"from": "did:example:mallory", "to": ["did:example:carol", BOB]});
    assert!(from_mallory(&w, text.to_string().as_bytes()).is_ok());
}

#[test]
fn rule_m6_two_step_unpack_runs_the_same_checks_through_check_message() {
    let w = world();
    let env = Packer::authcrypt(&w.mallory)
        .to(&w.bob)
        .pack(claims_alice().to_string().as_bytes())
        .unwrap();
    let parsed = Envelope::parse(env.as_bytes()).unwrap();
    let (plaintext, layer) = parsed
        .decrypt(&w.bob, Some(&w.mallory.to_public()))
        .unwrap();
    assert_eq!(
        check_message(&plaintext, &layer),
        Err(ProfileError::FromMismatch.into())
    );
    let sealed = Packer::authcrypt(&w.alice)
        .to(&w.bob)
        .protect_sender(true)
        .pack(claims_alice().to_string().as_bytes())
        .unwrap();
    let (outer, layer) = Envelope::parse(sealed.as_bytes())
        .unwrap()
        .decrypt(&w.bob, None)
        .unwrap();
    assert_eq!(
        check_message(&outer, &layer),
        Err(ProfileError::NestedEnvelope.into())
    );
    let (inner, layer) = Envelope::parse(&outer)
        .unwrap()
        .decrypt(&w.bob, Some(&w.alice.to_public()))
        .unwrap();
    assert_eq!(check_message(&inner, &layer), Ok(MessageForm::Plaintext));
}

// ------------------------------------------------------------------------------------------
// N1–N2: only DIDComm's nesting, and the sender is the innermost layer's
// ------------------------------------------------------------------------------------------

/// Mallory anoncrypts a message claiming Alice to Bob; Alice, a relay, authcrypts the blob.
fn relayed(w: &World) -> String {
    let blob = Packer::anoncrypt()
        .to(&w.bob)
        .pack(claims_alice().to_string().as_bytes())
        .unwrap();
    Packer::authcrypt(&w.alice)
        .to(&w.bob)
        .pack(blob.as_bytes())
        .unwrap()
}

#[test]
fn rule_n1_authcrypt_around_anoncrypt_is_not_a_didcomm_nesting() {
    let w = world();
    let keys = bob_keys(&w);
    assert_eq!(
        profile(
            Unpacker::new(&keys)
                .unpack(relayed(&w).as_bytes())
                .unwrap_err()
        ),
        ProfileError::DisallowedNesting {
            outer: Mode::Authcrypt,
            inner: Mode::Anoncrypt
        }
    );
    // authcrypt(authcrypt(m)) as well: one sender relaying another's message.
    let inner = Packer::authcrypt(&w.mallory)
        .to(&w.bob)
        .pack(b"{}")
        .unwrap();
    let outer = Packer::authcrypt(&w.alice)
        .to(&w.bob)
        .pack(inner.as_bytes())
        .unwrap();
    assert_eq!(
        profile(Unpacker::new(&keys).unpack(outer.as_bytes()).unwrap_err()),
        ProfileError::DisallowedNesting {
            outer: Mode::Authcrypt,
            inner: Mode::Authcrypt
        }
    );
}

#[test]
fn rule_n2_the_sender_is_the_one_proven_by_the_layer_that_encloses_the_message() {
    let w = world();
    let keys = bob_keys(&w);
    let out = Unpacker::new(&keys)
        .any_nesting(true)
        .unpack(relayed(&w).as_bytes())
        .unwrap();
    assert_eq!(out.layers.len(), 2);
    assert_eq!(out.layers[0].sender_kid.as_deref(), Some(ALICE));
    assert_eq!(
        out.sender_kid(),
        None,
        "Alice only relayed an opaque envelope"
    );
    assert!(!out.authenticated());
    // The DIDComm nesting: the inner authcrypt layer proves the sender.
    let sealed = Packer::authcrypt(&w.alice)
        .to(&w.bob)
        .protect_sender(true)
        .pack(claims_alice().to_string().as_bytes())
        .unwrap();
    let out = Unpacker::new(&keys).unpack(sealed.as_bytes()).unwrap();
    assert_eq!(out.sender_kid(), Some(ALICE));
    assert!(out.authenticated());
    assert_eq!(out.form, MessageForm::Plaintext);
}

// ------------------------------------------------------------------------------------------
// K1–K5: keys are bound to their DIDs, and a kid names one key
// ------------------------------------------------------------------------------------------

fn method(id: &str, key: &Jwk) -> Value {
    let jwk: Value = serde_json::from_str(&key.public_key().to_jwk_string()).unwrap();
    json!({"id": id, "type": "JsonWebKey2020", "controller": "did:example:x", "publicKeyJwk": jwk})
}

#[test]
fn rule_k1_a_did_document_answers_only_for_its_own_did() {
    let w = world();
    // Mallory's document declares a method under Alice's DID, with Mallory's key.
    let forged = [
        json!({"id": "did:example:mallory",
               "verificationMethod": [method(ALICE, &w.mallory)],
               "keyAgreement": [ALICE]}),
        json!({"id": "did:example:mallory", "keyAgreement": [method(ALICE, &w.mallory)]}),
        json!({"id": "did:example:mallory",
               "verificationMethod": [method("#key-1", &w.mallory)],
               "keyAgreement": ["#key-1", ALICE]}),
        // A DID that only starts like Mallory's.
        json!({"id": "did:example:mallory",
               "keyAgreement": [method("did:example:mallory2#key-1", &w.mallory)]}),
    ];
    for doc in forged {
        let text = doc.to_string();
        let expected = |e: Error| {
            assert!(
                matches!(&e, Error::ForeignKey { document, .. } if document == "did:example:mallory"),
                "{e:?} for {text}"
            )
        };
        expected(DidDocument::from_json(text.as_bytes()).unwrap_err());
        expected(KeySet::from_json(text.as_bytes()).unwrap_err());
    }
    // End to end: Mallory signs as skid Alice with her own key; Bob never gets to ask the
    // forged document, because it does not load.
    let doc = json!({"id": "did:example:mallory", "keyAgreement": [method(ALICE, &w.mallory)]});
    assert!(KeySet::from_json(doc.to_string().as_bytes()).is_err());
}

#[test]
fn rule_k2_a_kid_names_one_key_and_no_later_source_replaces_it() {
    let w = world();
    let alice_doc = json!({"id": "did:example:alice", "keyAgreement": [method(ALICE, &w.alice)]});
    let mut keys = KeySet::from_json(alice_doc.to_string().as_bytes()).unwrap();
    // A later source with Mallory's key under Alice's kid is refused, and Alice's key stays.
    let impostor = w.mallory.to_public().with_kid(ALICE);
    assert_eq!(
        keys.insert(impostor.clone()),
        Err(Error::ConflictingKey(ALICE.into()))
    );
    let mut other = KeySet::new();
    other.insert(impostor).unwrap();
    assert_eq!(keys.extend(other), Err(Error::ConflictingKey(ALICE.into())));
    assert_eq!(
        keys.public_key(ALICE).unwrap().public_key(),
        w.alice.public_key()
    );
    // The same key again is fine.
    keys.insert(w.alice.to_public()).unwrap();
    assert_eq!(keys.len(), 1);
    // One document naming a method twice with different keys.
    let doubled = json!({"id": "did:example:alice",
        "verificationMethod": [method(ALICE, &w.alice), method("#key-1", &w.mallory)],
        "keyAgreement": ["#key-1"]});
    assert_eq!(
        DidDocument::from_json(doubled.to_string().as_bytes()).unwrap_err(),
        Error::ConflictingKey(ALICE.into())
    );
    // A reference given twice is one key.
    let twice = json!({"id": "did:example:alice",
        "verificationMethod": [method(ALICE, &w.alice)],
        "keyAgreement": ["#key-1", ALICE]});
    assert_eq!(
        DidDocument::from_json(twice.to_string().as_bytes())
            .unwrap()
            .key_agreement_keys()
            .len(),
        1
    );
    let repeated = json!({"id": "did:example:alice",
        "verificationMethod": [method(ALICE, &w.alice)],
        "keyAgreement": [method("#key-1", &w.alice)]});
    assert_eq!(
        DidDocument::from_json(repeated.to_string().as_bytes())
            .unwrap()
            .key_agreement_keys()
            .len(),
        1
    );
}

#[test]
fn rule_k3_key_agreement_lookups_use_key_agreement_methods_only() {
    let w = world();
    // Alice's document lists an authentication key that is not a key-agreement key.
    let auth_kid = "did:example:alice#auth-1";
    let doc = json!({"id": "did:example:alice",
        "verificationMethod": [method(auth_kid, &w.carol), method(ALICE, &w.alice)],
        "authentication": [auth_kid],
        "keyAgreement": [ALICE]});
    let text = doc.to_string();
    let set = KeySet::from_json(text.as_bytes()).unwrap();
    assert_eq!(set.len(), 1);
    assert!(set.public_key(auth_kid).is_none());
    let parsed = DidDocument::from_json(text.as_bytes()).unwrap();
    assert!(parsed.public_key(auth_kid).is_none());
    assert!(parsed.public_key(ALICE).is_some());
    // An authcrypt message whose skid is the authentication key finds no sender key.
    let carol_as_auth = w.carol.clone().with_kid(auth_kid);
    let env = Packer::authcrypt(&carol_as_auth)
        .to(&w.bob)
        .pack(b"{}")
        .unwrap();
    let mut secrets = KeySet::new();
    secrets.insert(w.bob.clone()).unwrap();
    assert_eq!(
        Unpacker::new(&secrets)
            .senders(&parsed)
            .unpack(env.as_bytes())
            .unwrap_err(),
        Error::SenderNotFound(auth_kid.into())
    );
}

#[test]
fn rule_k4_a_resolver_that_answers_with_another_kid_is_not_believed() {
    /// A resolver that answers every lookup with Mallory's key.
    struct Lying(Jwk);
    impl KeyResolver for Lying {
        fn public_key(&self, _kid: &str) -> Option<Jwk> {
            Some(self.0.to_public())
        }
    }
    let w = world();
    let env = Packer::authcrypt(&w.mallory)
        .to(&w.bob)
        .pack(b"{}")
        .unwrap();
    // Mallory's message, relabelled as Alice's: the header is authenticated, so relabelling
    // breaks the tag, and the resolver's key (kid Mallory) is not the claimed one anyway.
    let forged = edit_protected(&env, |h| {
        h.insert("skid".into(), json!(ALICE));
        h.insert("apu".into(), json!(b64(ALICE.as_bytes())));
    });
    let mut secrets = KeySet::new();
    secrets.insert(w.bob.clone()).unwrap();
    let lying = Lying(w.mallory.clone());
    assert_eq!(
        Unpacker::new(&secrets)
            .senders(&lying)
            .unpack(forged.as_bytes())
            .unwrap_err(),
        Error::SenderNotFound(ALICE.into())
    );
}

#[test]
fn rule_k5_sender_headers_are_checked_in_every_recipient_entry() {
    let w = world();
    let edit = |env: String, name: &str| -> String {
        edit_json(&env, |t| t["recipients"][1]["header"][name] = json!(ALICE))
    };
    let anon = Packer::anoncrypt()
        .to(&w.carol)
        .to(&w.bob)
        .pack(b"{}")
        .unwrap();
    assert_eq!(
        Envelope::parse(edit(anon.clone(), "skid").as_bytes()).unwrap_err(),
        ProfileError::SenderInAnoncrypt("skid").into()
    );
    assert_eq!(
        Envelope::parse(edit(anon, "apu").as_bytes()).unwrap_err(),
        ProfileError::SenderInAnoncrypt("apu").into()
    );
    // Authcrypt names its sender in the protected header; a second skid in a later entry
    // would be read by another implementation.
    let auth = Packer::authcrypt(&w.alice)
        .to(&w.carol)
        .to(&w.bob)
        .pack(b"{}")
        .unwrap();
    let apu_only = edit_protected(&auth, |h| {
        h.remove("skid");
    });
    assert!(Envelope::parse(apu_only.as_bytes()).is_ok());
    assert_eq!(
        Envelope::parse(edit(apu_only, "skid").as_bytes()).unwrap_err(),
        ProfileError::NotProtected("skid").into()
    );
}
