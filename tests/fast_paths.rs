//! The Zs cache and the two-core paths give exactly the results of the plain paths.

mod common;

use authcrypt::content::{decrypt_in_place_with, encrypt_in_place_with};
use authcrypt::didcomm::{KeySet, Packer, Unpacker};
use authcrypt::{
    Alg, ContentKey, Curve, Decrypter, Enc, Encrypter, Error, Jwk, Parallelism, ZsCache,
};

fn key(curve: Curve, kid: &str, seed: u64) -> Jwk {
    Jwk::generate_with_rng(curve, &mut common::rng(seed)).with_kid(kid)
}

#[test]
fn pipelined_cbc_hmac_matches_the_sequential_result_byte_for_byte() {
    for enc in [Enc::A128CbcHs256, Enc::A192CbcHs384, Enc::A256CbcHs512] {
        let cek = ContentKey::generate_with_rng(enc, &mut common::rng(1));
        let iv = [9u8; 16];
        for len in [64 * 1024, 128 * 1024 + 5, 300_001, 600_000, 1 << 20] {
            let plaintext: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let mut seq = plaintext.clone();
            let t1 =
                encrypt_in_place_with(enc, &cek, &iv, b"aad", &mut seq, Parallelism::Off).unwrap();
            let mut par = plaintext.clone();
            let t2 =
                encrypt_in_place_with(enc, &cek, &iv, b"aad", &mut par, Parallelism::Auto).unwrap();
            assert_eq!(seq, par, "{enc} {len}");
            assert_eq!(t1, t2);
            let mut back = par.clone();
            decrypt_in_place_with(enc, &cek, &iv, b"aad", &mut back, &t1, Parallelism::Auto)
                .unwrap();
            assert_eq!(back, plaintext);
            // A bad tag releases nothing.
            let mut bad = par.clone();
            let mut wrong = t1.clone();
            wrong[0] ^= 1;
            let e =
                decrypt_in_place_with(enc, &cek, &iv, b"aad", &mut bad, &wrong, Parallelism::Auto);
            assert_eq!(e, Err(Error::Crypto));
            assert!(bad.is_empty());
        }
    }
}

#[test]
fn pipelined_decrypt_reports_bad_padding_behind_a_valid_tag_as_the_generic_error() {
    use hmac::{Hmac, Mac};
    // Encrypt blocks without padding by hand (AES-256-CBC), MAC them: the tag verifies but the
    // last block does not end in valid PKCS#7 padding.
    use aes::cipher::{BlockEncryptMut, KeyIvInit};
    let enc = Enc::A256CbcHs512;
    let key = [5u8; 64];
    let iv = [1u8; 16];
    let mut data = vec![0xAAu8; 600 * 1024];
    let mut c = cbc::Encryptor::<aes::Aes256>::new_from_slices(&key[32..], &iv).unwrap();
    for block in data.chunks_mut(16) {
        c.encrypt_block_mut(block.into());
    }
    let mut mac = <Hmac<sha2::Sha512> as Mac>::new_from_slice(&key[..32]).unwrap();
    mac.update(b"a");
    mac.update(&iv);
    mac.update(&data);
    mac.update(&8u64.to_be_bytes());
    let tag = mac.finalize().into_bytes()[..32].to_vec();
    let cek = ContentKey::from_bytes(enc, &key).unwrap();
    for p in [Parallelism::Off, Parallelism::Auto] {
        let mut buf = data.clone();
        assert_eq!(
            decrypt_in_place_with(enc, &cek, &iv, b"a", &mut buf, &tag, p),
            Err(Error::Crypto)
        );
        assert!(buf.is_empty(), "nothing released");
    }
}

#[test]
fn zs_cache_gives_the_same_messages_and_stays_bounded() {
    for curve in [Curve::X25519, Curve::P256, Curve::P384, Curve::P521] {
        let alice = key(curve, "did:example:alice#k", 1);
        let recipients: Vec<Jwk> = (0..3)
            .map(|i| key(curve, &format!("did:example:r{i}#k"), 10 + i))
            .collect();
        let cache = ZsCache::new(2);
        let packer = Packer::authcrypt(&alice)
            .to_all(&recipients)
            .zs_cache(cache.clone());
        for round in 0..3 {
            let env = packer.pack(format!("m{round}").as_bytes()).unwrap();
            assert!(cache.len() <= 2, "bounded");
            for r in &recipients {
                // Uncached and cached receivers agree.
                let mut keys = KeySet::new();
                keys.insert(r.clone()).unwrap();
                keys.insert(alice.to_public()).unwrap();
                let plain = Unpacker::new(&keys).unpack(env.as_bytes()).unwrap();
                let rcache = ZsCache::new(8);
                let cached = Unpacker::new(&keys)
                    .zs_cache(rcache.clone())
                    .unpack(env.as_bytes())
                    .unwrap();
                assert_eq!(plain.plaintext, cached.plaintext);
                assert_eq!(rcache.len(), 1);
            }
        }
        cache.clear();
        assert!(cache.is_empty());
    }
}

#[test]
fn zs_cache_never_serves_a_secret_for_another_key_pair() {
    let cache = ZsCache::new(16);
    let alice = key(Curve::X25519, "did:example:alice#k", 1);
    let mallory = key(Curve::X25519, "did:example:mallory#k", 2);
    let bob = key(Curve::X25519, "did:example:bob#k", 3);
    let bob_pub = bob.to_public();
    let env_a = Encrypter::new(Alg::Ecdh1PuA256Kw, Enc::A256CbcHs512)
        .sender(&alice)
        .recipient(&bob_pub)
        .zs_cache(cache.clone())
        .encrypt(b"from alice")
        .unwrap();
    let env_m = Encrypter::new(Alg::Ecdh1PuA256Kw, Enc::A256CbcHs512)
        .sender(&mallory)
        .recipient(&bob_pub)
        .zs_cache(cache.clone())
        .encrypt(b"from mallory")
        .unwrap();
    assert_eq!(cache.len(), 2);
    let rc = ZsCache::new(16);
    let alice_pub = alice.to_public();
    let mallory_pub = mallory.to_public();
    let open = |env: &str, sender: &Jwk| {
        Decrypter::new()
            .recipient_key(&bob)
            .sender_key(sender)
            .zs_cache(rc.clone())
            .decrypt(env.as_bytes())
    };
    assert_eq!(
        &open(&env_a, &alice_pub).unwrap().plaintext[..],
        b"from alice"
    );
    assert_eq!(open(&env_a, &mallory_pub).unwrap_err(), Error::Crypto);
    assert_eq!(
        &open(&env_m, &mallory_pub).unwrap().plaintext[..],
        b"from mallory"
    );
    assert_eq!(open(&env_m, &alice_pub).unwrap_err(), Error::Crypto);
    assert!(!format!("{cache:?}").is_empty());
}

#[test]
fn parallel_recipients_give_decryptable_envelopes_for_everyone() {
    for curve in [Curve::X25519, Curve::P256] {
        let alice = key(curve, "did:example:alice#k", 1);
        let recipients: Vec<Jwk> = (0..10)
            .map(|i| key(curve, &format!("did:example:r{i}#k"), 100 + i))
            .collect();
        for p in [Parallelism::Off, Parallelism::Auto] {
            let env = Packer::authcrypt(&alice)
                .to_all(&recipients)
                .parallelism(p)
                .pack(b"to ten")
                .unwrap();
            for r in &recipients {
                let mut keys = KeySet::new();
                keys.insert(r.clone()).unwrap();
                keys.insert(alice.to_public()).unwrap();
                let out = Unpacker::new(&keys)
                    .parallelism(p)
                    .unpack(env.as_bytes())
                    .unwrap();
                assert_eq!(&out.plaintext[..], b"to ten");
                assert_eq!(out.recipient_kid(), r.kid().unwrap());
            }
        }
    }
}
