//! Private keys in AWS-LC's form (the `aws-lc` feature).
//!
//! With the feature, every ECDH scalar multiplication — an ephemeral public key, Ze, Zs — runs
//! on AWS-LC's assembly-optimised curve code (through `aws-lc-rs`) instead of the curve crates.
//! Everything else is unchanged: keys are still read, validated and held by the curve crates
//! (a public point is on its curve before it gets here), and the KDF, key wrap and content
//! encryption stay on RustCrypto. The results are the same octets; the whole test suite runs
//! against both backends.
//!
//! A [`SecretKey`](crate::SecretKey) builds its AWS-LC form on first use and keeps it, so a
//! long-term key is converted once, not per message. AWS-LC clears a private key's memory
//! when it frees it; the key's own scalar still zeroizes on drop as without the feature.

use aws_lc_rs::agreement::{self, Algorithm, PrivateKey};

use crate::error::{Error, KeyProblem, Result};
use crate::key::{Curve, PublicKey};

/// A private key in AWS-LC's form.
pub(crate) struct NativeKey(pub(crate) PrivateKey);

pub(crate) fn algorithm(curve: Curve) -> &'static Algorithm {
    match curve {
        Curve::X25519 => &agreement::X25519,
        Curve::P256 => &agreement::ECDH_P256,
        Curve::P384 => &agreement::ECDH_P384,
        Curve::P521 => &agreement::ECDH_P521,
    }
}

impl NativeKey {
    /// The key whose scalar is `scalar` (big-endian, or X25519's raw octets).
    pub(crate) fn new(curve: Curve, scalar: &[u8]) -> Result<NativeKey> {
        PrivateKey::from_private_key(algorithm(curve), scalar)
            .map(NativeKey)
            .map_err(|_| Error::InvalidKey(KeyProblem::InvalidScalar))
    }

    /// The matching public key (`None` if AWS-LC cannot give it, in which case the caller
    /// computes it with the curve crate).
    pub(crate) fn public_key(&self, curve: Curve) -> Option<PublicKey> {
        let public = self.0.compute_public_key().ok()?;
        let octets = public.as_ref();
        // What `PublicKey::encoded` gives: X25519's u, or uncompressed SEC1 `0x04 ‖ x ‖ y`.
        let len = curve.coordinate_len();
        match (curve, octets.split_first()) {
            (Curve::X25519, _) => PublicKey::from_coordinates(curve, octets, None).ok(),
            (_, Some((4, xy))) if xy.len() == 2 * len => {
                let (x, y) = xy.split_at(len);
                PublicKey::from_coordinates(curve, x, Some(y)).ok()
            }
            _ => None,
        }
    }
}
