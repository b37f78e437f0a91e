//! The key-agreement backend (`authcrypt::BACKEND`: the curve crates, with X25519 through the
//! Edwards form of curve25519-dalek on CPUs with AVX2, or AWS-LC with the `aws-lc` feature)
//! gives the octets the curve crates give: public keys and shared secrets on
//! every curve, for random keys and for the edge cases of X25519 inputs. The rest of the suite
//! runs on whichever backend the build has; CI runs it with and without the feature.

mod common;

use authcrypt::hazmat::agreement::diffie_hellman;
use authcrypt::{Curve, Error, PublicKey, SecretKey};

/// Z and the public key straight from the curve crates, for a private scalar `d`.
fn reference(curve: Curve, d: &[u8], peer: &PublicKey) -> (Vec<u8>, Vec<u8>) {
    match (curve, peer) {
        (Curve::X25519, PublicKey::X25519(p)) => {
            let s = x25519_dalek::StaticSecret::from(<[u8; 32]>::try_from(d).unwrap());
            let public = x25519_dalek::PublicKey::from(&s).as_bytes().to_vec();
            (s.diffie_hellman(p).as_bytes().to_vec(), public)
        }
        (Curve::P256, PublicKey::P256(p)) => {
            use p256::elliptic_curve::sec1::ToEncodedPoint;
            let s = p256::SecretKey::from_slice(d).unwrap();
            let z = p256::ecdh::diffie_hellman(s.to_nonzero_scalar(), p.as_affine());
            let public = s.public_key().to_encoded_point(false).as_bytes().to_vec();
            (z.raw_secret_bytes().to_vec(), public)
        }
        (Curve::P384, PublicKey::P384(p)) => {
            use p384::elliptic_curve::sec1::ToEncodedPoint;
            let s = p384::SecretKey::from_slice(d).unwrap();
            let z = p384::ecdh::diffie_hellman(s.to_nonzero_scalar(), p.as_affine());
            let public = s.public_key().to_encoded_point(false).as_bytes().to_vec();
            (z.raw_secret_bytes().to_vec(), public)
        }
        (Curve::P521, PublicKey::P521(p)) => {
            use p521::elliptic_curve::sec1::ToEncodedPoint;
            let s = p521::SecretKey::from_slice(d).unwrap();
            let z = p521::ecdh::diffie_hellman(s.to_nonzero_scalar(), p.as_affine());
            let public = s.public_key().to_encoded_point(false).as_bytes().to_vec();
            (z.raw_secret_bytes().to_vec(), public)
        }
        _ => unreachable!("one curve per case"),
    }
}

/// A public key as the curve crates encode it (X25519 raw, NIST uncompressed SEC1).
fn encoded(key: &PublicKey) -> Vec<u8> {
    match key.y() {
        None => key.x(),
        Some(y) => [&[4u8][..], &key.x(), &y].concat(),
    }
}

#[test]
fn backend_matches_the_curve_crates_on_random_keys() {
    let mut rng = common::rng(0xbac0);
    for curve in Curve::ALL {
        for _ in 0..12 {
            let ours = SecretKey::generate_with_rng(curve, &mut rng);
            let peer = SecretKey::generate_with_rng(curve, &mut rng).public_key();
            let (z, public) = reference(curve, &ours.to_bytes(), &peer);
            assert_eq!(encoded(&ours.public_key()), public, "{curve} public key");
            let agreed = diffie_hellman(&ours, &peer).unwrap();
            assert_eq!(
                agreed.as_bytes(),
                &z[..],
                "{curve} Z on {}",
                authcrypt::BACKEND
            );
            // Again, now that the key may hold its backend form.
            let again = diffie_hellman(&ours, &peer).unwrap();
            assert_eq!(again.as_bytes(), &z[..], "{curve} Z, second use");
            // A clone agrees the same.
            let clone = ours.clone();
            assert_eq!(diffie_hellman(&clone, &peer).unwrap().as_bytes(), &z[..]);
        }
    }
}

#[test]
fn backend_reads_x25519_u_coordinates_as_rfc_7748_says() {
    // The top bit of u is ignored and non-canonical values (u ≥ p) are reduced, as in the
    // curve crate; small-order points give an all-zero Z, which is a cryptographic failure.
    let mut rng = common::rng(0x7748);
    let ours = SecretKey::generate_with_rng(Curve::X25519, &mut rng);
    let d = ours.to_bytes();
    let mut inputs: Vec<[u8; 32]> = Vec::new();
    let mut p = [0xffu8; 32];
    p[0] = 0xed;
    p[31] = 0x7f; // p = 2^255 - 19
    let mut p_plus_9 = p;
    p_plus_9[0] = 0xed + 9;
    let mut high_bit = [0u8; 32];
    high_bit[0] = 9;
    high_bit[31] = 0x80;
    inputs.extend([p_plus_9, high_bit]);
    // Random u-coordinates: about half are points of the quadratic twist, which have no
    // Edwards form and are multiplied on the Montgomery ladder.
    for _ in 0..64 {
        let mut u = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rng, &mut u);
        inputs.push(u);
    }
    for u in inputs {
        let peer = PublicKey::from_coordinates(Curve::X25519, &u, None).unwrap();
        let (z, _) = reference(Curve::X25519, &d, &peer);
        assert_eq!(diffie_hellman(&ours, &peer).unwrap().as_bytes(), &z[..]);
    }
    let mut one = [0u8; 32];
    one[0] = 1;
    for u in [[0u8; 32], one, p] {
        let peer = PublicKey::from_coordinates(Curve::X25519, &u, None).unwrap();
        assert!(matches!(diffie_hellman(&ours, &peer), Err(Error::Crypto)));
    }
}

#[test]
fn backend_refuses_a_peer_key_on_another_curve() {
    let mut rng = common::rng(0xc0c0);
    let ours = SecretKey::generate_with_rng(Curve::P256, &mut rng);
    let peer = SecretKey::generate_with_rng(Curve::P384, &mut rng).public_key();
    assert!(matches!(
        diffie_hellman(&ours, &peer),
        Err(Error::CurveMismatch { .. })
    ));
}

#[test]
fn backend_is_named() {
    let expected = if cfg!(feature = "aws-lc") {
        "aws-lc"
    } else {
        "rustcrypto"
    };
    assert_eq!(authcrypt::BACKEND, expected);
}
