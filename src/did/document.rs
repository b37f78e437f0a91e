//! DID documents as a source of key-agreement keys and signature verification keys.

use serde_json::{Map, Value};

use super::resolver::{KeyResolver, KeySet};
use super::url::{did_of, is_did};
use crate::error::{self, Error, Location, Malformed, MethodProblem, Result};
use crate::json;
use crate::jwk::{Coordinates, Jwk};
use crate::jws::{SigAlg, SigningKey, VerifyingKey};
use crate::key::{Curve, PublicKey};

use super::multikey::{self, KeyKind};
use super::service::{didcomm_endpoints, DidCommEndpoint};

/// The keys of a DID document: `verificationMethod` entries with `publicKeyJwk`, and
/// `keyAgreement` and `authentication` entries given by reference (relative or absolute) or
/// embedded.
///
/// A document answers only for DID URLs of its own `id`: a method or reference that names
/// another DID is [`Error::ForeignKey`], and one method id given twice with different keys is
/// [`Error::ConflictingKey`]. As a [`KeyResolver`] it answers encryption keys from
/// `keyAgreement` only, and signature keys from `authentication` only.
#[derive(Debug, Clone)]
pub struct DidDocument {
    id: String,
    /// The supported verification methods, each under its absolute id.
    methods: KeySet,
    /// The `keyAgreement` methods among them, in document order.
    key_agreement: KeySet,
    /// The `authentication` methods among them, in document order.
    authentication: KeySet,
    /// The DIDComm endpoints of its services, in order.
    endpoints: Vec<DidCommEndpoint>,
}

/// What one key (a JWK, or a verification method) can be used as here.
#[derive(Debug, Default)]
pub struct KeyUses {
    /// As a key-agreement key (X25519, P-256, P-384, P-521).
    pub agreement: Option<Jwk>,
    /// As a private signature key, when the JWK has `d` (Ed25519, P-256, P-384, secp256k1).
    pub signing: Option<SigningKey>,
    /// As a signature verification key (the public half of `signing`, if any).
    pub verifying: Option<VerifyingKey>,
}

/// The uses of one verification method.
type Method = KeyUses;

impl DidDocument {
    /// Parses a DID document.
    pub fn from_json(bytes: &[u8]) -> Result<DidDocument> {
        DidDocument::from_value(&json::WipedValue(json::parse_strict(bytes, Location::Jwk, 64)?).0)
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
        if !is_did(id) {
            return Err(invalid_member("id", Malformed::NotDid));
        }
        let mut doc = DidDocument {
            id: id.to_owned(),
            methods: KeySet::new(),
            key_agreement: KeySet::new(),
            authentication: KeySet::new(),
            endpoints: Vec::new(),
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
        for (relation, ka) in [("keyAgreement", true), ("authentication", false)] {
            let Some(entries) = map.get(relation) else {
                continue;
            };
            let Value::Array(entries) = entries else {
                return Err(invalid_member(relation, Malformed::NotArray));
            };
            for entry in entries {
                let method = match entry {
                    Value::String(r) => doc.method(&doc.own_url(r)?),
                    Value::Object(m) => doc.add_method(m)?,
                    _ => return Err(invalid_member(relation, Malformed::NotReferenceArray)),
                };
                // A method referenced twice is one key, listed once.
                match (ka, method) {
                    (
                        true,
                        Method {
                            agreement: Some(k), ..
                        },
                    ) => doc.key_agreement.insert(k)?,
                    (
                        false,
                        Method {
                            verifying: Some(k), ..
                        },
                    ) => doc.authentication.insert_verification_key(k)?,
                    _ => {}
                }
            }
        }
        let id = doc.id.clone();
        doc.endpoints = didcomm_endpoints(map.get("service"), |r| {
            if r.starts_with('#') {
                format!("{id}{r}")
            } else {
                r.to_owned()
            }
        })?;
        Ok(doc)
    }

    /// The DIDComm v2 endpoints of its `DIDCommMessaging` services, in document order.
    pub fn didcomm_endpoints(&self) -> &[DidCommEndpoint] {
        &self.endpoints
    }

    /// The held method with this absolute id (empty when not held or not supported).
    fn method(&self, url: &str) -> Method {
        Method {
            agreement: self.methods.get(url).cloned(),
            verifying: self.methods.get_verification_key(url).cloned(),
            ..Method::default()
        }
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

    /// Adds a verification method, under its absolute id, and returns its key as each use
    /// this crate has for it (rule K6 of `docs/rules.md`). A JWK on a curve this crate does not
    /// implement gives an empty method; a method of an unknown type or with a bad key is
    /// [`Error::InvalidMethod`].
    fn add_method(&mut self, method: &Map<String, Value>) -> Result<Method> {
        let mid = self.own_url(json::req_str(method, "id", Location::Jwk)?)?;
        let read = method_keys(method).map_err(|e| match e {
            MethodError::Problem(problem) => Error::InvalidMethod {
                id: error::echo(&mid),
                problem,
            },
            MethodError::Other(e) => e,
        })?;
        let read = Method {
            agreement: read.agreement.map(|k| k.with_kid(mid.clone())),
            verifying: read.verifying.map(|k| k.with_kid(mid)),
            ..Method::default()
        };
        if let Some(k) = &read.agreement {
            self.methods.insert(k.clone())?;
        }
        if let Some(k) = &read.verifying {
            self.methods.insert_verification_key(k.clone())?;
        }
        Ok(read)
    }

    /// The DID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The supported `keyAgreement` keys, in document order.
    pub fn key_agreement_keys(&self) -> Vec<Jwk> {
        self.key_agreement.keys().cloned().collect()
    }

    /// The supported `authentication` keys (signature verification keys), in document order.
    pub fn authentication_keys(&self) -> Vec<VerifyingKey> {
        self.authentication.verification_keys().cloned().collect()
    }
}

/// Why a method gives no key: a problem with the method itself, or an error of its JWK.
enum MethodError {
    Problem(MethodProblem),
    Other(Error),
}

impl From<MethodProblem> for MethodError {
    fn from(p: MethodProblem) -> MethodError {
        MethodError::Problem(p)
    }
}

impl From<Error> for MethodError {
    fn from(e: Error) -> MethodError {
        MethodError::Other(e)
    }
}

/// The keys of one verification method, by its `type`.
fn method_keys(method: &Map<String, Value>) -> std::result::Result<Method, MethodError> {
    let typ = json::opt_str(method, "type", Location::Jwk)?;
    let text = |name: &str| -> std::result::Result<&str, MethodError> {
        match method.get(name) {
            Some(Value::String(s)) => Ok(s),
            _ => Err(MethodProblem::NoKeyMaterial.into()),
        }
    };
    // The suites that fix the key's kind, and the member that holds it.
    let (kind, bytes) = match typ {
        None | Some("JsonWebKey2020" | "JsonWebKey" | "EcdsaSecp256k1VerificationKey2019")
            if method.contains_key("publicKeyJwk") =>
        {
            let Some(Value::Object(members)) = method.get("publicKeyJwk") else {
                return Err(invalid_member("publicKeyJwk", Malformed::NotObject).into());
            };
            if members.contains_key("d") {
                return Err(invalid_member("publicKeyJwk", Malformed::PrivateKey).into());
            }
            return Ok(read_jwk(members, Use::Both)?);
        }
        Some("Multikey") => multikey::decode_multikey(text("publicKeyMultibase")?)?,
        Some(
            suite @ ("X25519KeyAgreementKey2019"
            | "Ed25519VerificationKey2018"
            | "EcdsaSecp256k1VerificationKey2019"
            | "P256Key2021"),
        ) => {
            let kind = match suite {
                "X25519KeyAgreementKey2019" => KeyKind::X25519,
                "Ed25519VerificationKey2018" => KeyKind::Ed25519,
                "P256Key2021" => KeyKind::P256,
                _ => KeyKind::Secp256k1,
            };
            let bytes = match method.get("publicKeyMultibase") {
                Some(Value::String(t)) => multikey::decode_multibase(t)?,
                _ => multikey::decode_base58(text("publicKeyBase58")?)?,
            };
            (kind, bytes)
        }
        Some(suite @ ("X25519KeyAgreementKey2020" | "Ed25519VerificationKey2020")) => {
            let want = if suite.starts_with("X25519") {
                KeyKind::X25519
            } else {
                KeyKind::Ed25519
            };
            let (kind, bytes) = multikey::decode_multikey(text("publicKeyMultibase")?)?;
            if kind != want {
                return Err(MethodProblem::CodecNotOfType.into());
            }
            (kind, bytes)
        }
        Some(other) => return Err(MethodProblem::UnknownType(error::echo(other)).into()),
        None => return Err(MethodProblem::NoKeyMaterial.into()),
    };
    Ok(raw_keys(kind, &bytes)?)
}

/// A raw key of `kind` as each use this crate has for it.
fn raw_keys(kind: KeyKind, bytes: &[u8]) -> std::result::Result<Method, MethodProblem> {
    if bytes.len() != kind.key_len() {
        return Err(MethodProblem::KeyLength {
            expected: kind.key_len(),
            found: bytes.len(),
        });
    }
    // Multicodec NIST and secp256k1 keys are compressed points: tag 2 or 3, nothing else.
    let point = !matches!(kind, KeyKind::X25519 | KeyKind::Ed25519);
    if point && !matches!(bytes[0], 2 | 3) {
        return Err(MethodProblem::InvalidKey);
    }
    let agreement = |curve: Curve| {
        PublicKey::from_encoded(curve, bytes)
            .map(|k| Some(Jwk::from_public(k, None)))
            .map_err(|_| MethodProblem::InvalidKey)
    };
    let verifying = |alg: SigAlg| {
        VerifyingKey::from_encoded(alg, bytes)
            .map(Some)
            .map_err(|_| MethodProblem::InvalidKey)
    };
    Ok(match kind {
        KeyKind::X25519 => Method {
            agreement: agreement(Curve::X25519)?,
            verifying: None,
            ..Method::default()
        },
        KeyKind::Ed25519 => Method {
            agreement: None,
            verifying: verifying(SigAlg::EdDsa)?,
            ..Method::default()
        },
        KeyKind::P256 => Method {
            agreement: agreement(Curve::P256)?,
            verifying: verifying(SigAlg::Es256)?,
            ..Method::default()
        },
        KeyKind::P384 => Method {
            agreement: agreement(Curve::P384)?,
            verifying: verifying(SigAlg::Es384)?,
            ..Method::default()
        },
        KeyKind::P521 => Method {
            agreement: agreement(Curve::P521)?,
            verifying: None,
            ..Method::default()
        },
        KeyKind::Secp256k1 => Method {
            agreement: None,
            verifying: verifying(SigAlg::Es256K)?,
            ..Method::default()
        },
    })
}

/// Which uses a JWK read from a file may serve: its `use` member (RFC 7517 §4.2) narrows
/// them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    Both,
    Agreement,
    Signature,
}

impl Use {
    fn of(map: &Map<String, Value>) -> Result<Use> {
        Ok(match json::opt_str(map, "use", Location::Jwk)? {
            None => Use::Both,
            Some("enc") => Use::Agreement,
            Some("sig") => Use::Signature,
            Some(_) => return Err(invalid_member("use", Malformed::NotEncOrSig)),
        })
    }
}

/// A JWK as a key-agreement key and as a signature verification key, as far as its curve
/// and `uses` allow. A curve this crate does not implement for a use leaves that use empty;
/// any other fault is an error.
fn read_jwk(map: &Map<String, Value>, uses: Use) -> Result<Method> {
    fn supported<T>(read: Result<T>) -> Result<Option<T>> {
        match read {
            Ok(k) => Ok(Some(k)),
            Err(Error::UnsupportedCurve(_) | Error::UnsupportedKeyType(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
    let mut method = Method::default();
    if uses != Use::Signature {
        method.agreement = supported(Jwk::from_map(map, Coordinates::LeftPadShort, Location::Jwk))?;
    }
    if uses != Use::Agreement {
        let read = if map.contains_key("d") {
            SigningKey::from_members(map).map(|k| (k.verifying_key(), Some(k)))
        } else {
            VerifyingKey::from_members(map).map(|k| (k, None))
        };
        let read = match read {
            // A valid key-agreement key whose encoding signatures do not accept (short EC
            // coordinates, which key agreement pads) is a key-agreement key only.
            Err(_) if method.agreement.is_some() => None,
            read => supported(read)?,
        };
        if let Some((verifying, signing)) = read {
            method.verifying = Some(verifying);
            method.signing = signing;
        }
    }
    Ok(method)
}

/// What a single JWK can be used as, as its curve and its `use` (`enc`, `sig`) allow: a key
/// no use accepts is an error (the curve this crate does not implement, or
/// `Malformed::UseNotOfCurve`). EC coordinates shorter than the field size are accepted
/// (left-padded) for key agreement.
pub fn read_key_uses(value: &Value) -> Result<KeyUses> {
    let Value::Object(map) = value else {
        return Err(Error::Json {
            location: Location::Jwk,
            detail: "a JWK must be a JSON object".into(),
        });
    };
    let uses = Use::of(map)?;
    let read = read_jwk(map, uses)?;
    if read.agreement.is_none() && read.verifying.is_none() {
        if uses == Use::Both {
            // Say why the curve has no use here.
            Jwk::from_map(map, Coordinates::LeftPadShort, Location::Jwk)?;
        }
        return Err(invalid_member("use", Malformed::UseNotOfCurve));
    }
    Ok(read)
}

fn invalid_member(name: &str, reason: Malformed) -> Error {
    Error::InvalidMember {
        location: Location::Jwk,
        name: name.into(),
        reason,
    }
}

/// A document answers for its own `keyAgreement` keys only as encryption keys (a sender key,
/// `skid`, must be a key-agreement method of the sender's DID), and for its `authentication`
/// keys only as signature keys (a signer must be an authentication method).
impl KeyResolver for DidDocument {
    fn public_key(&self, kid: &str) -> Option<Jwk> {
        self.key_agreement.get(kid).cloned()
    }
    fn verification_key(&self, kid: &str) -> Option<VerifyingKey> {
        self.authentication.get_verification_key(kid).cloned()
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
    /// shorter than the field size are accepted (left-padded) for key agreement. A JWK on
    /// P-256 or P-384 serves as both a key-agreement and a signature key unless its `use` is
    /// `enc` or `sig`; Ed25519 and secp256k1 keys are signature keys. Keys on curves this crate
    /// does not implement are skipped in a set or document; a single JWK must be supported.
    /// From a DID document, the `keyAgreement` keys are taken for encryption and the
    /// `authentication` keys for signatures, and only those.
    pub fn from_json(bytes: &[u8]) -> Result<KeySet> {
        let value = json::WipedValue(json::parse_strict(bytes, Location::Jwk, 64)?);
        let mut set = KeySet::new();
        set.add_json(&value.0)?;
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
                return Err(invalid_member("keys", Malformed::NotJwkArray));
            };
            for k in keys {
                if !k.is_object() {
                    return Err(invalid_member("keys", Malformed::NotJwkArray));
                }
                match read_key_uses(k) {
                    Ok(read) => self.add_jwk(read)?,
                    Err(Error::UnsupportedCurve(_) | Error::UnsupportedKeyType(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            return Ok(());
        }
        if map.contains_key("kty") {
            return self.add_jwk(read_key_uses(value)?);
        }
        let doc = DidDocument::from_value(value)?;
        for key in doc.key_agreement_keys() {
            self.insert(key)?;
        }
        for key in doc.authentication_keys() {
            self.insert_verification_key(key)?;
        }
        Ok(())
    }

    fn add_jwk(&mut self, read: Method) -> Result<()> {
        if let Some(k) = read.agreement {
            self.insert(k)?;
        }
        if let Some(k) = read.verifying {
            self.insert_verification_key(k)?;
        }
        Ok(())
    }
}
