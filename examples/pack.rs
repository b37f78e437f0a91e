//! Packing: authcrypt from Alice to every X25519 keyAgreement key of Bob's DID document, and
//! anoncrypt to the same keys, with the DIDComm v2 specification's example keys.
//!
//! `cargo run --example pack`

use authcrypt::didcomm::{DidDocument, KeySet, Packer};
use authcrypt::Enc;

const KEYS: &str = include_str!("../rfc-vectors/didcomm-v2-test-keys.json");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let keys: serde_json::Value = serde_json::from_str(KEYS)?;
    let bob_doc = DidDocument::from_value(&keys["did_documents"]["did:example:bob"])?;
    let mut alice_secrets = KeySet::new();
    for k in keys["keys"].as_array().into_iter().flatten() {
        if k["owner"] == "alice" && k["private_jwk"]["crv"] == "X25519" {
            let jwk = authcrypt::Jwk::from_value(&k["private_jwk"], Default::default())?;
            alice_secrets.insert(jwk.with_kid(k["kid"].as_str().unwrap_or_default()))?;
        }
    }
    let alice = alice_secrets
        .keys()
        .next()
        .ok_or("no X25519 key for Alice")?;

    let message = br#"{"id":"1234567890","type":"https://example.com/protocols/lets_do_lunch/1.0/proposal","from":"did:example:alice","to":["did:example:bob"],"body":{"messagespecificattribute":"and its value"}}"#;

    let authcrypted = Packer::authcrypt(alice)
        .to_did(&bob_doc, "did:example:bob")?
        .pack(message)?;
    println!("authcrypt:\n{authcrypted}\n");

    let anoncrypted = Packer::anoncrypt()
        .enc(Enc::XC20P)
        .to_did(&bob_doc, "did:example:bob")?
        .pack(message)?;
    println!("anoncrypt:\n{anoncrypted}\n");

    let protected = Packer::authcrypt(alice)
        .protect_sender(true)
        .to_did(&bob_doc, "did:example:bob")?
        .pack(message)?;
    println!("anoncrypt(authcrypt):\n{protected}");
    Ok(())
}
