//! The DIDComm v2 spec's encrypted examples (App. C.3) and the didcomm-rust vectors unpack to
//! the exact published plaintext with every listed recipient key.

mod common;

use authcrypt::didcomm::{
    apv_for, DidDocument, Envelope, KeyResolver, KeySet, MessageForm, Mode, Unpacker,
};
use authcrypt::{Curve, Error, Location, ProfileError};
use common::edit::{edit_part_text, Part};
use common::{b64, didcomm_secret, vector};
use serde_json::Value;

/// Bob's secrets plus Alice's and Bob's DID documents, as an agent would hold them.
fn bob_keyring(recipient_kid: &str) -> KeySet {
    let keys = vector("didcomm-v2-test-keys.json");
    let mut set = KeySet::new();
    for did in ["did:example:alice", "did:example:bob"] {
        let doc = &keys["did_documents"][did];
        set.extend(KeySet::from_json(doc.to_string().as_bytes()).unwrap())
            .unwrap();
    }
    set.insert(didcomm_secret(recipient_kid)).unwrap();
    set
}

fn messages() -> Vec<Value> {
    vector("didcomm-v2-encrypted-messages.json")["messages"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn every_positive_example_unpacks_for_every_listed_recipient() {
    let mut checked = 0;
    for m in messages()
        .iter()
        .filter(|m| m.get("expected_result").is_none())
    {
        let envelope = m["jwe_general_json"].to_string();
        let expected = m["expected_plaintext_utf8"].as_str().unwrap();
        let layers = m["layers"].as_array().unwrap();
        for kid in m["decryptable_by"].as_array().unwrap() {
            let kid = kid.as_str().unwrap();
            let keys = bob_keyring(kid);
            let signed = m.get("inner_signed_message").is_some();
            let out = Unpacker::new(&keys)
                .unpack(envelope.as_bytes())
                .unwrap_or_else(|e| panic!("{} for {kid}: {e}", m["id"]));
            let plaintext = std::str::from_utf8(&out.plaintext).unwrap();
            assert_eq!(plaintext, expected, "{}", m["id"]);
            if signed {
                // Both properties, separately: the envelope's sender and the signer.
                assert_eq!(out.form, MessageForm::Signed);
                assert!(out.non_repudiable());
                assert_eq!(out.signer_kid(), Some("did:example:alice#key-1"));
                assert_eq!(out.signers[0].alg.name(), "EdDSA");
                // The signed message kept is the published one.
                let jws: Value =
                    serde_json::from_slice(out.signed_message.as_ref().unwrap()).unwrap();
                assert_eq!(jws, m["inner_signed_message"]["jws_general_json"]);
            } else {
                assert_eq!(out.form, MessageForm::Plaintext);
                assert!(!out.non_repudiable());
            }
            assert_eq!(out.layers.len(), layers.len(), "{}", m["id"]);
            for (got, want) in out.layers.iter().zip(layers) {
                let mode = if want["mode"] == "authcrypt" {
                    Mode::Authcrypt
                } else {
                    Mode::Anoncrypt
                };
                assert_eq!(got.mode, mode);
                assert_eq!(got.alg.name(), want["alg"]);
                assert_eq!(got.enc.name(), want["enc"]);
                assert_eq!(got.curve.name(), want["epk_crv"]);
                assert_eq!(got.recipient_kid, kid);
            }
            let sender = m
                .get("inner_sender_kid")
                .or(m.get("sender_kid"))
                .and_then(Value::as_str);
            assert_eq!(out.sender_kid(), sender, "{}", m["id"]);
            assert_eq!(out.authenticated(), sender.is_some());
            checked += 1;
        }
    }
    assert_eq!(checked, 16, "every (message, recipient) pair");
}

#[test]
fn two_step_unpack_reports_claims_before_decrypting() {
    for m in messages()
        .iter()
        .filter(|m| m.get("expected_result").is_none())
    {
        let envelope = m["jwe_general_json"].to_string();
        let env = Envelope::parse(envelope.as_bytes()).unwrap();
        let layer = &m["layers"][0];
        let kids: Vec<&str> = layer["recipient_kids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect();
        assert_eq!(env.recipient_kids(), kids);
        assert_eq!(env.alg().name(), layer["alg"]);
        assert_eq!(env.sender_kid(), m["sender_kid"].as_str());
        // Decrypt with keys resolved by the caller.
        let recipient = didcomm_secret(kids[0]);
        let keys = bob_keyring(kids[0]);
        let sender = env.sender_kid().map(|kid| keys.public_key(kid).unwrap());
        let (plaintext, meta) = env.decrypt(&recipient, sender.as_ref()).unwrap();
        assert!(!plaintext.is_empty());
        assert_eq!(meta.recipient_kid, kids[0]);
    }
}

#[test]
fn nested_p521_example_exercises_leading_zero_shared_secrets() {
    let m = messages()
        .into_iter()
        .find(|m| m["id"] == "spec-C3-6-anoncrypt-of-authcrypt-xc20p")
        .unwrap();
    let inner = &m["layers"][1];
    let zero_led = inner["per_recipient"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            ["Ze_hex", "Zs_hex"]
                .iter()
                .any(|z| r[*z].as_str().is_some_and(|h| h.starts_with("00")))
        })
        .count();
    assert!(
        zero_led >= 1,
        "the vector carries a Z with a leading zero octet"
    );
    for kid in ["did:example:bob#key-p521-1", "did:example:bob#key-p521-2"] {
        let keys = bob_keyring(kid);
        // The innermost plaintext is a signed message inside authcrypt, verified (rule V7).
        let out = Unpacker::new(&keys)
            .unpack(m["jwe_general_json"].to_string().as_bytes())
            .unwrap();
        assert_eq!(out.signer_kid(), Some("did:example:alice#key-1"));
        assert_eq!(out.layers.len(), 2);
        assert_eq!(out.layers[0].mode, Mode::Anoncrypt);
        assert_eq!(out.layers[1].mode, Mode::Authcrypt);
        assert_eq!(out.sender_kid(), Some("did:example:alice#key-p521-1"));
    }
}

#[test]
fn negative_example_epk_not_on_curve_is_rejected() {
    let m = messages()
        .into_iter()
        .find(|m| m["id"] == "didcomm-rust-invalid-epk-not-on-curve")
        .unwrap();
    let keys = bob_keyring("did:example:bob#key-p256-1");
    // As published, the protected member is padded base64 ("=="), which RFC 7515 §2 forbids.
    let published = m["jwe_general_json"].to_string();
    let e = Unpacker::new(&keys)
        .unpack(published.as_bytes())
        .unwrap_err();
    assert_eq!(
        e,
        Error::Base64 {
            location: Location::Envelope,
            name: "protected".into()
        }
    );
    // Without the padding, the envelope is rejected for what it is: an epk off the curve.
    let unpadded = edit_part_text(&published, Part::Protected, |p| {
        p.trim_end_matches('=').to_owned()
    });
    let e = Unpacker::new(&keys)
        .unpack(unpadded.as_bytes())
        .unwrap_err();
    assert_eq!(
        e,
        Error::InvalidPoint {
            location: Location::Epk,
            curve: Curve::P256
        }
    );
}

#[test]
fn apv_worked_examples() {
    let v = vector("didcomm-v2-encrypted-messages.json");
    for ex in v["apv_examples"].as_array().unwrap() {
        let kids: Vec<&str> = ex["recipient_kids_in_envelope_order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect();
        assert_eq!(apv_for(&kids), ex["apv"].as_str().unwrap(), "{kids:?}");
    }
    for ex in v["apu_examples"].as_array().unwrap() {
        let apu = b64(ex["skid"].as_str().unwrap().as_bytes());
        assert_eq!(apu, ex["apu"].as_str().unwrap());
    }
}

#[test]
fn did_documents_resolve_relative_and_absolute_key_agreement_references() {
    let keys = vector("didcomm-v2-test-keys.json");
    let bob = DidDocument::from_json(
        keys["did_documents"]["did:example:bob"]
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    let ka = bob.key_agreement_keys();
    assert_eq!(
        ka.len(),
        9,
        "Bob has 3 X25519, 2 P-256, 2 P-384 and 2 P-521 keys"
    );
    assert!(ka
        .iter()
        .all(|k| k.kid().unwrap().starts_with("did:example:bob#")));
    let alice = DidDocument::from_json(
        keys["did_documents"]["did:example:alice"]
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(alice.key_agreement("did:example:alice").len(), 3);
    assert!(alice.public_key("did:example:alice#key-x25519-1").is_some());
}

#[test]
fn spec_c2_signed_messages_unpack_with_the_signer_from_alices_authentication_keys() {
    let keys = vector("didcomm-v2-test-keys.json");
    let alice = KeySet::from_json(
        keys["did_documents"]["did:example:alice"]
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    let signed = vector("didcomm-v2-encrypted-messages.json")["signed_messages_C2"].clone();
    let signed = signed.as_array().unwrap();
    assert_eq!(signed.len(), 3);
    for s in signed {
        let jws = s["jws_general_json"].to_string();
        let want = &s["signatures"][0];
        let out = Unpacker::new(&alice).unpack(jws.as_bytes()).unwrap();
        assert_eq!(
            std::str::from_utf8(&out.plaintext).unwrap(),
            s["payload_utf8"]
        );
        assert_eq!(out.form, MessageForm::Signed);
        assert!(out.layers.is_empty() && !out.authenticated());
        assert_eq!(out.signer_kid(), want["kid"].as_str());
        assert_eq!(out.signers[0].alg.name(), want["alg"]);
        // The keyAgreement keys of the same document prove no signature.
        let agreement_only = KeySet::from_json(
            serde_json::json!({"keys": alice.keys().map(|k| serde_json::from_str::<Value>(&k.to_public_json()).unwrap()).collect::<Vec<_>>()})
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        assert!(matches!(
            Unpacker::new(&agreement_only).unpack(jws.as_bytes()),
            Err(Error::Profile(ProfileError::UnknownSigner(_)))
        ));
    }
}
