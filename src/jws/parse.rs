//! Reading a JWS in any serialization (RFC 7515 §7) and verifying its signatures (§5.2).

use serde_json::{Map, Value};
use zeroize::Zeroizing;

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

/// A parsed JWS: its payload and its signatures, none of them verified yet. The payload (in
/// both forms) is wiped when the JWS drops.
#[derive(Clone)]
pub struct Jws {
    serialization: Serialization,
    payload_b64: Zeroizing<String>,
    payload: Zeroizing<Vec<u8>>,
    signatures: Vec<Signature>,
}

/// Shows the shape only: the payload may be a decrypted message.
impl std::fmt::Debug for Jws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jws")
            .field("serialization", &self.serialization)
            .field("payload_len", &self.payload.len())
            .field("signatures", &self.signatures)
            .finish()
    }
}

/// One signature of a JWS, as received.
#[derive(Debug, Clone)]
pub struct Signature {
    protected_b64: String,
    protected: Map<String, Value>,
    header: Option<Map<String, Value>>,
    signature: Vec<u8>,
    /// The protected `alg`, read once when the signature is read.
    alg: SigAlg,
}

/// A string member moved out of a JSON object.
fn take_str(map: &mut Map<String, Value>, name: &str) -> Result<Option<String>> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::InvalidMember {
            location: Location::Jws,
            name: name.into(),
            reason: Malformed::NotString,
        }),
    }
}

impl Signature {
    /// One signature from the object that holds its members: an entry of `signatures`, or
    /// the JWS itself when flattened.
    fn from_members(mut entry: Map<String, Value>) -> Result<Signature> {
        let signature = take_str(&mut entry, "signature")?.ok_or(Error::MissingMember {
            location: Location::Jws,
            name: "signature",
        })?;
        let header = match entry.remove("header") {
            None => None,
            Some(Value::Object(m)) => Some(m),
            Some(_) => {
                return Err(Error::InvalidMember {
                    location: Location::Signature,
                    name: "header".into(),
                    reason: Malformed::NotObject,
                })
            }
        };
        Signature::read(take_str(&mut entry, "protected")?, header, &signature)
    }

    fn read(
        protected_b64: Option<String>,
        header: Option<Map<String, Value>>,
        signature: &str,
    ) -> Result<Signature> {
        let protected_b64 = protected_b64.ok_or(Error::MissingMember {
            location: Location::Jws,
            name: "protected",
        })?;
        let text = b64::decode(&protected_b64).ok_or_else(|| Error::Base64 {
            location: Location::Jws,
            name: "protected".into(),
        })?;
        let Value::Object(protected) = json::parse_strict(&text, Location::Protected, JWS_DEPTH)?
        else {
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
        check_header(&protected, header.as_ref())?;
        let alg = SigAlg::from_name(json::req_str(&protected, "alg", Location::Protected)?)?;
        let read = Signature {
            protected_b64,
            protected,
            header,
            signature,
            alg,
        };
        read.kid()?;
        Ok(read)
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
    pub fn alg(&self) -> SigAlg {
        self.alg
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
        if key.alg() != self.alg {
            return Err(Error::SigAlgMismatch {
                alg: self.alg,
                key: key.alg(),
            });
        }
        key.verify_parts(
            [self.protected_b64.as_bytes(), b".", payload_b64.as_bytes()],
            &self.signature,
        )
    }
}

/// The rules of one signature's headers: disjoint; `alg`, `crit` and `b64` protected; no
/// `crit`; no unencoded payload.
fn check_header(protected: &Map<String, Value>, header: Option<&Map<String, Value>>) -> Result<()> {
    if let Some(header) = header {
        if let Some(name) = header.keys().find(|n| protected.contains_key(*n)) {
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
    match protected.get("b64") {
        None | Some(Value::Bool(true)) => {}
        Some(_) => return Err(Error::UnsupportedB64),
    }
    if let Some(crit) = protected.get("crit") {
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
    Ok(())
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
        let signature = Signature::read(Some(protected.to_owned()), None, signature)?;
        Jws::new(Serialization::Compact, payload.to_owned(), vec![signature])
    }

    fn parse_json(input: &[u8]) -> Result<Jws> {
        let Value::Object(mut map) = json::parse_strict(input, Location::Jws, JWS_DEPTH)? else {
            return Err(Error::NotJws(NotJws::Unrecognised));
        };
        let payload = take_str(&mut map, "payload")?.ok_or(Error::NotJws(NotJws::NoPayload))?;
        let single = ["signature", "protected", "header"]
            .iter()
            .any(|n| map.contains_key(*n));
        let (serialization, signatures) = match map.remove("signatures") {
            Some(_) if single => return Err(Error::NotJws(NotJws::MixedForms)),
            Some(Value::Array(list)) => {
                if list.len() > MAX_SIGNATURES {
                    return Err(Error::LimitExceeded {
                        what: Limit::Signatures,
                        limit: MAX_SIGNATURES,
                    });
                }
                let signatures = list
                    .into_iter()
                    .map(|entry| match entry {
                        Value::Object(entry) => Signature::from_members(entry),
                        _ => Err(Error::InvalidMember {
                            location: Location::Jws,
                            name: "signatures".into(),
                            reason: Malformed::NotObjectArray,
                        }),
                    })
                    .collect::<Result<Vec<_>>>()?;
                (Serialization::General, signatures)
            }
            Some(_) => {
                return Err(Error::InvalidMember {
                    location: Location::Jws,
                    name: "signatures".into(),
                    reason: Malformed::NotArray,
                })
            }
            None if map.contains_key("signature") => (
                Serialization::Flattened,
                vec![Signature::from_members(map)?],
            ),
            None => return Err(Error::NotJws(NotJws::NoSignature)),
        };
        if signatures.is_empty() {
            return Err(Error::NotJws(NotJws::NoSignature));
        }
        Jws::new(serialization, payload, signatures)
    }

    fn new(
        serialization: Serialization,
        payload_b64: String,
        signatures: Vec<Signature>,
    ) -> Result<Jws> {
        let payload = b64::decode(&payload_b64).ok_or_else(|| Error::Base64 {
            location: Location::Jws,
            name: "payload".into(),
        })?;
        Ok(Jws {
            serialization,
            payload_b64: Zeroizing::new(payload_b64),
            payload: Zeroizing::new(payload),
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

    /// The payload, decoded, taken out of the JWS (in a buffer wiped on drop).
    pub(crate) fn into_payload(self) -> Zeroizing<Vec<u8>> {
        self.payload
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
            let alg = signature.alg;
            let kid = signature.kid()?;
            let key = match kid {
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
                Error::SignerNotFound(crate::error::echo(kid.unwrap_or("(not named)")))
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
