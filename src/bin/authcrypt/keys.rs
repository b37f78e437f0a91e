//! Key files: a JWK, a JWK Set (`{"keys":[...]}`) or a DID document (its `keyAgreement` keys
//! for encryption, its `authentication` keys for signatures).

use std::collections::HashMap;
use std::path::Path;

use authcrypt::did::{read_key_uses, KeyUses};
use authcrypt::didcomm::{DidDocument, KeySet};
use authcrypt::jws::{SigningKey, VerifyingKey};
use authcrypt::{jwk, Error, Jwk};
use serde_json::Value;
use zeroize::Zeroize as _;

use super::error::{is_unsupported, Failure};
use super::io;

/// What a key file turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A single JWK.
    Jwk,
    /// A JWK Set.
    Set,
    /// A DID document with this id; its keys are the `keyAgreement` keys, its verification
    /// keys the `authentication` keys.
    DidDocument(String),
}

/// The keys of one file.
#[derive(Debug, Clone)]
pub struct KeyFile {
    /// "key file PATH" (or "stdin"), for messages.
    pub what: String,
    /// What the file was.
    pub kind: Kind,
    /// The key-agreement keys, in file order.
    pub keys: Vec<Jwk>,
    /// The private signature keys, in file order.
    pub signing: Vec<SigningKey>,
    /// The signature verification keys (the public halves of `signing` among them), in file
    /// order.
    pub verifying: Vec<VerifyingKey>,
}

impl KeyFile {
    /// The private keys of the file.
    pub fn private_keys(&self) -> impl Iterator<Item = &Jwk> {
        self.keys.iter().filter(|k| k.is_private())
    }
}

/// Names a key file in messages.
pub fn what(path: &Path) -> String {
    if path == Path::new("-") {
        "key on stdin".to_owned()
    } else {
        format!("key file {}", io::show(path))
    }
}

/// Reads a key file.
pub fn load(path: &Path) -> Result<KeyFile, Failure> {
    let what = what(path);
    let bytes = io::read_key_file(path, &what)?;
    parse(&bytes, what)
}

/// Parses the text of a key file named `what`.
pub fn parse(bytes: &[u8], what: String) -> Result<KeyFile, Failure> {
    if bytes.trim_ascii().is_empty() {
        return Err(Failure::usage(format!(
            "{what} is empty: expected a JWK, a JWK Set or a DID document"
        )));
    }
    let value = Wiped(jwk::parse_key_document(bytes).map_err(|e| match e {
        Error::Json { detail, .. } => Failure::usage(format!("{what} is not valid JSON: {detail}")),
        Error::DuplicateMember { name, .. } => Failure::usage(format!(
            "{what} repeats the member \"{name}\" in one object: a key file names each member \
             once"
        )),
        e => Failure::key(&what, &e),
    })?);
    let Value::Object(map) = &value.0 else {
        return Err(Failure::usage(format!(
            "{what}: expected a JWK, a JWK Set or a DID document (a JSON object)"
        )));
    };
    if map.contains_key("kty") {
        if let Some(e) = other_key_type(&value.0) {
            return Err(Failure::key(&what, &e));
        }
        let mut file = KeyFile::new(what, Kind::Jwk);
        let read = read_key_uses(&value.0).map_err(|e| Failure::key(&file.what, &e))?;
        file.add(read);
        return Ok(file);
    }
    if let Some(keys) = map.get("keys") {
        return key_set(keys, what);
    }
    if map.contains_key("id") {
        let doc = DidDocument::from_value(&value.0).map_err(|e| Failure::key(&what, &e))?;
        let id = doc.id().to_owned();
        let mut file = KeyFile::new(what, Kind::DidDocument(id.clone()));
        file.keys = doc.key_agreement_keys();
        file.verifying = doc.authentication_keys();
        if file.keys.is_empty() && file.verifying.is_empty() {
            return Err(Failure::usage(format!(
                "{}: the DID document {id} has no keyAgreement key on a supported curve \
                 (X25519, P-256, P-384, P-521) and no authentication key on a supported curve \
                 (Ed25519, P-256, P-384, secp256k1)",
                file.what
            )));
        }
        return Ok(file);
    }
    Err(Failure::usage(format!(
        "{what}: expected a JWK (with \"kty\"), a JWK Set (with \"keys\") or a DID document \
         (with \"id\")"
    )))
}

impl KeyFile {
    fn new(what: String, kind: Kind) -> KeyFile {
        KeyFile {
            what,
            kind,
            keys: Vec::new(),
            signing: Vec::new(),
            verifying: Vec::new(),
        }
    }

    fn add(&mut self, read: KeyUses) {
        self.keys.extend(read.agreement);
        self.signing.extend(read.signing);
        self.verifying.extend(read.verifying);
    }

    /// Whether the file holds no key at all.
    fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.verifying.is_empty()
    }
}

/// The keys of a JWK Set's `keys` member. Keys on curves this tool does not implement are
/// skipped, as in a DID document; the set needs at least one usable key.
fn key_set(keys: &Value, what: String) -> Result<KeyFile, Failure> {
    let Value::Array(entries) = keys else {
        return Err(Failure::usage(format!(
            "{what}: \"keys\" must be an array of JWKs"
        )));
    };
    let mut file = KeyFile::new(what, Kind::Set);
    let mut skipped: Option<Error> = None;
    for (i, entry) in entries.iter().enumerate() {
        if let Some(e) = other_key_type(entry) {
            skipped = Some(e);
            continue;
        }
        match read_key_uses(entry) {
            Ok(read) => file.add(read),
            // As in a DID document, keys on curves this tool does not implement are skipped.
            Err(e) if is_unsupported(&e) => skipped = Some(e),
            Err(e) => {
                return Err(Failure::key(
                    &format!("{}, key {} of the JWK Set", file.what, i + 1),
                    &e,
                ))
            }
        }
    }
    if file.is_empty() {
        return Err(match skipped {
            Some(e) => Failure::key(&format!("{}: the JWK Set has no usable key", file.what), &e),
            None => Failure::usage(format!("{}: the JWK Set is empty", file.what)),
        });
    }
    Ok(file)
}

/// A parsed key file whose strings (among them any private `d`) are wiped when it drops.
struct Wiped(Value);

impl Drop for Wiped {
    fn drop(&mut self) {
        fn wipe(value: &mut Value) {
            match value {
                Value::String(s) => s.zeroize(),
                Value::Array(items) => items.iter_mut().for_each(wipe),
                Value::Object(map) => map.values_mut().for_each(wipe),
                Value::Null | Value::Bool(_) | Value::Number(_) => {}
            }
        }
        wipe(&mut self.0);
    }
}

/// Merges the keys of the files given with one option (`option`, e.g. "--sender") by kid,
/// under the library's rule ([`KeySet::insert`]): one key under one kid is kept once however
/// often it is given, a private copy winning over a public one, and different keys under one
/// kid are an error, here naming the kid and both files. Keys without a kid follow, as given.
pub fn merge(option: &str, files: &[KeyFile]) -> Result<Vec<Jwk>, Failure> {
    let mut set = KeySet::new();
    let mut without_kid = Vec::new();
    // The file each kid first came from, to name it in a conflict.
    let mut origin: HashMap<&str, usize> = HashMap::new();
    for (n, file) in files.iter().enumerate() {
        for key in &file.keys {
            let Some(kid) = key.kid() else {
                without_kid.push(key.clone());
                continue;
            };
            let first = *origin.entry(kid).or_insert(n);
            match set.insert(key.clone()) {
                Ok(()) => {}
                Err(Error::ConflictingKey(_)) => {
                    let holders = if first == n {
                        format!("{} holds", file.what)
                    } else {
                        format!("{} and {} hold", files[first].what, file.what)
                    };
                    return Err(Failure::usage(format!(
                        "{option}: {holders} different keys for {kid}"
                    )));
                }
                Err(e) => return Err(Failure::key(&file.what, &e)),
            }
        }
    }
    Ok(set.keys().cloned().chain(without_kid).collect())
}

/// The signature verification keys of the files given with one option, merged by kid under
/// the same rule as [`merge`]; keys without a kid follow, as given.
pub fn merge_verifying(option: &str, files: &[KeyFile]) -> Result<Vec<VerifyingKey>, Failure> {
    let mut set = KeySet::new();
    let mut without_kid = Vec::new();
    for file in files {
        for key in &file.verifying {
            if key.kid().is_none() {
                without_kid.push(key.clone());
                continue;
            }
            match set.insert_verification_key(key.clone()) {
                Ok(()) => {}
                Err(Error::ConflictingKey(kid)) => {
                    return Err(Failure::usage(format!(
                        "{option}: {} holds a different signature key for {kid} than an \
                         earlier file",
                        file.what
                    )))
                }
                Err(e) => return Err(Failure::key(&file.what, &e)),
            }
        }
    }
    Ok(set
        .verification_keys()
        .cloned()
        .chain(without_kid)
        .collect())
}

/// A key type other than OKP and EC (RSA, oct, ...) is unsupported whatever its other members;
/// the library would first ask for "crv", which such keys do not have.
fn other_key_type(jwk: &Value) -> Option<Error> {
    match jwk.get("kty") {
        Some(Value::String(kty)) if kty != "OKP" && kty != "EC" => {
            Some(Error::UnsupportedKeyType(kty.chars().take(64).collect()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let k = Jwk::generate(authcrypt::Curve::X25519).with_kid("did:example:a#1");
        let pubj = k.to_public_json();
        assert_eq!(parse(pubj.as_bytes(), "k".into()).unwrap().kind, Kind::Jwk);
        let set = format!(r#"{{"keys":[{pubj},{{"kty":"OKP","crv":"X448","x":"AA"}}]}}"#);
        let f = parse(set.as_bytes(), "k".into()).unwrap();
        assert_eq!((f.kind, f.keys.len()), (Kind::Set, 1));
        let doc = r#"{"id":"did:example:a","verificationMethod":[]}"#;
        assert_eq!(parse(doc.as_bytes(), "k".into()).unwrap_err().code, 2);
        assert_eq!(parse(b"[1]", "k".into()).unwrap_err().code, 2);
        let x448 = br#"{"kty":"OKP","crv":"X448","x":"AA"}"#;
        assert_eq!(parse(x448, "k".into()).unwrap_err().code, 3);
    }
}
