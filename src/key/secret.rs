//! Private keys: a scalar on one of the supported curves, zeroized on drop.

use std::fmt;

use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

use crate::error::{Error, KeyProblem, Result};
use crate::key::{Curve, PublicKey};

/// A private key on one of the supported curves. Zeroizes on drop; `Debug` shows only the
/// curve.
///
/// With the `aws-lc` feature the key also holds its AWS-LC form, built the first time the key
/// is used for a key agreement and kept (shared by clones) for as long as the key.
#[derive(Clone)]
pub struct SecretKey {
    scalar: Scalar,
    #[cfg(feature = "aws-lc")]
    native: std::sync::OnceLock<std::sync::Arc<crate::key::native::NativeKey>>,
}

/// The private scalar, in the curve crate's type.
#[derive(Clone)]
pub(crate) enum Scalar {
    X25519(x25519_dalek::StaticSecret),
    P256(p256::SecretKey),
    P384(p384::SecretKey),
    P521(p521::SecretKey),
}

impl zeroize::ZeroizeOnDrop for SecretKey {}

impl SecretKey {
    fn new(scalar: Scalar) -> SecretKey {
        SecretKey {
            scalar,
            #[cfg(feature = "aws-lc")]
            native: std::sync::OnceLock::new(),
        }
    }

    /// The scalar in the curve crate's type.
    pub(crate) fn scalar(&self) -> &Scalar {
        &self.scalar
    }

    /// The key in AWS-LC's form, built on first use.
    #[cfg(feature = "aws-lc")]
    pub(crate) fn native(&self) -> Result<&crate::key::native::NativeKey> {
        if let Some(native) = self.native.get() {
            return Ok(native);
        }
        let native = crate::key::native::NativeKey::new(self.curve(), &self.to_bytes())?;
        Ok(self.native.get_or_init(|| std::sync::Arc::new(native)))
    }

    /// The curve of this key.
    pub fn curve(&self) -> Curve {
        match self.scalar {
            Scalar::X25519(_) => Curve::X25519,
            Scalar::P256(_) => Curve::P256,
            Scalar::P384(_) => Curve::P384,
            Scalar::P521(_) => Curve::P521,
        }
    }

    /// Draws a fresh private key from the operating system's RNG.
    pub fn generate(curve: Curve) -> SecretKey {
        SecretKey::generate_with_rng(curve, &mut rand_core::OsRng)
    }

    /// Draws a fresh private key from `rng`.
    pub fn generate_with_rng(curve: Curve, rng: &mut impl CryptoRngCore) -> SecretKey {
        SecretKey::new(match curve {
            Curve::X25519 => Scalar::X25519(x25519_dalek::StaticSecret::random_from_rng(rng)),
            Curve::P256 => Scalar::P256(p256::SecretKey::random(rng)),
            Curve::P384 => Scalar::P384(p384::SecretKey::random(rng)),
            Curve::P521 => Scalar::P521(p521::SecretKey::random(rng)),
        })
    }

    /// Builds a private key from its big-endian scalar (the raw 32 octets for X25519). The
    /// length must be exactly [`Curve::coordinate_len`].
    pub fn from_bytes(curve: Curve, d: &[u8]) -> Result<SecretKey> {
        let len = curve.coordinate_len();
        if d.len() != len {
            return Err(Error::InvalidLength {
                name: "d",
                expected: len,
                found: d.len(),
            });
        }
        let bad = Error::InvalidKey(KeyProblem::InvalidScalar);
        Ok(SecretKey::new(match curve {
            Curve::X25519 => {
                let mut raw = Zeroizing::new([0u8; 32]);
                raw.copy_from_slice(d);
                Scalar::X25519(x25519_dalek::StaticSecret::from(*raw))
            }
            Curve::P256 => Scalar::P256(p256::SecretKey::from_slice(d).map_err(|_| bad)?),
            Curve::P384 => Scalar::P384(p384::SecretKey::from_slice(d).map_err(|_| bad)?),
            Curve::P521 => Scalar::P521(p521::SecretKey::from_slice(d).map_err(|_| bad)?),
        }))
    }

    /// The private scalar as octets (zeroizing).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(match &self.scalar {
            Scalar::X25519(k) => k.to_bytes().to_vec(),
            Scalar::P256(k) => k.to_bytes().to_vec(),
            Scalar::P384(k) => k.to_bytes().to_vec(),
            Scalar::P521(k) => k.to_bytes().to_vec(),
        })
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        #[cfg(feature = "aws-lc")]
        if let Some(public) = self.native().ok().and_then(|n| n.public_key(self.curve())) {
            return public;
        }
        match &self.scalar {
            Scalar::X25519(k) => PublicKey::X25519(k.into()),
            // From the precomputed table of multiples of G (`basepoint`).
            Scalar::P256(k) => PublicKey::P256(crate::key::basepoint::p256::public_key(k)),
            Scalar::P384(k) => PublicKey::P384(crate::key::basepoint::p384::public_key(k)),
            Scalar::P521(k) => PublicKey::P521(crate::key::basepoint::p521::public_key(k)),
        }
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({}, <redacted>)", self.curve())
    }
}
