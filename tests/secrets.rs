//! Secret hygiene: what holds a private key, Z, a KEK or a CEK zeroizes on drop and never
//! prints; CBC-HMAC releases nothing and reads no padding before the tag verifies.

mod common;

use aes::cipher::{BlockEncryptMut, KeyIvInit};
use authcrypt::didcomm::{KeySet, Packer, Unpacker};
use authcrypt::hazmat::agreement::{diffie_hellman, SharedSecret};
use authcrypt::hazmat::content::{decrypt_in_place_with, ContentKey};
use authcrypt::hazmat::kdf::{derive, FixedInfo};
use authcrypt::{Curve, Decrypter, Enc, Error, Jwk, Parallelism, Plaintext, SecretKey, ZsCache};
use base64ct::{Base64UrlUnpadded as B64, Encoding};
use hmac::Mac;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

fn zeroizes_on_drop<T: ZeroizeOnDrop>() {}

#[test]
fn every_secret_holding_type_zeroizes_on_drop() {
    zeroizes_on_drop::<SecretKey>(); // private keys
    zeroizes_on_drop::<Jwk>(); // private JWKs
    zeroizes_on_drop::<SharedSecret>(); // Z, Ze || Zs
    zeroizes_on_drop::<ContentKey>(); // CEK
    zeroizes_on_drop::<Zeroizing<Vec<u8>>>(); // KEK (kdf::derive), unwrapped CEK
    zeroizes_on_drop::<Plaintext>(); // decrypted content
    zeroizes_on_drop::<authcrypt::jws::SigningKey>(); // signature private keys, made of:
    zeroizes_on_drop::<ed25519_dalek::SigningKey>();
    zeroizes_on_drop::<p256::ecdsa::SigningKey>();
    zeroizes_on_drop::<p384::ecdsa::SigningKey>();
    zeroizes_on_drop::<k256::ecdsa::SigningKey>();
    let z = diffie_hellman(
        Jwk::generate(Curve::X25519).secret_key().unwrap(),
        Jwk::generate(Curve::X25519).public_key(),
    )
    .unwrap();
    let info = FixedInfo {
        algorithm_id: "ECDH-ES+A256KW",
        apu: b"",
        apv: b"",
        key_bits: 256,
        cctag: None,
    };
    let _kek: Zeroizing<Vec<u8>> = derive(&z, &info).unwrap();
}

#[test]
fn plaintext_is_wiped_and_never_printed() {
    let k = Jwk::generate(Curve::X25519).with_kid("did:example:b#1");
    let mut ks = KeySet::new();
    ks.insert(k.clone()).unwrap();
    let message = common::msg("attack at dawn");
    let env = Packer::anoncrypt().to(&k).pack(&message).unwrap();
    let mut opened = Unpacker::new(&ks).unpack(env.as_bytes()).unwrap();
    assert_eq!(opened.plaintext.as_bytes(), &message[..]);
    let printed = format!("{opened:?}");
    assert!(!printed.contains("attack"), "{printed}");
    assert!(
        printed.contains(&format!("{} octets", message.len())),
        "{printed}"
    );
    opened.plaintext.zeroize();
    assert!(opened.plaintext.is_empty());
    // Moving the octets out keeps them in a zeroizing buffer.
    let opened = Unpacker::new(&ks).unpack(env.as_bytes()).unwrap();
    let moved: Zeroizing<Vec<u8>> = opened.plaintext.into_zeroizing();
    assert_eq!(&moved[..], &message[..]);
}

#[test]
fn debug_output_never_contains_secrets() {
    for curve in Curve::ALL {
        let k = Jwk::generate(curve).with_kid("did:example:a#1");
        let secret = k.secret_key().unwrap();
        let d = B64::encode_string(&secret.to_bytes());
        let z = diffie_hellman(secret, Jwk::generate(curve).public_key()).unwrap();
        let z_hex = hex::encode(z.as_bytes());
        let z_b64 = B64::encode_string(z.as_bytes());
        let cek = ContentKey::generate_with_rng(Enc::A256CbcHs512, &mut common::rng(1));
        let cek_hex = hex::encode(cek.as_bytes());
        let mut ks = KeySet::new();
        ks.insert(k.clone()).unwrap();
        let cache = ZsCache::new(4);
        let peer = Jwk::generate(curve).with_kid("did:example:b#1");
        let env = Packer::authcrypt(&k)
            .to(&peer)
            .zs_cache(cache.clone())
            .pack(&common::msg("x"))
            .unwrap();
        let mut peer_keys = KeySet::new();
        peer_keys.insert(peer.clone()).unwrap();
        peer_keys.insert(k.to_public()).unwrap();
        let opened = Unpacker::new(&peer_keys).unpack(env.as_bytes()).unwrap();
        let printed = format!(
            "{k:?} {secret:?} {z:?} {cek:?} {ks:?} {cache:?} {:?} {:?} {:?}",
            Packer::authcrypt(&k),
            Decrypter::new().recipient_key(&k),
            Unpacker::new(&ks),
        );
        for needle in [&d, &z_hex, &z_b64, &cek_hex] {
            assert!(
                !printed.contains(needle.as_str()),
                "{curve}: secret in {printed}"
            );
        }
        assert!(printed.contains("redacted"));
        assert_eq!(&opened.plaintext[..], &common::msg("x")[..]);
    }
}

/// A CBC-HMAC ciphertext with a tag that verifies but plaintext whose last block is not valid
/// PKCS#7 padding, and the same ciphertext under a wrong tag.
fn crafted(enc: Enc) -> (ContentKey, [u8; 16], Vec<u8>, Vec<u8>) {
    let key: Vec<u8> = (0..enc.key_len() as u8).collect();
    let half = enc.key_len() / 2;
    let iv = [3u8; 16];
    let mut data = vec![0x5Au8; 64];
    macro_rules! cbc {
        ($aes:ty) => {{
            let mut c = cbc::Encryptor::<$aes>::new_from_slices(&key[half..], &iv).unwrap();
            for block in data.chunks_mut(16) {
                c.encrypt_block_mut(block.into());
            }
        }};
    }
    macro_rules! mac {
        ($sha:ty) => {{
            let mut m = <hmac::Hmac<$sha> as Mac>::new_from_slice(&key[..half]).unwrap();
            m.update(b"aad");
            m.update(&iv);
            m.update(&data);
            m.update(&24u64.to_be_bytes());
            m.finalize().into_bytes()[..enc.tag_len()].to_vec()
        }};
    }
    let tag = match enc {
        Enc::A128CbcHs256 => {
            cbc!(aes::Aes128);
            mac!(sha2::Sha256)
        }
        Enc::A192CbcHs384 => {
            cbc!(aes::Aes192);
            mac!(sha2::Sha384)
        }
        _ => {
            cbc!(aes::Aes256);
            mac!(sha2::Sha512)
        }
    };
    (ContentKey::from_bytes(enc, &key).unwrap(), iv, data, tag)
}

#[test]
fn cbc_hmac_checks_the_tag_before_padding_and_releases_nothing_on_failure() {
    for enc in [Enc::A128CbcHs256, Enc::A192CbcHs384, Enc::A256CbcHs512] {
        let (cek, iv, data, tag) = crafted(enc);
        let mut wrong_tag = tag.clone();
        wrong_tag[0] ^= 0x80;
        for p in [Parallelism::Off, Parallelism::Auto] {
            // Valid tag, invalid padding: the generic error, nothing released.
            let mut buf = data.clone();
            let bad_padding = decrypt_in_place_with(enc, &cek, &iv, b"aad", &mut buf, &tag, p);
            assert_eq!(bad_padding, Err(Error::Crypto), "{enc}");
            assert!(buf.is_empty());
            // Wrong tag: the same error, and the ciphertext is never decrypted (its bytes are
            // left neither decrypted nor returned).
            let mut buf = data.clone();
            let bad_tag = decrypt_in_place_with(enc, &cek, &iv, b"aad", &mut buf, &wrong_tag, p);
            assert_eq!(bad_tag, bad_padding);
            assert!(buf.is_empty());
            assert_eq!(
                bad_tag.unwrap_err().to_string(),
                Error::Crypto.to_string(),
                "one indistinguishable message"
            );
        }
    }
}
