//! did:key and the key formats of DID documents (rules K6 and K7 of `docs/rules.md`), against
//! the W3C CCG did-method-key test vectors: every DID of the vectors resolves here to the keys
//! the vector's own document holds, under the same ids and in the same relationships.

mod common;

use std::collections::BTreeMap;

use authcrypt::did::key_method::{self, did_key_of, LocalDids};
use authcrypt::did::multikey::{encode_multikey, KeyKind};
use authcrypt::did::{DidDocument, KeyResolver};
use authcrypt::didcomm::{KeySet, Packer, Unpacker};
use authcrypt::error::MethodProblem;
use authcrypt::jws::{SigAlg, SigningKey};
use authcrypt::{Curve, Error, Jwk};
use common::vector;
use serde_json::{json, Value};

/// Every (DID, document) of one vector file, whichever of its two layouts it has.
fn documents(file: &str) -> Vec<(String, Value)> {
    let v = vector(file);
    let map = v.as_object().unwrap();
    if let Some(Value::Object(docs)) = map.get("didDocument") {
        return docs.iter().map(|(k, d)| (k.clone(), d.clone())).collect();
    }
    map.iter()
        .map(|(k, entry)| (k.clone(), entry["didDocument"].clone()))
        .collect()
}

/// A document's keys by kid: the public key-agreement keys and the verification keys, as JWK
/// text (so that keys of both kinds compare by value).
fn keys_of(doc: &DidDocument) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let agreement = doc
        .key_agreement_keys()
        .iter()
        .map(|k| (k.kid().unwrap().to_owned(), k.to_public_json()))
        .collect();
    let verifying = doc
        .authentication_keys()
        .iter()
        .map(|k| (k.kid().unwrap().to_owned(), k.to_json()))
        .collect();
    (agreement, verifying)
}

#[test]
fn ccg_vectors_resolve_to_the_keys_of_their_documents() {
    let mut checked = 0;
    for file in [
        "w3c-ccg-did-method-key-ed25519-x25519.json",
        "w3c-ccg-did-method-key-x25519.json",
        "w3c-ccg-did-method-key-nist-curves.json",
        "w3c-ccg-did-method-key-secp256k1.json",
    ] {
        for (did, published) in documents(file) {
            let theirs = DidDocument::from_value(&published)
                .unwrap_or_handle(|e| panic!("{file} {did}: their document: {e}"));
            let ours = key_method::resolve(&did).unwrap_or_handle(|e| panic!("{file} {did}: {e}"));
            assert_eq!(ours.id(), did);
            assert_eq!(keys_of(&ours), keys_of(&theirs), "{file} {did}");
            let (agreement, verifying) = keys_of(&ours);
            assert!(!agreement.is_empty() || !verifying.is_empty(), "{did}");
            checked += 1;
        }
    }
    assert_eq!(checked, 5 + 4 + 7 + 6, "every DID of the four files");
}

/// `unwrap_or_else` with a message that names the case.
trait OrHandle<T> {
    fn unwrap_or_handle(self, f: impl FnOnce(Error) -> T) -> T;
}

impl<T> OrHandle<T> for Result<T, Error> {
    fn unwrap_or_handle(self, f: impl FnOnce(Error) -> T) -> T {
        self.unwrap_or_else(f)
    }
}

#[test]
fn ed25519_did_key_derives_its_x25519_key_agreement_key() {
    // The first ed25519-x25519 vector: seed 0, its X25519 key published beside it.
    let v = vector("w3c-ccg-did-method-key-ed25519-x25519.json");
    let (did, entry) = v.as_object().unwrap().iter().next().unwrap();
    let doc = key_method::resolve(did).unwrap();
    let x = &doc.key_agreement_keys()[0];
    assert_eq!(
        x.kid().unwrap(),
        format!(
            "{did}{}",
            entry["keyAgreementKeyPair"]["id"].as_str().unwrap()
        )
    );
    // A message to the did:key, packed with keys from the resolver alone, opens with the
    // X25519 secret the vector gives.
    let secret = bs58::decode(
        entry["keyAgreementKeyPair"]["privateKeyBase58"]
            .as_str()
            .unwrap(),
    )
    .into_vec()
    .unwrap();
    let bob = Jwk::from_json(
        &json!({"kty": "OKP", "crv": "X25519", "d": common::b64(&secret),
                "x": common::b64(&x.public_key().x()), "kid": x.kid().unwrap()})
        .to_string(),
    )
    .unwrap();
    let envelope = Packer::anoncrypt()
        .to_did(&LocalDids, did)
        .unwrap()
        .pack(br#"{"id":"1","type":"t","body":{}}"#)
        .unwrap();
    let mut keys = KeySet::new();
    keys.insert(bob).unwrap();
    Unpacker::new(&keys).unpack(envelope.as_bytes()).unwrap();
}

#[test]
fn a_signed_message_from_a_did_key_verifies_with_the_resolver_alone() {
    let key = SigningKey::generate(SigAlg::EdDsa);
    let public = key.verifying_key().to_json();
    let x: Value = serde_json::from_str(&public).unwrap();
    let raw = common::unb64(x["x"].as_str().unwrap());
    let did = did_key_of(KeyKind::Ed25519, &raw);
    let kid = format!("{did}#{}", did.strip_prefix("did:key:").unwrap());
    let key = key.with_kid(kid.clone());
    let message = json!({"id": "1", "type": "t", "from": did, "body": {}}).to_string();
    let signed = authcrypt::didcomm::sign(&key, message.as_bytes()).unwrap();
    let out = Unpacker::new(&LocalDids).unpack(signed.as_bytes()).unwrap();
    assert_eq!(out.signer_kid(), Some(kid.as_str()));
    assert!(LocalDids.verification_key(&kid).is_some());
    assert!(
        LocalDids.public_key(&kid).is_none(),
        "an Ed25519 key agrees no keys"
    );
}

#[test]
fn rule_k6_every_key_format_is_read_and_a_bad_method_is_named() {
    let x25519 = Jwk::generate(Curve::X25519);
    let x = x25519.public_key().x();
    let ed = SigningKey::generate(SigAlg::EdDsa).verifying_key();
    let ed_x: Value = serde_json::from_str(&ed.to_json()).unwrap();
    let ed_raw = common::unb64(ed_x["x"].as_str().unwrap());
    let did = "did:example:formats";
    let method = |id: &str, typ: &str, member: &str, value: String| json!({"id": format!("#{id}"), "type": typ, "controller": did, member: value});
    let doc = json!({
        "id": did,
        "verificationMethod": [
            method("x2019", "X25519KeyAgreementKey2019", "publicKeyBase58", bs58::encode(&x).into_string()),
            method("x2020", "X25519KeyAgreementKey2020", "publicKeyMultibase", encode_multikey(KeyKind::X25519, &x)),
            method("xmk", "Multikey", "publicKeyMultibase", encode_multikey(KeyKind::X25519, &x)),
            method("e2018", "Ed25519VerificationKey2018", "publicKeyBase58", bs58::encode(&ed_raw).into_string()),
            method("e2020", "Ed25519VerificationKey2020", "publicKeyMultibase", encode_multikey(KeyKind::Ed25519, &ed_raw)),
        ],
        "keyAgreement": ["#x2019", "#x2020", "#xmk"],
        "authentication": ["#e2018", "#e2020"],
    });
    let read = DidDocument::from_value(&doc).unwrap();
    assert_eq!(read.key_agreement_keys().len(), 3);
    for k in read.key_agreement_keys() {
        assert_eq!(k.public_key(), x25519.public_key());
    }
    assert_eq!(read.authentication_keys().len(), 2);
    // A compressed P-256 point is decompressed: the same key as its JWK.
    let p256 = SigningKey::generate(SigAlg::Es256).verifying_key();
    let jwk: Value = serde_json::from_str(&p256.to_json()).unwrap();
    let (px, py) = (
        common::unb64(jwk["x"].as_str().unwrap()),
        common::unb64(jwk["y"].as_str().unwrap()),
    );
    let mut compressed = vec![2 + (py[31] & 1)];
    compressed.extend(&px);
    let doc = json!({"id": did, "verificationMethod": [
        method("p", "Multikey", "publicKeyMultibase", encode_multikey(KeyKind::P256, &compressed))],
        "authentication": ["#p"], "keyAgreement": ["#p"]});
    let read = DidDocument::from_value(&doc).unwrap();
    assert_eq!(
        read.authentication_keys()[0],
        p256.clone().with_kid(format!("{did}#p"))
    );
    assert_eq!(read.key_agreement_keys()[0].public_key().y(), Some(py));

    // Each fault names the method.
    let bad =
        |m: Value| match DidDocument::from_value(&json!({"id": did, "verificationMethod": [m]})) {
            Err(Error::InvalidMethod { id, problem }) => {
                assert_eq!(id, format!("{did}#bad"));
                problem
            }
            other => panic!("expected InvalidMethod, got {other:?}"),
        };
    let mut not_compressed = compressed.clone();
    not_compressed[0] = 5;
    let mut off_curve = vec![2u8];
    off_curve.extend([0xff; 32]); // x is not below the field prime
    let cases = [
        (
            method("bad", "RsaVerificationKey2018", "publicKeyPem", "x".into()),
            MethodProblem::UnknownType("RsaVerificationKey2018".into()),
        ),
        (
            json!({"id": "#bad", "type": "Multikey"}),
            MethodProblem::NoKeyMaterial,
        ),
        (
            method("bad", "Multikey", "publicKeyMultibase", "mAAAA".into()),
            MethodProblem::NotBase58btc,
        ),
        (
            method(
                "bad",
                "Ed25519VerificationKey2018",
                "publicKeyBase58",
                "0OIl".into(),
            ),
            MethodProblem::NotBase58,
        ),
        (
            method(
                "bad",
                "Ed25519VerificationKey2018",
                "publicKeyBase58",
                bs58::encode([1u8; 31]).into_string(),
            ),
            MethodProblem::KeyLength {
                expected: 32,
                found: 31,
            },
        ),
        (
            method(
                "bad",
                "X25519KeyAgreementKey2020",
                "publicKeyMultibase",
                encode_multikey(KeyKind::Ed25519, &ed_raw),
            ),
            MethodProblem::CodecNotOfType,
        ),
        (
            method(
                "bad",
                "Multikey",
                "publicKeyMultibase",
                encode_multikey(KeyKind::P256, &off_curve),
            ),
            MethodProblem::InvalidKey,
        ),
        (
            method(
                "bad",
                "Multikey",
                "publicKeyMultibase",
                encode_multikey(KeyKind::P256, &not_compressed),
            ),
            MethodProblem::InvalidKey,
        ),
        (
            method(
                "bad",
                "Ed25519VerificationKey2020",
                "publicKeyMultibase",
                encode_multikey(KeyKind::Ed25519, &[0; 32]),
            ),
            MethodProblem::InvalidKey,
        ),
    ];
    for (m, want) in cases {
        assert_eq!(bad(m.clone()), want, "{m}");
    }
}

#[test]
fn rule_k7_a_did_key_that_is_not_one_is_refused() {
    for did in [
        "did:key:",
        "did:key:mAAAA",
        "did:key:z6Mk#frag",
        "did:web:example.com",
        &format!("did:key:z{}", "1".repeat(500)),
    ] {
        assert!(key_method::resolve(did).is_err(), "{did}");
    }
    assert!(matches!(
        key_method::resolve("did:web:example.com"),
        Err(Error::UnsupportedDid(_))
    ));
    assert!(LocalDids.key_agreement("did:key:zzzz").is_empty());
    // A key the multicodec names but whose bytes are no point.
    let off = did_key_of(KeyKind::P256, &[9; 33]);
    assert!(matches!(
        key_method::resolve(&off),
        Err(Error::InvalidMethod {
            problem: MethodProblem::InvalidKey,
            ..
        })
    ));
}
