//! Key material by curve: validated public points and private scalars.
//!
//! A [`PublicKey`] is known to be on its curve and not the identity; a [`SecretKey`] zeroizes
//! on drop and never appears in `Debug`. The JSON form of a key is the `jwk` module's concern;
//! the agreements on these keys are the `agreement` module's.

pub(crate) mod basepoint;
#[cfg(feature = "aws-lc")]
pub(crate) mod native;
mod peer_form;
mod public;
mod secret;

pub(crate) use peer_form::PeerForm;
#[cfg(test)]
pub(crate) use peer_form::{edwards_form, edwards_pays};
pub use public::PublicKey;
pub(crate) use secret::Scalar;
pub use secret::SecretKey;

pub use crate::names::Curve;

use crate::error::{echo, Error, Result};

impl Curve {
    /// Parses a `crv` name.
    pub fn from_name(name: &str) -> Result<Curve> {
        Ok(match name {
            "X25519" => Curve::X25519,
            "P-256" => Curve::P256,
            "P-384" => Curve::P384,
            "P-521" => Curve::P521,
            other => return Err(Error::UnsupportedCurve(echo(other))),
        })
    }
}
