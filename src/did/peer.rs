//! `did:peer:2` and `did:peer:4`: keys and services written into the DID itself, resolved by
//! computation alone. (did:peer:0 is a did:key; see [`key_method`](super::key_method).)
//!
//! did:peer:4's long form is `did:peer:4{hash}:{document}`: base58btc of multicodec JSON of an
//! input document, and the SHA2-256 multihash of that text; its short form is the hash alone,
//! resolvable once the long form has been seen ([`PeerDids`](super::PeerDids)).
//!
//! For did:peer:2:
//!
//! After `did:peer:2` come elements, each `.` then a purpose code: `A` (assertion), `E` (key
//! agreement), `V` (authentication), `I` (capability invocation), `D` (capability delegation)
//! followed by a multibase multicodec key, or `S` followed by base64url of a service whose
//! common strings are abbreviated (`t` type, `s` serviceEndpoint, `r` routingKeys, `a` accept,
//! `dm` DIDCommMessaging). Keys become `Multikey` methods `#key-1`, `#key-2`, … in the order
//! they appear; services without an id become `#service`, `#service-1`, ….

use serde_json::{json, Map, Value};

use super::multikey::decode_multikey;
use crate::b64;
use crate::error::{echo, DidProblem, Error, Location, Result};
use crate::json;

/// The longest did:peer:2 read.
pub const MAX_DID_PEER: usize = 16 * 1024;
/// The most elements (keys and services) one did:peer:2 may carry.
pub const MAX_ELEMENTS: usize = 64;
/// Nesting allowed in one encoded service.
const SERVICE_DEPTH: usize = 8;

fn malformed(problem: DidProblem) -> Error {
    Error::MalformedDid(problem)
}

/// What follows `prefix` in `did`, which must be at most `limit` octets and a bare DID.
fn method_specific<'a>(did: &'a str, prefix: &str, limit: usize) -> Result<&'a str> {
    if did.len() > limit {
        return Err(malformed(DidProblem::TooLong { limit }));
    }
    let rest = did
        .strip_prefix(prefix)
        .ok_or_else(|| Error::UnsupportedDid(echo(did)))?;
    if rest.contains(['#', '?', '/']) {
        return Err(malformed(DidProblem::NotADid));
    }
    Ok(rest)
}

/// The document of a did:peer:2, as JSON.
pub fn document_json(did: &str) -> Result<Value> {
    let elements = method_specific(did, "did:peer:2", MAX_DID_PEER)?
        .strip_prefix('.')
        .ok_or(malformed(DidProblem::NoElements))?;
    if elements.split('.').nth(MAX_ELEMENTS).is_some() {
        return Err(malformed(DidProblem::TooManyElements {
            limit: MAX_ELEMENTS,
        }));
    }
    let mut methods = Vec::new();
    let mut relations: [(char, &str, Vec<Value>); 5] = [
        ('A', "assertionMethod", Vec::new()),
        ('E', "keyAgreement", Vec::new()),
        ('V', "authentication", Vec::new()),
        ('I', "capabilityInvocation", Vec::new()),
        ('D', "capabilityDelegation", Vec::new()),
    ];
    let mut services = Vec::new();
    let mut unnamed = 0;
    for element in elements.split('.') {
        let mut chars = element.chars();
        let purpose = chars.next().ok_or(malformed(DidProblem::EmptyElement))?;
        let value = chars.as_str();
        if purpose == 'S' {
            services.push(service(value, &mut unnamed)?);
            continue;
        }
        let relation = relations
            .iter_mut()
            .find(|(code, _, _)| *code == purpose)
            .ok_or(malformed(DidProblem::UnknownPurpose(purpose)))?;
        let id = format!("#key-{}", methods.len() + 1);
        decode_multikey(value).map_err(|problem| Error::InvalidMethod {
            id: format!("{}{id}", echo(did)),
            problem,
        })?;
        methods.push(json!({"id": id, "type": "Multikey", "controller": did,
                            "publicKeyMultibase": value}));
        relation.2.push(Value::String(id));
    }
    let mut doc = Map::new();
    doc.insert(
        "@context".into(),
        json!([
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/multikey/v1"
        ]),
    );
    doc.insert("id".into(), Value::String(did.to_owned()));
    doc.insert("verificationMethod".into(), Value::Array(methods));
    for (_, name, ids) in relations {
        if !ids.is_empty() {
            doc.insert(name.into(), Value::Array(ids));
        }
    }
    if !services.is_empty() {
        doc.insert("service".into(), Value::Array(services));
    }
    Ok(Value::Object(doc))
}

/// One encoded service, expanded; the first without an id gets `#service`, the next ones
/// `#service-1`, … (`unnamed` counts them).
fn service(encoded: &str, unnamed: &mut usize) -> Result<Value> {
    let bytes = b64::decode(encoded).ok_or(malformed(DidProblem::BadService))?;
    let Value::Object(mut service) = json::parse_strict(&bytes, Location::Service, SERVICE_DEPTH)
        .map_err(|_| malformed(DidProblem::BadService))?
    else {
        return Err(malformed(DidProblem::BadService));
    };
    expand(&mut service);
    if !service.contains_key("id") {
        let id = if *unnamed == 0 {
            "#service".to_owned()
        } else {
            format!("#service-{unnamed}")
        };
        *unnamed += 1;
        service.insert("id".into(), Value::String(id));
    }
    Ok(Value::Object(service))
}

/// Replaces the abbreviated member names, and the abbreviated service type, at every depth.
fn expand(map: &mut Map<String, Value>) {
    let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
    for (name, mut value) in entries {
        let name = match name.as_str() {
            "t" => "type",
            "s" => "serviceEndpoint",
            "r" => "routingKeys",
            "a" => "accept",
            other => other,
        }
        .to_owned();
        if name == "type" && value == "dm" {
            value = Value::String("DIDCommMessaging".into());
        }
        expand_value(&mut value);
        map.insert(name, value);
    }
}

fn expand_value(value: &mut Value) {
    match value {
        Value::Object(m) => expand(m),
        Value::Array(items) => items.iter_mut().for_each(expand_value),
        _ => {}
    }
}

/// The longest did:peer:4 read (base58 decoding takes time quadratic in its length).
pub const MAX_DID_PEER_4: usize = 8 * 1024;
/// Nesting allowed in a did:peer:4 input document.
const INPUT_DEPTH: usize = 16;
/// The multicodec prefix of JSON (0x0200 as a varint).
const JSON_CODEC: [u8; 2] = [0x80, 0x04];

/// The hash part of a did:peer:4: base58btc of the SHA2-256 multihash of `encoded`.
fn peer4_hash(encoded: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut multihash = vec![0x12, 0x20];
    multihash.extend_from_slice(&Sha256::digest(encoded.as_bytes()));
    format!("z{}", bs58::encode(multihash).into_string())
}

/// The long form of a did:peer:4 for an input document (no `id`, relative ids and
/// references): `did:peer:4{hash}:{encoded document}`.
pub fn peer4_from_input(input: &Value) -> Result<String> {
    if input.get("id").is_some() {
        return Err(malformed(DidProblem::InputHasId));
    }
    let mut bytes = JSON_CODEC.to_vec();
    bytes.extend_from_slice(input.to_string().as_bytes());
    let encoded = format!("z{}", bs58::encode(bytes).into_string());
    Ok(format!("did:peer:4{}:{encoded}", peer4_hash(&encoded)))
}

/// The short form of a long did:peer:4 (its hash alone, checked).
pub fn peer4_short(long: &str) -> Result<String> {
    let (hash, _) = split_peer4(long)?;
    Ok(format!("did:peer:4{hash}"))
}

/// The short form and the input document of a long did:peer:4, its hash checked once.
pub(crate) fn peer4_checked(long: &str) -> Result<(String, Map<String, Value>)> {
    let (hash, encoded) = split_peer4(long)?;
    Ok((format!("did:peer:4{hash}"), peer4_input(encoded)?))
}

/// The hash and the encoded document of a long did:peer:4, the hash checked.
fn split_peer4(did: &str) -> Result<(&str, &str)> {
    let (hash, encoded) = method_specific(did, "did:peer:4", MAX_DID_PEER_4)?
        .split_once(':')
        .ok_or(malformed(DidProblem::ShortForm))?;
    if peer4_hash(encoded) != hash {
        return Err(malformed(DidProblem::HashMismatch));
    }
    Ok((hash, encoded))
}

/// The input document a did:peer:4's encoded document holds.
fn peer4_input(encoded: &str) -> Result<Map<String, Value>> {
    let bad = || malformed(DidProblem::BadDocument);
    let bytes = encoded
        .strip_prefix('z')
        .and_then(|b| bs58::decode(b).into_vec().ok())
        .ok_or_else(bad)?;
    let json = bytes.strip_prefix(&JSON_CODEC[..]).ok_or_else(bad)?;
    let Value::Object(input) =
        json::parse_strict(json, Location::Service, INPUT_DEPTH).map_err(|_| bad())?
    else {
        return Err(bad());
    };
    if input.contains_key("id") {
        return Err(malformed(DidProblem::InputHasId));
    }
    Ok(input)
}

/// The document of a long did:peer:4 (its hash checked) under `did`, which is the long form
/// itself or its short form: `id` set, the other form appended to `alsoKnownAs`, and every
/// verification method without a `controller` given `did`.
pub fn peer4_document(long: &str, did: &str) -> Result<Value> {
    let (short, mut doc) = peer4_checked(long)?;
    if did != long && did != short {
        return Err(malformed(DidProblem::HashMismatch));
    }
    let other = if did == long { short } else { long.to_owned() };
    doc.insert("id".into(), Value::String(did.to_owned()));
    match doc.get_mut("alsoKnownAs") {
        Some(Value::Array(list)) => list.push(Value::String(other)),
        _ => {
            doc.insert("alsoKnownAs".into(), json!([other]));
        }
    }
    let set_controller = |m: &mut Value| {
        if let Value::Object(m) = m {
            m.entry("controller")
                .or_insert_with(|| Value::String(did.to_owned()));
        }
    };
    for relation in [
        "verificationMethod",
        "authentication",
        "assertionMethod",
        "keyAgreement",
        "capabilityInvocation",
        "capabilityDelegation",
    ] {
        if let Some(Value::Array(items)) = doc.get_mut(relation) {
            items.iter_mut().for_each(set_controller);
        }
    }
    Ok(Value::Object(doc))
}
