//! Reading a JWS in any serialization (RFC 7515 §7) and verifying its signatures (§5.2).

use serde_json::{Map, Value};

use super::{SigAlg, Verified, VerifyingKey, MAX_SIGNATURES};
use crate::b64;
use crate::error::{Error, Limit, Location, Malformed, NotJws, Result};
use crate::json;
use crate::names::Serialization;

/// Nesting allowed in a JWS's JSON: the object, `signatures`, a signature, its header and
/// values one level below.
const JWS_DEPTH: usize = 8;

/// The largest JWS read, in octets.
pub const MAX_JWS_LEN: usize = 16 * 1024 * 1024;

/// A parsed JWS: its payload and its signatures, none of them verified yet.
#[derive(Debug, Clone)]
pub struct Jws {
    serialization: Serialization,
    payload_b64: String,
    payload: Vec<u8>,
    signatures: Vec<Signature>,
}

/// One signature of a JWS, as received.
#[derive(Debug, Clone)]
pub struct Signature {
    protected_b64: String,
    protected: Map<String, Value>,
    header: Option<Map<String, Value>>,
    signature: Vec<u8>,
}

impl Signature {
    fn read(
        protected: Option<&str>,
        header: Option<Map<String, Value>>,
        signature: &str,
    ) -> Result<Signature> {
        let protected_b64 = protected.ok_or(Error::MissingMember {
            location: Location::Jws,
            name: "protected",
        })?;
        let text = b64::decode(protected_b64).ok_or_else(|| Error::Base64 {
            location: Location::Jws,
            name: "protected".into(),
        })?;
        let Value::Object(map) = json::parse_strict(&text, Location::Protected, JWS_DEPTH)? else {
            return Err(Error::InvalidMember {
                location: Location::Jws,
                name: "protected".into(),
                reason: Malformed::NotObject,
            });
        };
        let signature = b64::decode(signature).ok_or_else(|| Error::Base64 {
            location: Location::Jws,
            name: "signature".into(),
        })?;
        let read = Signature {
            protected_b64: protected_b64.to_owned(),
            protected: map,
            header,
            signature,
        };
        read.check_header()?;
        Ok(read)
    }

    /// The rules of one signature's headers: disjoint, `alg` protected and known, no `crit`,
    /// no unencoded payload.
    fn check_header(&self) -> Result<()> {
        if let Some(header) = &self.header {
            if let Some(name) = header.keys().find(|n| self.protected.contains_key(*n)) {
                return Err(Error::DuplicateHeader(crate::error::echo(name)));
            }
            for name in ["alg", "crit", "b64"] {
                if header.contains_key(name) {
                    return Err(Error::InvalidMember {
                        location: Location::Signature,
                        name: name.into(),
                        reason: Malformed::Unprotected,
                    });
                }
            }
        }
        self.alg()?;
        match self.protected.get("b64") {
            None | Some(Value::Bool(true)) => {}
            Some(_) => return Err(Error::UnsupportedB64),
        }
        if let Some(crit) = self.protected.get("crit") {
            let first = match crit {
                Value::Array(names) => names.first(),
                _ => None,
            };
            return Err(match first {
                Some(Value::String(name)) => Error::UnsupportedCrit(crate::error::echo(name)),
                Some(_) | None => Error::InvalidMember {
                    location: Location::Protected,
                    name: "crit".into(),
                    reason: Malformed::NotNameArray,
                },
            });
        }
        self.kid()?;
        Ok(())
    }

    /// The protected header exactly as received (base64url text).
    pub fn protected_b64(&self) -> &str {
        &self.protected_b64
    }

    /// The decoded protected header.
    pub fn protected_header(&self) -> &Map<String, Value> {
        &self.protected
    }

    /// The signature's unprotected header, if any.
    pub fn header(&self) -> Option<&Map<String, Value>> {
        self.header.as_ref()
    }

    /// The signature octets.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The `alg` of the protected header.
    pub fn alg(&self) -> Result<SigAlg> {
        SigAlg::from_name(json::req_str(&self.protected, "alg", Location::Protected)?)
    }

    /// The signer's `kid`, from the unprotected header or the protected one (never both).
    pub fn kid(&self) -> Result<Option<&str>> {
        if let Some(kid) = self
            .header
            .as_ref()
            .map(|h| json::opt_str(h, "kid", Location::Signature))
            .transpose()?
            .flatten()
        {
            return Ok(Some(kid));
        }
        json::opt_str(&self.protected, "kid", Location::Protected)
    }

    /// Verifies this signature over `payload_b64` with `key`.
    fn verify_with(&self, payload_b64: &str, key: &VerifyingKey) -> Result<()> {
        let alg = self.alg()?;
        if key.alg() != alg {
            return Err(Error::SigAlgMismatch {
                alg,
                key: key.alg(),
            });
        }
        let mut input = Vec::with_capacity(self.protected_b64.len() + 1 + payload_b64.len());
        input.extend_from_slice(self.protected_b64.as_bytes());
        input.push(b'.');
        input.extend_from_slice(payload_b64.as_bytes());
        key.verify(&input, &self.signature)
    }
}

/// A string member of the JWS object.
fn member<'a>(map: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>> {
    json::opt_str(map, name, Location::Jws)
}

/// An object member of the JWS object (a signature's `header`).
fn object(
    map: &Map<String, Value>,
    name: &str,
    location: Location,
) -> Result<Option<Map<String, Value>>> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m.clone())),
        Some(_) => Err(Error::InvalidMember {
            location,
            name: name.into(),
            reason: Malformed::NotObject,
        }),
    }
}

impl Jws {
    /// Parses a JWS in any serialization. Nothing is verified: see [`Jws::verify`].
    pub fn parse(input: &[u8]) -> Result<Jws> {
        if input.len() > MAX_JWS_LEN {
            return Err(Error::LimitExceeded {
                what: Limit::EnvelopeSize,
                limit: MAX_JWS_LEN,
            });
        }
        let input = input.trim_ascii();
        match input.first() {
            None => Err(Error::NotJws(NotJws::Empty)),
            Some(b'{') => Jws::parse_json(input),
            Some(_) => Jws::parse_compact(input),
        }
    }

    fn parse_compact(input: &[u8]) -> Result<Jws> {
        let text = std::str::from_utf8(input).map_err(|_| Error::NotJws(NotJws::Unrecognised))?;
        let mut parts = text.split('.');
        let (Some(protected), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::NotJws(NotJws::CompactParts));
        };
        let signature = Signature::read(Some(protected), None, signature)?;
        Jws::new(Serialization::Compact, payload, vec![signature])
    }

    fn parse_json(input: &[u8]) -> Result<Jws> {
        let Value::Object(map) = json::parse_strict(input, Location::Jws, JWS_DEPTH)? else {
            return Err(Error::NotJws(NotJws::Unrecognised));
        };
        let payload = member(&map, "payload")?.ok_or(Error::NotJws(NotJws::NoPayload))?;
        let single = ["signature", "protected", "header"]
            .iter()
            .any(|n| map.contains_key(*n));
        let (serialization, signatures) = match map.get("signatures") {
            Some(_) if single => return Err(Error::NotJws(NotJws::MixedForms)),
            Some(Value::Array(list)) => {
                if list.len() > MAX_SIGNATURES {
                    return Err(Error::LimitExceeded {
                        what: Limit::Recipients,
                        limit: MAX_SIGNATURES,
                    });
                }
                let mut out = Vec::with_capacity(list.len());
                for entry in list {
                    let Value::Object(entry) = entry else {
                        return Err(Error::InvalidMember {
                            location: Location::Jws,
                            name: "signatures".into(),
                            reason: Malformed::NotObjectArray,
                        });
                    };
                    out.push(Jws::entry(entry)?);
                }
                (Serialization::General, out)
            }
            Some(_) => {
                return Err(Error::InvalidMember {
                    location: Location::Jws,
                    name: "signatures".into(),
                    reason: Malformed::NotArray,
                })
            }
            None if map.contains_key("signature") => {
                (Serialization::Flattened, vec![Jws::entry(&map)?])
            }
            None => return Err(Error::NotJws(NotJws::NoSignature)),
        };
        if signatures.is_empty() {
            return Err(Error::NotJws(NotJws::NoSignature));
        }
        Jws::new(serialization, payload, signatures)
    }

    /// One signature from the object that holds its members (an entry of `signatures`, or
    /// the JWS itself when flattened).
    fn entry(entry: &Map<String, Value>) -> Result<Signature> {
        let signature = member(entry, "signature")?.ok_or(Error::MissingMember {
            location: Location::Jws,
            name: "signature",
        })?;
        Signature::read(
            member(entry, "protected")?,
            object(entry, "header", Location::Signature)?,
            signature,
        )
    }

    fn new(
        serialization: Serialization,
        payload_b64: &str,
        signatures: Vec<Signature>,
    ) -> Result<Jws> {
        let payload = b64::decode(payload_b64).ok_or_else(|| Error::Base64 {
            location: Location::Jws,
            name: "payload".into(),
        })?;
        Ok(Jws {
            serialization,
            payload_b64: payload_b64.to_owned(),
            payload,
            signatures,
        })
    }

    /// Which serialization the JWS used.
    pub fn serialization(&self) -> Serialization {
        self.serialization
    }

    /// The payload, decoded. It proves nothing until [`Jws::verify`] succeeds.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The payload as received (base64url text).
    pub fn payload_b64(&self) -> &str {
        &self.payload_b64
    }

    /// The signatures, as received.
    pub fn signatures(&self) -> &[Signature] {
        &self.signatures
    }

    /// The `kid`s of the signers, for resolving their keys before verification (`None` for a
    /// signature that names none).
    pub fn signer_kids(&self) -> Result<Vec<Option<&str>>> {
        self.signatures.iter().map(Signature::kid).collect()
    }

    /// Verifies every signature: one naming a `kid` with the key of that kid, one naming none
    /// with a key of its `alg` that has no kid either (there must be exactly one such key).
    /// Any failure fails the message: a missing key is [`Error::SignerNotFound`], a key of
    /// another algorithm [`Error::SigAlgMismatch`], a wrong signature [`Error::Crypto`].
    pub fn verify(&self, keys: &[&VerifyingKey]) -> Result<Vec<Verified>> {
        let mut out = Vec::with_capacity(self.signatures.len());
        for (index, signature) in self.signatures.iter().enumerate() {
            let alg = signature.alg()?;
            let key = match signature.kid()? {
                Some(kid) => keys.iter().find(|k| k.kid() == Some(kid)),
                None => {
                    let mut unnamed = keys.iter().filter(|k| k.kid().is_none() && k.alg() == alg);
                    match (unnamed.next(), unnamed.next()) {
                        (Some(key), None) => Some(key),
                        _ => None,
                    }
                }
            };
            let key = key.ok_or_else(|| {
                Error::SignerNotFound(crate::error::echo(
                    signature.kid().ok().flatten().unwrap_or("(not named)"),
                ))
            })?;
            signature.verify_with(&self.payload_b64, key)?;
            out.push(Verified {
                index,
                alg,
                kid: key.kid().map(str::to_owned),
            });
        }
        Ok(out)
    }
}
