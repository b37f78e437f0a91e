//! Unpacking in two steps, as an agent with a DID resolver does: read who the envelope claims
//! to be from and for, resolve those keys, then decrypt with the sender key bound to its kid.
//! Unpacks the DIDComm v2 specification's authcrypt example (App. C.3) as Bob.
//!
//! `cargo run --example unpack`

use authcrypt::didcomm::{DidDocument, Envelope, KeyResolver, KeySet, Unpacker};

const KEYS: &str = include_str!("../rfc-vectors/didcomm-v2-test-keys.json");
const MESSAGES: &str = include_str!("../rfc-vectors/didcomm-v2-encrypted-messages.json");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let keys: serde_json::Value = serde_json::from_str(KEYS)?;
    let messages: serde_json::Value = serde_json::from_str(MESSAGES)?;
    let envelope = messages["messages"]
        .as_array()
        .and_then(|m| {
            m.iter()
                .find(|m| m["id"] == "spec-C3-4-authcrypt-x25519-a256cbc-hs512")
        })
        .ok_or("example not found")?["jwe_general_json"]
        .to_string();

    // Bob's wallet: his private keys.
    let mut wallet = KeySet::new();
    for k in keys["keys"].as_array().into_iter().flatten() {
        if k["owner"] == "bob" {
            let jwk = authcrypt::Jwk::from_value(&k["private_jwk"], Default::default())?;
            wallet.insert(jwk.with_kid(k["kid"].as_str().unwrap_or_default()))?;
        }
    }
    // The resolver: Alice's DID document.
    let alice_doc = DidDocument::from_value(&keys["did_documents"]["did:example:alice"])?;

    // Step 1: what does the envelope claim? Nothing has been decrypted yet.
    let parsed = Envelope::parse(envelope.as_bytes())?;
    println!("mode:       {}", parsed.mode());
    println!("alg/enc:    {} / {}", parsed.alg(), parsed.enc());
    println!("sender:     {}", parsed.sender_kid().unwrap_or("anonymous"));
    println!("recipients: {}", parsed.recipient_kids().join(", "));

    // Step 2: resolve the keys (here synchronously) and decrypt.
    let recipient = parsed
        .recipient_kids()
        .iter()
        .find_map(|kid| wallet.secret_key(kid))
        .ok_or("no key for any recipient")?;
    let sender = match parsed.sender_kid() {
        Some(kid) => Some(
            alice_doc
                .public_key(kid)
                .ok_or("sender key not resolvable")?,
        ),
        None => None,
    };
    let (plaintext, layer) = parsed.decrypt(&recipient, sender.as_ref())?;
    println!(
        "decrypted by {}:\n{}",
        layer.recipient_kid,
        String::from_utf8_lossy(&plaintext)
    );

    // The one-call form does the same with a combined key source.
    let mut all = wallet.clone();
    all.extend(KeySet::from_json(
        keys["did_documents"]["did:example:alice"]
            .to_string()
            .as_bytes(),
    )?)?;
    let unpacked = Unpacker::new(&all).unpack(envelope.as_bytes())?;
    assert_eq!(unpacked.plaintext, plaintext);
    Ok(())
}
