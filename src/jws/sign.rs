//! Writing a JWS (RFC 7515 §5.1, §7).

use serde_json::Value;

use super::{SigningKey, MAX_SIGNATURES};
use crate::b64;
use crate::error::{Error, Limit, Result, Unrepresentable};
use crate::names::Serialization;

/// Signs a payload with one or more keys.
///
/// Each signature's protected header is `{"typ":…,"alg":…}` (the `typ` only when set); its
/// signer's `kid` goes into the signature's unprotected header, as the DIDComm specification's
/// examples do, or into the protected header in the compact serialization, which has no other.
#[derive(Debug, Clone)]
pub struct Signer<'a> {
    keys: Vec<&'a SigningKey>,
    typ: Option<String>,
    serialization: Serialization,
}

impl<'a> Signer<'a> {
    /// A signer with one key, general JSON and no `typ`.
    pub fn new(key: &'a SigningKey) -> Signer<'a> {
        Signer {
            keys: vec![key],
            typ: None,
            serialization: Serialization::General,
        }
    }

    /// Adds a further signature with `key` (general JSON only).
    pub fn also(mut self, key: &'a SigningKey) -> Self {
        self.keys.push(key);
        self
    }

    /// Sets the protected `typ` of every signature.
    pub fn typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = Some(typ.into());
        self
    }

    /// Chooses the serialization.
    pub fn serialization(mut self, serialization: Serialization) -> Self {
        self.serialization = serialization;
        self
    }

    /// The JWS of `payload`.
    pub fn sign(&self, payload: &[u8]) -> Result<String> {
        if self.keys.len() > 1 && self.serialization != Serialization::General {
            return Err(Error::Serialization {
                serialization: self.serialization,
                reason: Unrepresentable::SeveralSignatures,
            });
        }
        if self.keys.len() > MAX_SIGNATURES {
            return Err(Error::LimitExceeded {
                what: Limit::Signatures,
                limit: MAX_SIGNATURES,
            });
        }
        let payload_b64 = b64::encode(payload);
        let compact = self.serialization == Serialization::Compact;
        let signed: Vec<(String, Vec<u8>, Option<&str>)> = self
            .keys
            .iter()
            .map(|key| {
                let protected_b64 = b64::encode(self.protected(key, compact).as_bytes());
                let input = format!("{protected_b64}.{payload_b64}");
                (protected_b64, key.sign(input.as_bytes()), key.kid())
            })
            .collect();
        Ok(match self.serialization {
            Serialization::Compact => {
                let (protected, signature, _) = &signed[0];
                format!("{protected}.{payload_b64}.{}", b64::encode(signature))
            }
            Serialization::Flattened => {
                let (protected, signature, kid) = &signed[0];
                let mut out = format!("{{\"payload\":\"{payload_b64}\",");
                push_signature(&mut out, protected, signature, *kid);
                out.push('}');
                out
            }
            Serialization::General => {
                let mut out = format!("{{\"payload\":\"{payload_b64}\",\"signatures\":[");
                for (i, (protected, signature, kid)) in signed.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('{');
                    push_signature(&mut out, protected, signature, *kid);
                    out.push('}');
                }
                out.push_str("]}");
                out
            }
        })
    }

    /// The protected header of `key`'s signature.
    fn protected(&self, key: &SigningKey, compact: bool) -> String {
        let mut out = String::from("{");
        if let Some(typ) = &self.typ {
            out.push_str("\"typ\":");
            out.push_str(&Value::from(typ.as_str()).to_string());
            out.push(',');
        }
        out.push_str("\"alg\":\"");
        out.push_str(key.alg().name());
        out.push('"');
        if let (true, Some(kid)) = (compact, key.kid()) {
            out.push_str(",\"kid\":");
            out.push_str(&Value::from(kid).to_string());
        }
        out.push('}');
        out
    }
}

/// The members of one signature: `protected`, `signature` and, with a kid, `header`.
fn push_signature(out: &mut String, protected: &str, signature: &[u8], kid: Option<&str>) {
    out.push_str("\"protected\":\"");
    out.push_str(protected);
    out.push_str("\",\"signature\":\"");
    out.push_str(&b64::encode(signature));
    out.push('"');
    if let Some(kid) = kid {
        out.push_str(",\"header\":{\"kid\":");
        out.push_str(&Value::from(kid).to_string());
        out.push('}');
    }
}
