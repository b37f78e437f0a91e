//! ECDH on AWS-LC (the `aws-lc` feature): the scalar multiplication of an agreement runs on
//! AWS-LC's assembly-optimised curve code, on a key already validated by the curve crates.

use aws_lc_rs::agreement::{self, UnparsedPublicKey};

use crate::error::{Error, Result};
use crate::key::native::{algorithm, NativeKey};
use crate::key::{Curve, PublicKey};

/// Appends Z = ECDH(this key, `public`) to `out`. An all-zero X25519 result (a small-order
/// peer point) is [`Error::Crypto`], as it is without the feature.
pub(crate) fn agree(key: &NativeKey, public: &PublicKey, out: &mut Vec<u8>) -> Result<()> {
    let curve = public.curve();
    let peer = UnparsedPublicKey::new(algorithm(curve), public.encoded());
    agreement::agree(&key.0, peer, Error::Crypto, |z| {
        // AWS-LC refuses an all-zero X25519 output itself; the check is kept so that the
        // rule does not depend on it.
        if curve == Curve::X25519 && z.iter().fold(0u8, |acc, b| acc | b) == 0 {
            return Err(Error::Crypto);
        }
        out.extend_from_slice(z);
        Ok(())
    })
}
