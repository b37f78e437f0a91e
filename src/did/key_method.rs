//! `did:key`: a DID that is its own public key, resolved by computation alone.
//!
//! `did:key:z…` is the base58btc multibase of a multicodec-prefixed public key. Its document has
//! that one key as a `Multikey` method under the fragment of its own multibase text, in the
//! relationships its kind serves: `authentication` for signature keys, `keyAgreement` for
//! key-agreement keys (both for P-256 and P-384). An Ed25519 key also yields, as the method
//! defines, the X25519 key of the same point as a second, key-agreement method.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::multikey::{decode_multikey, encode_multikey, KeyKind};
use super::{did_of, DidDocument, KeyResolver};
use crate::error::{echo, Error, MethodProblem, Result};
use crate::jwk::Jwk;
use crate::jws::{SigAlg, VerifyingKey};

/// The longest did:key read; the longest key (P-521) takes 104 characters.
const MAX_DID_KEY: usize = 160;

/// The prefix of every did:key.
pub const PREFIX: &str = "did:key:";

/// The document of a did:key, as JSON. A `did:peer:0` is the same document under its own id.
pub fn document_json(did: &str) -> Result<Value> {
    let multibase = did
        .strip_prefix(PREFIX)
        .or_else(|| did.strip_prefix("did:peer:0"))
        .filter(|m| m.len() <= MAX_DID_KEY && !m.contains(['#', '?', '/', ':']))
        .ok_or_else(|| Error::UnsupportedDid(echo(did)))?;
    let (kind, key) = decode_multikey(multibase).map_err(|problem| Error::InvalidMethod {
        id: echo(did),
        problem,
    })?;
    let method = |mb: &str| {
        json!({"id": format!("{did}#{mb}"), "type": "Multikey", "controller": did,
               "publicKeyMultibase": mb})
    };
    let own = format!("{did}#{multibase}");
    let mut methods = vec![method(multibase)];
    let (authentication, key_agreement) = match kind {
        KeyKind::Ed25519 => {
            let ed = VerifyingKey::from_encoded(SigAlg::EdDsa, &key).map_err(|_| {
                Error::InvalidMethod {
                    id: echo(&own),
                    problem: MethodProblem::InvalidKey,
                }
            })?;
            let x = ed.to_x25519().unwrap_or_default();
            let x_multibase = encode_multikey(KeyKind::X25519, &x);
            methods.push(method(&x_multibase));
            (vec![own.clone()], vec![format!("{did}#{x_multibase}")])
        }
        KeyKind::X25519 | KeyKind::P521 => (vec![], vec![own.clone()]),
        KeyKind::Secp256k1 => (vec![own.clone()], vec![]),
        KeyKind::P256 | KeyKind::P384 => (vec![own.clone()], vec![own.clone()]),
    };
    Ok(json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": methods,
        "authentication": authentication,
        "assertionMethod": authentication,
        "capabilityInvocation": authentication,
        "capabilityDelegation": authentication,
        "keyAgreement": key_agreement,
    }))
}

/// The document of a did:key, read: every key checked as any document's are.
pub fn resolve(did: &str) -> Result<DidDocument> {
    DidDocument::from_value(&document_json(did)?)
}

/// The did:key of a key: the multibase of its multicodec encoding.
pub fn did_key_of(kind: KeyKind, key: &[u8]) -> String {
    format!("{PREFIX}{}", encode_multikey(kind, key))
}

/// The DIDs resolved by computation alone (did:key, did:peer:0, did:peer:2), as a
/// [`KeyResolver`]: every kid of such
/// a DID answers from its document. Stack it with an application's resolvers in a slice or
/// `Vec` (`[&LocalDids as &dyn KeyResolver, &my_resolver]`).
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalDids;

impl LocalDids {
    /// The document of a DID of a local method (did:key, did:peer:0, did:peer:2, the long form
    /// of did:peer:4), as JSON. A did:peer:4 short form needs its long form: see
    /// [`PeerDids`].
    pub fn document_json(did: &str) -> Result<Value> {
        if did.starts_with("did:peer:2") {
            super::peer::document_json(did)
        } else if did.starts_with("did:peer:4") {
            super::peer::peer4_document(did, did)
        } else {
            document_json(did)
        }
    }

    /// The document of a DID of a local method, read.
    pub fn resolve(did: &str) -> Result<DidDocument> {
        DidDocument::from_value(&LocalDids::document_json(did)?)
    }

    /// The kid in the document's own form: a did:peer:2 key named by its multibase fragment
    /// (the older form) is the same key as its `#key-N`.
    fn own_kid(doc: &Value, kid: &str) -> Option<String> {
        let (did, fragment) = kid.split_once('#')?;
        let id = doc["verificationMethod"]
            .as_array()?
            .iter()
            .find(|m| m["publicKeyMultibase"] == fragment)?
            .get("id")?
            .as_str()?;
        Some(if id.starts_with('#') {
            format!("{did}{id}")
        } else {
            id.to_owned()
        })
    }

    fn lookup<T>(
        json: Result<Value>,
        kid: &str,
        get: impl Fn(&DidDocument, &str) -> Option<T>,
    ) -> Option<T> {
        let json = json.ok()?;
        let doc = DidDocument::from_value(&json).ok()?;
        get(&doc, kid).or_else(|| get(&doc, &LocalDids::own_kid(&json, kid)?))
    }
}

/// The local methods of [`LocalDids`], and did:peer:4 short forms whose long form was seen
/// ([`PeerDids::remember`]). What it remembers is the application's to bound.
#[derive(Debug, Clone, Default)]
pub struct PeerDids {
    /// Long forms by short form.
    long_forms: HashMap<String, String>,
}

impl PeerDids {
    /// An empty store.
    pub fn new() -> PeerDids {
        PeerDids::default()
    }

    /// Remembers a did:peer:4 long form (its hash checked) and returns its short form.
    pub fn remember(&mut self, long: &str) -> Result<String> {
        let (short, _) = super::peer::peer4_checked(long)?;
        self.long_forms.insert(short.clone(), long.to_owned());
        Ok(short)
    }

    /// The document of `did`, as JSON: a remembered short form under its own id, else as
    /// [`LocalDids::document_json`].
    pub fn document_json(&self, did: &str) -> Result<Value> {
        match self.long_forms.get(did) {
            Some(long) => super::peer::peer4_document(long, did),
            None => LocalDids::document_json(did),
        }
    }

    /// The document of `did`, read.
    pub fn resolve(&self, did: &str) -> Result<DidDocument> {
        DidDocument::from_value(&self.document_json(did)?)
    }
}

impl KeyResolver for PeerDids {
    fn public_key(&self, kid: &str) -> Option<Jwk> {
        let json = self.document_json(did_of(kid));
        LocalDids::lookup(json, kid, |d, k| d.public_key(k)).map(|j| j.with_kid(kid))
    }
    fn key_agreement(&self, did: &str) -> Vec<Jwk> {
        self.resolve(did)
            .map(|d| d.key_agreement_keys())
            .unwrap_or_default()
    }
    fn verification_key(&self, kid: &str) -> Option<VerifyingKey> {
        let json = self.document_json(did_of(kid));
        LocalDids::lookup(json, kid, |d, k| d.verification_key(k)).map(|v| v.with_kid(kid))
    }
}

/// The stateless resolver is the store that remembers nothing.
impl KeyResolver for LocalDids {
    fn public_key(&self, kid: &str) -> Option<Jwk> {
        PeerDids::new().public_key(kid)
    }
    fn key_agreement(&self, did: &str) -> Vec<Jwk> {
        PeerDids::new().key_agreement(did)
    }
    fn verification_key(&self, kid: &str) -> Option<VerifyingKey> {
        PeerDids::new().verification_key(kid)
    }
}
