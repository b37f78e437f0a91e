//! Signature keys and their JWK form: Ed25519 (`OKP`), P-256, P-384 and secp256k1 (`EC`).

use std::fmt;

use p256::ecdsa::signature::{DigestVerifier as _, Signer as _};
use rand_core::CryptoRngCore;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256, Sha384};
use zeroize::Zeroizing;

use crate::b64;
use crate::error::{echo, Error, KeyProblem, Location, Result};
use crate::json::{self, req_str};
use crate::names::SigAlg;

/// A public key that verifies signatures of one algorithm, with an optional `kid`.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyingKey {
    kid: Option<String>,
    key: Public,
}

#[derive(Clone, PartialEq, Eq)]
enum Public {
    Ed25519(ed25519_dalek::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    K256(k256::ecdsa::VerifyingKey),
}

/// A private key that signs with one algorithm, with an optional `kid`. Its scalar is wiped
/// when it drops and never shown by `Debug`.
#[derive(Clone)]
pub struct SigningKey {
    kid: Option<String>,
    key: Secret,
}

#[derive(Clone)]
enum Secret {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    K256(k256::ecdsa::SigningKey),
}

/// The `kty` of each algorithm's key.
fn kty_of(alg: SigAlg) -> &'static str {
    match alg {
        SigAlg::EdDsa => "OKP",
        _ => "EC",
    }
}

/// The algorithm of a JWK's `kty` and `crv`.
fn alg_of(kty: &str, crv: &str) -> Result<SigAlg> {
    match (kty, crv) {
        ("OKP", "Ed25519") => Ok(SigAlg::EdDsa),
        ("EC", "P-256") => Ok(SigAlg::Es256),
        ("EC", "secp256k1") => Ok(SigAlg::Es256K),
        ("EC", "P-384") => Ok(SigAlg::Es384),
        ("OKP", "P-256" | "P-384" | "secp256k1") | ("EC", "Ed25519") => {
            Err(Error::InvalidKey(KeyProblem::KtyMismatch))
        }
        ("OKP" | "EC", other) => Err(Error::UnsupportedCurve(echo(other))),
        (other, _) => Err(Error::UnsupportedKeyType(echo(other))),
    }
}

/// A base64url member of exactly `len` octets.
fn fixed(map: &Map<String, Value>, name: &'static str, len: usize) -> Result<Vec<u8>> {
    let text = req_str(map, name, Location::Jwk)?;
    let raw = b64::decode_key(text).ok_or_else(|| Error::Base64 {
        location: Location::Jwk,
        name: name.into(),
    })?;
    if raw.len() != len {
        return Err(Error::InvalidLength {
            name,
            expected: len,
            found: raw.len(),
        });
    }
    Ok(raw)
}

/// The SEC1 uncompressed encoding of `x` and `y`.
fn sec1(x: &[u8], y: &[u8]) -> Vec<u8> {
    let mut point = Vec::with_capacity(1 + x.len() + y.len());
    point.push(4);
    point.extend_from_slice(x);
    point.extend_from_slice(y);
    point
}

impl Public {
    fn from_map(map: &Map<String, Value>, alg: SigAlg) -> Result<Public> {
        if alg == SigAlg::EdDsa {
            if map.contains_key("y") {
                return Err(Error::InvalidKey(KeyProblem::YOnOkp));
            }
            return Public::from_encoded(alg, &fixed(map, "x", 32)?);
        }
        let len = if alg == SigAlg::Es384 { 48 } else { 32 };
        Public::from_encoded(alg, &sec1(&fixed(map, "x", len)?, &fixed(map, "y", len)?))
    }

    /// A key from its raw encoding (see [`VerifyingKey::from_encoded`]).
    fn from_encoded(alg: SigAlg, bytes: &[u8]) -> Result<Public> {
        fn bad<E>(_: E) -> Error {
            Error::InvalidKey(KeyProblem::InvalidPublicKey)
        }
        Ok(match alg {
            SigAlg::EdDsa => {
                let raw: [u8; 32] = bytes.try_into().map_err(|_| Error::InvalidLength {
                    name: "x",
                    expected: 32,
                    found: bytes.len(),
                })?;
                let key = ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(bad)?;
                if key.is_weak() {
                    return Err(bad(()));
                }
                Public::Ed25519(key)
            }
            SigAlg::Es256 => {
                Public::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(bytes).map_err(bad)?)
            }
            SigAlg::Es384 => {
                Public::P384(p384::ecdsa::VerifyingKey::from_sec1_bytes(bytes).map_err(bad)?)
            }
            SigAlg::Es256K => {
                Public::K256(k256::ecdsa::VerifyingKey::from_sec1_bytes(bytes).map_err(bad)?)
            }
        })
    }

    fn alg(&self) -> SigAlg {
        match self {
            Public::Ed25519(_) => SigAlg::EdDsa,
            Public::P256(_) => SigAlg::Es256,
            Public::P384(_) => SigAlg::Es384,
            Public::K256(_) => SigAlg::Es256K,
        }
    }

    /// `x`, and `y` for the `EC` keys.
    fn coordinates(&self) -> (Vec<u8>, Option<Vec<u8>>) {
        fn xy(point: &[u8], len: usize) -> (Vec<u8>, Option<Vec<u8>>) {
            (point[1..1 + len].to_vec(), Some(point[1 + len..].to_vec()))
        }
        match self {
            Public::Ed25519(k) => (k.to_bytes().to_vec(), None),
            Public::P256(k) => xy(k.to_encoded_point(false).as_bytes(), 32),
            Public::P384(k) => xy(k.to_encoded_point(false).as_bytes(), 48),
            Public::K256(k) => xy(k.to_encoded_point(false).as_bytes(), 32),
        }
    }

    /// Verifies `signature` over the concatenation of `parts`, which ECDSA hashes part by
    /// part and only Ed25519 (which reads its message twice) joins. Every failure is
    /// [`Error::Crypto`].
    fn verify(&self, parts: [&[u8]; 3], signature: &[u8]) -> Result<()> {
        fn digest<D: Digest>(parts: [&[u8]; 3]) -> D {
            parts.iter().fold(D::new(), |d, part| d.chain_update(part))
        }
        let crypto = |_| Error::Crypto;
        let ok = match self {
            Public::Ed25519(k) => {
                let sig = ed25519_dalek::Signature::from_slice(signature).map_err(crypto)?;
                // Strict: small-order R and non-canonical S are rejected.
                k.verify_strict(&parts.concat(), &sig).is_ok()
            }
            Public::P256(k) => {
                let sig = p256::ecdsa::Signature::from_slice(signature).map_err(crypto)?;
                k.verify_digest(digest::<Sha256>(parts), &sig).is_ok()
            }
            Public::P384(k) => {
                let sig = p384::ecdsa::Signature::from_slice(signature).map_err(crypto)?;
                k.verify_digest(digest::<Sha384>(parts), &sig).is_ok()
            }
            Public::K256(k) => {
                let sig = k256::ecdsa::Signature::from_slice(signature).map_err(crypto)?;
                // RFC 8812 does not require the low-S form; the curve crate's verifier does.
                let sig = sig.normalize_s().unwrap_or(sig);
                k.verify_digest(digest::<Sha256>(parts), &sig).is_ok()
            }
        };
        if ok {
            Ok(())
        } else {
            Err(Error::Crypto)
        }
    }
}

fn as_object(value: &Value) -> Result<&Map<String, Value>> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(Error::Json {
            location: Location::Jwk,
            detail: "a JWK must be a JSON object".into(),
        }),
    }
}

/// The members of a JWK read strictly, in a map whose `d` is wiped on drop.
fn read_map(text: &[u8]) -> Result<json::WipedKey> {
    Ok(json::WipedKey(json::parse_object(text, Location::Jwk, 16)?))
}

/// The algorithm a JWK's `kty` and `crv` name, which its `alg`, if any, must agree with.
pub(crate) fn alg_of_members(map: &Map<String, Value>) -> Result<SigAlg> {
    let alg = alg_of(
        req_str(map, "kty", Location::Jwk)?,
        req_str(map, "crv", Location::Jwk)?,
    )?;
    if let Some(declared) = json::opt_str(map, "alg", Location::Jwk)? {
        let declared = SigAlg::from_name(declared)?;
        if declared != alg {
            return Err(Error::SigAlgMismatch {
                alg: declared,
                key: alg,
            });
        }
    }
    Ok(alg)
}

fn kid_of(map: &Map<String, Value>) -> Result<Option<String>> {
    Ok(json::opt_str(map, "kid", Location::Jwk)?.map(str::to_owned))
}

/// The JWK text of a public key, with `d` for a private key and its `kid`, in a buffer wiped
/// on drop.
fn to_json(kid: Option<&str>, key: &Public, d: Option<&[u8]>) -> Zeroizing<String> {
    let (x, y) = key.coordinates();
    let alg = key.alg();
    let mut out = Zeroizing::new(String::with_capacity(256));
    out.push('{');
    crate::jwk::write_members(&mut out, kty_of(alg), alg.curve_name(), &x, y.as_deref());
    if let Some(d) = d {
        out.push_str(",\"d\":\"");
        out.push_str(&b64::encode_secret(d));
        out.push('"');
    }
    if let Some(kid) = kid {
        out.push_str(",\"kid\":");
        out.push_str(&Value::from(kid).to_string());
    }
    out.push('}');
    out
}

impl VerifyingKey {
    /// Parses a public JWK (a private one is refused: use [`SigningKey::from_json`] and
    /// [`SigningKey::verifying_key`]).
    pub fn from_json(text: &str) -> Result<VerifyingKey> {
        VerifyingKey::from_members(&read_map(text.as_bytes())?.0)
    }

    /// A key from its raw encoding: 32 octets for Ed25519, a SEC1 point (compressed or not) for
    /// the ECDSA curves; small-order Ed25519 keys and points off the curve are refused.
    pub fn from_encoded(alg: SigAlg, bytes: &[u8]) -> Result<VerifyingKey> {
        let key = Public::from_encoded(alg, bytes)?;
        Ok(VerifyingKey { kid: None, key })
    }

    /// The raw encoding of the key, as multicodec keys carry it: 32 octets for Ed25519, the
    /// compressed SEC1 point for the ECDSA curves.
    pub fn to_encoded(&self) -> Vec<u8> {
        match &self.key {
            Public::Ed25519(k) => k.to_bytes().to_vec(),
            Public::P256(k) => k.to_encoded_point(true).as_bytes().to_vec(),
            Public::P384(k) => k.to_encoded_point(true).as_bytes().to_vec(),
            Public::K256(k) => k.to_encoded_point(true).as_bytes().to_vec(),
        }
    }

    /// The X25519 key of this Ed25519 key (the birational map of RFC 7748 §4.1), for a DID
    /// method that defines a key-agreement key from an Ed25519 key (did:key); `None` for other
    /// algorithms.
    pub fn to_x25519(&self) -> Option<[u8; 32]> {
        match &self.key {
            Public::Ed25519(k) => Some(k.to_montgomery().to_bytes()),
            _ => None,
        }
    }

    /// Reads a public JWK already parsed as JSON (a private one is refused).
    pub fn from_value(value: &Value) -> Result<VerifyingKey> {
        VerifyingKey::from_members(as_object(value)?)
    }

    /// A public key from the members of a JWK object (`d` is refused).
    pub(crate) fn from_members(map: &Map<String, Value>) -> Result<VerifyingKey> {
        let alg = alg_of_members(map)?;
        if map.contains_key("d") {
            return Err(Error::InvalidMember {
                location: Location::Jwk,
                name: "d".into(),
                reason: crate::error::Malformed::PrivateKey,
            });
        }
        Ok(VerifyingKey {
            kid: kid_of(map)?,
            key: Public::from_map(map, alg)?,
        })
    }

    /// The algorithm the key verifies.
    pub fn alg(&self) -> SigAlg {
        self.key.alg()
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The same key with `kid` set.
    pub fn with_kid(mut self, kid: impl Into<String>) -> VerifyingKey {
        self.kid = Some(kid.into());
        self
    }

    /// The JWK text.
    pub fn to_json(&self) -> String {
        to_json(self.kid(), &self.key, None).to_string()
    }

    /// The RFC 7638 thumbprint (SHA-256 of the required members in lexical order), as
    /// base64url.
    pub fn thumbprint(&self) -> String {
        let (x, y) = self.key.coordinates();
        let alg = self.alg();
        crate::jwk::thumbprint(kty_of(alg), alg.curve_name(), &x, y.as_deref())
    }

    /// Verifies `signature` over `message` with this key's algorithm: Ed25519 strictly
    /// (RFC 8032 with small-order and non-canonical encodings rejected), ECDSA over the
    /// fixed-length `r ‖ s` form. Every failure, a wrong length included, is
    /// [`Error::Crypto`].
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        self.verify_parts([message, &[], &[]], signature)
    }

    /// [`VerifyingKey::verify`] over the concatenation of `parts`, without joining them for
    /// ECDSA: a JWS's signing input is its protected header, `.` and its payload.
    pub(crate) fn verify_parts(&self, parts: [&[u8]; 3], signature: &[u8]) -> Result<()> {
        if signature.len() != self.alg().signature_len() {
            return Err(Error::Crypto);
        }
        self.key.verify(parts, signature)
    }
}

impl SigningKey {
    /// Parses a private JWK (with `d`), checking that `d` belongs to the public key given.
    pub fn from_json(text: &str) -> Result<SigningKey> {
        SigningKey::from_members(&read_map(text.as_bytes())?.0)
    }

    /// Reads a private JWK already parsed as JSON.
    pub fn from_value(value: &Value) -> Result<SigningKey> {
        SigningKey::from_members(as_object(value)?)
    }

    /// A private key from the members of a JWK object.
    pub(crate) fn from_members(map: &Map<String, Value>) -> Result<SigningKey> {
        let alg = alg_of_members(map)?;
        let public = Public::from_map(map, alg)?;
        let d_text = req_str(map, "d", Location::Jwk)?;
        let d = b64::decode_secret(d_text).ok_or_else(|| Error::Base64 {
            location: Location::Jwk,
            name: "d".into(),
        })?;
        let len = if alg == SigAlg::Es384 { 48 } else { 32 };
        if d.len() != len {
            return Err(Error::InvalidLength {
                name: "d",
                expected: len,
                found: d.len(),
            });
        }
        fn bad<E>(_: E) -> Error {
            Error::InvalidKey(KeyProblem::InvalidScalar)
        }
        let key = match alg {
            SigAlg::EdDsa => {
                let mut seed = Zeroizing::new([0u8; 32]);
                seed.copy_from_slice(&d);
                Secret::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed))
            }
            SigAlg::Es256 => Secret::P256(p256::ecdsa::SigningKey::from_slice(&d).map_err(bad)?),
            SigAlg::Es384 => Secret::P384(p384::ecdsa::SigningKey::from_slice(&d).map_err(bad)?),
            SigAlg::Es256K => Secret::K256(k256::ecdsa::SigningKey::from_slice(&d).map_err(bad)?),
        };
        let key = SigningKey {
            kid: kid_of(map)?,
            key,
        };
        if key.verifying_key().key != public {
            return Err(Error::InvalidKey(KeyProblem::PrivateMismatch));
        }
        Ok(key)
    }

    /// A fresh key for `alg` from `rng`.
    pub fn generate_with_rng(alg: SigAlg, rng: &mut impl CryptoRngCore) -> SigningKey {
        let key = match alg {
            SigAlg::EdDsa => Secret::Ed25519(ed25519_dalek::SigningKey::generate(rng)),
            SigAlg::Es256 => Secret::P256(p256::ecdsa::SigningKey::random(rng)),
            SigAlg::Es384 => Secret::P384(p384::ecdsa::SigningKey::random(rng)),
            SigAlg::Es256K => Secret::K256(k256::ecdsa::SigningKey::random(rng)),
        };
        SigningKey { kid: None, key }
    }

    /// A fresh key for `alg` from the operating system's RNG.
    pub fn generate(alg: SigAlg) -> SigningKey {
        SigningKey::generate_with_rng(alg, &mut rand_core::OsRng)
    }

    /// The same key with `kid` set.
    pub fn with_kid(mut self, kid: impl Into<String>) -> SigningKey {
        self.kid = Some(kid.into());
        self
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The algorithm the key signs with.
    pub fn alg(&self) -> SigAlg {
        match self.key {
            Secret::Ed25519(_) => SigAlg::EdDsa,
            Secret::P256(_) => SigAlg::Es256,
            Secret::P384(_) => SigAlg::Es384,
            Secret::K256(_) => SigAlg::Es256K,
        }
    }

    /// The public key, with the same `kid`.
    pub fn verifying_key(&self) -> VerifyingKey {
        let key = match &self.key {
            Secret::Ed25519(k) => Public::Ed25519(k.verifying_key()),
            Secret::P256(k) => Public::P256(*k.verifying_key()),
            Secret::P384(k) => Public::P384(*k.verifying_key()),
            Secret::K256(k) => Public::K256(*k.verifying_key()),
        };
        VerifyingKey {
            kid: self.kid.clone(),
            key,
        }
    }

    /// The private JWK text (with `d`), in a buffer wiped on drop.
    pub fn to_json(&self) -> Zeroizing<String> {
        let d: Zeroizing<Vec<u8>> = Zeroizing::new(match &self.key {
            Secret::Ed25519(k) => k.to_bytes().to_vec(),
            Secret::P256(k) => k.to_bytes().to_vec(),
            Secret::P384(k) => k.to_bytes().to_vec(),
            Secret::K256(k) => k.to_bytes().to_vec(),
        });
        to_json(self.kid(), &self.verifying_key().key, Some(&d))
    }

    /// The signature over `message`: Ed25519 (RFC 8032), or deterministic ECDSA (RFC 6979)
    /// as the fixed-length `r ‖ s`, low-S for secp256k1.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.key {
            Secret::Ed25519(k) => k.sign(message).to_bytes().to_vec(),
            Secret::P256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(message);
                sig.to_bytes().to_vec()
            }
            Secret::P384(k) => {
                let sig: p384::ecdsa::Signature = k.sign(message);
                sig.to_bytes().to_vec()
            }
            Secret::K256(k) => {
                let sig: k256::ecdsa::Signature = k.sign(message);
                sig.to_bytes().to_vec()
            }
        }
    }
}

// Every variant's key type wipes its scalar on drop (`tests/secrets.rs` checks each of them).
impl zeroize::ZeroizeOnDrop for SigningKey {}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("alg", &self.alg())
            .field("kid", &self.kid)
            .field("thumbprint", &self.thumbprint())
            .finish()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg())
            .field("kid", &self.kid)
            .field("secret", &"(redacted)")
            .finish()
    }
}
