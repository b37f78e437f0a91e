//! DID documents as a source of key-agreement keys.

use serde_json::{Map, Value};

use super::resolver::{KeyResolver, KeySet};
use super::rules::did_of;
use crate::error::{self, Error, Location, Malformed, Result};
use crate::json;
use crate::jwk::{Coordinates, Jwk};

/// The key-agreement view of a DID document: `verificationMethod` entries with
/// `publicKeyJwk`, and `keyAgreement` entries given by reference (relative or absolute) or
/// embedded.
///
/// A document answers only for DID URLs of its own `id`: a method or reference that names
/// another DID is [`Error::ForeignKey`], and one method id given twice with different keys is
/// [`Error::ConflictingKey`]. As a [`KeyResolver`] it answers with `keyAgreement` keys only.
#[derive(Debug, Clone)]
pub struct DidDocument {
    id: String,
    /// The supported verification methods, each under its absolute id.
    methods: KeySet,
    /// The `keyAgreement` methods among them, in document order.
    key_agreement: KeySet,
}

impl DidDocument {
    /// Parses a DID document.
    pub fn from_json(bytes: &[u8]) -> Result<DidDocument> {
        DidDocument::from_value(&json::parse_strict(bytes, Location::Jwk, 64)?)
    }

    /// Reads a DID document from parsed JSON.
    pub fn from_value(value: &Value) -> Result<DidDocument> {
        let Value::Object(map) = value else {
            return Err(Error::Json {
                location: Location::Jwk,
                detail: "a DID document must be a JSON object".into(),
            });
        };
        let id = json::req_str(map, "id", Location::Jwk)?;
        if !id.starts_with("did:") || did_of(id) != id {
            return Err(invalid_member("id", Malformed::NotDid));
        }
        let mut doc = DidDocument {
            id: id.to_owned(),
            methods: KeySet::new(),
            key_agreement: KeySet::new(),
        };
        if let Some(vms) = map.get("verificationMethod") {
            let Value::Array(vms) = vms else {
                return Err(invalid_member("verificationMethod", Malformed::NotArray));
            };
            for vm in vms {
                let Value::Object(vm) = vm else {
                    return Err(invalid_member(
                        "verificationMethod",
                        Malformed::NotObjectArray,
                    ));
                };
                doc.add_method(vm)?;
            }
        }
        if let Some(ka) = map.get("keyAgreement") {
            let Value::Array(ka) = ka else {
                return Err(invalid_member("keyAgreement", Malformed::NotArray));
            };
            for entry in ka {
                let method = match entry {
                    Value::String(r) => doc.methods.get(&doc.own_url(r)?).cloned(),
                    Value::Object(m) => doc.add_method(m)?,
                    _ => return Err(invalid_member("keyAgreement", Malformed::NotReferenceArray)),
                };
                // A method referenced twice is one key, listed once.
                if let Some(method) = method {
                    doc.key_agreement.insert(method)?;
                }
            }
        }
        Ok(doc)
    }

    /// `reference` made absolute, which must be a DID URL of this document's DID.
    fn own_url(&self, reference: &str) -> Result<String> {
        let url = if reference.starts_with('#') {
            format!("{}{reference}", self.id)
        } else {
            reference.to_owned()
        };
        if did_of(&url) != self.id {
            return Err(Error::ForeignKey {
                document: error::echo(&self.id),
                kid: error::echo(&url),
            });
        }
        Ok(url)
    }

    /// Adds a verification method with a supported `publicKeyJwk`, under its absolute id, and
    /// returns its key; `None` for a method this crate cannot use.
    fn add_method(&mut self, method: &Map<String, Value>) -> Result<Option<Jwk>> {
        let mid = self.own_url(json::req_str(method, "id", Location::Jwk)?)?;
        let Some(jwk) = method.get("publicKeyJwk") else {
            return Ok(None);
        };
        let key = match Jwk::from_value(jwk, Coordinates::LeftPadShort) {
            Ok(k) => k,
            Err(Error::UnsupportedCurve(_) | Error::UnsupportedKeyType(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        if key.is_private() {
            return Err(invalid_member("publicKeyJwk", Malformed::PrivateKey));
        }
        let key = key.with_kid(mid);
        self.methods.insert(key.clone())?;
        Ok(Some(key))
    }

    /// The DID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The supported `keyAgreement` keys, in document order.
    pub fn key_agreement_keys(&self) -> Vec<Jwk> {
        self.key_agreement.keys().cloned().collect()
    }
}

fn invalid_member(name: &str, reason: Malformed) -> Error {
    Error::InvalidMember {
        location: Location::Jwk,
        name: name.into(),
        reason,
    }
}

/// A document answers for its own `keyAgreement` keys only: a sender key (`skid`) must be a
/// key-agreement method of the sender's DID.
impl KeyResolver for DidDocument {
    fn public_key(&self, kid: &str) -> Option<Jwk> {
        self.key_agreement.get(kid).cloned()
    }
    fn key_agreement(&self, did: &str) -> Vec<Jwk> {
        if did == self.id {
            self.key_agreement_keys()
        } else {
            Vec::new()
        }
    }
}

/// Key sets read from JSON, where a DID document is one of the accepted forms.
impl KeySet {
    /// Reads a JWK Set (`{"keys":[...]}`), a single JWK, or a DID document. EC coordinates
    /// shorter than the field size are accepted (left-padded). Keys on curves this crate does
    /// not implement are skipped in a set or document; a single JWK must be supported.
    pub fn from_json(bytes: &[u8]) -> Result<KeySet> {
        let value = json::parse_strict(bytes, Location::Jwk, 64)?;
        let mut set = KeySet::new();
        set.add_json(&value)?;
        Ok(set)
    }

    fn add_json(&mut self, value: &Value) -> Result<()> {
        let Value::Object(map) = value else {
            return Err(Error::Json {
                location: Location::Jwk,
                detail: "expected a JWK, a JWK Set or a DID document".into(),
            });
        };
        if let Some(keys) = map.get("keys") {
            let Value::Array(keys) = keys else {
                return Err(Error::InvalidMember {
                    location: Location::Jwk,
                    name: "keys".into(),
                    reason: Malformed::NotJwkArray,
                });
            };
            for k in keys {
                match Jwk::from_value(k, Coordinates::LeftPadShort) {
                    Ok(jwk) => self.insert(jwk)?,
                    Err(Error::UnsupportedCurve(_) | Error::UnsupportedKeyType(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            return Ok(());
        }
        if map.contains_key("kty") {
            return self.insert(Jwk::from_map(
                map,
                Coordinates::LeftPadShort,
                Location::Jwk,
            )?);
        }
        // A document's keys for encryption are its `keyAgreement` keys, and only those.
        for key in DidDocument::from_value(value)?.key_agreement_keys() {
            self.insert(key)?;
        }
        Ok(())
    }
}
