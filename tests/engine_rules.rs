//! The rules of `docs/rules.md` sections A–F and H that an input can break, one test
//! (or a few) per rule, named after the rule number.
//!
//! Where a rule is about a derivation (the KDF inputs, Z, cctag), the test derives the key by
//! hand here, with its own Concat KDF and FixedInfo, and shows that the engine's envelope opens
//! with that key and not with the one a plausible mistake would give.

mod common;

use authcrypt::error::{KeyRole, Malformed};
use authcrypt::hazmat::agreement::{diffie_hellman, one_pass_unified};
use authcrypt::hazmat::content::{decrypt_in_place, encrypt_in_place};
use authcrypt::hazmat::kdf::{self, FixedInfo};
use authcrypt::hazmat::wrap::{self, KeyWrap};
use authcrypt::jwe::FixedRandomness;
use authcrypt::Sender;
use authcrypt::{
    Alg, ContentKey, Coordinates, Curve, Decrypted, Decrypter, Enc, Encrypter, Error, Jwe, Jwk,
    Location, PublicKey, SecretKey, Serialization,
};
use common::edit::{
    edit_json, edit_part, edit_part_text, edit_protected, edit_protected_text, Part,
};
use common::{b64, unb64};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

const MESSAGE: &[u8] = b"{\"body\":{\"content\":\"Your hovercraft is full of eels\"}}";

// ---------------------------------------------------------------------------------------------
// Helpers.

/// A sealed envelope and the keys around it.
struct Sealed {
    alg: Alg,
    envelope: String,
    alice: Jwk,
    recipients: Vec<Jwk>,
}

impl Sealed {
    fn alice_public(&self) -> Jwk {
        self.alice.to_public()
    }

    /// Parses `envelope` and decrypts it for recipient `index`, with Alice as the sender for
    /// ECDH-1PU.
    fn open_as(&self, envelope: &str, index: usize) -> Result<Decrypted, Error> {
        let alice = self.alice_public();
        let sender = self.alg.is_1pu().then_some(&alice);
        Jwe::parse(envelope.as_bytes())?.decrypt(&self.recipients[index], sender)
    }

    fn open(&self, envelope: &str) -> Result<Decrypted, Error> {
        self.open_as(envelope, 0)
    }
}

fn seal(
    alg: Alg,
    enc: Enc,
    curve: Curve,
    serialization: Serialization,
    count: usize,
    seed: u64,
) -> Sealed {
    let mut rng = common::rng(seed);
    let alice = Jwk::generate_with_rng(curve, &mut rng).with_kid("did:example:alice#key-1");
    let recipients: Vec<Jwk> = (0..count)
        .map(|i| {
            Jwk::generate_with_rng(curve, &mut rng).with_kid(format!("did:example:bob#key-{i}"))
        })
        .collect();
    let publics: Vec<Jwk> = recipients.iter().map(Jwk::to_public).collect();
    let mut encrypter = Encrypter::new(Sender::for_alg(alg, &alice), alg.key_wrap(), enc)
        .recipients(&publics)
        .serialization(serialization)
        .apv(*b"did:example:bob");
    if alg.is_1pu() {
        encrypter = encrypter
            .skid("did:example:alice#key-1")
            .apu(*b"did:example:alice#key-1");
    }
    let envelope = encrypter
        .encrypt_with_rng(MESSAGE, &mut rng)
        .unwrap_or_else(|e| panic!("{alg} {enc} {curve} {serialization}: {e}"));
    let sealed = Sealed {
        alg,
        envelope,
        alice,
        recipients,
    };
    let opened = sealed
        .open(&sealed.envelope)
        .expect("the untouched envelope opens");
    assert_eq!(&opened.plaintext[..], MESSAGE);
    sealed
}

/// A general JSON envelope for one recipient.
fn general(alg: Alg, enc: Enc, curve: Curve, seed: u64) -> Sealed {
    seal(alg, enc, curve, Serialization::General, 1, seed)
}

/// The two JSON serializations.
const JSON_FORMS: [Serialization; 2] = [Serialization::Flattened, Serialization::General];

const ALL_FORMS: [Serialization; 3] = [
    Serialization::Compact,
    Serialization::Flattened,
    Serialization::General,
];

/// FixedInfo written out by hand (RFC 7518 §4.6.2, 1PU draft §2.3).
fn fixed_info(
    algorithm_id: &str,
    apu: &[u8],
    apv: &[u8],
    bits: u32,
    cctag: Option<&[u8]>,
) -> Vec<u8> {
    let mut out = Vec::new();
    for part in [algorithm_id.as_bytes(), apu, apv] {
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part);
    }
    out.extend_from_slice(&bits.to_be_bytes());
    if let Some(tag) = cctag {
        out.extend_from_slice(&(tag.len() as u32).to_be_bytes());
        out.extend_from_slice(tag);
    }
    out
}

/// The one-step Concat KDF with SHA-256, written out by hand: SHA-256(be32(i) ‖ Z ‖ FixedInfo)
/// for i = 1, 2, … until `len` octets are produced.
fn concat_kdf(z: &[u8], info: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut round = 1u32;
    while out.len() < len {
        let mut h = Sha256::new();
        h.update(round.to_be_bytes());
        h.update(z);
        h.update(info);
        out.extend_from_slice(&h.finalize());
        round += 1;
    }
    out.truncate(len);
    out
}

/// The ephemeral public key of recipient 0.
fn epk_of(jwe: &Jwe) -> Jwk {
    jwe.headers(0).epk(Coordinates::Strict).unwrap()
}

/// Decrypts the content of `jwe` with a content key obtained elsewhere.
fn open_content(jwe: &Jwe, enc: Enc, cek: &[u8]) -> Result<Vec<u8>, Error> {
    let cek = ContentKey::from_bytes(enc, cek)?;
    let mut aad = jwe.protected_b64().as_bytes().to_vec();
    if let Some(extra) = jwe.aad_b64() {
        aad.push(b'.');
        aad.extend_from_slice(extra.as_bytes());
    }
    let mut buf = jwe.ciphertext().to_vec();
    decrypt_in_place(enc, &cek, jwe.iv(), &aad, &mut buf, jwe.tag())?;
    Ok(buf)
}

/// Unwraps recipient `index`'s CEK with a KEK obtained elsewhere and decrypts the content.
fn open_with_kek(
    jwe: &Jwe,
    index: usize,
    kw: KeyWrap,
    enc: Enc,
    kek: &[u8],
) -> Result<Vec<u8>, Error> {
    let cek = wrap::unwrap(kw, kek, jwe.recipients()[index].encrypted_key())?;
    open_content(jwe, enc, &cek)
}

fn is_crypto(r: &Result<impl std::fmt::Debug, Error>) -> bool {
    matches!(r, Err(Error::Crypto))
}

// ---------------------------------------------------------------------------------------------
// A. Concat KDF

#[test]
fn rule_01_kdf_runs_as_many_sha256_rounds_as_the_key_needs() {
    // Direct mode derives the CEK itself: 16 octets (one round), 48 and 64 (two rounds).
    for enc in [Enc::A128Gcm, Enc::A192CbcHs384, Enc::A256CbcHs512] {
        let sealed = general(Alg::EcdhEs, enc, Curve::P256, 100);
        let jwe = Jwe::parse(sealed.envelope.as_bytes()).unwrap();
        let bob = &sealed.recipients[0];
        let z = diffie_hellman(bob.secret_key().unwrap(), epk_of(&jwe).public_key()).unwrap();
        let info = fixed_info(
            enc.name(),
            b"",
            b"did:example:bob",
            8 * enc.key_len() as u32,
            None,
        );
        let cek = concat_kdf(z.as_bytes(), &info, enc.key_len());
        assert_eq!(open_content(&jwe, enc, &cek).unwrap(), MESSAGE, "{enc}");
        if enc.key_len() > 32 {
            // Repeating the first round instead of counting on gives a key that does not open
            // the message. (Round two feeds only the encryption half of the key, so the MAC
            // still verifies and the result is either a padding failure or noise.)
            let first = concat_kdf(z.as_bytes(), &info, 32);
            let repeated: Vec<u8> = first
                .iter()
                .chain(&first)
                .take(enc.key_len())
                .copied()
                .collect();
            assert_ne!(
                open_content(&jwe, enc, &repeated).ok().as_deref(),
                Some(MESSAGE),
                "{enc}"
            );
        }
    }
}

#[test]
fn rule_02_fixed_info_layout_prefixes_three_fields_but_not_keydatalen() {
    let info = FixedInfo {
        algorithm_id: "ECDH-ES+A256KW",
        apu: b"Alice",
        apv: b"Bob",
        key_bits: 256,
        cctag: None,
    };
    let mut expected = Vec::new();
    expected.extend_from_slice(&[0, 0, 0, 14]);
    expected.extend_from_slice(b"ECDH-ES+A256KW");
    expected.extend_from_slice(&[0, 0, 0, 5]);
    expected.extend_from_slice(b"Alice");
    expected.extend_from_slice(&[0, 0, 0, 3]);
    expected.extend_from_slice(b"Bob");
    expected.extend_from_slice(&[0, 0, 1, 0]);
    assert_eq!(info.to_bytes(), expected);
    assert_eq!(
        fixed_info("ECDH-ES+A256KW", b"Alice", b"Bob", 256, None),
        expected
    );

    // The engine's key-wrap envelope opens with a KEK derived from that layout.
    let sealed = general(Alg::EcdhEsA256Kw, Enc::A256Gcm, Curve::X25519, 101);
    let jwe = Jwe::parse(sealed.envelope.as_bytes()).unwrap();
    let bob = &sealed.recipients[0];
    let z = diffie_hellman(bob.secret_key().unwrap(), epk_of(&jwe).public_key()).unwrap();
    let good = fixed_info("ECDH-ES+A256KW", b"", b"did:example:bob", 256, None);
    let kek = concat_kdf(z.as_bytes(), &good, 32);
    assert_eq!(
        open_with_kek(&jwe, 0, KeyWrap::A256Kw, Enc::A256Gcm, &kek).unwrap(),
        MESSAGE
    );
    // A length prefix on keydatalen is a different FixedInfo.
    let mut prefixed = good[..good.len() - 4].to_vec();
    prefixed.extend_from_slice(&[0, 0, 0, 4, 0, 0, 1, 0]);
    let kek = concat_kdf(z.as_bytes(), &prefixed, 32);
    assert!(is_crypto(&open_with_kek(
        &jwe,
        0,
        KeyWrap::A256Kw,
        Enc::A256Gcm,
        &kek
    )));
}

#[test]
fn rule_03_algorithm_id_is_enc_in_direct_mode() {
    // Two derivations that differ only in AlgorithmID give different keys ...
    let sealed = general(Alg::EcdhEs, Enc::A256Gcm, Curve::P384, 102);
    let jwe = Jwe::parse(sealed.envelope.as_bytes()).unwrap();
    let bob = &sealed.recipients[0];
    let z = diffie_hellman(bob.secret_key().unwrap(), epk_of(&jwe).public_key()).unwrap();
    let with = |algorithm_id| FixedInfo {
        algorithm_id,
        apu: b"",
        apv: b"did:example:bob",
        key_bits: 256,
        cctag: None,
    };
    let from_enc = kdf::derive(&z, &with("A256GCM")).unwrap();
    let from_alg = kdf::derive(&z, &with("ECDH-ES")).unwrap();
    assert_ne!(&from_enc[..], &from_alg[..]);
    // ... and the engine's direct-mode envelope opens with the one keyed by enc.
    assert_eq!(
        open_content(&jwe, Enc::A256Gcm, &from_enc).unwrap(),
        MESSAGE
    );
    assert!(is_crypto(&open_content(&jwe, Enc::A256Gcm, &from_alg)));

    // ECDH-1PU direct as well.
    let sealed = general(Alg::Ecdh1Pu, Enc::A128CbcHs256, Curve::X25519, 103);
    let jwe = Jwe::parse(sealed.envelope.as_bytes()).unwrap();
    let bob = &sealed.recipients[0];
    let z = one_pass_unified(
        bob.secret_key().unwrap(),
        epk_of(&jwe).public_key(),
        bob.secret_key().unwrap(),
        sealed.alice.public_key(),
    )
    .unwrap();
    let apu = b"did:example:alice#key-1";
    let from_enc = concat_kdf(
        z.as_bytes(),
        &fixed_info("A128CBC-HS256", apu, b"did:example:bob", 256, None),
        32,
    );
    let from_alg = concat_kdf(
        z.as_bytes(),
        &fixed_info("ECDH-1PU", apu, b"did:example:bob", 256, None),
        32,
    );
    assert_eq!(
        open_content(&jwe, Enc::A128CbcHs256, &from_enc).unwrap(),
        MESSAGE
    );
    assert!(is_crypto(&open_content(&jwe, Enc::A128CbcHs256, &from_alg)));
}

#[test]
fn rule_03_algorithm_id_is_alg_in_key_wrap_mode() {
    for (alg, kw) in [
        (Alg::EcdhEsA128Kw, KeyWrap::A128Kw),
        (Alg::EcdhEsA192Kw, KeyWrap::A192Kw),
        (Alg::EcdhEsA256Kw, KeyWrap::A256Kw),
    ] {
        let sealed = general(alg, Enc::A256Gcm, Curve::P256, 104);
        let jwe = Jwe::parse(sealed.envelope.as_bytes()).unwrap();
        let bob = &sealed.recipients[0];
        let z = diffie_hellman(bob.secret_key().unwrap(), epk_of(&jwe).public_key()).unwrap();
        let bits = 8 * kw.key_len() as u32;
        let kek = concat_kdf(
            z.as_bytes(),
            &fixed_info(alg.name(), b"", b"did:example:bob", bits, None),
            kw.key_len(),
        );
        assert_eq!(
            open_with_kek(&jwe, 0, kw, Enc::A256Gcm, &kek).unwrap(),
            MESSAGE
        );
        let wrong = concat_kdf(
            z.as_bytes(),
            &fixed_info("A256GCM", b"", b"did:example:bob", bits, None),
            kw.key_len(),
        );
        assert!(is_crypto(&open_with_kek(&jwe, 0, kw, Enc::A256Gcm, &wrong)));
    }
}

#[test]
fn rule_04_apu_and_apv_enter_the_kdf_decoded() {
    let bob_kid = "did:example:bob#key-0";
    let mut rng = common::rng(105);
    let bob = Jwk::generate_with_rng(Curve::P256, &mut rng).with_kid(bob_kid);
    let out = Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256CbcHs512)
        .recipient(&bob.to_public())
        .apu(*b"Alice")
        .apv(*b"Bob")
        .encrypt_with_rng(MESSAGE, &mut rng)
        .unwrap();
    let jwe = Jwe::parse(out.as_bytes()).unwrap();
    assert_eq!(jwe.protected_header()["apu"], "QWxpY2U");
    assert_eq!(jwe.protected_header()["apv"], "Qm9i");
    let z = diffie_hellman(bob.secret_key().unwrap(), epk_of(&jwe).public_key()).unwrap();
    let kek = |apu: &[u8], apv: &[u8]| {
        concat_kdf(
            z.as_bytes(),
            &fixed_info("ECDH-ES+A256KW", apu, apv, 256, None),
            32,
        )
    };
    let open = |k: Vec<u8>| open_with_kek(&jwe, 0, KeyWrap::A256Kw, Enc::A256CbcHs512, &k);
    assert_eq!(open(kek(b"Alice", b"Bob")).unwrap(), MESSAGE);
    assert!(is_crypto(&open(kek(b"QWxpY2U", b"Qm9i"))));
}

#[test]
fn rule_04_absent_apu_and_apv_are_empty_fields_with_zero_length() {
    let mut rng = common::rng(106);
    let bob = Jwk::generate_with_rng(Curve::X25519, &mut rng).with_kid("did:example:bob#key-0");
    let out = Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256Gcm)
        .recipient(&bob.to_public())
        .encrypt_with_rng(MESSAGE, &mut common::rng(107))
        .unwrap();
    let jwe = Jwe::parse(out.as_bytes()).unwrap();
    assert!(!jwe.protected_header().contains_key("apu"));
    assert!(!jwe.protected_header().contains_key("apv"));
    let z = diffie_hellman(bob.secret_key().unwrap(), epk_of(&jwe).public_key()).unwrap();
    let with_empty = fixed_info("ECDH-ES+A256KW", b"", b"", 256, None);
    assert_eq!(&with_empty[18..26], &[0u8; 8], "two zero lengths");
    let kek = concat_kdf(z.as_bytes(), &with_empty, 32);
    assert_eq!(
        open_with_kek(&jwe, 0, KeyWrap::A256Kw, Enc::A256Gcm, &kek).unwrap(),
        MESSAGE
    );
    // Leaving the two fields out altogether is a different key.
    let mut left_out = Vec::new();
    left_out.extend_from_slice(&[0, 0, 0, 14]);
    left_out.extend_from_slice(b"ECDH-ES+A256KW");
    left_out.extend_from_slice(&256u32.to_be_bytes());
    let kek = concat_kdf(z.as_bytes(), &left_out, 32);
    assert!(is_crypto(&open_with_kek(
        &jwe,
        0,
        KeyWrap::A256Kw,
        Enc::A256Gcm,
        &kek
    )));
}

#[test]
fn rule_04_apu_or_apv_that_is_not_base64url_is_rejected() {
    let sealed = general(Alg::Ecdh1PuA256Kw, Enc::A256CbcHs512, Curve::X25519, 108);
    for name in ["apu", "apv"] {
        for bad in ["QWxpY2U=", "QWxp Y2U", "a+b/"] {
            let envelope = edit_protected(&sealed.envelope, |h| {
                h.insert(name.into(), bad.into());
                if name == "apu" {
                    // Keep the sender resolvable by skid.
                    h.insert("skid".into(), "did:example:alice#key-1".into());
                }
            });
            assert_eq!(
                sealed.open(&envelope).unwrap_err(),
                Error::Base64 {
                    location: Location::Protected,
                    name: name.into()
                },
                "{name} = {bad:?}"
            );
        }
    }
}

#[test]
fn rule_05_keydatalen_is_the_wrap_key_size_even_on_p521() {
    for (alg, kw) in [
        (Alg::EcdhEsA128Kw, KeyWrap::A128Kw),
        (Alg::EcdhEsA256Kw, KeyWrap::A256Kw),
    ] {
        let sealed = general(alg, Enc::A256CbcHs512, Curve::P521, 109);
        let jwe = Jwe::parse(sealed.envelope.as_bytes()).unwrap();
        let bob = &sealed.recipients[0];
        let z = diffie_hellman(bob.secret_key().unwrap(), epk_of(&jwe).public_key()).unwrap();
        assert_eq!(z.as_bytes().len(), 66);
        let kek_with = |bits: u32| {
            concat_kdf(
                z.as_bytes(),
                &fixed_info(alg.name(), b"", b"did:example:bob", bits, None),
                kw.key_len(),
            )
        };
        let bits = 8 * kw.key_len() as u32;
        assert_eq!(
            open_with_kek(&jwe, 0, kw, Enc::A256CbcHs512, &kek_with(bits)).unwrap(),
            MESSAGE
        );
        // keydatalen = 512 ("a 512 bits key" for P-521, erratum E4) gives another key.
        assert!(is_crypto(&open_with_kek(
            &jwe,
            0,
            kw,
            Enc::A256CbcHs512,
            &kek_with(512)
        )));
    }
}

#[test]
fn rule_06_cctag_is_the_length_prefixed_tag_in_1pu_key_wrap() {
    for curve in [Curve::X25519, Curve::P256] {
        let sealed = general(Alg::Ecdh1PuA256Kw, Enc::A256CbcHs512, curve, 110);
        let jwe = Jwe::parse(sealed.envelope.as_bytes()).unwrap();
        let bob = &sealed.recipients[0];
        let z = one_pass_unified(
            bob.secret_key().unwrap(),
            epk_of(&jwe).public_key(),
            bob.secret_key().unwrap(),
            sealed.alice.public_key(),
        )
        .unwrap();
        let apu = b"did:example:alice#key-1";
        let apv = b"did:example:bob";
        let tag = jwe.tag().to_vec();
        assert_eq!(tag.len(), 32);
        let kek_of = |info: Vec<u8>| concat_kdf(z.as_bytes(), &info, 32);
        let open = |kek: Vec<u8>| open_with_kek(&jwe, 0, KeyWrap::A256Kw, Enc::A256CbcHs512, &kek);

        let with_cctag = fixed_info("ECDH-1PU+A256KW", apu, apv, 256, Some(&tag));
        let info = FixedInfo {
            algorithm_id: "ECDH-1PU+A256KW",
            apu,
            apv,
            key_bits: 256,
            cctag: Some(&tag),
        };
        assert_eq!(info.to_bytes(), with_cctag);
        assert_eq!(open(kek_of(with_cctag)).unwrap(), MESSAGE, "{curve}");

        // Without the tag's own length prefix (pitfall P1) ...
        let mut unprefixed = fixed_info("ECDH-1PU+A256KW", apu, apv, 256, None);
        unprefixed.extend_from_slice(&tag);
        assert!(is_crypto(&open(kek_of(unprefixed))), "{curve}");
        // ... or without cctag at all, the CEK does not unwrap.
        let without = fixed_info("ECDH-1PU+A256KW", apu, apv, 256, None);
        assert!(is_crypto(&open(kek_of(without))), "{curve}");
    }
}

#[test]
fn rule_06_tag_replaced_by_another_messages_tag_rejected() {
    // Two authcrypt messages between the same parties.
    let first = seal(
        Alg::Ecdh1PuA256Kw,
        Enc::A256CbcHs512,
        Curve::P384,
        Serialization::General,
        2,
        111,
    );
    let second_envelope = {
        let publics: Vec<Jwk> = first.recipients.iter().map(Jwk::to_public).collect();
        Encrypter::new(
            Sender::Authenticated(&first.alice),
            Some(KeyWrap::A256Kw),
            Enc::A256CbcHs512,
        )
        .recipients(&publics)
        .skid("did:example:alice#key-1")
        .apu(*b"did:example:alice#key-1")
        .apv(*b"did:example:bob")
        .encrypt_with_rng(b"another message", &mut common::rng(112))
        .unwrap()
    };
    let other_tag = Jwe::parse(second_envelope.as_bytes())
        .unwrap()
        .tag()
        .to_vec();
    let swapped = edit_part(&first.envelope, Part::Tag, |_| other_tag.clone());
    for i in 0..2 {
        assert_eq!(first.open_as(&swapped, i).unwrap_err(), Error::Crypto);
    }
    // The same replacement under a hand-derived KEK: the other tag makes another KEK.
    let jwe = Jwe::parse(swapped.as_bytes()).unwrap();
    let bob = &first.recipients[0];
    let original = Jwe::parse(first.envelope.as_bytes()).unwrap();
    let z = one_pass_unified(
        bob.secret_key().unwrap(),
        epk_of(&jwe).public_key(),
        bob.secret_key().unwrap(),
        first.alice.public_key(),
    )
    .unwrap();
    let kek_for = |tag: &[u8]| {
        concat_kdf(
            z.as_bytes(),
            &fixed_info(
                "ECDH-1PU+A256KW",
                b"did:example:alice#key-1",
                b"did:example:bob",
                256,
                Some(tag),
            ),
            32,
        )
    };
    let ek = jwe.recipients()[0].encrypted_key();
    assert!(wrap::unwrap(KeyWrap::A256Kw, &kek_for(original.tag()), ek).is_ok());
    assert_eq!(
        wrap::unwrap(KeyWrap::A256Kw, &kek_for(&other_tag), ek).unwrap_err(),
        Error::Crypto
    );
}

#[test]
fn rule_07_1pu_z_is_ze_then_zs() {
    for curve in Curve::ALL {
        let sealed = general(Alg::Ecdh1PuA128Kw, Enc::A128CbcHs256, curve, 113);
        let jwe = Jwe::parse(sealed.envelope.as_bytes()).unwrap();
        let bob = sealed.recipients[0].secret_key().unwrap();
        let ze = diffie_hellman(bob, epk_of(&jwe).public_key()).unwrap();
        let zs = diffie_hellman(bob, sealed.alice.public_key()).unwrap();
        let len = curve.coordinate_len();
        assert_eq!(ze.as_bytes().len(), len);
        assert_eq!(zs.as_bytes().len(), len);
        let info = fixed_info(
            "ECDH-1PU+A128KW",
            b"did:example:alice#key-1",
            b"did:example:bob",
            128,
            Some(jwe.tag()),
        );
        let open = |z: Vec<u8>| {
            let kek = concat_kdf(&z, &info, 16);
            open_with_kek(&jwe, 0, KeyWrap::A128Kw, Enc::A128CbcHs256, &kek)
        };
        let ze_zs = [ze.as_bytes(), zs.as_bytes()].concat();
        let zs_ze = [zs.as_bytes(), ze.as_bytes()].concat();
        assert_eq!(ze_zs.len(), 2 * len);
        assert_eq!(open(ze_zs).unwrap(), MESSAGE, "{curve}");
        assert!(is_crypto(&open(zs_ze)), "{curve}");
        assert!(is_crypto(&open(ze.as_bytes().to_vec())), "{curve}");
    }
}

/// Z computed straight from the curve crates: the x-coordinate of the shared point at the full
/// field size.
fn curve_crate_z(secret: &SecretKey, public: &PublicKey) -> Vec<u8> {
    let d = secret.to_bytes();
    match public {
        PublicKey::P256(p) => {
            let s = p256::SecretKey::from_slice(&d).unwrap();
            p256::ecdh::diffie_hellman(s.to_nonzero_scalar(), p.as_affine())
                .raw_secret_bytes()
                .to_vec()
        }
        PublicKey::P521(p) => {
            let s = p521::SecretKey::from_slice(&d).unwrap();
            p521::ecdh::diffie_hellman(s.to_nonzero_scalar(), p.as_affine())
                .raw_secret_bytes()
                .to_vec()
        }
        _ => unreachable!("P-256 and P-521 only"),
    }
}

/// The first deterministic key pair (by seed) whose shared secret with `peer` starts with a zero
/// octet.
fn key_with_leading_zero(curve: Curve, peer: &PublicKey, seed: u64) -> SecretKey {
    let mut rng = common::rng(seed);
    for _ in 0..20_000 {
        let key = SecretKey::generate_with_rng(curve, &mut rng);
        let z = diffie_hellman(&key, peer).unwrap();
        if z.as_bytes()[0] == 0 {
            return key;
        }
    }
    panic!("no key pair with a leading zero in Z on {curve}");
}

#[test]
fn rule_08_z_keeps_its_leading_zero_octets() {
    // Pitfall P4: about one P-521 secret in two, and one P-256 secret in 256, starts with 0x00.
    for curve in [Curve::P521, Curve::P256] {
        let mut rng = common::rng(114);
        let bob = Jwk::generate_with_rng(curve, &mut rng).with_kid("did:example:bob#key-0");
        let ephemeral = key_with_leading_zero(curve, bob.public_key(), 115);
        let alice = Jwk::from_secret(
            key_with_leading_zero(curve, bob.public_key(), 116),
            Some("did:example:alice#key-1".into()),
        );

        let ze = diffie_hellman(&ephemeral, bob.public_key()).unwrap();
        let zs = diffie_hellman(alice.secret_key().unwrap(), bob.public_key()).unwrap();
        for z in [&ze, &zs] {
            assert_eq!(z.as_bytes().len(), curve.coordinate_len(), "{curve}");
            assert_eq!(z.as_bytes()[0], 0, "{curve}");
        }
        assert_eq!(
            ze.as_bytes(),
            curve_crate_z(&ephemeral, bob.public_key()),
            "{curve}"
        );
        // The recipient side computes the same full-length Z.
        let back = diffie_hellman(bob.secret_key().unwrap(), &ephemeral.public_key()).unwrap();
        assert_eq!(back.as_bytes(), ze.as_bytes());

        // Direct mode: the content key is derived from the full-length Z, not the trimmed one.
        let iv = [3u8; 12];
        let cek = ContentKey::from_bytes(Enc::A256CbcHs512, &[9u8; 64]).unwrap();
        let fixed = || FixedRandomness {
            ephemeral: &ephemeral,
            cek: Some(&cek),
            iv: &iv,
        };
        let bob_public = bob.to_public();
        let out = Encrypter::new(Sender::Anonymous, None, Enc::A256Gcm)
            .recipient(&bob_public)
            .encrypt_with_fixed(MESSAGE, fixed())
            .unwrap();
        let jwe = Jwe::parse(out.as_bytes()).unwrap();
        let info = fixed_info("A256GCM", b"", b"", 256, None);
        let full = concat_kdf(ze.as_bytes(), &info, 32);
        let trimmed = concat_kdf(&ze.as_bytes()[1..], &info, 32);
        assert_eq!(open_content(&jwe, Enc::A256Gcm, &full).unwrap(), MESSAGE);
        assert!(is_crypto(&open_content(&jwe, Enc::A256Gcm, &trimmed)));
        assert_eq!(&jwe.decrypt(&bob, None).unwrap().plaintext[..], MESSAGE);

        // Every mode round-trips on these keys.
        let iv = [3u8; 16];
        let fixed = || FixedRandomness {
            ephemeral: &ephemeral,
            cek: Some(&cek),
            iv: &iv,
        };
        let alice_public = alice.to_public();
        for alg in [
            Alg::EcdhEs,
            Alg::EcdhEsA256Kw,
            Alg::Ecdh1Pu,
            Alg::Ecdh1PuA256Kw,
        ] {
            let encrypter = Encrypter::new(
                Sender::for_alg(alg, &alice),
                alg.key_wrap(),
                Enc::A256CbcHs512,
            )
            .recipient(&bob_public);
            let out = encrypter.encrypt_with_fixed(MESSAGE, fixed()).unwrap();
            let sender = alg.is_1pu().then_some(&alice_public);
            let opened = Jwe::parse(out.as_bytes())
                .unwrap()
                .decrypt(&bob, sender)
                .unwrap_or_else(|e| panic!("{alg} {curve}: {e}"));
            assert_eq!(&opened.plaintext[..], MESSAGE);
        }
    }
}

#[test]
fn rule_09_ecdh_es_z_is_one_agreement_without_cctag() {
    let sealed = general(Alg::EcdhEsA256Kw, Enc::A256CbcHs512, Curve::X25519, 117);
    let jwe = Jwe::parse(sealed.envelope.as_bytes()).unwrap();
    let bob = &sealed.recipients[0];
    let z = diffie_hellman(bob.secret_key().unwrap(), epk_of(&jwe).public_key()).unwrap();
    assert_eq!(z.as_bytes().len(), 32);
    let kek = |cctag: Option<&[u8]>| {
        concat_kdf(
            z.as_bytes(),
            &fixed_info("ECDH-ES+A256KW", b"", b"did:example:bob", 256, cctag),
            32,
        )
    };
    let open = |k: Vec<u8>| open_with_kek(&jwe, 0, KeyWrap::A256Kw, Enc::A256CbcHs512, &k);
    assert_eq!(open(kek(None)).unwrap(), MESSAGE);
    assert!(is_crypto(&open(kek(Some(jwe.tag())))));
}

// ---------------------------------------------------------------------------------------------
// B. Content encryption and key wrap

/// AES-CBC + HMAC over `A ‖ IV ‖ E ‖ AL`, written out by hand with the MAC key and the
/// encryption key given separately. With `pad` false the plaintext must be whole blocks and is
/// encrypted as is.
fn hand_cbc_hmac_sha256(
    mac_key: &[u8],
    enc_key: &[u8],
    iv: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    pad: bool,
) -> (Vec<u8>, Vec<u8>) {
    use cbc::cipher::block_padding::{NoPadding, Pkcs7};
    use cbc::cipher::{BlockEncryptMut, KeyIvInit};
    use hmac::Mac;

    let mut buf = plaintext.to_vec();
    buf.resize(plaintext.len() + 16, 0);
    let cipher = cbc::Encryptor::<aes::Aes128>::new_from_slices(enc_key, iv).unwrap();
    let ct = if pad {
        cipher
            .encrypt_padded_mut::<Pkcs7>(&mut buf, plaintext.len())
            .unwrap()
            .to_vec()
    } else {
        cipher
            .encrypt_padded_mut::<NoPadding>(&mut buf, plaintext.len())
            .unwrap()
            .to_vec()
    };
    let mut mac = <hmac::Hmac<Sha256> as Mac>::new_from_slice(mac_key).unwrap();
    mac.update(aad);
    mac.update(iv);
    mac.update(&ct);
    mac.update(&(8 * aad.len() as u64).to_be_bytes());
    let tag = mac.finalize().into_bytes()[..16].to_vec();
    (ct, tag)
}

#[test]
fn rule_10_cbc_hmac_mac_key_first_and_tag_checked_before_padding() {
    let sealed = seal(
        Alg::EcdhEs,
        Enc::A128CbcHs256,
        Curve::P256,
        Serialization::Flattened,
        1,
        118,
    );
    let jwe = Jwe::parse(sealed.envelope.as_bytes()).unwrap();
    let bob = &sealed.recipients[0];
    let z = diffie_hellman(bob.secret_key().unwrap(), epk_of(&jwe).public_key()).unwrap();
    let cek = concat_kdf(
        z.as_bytes(),
        &fixed_info("A128CBC-HS256", b"", b"did:example:bob", 256, None),
        32,
    );
    let (first, second) = cek.split_at(16);
    let aad = jwe.protected_b64().as_bytes().to_vec();
    let iv = jwe.iv().to_vec();
    let replace = |ct: &[u8], tag: &[u8]| {
        edit_json(&sealed.envelope, |top| {
            top["ciphertext"] = Value::String(b64(ct));
            top["tag"] = Value::String(b64(tag));
        })
    };

    // MAC key = first half, encryption key = second half: the engine opens it.
    let (ct, tag) = hand_cbc_hmac_sha256(first, second, &iv, &aad, b"made by hand", true);
    let opened = sealed.open(&replace(&ct, &tag)).unwrap();
    assert_eq!(&opened.plaintext[..], b"made by hand");

    // The halves the other way round do not verify.
    let (ct, tag) = hand_cbc_hmac_sha256(second, first, &iv, &aad, b"made by hand", true);
    assert_eq!(sealed.open(&replace(&ct, &tag)).unwrap_err(), Error::Crypto);

    // A valid tag over a ciphertext whose padding is wrong: the same error as a bad tag.
    for last in [0x00u8, 0x11, 0xff] {
        let mut block = [0x41u8; 32];
        block[31] = last;
        let (ct, tag) = hand_cbc_hmac_sha256(first, second, &iv, &aad, &block, false);
        assert_eq!(
            sealed.open(&replace(&ct, &tag)).unwrap_err(),
            Error::Crypto,
            "padding byte {last:#04x}"
        );
    }
    let mut block = [0x41u8; 16];
    block[14] = 0x07;
    block[15] = 0x02;
    let (ct, tag) = hand_cbc_hmac_sha256(first, second, &iv, &aad, &block, false);
    assert_eq!(sealed.open(&replace(&ct, &tag)).unwrap_err(), Error::Crypto);
}

#[test]
fn rule_10_tampered_ciphertext_or_tag_rejected() {
    for alg in [
        Alg::EcdhEs,
        Alg::EcdhEsA256Kw,
        Alg::Ecdh1Pu,
        Alg::Ecdh1PuA256Kw,
    ] {
        for enc in Enc::ALL {
            if alg.check_enc(enc).is_err() {
                continue;
            }
            let sealed = general(alg, enc, Curve::X25519, 119);
            for part in [Part::Ciphertext, Part::Tag] {
                for at in [0usize, 7] {
                    let envelope = edit_part(&sealed.envelope, part, |mut b| {
                        b[at] ^= 0x80;
                        b
                    });
                    assert_eq!(
                        sealed.open(&envelope).unwrap_err(),
                        Error::Crypto,
                        "{alg} {enc} {part}[{at}]"
                    );
                }
            }
            // A ciphertext one octet short or long.
            for change in [-1i32, 1] {
                let envelope = edit_part(&sealed.envelope, Part::Ciphertext, |mut b| {
                    if change < 0 {
                        b.pop();
                    } else {
                        b.push(0);
                    }
                    b
                });
                assert_eq!(
                    sealed.open(&envelope).unwrap_err(),
                    Error::Crypto,
                    "{alg} {enc} ciphertext length {change:+}"
                );
            }
        }
    }
}

#[test]
fn rule_10_tag_of_wrong_length_rejected() {
    for alg in [
        Alg::EcdhEs,
        Alg::EcdhEsA128Kw,
        Alg::EcdhEsA256Kw,
        Alg::Ecdh1Pu,
    ] {
        for enc in Enc::ALL {
            let sealed = general(alg, enc, Curve::P256, 120);
            for len in [enc.tag_len() - 1, enc.tag_len() + 1, 0] {
                let envelope = edit_part(&sealed.envelope, Part::Tag, |mut t| {
                    t.resize(len, 0);
                    t
                });
                assert_eq!(
                    sealed.open(&envelope).unwrap_err(),
                    Error::InvalidLength {
                        name: "tag",
                        expected: enc.tag_len(),
                        found: len
                    },
                    "{alg} {enc} tag of {len}"
                );
            }
        }
    }
}

#[test]
fn rule_10_tag_of_wrong_length_rejected_in_1pu_key_wrap() {
    // The tag length is fixed by enc, so this is a malformed envelope before it is an
    // inauthentic one, as in every other mode.
    for enc in [Enc::A128CbcHs256, Enc::A192CbcHs384, Enc::A256CbcHs512] {
        let sealed = general(Alg::Ecdh1PuA256Kw, enc, Curve::P256, 121);
        for len in [enc.tag_len() - 1, enc.tag_len() + 1] {
            let envelope = edit_part(&sealed.envelope, Part::Tag, |mut t| {
                t.resize(len, 0);
                t
            });
            assert_eq!(
                sealed.open(&envelope).unwrap_err(),
                Error::InvalidLength {
                    name: "tag",
                    expected: enc.tag_len(),
                    found: len
                },
                "{enc} tag of {len}"
            );
        }
    }
}

#[test]
fn rule_11_iv_of_wrong_length_rejected() {
    for alg in [
        Alg::EcdhEs,
        Alg::EcdhEsA192Kw,
        Alg::Ecdh1Pu,
        Alg::Ecdh1PuA256Kw,
    ] {
        for enc in Enc::ALL {
            if alg.check_enc(enc).is_err() {
                continue;
            }
            let sealed = general(alg, enc, Curve::X25519, 122);
            for len in [enc.iv_len() - 1, enc.iv_len() + 1, 12, 16, 24] {
                if len == enc.iv_len() {
                    continue;
                }
                let envelope = edit_part(&sealed.envelope, Part::Iv, |mut iv| {
                    iv.resize(len, 0);
                    iv
                });
                assert_eq!(
                    sealed.open(&envelope).unwrap_err(),
                    Error::InvalidLength {
                        name: "iv",
                        expected: enc.iv_len(),
                        found: len
                    },
                    "{alg} {enc} iv of {len}"
                );
            }
        }
    }
}

#[test]
fn rule_12_protected_header_used_exactly_as_received() {
    for serialization in ALL_FORMS {
        for alg in [Alg::EcdhEsA256Kw, Alg::Ecdh1PuA256Kw, Alg::EcdhEs] {
            let sealed = seal(alg, Enc::A256CbcHs512, Curve::P256, serialization, 1, 123);
            // The same JSON with one more space: equal as JSON, different as text (erratum E3:
            // the header is authenticated byte for byte).
            let spaced = edit_protected_text(&sealed.envelope, |text| text.replacen(':', ": ", 1));
            let before = Jwe::parse(sealed.envelope.as_bytes()).unwrap();
            let after = Jwe::parse(spaced.as_bytes()).unwrap();
            assert_eq!(before.protected_header(), after.protected_header());
            assert_ne!(before.protected_b64(), after.protected_b64());
            assert_eq!(
                sealed.open(&spaced).unwrap_err(),
                Error::Crypto,
                "{alg} {serialization}"
            );
            // Members in another order.
            let reordered = edit_protected_text(&sealed.envelope, |text| {
                let header: Map<String, Value> = serde_json::from_str(&text).unwrap();
                let mut out = String::from("{");
                for (i, (k, v)) in header.iter().rev().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&format!("{}:{}", Value::String(k.clone()), v));
                }
                out.push('}');
                out
            });
            assert_eq!(
                sealed.open(&reordered).unwrap_err(),
                Error::Crypto,
                "{alg} {serialization}"
            );
        }
    }
}

#[test]
fn rule_12_aad_member_is_authenticated() {
    for serialization in JSON_FORMS {
        for alg in [Alg::EcdhEsA256Kw, Alg::Ecdh1PuA256Kw, Alg::Ecdh1Pu] {
            let mut rng = common::rng(124);
            let alice = Jwk::generate_with_rng(Curve::X25519, &mut rng).with_kid("alice");
            let bob = Jwk::generate_with_rng(Curve::X25519, &mut rng).with_kid("bob");
            let bob_public = bob.to_public();
            let alice_public = alice.to_public();
            let sender = alg.is_1pu().then_some(&alice_public);
            let encrypter = Encrypter::new(
                Sender::for_alg(alg, &alice),
                alg.key_wrap(),
                Enc::A256CbcHs512,
            )
            .recipient(&bob_public)
            .serialization(serialization)
            .aad(*b"bound to the message");
            let envelope = encrypter.encrypt_with_rng(MESSAGE, &mut rng).unwrap();
            let open = |text: &str| Jwe::parse(text.as_bytes())?.decrypt(&bob, sender);
            assert_eq!(&open(&envelope).unwrap().plaintext[..], MESSAGE);

            let changed = edit_json(&envelope, |top| {
                top["aad"] = Value::String(b64(b"bound to another message"));
            });
            assert_eq!(open(&changed).unwrap_err(), Error::Crypto, "{alg}");
            let dropped = edit_json(&envelope, |top| {
                top.remove("aad");
            });
            assert_eq!(open(&dropped).unwrap_err(), Error::Crypto, "{alg}");

            // An aad member added to an envelope that had none.
            let plain = Encrypter::new(
                Sender::for_alg(alg, &alice),
                alg.key_wrap(),
                Enc::A256CbcHs512,
            )
            .recipient(&bob_public)
            .serialization(serialization);
            let plain = plain.encrypt_with_rng(MESSAGE, &mut rng).unwrap();
            let added = edit_json(&plain, |top| {
                top.insert("aad".into(), Value::String(b64(b"added later")));
            });
            assert_eq!(open(&added).unwrap_err(), Error::Crypto, "{alg}");
        }
    }
}

#[test]
fn rule_12_aad_member_that_is_not_base64url_rejected() {
    let sealed = seal(
        Alg::EcdhEsA256Kw,
        Enc::A256Gcm,
        Curve::X25519,
        Serialization::General,
        1,
        125,
    );
    for bad in ["YWFk=", "a a", "a+/b"] {
        let envelope = edit_json(&sealed.envelope, |top| {
            top.insert("aad".into(), bad.into());
        });
        assert_eq!(
            Jwe::parse(envelope.as_bytes()).unwrap_err(),
            Error::Base64 {
                location: Location::Envelope,
                name: "aad".into()
            }
        );
    }
}

#[test]
fn rule_13_tampered_encrypted_key_rejected() {
    for alg in [
        Alg::EcdhEsA128Kw,
        Alg::EcdhEsA192Kw,
        Alg::EcdhEsA256Kw,
        Alg::Ecdh1PuA128Kw,
        Alg::Ecdh1PuA256Kw,
    ] {
        for serialization in ALL_FORMS {
            let sealed = seal(alg, Enc::A256CbcHs512, Curve::P384, serialization, 1, 126);
            for at in [0usize, 9, 71] {
                let envelope = edit_part(&sealed.envelope, Part::Key(0), |mut k| {
                    k[at] ^= 1;
                    k
                });
                assert_eq!(
                    sealed.open(&envelope).unwrap_err(),
                    Error::Crypto,
                    "{alg} {serialization} octet {at}"
                );
            }
            // Cut by one block or by one octet.
            for cut in [8usize, 1] {
                let envelope = edit_part(&sealed.envelope, Part::Key(0), |mut k| {
                    k.truncate(k.len() - cut);
                    k
                });
                assert_eq!(
                    sealed.open(&envelope).unwrap_err(),
                    Error::Crypto,
                    "{alg} {serialization} cut {cut}"
                );
            }
        }
    }
}

#[test]
fn rule_13_swapped_recipients_encrypted_keys_rejected() {
    for alg in [Alg::EcdhEsA256Kw, Alg::Ecdh1PuA256Kw] {
        let sealed = seal(
            alg,
            Enc::A256CbcHs512,
            Curve::X25519,
            Serialization::General,
            3,
            127,
        );
        let swapped = edit_json(&sealed.envelope, |top| {
            let list = top["recipients"].as_array_mut().unwrap();
            let first = list[0]["encrypted_key"].clone();
            list[0]["encrypted_key"] = list[1]["encrypted_key"].clone();
            list[1]["encrypted_key"] = first;
        });
        assert_eq!(sealed.open_as(&swapped, 0).unwrap_err(), Error::Crypto);
        assert_eq!(sealed.open_as(&swapped, 1).unwrap_err(), Error::Crypto);
        // The third recipient is untouched.
        assert_eq!(
            &sealed.open_as(&swapped, 2).unwrap().plaintext[..],
            MESSAGE,
            "{alg}"
        );
    }
}

#[test]
fn rule_13_key_wrap_without_encrypted_key_rejected() {
    let sealed = seal(
        Alg::EcdhEsA256Kw,
        Enc::A256Gcm,
        Curve::P256,
        Serialization::Flattened,
        1,
        128,
    );
    let envelope = edit_json(&sealed.envelope, |top| {
        top.remove("encrypted_key");
    });
    assert_eq!(
        sealed.open(&envelope).unwrap_err(),
        Error::MissingMember {
            location: Location::Recipient,
            name: "encrypted_key"
        }
    );
}

#[test]
fn rule_13_direct_key_agreement_with_an_encrypted_key_rejected() {
    for alg in [Alg::EcdhEs, Alg::Ecdh1Pu] {
        for serialization in ALL_FORMS {
            let sealed = seal(alg, Enc::A256Gcm, Curve::P256, serialization, 1, 129);
            let envelope = edit_part(&sealed.envelope, Part::Key(0), |k| {
                assert!(k.is_empty());
                vec![0xa6; 40]
            });
            let e = sealed.open(&envelope).unwrap_err();
            assert!(
                matches!(&e, Error::InvalidMember { name, .. } if name == "encrypted_key"),
                "{alg} {serialization}: {e:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// C. Which algorithms go together

#[test]
fn rule_14_unknown_alg_or_enc_rejected() {
    let sealed = seal(
        Alg::EcdhEsA256Kw,
        Enc::A256Gcm,
        Curve::X25519,
        Serialization::Compact,
        1,
        130,
    );
    for alg in ["ECDH-ES+A256GCMKW", "RSA-OAEP", "dir", "ecdh-es+a256kw"] {
        let envelope = edit_protected(&sealed.envelope, |h| {
            h.insert("alg".into(), alg.into());
        });
        assert_eq!(
            sealed.open(&envelope).unwrap_err(),
            Error::UnsupportedAlg(alg.into())
        );
    }
    for enc in ["A256CBC", "C20P", "a256gcm"] {
        let envelope = edit_protected(&sealed.envelope, |h| {
            h.insert("enc".into(), enc.into());
        });
        assert_eq!(
            sealed.open(&envelope).unwrap_err(),
            Error::UnsupportedEnc(enc.into())
        );
    }
    let envelope = edit_protected(&sealed.envelope, |h| {
        h.remove("alg");
    });
    assert!(matches!(
        sealed.open(&envelope).unwrap_err(),
        Error::MissingMember { name: "alg", .. }
    ));
    let envelope = edit_protected(&sealed.envelope, |h| {
        h.remove("enc");
    });
    assert!(matches!(
        sealed.open(&envelope).unwrap_err(),
        Error::MissingMember { name: "enc", .. }
    ));
}

#[test]
fn rule_15_1pu_key_wrap_with_a_non_cbc_hmac_enc_rejected_on_decrypt() {
    // The enc of a genuine authcrypt envelope rewritten to an AEAD: refused before any
    // cryptography, in every serialization.
    for serialization in ALL_FORMS {
        let sealed = seal(
            Alg::Ecdh1PuA256Kw,
            Enc::A256CbcHs512,
            Curve::P256,
            serialization,
            1,
            131,
        );
        for enc in [Enc::A128Gcm, Enc::A192Gcm, Enc::A256Gcm, Enc::XC20P] {
            let envelope = edit_protected(&sealed.envelope, |h| {
                h.insert("enc".into(), enc.name().into());
            });
            assert_eq!(
                sealed.open(&envelope).unwrap_err(),
                Error::AlgEncMismatch {
                    alg: Alg::Ecdh1PuA256Kw,
                    enc
                },
                "{serialization}"
            );
        }
    }
}

#[test]
fn rule_17_unsupported_curves_and_key_types_rejected() {
    let sealed = seal(
        Alg::EcdhEsA256Kw,
        Enc::A256Gcm,
        Curve::P256,
        Serialization::General,
        1,
        132,
    );
    let epk = |h: &mut Map<String, Value>, kty: &str, crv: &str| {
        h["epk"]["kty"] = kty.into();
        h["epk"]["crv"] = crv.into();
    };
    for (kty, crv) in [("EC", "secp256k1"), ("EC", "P-192"), ("OKP", "X448")] {
        let envelope = edit_protected(&sealed.envelope, |h| epk(h, kty, crv));
        let e = sealed.open(&envelope).unwrap_err();
        assert!(matches!(e, Error::UnsupportedCurve(_)), "{crv}: {e:?}");
    }
    // A signature curve is not a key agreement curve.
    let envelope = edit_protected(&sealed.envelope, |h| {
        h["epk"] = json!({"kty": "OKP", "crv": "Ed25519", "x": b64(&[9; 32])});
    });
    assert!(matches!(
        sealed.open(&envelope).unwrap_err(),
        Error::UnsupportedCurve(_)
    ));
    let envelope = edit_protected(&sealed.envelope, |h| epk(h, "RSA", "P-256"));
    assert_eq!(
        sealed.open(&envelope).unwrap_err(),
        Error::UnsupportedKeyType("RSA".into())
    );
}

// ---------------------------------------------------------------------------------------------
// D. Order of operations

#[test]
fn rule_18_1pu_wraps_the_cek_after_the_content_is_encrypted() {
    // Same ephemeral key, CEK and recipient, different IV: ECDH-ES+A256KW wraps the CEK into the
    // same octets both times, while ECDH-1PU+A256KW, whose KEK depends on the content tag,
    // does not.
    let mut rng = common::rng(133);
    let alice = Jwk::generate_with_rng(Curve::X25519, &mut rng).with_kid("alice");
    let bob = Jwk::generate_with_rng(Curve::X25519, &mut rng).with_kid("bob");
    let bob_public = bob.to_public();
    let ephemeral = SecretKey::generate_with_rng(Curve::X25519, &mut rng);
    let cek = ContentKey::from_bytes(Enc::A256CbcHs512, &[5u8; 64]).unwrap();
    let wrapped = |alg: Alg, iv: &[u8]| {
        let encrypter = Encrypter::new(
            Sender::for_alg(alg, &alice),
            alg.key_wrap(),
            Enc::A256CbcHs512,
        )
        .recipient(&bob_public);
        let out = encrypter
            .encrypt_with_fixed(
                MESSAGE,
                FixedRandomness {
                    ephemeral: &ephemeral,
                    cek: Some(&cek),
                    iv,
                },
            )
            .unwrap();
        let jwe = Jwe::parse(out.as_bytes()).unwrap();
        (
            jwe.recipients()[0].encrypted_key().to_vec(),
            jwe.tag().to_vec(),
        )
    };
    let (es_a, es_tag_a) = wrapped(Alg::EcdhEsA256Kw, &[1; 16]);
    let (es_b, es_tag_b) = wrapped(Alg::EcdhEsA256Kw, &[2; 16]);
    assert_ne!(es_tag_a, es_tag_b);
    assert_eq!(es_a, es_b);
    let (pu_a, _) = wrapped(Alg::Ecdh1PuA256Kw, &[1; 16]);
    let (pu_b, _) = wrapped(Alg::Ecdh1PuA256Kw, &[2; 16]);
    assert_ne!(pu_a, pu_b);
}

#[test]
fn rule_20_one_epk_per_message_shared_by_every_recipient() {
    for alg in [Alg::EcdhEsA256Kw, Alg::Ecdh1PuA256Kw] {
        let sealed = seal(
            alg,
            Enc::A256CbcHs512,
            Curve::P384,
            Serialization::General,
            3,
            134,
        );
        let jwe = Jwe::parse(sealed.envelope.as_bytes()).unwrap();
        assert!(jwe.protected_header().contains_key("epk"));
        for entry in jwe.recipients() {
            assert!(!entry.header().unwrap().contains_key("epk"));
        }
        for i in 0..3 {
            assert_eq!(
                &sealed.open_as(&sealed.envelope, i).unwrap().plaintext[..],
                MESSAGE
            );
        }
        // A new message gets a new ephemeral key.
        let publics: Vec<Jwk> = sealed.recipients.iter().map(Jwk::to_public).collect();
        let encrypter = Encrypter::new(
            Sender::for_alg(alg, &sealed.alice),
            alg.key_wrap(),
            Enc::A256CbcHs512,
        )
        .recipients(&publics);
        let again = encrypter.encrypt(MESSAGE).unwrap();
        let again = Jwe::parse(again.as_bytes()).unwrap();
        assert_ne!(
            again.protected_header()["epk"],
            jwe.protected_header()["epk"]
        );
    }
}

// ---------------------------------------------------------------------------------------------
// E. Header placement

#[test]
fn rule_21_zip_rejected_in_any_header() {
    let sealed = seal(
        Alg::EcdhEsA256Kw,
        Enc::A256Gcm,
        Curve::X25519,
        Serialization::General,
        1,
        135,
    );
    let in_protected = edit_protected(&sealed.envelope, |h| {
        h.insert("zip".into(), "DEF".into());
    });
    let in_unprotected = edit_json(&sealed.envelope, |top| {
        top.insert("unprotected".into(), json!({"zip": "DEF"}));
    });
    let in_recipient = edit_json(&sealed.envelope, |top| {
        top["recipients"][0]["header"]["zip"] = "DEF".into();
    });
    for envelope in [in_protected, in_unprotected, in_recipient] {
        assert_eq!(
            Jwe::parse(envelope.as_bytes()).unwrap_err(),
            Error::UnsupportedZip
        );
    }
    let compact = seal(
        Alg::EcdhEsA256Kw,
        Enc::A256Gcm,
        Curve::X25519,
        Serialization::Compact,
        1,
        135,
    );
    let envelope = edit_protected(&compact.envelope, |h| {
        h.insert("zip".into(), "DEF".into());
    });
    assert_eq!(
        Jwe::parse(envelope.as_bytes()).unwrap_err(),
        Error::UnsupportedZip
    );
}

#[test]
fn rule_21_unknown_crit_extension_rejected() {
    for serialization in ALL_FORMS {
        let sealed = seal(
            Alg::EcdhEsA256Kw,
            Enc::A256Gcm,
            Curve::P256,
            serialization,
            1,
            136,
        );
        let envelope = edit_protected(&sealed.envelope, |h| {
            h.insert("exp".into(), json!(1_700_000_000));
            h.insert("crit".into(), json!(["exp"]));
        });
        assert_eq!(
            Jwe::parse(envelope.as_bytes()).unwrap_err(),
            Error::UnsupportedCrit("exp".into()),
            "{serialization}"
        );
    }
}

#[test]
fn rule_21_crit_outside_the_protected_header_rejected() {
    let sealed = seal(
        Alg::EcdhEsA256Kw,
        Enc::A256Gcm,
        Curve::P256,
        Serialization::General,
        1,
        137,
    );
    let in_unprotected = edit_json(&sealed.envelope, |top| {
        top.insert("unprotected".into(), json!({"crit": ["exp"], "exp": 1}));
    });
    let in_recipient = edit_json(&sealed.envelope, |top| {
        top["recipients"][0]["header"]["crit"] = json!(["exp"]);
        top["recipients"][0]["header"]["exp"] = json!(1);
    });
    for (envelope, location) in [
        (in_unprotected, Location::Unprotected),
        (in_recipient, Location::Recipient),
    ] {
        let e = Jwe::parse(envelope.as_bytes()).unwrap_err();
        assert!(
            matches!(
                &e,
                Error::InvalidMember { name, location: l, .. } if name == "crit" && *l == location
            ),
            "{e:?}"
        );
    }
}

#[test]
fn rule_21_malformed_crit_rejected() {
    let sealed = seal(
        Alg::EcdhEsA256Kw,
        Enc::A256Gcm,
        Curve::P256,
        Serialization::Compact,
        1,
        138,
    );
    for crit in [
        json!([]),
        json!("exp"),
        json!([1]),
        json!(["enc"]),
        json!(["not-present"]),
    ] {
        let envelope = edit_protected(&sealed.envelope, |h| {
            h.insert("exp".into(), json!(1));
            h.insert("crit".into(), crit.clone());
        });
        let e = Jwe::parse(envelope.as_bytes()).unwrap_err();
        assert!(
            matches!(
                &e,
                Error::InvalidMember { name, location: Location::Protected, .. } if name == "crit"
            ),
            "{crit}: {e:?}"
        );
    }
}

#[test]
fn rule_22_recipient_kid_must_match_a_supplied_key() {
    let sealed = seal(
        Alg::EcdhEsA256Kw,
        Enc::A256Gcm,
        Curve::X25519,
        Serialization::General,
        2,
        139,
    );
    let mut rng = common::rng(140);
    let eve = Jwk::generate_with_rng(Curve::X25519, &mut rng).with_kid("did:example:eve#key-1");
    let e = Decrypter::new()
        .recipient_key(&eve)
        .decrypt(sealed.envelope.as_bytes())
        .unwrap_err();
    match e {
        Error::RecipientNotFound(kids) => {
            assert!(kids.contains("did:example:bob#key-0"), "{kids}");
            assert!(kids.contains("did:example:bob#key-1"), "{kids}");
        }
        other => panic!("{other:?}"),
    }
    // Bob's own key under another kid is not matched either.
    let renamed = Jwk::from_secret(
        sealed.recipients[0].secret_key().unwrap().clone(),
        Some("did:example:bob#old".into()),
    );
    let e = Jwe::parse(sealed.envelope.as_bytes())
        .unwrap()
        .decrypt(&renamed, None)
        .unwrap_err();
    assert!(matches!(e, Error::RecipientNotFound(_)), "{e:?}");
    // A kid that is not a string is malformed.
    let envelope = edit_json(&sealed.envelope, |top| {
        top["recipients"][0]["header"]["kid"] = json!(7);
    });
    let e = sealed.open(&envelope).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidMember { name, .. } if name == "kid"),
        "{e:?}"
    );
}

#[test]
fn rule_23_header_name_in_two_headers_rejected() {
    let sealed = seal(
        Alg::Ecdh1PuA256Kw,
        Enc::A256CbcHs512,
        Curve::P256,
        Serialization::General,
        2,
        141,
    );
    // protected + shared unprotected
    let a = edit_json(&sealed.envelope, |top| {
        top.insert(
            "unprotected".into(),
            json!({"skid": "did:example:mallory#1"}),
        );
    });
    // protected + per-recipient
    let b = edit_json(&sealed.envelope, |top| {
        top["recipients"][1]["header"]["apv"] = "Qm9i".into();
    });
    // shared unprotected + per-recipient
    let c = edit_json(&sealed.envelope, |top| {
        top.insert(
            "unprotected".into(),
            json!({"kid": "did:example:bob#key-0"}),
        );
    });
    for (envelope, name) in [(a, "skid"), (b, "apv"), (c, "kid")] {
        assert_eq!(
            Jwe::parse(envelope.as_bytes()).unwrap_err(),
            Error::DuplicateHeader(name.into())
        );
    }
    // Flattened: protected + header.
    let flat = seal(
        Alg::EcdhEsA256Kw,
        Enc::A256Gcm,
        Curve::P256,
        Serialization::Flattened,
        1,
        142,
    );
    let envelope = edit_json(&flat.envelope, |top| {
        top["header"]["enc"] = "A128GCM".into();
    });
    assert_eq!(
        Jwe::parse(envelope.as_bytes()).unwrap_err(),
        Error::DuplicateHeader("enc".into())
    );
    // The same name in two different recipients' headers is not a duplicate: each has a kid.
    assert!(Jwe::parse(sealed.envelope.as_bytes()).is_ok());
}

#[test]
fn rule_23_encrypter_refuses_a_name_in_two_headers() {
    let mut rng = common::rng(143);
    let bob = Jwk::generate_with_rng(Curve::X25519, &mut rng)
        .with_kid("did:example:bob#key-0")
        .to_public();
    let encrypter =
        || Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256Gcm).recipient(&bob);
    let cases = [
        (
            encrypter().unprotected_member("kid", json!("did:example:bob#key-0")),
            "kid",
        ),
        (encrypter().protected_member("epk", json!({})), "epk"),
        (
            encrypter()
                .apv(*b"Bob")
                .protected_member("apv", json!("Qm9i")),
            "apv",
        ),
        (
            encrypter()
                .protected_member("typ", json!("application/didcomm-encrypted+json"))
                .unprotected_member("typ", json!("JWE")),
            "typ",
        ),
        (
            encrypter()
                .serialization(Serialization::Compact)
                .protected_member("kid", json!("another")),
            "kid",
        ),
    ];
    for (encrypter, name) in cases {
        assert_eq!(
            encrypter
                .encrypt_with_rng(MESSAGE, &mut common::rng(144))
                .unwrap_err(),
            Error::DuplicateHeader(name.into())
        );
    }
}

#[test]
fn rule_23_encrypter_refuses_a_protected_kid_beside_a_recipient_kid() {
    // In the JSON serializations the recipient's kid goes into its own header, so a protected
    // kid would be the same name in two headers: an envelope no reader may accept.
    let mut rng = common::rng(145);
    let bob = Jwk::generate_with_rng(Curve::X25519, &mut rng)
        .with_kid("did:example:bob#key-0")
        .to_public();
    for serialization in JSON_FORMS {
        let result = Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256Gcm)
            .recipient(&bob)
            .serialization(serialization)
            .protected_member("kid", json!("did:example:bob#key-0"))
            .encrypt_with_rng(MESSAGE, &mut common::rng(146));
        assert_eq!(
            result.unwrap_err(),
            Error::DuplicateHeader("kid".into()),
            "{serialization}"
        );
    }
}

#[test]
fn rule_23_duplicate_json_member_rejected() {
    let sealed = seal(
        Alg::EcdhEsA256Kw,
        Enc::A256Gcm,
        Curve::P256,
        Serialization::General,
        1,
        147,
    );
    // A repeated top-level member, written into the text.
    let iv = Jwe::parse(sealed.envelope.as_bytes())
        .unwrap()
        .iv()
        .to_vec();
    let doubled =
        sealed
            .envelope
            .replacen("\"iv\":", &format!("\"iv\":\"{}\",\"iv\":", b64(&iv)), 1);
    assert_eq!(
        Jwe::parse(doubled.as_bytes()).unwrap_err(),
        Error::DuplicateMember {
            location: Location::Envelope,
            name: "iv".into()
        }
    );
    // In a recipient header (nested in the envelope text).
    let doubled = sealed.envelope.replacen(
        "\"header\":{\"kid\":",
        "\"header\":{\"kid\":\"x\",\"kid\":",
        1,
    );
    assert_ne!(doubled, sealed.envelope);
    assert!(matches!(
        Jwe::parse(doubled.as_bytes()).unwrap_err(),
        Error::DuplicateMember { ref name, .. } if name == "kid"
    ));
    // In the protected header, and in the epk inside it.
    for (member, replacement) in [
        ("\"enc\":", "\"enc\":\"A128GCM\",\"enc\":"),
        ("\"crv\":", "\"crv\":\"P-384\",\"crv\":"),
    ] {
        let envelope = edit_protected_text(&sealed.envelope, |text| {
            assert!(text.contains(member));
            text.replacen(member, replacement, 1)
        });
        let e = Jwe::parse(envelope.as_bytes()).unwrap_err();
        let name = member.trim_matches(|c| c == '"' || c == ':');
        assert_eq!(
            e,
            Error::DuplicateMember {
                location: Location::Protected,
                name: name.into()
            }
        );
    }
    // A JWK with a repeated member.
    let bob = sealed.recipients[0].to_public_json();
    let doubled = bob.replacen("{", "{\"kty\":\"EC\",", 1);
    assert_eq!(
        Jwk::from_json(&doubled).unwrap_err(),
        Error::DuplicateMember {
            location: Location::Jwk,
            name: "kty".into()
        }
    );
}

#[test]
fn rule_25_sender_found_by_skid_or_else_by_apu() {
    let mut rng = common::rng(148);
    let alice = Jwk::generate_with_rng(Curve::P256, &mut rng).with_kid("did:example:alice#key-1");
    let mallory =
        Jwk::generate_with_rng(Curve::P256, &mut rng).with_kid("did:example:mallory#key-1");
    let bob = Jwk::generate_with_rng(Curve::P256, &mut rng).with_kid("did:example:bob#key-1");
    let bob_public = bob.to_public();
    let (alice_public, mallory_public) = (alice.to_public(), mallory.to_public());
    for with_skid in [true, false] {
        let mut encrypter = Encrypter::new(
            Sender::Authenticated(&alice),
            Some(KeyWrap::A256Kw),
            Enc::A256CbcHs512,
        )
        .recipient(&bob_public)
        .apu(*b"did:example:alice#key-1");
        if with_skid {
            encrypter = encrypter.skid("did:example:alice#key-1");
        }
        let envelope = encrypter.encrypt_with_rng(MESSAGE, &mut rng).unwrap();
        let jwe = Jwe::parse(envelope.as_bytes()).unwrap();
        assert_eq!(
            jwe.sender_kid().unwrap().as_deref(),
            Some("did:example:alice#key-1")
        );
        for senders in [
            [&mallory_public, &alice_public],
            [&alice_public, &mallory_public],
        ] {
            let out = Decrypter::new()
                .recipient_key(&bob)
                .sender_keys(senders)
                .decrypt(envelope.as_bytes())
                .unwrap();
            assert_eq!(out.sender_kid.as_deref(), Some("did:example:alice#key-1"));
            assert!(out.authenticated());
        }
    }
}

#[test]
fn rule_25_sender_not_supplied_rejected() {
    for alg in [Alg::Ecdh1Pu, Alg::Ecdh1PuA256Kw] {
        let sealed = seal(
            alg,
            Enc::A256CbcHs512,
            Curve::X25519,
            Serialization::General,
            1,
            149,
        );
        let expected = Error::SenderNotFound("did:example:alice#key-1".into());
        let jwe = Jwe::parse(sealed.envelope.as_bytes()).unwrap();
        let bob = &sealed.recipients[0];
        assert_eq!(jwe.decrypt(bob, None).unwrap_err(), expected, "{alg}");
        assert_eq!(
            jwe.decrypt_recipient(0, bob, None).unwrap_err(),
            expected,
            "{alg}"
        );
        assert_eq!(
            Decrypter::new()
                .recipient_key(bob)
                .decrypt(sealed.envelope.as_bytes())
                .unwrap_err(),
            expected,
            "{alg}"
        );
        // Two known senders, neither of them the one named.
        let mut rng = common::rng(150);
        let carol = Jwk::generate_with_rng(Curve::X25519, &mut rng)
            .with_kid("did:example:carol#key-1")
            .to_public();
        let dave = Jwk::generate_with_rng(Curve::X25519, &mut rng)
            .with_kid("did:example:dave#key-1")
            .to_public();
        assert_eq!(
            Decrypter::new()
                .recipient_key(bob)
                .sender_keys([&carol, &dave])
                .decrypt(sealed.envelope.as_bytes())
                .unwrap_err(),
            expected,
            "{alg}"
        );
    }
}

#[test]
fn rule_25_wrong_sender_key_rejected() {
    for alg in [
        Alg::Ecdh1Pu,
        Alg::Ecdh1PuA128Kw,
        Alg::Ecdh1PuA192Kw,
        Alg::Ecdh1PuA256Kw,
    ] {
        for curve in Curve::ALL {
            let sealed = seal(
                alg,
                Enc::A128CbcHs256,
                curve,
                Serialization::General,
                1,
                151,
            );
            let mut rng = common::rng(152);
            // Mallory's key, presented under Alice's kid.
            let mallory = Jwk::generate_with_rng(curve, &mut rng)
                .with_kid("did:example:alice#key-1")
                .to_public();
            let jwe = Jwe::parse(sealed.envelope.as_bytes()).unwrap();
            assert_eq!(
                jwe.decrypt(&sealed.recipients[0], Some(&mallory))
                    .unwrap_err(),
                Error::Crypto,
                "{alg} {curve}"
            );
        }
    }
}

#[test]
fn rule_27_epk_carrying_d_rejected() {
    for curve in Curve::ALL {
        let sealed = seal(
            Alg::EcdhEsA256Kw,
            Enc::A256Gcm,
            curve,
            Serialization::Compact,
            1,
            153,
        );
        let mut rng = common::rng(154);
        let d = b64(&SecretKey::generate_with_rng(curve, &mut rng).to_bytes());
        let envelope = edit_protected(&sealed.envelope, |h| {
            h["epk"]["d"] = d.into();
        });
        assert_eq!(
            sealed.open(&envelope).unwrap_err(),
            Error::InvalidMember {
                location: Location::Epk,
                name: "d".into(),
                reason: Malformed::PrivateKey,
            },
            "{curve}"
        );
    }
}

#[test]
fn rule_27_epk_missing_or_not_an_object_rejected() {
    let sealed = seal(
        Alg::EcdhEsA256Kw,
        Enc::A256Gcm,
        Curve::P256,
        Serialization::General,
        1,
        155,
    );
    let envelope = edit_protected(&sealed.envelope, |h| {
        h.remove("epk");
    });
    assert!(matches!(
        sealed.open(&envelope).unwrap_err(),
        Error::MissingMember { name: "epk", .. }
    ));
    let envelope = edit_protected(&sealed.envelope, |h| {
        h.insert("epk".into(), "not a key".into());
    });
    assert!(matches!(
        sealed.open(&envelope).unwrap_err(),
        Error::InvalidMember {
            location: Location::Epk,
            ..
        }
    ));
}

#[test]
fn rule_27_wrong_kty_for_crv_rejected() {
    let sealed_ec = seal(
        Alg::EcdhEsA256Kw,
        Enc::A256Gcm,
        Curve::P256,
        Serialization::General,
        1,
        156,
    );
    let envelope = edit_protected(&sealed_ec.envelope, |h| {
        h["epk"]["kty"] = "OKP".into();
    });
    assert!(matches!(
        sealed_ec.open(&envelope).unwrap_err(),
        Error::InvalidKey(_)
    ));
    let sealed_okp = seal(
        Alg::EcdhEsA256Kw,
        Enc::A256Gcm,
        Curve::X25519,
        Serialization::General,
        1,
        157,
    );
    let envelope = edit_protected(&sealed_okp.envelope, |h| {
        h["epk"]["kty"] = "EC".into();
    });
    assert!(matches!(
        sealed_okp.open(&envelope).unwrap_err(),
        Error::InvalidKey(_)
    ));
    // The same rule for keys given to the engine.
    let mut rng = common::rng(158);
    let okp = Jwk::generate_with_rng(Curve::X25519, &mut rng).to_public_json();
    let ec = Jwk::generate_with_rng(Curve::P384, &mut rng).to_public_json();
    for text in [
        okp.replace("\"OKP\"", "\"EC\""),
        ec.replace("\"EC\"", "\"OKP\""),
    ] {
        assert!(
            matches!(Jwk::from_json(&text).unwrap_err(), Error::InvalidKey(_)),
            "{text}"
        );
    }
    // X25519 has no y.
    let envelope = edit_protected(&sealed_okp.envelope, |h| {
        h["epk"]["y"] = b64(&[1; 32]).into();
    });
    assert!(matches!(
        sealed_okp.open(&envelope).unwrap_err(),
        Error::InvalidKey(_)
    ));
}

#[test]
fn rule_27_coordinate_of_wrong_length_rejected() {
    for curve in Curve::ALL {
        let sealed = seal(
            Alg::EcdhEsA256Kw,
            Enc::A256Gcm,
            curve,
            Serialization::General,
            1,
            159,
        );
        let len = curve.coordinate_len();
        let coordinates: &[&'static str] = if curve == Curve::X25519 {
            &["x"]
        } else {
            &["x", "y"]
        };
        for &member in coordinates {
            for found in [len - 1, len + 1] {
                let envelope = edit_protected(&sealed.envelope, |h| {
                    let mut raw = unb64(h["epk"][member].as_str().unwrap());
                    if found < len {
                        raw.remove(0);
                    } else {
                        raw.insert(0, 0);
                    }
                    h["epk"][member] = b64(&raw).into();
                });
                assert_eq!(
                    sealed.open(&envelope).unwrap_err(),
                    Error::InvalidLength {
                        name: member,
                        expected: len,
                        found
                    },
                    "{curve} {member}"
                );
            }
        }
        // And in a JWK.
        let public: Value = serde_json::from_str(&sealed.recipients[0].to_public_json()).unwrap();
        let mut short = public.clone();
        let mut raw = unb64(short["x"].as_str().unwrap());
        raw.pop();
        short["x"] = b64(&raw).into();
        assert_eq!(
            Jwk::from_json(&short.to_string()).unwrap_err(),
            Error::InvalidLength {
                name: "x",
                expected: len,
                found: len - 1
            }
        );
        let private = sealed.recipients[0].to_private_json().unwrap();
        let mut long_d: Value = serde_json::from_str(&private).unwrap();
        let mut d = unb64(long_d["d"].as_str().unwrap());
        d.insert(0, 0);
        long_d["d"] = b64(&d).into();
        assert!(
            matches!(
                Jwk::from_json(&long_d.to_string()).unwrap_err(),
                Error::InvalidLength { name: "d", .. }
            ),
            "{curve}"
        );
    }
}

/// A general JSON ECDH-ES+A256KW / A256GCM envelope built by hand from a shared secret the caller
/// computed: `epk` is written as given, in the protected header or, with `epk_unprotected`, in
/// the shared unprotected header. The KDF, key wrap and content encryption are the crate's own
/// primitives (each pinned by published vectors) fed by hand.
fn forge_es_kw(epk: Value, z: &[u8], bob_kid: &str, epk_unprotected: bool) -> String {
    let enc = Enc::A256Gcm;
    let mut protected = json!({"alg": "ECDH-ES+A256KW", "enc": "A256GCM"});
    let mut top = Map::new();
    if epk_unprotected {
        top.insert("unprotected".into(), json!({ "epk": epk }));
    } else {
        protected["epk"] = epk;
    }
    let protected_b64 = b64(protected.to_string().as_bytes());
    let kek = concat_kdf(z, &fixed_info("ECDH-ES+A256KW", b"", b"", 256, None), 32);
    let cek = [0x3cu8; 32];
    let encrypted_key = wrap::wrap(KeyWrap::A256Kw, &kek, &cek).unwrap();
    let iv = [0x5au8; 12];
    let mut buf = MESSAGE.to_vec();
    let tag = encrypt_in_place(
        enc,
        &ContentKey::from_bytes(enc, &cek).unwrap(),
        &iv,
        protected_b64.as_bytes(),
        &mut buf,
    )
    .unwrap();
    top.insert("protected".into(), protected_b64.into());
    top.insert(
        "recipients".into(),
        json!([{"header": {"kid": bob_kid}, "encrypted_key": b64(&encrypted_key)}]),
    );
    top.insert("iv".into(), b64(&iv).into());
    top.insert("ciphertext".into(), b64(&buf).into());
    top.insert("tag".into(), b64(&tag).into());
    Value::Object(top).to_string()
}

#[test]
fn rule_27_short_epk_coordinate_read_only_when_left_padding_is_asked() {
    // An ephemeral key whose x starts with a zero octet, written the way some stacks do, with
    // that octet dropped. The epk sits in the shared unprotected header so that the envelope is
    // authentic as written.
    let mut rng = common::rng(160);
    let bob = Jwk::generate_with_rng(Curve::P256, &mut rng).with_kid("did:example:bob#key-0");
    let ephemeral = loop {
        let k = SecretKey::generate_with_rng(Curve::P256, &mut rng);
        if k.public_key().x()[0] == 0 {
            break k;
        }
    };
    let public = ephemeral.public_key();
    let z = diffie_hellman(&ephemeral, bob.public_key()).unwrap();
    let short = json!({
        "kty": "EC",
        "crv": "P-256",
        "x": b64(&public.x()[1..]),
        "y": b64(&public.y().unwrap()),
    });
    let full = json!({
        "kty": "EC",
        "crv": "P-256",
        "x": b64(&public.x()),
        "y": b64(&public.y().unwrap()),
    });
    let strict_only = forge_es_kw(full, z.as_bytes(), "did:example:bob#key-0", true);
    let opened = Decrypter::new()
        .recipient_key(&bob)
        .decrypt(strict_only.as_bytes())
        .unwrap();
    assert_eq!(&opened.plaintext[..], MESSAGE);

    let envelope = forge_es_kw(short, z.as_bytes(), "did:example:bob#key-0", true);
    assert_eq!(
        Decrypter::new()
            .recipient_key(&bob)
            .decrypt(envelope.as_bytes())
            .unwrap_err(),
        Error::InvalidLength {
            name: "x",
            expected: 32,
            found: 31
        }
    );
    let opened = Decrypter::new()
        .recipient_key(&bob)
        .coordinates(Coordinates::LeftPadShort)
        .decrypt(envelope.as_bytes())
        .unwrap();
    assert_eq!(&opened.plaintext[..], MESSAGE);
}

#[test]
fn rule_27_d_not_matching_the_public_part_rejected() {
    let mut rng = common::rng(161);
    for curve in Curve::ALL {
        let a = Jwk::generate_with_rng(curve, &mut rng);
        let b = Jwk::generate_with_rng(curve, &mut rng);
        let mut mixed: Value = serde_json::from_str(&a.to_private_json().unwrap()).unwrap();
        let other: Value = serde_json::from_str(&b.to_private_json().unwrap()).unwrap();
        mixed["d"] = other["d"].clone();
        assert!(
            matches!(
                Jwk::from_json(&mixed.to_string()).unwrap_err(),
                Error::InvalidKey(_)
            ),
            "{curve}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// F. Curves and keys

#[test]
fn rule_28_keys_on_another_curve_than_the_epk_rejected_on_decrypt() {
    let sealed = seal(
        Alg::Ecdh1PuA256Kw,
        Enc::A256CbcHs512,
        Curve::P256,
        Serialization::General,
        1,
        162,
    );
    let jwe = Jwe::parse(sealed.envelope.as_bytes()).unwrap();
    let mut rng = common::rng(163);
    // A recipient key on P-384 under the P-256 recipient's kid.
    let bob_p384 = Jwk::generate_with_rng(Curve::P384, &mut rng).with_kid("did:example:bob#key-0");
    let alice = sealed.alice_public();
    assert_eq!(
        jwe.decrypt(&bob_p384, Some(&alice)).unwrap_err(),
        Error::CurveMismatch {
            what: KeyRole::Recipient,
            expected: Curve::P256,
            found: Curve::P384
        }
    );
    // A sender key on X25519 under Alice's kid.
    let alice_x25519 = Jwk::generate_with_rng(Curve::X25519, &mut rng)
        .with_kid("did:example:alice#key-1")
        .to_public();
    assert_eq!(
        jwe.decrypt(&sealed.recipients[0], Some(&alice_x25519))
            .unwrap_err(),
        Error::CurveMismatch {
            what: KeyRole::Sender,
            expected: Curve::P256,
            found: Curve::X25519
        }
    );
}

#[test]
fn rule_30_off_curve_epk_rejected() {
    for curve in [Curve::P256, Curve::P384, Curve::P521] {
        let sealed = seal(
            Alg::EcdhEsA256Kw,
            Enc::A256Gcm,
            curve,
            Serialization::General,
            1,
            164,
        );
        let expected = Error::InvalidPoint {
            location: Location::Epk,
            curve,
        };
        let envelope = edit_protected(&sealed.envelope, |h| {
            let mut y = unb64(h["epk"]["y"].as_str().unwrap());
            *y.last_mut().unwrap() ^= 1;
            h["epk"]["y"] = b64(&y).into();
        });
        assert_eq!(sealed.open(&envelope).unwrap_err(), expected, "{curve}");
        // (0, 0) is on no NIST curve.
        let zero = b64(&vec![0; curve.coordinate_len()]);
        let envelope = edit_protected(&sealed.envelope, |h| {
            h["epk"]["x"] = zero.clone().into();
            h["epk"]["y"] = zero.clone().into();
        });
        assert_eq!(sealed.open(&envelope).unwrap_err(), expected, "{curve}");
        // A coordinate at or above the field prime.
        let big = b64(&vec![0xff; curve.coordinate_len()]);
        let envelope = edit_protected(&sealed.envelope, |h| {
            h["epk"]["x"] = big.clone().into();
        });
        assert_eq!(sealed.open(&envelope).unwrap_err(), expected, "{curve}");
    }
}

#[test]
fn rule_30_off_curve_static_key_rejected() {
    let mut rng = common::rng(165);
    for curve in [Curve::P256, Curve::P384, Curve::P521] {
        let key = Jwk::generate_with_rng(curve, &mut rng);
        let mut value: Value = serde_json::from_str(&key.to_public_json()).unwrap();
        let mut y = unb64(value["y"].as_str().unwrap());
        y[3] ^= 0x10;
        value["y"] = b64(&y).into();
        assert_eq!(
            Jwk::from_json(&value.to_string()).unwrap_err(),
            Error::InvalidPoint {
                location: Location::Jwk,
                curve
            }
        );
    }
}

/// u-coordinates of small order on Curve25519 or its twist (RFC 7748 §6.1 and the usual
/// blocklist): 0, 1, the two points of order 8, and p − 1, p, p + 1 (the last two not reduced).
fn x25519_small_order_points() -> Vec<[u8; 32]> {
    let hex32 = |s: &str| -> [u8; 32] { hex::decode(s).unwrap().try_into().unwrap() };
    let mut p_minus_1 = [0xffu8; 32];
    p_minus_1[0] = 0xec;
    p_minus_1[31] = 0x7f;
    let mut p = p_minus_1;
    p[0] = 0xed;
    let mut p_plus_1 = p_minus_1;
    p_plus_1[0] = 0xee;
    let mut one = [0u8; 32];
    one[0] = 1;
    vec![
        [0u8; 32],
        one,
        hex32("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
        hex32("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
        p_minus_1,
        p,
        p_plus_1,
    ]
}

#[test]
fn rule_30_x25519_small_order_epk_rejected() {
    let mut rng = common::rng(166);
    let bob = Jwk::generate_with_rng(Curve::X25519, &mut rng).with_kid("did:example:bob#key-0");

    // The forging construction works: with a genuine ephemeral key it opens.
    let ephemeral = SecretKey::generate_with_rng(Curve::X25519, &mut rng);
    let z = diffie_hellman(&ephemeral, bob.public_key()).unwrap();
    let epk = json!({"kty": "OKP", "crv": "X25519", "x": b64(&ephemeral.public_key().x())});
    let genuine = forge_es_kw(epk, z.as_bytes(), "did:example:bob#key-0", false);
    assert_eq!(
        &Jwe::parse(genuine.as_bytes())
            .unwrap()
            .decrypt(&bob, None)
            .unwrap()
            .plaintext[..],
        MESSAGE
    );

    // With a small-order epk the attacker knows Z (all zero) and can build an envelope that
    // would open if the all-zero secret were accepted.
    for u in x25519_small_order_points() {
        let epk = json!({"kty": "OKP", "crv": "X25519", "x": b64(&u)});
        let forged = forge_es_kw(epk, &[0u8; 32], "did:example:bob#key-0", false);
        let jwe = Jwe::parse(forged.as_bytes()).unwrap();
        assert_eq!(
            jwe.decrypt(&bob, None).unwrap_err(),
            Error::Crypto,
            "u = {}",
            hex::encode(u)
        );
        assert_eq!(
            diffie_hellman(bob.secret_key().unwrap(), epk_of(&jwe).public_key()).unwrap_err(),
            Error::Crypto
        );
    }
}

#[test]
fn rule_30_x25519_small_order_sender_key_rejected() {
    // ECDH-1PU direct with a sender "key" of small order: Zs is all zero, and whoever chose the
    // ephemeral key knows Ze, so the message could be forged in that sender's name.
    let mut rng = common::rng(167);
    let bob = Jwk::generate_with_rng(Curve::X25519, &mut rng).with_kid("did:example:bob#key-0");
    let ephemeral = SecretKey::generate_with_rng(Curve::X25519, &mut rng);
    let ze = diffie_hellman(&ephemeral, bob.public_key()).unwrap();
    let forge = |zs: &[u8]| {
        let enc = Enc::A256Gcm;
        let protected = json!({
            "alg": "ECDH-1PU",
            "enc": "A256GCM",
            "epk": {"kty": "OKP", "crv": "X25519", "x": b64(&ephemeral.public_key().x())},
        });
        let protected_b64 = b64(protected.to_string().as_bytes());
        let z = [ze.as_bytes(), zs].concat();
        let cek = concat_kdf(&z, &fixed_info("A256GCM", b"", b"", 256, None), 32);
        let iv = [7u8; 12];
        let mut buf = MESSAGE.to_vec();
        let tag = encrypt_in_place(
            enc,
            &ContentKey::from_bytes(enc, &cek).unwrap(),
            &iv,
            protected_b64.as_bytes(),
            &mut buf,
        )
        .unwrap();
        json!({
            "protected": protected_b64,
            "recipients": [{"header": {"kid": "did:example:bob#key-0"}}],
            "iv": b64(&iv),
            "ciphertext": b64(&buf),
            "tag": b64(&tag),
        })
        .to_string()
    };
    // With a genuine sender key the construction opens ...
    let alice = Jwk::generate_with_rng(Curve::X25519, &mut rng);
    let zs = diffie_hellman(alice.secret_key().unwrap(), bob.public_key()).unwrap();
    let genuine = forge(zs.as_bytes());
    let out = Jwe::parse(genuine.as_bytes())
        .unwrap()
        .decrypt(&bob, Some(&alice.to_public()))
        .unwrap();
    assert_eq!(&out.plaintext[..], MESSAGE);
    // ... and with a small-order one it must not.
    let forged = forge(&[0u8; 32]);
    let jwe = Jwe::parse(forged.as_bytes()).unwrap();
    for u in x25519_small_order_points() {
        let sender = Jwk::from_public(
            PublicKey::from_coordinates(Curve::X25519, &u, None).unwrap(),
            None,
        );
        assert_eq!(
            jwe.decrypt(&bob, Some(&sender)).unwrap_err(),
            Error::Crypto,
            "u = {}",
            hex::encode(u)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// H. Serializations

#[test]
fn rule_39_compact_with_more_or_fewer_than_five_parts_rejected() {
    let sealed = seal(
        Alg::EcdhEsA256Kw,
        Enc::A256Gcm,
        Curve::X25519,
        Serialization::Compact,
        1,
        168,
    );
    let parts: Vec<&str> = sealed.envelope.split('.').collect();
    assert_eq!(parts.len(), 5);
    let four = parts[..4].join(".");
    let six = format!("{}.{}", sealed.envelope, parts[4]);
    let trailing_dot = format!("{}.", sealed.envelope);
    for envelope in [four, six, trailing_dot, parts[0].to_owned(), "...".into()] {
        let e = Jwe::parse(envelope.as_bytes()).unwrap_err();
        assert!(matches!(e, Error::NotJwe(_)), "{envelope}: {e:?}");
    }
    // Surrounding whitespace is not part of the envelope.
    let padded = format!("\n  {}\r\n", sealed.envelope);
    assert_eq!(&sealed.open(&padded).unwrap().plaintext[..], MESSAGE);
    // An empty protected header.
    let envelope = format!(".{}", parts[1..].join("."));
    assert!(matches!(
        Jwe::parse(envelope.as_bytes()).unwrap_err(),
        Error::MissingMember {
            name: "protected",
            ..
        }
    ));
    assert!(matches!(Jwe::parse(b"").unwrap_err(), Error::NotJwe(_)));
}

#[test]
fn rule_40_flattened_and_general_members_cannot_be_mixed() {
    let sealed = seal(
        Alg::EcdhEsA256Kw,
        Enc::A256Gcm,
        Curve::P256,
        Serialization::General,
        1,
        169,
    );
    let with_header = edit_json(&sealed.envelope, |top| {
        top.insert("header".into(), json!({"cty": "JWM"}));
    });
    let with_key = edit_json(&sealed.envelope, |top| {
        top.insert("encrypted_key".into(), b64(&[1; 40]).into());
    });
    for envelope in [with_header, with_key] {
        assert!(matches!(
            Jwe::parse(envelope.as_bytes()).unwrap_err(),
            Error::NotJwe(_)
        ));
    }
    // Neither recipients nor ciphertext: not a JWE.
    assert!(matches!(
        Jwe::parse(br#"{"protected":"e30"}"#).unwrap_err(),
        Error::NotJwe(_)
    ));
    // Missing iv or tag.
    for name in ["iv", "tag"] {
        let envelope = edit_json(&sealed.envelope, |top| {
            top.remove(name);
        });
        assert_eq!(
            Jwe::parse(envelope.as_bytes()).unwrap_err(),
            Error::MissingMember {
                location: Location::Envelope,
                name
            }
        );
    }
}

#[test]
fn rule_41_general_json_needs_a_non_empty_recipients_array_of_objects() {
    let sealed = seal(
        Alg::EcdhEsA256Kw,
        Enc::A256Gcm,
        Curve::P256,
        Serialization::General,
        1,
        170,
    );
    let empty = edit_json(&sealed.envelope, |top| {
        top["recipients"] = json!([]);
    });
    assert_eq!(
        Jwe::parse(empty.as_bytes()).unwrap_err(),
        Error::NoRecipients
    );
    for bad in [json!({}), json!("bob"), json!(["bob"])] {
        let envelope = edit_json(&sealed.envelope, |top| {
            top["recipients"] = bad.clone();
        });
        let e = Jwe::parse(envelope.as_bytes()).unwrap_err();
        assert!(
            matches!(&e, Error::InvalidMember { name, .. } if name == "recipients"),
            "{bad}: {e:?}"
        );
    }
}

#[test]
fn rule_41_base64url_with_padding_whitespace_or_standard_alphabet_rejected() {
    type Mangle = fn(&str) -> String;
    let manglers: [(&str, Mangle); 5] = [
        ("padding", |s| format!("{s}==")),
        ("inner space", |s| format!("{} {}", &s[..4], &s[4..])),
        ("line break", |s| format!("{}\n{}", &s[..4], &s[4..])),
        ("plus", |s| format!("+{}", &s[1..])),
        ("slash", |s| format!("{}/", &s[..s.len() - 1])),
    ];
    for serialization in ALL_FORMS {
        let sealed = seal(
            Alg::EcdhEsA256Kw,
            Enc::A256CbcHs512,
            Curve::P256,
            serialization,
            1,
            171,
        );
        for part in Part::ALL {
            for (what, mangle) in manglers {
                let envelope = edit_part_text(&sealed.envelope, part, mangle);
                let e = Jwe::parse(envelope.as_bytes()).unwrap_err();
                assert!(
                    matches!(&e, Error::Base64 { name, .. } if name == part.name()),
                    "{serialization} {part} {what}: {e:?}"
                );
            }
        }
        // Non-zero bits after the last whole octet (a 32-octet tag leaves two spare bits).
        let envelope = edit_part_text(&sealed.envelope, Part::Tag, |s| {
            let mut chars: Vec<char> = s.chars().collect();
            let last = chars.last_mut().unwrap();
            *last = if *last == 'B' { 'C' } else { 'B' };
            chars.into_iter().collect()
        });
        let e = Jwe::parse(envelope.as_bytes()).unwrap_err();
        assert!(
            matches!(&e, Error::Base64 { name, .. } if name == "tag"),
            "{serialization}: {e:?}"
        );
    }
    // The same strictness for JWK members.
    let mut rng = common::rng(172);
    let key = Jwk::generate_with_rng(Curve::P256, &mut rng);
    let mut value: Value = serde_json::from_str(&key.to_private_json().unwrap()).unwrap();
    let d = value["d"].as_str().unwrap().to_owned();
    value["d"] = format!("{d}=").into();
    assert!(matches!(
        Jwk::from_json(&value.to_string()).unwrap_err(),
        Error::Base64 { ref name, .. } if name == "d"
    ));
}

// ---------------------------------------------------------------------------------------------
// Every cryptographic failure looks the same.

#[test]
fn every_crypto_failure_has_the_same_message() {
    let mut failures: Vec<(&str, Error)> = Vec::new();
    let kw = general(Alg::Ecdh1PuA256Kw, Enc::A256CbcHs512, Curve::P256, 173);
    let direct = general(Alg::EcdhEs, Enc::A256Gcm, Curve::X25519, 174);
    let flip = |envelope: &str, part: Part| {
        edit_part(envelope, part, |mut b| {
            b[0] ^= 1;
            b
        })
    };
    failures.push(("tag", kw.open(&flip(&kw.envelope, Part::Tag)).unwrap_err()));
    failures.push((
        "ciphertext",
        kw.open(&flip(&kw.envelope, Part::Ciphertext)).unwrap_err(),
    ));
    failures.push((
        "encrypted_key",
        kw.open(&flip(&kw.envelope, Part::Key(0))).unwrap_err(),
    ));
    failures.push((
        "gcm tag",
        direct.open(&flip(&direct.envelope, Part::Tag)).unwrap_err(),
    ));
    failures.push((
        "protected",
        kw.open(&edit_protected_text(&kw.envelope, |t| {
            t.replacen(':', ": ", 1)
        }))
        .unwrap_err(),
    ));
    let mut rng = common::rng(175);
    let mallory = Jwk::generate_with_rng(Curve::P256, &mut rng)
        .with_kid("did:example:alice#key-1")
        .to_public();
    failures.push((
        "wrong sender",
        Jwe::parse(kw.envelope.as_bytes())
            .unwrap()
            .decrypt(&kw.recipients[0], Some(&mallory))
            .unwrap_err(),
    ));
    let bob = &direct.recipients[0];
    let small = json!({"kty": "OKP", "crv": "X25519", "x": b64(&[0; 32])});
    failures.push((
        "small order",
        Jwe::parse(forge_es_kw(small, &[0; 32], bob.kid().unwrap(), false).as_bytes())
            .unwrap()
            .decrypt(bob, None)
            .unwrap_err(),
    ));
    let expected = Error::Crypto.to_string();
    for (what, e) in &failures {
        assert_eq!(*e, Error::Crypto, "{what}");
        assert_eq!(e.to_string(), expected, "{what}");
        assert_eq!(format!("{e:?}"), "Crypto", "{what}");
    }
    for word in ["tag", "padding", "unwrap", "key wrap", "zero"] {
        assert!(!expected.contains(word), "{expected}");
    }
}
