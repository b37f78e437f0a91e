//! Elliptic-curve Diffie–Hellman on validated keys.
//!
//! Z is the raw X25519 output (RFC 7748) or the fixed-length big-endian x-coordinate of the
//! shared NIST point, leading zeros kept (RFC 7518 §4.6.2). An all-zero X25519 output — the
//! signature of a small-order peer point — is rejected in constant time as a cryptographic
//! failure.
//!
//! The scalar multiplication runs on curve25519-dalek (X25519, through the Edwards form where
//! the CPU has AVX2: see the `x25519` module) and the RustCrypto curve crates, or on AWS-LC
//! with the `aws-lc` feature (see [`BACKEND`](crate::BACKEND)).

use std::fmt;

use zeroize::Zeroizing;

use crate::error::{Error, KeyRole, Result};
use crate::key::{PeerForm, PublicKey, Scalar, SecretKey};

#[cfg(feature = "aws-lc")]
mod aws_lc;
mod x25519;

/// A shared secret Z (for ECDH-1PU, Ze ‖ Zs). Zeroizes on drop; `Debug` shows only its length.
#[derive(Clone, Default)]
pub struct SharedSecret(Zeroizing<Vec<u8>>);

impl zeroize::ZeroizeOnDrop for SharedSecret {}

impl SharedSecret {
    /// An empty secret with room for `capacity` octets.
    pub(crate) fn with_capacity(capacity: usize) -> SharedSecret {
        SharedSecret(Zeroizing::new(Vec::with_capacity(capacity)))
    }

    /// The octets of Z.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The room the buffer has, to check that it never grows.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.0.capacity()
    }

    /// Appends octets of another secret.
    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        self.0.extend_from_slice(bytes);
    }

    /// Makes room for `additional` more octets. Every buffer of Z is made with its final
    /// capacity (checked in debug builds), because `Vec`'s own growth would free the old
    /// allocation with the secret still in it; should one be short all the same, the octets move
    /// into a buffer of the exact size and the old one is wiped as it drops.
    fn reserve(&mut self, additional: usize) {
        let needed = self.0.len() + additional;
        debug_assert!(
            needed <= self.0.capacity(),
            "a shared secret made with room for {} octets grows to {needed}",
            self.0.capacity()
        );
        if needed > self.0.capacity() {
            let mut larger = Zeroizing::new(Vec::with_capacity(needed));
            larger.extend_from_slice(&self.0);
            self.0 = larger;
        }
    }

    /// Appends ECDH(`secret`, `public`) to this secret.
    pub(crate) fn append(&mut self, secret: &SecretKey, public: &PublicKey) -> Result<()> {
        self.append_with(secret, public, &PeerForm::default())
    }

    /// Appends ECDH(`secret`, `peer`) to this secret; an X25519 peer key keeps its Edwards form
    /// in `form` for the next agreement (see the `x25519` module).
    pub(crate) fn append_peer(
        &mut self,
        secret: &SecretKey,
        peer: &PublicKey,
        form: &PeerForm,
    ) -> Result<()> {
        self.append_with(secret, peer, form)
    }

    /// Appends ECDH(`secret`, `public`), with `form` the cell for `public`'s Edwards form.
    fn append_with(
        &mut self,
        secret: &SecretKey,
        public: &PublicKey,
        form: &PeerForm,
    ) -> Result<()> {
        self.reserve(secret.curve().coordinate_len());
        #[cfg(feature = "aws-lc")]
        if secret.curve() == public.curve() {
            return aws_lc::agree(secret.native()?, public, &mut self.0);
        }
        match (secret.scalar(), public) {
            (Scalar::X25519(s), PublicKey::X25519(p)) => x25519::agree(s, p, form, &mut self.0)?,
            (Scalar::P256(s), PublicKey::P256(p)) => {
                let shared = p256::ecdh::diffie_hellman(s.to_nonzero_scalar(), p.as_affine());
                self.0.extend_from_slice(shared.raw_secret_bytes());
            }
            (Scalar::P384(s), PublicKey::P384(p)) => {
                let shared = p384::ecdh::diffie_hellman(s.to_nonzero_scalar(), p.as_affine());
                self.0.extend_from_slice(shared.raw_secret_bytes());
            }
            (Scalar::P521(s), PublicKey::P521(p)) => {
                let shared = p521::ecdh::diffie_hellman(s.to_nonzero_scalar(), p.as_affine());
                self.0.extend_from_slice(shared.raw_secret_bytes());
            }
            _ => {
                return Err(Error::CurveMismatch {
                    what: KeyRole::Peer,
                    expected: secret.curve(),
                    found: public.curve(),
                })
            }
        }
        Ok(())
    }
}

/// Computes Z = ECDH(`secret`, `peer`), as [`SharedSecret::append_peer`] does.
pub(crate) fn agree_peer(
    secret: &SecretKey,
    peer: &PublicKey,
    form: &PeerForm,
) -> Result<SharedSecret> {
    let mut z = SharedSecret::with_capacity(secret.curve().coordinate_len());
    z.append_peer(secret, peer, form)?;
    Ok(z)
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedSecret(<{} octets redacted>)", self.0.len())
    }
}

/// Computes Z = ECDH(`secret`, `public`). Both keys must be on the same curve.
pub fn diffie_hellman(secret: &SecretKey, public: &PublicKey) -> Result<SharedSecret> {
    let mut z = SharedSecret::with_capacity(secret.curve().coordinate_len());
    z.append(secret, public)?;
    Ok(z)
}

/// Computes the ECDH-1PU secret Z = Ze ‖ Zs, where Ze = ECDH(`ze_secret`, `ze_public`) and
/// Zs = ECDH(`zs_secret`, `zs_public`) (1PU draft §2.3).
pub fn one_pass_unified(
    ze_secret: &SecretKey,
    ze_public: &PublicKey,
    zs_secret: &SecretKey,
    zs_public: &PublicKey,
) -> Result<SharedSecret> {
    let mut z = SharedSecret::with_capacity(2 * ze_secret.curve().coordinate_len());
    z.append(ze_secret, ze_public)?;
    z.append(zs_secret, zs_public)?;
    Ok(z)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::Curve;

    #[test]
    fn every_shared_secret_is_made_with_its_final_capacity() {
        for curve in Curve::ALL {
            let len = curve.coordinate_len();
            let (a, b) = (SecretKey::generate(curve), SecretKey::generate(curve));
            let z = diffie_hellman(&a, &b.public_key()).unwrap();
            assert_eq!((z.as_bytes().len(), z.capacity()), (len, len), "{curve:?}");
            let z = one_pass_unified(&a, &b.public_key(), &b, &a.public_key()).unwrap();
            assert_eq!(
                (z.as_bytes().len(), z.capacity()),
                (2 * len, 2 * len),
                "{curve:?}"
            );
            let z = agree_peer(&a, &b.public_key(), &PeerForm::default()).unwrap();
            assert_eq!((z.as_bytes().len(), z.capacity()), (len, len), "{curve:?}");
        }
    }
}
