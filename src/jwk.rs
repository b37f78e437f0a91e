//! Keys: JSON Web Keys for X25519 (RFC 8037) and the NIST curves P-256, P-384, P-521
//! (RFC 7518 §6.2), RFC 7638 thumbprints, and key generation.
//!
//! A [`Jwk`] is parsed once and then holds validated key material: a NIST point is known to be
//! on its curve and not the identity, a private `d` is known to match the public part. Private
//! scalars zeroize on drop and never appear in `Debug` output.

use std::fmt;

use rand_core::CryptoRngCore;
use serde_json::Value;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::b64;
use crate::error::{Error, Location, Result};
use crate::json::{self, StrMembers};
use crate::x25519::PeerForm;

/// An elliptic curve usable for key agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Curve {
    /// X25519 (RFC 7748, `kty` OKP).
    X25519,
    /// NIST P-256 (`kty` EC).
    P256,
    /// NIST P-384 (`kty` EC).
    P384,
    /// NIST P-521 (`kty` EC).
    P521,
}

impl Curve {
    /// Every supported curve.
    pub const ALL: [Curve; 4] = [Curve::X25519, Curve::P256, Curve::P384, Curve::P521];

    /// The JWK `crv` name.
    pub fn name(self) -> &'static str {
        match self {
            Curve::X25519 => "X25519",
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }

    /// The JWK `kty` of keys on this curve.
    pub fn kty(self) -> &'static str {
        match self {
            Curve::X25519 => "OKP",
            _ => "EC",
        }
    }

    /// Length in octets of a coordinate, a private scalar and a shared secret Z.
    pub fn coordinate_len(self) -> usize {
        match self {
            Curve::X25519 | Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }

    /// Parses a `crv` name.
    pub fn from_name(name: &str) -> Result<Curve> {
        Ok(match name {
            "X25519" => Curve::X25519,
            "P-256" => Curve::P256,
            "P-384" => Curve::P384,
            "P-521" => Curve::P521,
            other => return Err(Error::UnsupportedCurve(truncate(other))),
        })
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

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
            curve: curve.name(),
        };
        if curve == Curve::X25519 {
            if y.is_some() {
                return Err(Error::InvalidKey("an X25519 (OKP) key has no \"y\""));
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
    fn coordinates(&self) -> (Vec<u8>, Option<Vec<u8>>) {
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

    /// Appends the public JWK members `kty`, `crv`, `x` (and `y`) to a JSON object text that is
    /// being written, in that order and without braces.
    pub(crate) fn write_members(&self, out: &mut String) {
        let curve = self.curve();
        out.push_str("\"kty\":\"");
        out.push_str(curve.kty());
        out.push_str("\",\"crv\":\"");
        out.push_str(curve.name());
        let (x, y) = self.coordinates();
        out.push_str("\",\"x\":\"");
        out.push_str(&b64::encode_key(&x));
        out.push('"');
        if let Some(y) = y {
            out.push_str(",\"y\":\"");
            out.push_str(&b64::encode_key(&y));
            out.push('"');
        }
    }

    /// The public JWK as compact JSON text (`kty`, `crv`, `x`, `y`), without `kid`.
    pub fn to_jwk_string(&self) -> String {
        let mut out = String::with_capacity(200);
        out.push('{');
        self.write_members(&mut out);
        out.push('}');
        out
    }

    /// The RFC 7638 thumbprint (SHA-256), base64url-encoded.
    pub fn thumbprint(&self) -> String {
        // Members in lexicographic order: crv, kty, x, y.
        let curve = self.curve();
        let (x, y) = self.coordinates();
        let mut canon = format!(
            "{{\"crv\":\"{}\",\"kty\":\"{}\",\"x\":\"{}\"",
            curve.name(),
            curve.kty(),
            b64::encode_key(&x)
        );
        if let Some(y) = y {
            canon.push_str(",\"y\":\"");
            canon.push_str(&b64::encode_key(&y));
            canon.push('"');
        }
        canon.push('}');
        b64::encode(&Sha256::digest(canon.as_bytes()))
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

/// A private key on one of the supported curves. Zeroizes on drop; `Debug` shows only the
/// curve.
///
/// With the `aws-lc` feature the key also holds its AWS-LC form, built the first time the key
/// is used for a key agreement and kept (shared by clones) for as long as the key.
#[derive(Clone)]
pub struct SecretKey {
    scalar: Scalar,
    #[cfg(feature = "aws-lc")]
    native: std::sync::OnceLock<std::sync::Arc<crate::backend::NativeKey>>,
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
    pub(crate) fn native(&self) -> Result<&crate::backend::NativeKey> {
        if let Some(native) = self.native.get() {
            return Ok(native);
        }
        let native = crate::backend::NativeKey::new(self.curve(), &self.to_bytes())?;
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
        let bad = Error::InvalidKey("\"d\" is not a valid private scalar for the curve");
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
            Scalar::P256(k) => PublicKey::P256(crate::basepoint::p256::public_key(k)),
            Scalar::P384(k) => PublicKey::P384(crate::basepoint::p384::public_key(k)),
            Scalar::P521(k) => PublicKey::P521(crate::basepoint::p521::public_key(k)),
        }
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({}, <redacted>)", self.curve())
    }
}

/// How strictly to read EC coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Coordinates {
    /// Every coordinate and `d` must be exactly the field size (RFC 7518 §6.2.1.2).
    #[default]
    Strict,
    /// EC coordinates and `d` shorter than the field size are left-padded with zeros, as some
    /// Python stacks emit them. Longer ones are still rejected. Emission is always full length.
    LeftPadShort,
}

/// Deepest nesting [`parse_key_document`] reads: a DID document nests a JWK inside a
/// verification method inside an array, far below this.
const KEY_DOCUMENT_DEPTH: usize = 64;

/// Reads a JWK, a JWK Set or a DID document as JSON with the strict reader used for them:
/// duplicate member names are rejected at every level ([`Error::DuplicateMember`]), and the
/// nesting depth is bounded ([`Error::LimitExceeded`]). The result goes to
/// [`Jwk::from_value`] or [`crate::didcomm::DidDocument::from_value`].
pub fn parse_key_document(bytes: &[u8]) -> Result<Value> {
    json::parse_strict(bytes, Location::Jwk, KEY_DOCUMENT_DEPTH)
}

/// A JSON Web Key: a validated public key, an optional private key that matches it, and an
/// optional `kid`.
#[derive(Clone)]
pub struct Jwk {
    kid: Option<String>,
    public: PublicKey,
    secret: Option<SecretKey>,
    /// A public-only X25519 key's Edwards form, once an agreement has needed it.
    peer_form: PeerForm,
}

/// A required string member.
fn req_str<'m, M: StrMembers + ?Sized>(
    map: &'m M,
    name: &'static str,
    location: Location,
) -> Result<&'m str> {
    map.member_str(name, location)?
        .ok_or(Error::MissingMember { location, name })
}

impl Jwk {
    /// A public JWK.
    pub fn from_public(public: PublicKey, kid: Option<String>) -> Jwk {
        Jwk {
            kid,
            peer_form: PeerForm::for_key(&public, false),
            public,
            secret: None,
        }
    }

    /// A private JWK; the public part is derived from the secret.
    pub fn from_secret(secret: SecretKey, kid: Option<String>) -> Jwk {
        Jwk {
            kid,
            public: secret.public_key(),
            secret: Some(secret),
            peer_form: PeerForm::default(),
        }
    }

    /// Generates a fresh key pair with the operating system's RNG.
    pub fn generate(curve: Curve) -> Jwk {
        Jwk::generate_with_rng(curve, &mut rand_core::OsRng)
    }

    /// Generates a fresh key pair from `rng`.
    pub fn generate_with_rng(curve: Curve, rng: &mut impl CryptoRngCore) -> Jwk {
        Jwk::from_secret(SecretKey::generate_with_rng(curve, rng), None)
    }

    /// Parses a JWK from JSON text, strictly (full-length coordinates).
    pub fn from_json(text: &str) -> Result<Jwk> {
        Jwk::from_json_with(text.as_bytes(), Coordinates::Strict)
    }

    /// Parses a JWK from JSON bytes with the given coordinate policy.
    pub fn from_json_with(bytes: &[u8], coordinates: Coordinates) -> Result<Jwk> {
        let map = json::parse_object(bytes, Location::Jwk, 16)?;
        Jwk::from_map(&map, coordinates, Location::Jwk)
    }

    /// Parses a JWK from an already-parsed JSON object.
    pub fn from_value(value: &Value, coordinates: Coordinates) -> Result<Jwk> {
        match value {
            Value::Object(map) => Jwk::from_map(map, coordinates, Location::Jwk),
            _ => Err(Error::Json {
                location: Location::Jwk,
                detail: "a JWK must be a JSON object".into(),
            }),
        }
    }

    pub(crate) fn from_map<M: StrMembers + ?Sized>(
        map: &M,
        coordinates: Coordinates,
        location: Location,
    ) -> Result<Jwk> {
        let kty = req_str(map, "kty", location)?;
        if kty != "OKP" && kty != "EC" {
            return Err(Error::UnsupportedKeyType(truncate(kty)));
        }
        let crv_name = req_str(map, "crv", location)?;
        let curve = match (kty, crv_name) {
            ("OKP", "X25519") => Curve::X25519,
            ("OKP", "Ed25519" | "Ed448") => {
                return Err(Error::UnsupportedCurve(format!(
                    "{crv_name} (a signature curve, not a key agreement curve)"
                )))
            }
            ("OKP", "X448") => return Err(Error::UnsupportedCurve("X448".into())),
            ("EC", "P-256" | "P-384" | "P-521") => Curve::from_name(crv_name)?,
            ("EC", "X25519") | ("OKP", "P-256" | "P-384" | "P-521") => {
                return Err(Error::InvalidKey("\"kty\" does not match \"crv\""))
            }
            ("OKP" | "EC", other) => return Err(Error::UnsupportedCurve(truncate(other))),
            (other, _) => return Err(Error::UnsupportedKeyType(truncate(other))),
        };
        let len = curve.coordinate_len();
        let coord = |name: &'static str| -> Result<Option<Vec<u8>>> {
            let Some(text) = map.member_str(name, location)? else {
                return Ok(None);
            };
            let raw = b64::decode_key(text).ok_or_else(|| Error::Base64 {
                location,
                name: name.into(),
            })?;
            Ok(Some(fit(raw, len, name, coordinates, curve)?))
        };
        let x = coord("x")?.ok_or(Error::MissingMember {
            location,
            name: "x",
        })?;
        let y = coord("y")?;
        if curve == Curve::X25519 && y.is_some() {
            return Err(Error::InvalidKey("an X25519 (OKP) key has no \"y\""));
        }
        if curve != Curve::X25519 && y.is_none() {
            return Err(Error::MissingMember {
                location,
                name: "y",
            });
        }
        let public = PublicKey::from_coordinates(curve, &x, y.as_deref()).map_err(|e| match e {
            Error::InvalidPoint { curve, .. } => Error::InvalidPoint { location, curve },
            other => other,
        })?;
        let secret = match map.member_str("d", location)? {
            None => None,
            Some(text) => {
                let raw = b64::decode_secret(text).ok_or_else(|| Error::Base64 {
                    location,
                    name: "d".into(),
                })?;
                let d = if curve != Curve::X25519
                    && coordinates == Coordinates::LeftPadShort
                    && raw.len() < len
                    && !raw.is_empty()
                {
                    let mut padded = Zeroizing::new(vec![0u8; len]);
                    padded[len - raw.len()..].copy_from_slice(&raw);
                    padded
                } else {
                    raw
                };
                let secret = SecretKey::from_bytes(curve, &d)?;
                if secret.public_key() != public {
                    return Err(Error::InvalidKey(
                        "the private key \"d\" does not match the public key",
                    ));
                }
                Some(secret)
            }
        };
        let kid = map.member_str("kid", location)?.map(str::to_owned);
        let peer_form = PeerForm::for_key(&public, secret.is_some());
        Ok(Jwk {
            kid,
            public,
            secret,
            peer_form,
        })
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Sets the key id.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Jwk {
        self.kid = Some(kid.into());
        self
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The cell for the public key's Edwards form (X25519 peers).
    pub(crate) fn peer_form(&self) -> &PeerForm {
        &self.peer_form
    }

    /// The private key, if this JWK has one.
    pub fn secret_key(&self) -> Option<&SecretKey> {
        self.secret.as_ref()
    }

    /// Whether this JWK holds a private key.
    pub fn is_private(&self) -> bool {
        self.secret.is_some()
    }

    /// The curve of the key.
    pub fn curve(&self) -> Curve {
        self.public.curve()
    }

    /// A copy without the private part.
    pub fn to_public(&self) -> Jwk {
        Jwk {
            kid: self.kid.clone(),
            public: self.public.clone(),
            secret: None,
            peer_form: match self.secret {
                None => self.peer_form.clone(),
                Some(_) => PeerForm::for_key(&self.public, false),
            },
        }
    }

    /// The public JWK as compact JSON (`kty`, `crv`, `x`, `y`, `kid`).
    pub fn to_public_json(&self) -> String {
        let mut out = String::with_capacity(256);
        out.push('{');
        self.public.write_members(&mut out);
        if let Some(kid) = &self.kid {
            out.push_str(",\"kid\":");
            out.push_str(&Value::String(kid.clone()).to_string());
        }
        out.push('}');
        out
    }

    /// The private JWK as compact JSON, in a buffer that zeroizes on drop. Fails for a public
    /// key.
    pub fn to_private_json(&self) -> Result<Zeroizing<String>> {
        let secret = self.secret.as_ref().ok_or(Error::NotPrivate("the key"))?;
        let mut out = Zeroizing::new(String::with_capacity(320));
        out.push('{');
        self.public.write_members(&mut out);
        out.push_str(",\"d\":\"");
        out.push_str(&b64::encode_secret(&secret.to_bytes()));
        out.push('"');
        if let Some(kid) = &self.kid {
            out.push_str(",\"kid\":");
            out.push_str(&Value::String(kid.clone()).to_string());
        }
        out.push('}');
        Ok(out)
    }

    /// The RFC 7638 thumbprint of the public key.
    pub fn thumbprint(&self) -> String {
        self.public.thumbprint()
    }
}

/// A JWK's private part is a [`SecretKey`], which zeroizes on drop.
impl zeroize::ZeroizeOnDrop for Jwk {}

impl fmt::Debug for Jwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwk")
            .field("kid", &self.kid)
            .field("public", &self.public)
            .field("private", &self.secret.is_some())
            .finish()
    }
}

fn fit(
    raw: Vec<u8>,
    len: usize,
    name: &'static str,
    coordinates: Coordinates,
    curve: Curve,
) -> Result<Vec<u8>> {
    if raw.len() == len {
        return Ok(raw);
    }
    if coordinates == Coordinates::LeftPadShort
        && curve != Curve::X25519
        && !raw.is_empty()
        && raw.len() < len
    {
        let mut padded = vec![0u8; len];
        padded[len - raw.len()..].copy_from_slice(&raw);
        return Ok(padded);
    }
    Err(Error::InvalidLength {
        name,
        expected: len,
        found: raw.len(),
    })
}

fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_private_scalar() {
        for curve in Curve::ALL {
            let k = Jwk::generate(curve);
            let d = b64::encode_key(&k.secret_key().unwrap().to_bytes());
            let dbg = format!("{k:?} {:?}", k.secret_key().unwrap());
            assert!(!dbg.contains(&d), "{dbg}");
        }
    }
}
