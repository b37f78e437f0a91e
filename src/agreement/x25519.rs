//! X25519 (RFC 7748) on curve25519-dalek, through the Edwards form of the curve where that is
//! faster.
//!
//! x25519-dalek computes X25519 with the Montgomery ladder, whose field arithmetic runs one
//! operation at a time. Curve25519 is birationally equivalent to the twisted Edwards curve
//! edwards25519, and curve25519-dalek multiplies Edwards points with its vectorised backend
//! (AVX2, picked at run time). So on a CPU with AVX2 an agreement maps the peer's u-coordinate
//! to an Edwards point (`MontgomeryPoint::to_edwards`), multiplies it by the clamped scalar
//! (`EdwardsPoint::mul_clamped`, constant time in the scalar) and maps the product back
//! (`EdwardsPoint::to_montgomery`). The vectorised multiplication saves more than the two
//! conversions cost; the timings are in `benches/README.md`.
//!
//! The result is the ladder's, octet for octet:
//!
//! - the u-coordinate of k·P and of k·(−P) is the same, so the sign chosen for the Edwards
//!   point does not matter;
//! - both read u the same way: the top bit is ignored and a value of p or more is taken modulo
//!   p;
//! - the clamped scalar is a multiple of the cofactor 8, so on both paths a small-order
//!   component of the point is removed and a point of small order goes to the identity, whose
//!   u-coordinate both give as 0, rejected as an all-zero secret;
//! - a u-coordinate of a point on the quadratic twist has no Edwards point (nor has u = −1);
//!   such a peer key, which no honest party sends, is multiplied with the ladder.
//!
//! Which path runs depends only on the peer's public key and the CPU, never on a secret.

use curve25519_dalek::EdwardsPoint;
use subtle::ConstantTimeEq;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::key::PeerForm;
#[cfg(test)]
use crate::key::{edwards_form, edwards_pays};

/// Appends X25519(`secret`, `public`) to `out` (an all-zero result is a cryptographic failure),
/// through `public`'s Edwards form where the CPU makes that pay; `form` is the cell `public`
/// keeps that form in.
pub(crate) fn agree(
    secret: &StaticSecret,
    public: &PublicKey,
    form: &PeerForm,
    out: &mut Vec<u8>,
) -> Result<()> {
    agree_with(secret, public, form.point(public), out)
}

/// Appends X25519(`secret`, `public`) to `out`, through `point`, the peer's Edwards form, or
/// with the ladder when there is none; an all-zero result (a small-order peer point) is a
/// cryptographic failure.
fn agree_with(
    secret: &StaticSecret,
    public: &PublicKey,
    point: Option<EdwardsPoint>,
    out: &mut Vec<u8>,
) -> Result<()> {
    let shared = match point {
        Some(point) => {
            let scalar = Zeroizing::new(secret.to_bytes());
            // The product is the shared point: wiped, like the octets taken from it.
            let product = Zeroizing::new(point.mul_clamped(*scalar));
            let u = Zeroizing::new(product.to_montgomery());
            Zeroizing::new(u.to_bytes())
        }
        None => Zeroizing::new(secret.diffie_hellman(public).to_bytes()),
    };
    if bool::from(shared.ct_eq(&[0u8; 32])) {
        return Err(Error::Crypto);
    }
    out.extend_from_slice(&shared[..]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Edwards path (where the point has an Edwards form) and the ladder, whatever the CPU.
    fn both(secret: &StaticSecret, u: [u8; 32]) -> (Result<Vec<u8>>, Result<Vec<u8>>) {
        let public = PublicKey::from(u);
        let run = |point| {
            let mut out = Vec::new();
            agree_with(secret, &public, point, &mut out).map(|()| out)
        };
        (run(edwards_form(&public)), run(None))
    }

    fn reference(secret: &StaticSecret, u: [u8; 32]) -> [u8; 32] {
        secret.diffie_hellman(&PublicKey::from(u)).to_bytes()
    }

    #[test]
    fn rfc7748_section_6_1() {
        let hex32 = |s: &str| -> [u8; 32] { hex::decode(s).unwrap().try_into().unwrap() };
        let alice = StaticSecret::from(hex32(
            "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
        ));
        let bob_public = hex32("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        let expected =
            hex::decode("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
                .unwrap();
        let (edwards, ladder) = both(&alice, bob_public);
        assert_eq!(edwards.unwrap(), expected);
        assert_eq!(ladder.unwrap(), expected);
    }

    #[test]
    fn edwards_path_equals_the_ladder_on_curve_and_twist_points() {
        let mut on_curve = 0;
        let mut twist = 0;
        for i in 0u32..400 {
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&i.to_le_bytes());
            let secret = StaticSecret::from(sha(&seed, b"k"));
            let u = sha(&seed, b"u");
            if curve25519_dalek::MontgomeryPoint(u).to_edwards(0).is_some() {
                on_curve += 1;
            } else {
                twist += 1;
            }
            let (edwards, ladder) = both(&secret, u);
            assert_eq!(edwards.unwrap(), reference(&secret, u));
            assert_eq!(ladder.unwrap(), reference(&secret, u));
        }
        // Random u-coordinates land on the curve and on its twist about equally often.
        assert!(on_curve > 100 && twist > 100, "{on_curve} / {twist}");
    }

    #[test]
    fn non_canonical_and_top_bit_u_read_as_the_ladder_reads_them() {
        let secret = StaticSecret::from(sha(b"edge", b"k"));
        let p_minus = |d: u8| {
            // p - d = 2^255 - 19 - d, little-endian
            let mut u = [0xffu8; 32];
            u[0] = 0xed - d;
            u[31] = 0x7f;
            u
        };
        let mut cases = vec![p_minus(1), p_minus(2), p_minus(0)];
        // p + 1 .. p + 18 (= 2^255 - 18 ..= 2^255 - 1) are read modulo p.
        for k in 1..=18u8 {
            let mut u = p_minus(0);
            u[0] += k;
            cases.push(u);
        }
        let base = curve25519_dalek::MontgomeryPoint::mul_base_clamped(sha(b"edge", b"b")).0;
        let mut high = base;
        high[31] |= 0x80;
        cases.extend([base, high, [9; 32]]);
        for u in cases {
            let (edwards, ladder) = both(&secret, u);
            match edwards {
                Ok(z) => assert_eq!(z, reference(&secret, u), "{u:02x?}"),
                Err(e) => {
                    assert_eq!(e, Error::Crypto);
                    assert_eq!(reference(&secret, u), [0; 32], "{u:02x?}");
                }
            }
            assert_eq!(
                ladder.as_ref().ok(),
                Some(&reference(&secret, u).to_vec()).filter(|z| z[..] != [0; 32])
            );
        }
    }

    #[test]
    fn small_order_points_give_the_crypto_error_on_both_paths() {
        let secret = StaticSecret::from(sha(b"small", b"k"));
        // u = 0, u = 1 and the two points of order 8 (RFC 7748 §7 and the Curve25519 paper).
        let mut points = vec![[0u8; 32], {
            let mut u = [0u8; 32];
            u[0] = 1;
            u
        }];
        for hex_u in [
            "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
            "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        ] {
            points.push(hex::decode(hex_u).unwrap().try_into().unwrap());
        }
        for u in points {
            let (edwards, ladder) = both(&secret, u);
            assert_eq!(edwards, Err(Error::Crypto), "{u:02x?}");
            assert_eq!(ladder, Err(Error::Crypto), "{u:02x?}");
        }
    }

    #[test]
    fn a_peer_form_is_computed_once_and_shared_by_clones() {
        use crate::agreement::agree_peer;
        use crate::key::{Curve, SecretKey};
        // Whether keys keep a form in this build and on this CPU.
        let used = !cfg!(feature = "aws-lc") && edwards_pays();
        let d = sha(b"form", b"k");
        let secret = SecretKey::from_bytes(Curve::X25519, &d).unwrap();
        let on_curve = curve25519_dalek::MontgomeryPoint::mul_base_clamped(sha(b"form", b"p")).0;
        let twist = (0u8..)
            .map(|i| sha(b"form", &[i]))
            .find(|u| {
                curve25519_dalek::MontgomeryPoint(*u)
                    .to_edwards(0)
                    .is_none()
            })
            .unwrap();
        for u in [on_curve, twist] {
            let expected = reference(&StaticSecret::from(d), u);
            let public = crate::key::PublicKey::X25519(PublicKey::from(u));
            let form = PeerForm::for_key(&public, false);
            assert_eq!(form.held(), used.then_some(None), "empty at first");
            // An agreement through a clone of the cell fills the shared cell.
            let clone = form.clone();
            let z = agree_peer(&secret, &public, &clone).unwrap();
            assert_eq!(z.as_bytes(), &expected[..]);
            if used {
                let point = form.held().unwrap().unwrap();
                assert_eq!(point.is_some(), u == on_curve);
            }
            // The filled cell gives the ladder's result again.
            let z = agree_peer(&secret, &public, &form).unwrap();
            assert_eq!(z.as_bytes(), &expected[..]);
        }
        // The public part of a key pair, rarely anyone's peer, keeps no form.
        let own = SecretKey::from_bytes(Curve::X25519, &d)
            .unwrap()
            .public_key();
        assert!(PeerForm::for_key(&own, true).held().is_none());
    }

    fn sha(seed: &[u8], label: &[u8]) -> [u8; 32] {
        use sha2::Digest;
        sha2::Sha256::new()
            .chain_update(label)
            .chain_update(seed)
            .finalize()
            .into()
    }
}
