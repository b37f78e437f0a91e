//! The whole matrix: every `alg` × every `enc` it allows × every curve × every serialization that
//! can carry it, encrypted and then decrypted by each recipient, plus every combination the
//! engine must refuse, each with its own error.

mod common;

use authcrypt::error::KeyRole;
use std::fmt;

use authcrypt::KeyWrap;
use authcrypt::Sender;
use authcrypt::{
    Alg, Curve, Decrypted, Decrypter, Enc, Encrypter, Error, Jwe, Jwk, Parallelism, Serialization,
    ZsCache,
};
use common::b64;
use common::edit::{with_part, Part};
use serde_json::{json, Value};

const MESSAGE: &[u8] =
    b"{\"id\":\"1234567890\",\"body\":{\"messagespecificattribute\":\"and its value\"}}";

const APV: &[u8] = b"did:example:bob#key-0.did:example:bob#key-1.did:example:bob#key-2";

/// One point of the matrix.
#[derive(Debug, Clone, Copy)]
struct Case {
    alg: Alg,
    enc: Enc,
    curve: Curve,
    serialization: Serialization,
    recipients: usize,
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} / {} / {} / {} with {} recipient(s)",
            self.alg, self.enc, self.curve, self.serialization, self.recipients
        )
    }
}

/// The serializations that can carry `alg`, with their recipient counts: compact and flattened
/// carry one recipient, general JSON one or three, and direct key agreement exactly one.
fn layouts(alg: Alg) -> Vec<(Serialization, usize)> {
    let mut out = vec![
        (Serialization::Compact, 1),
        (Serialization::Flattened, 1),
        (Serialization::General, 1),
    ];
    if alg.key_wrap().is_some() {
        out.push((Serialization::General, 3));
    }
    out
}

/// Every `enc` that `alg` accepts.
fn encs_for(alg: Alg) -> Vec<Enc> {
    Enc::ALL
        .into_iter()
        .filter(|enc| alg.check_enc(*enc).is_ok())
        .collect()
}

fn curve_tag(curve: Curve) -> &'static str {
    match curve {
        Curve::X25519 => "x25519",
        Curve::P256 => "p256",
        Curve::P384 => "p384",
        Curve::P521 => "p521",
    }
}

/// The sender, a second sender key that must not be picked, and `count` recipients, all on
/// `curve` and all with kids.
struct Parties {
    sender: Jwk,
    decoy: Jwk,
    recipients: Vec<Jwk>,
}

impl Parties {
    fn new(curve: Curve, count: usize, seed: u64) -> Parties {
        let mut rng = common::rng(seed);
        let tag = curve_tag(curve);
        let sender = Jwk::generate_with_rng(curve, &mut rng)
            .with_kid(format!("did:example:alice#key-{tag}-1"));
        let decoy = Jwk::generate_with_rng(curve, &mut rng)
            .with_kid(format!("did:example:alice#key-{tag}-2"));
        let recipients = (0..count)
            .map(|i| {
                Jwk::generate_with_rng(curve, &mut rng)
                    .with_kid(format!("did:example:bob#key-{tag}-{i}"))
            })
            .collect();
        Parties {
            sender,
            decoy,
            recipients,
        }
    }
}

fn seed_of(case: &Case, salt: u64) -> u64 {
    let alg = Alg::ALL.iter().position(|a| *a == case.alg).unwrap() as u64;
    let enc = Enc::ALL.iter().position(|e| *e == case.enc).unwrap() as u64;
    let curve = Curve::ALL.iter().position(|c| *c == case.curve).unwrap() as u64;
    let ser = match case.serialization {
        Serialization::Compact => 0,
        Serialization::Flattened => 1,
        Serialization::General => 2,
    };
    (((alg * 8 + enc) * 4 + curve) * 4 + ser) * 8 + case.recipients as u64 + (salt << 32)
}

fn check(
    out: &Decrypted,
    case: &Case,
    index: usize,
    recipient: &Jwk,
    sender: &Jwk,
    plaintext: &[u8],
    how: &str,
) {
    assert_eq!(&out.plaintext[..], plaintext, "{case} ({how}): plaintext");
    assert_eq!(out.alg, case.alg, "{case} ({how}): alg");
    assert_eq!(out.enc, case.enc, "{case} ({how}): enc");
    assert_eq!(out.curve, case.curve, "{case} ({how}): curve");
    assert_eq!(
        out.serialization, case.serialization,
        "{case} ({how}): serialization"
    );
    assert_eq!(
        out.recipient_index, index,
        "{case} ({how}): recipient index"
    );
    assert_eq!(
        out.recipient_kid.as_deref(),
        recipient.kid(),
        "{case} ({how}): recipient kid"
    );
    let expected_sender = if case.alg.is_1pu() {
        sender.kid()
    } else {
        None
    };
    assert_eq!(
        out.sender_kid.as_deref(),
        expected_sender,
        "{case} ({how}): sender kid"
    );
    assert_eq!(
        out.authenticated(),
        case.alg.is_1pu(),
        "{case} ({how}): authenticated"
    );
}

/// Encrypts `plaintext` for `case` and has every recipient decrypt it, through `Jwe::parse` +
/// `decrypt` and through `Decrypter`.
fn round_trip(case: Case, plaintext: &[u8], salt: u64) {
    let seed = seed_of(&case, salt);
    let parties = Parties::new(case.curve, case.recipients, seed);
    let publics: Vec<Jwk> = parties.recipients.iter().map(Jwk::to_public).collect();
    let sender_public = parties.sender.to_public();
    let decoy_public = parties.decoy.to_public();

    let mut encrypter = Encrypter::new(
        Sender::for_alg(case.alg, &parties.sender),
        case.alg.key_wrap(),
        case.enc,
    )
    .recipients(&publics)
    .apv(APV)
    .serialization(case.serialization);
    if case.alg.is_1pu() {
        let skid = parties.sender.kid().unwrap();
        encrypter = encrypter.skid(skid).apu(skid.as_bytes());
    }
    let envelope = encrypter
        .encrypt_with_rng(plaintext, &mut common::rng(seed ^ 0x5eed))
        .unwrap_or_else(|e| panic!("{case}: encrypt: {e}"));

    // What the envelope says before anything is decrypted.
    let jwe = Jwe::parse(envelope.as_bytes()).unwrap_or_else(|e| panic!("{case}: parse: {e}"));
    assert_eq!(jwe.serialization(), case.serialization, "{case}");
    assert_eq!(jwe.recipients().len(), case.recipients, "{case}");
    if case.serialization == Serialization::Compact {
        assert_eq!(envelope.split('.').count(), 5, "{case}");
    }
    let protected = jwe.protected_header();
    assert_eq!(protected["alg"], case.alg.name(), "{case}");
    assert_eq!(protected["enc"], case.enc.name(), "{case}");
    assert_eq!(protected["epk"]["crv"], case.curve.name(), "{case}");
    assert_eq!(protected["epk"]["kty"], case.curve.kty(), "{case}");
    assert!(protected["epk"].get("d").is_none(), "{case}: epk is public");
    assert_eq!(jwe.iv().len(), case.enc.iv_len(), "{case}: iv length");
    assert_eq!(jwe.tag().len(), case.enc.tag_len(), "{case}: tag length");
    assert_eq!(
        jwe.ciphertext().len(),
        case.enc.ciphertext_len(plaintext.len()),
        "{case}: ciphertext length"
    );
    if !plaintext.is_empty() && !case.enc.is_cbc_hmac() {
        assert_ne!(jwe.ciphertext(), plaintext, "{case}: ciphertext");
    }
    for (i, entry) in jwe.recipients().iter().enumerate() {
        match case.alg.key_wrap() {
            None => assert!(entry.encrypted_key().is_empty(), "{case}: recipient {i}"),
            Some(_) => assert_eq!(
                entry.encrypted_key().len(),
                case.enc.key_len() + 8,
                "{case}: recipient {i} encrypted_key length"
            ),
        }
    }
    assert_eq!(
        jwe.recipient_kids().unwrap(),
        parties.recipients.iter().map(Jwk::kid).collect::<Vec<_>>(),
        "{case}: recipient kids in order"
    );

    let sender_arg = case.alg.is_1pu().then_some(&sender_public);
    for (i, key) in parties.recipients.iter().enumerate() {
        let out = jwe
            .decrypt(key, sender_arg)
            .unwrap_or_else(|e| panic!("{case}: Jwe::decrypt by recipient {i}: {e}"));
        check(
            &out,
            &case,
            i,
            key,
            &parties.sender,
            plaintext,
            "Jwe::decrypt",
        );

        let out = jwe
            .decrypt_recipient(i, key, sender_arg)
            .unwrap_or_else(|e| panic!("{case}: decrypt_recipient {i}: {e}"));
        check(
            &out,
            &case,
            i,
            key,
            &parties.sender,
            plaintext,
            "Jwe::decrypt_recipient",
        );

        let mut decrypter = Decrypter::new().recipient_key(key);
        if case.alg.is_1pu() {
            // Two known senders: the one named by skid must be chosen.
            decrypter = decrypter
                .sender_key(&decoy_public)
                .sender_key(&sender_public);
        }
        let out = decrypter
            .decrypt(envelope.as_bytes())
            .unwrap_or_else(|e| panic!("{case}: Decrypter by recipient {i}: {e}"));
        check(&out, &case, i, key, &parties.sender, plaintext, "Decrypter");
    }

    // A decrypter holding every recipient key, given last first, opens the first entry.
    let mut decrypter = parties
        .recipients
        .iter()
        .rev()
        .fold(Decrypter::new(), |d, k| d.recipient_key(k));
    if case.alg.is_1pu() {
        decrypter = decrypter.sender_key(&sender_public);
    }
    let out = decrypter
        .decrypt(envelope.as_bytes())
        .unwrap_or_else(|e| panic!("{case}: Decrypter with every key: {e}"));
    check(
        &out,
        &case,
        0,
        &parties.recipients[0],
        &parties.sender,
        plaintext,
        "Decrypter with every key",
    );
}

fn matrix(alg: Alg) {
    let mut count = 0;
    for enc in encs_for(alg) {
        for curve in Curve::ALL {
            for (serialization, recipients) in layouts(alg) {
                round_trip(
                    Case {
                        alg,
                        enc,
                        curve,
                        serialization,
                        recipients,
                    },
                    MESSAGE,
                    0,
                );
                count += 1;
            }
        }
    }
    let per_curve = layouts(alg).len();
    assert_eq!(count, encs_for(alg).len() * Curve::ALL.len() * per_curve);
}

#[test]
fn the_matrix_has_the_expected_shape() {
    // 4 ECDH-ES algs and ECDH-1PU direct take all 7 encs; 1PU key wrap takes the 3 CBC-HMAC.
    let pairs: usize = Alg::ALL.iter().map(|a| encs_for(*a).len()).sum();
    assert_eq!(pairs, 5 * 7 + 3 * 3);
    for alg in [Alg::Ecdh1PuA128Kw, Alg::Ecdh1PuA192Kw, Alg::Ecdh1PuA256Kw] {
        assert_eq!(
            encs_for(alg),
            vec![Enc::A128CbcHs256, Enc::A192CbcHs384, Enc::A256CbcHs512]
        );
    }
    assert_eq!(layouts(Alg::EcdhEs).len(), 3);
    assert_eq!(layouts(Alg::Ecdh1Pu).len(), 3);
    assert_eq!(layouts(Alg::EcdhEsA256Kw).len(), 4);
}

#[test]
fn matrix_ecdh_es() {
    matrix(Alg::EcdhEs);
}

#[test]
fn matrix_ecdh_es_a128kw() {
    matrix(Alg::EcdhEsA128Kw);
}

#[test]
fn matrix_ecdh_es_a192kw() {
    matrix(Alg::EcdhEsA192Kw);
}

#[test]
fn matrix_ecdh_es_a256kw() {
    matrix(Alg::EcdhEsA256Kw);
}

#[test]
fn matrix_ecdh_1pu() {
    matrix(Alg::Ecdh1Pu);
}

#[test]
fn matrix_ecdh_1pu_a128kw() {
    matrix(Alg::Ecdh1PuA128Kw);
}

#[test]
fn matrix_ecdh_1pu_a192kw() {
    matrix(Alg::Ecdh1PuA192Kw);
}

#[test]
fn matrix_ecdh_1pu_a256kw() {
    matrix(Alg::Ecdh1PuA256Kw);
}

/// Runs `plaintext` through every alg × enc × curve in general JSON and compact.
fn every_pair_and_curve(plaintext: &[u8], salt: u64) {
    for alg in Alg::ALL {
        for enc in encs_for(alg) {
            for curve in Curve::ALL {
                for serialization in [Serialization::General, Serialization::Compact] {
                    round_trip(
                        Case {
                            alg,
                            enc,
                            curve,
                            serialization,
                            recipients: 1,
                        },
                        plaintext,
                        salt,
                    );
                }
            }
        }
    }
}

#[test]
fn empty_plaintext_round_trips() {
    every_pair_and_curve(b"", 1);
}

#[test]
fn plaintext_of_several_blocks_round_trips() {
    // Five and a half AES blocks, so CBC pads a partial block and GCM/XChaCha run several
    // counter blocks.
    let long: Vec<u8> = (0..88u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    every_pair_and_curve(&long, 2);
}

#[test]
fn plaintext_of_whole_blocks_round_trips() {
    // A multiple of the block size: CBC adds a whole block of padding.
    let whole = [0xa5u8; 64];
    every_pair_and_curve(&whole, 3);
    let mut rng = common::rng(4);
    let parties = Parties::new(Curve::P256, 1, 4);
    let bob = parties.recipients[0].to_public();
    let out = Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256CbcHs512)
        .recipient(&bob)
        .encrypt_with_rng(&whole, &mut rng)
        .unwrap();
    assert_eq!(Jwe::parse(out.as_bytes()).unwrap().ciphertext().len(), 80);
}

#[test]
fn fresh_randomness_gives_different_envelopes() {
    let parties = Parties::new(Curve::X25519, 1, 5);
    let bob = parties.recipients[0].to_public();
    let encrypter =
        Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256Gcm).recipient(&bob);
    let first = encrypter.encrypt(MESSAGE).unwrap();
    let second = encrypter.encrypt(MESSAGE).unwrap();
    assert_ne!(first, second);
    let first = Jwe::parse(first.as_bytes()).unwrap();
    let second = Jwe::parse(second.as_bytes()).unwrap();
    assert_ne!(
        first.protected_header()["epk"],
        second.protected_header()["epk"]
    );
    assert_ne!(first.iv(), second.iv());
    for jwe in [first, second] {
        let out = jwe.decrypt(&parties.recipients[0], None).unwrap();
        assert_eq!(&out.plaintext[..], MESSAGE);
    }
    // The same seed gives the same bytes.
    let a = encrypter
        .encrypt_with_rng(MESSAGE, &mut common::rng(9))
        .unwrap();
    let b = encrypter
        .encrypt_with_rng(MESSAGE, &mut common::rng(9))
        .unwrap();
    assert_eq!(a, b);
}

// ---------------------------------------------------------------------------------------------
// Combinations that must be refused.

#[test]
fn ecdh_1pu_key_wrap_with_a_non_cbc_hmac_enc_is_rejected_on_encrypt() {
    let parties = Parties::new(Curve::X25519, 1, 10);
    let bob = parties.recipients[0].to_public();
    for alg in [Alg::Ecdh1PuA128Kw, Alg::Ecdh1PuA192Kw, Alg::Ecdh1PuA256Kw] {
        for enc in [Enc::A128Gcm, Enc::A192Gcm, Enc::A256Gcm, Enc::XC20P] {
            for serialization in [
                Serialization::Compact,
                Serialization::Flattened,
                Serialization::General,
            ] {
                let e = Encrypter::new(Sender::for_alg(alg, &parties.sender), alg.key_wrap(), enc)
                    .recipient(&bob)
                    .serialization(serialization)
                    .encrypt_with_rng(MESSAGE, &mut common::rng(11))
                    .unwrap_err();
                assert_eq!(
                    e,
                    Error::AlgEncMismatch { alg, enc },
                    "{alg} {enc} {serialization}"
                );
            }
        }
    }
}

/// A general JSON envelope written by hand: a protected header with `alg`, `enc` and a valid
/// `epk`, one recipient, and well-formed parts of the right lengths.
fn hand_built_envelope(alg: Alg, enc: Enc, curve: Curve, bob: &Jwk) -> String {
    let mut rng = common::rng(12);
    let ephemeral = Jwk::generate_with_rng(curve, &mut rng);
    let epk: Value = serde_json::from_str(&ephemeral.to_public_json()).unwrap();
    let header = json!({ "alg": alg.name(), "enc": enc.name(), "epk": epk });
    json!({
        "protected": b64(header.to_string().as_bytes()),
        "recipients": [{
            "header": { "kid": bob.kid().unwrap() },
            "encrypted_key": b64(&vec![0x42; enc.key_len() + 8]),
        }],
        "iv": b64(&vec![1; enc.iv_len()]),
        "ciphertext": b64(b"not really a ciphertext"),
        "tag": b64(&vec![2; enc.tag_len()]),
    })
    .to_string()
}

#[test]
fn ecdh_1pu_key_wrap_with_a_non_cbc_hmac_enc_is_rejected_on_decrypt() {
    for curve in Curve::ALL {
        let parties = Parties::new(curve, 1, 13);
        let bob = &parties.recipients[0];
        let alice = parties.sender.to_public();
        for alg in [Alg::Ecdh1PuA128Kw, Alg::Ecdh1PuA192Kw, Alg::Ecdh1PuA256Kw] {
            for enc in [Enc::A128Gcm, Enc::A192Gcm, Enc::A256Gcm, Enc::XC20P] {
                let expected = Error::AlgEncMismatch { alg, enc };
                let envelope = hand_built_envelope(alg, enc, curve, bob);
                let jwe = Jwe::parse(envelope.as_bytes()).unwrap();
                assert_eq!(
                    jwe.decrypt(bob, Some(&alice)).unwrap_err(),
                    expected,
                    "{alg} {enc} {curve}"
                );
                assert_eq!(
                    jwe.decrypt_recipient(0, bob, Some(&alice)).unwrap_err(),
                    expected
                );
                let e = Decrypter::new()
                    .recipient_key(bob)
                    .sender_key(&alice)
                    .decrypt(envelope.as_bytes())
                    .unwrap_err();
                assert_eq!(e, expected, "{alg} {enc} {curve}");
            }
        }
    }
}

#[test]
fn the_hand_built_envelope_is_otherwise_acceptable() {
    // The same construction with a CBC-HMAC enc gets past every structural check and fails only
    // cryptographically, so the rejection above is the alg/enc rule and nothing else.
    let parties = Parties::new(Curve::P256, 1, 13);
    let bob = &parties.recipients[0];
    let alice = parties.sender.to_public();
    let envelope = hand_built_envelope(Alg::Ecdh1PuA256Kw, Enc::A256CbcHs512, Curve::P256, bob);
    let jwe = Jwe::parse(envelope.as_bytes()).unwrap();
    assert_eq!(jwe.decrypt(bob, Some(&alice)).unwrap_err(), Error::Crypto);
}

#[test]
fn direct_key_agreement_with_three_recipients_is_refused() {
    for curve in Curve::ALL {
        let parties = Parties::new(curve, 3, 14);
        let publics: Vec<Jwk> = parties.recipients.iter().map(Jwk::to_public).collect();
        for enc in Enc::ALL {
            let e = Encrypter::new(Sender::Anonymous, None, enc)
                .recipients(&publics)
                .encrypt_with_rng(MESSAGE, &mut common::rng(15))
                .unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::DirectRecipients {
                        alg: Alg::EcdhEs,
                        found: 3
                    }
                ),
                "ECDH-ES {enc} {curve}: {e:?}"
            );
            let e = Encrypter::new(Sender::Authenticated(&parties.sender), None, enc)
                .recipients(&publics)
                .encrypt_with_rng(MESSAGE, &mut common::rng(15))
                .unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::DirectRecipients {
                        alg: Alg::Ecdh1Pu,
                        found: 3
                    }
                ),
                "ECDH-1PU {enc} {curve}: {e:?}"
            );
        }
    }
}

#[test]
fn compact_and_flattened_with_three_recipients_are_rejected() {
    let parties = Parties::new(Curve::P384, 3, 16);
    let publics: Vec<Jwk> = parties.recipients.iter().map(Jwk::to_public).collect();
    for name in [Serialization::Compact, Serialization::Flattened] {
        let serialization = name;
        for alg in [Alg::EcdhEsA256Kw, Alg::Ecdh1PuA256Kw] {
            let encrypter = Encrypter::new(
                Sender::for_alg(alg, &parties.sender),
                alg.key_wrap(),
                Enc::A256CbcHs512,
            )
            .recipients(&publics)
            .serialization(serialization);
            let e = encrypter
                .encrypt_with_rng(MESSAGE, &mut common::rng(17))
                .unwrap_err();
            assert!(
                matches!(e, Error::Serialization { serialization, .. } if serialization == name),
                "{alg} {name}: {e:?}"
            );
        }
    }
    // General JSON takes them.
    let out = Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256CbcHs512)
        .recipients(&publics)
        .encrypt_with_rng(MESSAGE, &mut common::rng(17))
        .unwrap();
    assert_eq!(Jwe::parse(out.as_bytes()).unwrap().recipients().len(), 3);
}

#[test]
fn compact_with_an_unprotected_member_or_aad_is_rejected() {
    let parties = Parties::new(Curve::X25519, 1, 18);
    let bob = parties.recipients[0].to_public();
    let compact_error = |e: &Error| {
        matches!(
            e,
            Error::Serialization {
                serialization: Serialization::Compact,
                ..
            }
        )
    };
    let e = Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256Gcm)
        .recipient(&bob)
        .serialization(Serialization::Compact)
        .unprotected_member("jku", json!("https://example.com/keys"))
        .encrypt_with_rng(MESSAGE, &mut common::rng(19))
        .unwrap_err();
    assert!(compact_error(&e), "{e:?}");
    let e = Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256Gcm)
        .recipient(&bob)
        .serialization(Serialization::Compact)
        .aad(*b"extra")
        .encrypt_with_rng(MESSAGE, &mut common::rng(19))
        .unwrap_err();
    assert!(compact_error(&e), "{e:?}");
    let e = Encrypter::new(
        Sender::Authenticated(&parties.sender),
        Some(KeyWrap::A256Kw),
        Enc::A256CbcHs512,
    )
    .recipient(&bob)
    .serialization(Serialization::Compact)
    .aad(*b"extra")
    .encrypt_with_rng(MESSAGE, &mut common::rng(19))
    .unwrap_err();
    assert!(compact_error(&e), "{e:?}");

    // The JSON serializations carry both.
    for serialization in [Serialization::Flattened, Serialization::General] {
        let out = Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256Gcm)
            .recipient(&bob)
            .serialization(serialization)
            .unprotected_member("jku", json!("https://example.com/keys"))
            .aad(*b"extra")
            .encrypt_with_rng(MESSAGE, &mut common::rng(19))
            .unwrap();
        let jwe = Jwe::parse(out.as_bytes()).unwrap();
        assert_eq!(jwe.aad_b64(), Some(b64(b"extra").as_str()));
        assert_eq!(
            jwe.unprotected_header().unwrap()["jku"],
            "https://example.com/keys"
        );
        let opened = jwe.decrypt(&parties.recipients[0], None).unwrap();
        assert_eq!(&opened.plaintext[..], MESSAGE);
    }
}

#[test]
fn ecdh_es_with_a_sender_is_rejected_as_sender_required_on_decrypt() {
    // A sender key given to `Jwe::decrypt` or `Jwe::decrypt_recipient` asks for an
    // authenticated sender: an anonymous message must not come back as if it were one.
    let parties = Parties::new(Curve::X25519, 1, 24);
    let bob = &parties.recipients[0];
    let alice = parties.sender.to_public();
    let out = Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256Gcm)
        .recipient(&bob.to_public())
        .encrypt_with_rng(MESSAGE, &mut common::rng(25))
        .unwrap();
    let jwe = Jwe::parse(out.as_bytes()).unwrap();
    assert_eq!(
        jwe.decrypt_recipient(0, bob, Some(&alice)).unwrap_err(),
        Error::SenderRequired
    );
    assert_eq!(
        jwe.decrypt(bob, Some(&alice)).unwrap_err(),
        Error::SenderRequired
    );
    // Without a sender key it is anonymous, and decrypts as such.
    let opened = jwe.decrypt(bob, None).unwrap();
    assert!(!opened.authenticated());
    assert_eq!(opened.sender_kid, None);
    assert_eq!(&opened.plaintext[..], MESSAGE);
}

#[test]
fn jwe_decrypt_with_a_sender_checks_that_sender_and_without_one_refuses_ecdh_1pu() {
    let parties = Parties::new(Curve::P256, 1, 26);
    let bob = &parties.recipients[0];
    let alice = parties.sender.to_public();
    let out = Encrypter::new(
        Sender::Authenticated(&parties.sender),
        Some(KeyWrap::A256Kw),
        Enc::A256CbcHs512,
    )
    .recipient(&bob.to_public())
    .encrypt_with_rng(MESSAGE, &mut common::rng(27))
    .unwrap();
    let jwe = Jwe::parse(out.as_bytes()).unwrap();
    let opened = jwe.decrypt(bob, Some(&alice)).unwrap();
    assert!(opened.authenticated());
    assert_eq!(opened.sender_kid.as_deref(), alice.kid());
    assert_eq!(&opened.plaintext[..], MESSAGE);
    assert!(matches!(
        jwe.decrypt(bob, None).unwrap_err(),
        Error::SenderNotFound(_)
    ));
    assert_eq!(
        jwe.decrypt(bob, Some(&parties.decoy.to_public()))
            .unwrap_err(),
        Error::Crypto
    );
}

#[test]
fn require_sender_rejects_anonymous_messages_and_opens_authenticated_ones() {
    for curve in Curve::ALL {
        let parties = Parties::new(curve, 1, 28);
        let bob = &parties.recipients[0];
        let alice = parties.sender.to_public();
        for alg in Alg::ALL {
            let encrypter = Encrypter::new(
                Sender::for_alg(alg, &parties.sender),
                alg.key_wrap(),
                Enc::A256CbcHs512,
            )
            .recipient(&parties.recipients[0]);
            let envelope = encrypter
                .encrypt_with_rng(MESSAGE, &mut common::rng(29))
                .unwrap();
            let open = |require: bool| {
                let d = Decrypter::new().recipient_key(bob).sender_key(&alice);
                let d = if require { d.require_sender() } else { d };
                d.decrypt(envelope.as_bytes())
            };
            let plain = open(false).unwrap();
            assert_eq!(&plain.plaintext[..], MESSAGE, "{alg} {curve}");
            if alg.is_1pu() {
                let required = open(true).unwrap();
                assert_eq!(&required.plaintext[..], MESSAGE, "{alg} {curve}");
                for out in [&plain, &required] {
                    assert!(out.authenticated(), "{alg} {curve}");
                    assert_eq!(out.sender_kid.as_deref(), alice.kid(), "{alg} {curve}");
                }
            } else {
                assert_eq!(
                    open(true).unwrap_err(),
                    Error::SenderRequired,
                    "{alg} {curve}"
                );
                // Without the requirement an anonymous message opens, as it always has.
                assert!(!plain.authenticated(), "{alg} {curve}");
                assert_eq!(plain.sender_kid, None, "{alg} {curve}");
                // Rejected before any key is used: a public recipient key is not even looked at.
                let e = Decrypter::new()
                    .recipient_key(&bob.to_public())
                    .require_sender()
                    .decrypt(envelope.as_bytes())
                    .unwrap_err();
                assert_eq!(e, Error::SenderRequired, "{alg} {curve}");
            }
        }
    }
}

#[test]
fn recipients_on_mixed_curves_are_rejected() {
    let mut rng = common::rng(26);
    for (first, second) in [
        (Curve::X25519, Curve::P256),
        (Curve::P256, Curve::P384),
        (Curve::P521, Curve::X25519),
    ] {
        let a = Jwk::generate_with_rng(first, &mut rng)
            .with_kid("did:example:bob#a")
            .to_public();
        let b = Jwk::generate_with_rng(second, &mut rng)
            .with_kid("did:example:bob#b")
            .to_public();
        let e = Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256CbcHs512)
            .recipients([&a, &b])
            .encrypt_with_rng(MESSAGE, &mut common::rng(27))
            .unwrap_err();
        assert_eq!(
            e,
            Error::CurveMismatch {
                what: KeyRole::Recipient,
                expected: first,
                found: second,
            }
        );
    }
}

#[test]
fn sender_on_another_curve_is_rejected() {
    let mut rng = common::rng(28);
    for (sender_curve, recipient_curve) in [
        (Curve::X25519, Curve::P256),
        (Curve::P384, Curve::P521),
        (Curve::P256, Curve::X25519),
    ] {
        let alice = Jwk::generate_with_rng(sender_curve, &mut rng).with_kid("did:example:alice#1");
        let bob = Jwk::generate_with_rng(recipient_curve, &mut rng)
            .with_kid("did:example:bob#1")
            .to_public();
        for alg in [Alg::Ecdh1Pu, Alg::Ecdh1PuA256Kw] {
            let e = Encrypter::new(
                Sender::for_alg(alg, &alice),
                alg.key_wrap(),
                Enc::A256CbcHs512,
            )
            .recipient(&bob)
            .encrypt_with_rng(MESSAGE, &mut common::rng(29))
            .unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::CurveMismatch {
                        what: KeyRole::Sender,
                        ..
                    }
                ),
                "{alg}: {e:?}"
            );
        }
    }
}

#[test]
fn public_only_sender_is_rejected() {
    let parties = Parties::new(Curve::P256, 1, 30);
    let alice_public = parties.sender.to_public();
    let bob = parties.recipients[0].to_public();
    for alg in [Alg::Ecdh1Pu, Alg::Ecdh1PuA128Kw, Alg::Ecdh1PuA256Kw] {
        let e = Encrypter::new(
            Sender::for_alg(alg, &alice_public),
            alg.key_wrap(),
            Enc::A128CbcHs256,
        )
        .recipient(&bob)
        .encrypt_with_rng(MESSAGE, &mut common::rng(31))
        .unwrap_err();
        assert!(matches!(e, Error::NotPrivate(_)), "{alg}: {e:?}");
    }
}

#[test]
fn no_recipients_is_rejected() {
    let parties = Parties::new(Curve::X25519, 1, 32);
    for alg in Alg::ALL {
        for serialization in [
            Serialization::Compact,
            Serialization::Flattened,
            Serialization::General,
        ] {
            let encrypter = Encrypter::new(
                Sender::for_alg(alg, &parties.sender),
                alg.key_wrap(),
                Enc::A256CbcHs512,
            )
            .serialization(serialization);
            let e = encrypter
                .encrypt_with_rng(MESSAGE, &mut common::rng(33))
                .unwrap_err();
            assert_eq!(e, Error::NoRecipients, "{alg} {serialization}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The optional second core and the Zs cache change how the work is done, never the result.

#[test]
fn many_recipients_give_the_same_envelope_on_one_core_or_several() {
    for alg in [Alg::EcdhEsA256Kw, Alg::Ecdh1PuA128Kw, Alg::Ecdh1PuA256Kw] {
        for curve in Curve::ALL {
            let parties = Parties::new(curve, 9, 40);
            let publics: Vec<Jwk> = parties.recipients.iter().map(Jwk::to_public).collect();
            let envelope = |parallelism: Parallelism| {
                let encrypter = Encrypter::new(
                    Sender::for_alg(alg, &parties.sender),
                    alg.key_wrap(),
                    Enc::A256CbcHs512,
                )
                .recipients(&publics)
                .parallelism(parallelism);
                encrypter
                    .encrypt_with_rng(MESSAGE, &mut common::rng(41))
                    .unwrap()
            };
            let serial = envelope(Parallelism::Off);
            assert_eq!(envelope(Parallelism::Auto), serial, "{alg} {curve}");
            let jwe = Jwe::parse(serial.as_bytes()).unwrap();
            let sender = parties.sender.to_public();
            let sender = alg.is_1pu().then_some(&sender);
            for (i, key) in parties.recipients.iter().enumerate() {
                let out = jwe.decrypt(key, sender).unwrap();
                assert_eq!(&out.plaintext[..], MESSAGE, "{alg} {curve} recipient {i}");
                assert_eq!(out.recipient_index, i);
            }
        }
    }
}

#[test]
fn large_plaintexts_agree_on_one_core_or_several() {
    // Large enough for CBC and HMAC to run side by side when a second core is allowed.
    let large: Vec<u8> = (0..200_003u32).map(|i| (i % 251) as u8).collect();
    let parties = Parties::new(Curve::X25519, 1, 42);
    let bob = parties.recipients[0].to_public();
    for enc in Enc::ALL {
        let envelope = |parallelism: Parallelism| {
            Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), enc)
                .recipient(&bob)
                .serialization(Serialization::Compact)
                .parallelism(parallelism)
                .encrypt_with_rng(&large, &mut common::rng(43))
                .unwrap()
        };
        let serial = envelope(Parallelism::Off);
        assert_eq!(envelope(Parallelism::Auto), serial, "{enc}");
        for parallelism in [Parallelism::Off, Parallelism::Auto] {
            let decrypter = Decrypter::new()
                .recipient_key(&parties.recipients[0])
                .parallelism(parallelism);
            let out = decrypter.decrypt(serial.as_bytes()).unwrap();
            assert!(out.plaintext[..] == large[..], "{enc} {parallelism:?}");
            // A flipped bit anywhere in the ciphertext, or in the last block, is caught.
            let jwe = Jwe::parse(serial.as_bytes()).unwrap();
            for at in [100_000, jwe.ciphertext().len() - 1] {
                let mut ct = jwe.ciphertext().to_vec();
                ct[at] ^= 0x01;
                let tampered = with_part(&serial, Part::Ciphertext, &ct);
                let e = decrypter.decrypt(tampered.as_bytes()).unwrap_err();
                assert_eq!(e, Error::Crypto, "{enc} {parallelism:?} octet {at}");
            }
        }
    }
}

#[test]
fn zs_cache_gives_the_same_envelopes_and_keeps_senders_apart() {
    for curve in Curve::ALL {
        let parties = Parties::new(curve, 5, 44);
        let publics: Vec<Jwk> = parties.recipients.iter().map(Jwk::to_public).collect();
        let encrypter = Encrypter::new(
            Sender::Authenticated(&parties.sender),
            Some(KeyWrap::A256Kw),
            Enc::A256CbcHs512,
        )
        .skid(parties.sender.kid().unwrap())
        .recipients(&publics);
        let plain = encrypter
            .encrypt_with_rng(MESSAGE, &mut common::rng(45))
            .unwrap();
        let cache = ZsCache::new(64);
        let cached = encrypter.clone().zs_cache(cache.clone());
        for _ in 0..2 {
            let out = cached
                .encrypt_with_rng(MESSAGE, &mut common::rng(45))
                .unwrap();
            assert_eq!(out, plain, "{curve}");
        }
        assert_eq!(cache.len(), 5, "{curve}");

        // A bounded cache stays within its bound and still gives the same bytes.
        let small = ZsCache::new(2);
        let out = encrypter
            .clone()
            .zs_cache(small.clone())
            .encrypt_with_rng(MESSAGE, &mut common::rng(45))
            .unwrap();
        assert_eq!(out, plain);
        assert!(small.len() <= 2);

        // Recipients with a cache of their own, opened twice so the second time hits it.
        let sender_public = parties.sender.to_public();
        let decoy_public = parties.decoy.to_public();
        let theirs = ZsCache::new(64);
        for key in &parties.recipients {
            for _ in 0..2 {
                let out = Decrypter::new()
                    .recipient_key(key)
                    .sender_key(&sender_public)
                    .zs_cache(theirs.clone())
                    .decrypt(plain.as_bytes())
                    .unwrap();
                assert_eq!(&out.plaintext[..], MESSAGE);
            }
            // With the genuine sender's Zs in the cache, another sender key under the same kid
            // still fails.
            let impostor = Jwk::from_public(
                decoy_public.public_key().clone(),
                parties.sender.kid().map(str::to_owned),
            );
            let e = Decrypter::new()
                .recipient_key(key)
                .sender_key(&impostor)
                .zs_cache(theirs.clone())
                .decrypt(plain.as_bytes())
                .unwrap_err();
            assert_eq!(e, Error::Crypto, "{curve}");
        }
    }
}
