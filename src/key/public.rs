//! Public keys: a validated point on one of the supported curves.

use std::fmt;

use crate::b64;
use crate::error::{Error, KeyProblem, Location, Result};
use crate::key::Curve;

/// A validated public key on one of the supported curves.
#[derive(Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// X25519 public key (any 32-octet u-coordinate; small-order points are caught when the
    /// shared secret comes out all-zero).
    X25519(x25519_dalek::PublicKey),
    /// P-256 point, on the curve and not the identity.
    P256(p256::PublicKey),
    /// P-384 point, on the curve and not the identity.
    P384(p384::PublicKey),
    /// P-521 point, on the curve and not the identity.
    P521(p521::PublicKey),
}

impl PublicKey {
    /// The curve of this key.
    pub fn curve(&self) -> Curve {
        match self {
            PublicKey::X25519(_) => Curve::X25519,
            PublicKey::P256(_) => Curve::P256,
            PublicKey::P384(_) => Curve::P384,
            PublicKey::P521(_) => Curve::P521,
        }
    }

    /// Builds a public key from its coordinates (y is `None` for X25519). Each coordinate must
    /// be exactly [`Curve::coordinate_len`] octets.
    pub fn from_coordinates(curve: Curve, x: &[u8], y: Option<&[u8]>) -> Result<PublicKey> {
        let len = curve.coordinate_len();
        if x.len() != len {
            return Err(Error::InvalidLength {
                name: "x",
                expected: len,
                found: x.len(),
            });
        }
        let invalid = Error::InvalidPoint {
            location: Location::Jwk,
            curve,
        };
        if curve == Curve::X25519 {
            if y.is_some() {
                return Err(Error::InvalidKey(KeyProblem::YOnOkp));
            }
            let mut u = [0u8; 32];
            u.copy_from_slice(x);
            return Ok(PublicKey::X25519(u.into()));
        }
        let y = y.ok_or(Error::MissingMember {
            location: Location::Jwk,
            name: "y",
        })?;
        if y.len() != len {
            return Err(Error::InvalidLength {
                name: "y",
                expected: len,
                found: y.len(),
            });
        }
        let key = match curve {
            Curve::P256 => p256_from_xy(x, y).map(PublicKey::P256),
            Curve::P384 => p384_from_xy(x, y).map(PublicKey::P384),
            Curve::P521 => p521_from_xy(x, y).map(PublicKey::P521),
            Curve::X25519 => None,
        };
        key.ok_or(invalid)
    }

    /// A key from its raw encoding: the 32-octet u-coordinate for X25519, a SEC1 point
    /// (compressed, as multicodec keys are, or uncompressed) for the NIST curves. A compressed
    /// point is decompressed and checked to be on the curve.
    pub fn from_encoded(curve: Curve, bytes: &[u8]) -> Result<PublicKey> {
        let invalid = Error::InvalidPoint {
            location: Location::Jwk,
            curve,
        };
        let key = match curve {
            Curve::X25519 => return PublicKey::from_coordinates(curve, bytes, None),
            Curve::P256 => p256::PublicKey::from_sec1_bytes(bytes)
                .ok()
                .map(PublicKey::P256),
            Curve::P384 => p384::PublicKey::from_sec1_bytes(bytes)
                .ok()
                .map(PublicKey::P384),
            Curve::P521 => p521::PublicKey::from_sec1_bytes(bytes)
                .ok()
                .map(PublicKey::P521),
        };
        key.ok_or(invalid)
    }

    /// The point as its curve crate encodes it: X25519's raw u-coordinate, a NIST point as
    /// uncompressed SEC1 (`0x04 ‖ x ‖ y`, each coordinate full length).
    pub(crate) fn encoded(&self) -> Vec<u8> {
        match self {
            PublicKey::X25519(k) => k.as_bytes().to_vec(),
            PublicKey::P256(k) => {
                use p256::elliptic_curve::sec1::ToEncodedPoint;
                k.to_encoded_point(false).as_bytes().to_vec()
            }
            PublicKey::P384(k) => {
                use p384::elliptic_curve::sec1::ToEncodedPoint;
                k.to_encoded_point(false).as_bytes().to_vec()
            }
            PublicKey::P521(k) => {
                use p521::elliptic_curve::sec1::ToEncodedPoint;
                k.to_encoded_point(false).as_bytes().to_vec()
            }
        }
    }

    /// The x (or u) coordinate and, for the NIST curves, the y coordinate, full length.
    pub(crate) fn coordinates(&self) -> (Vec<u8>, Option<Vec<u8>>) {
        let mut encoded = self.encoded();
        if let PublicKey::X25519(_) = self {
            return (encoded, None);
        }
        let len = self.curve().coordinate_len();
        let y = encoded.split_off(1 + len);
        encoded.remove(0);
        (encoded, Some(y))
    }

    /// The x coordinate (the u-coordinate for X25519), full length.
    pub fn x(&self) -> Vec<u8> {
        self.coordinates().0
    }

    /// The y coordinate, full length (`None` for X25519).
    pub fn y(&self) -> Option<Vec<u8>> {
        self.coordinates().1
    }
}

fn p256_from_xy(x: &[u8], y: &[u8]) -> Option<p256::PublicKey> {
    use p256::elliptic_curve::sec1::FromEncodedPoint;
    let ep = p256::EncodedPoint::from_affine_coordinates(x.into(), y.into(), false);
    p256::PublicKey::from_encoded_point(&ep).into()
}

fn p384_from_xy(x: &[u8], y: &[u8]) -> Option<p384::PublicKey> {
    use p384::elliptic_curve::sec1::FromEncodedPoint;
    let ep = p384::EncodedPoint::from_affine_coordinates(x.into(), y.into(), false);
    p384::PublicKey::from_encoded_point(&ep).into()
}

fn p521_from_xy(x: &[u8], y: &[u8]) -> Option<p521::PublicKey> {
    use p521::elliptic_curve::sec1::FromEncodedPoint;
    let ep = p521::EncodedPoint::from_affine_coordinates(x.into(), y.into(), false);
    p521::PublicKey::from_encoded_point(&ep).into()
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PublicKey({}, {})",
            self.curve(),
            b64::encode_key(&self.x())
        )
    }
}
