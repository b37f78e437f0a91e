//! Interoperability with josekit, an independent JOSE implementation backed by OpenSSL.
//!
//! josekit implements ECDH-ES, ECDH-ES+A128KW, ECDH-ES+A192KW and ECDH-ES+A256KW on P-256,
//! P-384, P-521 and X25519, with the three AES-CBC-HMAC and the three AES-GCM content
//! encryptions, in all three serializations. It has neither ECDH-1PU nor XC20P, so those are
//! not covered here (the 1PU draft's published vectors in `vectors.rs` pin them instead).
//!
//! josekit writes the `epk` and `alg` of each recipient of a general JSON envelope into that
//! recipient's unprotected header, with only `enc` protected; reading those envelopes checks the
//! header union of RFC 7516 §5.2 as well as the cryptography.
//!
//! For signatures (JWS), josekit implements EdDSA, ES256, ES256K and ES384: each verifies what
//! the other signs, in every serialization this crate writes and in compact and flattened JSON
//! as josekit writes them.
//!
//! Keys cross between the two libraries as JWK JSON text.

mod common;

use authcrypt::KeyWrap;
use authcrypt::Sender;
use authcrypt::{Alg, Curve, Decrypter, Enc, Encrypter, Jwe, Jwk, Serialization};
use common::edit::{edit_json, edit_part, Part};
use josekit::jwe::alg::ecdh_es::{EcdhEsJweAlgorithm, EcdhEsJweDecrypter, EcdhEsJweEncrypter};
use josekit::jwe::{
    JweEncrypter, JweHeader, JweHeaderSet, ECDH_ES, ECDH_ES_A128KW, ECDH_ES_A192KW, ECDH_ES_A256KW,
};
use josekit::jwk::Jwk as JoseJwk;

/// The ECDH-ES algorithms josekit implements.
const ALGS: [Alg; 4] = [
    Alg::EcdhEs,
    Alg::EcdhEsA128Kw,
    Alg::EcdhEsA192Kw,
    Alg::EcdhEsA256Kw,
];

/// The content encryptions josekit implements (no XC20P).
const ENCS: [Enc; 6] = [
    Enc::A128CbcHs256,
    Enc::A192CbcHs384,
    Enc::A256CbcHs512,
    Enc::A128Gcm,
    Enc::A192Gcm,
    Enc::A256Gcm,
];

const MESSAGE: &[u8] = b"Three may keep a secret, if two of them are dead.";

fn plaintexts() -> Vec<Vec<u8>> {
    vec![
        MESSAGE.to_vec(),
        Vec::new(),
        (0..100u8).map(|i| i ^ 0x5c).collect(),
    ]
}

fn jose_alg(alg: Alg) -> EcdhEsJweAlgorithm {
    match alg {
        Alg::EcdhEs => ECDH_ES,
        Alg::EcdhEsA128Kw => ECDH_ES_A128KW,
        Alg::EcdhEsA192Kw => ECDH_ES_A192KW,
        Alg::EcdhEsA256Kw => ECDH_ES_A256KW,
        other => panic!("josekit has no {other}"),
    }
}

fn jose_private(key: &Jwk) -> JoseJwk {
    JoseJwk::from_bytes(key.to_private_json().unwrap().as_bytes()).unwrap()
}

fn jose_public(key: &Jwk) -> JoseJwk {
    JoseJwk::from_bytes(key.to_public_json().as_bytes()).unwrap()
}

fn jose_encrypter(alg: Alg, key: &Jwk) -> EcdhEsJweEncrypter {
    jose_alg(alg).encrypter_from_jwk(&jose_public(key)).unwrap()
}

fn jose_decrypter(alg: Alg, key: &Jwk) -> EcdhEsJweDecrypter {
    jose_alg(alg)
        .decrypter_from_jwk(&jose_private(key))
        .unwrap()
}

/// `count` recipient keys on `curve`, with kids, from a deterministic seed.
fn recipients(curve: Curve, count: usize, seed: u64) -> Vec<Jwk> {
    let mut rng = common::rng(seed);
    (0..count)
        .map(|i| {
            Jwk::generate_with_rng(curve, &mut rng)
                .with_kid(format!("did:example:bob#key-{}-{i}", curve.name()))
        })
        .collect()
}

fn seed(alg: Alg, enc: Enc, curve: Curve, salt: u64) -> u64 {
    let a = ALGS.iter().position(|x| *x == alg).unwrap() as u64;
    let e = ENCS.iter().position(|x| *x == enc).unwrap() as u64;
    let c = Curve::ALL.iter().position(|x| *x == curve).unwrap() as u64;
    ((a * 8 + e) * 4 + c) * 16 + salt
}

/// Every (alg, enc, curve) josekit shares with us.
fn shared_matrix() -> Vec<(Alg, Enc, Curve)> {
    let mut out = Vec::new();
    for alg in ALGS {
        for enc in ENCS {
            for curve in Curve::ALL {
                out.push((alg, enc, curve));
            }
        }
    }
    out
}

fn header_str<'a>(header: &'a JweHeader, name: &str) -> Option<&'a str> {
    header.claim(name).and_then(|v| v.as_str())
}

// ---------------------------------------------------------------------------------------------
// authcrypt encrypts, josekit decrypts.

#[test]
fn josekit_decrypts_our_compact() {
    for (alg, enc, curve) in shared_matrix() {
        let keys = recipients(curve, 1, seed(alg, enc, curve, 0));
        let bob = &keys[0];
        for (n, plaintext) in plaintexts().iter().enumerate() {
            let public = bob.to_public();
            let mut encrypter = Encrypter::new(Sender::Anonymous, alg.key_wrap(), enc)
                .recipient(&public)
                .serialization(Serialization::Compact);
            if n == 0 {
                encrypter = encrypter.apu(*b"Alice").apv(*b"Bob");
            }
            let envelope = encrypter
                .encrypt_with_rng(
                    plaintext,
                    &mut common::rng(seed(alg, enc, curve, 1 + n as u64)),
                )
                .unwrap();
            let (opened, header) =
                josekit::jwe::deserialize_compact(&envelope, &jose_decrypter(alg, bob))
                    .unwrap_or_else(|e| panic!("{alg} {enc} {curve}: josekit: {e}"));
            assert_eq!(opened, *plaintext, "{alg} {enc} {curve}");
            assert_eq!(header.algorithm(), Some(alg.name()));
            assert_eq!(header_str(&header, "enc"), Some(enc.name()));
            assert_eq!(header.key_id(), bob.kid());
        }
    }
}

#[test]
fn josekit_decrypts_our_flattened_json() {
    for (alg, enc, curve) in shared_matrix() {
        let keys = recipients(curve, 1, seed(alg, enc, curve, 4));
        let bob = &keys[0];
        for (n, plaintext) in plaintexts().iter().enumerate() {
            if enc.ciphertext_len(plaintext.len()) == 0 {
                // josekit refuses an empty "ciphertext" member in the JSON serializations, even
                // its own; the compact test covers the empty GCM ciphertext.
                continue;
            }
            let public = bob.to_public();
            let mut encrypter = Encrypter::new(Sender::Anonymous, alg.key_wrap(), enc)
                .recipient(&public)
                .serialization(Serialization::Flattened);
            if n == 0 {
                encrypter = encrypter.apu(*b"Alice").apv(*b"Bob");
            }
            let envelope = encrypter
                .encrypt_with_rng(
                    plaintext,
                    &mut common::rng(seed(alg, enc, curve, 5 + n as u64)),
                )
                .unwrap();
            let (opened, header) =
                josekit::jwe::deserialize_json(&envelope, &jose_decrypter(alg, bob))
                    .unwrap_or_else(|e| panic!("{alg} {enc} {curve}: josekit: {e}"));
            assert_eq!(opened, *plaintext, "{alg} {enc} {curve}");
            assert_eq!(header.algorithm(), Some(alg.name()));
            assert_eq!(header.key_id(), bob.kid());
        }
    }
}

#[test]
fn josekit_decrypts_our_general_json_for_every_recipient() {
    for (alg, enc, curve) in shared_matrix() {
        // Direct key agreement has exactly one recipient; key wrap is tried with three.
        let count = if alg.key_wrap().is_some() { 3 } else { 1 };
        let keys = recipients(curve, count, seed(alg, enc, curve, 8));
        let publics: Vec<Jwk> = keys.iter().map(Jwk::to_public).collect();
        let envelope = Encrypter::new(Sender::Anonymous, alg.key_wrap(), enc)
            .recipients(&publics)
            .apv(*b"Bob and friends")
            .encrypt_with_rng(MESSAGE, &mut common::rng(seed(alg, enc, curve, 9)))
            .unwrap();
        for key in &keys {
            let (opened, header) =
                josekit::jwe::deserialize_json(&envelope, &jose_decrypter(alg, key))
                    .unwrap_or_else(|e| panic!("{alg} {enc} {curve} {:?}: {e}", key.kid()));
            assert_eq!(opened, MESSAGE, "{alg} {enc} {curve}");
            assert_eq!(header.key_id(), key.kid());
        }
    }
}

#[test]
fn josekit_honours_our_aad_member() {
    for alg in ALGS {
        for curve in Curve::ALL {
            let keys = recipients(curve, 1, seed(alg, Enc::A256Gcm, curve, 10));
            let bob = &keys[0];
            let public = bob.to_public();
            for serialization in [Serialization::Flattened, Serialization::General] {
                let envelope = Encrypter::new(Sender::Anonymous, alg.key_wrap(), Enc::A256Gcm)
                    .recipient(&public)
                    .serialization(serialization)
                    .aad(*b"additional authenticated data")
                    .encrypt_with_rng(MESSAGE, &mut common::rng(11))
                    .unwrap();
                let decrypter = jose_decrypter(alg, bob);
                let (opened, _) = josekit::jwe::deserialize_json(&envelope, &decrypter).unwrap();
                assert_eq!(opened, MESSAGE);

                // josekit authenticates the member too: a different aad fails.
                let other = edit_json(&envelope, |t| {
                    t.insert("aad".into(), "b3RoZXIgZGF0YQ".into());
                });
                assert!(josekit::jwe::deserialize_json(&other, &decrypter).is_err());
            }
        }
    }
}

#[test]
fn josekit_rejects_our_envelope_once_tampered() {
    // The checks above can fail: josekit does refuse what it cannot authenticate.
    let keys = recipients(Curve::P256, 1, 12);
    let bob = &keys[0];
    let public = bob.to_public();
    let envelope = Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256CbcHs512)
        .recipient(&public)
        .serialization(Serialization::Compact)
        .encrypt_with_rng(MESSAGE, &mut common::rng(13))
        .unwrap();
    let decrypter = jose_decrypter(Alg::EcdhEsA256Kw, bob);
    assert!(josekit::jwe::deserialize_compact(&envelope, &decrypter).is_ok());
    let tampered = edit_part(&envelope, Part::Tag, |mut tag| {
        tag[0] ^= 1;
        tag
    });
    assert!(josekit::jwe::deserialize_compact(&tampered, &decrypter).is_err());
}

// ---------------------------------------------------------------------------------------------
// josekit encrypts, authcrypt decrypts.

/// Decrypts `envelope` as every key in `keys` (entry `i` belongs to `keys[i]`), through
/// `Jwe::parse` + `decrypt` and through `Decrypter`, and checks what comes out.
fn open_with_each(
    envelope: &str,
    keys: &[Jwk],
    alg: Alg,
    enc: Enc,
    serialization: Serialization,
    plaintext: &[u8],
) {
    let label = format!("{alg} {enc} {} {serialization}", keys[0].curve());
    let jwe = Jwe::parse(envelope.as_bytes()).unwrap_or_else(|e| panic!("{label}: parse: {e}"));
    assert_eq!(jwe.serialization(), serialization, "{label}");
    assert_eq!(jwe.recipients().len(), keys.len(), "{label}");
    for (i, key) in keys.iter().enumerate() {
        for out in [
            jwe.decrypt(key, None),
            Decrypter::new()
                .recipient_key(key)
                .decrypt(envelope.as_bytes()),
        ] {
            let out = out.unwrap_or_else(|e| panic!("{label}: recipient {i}: {e}"));
            assert_eq!(&out.plaintext[..], plaintext, "{label}");
            assert_eq!(out.alg, alg, "{label}");
            assert_eq!(out.enc, enc, "{label}");
            assert_eq!(out.curve, key.curve(), "{label}");
            assert_eq!(out.serialization, serialization, "{label}");
            assert_eq!(out.recipient_index, i, "{label}");
            assert_eq!(out.recipient_kid.as_deref(), key.kid(), "{label}");
            assert_eq!(out.sender_kid, None, "{label}");
            assert!(!out.authenticated(), "{label}");
        }
    }
}

#[test]
fn we_decrypt_josekit_compact() {
    for (alg, enc, curve) in shared_matrix() {
        let keys = recipients(curve, 1, seed(alg, enc, curve, 14));
        for (n, plaintext) in plaintexts().iter().enumerate() {
            let mut encrypter = jose_encrypter(alg, &keys[0]);
            if n == 0 {
                encrypter.set_agreement_partyuinfo(*b"Alice");
                encrypter.set_agreement_partyvinfo(*b"Bob");
            }
            let mut header = JweHeader::new();
            header.set_content_encryption(enc.name());
            let envelope = josekit::jwe::serialize_compact(plaintext, &header, &encrypter).unwrap();
            if n == 0 {
                let jwe = Jwe::parse(envelope.as_bytes()).unwrap();
                assert_eq!(jwe.protected_header()["apu"], "QWxpY2U");
            }
            open_with_each(
                &envelope,
                &keys,
                alg,
                enc,
                Serialization::Compact,
                plaintext,
            );
        }
    }
}

#[test]
fn we_decrypt_josekit_flattened_json() {
    for (alg, enc, curve) in shared_matrix() {
        let keys = recipients(curve, 1, seed(alg, enc, curve, 15));
        for (n, plaintext) in plaintexts().iter().enumerate() {
            let mut encrypter = jose_encrypter(alg, &keys[0]);
            if n == 0 {
                encrypter.set_agreement_partyuinfo(*b"Alice");
                encrypter.set_agreement_partyvinfo(*b"Bob");
            }
            let mut header = JweHeaderSet::new();
            header.set_content_encryption(enc.name(), true);
            let envelope = josekit::jwe::serialize_flattened_json(
                plaintext,
                Some(&header),
                None,
                None,
                &encrypter,
            )
            .unwrap();
            open_with_each(
                &envelope,
                &keys,
                alg,
                enc,
                Serialization::Flattened,
                plaintext,
            );
        }
    }
}

#[test]
fn we_decrypt_josekit_general_json_with_per_recipient_epk() {
    for (alg, enc, curve) in shared_matrix() {
        let count = if alg.key_wrap().is_some() { 3 } else { 1 };
        let keys = recipients(curve, count, seed(alg, enc, curve, 16));
        let encrypters: Vec<EcdhEsJweEncrypter> =
            keys.iter().map(|k| jose_encrypter(alg, k)).collect();
        let list: Vec<(Option<&JweHeader>, &dyn JweEncrypter)> = encrypters
            .iter()
            .map(|e| (None, e as &dyn JweEncrypter))
            .collect();
        let mut header = JweHeaderSet::new();
        header.set_content_encryption(enc.name(), true);
        for plaintext in plaintexts() {
            let envelope =
                josekit::jwe::serialize_general_json(&plaintext, Some(&header), &list, None)
                    .unwrap();
            // Each recipient carries its own ephemeral key and alg; only enc is protected.
            let jwe = Jwe::parse(envelope.as_bytes()).unwrap();
            assert!(!jwe.protected_header().contains_key("epk"));
            for entry in jwe.recipients() {
                let h = entry.header().unwrap();
                assert_eq!(h["alg"], alg.name());
                assert_eq!(h["epk"]["crv"], curve.name());
            }
            open_with_each(
                &envelope,
                &keys,
                alg,
                enc,
                Serialization::General,
                &plaintext,
            );
        }
    }
}

#[test]
fn we_honour_josekit_aad_member() {
    for alg in ALGS {
        for curve in Curve::ALL {
            let keys = recipients(curve, 1, seed(alg, Enc::A128CbcHs256, curve, 17));
            let encrypter = jose_encrypter(alg, &keys[0]);
            let mut header = JweHeaderSet::new();
            header.set_content_encryption(Enc::A128CbcHs256.name(), true);
            let envelope = josekit::jwe::serialize_flattened_json(
                MESSAGE,
                Some(&header),
                None,
                Some(b"additional authenticated data"),
                &encrypter,
            )
            .unwrap();
            open_with_each(
                &envelope,
                &keys,
                alg,
                Enc::A128CbcHs256,
                Serialization::Flattened,
                MESSAGE,
            );
            let other = edit_json(&envelope, |t| {
                t.insert("aad".into(), "b3RoZXIgZGF0YQ".into());
            });
            let e = Jwe::parse(other.as_bytes())
                .unwrap()
                .decrypt(&keys[0], None)
                .unwrap_err();
            assert_eq!(e, authcrypt::Error::Crypto);
        }
    }
}

#[test]
fn large_payloads_agree_both_ways() {
    // Large enough for our CBC and HMAC to run on two cores when they are available.
    let large: Vec<u8> = (0..150_001u32).map(|i| (i * 7 % 256) as u8).collect();
    for curve in [Curve::X25519, Curve::P384] {
        let keys = recipients(curve, 1, 19);
        let bob = &keys[0];
        let public = bob.to_public();
        for enc in ENCS {
            let ours = Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), enc)
                .recipient(&public)
                .serialization(Serialization::Compact)
                .encrypt_with_rng(&large, &mut common::rng(20))
                .unwrap();
            let decrypter = jose_decrypter(Alg::EcdhEsA256Kw, bob);
            let (opened, _) = josekit::jwe::deserialize_compact(&ours, &decrypter)
                .unwrap_or_else(|e| panic!("{enc} {curve}: josekit: {e}"));
            assert!(opened == large, "{enc} {curve}");

            let mut header = JweHeader::new();
            header.set_content_encryption(enc.name());
            let theirs = josekit::jwe::serialize_compact(
                &large,
                &header,
                &jose_encrypter(Alg::EcdhEsA256Kw, bob),
            )
            .unwrap();
            let out = Decrypter::new()
                .recipient_key(bob)
                .decrypt(theirs.as_bytes())
                .unwrap_or_else(|e| panic!("{enc} {curve}: {e}"));
            assert!(out.plaintext[..] == large[..], "{enc} {curve}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Keys.

#[test]
fn keys_made_by_josekit_work_here_and_ours_work_there() {
    let generated = [
        (
            Curve::X25519,
            JoseJwk::generate_ecx_key(josekit::jwk::X25519).unwrap(),
        ),
        (
            Curve::P256,
            JoseJwk::generate_ec_key(josekit::jwk::P_256).unwrap(),
        ),
        (
            Curve::P384,
            JoseJwk::generate_ec_key(josekit::jwk::P_384).unwrap(),
        ),
        (
            Curve::P521,
            JoseJwk::generate_ec_key(josekit::jwk::P_521).unwrap(),
        ),
    ];
    for (curve, mut theirs) in generated {
        theirs.set_key_id(format!("did:example:carol#{}", curve.name()));
        let ours = Jwk::from_json(&theirs.to_string())
            .unwrap_or_else(|e| panic!("{curve}: josekit key not accepted: {e}"));
        assert_eq!(ours.curve(), curve);
        assert!(ours.is_private());
        assert_eq!(ours.kid(), theirs.key_id());
        // The public parts agree member by member.
        let their_public = theirs.to_public_key().unwrap();
        let our_public: serde_json::Value = serde_json::from_str(&ours.to_public_json()).unwrap();
        for member in ["kty", "crv", "x", "y"] {
            assert_eq!(
                their_public.parameter(member),
                our_public.get(member),
                "{curve}: {member}"
            );
        }
        // And the private scalar survives the trip back.
        let back = JoseJwk::from_bytes(ours.to_private_json().unwrap().as_bytes()).unwrap();
        assert_eq!(back.parameter("d"), theirs.parameter("d"), "{curve}: d");

        // An envelope to the josekit-made key, both ways.
        let public = ours.to_public();
        let envelope = Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256CbcHs512)
            .recipient(&public)
            .serialization(Serialization::Compact)
            .encrypt_with_rng(MESSAGE, &mut common::rng(18))
            .unwrap();
        let decrypter = ECDH_ES_A256KW.decrypter_from_jwk(&theirs).unwrap();
        let (opened, _) = josekit::jwe::deserialize_compact(&envelope, &decrypter).unwrap();
        assert_eq!(opened, MESSAGE);

        let encrypter = ECDH_ES_A256KW.encrypter_from_jwk(&their_public).unwrap();
        let mut header = JweHeader::new();
        header.set_content_encryption(Enc::A256CbcHs512.name());
        let envelope = josekit::jwe::serialize_compact(MESSAGE, &header, &encrypter).unwrap();
        let out = Jwe::parse(envelope.as_bytes())
            .unwrap()
            .decrypt(&ours, None)
            .unwrap();
        assert_eq!(&out.plaintext[..], MESSAGE);
    }
}

// ---------------------------------------------------------------------------------------------
// JWS: josekit (OpenSSL) verifies what we sign, and we verify what it signs, for every alg.
// ---------------------------------------------------------------------------------------------

/// josekit's signer and verifier for `alg` from our key's JWKs.
fn jose_sig(
    key: &authcrypt::jws::SigningKey,
) -> (
    Box<dyn josekit::jws::JwsSigner>,
    Box<dyn josekit::jws::JwsVerifier>,
) {
    use authcrypt::jws::SigAlg;
    use josekit::jws::{EdDSA, ES256, ES256K, ES384};
    let private = JoseJwk::from_bytes(key.to_json().as_bytes()).unwrap();
    let public = JoseJwk::from_bytes(key.verifying_key().to_json().as_bytes()).unwrap();
    match key.alg() {
        SigAlg::EdDsa => (
            Box::new(EdDSA.signer_from_jwk(&private).unwrap()),
            Box::new(EdDSA.verifier_from_jwk(&public).unwrap()),
        ),
        SigAlg::Es256 => (
            Box::new(ES256.signer_from_jwk(&private).unwrap()),
            Box::new(ES256.verifier_from_jwk(&public).unwrap()),
        ),
        SigAlg::Es256K => (
            Box::new(ES256K.signer_from_jwk(&private).unwrap()),
            Box::new(ES256K.verifier_from_jwk(&public).unwrap()),
        ),
        _ => (
            Box::new(ES384.signer_from_jwk(&private).unwrap()),
            Box::new(ES384.verifier_from_jwk(&public).unwrap()),
        ),
    }
}

#[test]
fn josekit_verifies_our_signatures_and_we_verify_its_for_every_alg() {
    use authcrypt::jws::{Jws, SigAlg, Signer, SigningKey};
    use josekit::jws::{JwsHeader, JwsHeaderSet};
    let payload = br#"{"id":"1","type":"t","from":"did:example:alice","body":{}}"#;
    for (i, alg) in SigAlg::ALL.into_iter().enumerate() {
        let key = SigningKey::generate_with_rng(alg, &mut common::rng(40 + i as u64))
            .with_kid("did:example:alice#key-1");
        let public = key.verifying_key();
        let (signer, verifier) = jose_sig(&key);
        // Ours, read by josekit.
        for serialization in [
            Serialization::Compact,
            Serialization::Flattened,
            Serialization::General,
        ] {
            let ours = Signer::new(&key)
                .serialization(serialization)
                .sign(payload)
                .unwrap();
            let (read, _) = match serialization {
                Serialization::Compact => josekit::jws::deserialize_compact(&ours, &*verifier),
                _ => josekit::jws::deserialize_json(&ours, &*verifier),
            }
            .unwrap_or_else(|e| panic!("{alg} {serialization}: josekit refused ours: {e}"));
            assert_eq!(read, payload, "{alg} {serialization}");
        }
        // josekit's, read by us: compact (kid protected) and flattened JSON (kid unprotected).
        let mut header = JwsHeader::new();
        header.set_key_id("did:example:alice#key-1");
        let compact = josekit::jws::serialize_compact(payload, &header, &*signer).unwrap();
        let mut set = JwsHeaderSet::new();
        set.set_key_id("did:example:alice#key-1", false);
        let flattened = josekit::jws::serialize_flattened_json(payload, &set, &*signer).unwrap();
        for theirs in [compact, flattened] {
            let jws = Jws::parse(theirs.as_bytes()).unwrap();
            let verified = jws
                .verify(&[&public])
                .unwrap_or_else(|e| panic!("{alg}: we refused josekit's {theirs}: {e}"));
            assert_eq!(verified[0].alg, alg);
            assert_eq!(jws.payload(), payload);
        }
    }
}
