//! The Zs cache and the two-core paths give exactly the results of the plain paths.

mod common;

use authcrypt::didcomm::{KeySet, Packer, Unpacker};
use authcrypt::hazmat::content::{decrypt_in_place_with, encrypt_in_place_with};
use authcrypt::KeyWrap;
use authcrypt::Sender;
use authcrypt::{
    Alg, ContentKey, Curve, Decrypter, Enc, Encrypter, Error, Jwk, Parallelism, ZsCache,
};
use common::edit::{flip_first, Part};
use common::keys::key;

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
            let env = packer.pack(&common::msg(&format!("m{round}"))).unwrap();
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
    let env_a = Encrypter::new(
        Sender::Authenticated(&alice),
        Some(KeyWrap::A256Kw),
        Enc::A256CbcHs512,
    )
    .recipient(&bob_pub)
    .zs_cache(cache.clone())
    .encrypt(b"from alice")
    .unwrap();
    let env_m = Encrypter::new(
        Sender::Authenticated(&mallory),
        Some(KeyWrap::A256Kw),
        Enc::A256CbcHs512,
    )
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
fn zs_cache_of_a_decrypter_takes_no_entry_from_a_forged_message() {
    for curve in [Curve::X25519, Curve::P256] {
        let alice = key(curve, "did:example:alice#k", 1);
        let bob = key(curve, "did:example:bob#k", 2);
        // Another key under Alice's kid: what a forger would hold.
        let impostor = key(curve, "did:example:alice#k", 98).to_public();
        let alice_public = alice.to_public();
        for alg in [Alg::Ecdh1PuA256Kw, Alg::Ecdh1Pu] {
            let envelope = Encrypter::new(
                Sender::for_alg(alg, &alice),
                alg.key_wrap(),
                Enc::A256CbcHs512,
            )
            .recipient(&bob.to_public())
            .encrypt(b"from alice")
            .unwrap();
            let cache = ZsCache::new(8);
            let open = |text: &str, sender: &Jwk| {
                Decrypter::new()
                    .recipient_key(&bob)
                    .sender_key(sender)
                    .zs_cache(cache.clone())
                    .decrypt(text.as_bytes())
            };
            for (forged, sender) in [
                (flip_first(&envelope, Part::Tag), &alice_public),
                (flip_first(&envelope, Part::Ciphertext), &alice_public),
                (envelope.clone(), &impostor),
            ] {
                assert_eq!(open(&forged, sender).unwrap_err(), Error::Crypto);
                assert_eq!(
                    cache.len(),
                    0,
                    "{curve:?} {alg}: a forged message took an entry"
                );
            }
            assert_eq!(
                &open(&envelope, &alice_public).unwrap().plaintext[..],
                b"from alice"
            );
            assert_eq!(
                cache.len(),
                1,
                "{curve:?} {alg}: the real message took its entry"
            );
            // The held Zs opens the message again, and still no forgery.
            assert!(open(&envelope, &alice_public).is_ok());
            assert_eq!(
                open(&flip_first(&envelope, Part::Ciphertext), &alice_public).unwrap_err(),
                Error::Crypto
            );
            assert_eq!(cache.len(), 1);
        }
    }
}

#[test]
fn zs_cache_of_an_unpacker_takes_no_entry_from_a_forged_envelope() {
    let alice = key(Curve::X25519, "did:example:alice#k", 1);
    let bob = key(Curve::X25519, "did:example:bob#k", 2);
    let envelope = Packer::authcrypt(&alice)
        .to(&bob)
        .pack(&common::msg("from alice"))
        .unwrap();
    let mut keys = KeySet::new();
    keys.insert(bob.clone()).unwrap();
    keys.insert(alice.to_public()).unwrap();
    let mut forged_keys = KeySet::new();
    forged_keys.insert(bob.clone()).unwrap();
    forged_keys
        .insert(key(Curve::X25519, "did:example:alice#k", 98).to_public())
        .unwrap();
    let cache = ZsCache::new(8);
    for (forged, keys) in [
        (flip_first(&envelope, Part::Tag), &keys),
        (flip_first(&envelope, Part::Ciphertext), &keys),
        (envelope.clone(), &forged_keys),
    ] {
        let e = Unpacker::new(keys)
            .zs_cache(cache.clone())
            .unpack(forged.as_bytes())
            .unwrap_err();
        assert_eq!(e, Error::Crypto);
        assert_eq!(cache.len(), 0, "a forged envelope took an entry");
    }
    let out = Unpacker::new(&keys)
        .zs_cache(cache.clone())
        .unpack(envelope.as_bytes())
        .unwrap();
    assert_eq!(&out.plaintext[..], &common::msg("from alice")[..]);
    assert_eq!(cache.len(), 1, "the real envelope took its entry");
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
                .pack(&common::msg("to ten"))
                .unwrap();
            for r in &recipients {
                let mut keys = KeySet::new();
                keys.insert(r.clone()).unwrap();
                keys.insert(alice.to_public()).unwrap();
                let out = Unpacker::new(&keys)
                    .parallelism(p)
                    .unpack(env.as_bytes())
                    .unwrap();
                assert_eq!(&out.plaintext[..], &common::msg("to ten")[..]);
                assert_eq!(out.recipient_kid(), r.kid().unwrap());
            }
        }
    }
}

/// Encrypts with fixed randomness under `parallelism`.
fn sealed(
    alg: Alg,
    sender: Option<&Jwk>,
    recipients: &[Jwk],
    message: &[u8],
    cache: Option<&ZsCache>,
    parallelism: Parallelism,
) -> Result<String, Error> {
    let curve = recipients[0].curve();
    let ephemeral = authcrypt::SecretKey::generate_with_rng(curve, &mut common::rng(7));
    let cek = ContentKey::generate_with_rng(Enc::A256CbcHs512, &mut common::rng(8));
    let sender = sender.map_or(Sender::Anonymous, Sender::Authenticated);
    assert_eq!(Alg::of(sender.key().is_some(), alg.key_wrap()), alg);
    let mut e = Encrypter::new(sender, alg.key_wrap(), Enc::A256CbcHs512)
        .recipients(recipients)
        .apv(b"bound".to_vec())
        .parallelism(parallelism);
    if let Some(c) = cache {
        e = e.zs_cache(c.clone());
    }
    e.encrypt_with_fixed(
        message,
        authcrypt::jwe::FixedRandomness {
            ephemeral: &ephemeral,
            cek: Some(&cek),
            iv: &[3u8; 16],
        },
    )
}

#[test]
fn two_core_encryption_matches_one_core_byte_for_byte() {
    // Sizes below and above the point where the key agreements run beside the content, and
    // one where the content takes both cores itself.
    let sizes = [10, 20 * 1024, 300 * 1024];
    for curve in [Curve::X25519, Curve::P256] {
        let alice = key(curve, "did:example:alice#k", 1);
        let all: Vec<Jwk> = (0..4)
            .map(|i| key(curve, &format!("did:example:r{i}#k"), 200 + i))
            .collect();
        for n in [1, 4] {
            let recipients = &all[..n];
            for (alg, sender) in [
                (Alg::Ecdh1PuA256Kw, Some(&alice)),
                (Alg::EcdhEsA256Kw, None),
            ] {
                for size in sizes {
                    let message = vec![0x5a; size];
                    let cache = ZsCache::new(16);
                    let one = sealed(alg, sender, recipients, &message, None, Parallelism::Off);
                    let one = one.unwrap();
                    for c in [None, Some(&cache), Some(&cache)] {
                        let two = sealed(alg, sender, recipients, &message, c, Parallelism::Auto)
                            .unwrap();
                        assert_eq!(one, two, "{curve:?} {alg:?} {n} recipients, {size} octets");
                    }
                    if n > 1 && sender.is_some() {
                        // A cache that holds the Zs of some recipients and not of the others.
                        let partial = ZsCache::new(16);
                        let first = &recipients[..1];
                        sealed(
                            alg,
                            sender,
                            first,
                            &message,
                            Some(&partial),
                            Parallelism::Off,
                        )
                        .unwrap();
                        let two = sealed(
                            alg,
                            sender,
                            recipients,
                            &message,
                            Some(&partial),
                            Parallelism::Auto,
                        )
                        .unwrap();
                        assert_eq!(one, two, "{curve:?} {n} recipients, {size} octets, partial");
                    }
                    // And it opens, on two cores, for the last recipient.
                    let last = &recipients[n - 1];
                    let out = Decrypter::new()
                        .recipient_key(last)
                        .sender_keys(sender.map(Jwk::to_public).as_ref())
                        .parallelism(Parallelism::Auto)
                        .decrypt(one.as_bytes())
                        .unwrap();
                    assert_eq!(&out.plaintext[..], &message[..]);
                }
            }
        }
    }
}

#[test]
fn two_core_encryption_reports_the_one_core_error() {
    // A small-order X25519 recipient key in any position: the same error either way.
    let alice = key(Curve::X25519, "did:example:alice#k", 1);
    let small = Jwk::from_public(
        authcrypt::PublicKey::from_coordinates(Curve::X25519, &[0u8; 32], None).unwrap(),
        Some("did:example:small#k".into()),
    );
    let good: Vec<Jwk> = (0..3)
        .map(|i| key(Curve::X25519, &format!("did:example:r{i}#k"), 300 + i).to_public())
        .collect();
    for position in 0..=good.len() {
        let mut recipients = good.clone();
        recipients.insert(position, small.clone());
        for (alg, sender) in [
            (Alg::Ecdh1PuA256Kw, Some(&alice)),
            (Alg::EcdhEsA256Kw, None),
        ] {
            for size in [10, 20 * 1024] {
                let message = vec![1u8; size];
                let one = sealed(alg, sender, &recipients, &message, None, Parallelism::Off);
                let two = sealed(alg, sender, &recipients, &message, None, Parallelism::Auto);
                assert_eq!(one, two);
                assert!(matches!(one, Err(Error::InvalidKey(_))), "{one:?}");
            }
        }
    }
}

#[test]
fn two_core_decryption_matches_one_core() {
    // Ze and Zs on two cores (small messages), and every failure the same as on one core.
    for curve in [Curve::X25519, Curve::P256, Curve::P384] {
        let alice = key(curve, "did:example:alice#k", 1);
        let bob = key(curve, "did:example:bob#k", 2);
        for size in [10, 16 * 1024, 40 * 1024] {
            let message = vec![7u8; size];
            let env = Packer::authcrypt(&alice).to(&bob).pack(&message).unwrap();
            let mut keys = KeySet::new();
            keys.insert(bob.clone()).unwrap();
            keys.insert(alice.to_public()).unwrap();
            // Opaque content: the message checks are not what is compared here.
            let unpack = |text: &[u8], p| {
                Unpacker::new(&keys)
                    .parallelism(p)
                    .message_checks(false)
                    .unpack(text)
            };
            let one = unpack(env.as_bytes(), Parallelism::Off).unwrap();
            let two = unpack(env.as_bytes(), Parallelism::Auto).unwrap();
            assert_eq!(&one.plaintext[..], &two.plaintext[..]);
            assert_eq!(one.layers, two.layers);
            // A changed tag and a changed sender both fail as one opaque error.
            let tag_at = env.find("\"tag\":\"").unwrap() + 7;
            let mut bad = env.clone().into_bytes();
            bad[tag_at] = if bad[tag_at] == b'A' { b'B' } else { b'A' };
            let mallory = key(curve, "did:example:alice#k", 99);
            let mut wrong = KeySet::new();
            wrong.insert(bob.clone()).unwrap();
            wrong.insert(mallory.to_public()).unwrap();
            for p in [Parallelism::Off, Parallelism::Auto] {
                assert_eq!(unpack(&bad, p).unwrap_err(), Error::Crypto);
                let r = Unpacker::new(&wrong).parallelism(p).unpack(env.as_bytes());
                assert_eq!(r.unwrap_err(), Error::Crypto);
            }
        }
    }
}
