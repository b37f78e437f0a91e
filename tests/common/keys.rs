//! Deterministic test keys.

use authcrypt::{Curve, Jwk};

/// A key pair on `curve` with key id `kid`, generated from `seed`.
pub fn key(curve: Curve, kid: &str, seed: u64) -> Jwk {
    Jwk::generate_with_rng(curve, &mut super::rng(seed)).with_kid(kid)
}
