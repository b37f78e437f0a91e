//! The JSON form of keys: JSON Web Keys for X25519 (RFC 8037) and the NIST curves P-256,
//! P-384, P-521 (RFC 7518 §6.2), JWK Sets, and RFC 7638 thumbprints.
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
use crate::error::{echo, Error, KeyProblem, KeyRole, Location, Result};
use crate::json::{self, StrMembers};
use crate::key::PeerForm;
pub use crate::key::{Curve, PublicKey, SecretKey};

/// The JSON form of a public key: its JWK members and its RFC 7638 thumbprint.
impl PublicKey {
    /// Appends the public JWK members `kty`, `crv`, `x` (and `y`) to a JSON object text that is
    /// being written, in that order and without braces.
    pub(crate) fn write_members(&self, out: &mut String) {
        let curve = self.curve();
        let (x, y) = self.coordinates();
        write_members(out, curve.kty(), curve.name(), &x, y.as_deref());
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
        let curve = self.curve();
        let (x, y) = self.coordinates();
        thumbprint(curve.kty(), curve.name(), &x, y.as_deref())
    }
}

/// Appends the public members `kty`, `crv`, `x` (and `y`) of a JWK, in that order and without
/// braces. The names are registered values and the coordinates base64url, so nothing needs
/// escaping.
pub(crate) fn write_members(out: &mut String, kty: &str, crv: &str, x: &[u8], y: Option<&[u8]>) {
    out.push_str("\"kty\":\"");
    out.push_str(kty);
    out.push_str("\",\"crv\":\"");
    out.push_str(crv);
    out.push_str("\",\"x\":\"");
    out.push_str(&b64::encode_key(x));
    out.push('"');
    if let Some(y) = y {
        out.push_str(",\"y\":\"");
        out.push_str(&b64::encode_key(y));
        out.push('"');
    }
}

/// The RFC 7638 thumbprint of a key with these public members: SHA-256 of the required
/// members in lexicographic order (`crv`, `kty`, `x`, `y`), base64url-encoded.
pub(crate) fn thumbprint(kty: &str, crv: &str, x: &[u8], y: Option<&[u8]>) -> String {
    let mut canon = format!(
        "{{\"crv\":\"{crv}\",\"kty\":\"{kty}\",\"x\":\"{}\"",
        b64::encode_key(x)
    );
    if let Some(y) = y {
        canon.push_str(",\"y\":\"");
        canon.push_str(&b64::encode_key(y));
        canon.push('"');
    }
    canon.push('}');
    b64::encode(&Sha256::digest(canon.as_bytes()))
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
        let map = json::WipedKey(json::parse_object(bytes, Location::Jwk, 16)?);
        Jwk::from_map(&map.0, coordinates, Location::Jwk)
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
            return Err(Error::UnsupportedKeyType(echo(kty)));
        }
        let curve = curve_of(kty, req_str(map, "crv", location)?)?;
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
            return Err(Error::InvalidKey(KeyProblem::YOnOkp));
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
            Some(text) => Some(read_secret(text, &public, coordinates, location)?),
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
        let secret = self
            .secret
            .as_ref()
            .ok_or(Error::NotPrivate(KeyRole::Key))?;
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

/// The key-agreement curve a JWK's `kty` and `crv` name together.
fn curve_of(kty: &str, crv: &str) -> Result<Curve> {
    match (kty, crv) {
        ("OKP", "X25519") => Ok(Curve::X25519),
        ("OKP", "Ed25519" | "Ed448") => Err(Error::UnsupportedCurve(format!(
            "{crv} (a signature curve, not a key agreement curve)"
        ))),
        ("OKP", "X448") => Err(Error::UnsupportedCurve("X448".into())),
        ("EC", "P-256" | "P-384" | "P-521") => Curve::from_name(crv),
        ("EC", "X25519") | ("OKP", "P-256" | "P-384" | "P-521") => {
            Err(Error::InvalidKey(KeyProblem::KtyMismatch))
        }
        ("OKP" | "EC", other) => Err(Error::UnsupportedCurve(echo(other))),
        (other, _) => Err(Error::UnsupportedKeyType(echo(other))),
    }
}

/// The private key `d` (base64url `text`), which must belong to `public`. A short NIST
/// scalar is left-padded when `coordinates` allows it, as short coordinates are.
fn read_secret(
    text: &str,
    public: &PublicKey,
    coordinates: Coordinates,
    location: Location,
) -> Result<SecretKey> {
    let curve = public.curve();
    let len = curve.coordinate_len();
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
    if secret.public_key() != *public {
        return Err(Error::InvalidKey(KeyProblem::PrivateMismatch));
    }
    Ok(secret)
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

    #[test]
    fn a_public_jwk_and_its_clones_share_one_peer_form() {
        use crate::agreement::agree_peer;
        let used = !cfg!(feature = "aws-lc") && crate::key::edwards_pays();
        let peer = Jwk::generate(Curve::X25519).to_public();
        let secret = SecretKey::generate(Curve::X25519);
        assert_eq!(peer.peer_form().held(), used.then_some(None));
        // An agreement through a clone with a kid (as a key set hands out) fills the cell the
        // original holds.
        let clone = peer.to_public().with_kid("did:example:bob#key-1");
        agree_peer(&secret, clone.public_key(), clone.peer_form()).unwrap();
        assert_eq!(
            peer.peer_form().held().map(|f| f.is_some()),
            used.then_some(true)
        );
        // A key pair's own public part keeps no form; its public copy gets a cell of its own.
        let pair = Jwk::generate(Curve::X25519);
        assert!(pair.peer_form().held().is_none());
        assert_eq!(pair.to_public().peer_form().held().is_some(), used);
    }
}
