//! Helpers shared by the integration tests: vector files, the DIDComm test keys, base64url,
//! deterministic keys ([`keys`]) and envelope editing ([`edit`]).
#![allow(dead_code)]

pub mod edit;
pub mod keys;

use authcrypt::{Coordinates, Error, Jwk, ProfileError};
use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::Value;

/// Encodes octets as base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Decodes base64url without padding, panicking on anything else.
pub fn unb64(text: &str) -> Vec<u8> {
    Base64UrlUnpadded::decode_vec(text).expect("base64url")
}

/// The DIDComm rule error inside `e`, panicking on any other error.
pub fn profile(e: Error) -> ProfileError {
    match e {
        Error::Profile(p) => p,
        other => panic!("expected a DIDComm rule error, got {other:?}"),
    }
}

/// Loads `rfc-vectors/<name>`.
pub fn vector(name: &str) -> Value {
    let path = format!("{}/rfc-vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// Decodes a hex member.
pub fn hex(v: &Value) -> Vec<u8> {
    ::hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

/// Parses a JWK given as a JSON value.
pub fn jwk(v: &Value) -> Jwk {
    Jwk::from_json_with(v.to_string().as_bytes(), Coordinates::Strict).expect("valid JWK")
}

/// A private key of the DIDComm test set by kid.
pub fn didcomm_secret(kid: &str) -> Jwk {
    let keys = vector("didcomm-v2-test-keys.json");
    let entry = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap_or_else(|| panic!("no key {kid}"));
    jwk(&entry["private_jwk"]).with_kid(kid)
}

/// A public key of the DIDComm test set by kid.
pub fn didcomm_public(kid: &str) -> Jwk {
    didcomm_secret(kid).to_public()
}

/// A deterministic RNG for reproducible tests.
pub fn rng(seed: u64) -> rand_chacha::ChaCha20Rng {
    use rand_chacha::rand_core::SeedableRng;
    rand_chacha::ChaCha20Rng::seed_from_u64(seed)
}

/// A DIDComm plaintext message (no `from`, no `to`) whose body carries `content`: what the
/// DIDComm unpacker accepts with its message checks on.
pub fn msg(content: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "id": "1",
        "type": "https://didcomm.org/basicmessage/2.0/message",
        "body": { "content": content },
    }))
    .unwrap()
}
