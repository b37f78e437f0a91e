//! The envelope sizes the README reports, computed here: a 500-octet plaintext message on
//! P-256 in each DIDComm form. Every size is a property of the format (fixed-length keys,
//! tags, IVs and signatures), so the table is the same on every run; this test fails when the
//! README's table is not the one the code produces.
//!
//! Print the table: `cargo test --test envelope_sizes -- --nocapture`.

use authcrypt::didcomm::{sign, Packer, TYP_ENCRYPTED};
use authcrypt::jws::{SigAlg, SigningKey};
use authcrypt::{Alg, Curve, Enc, Encrypter, Jwk, Sender, Serialization};
use serde_json::{json, Value};

const MESSAGE_LEN: usize = 500;

/// A plaintext message of exactly 500 octets from Alice to Bob.
fn message() -> Vec<u8> {
    let mut m = json!({
        "id": "1234567890",
        "typ": "application/didcomm-plain+json",
        "type": "https://didcomm.org/basicmessage/2.0/message",
        "from": "did:example:alice",
        "to": ["did:example:bob"],
        "created_time": 1_516_269_022,
        "body": {"content": ""},
    });
    let base = m.to_string().len();
    m["body"]["content"] = Value::String("x".repeat(MESSAGE_LEN - base));
    let text = m.to_string().into_bytes();
    assert_eq!(text.len(), MESSAGE_LEN);
    text
}

fn table() -> String {
    let alice = Jwk::generate(Curve::P256).with_kid("did:example:alice#key-p256-1");
    let alice_sig = SigningKey::generate(SigAlg::Es256).with_kid("did:example:alice#key-2");
    let bob = Jwk::generate(Curve::P256).with_kid("did:example:bob#key-p256-1");
    let bob_pub = bob.to_public();
    let m = message();

    let authcrypt = Packer::authcrypt(&alice).to(&bob_pub).pack(&m).unwrap();
    let skid = alice.kid().unwrap();
    let compact = Encrypter::new(
        Sender::Authenticated(&alice),
        Alg::Ecdh1PuA256Kw.key_wrap(),
        Enc::A256CbcHs512,
    )
    .recipient(&bob_pub)
    .protected_member("typ", Value::String(TYP_ENCRYPTED.into()))
    .skid(skid)
    .apu(skid.as_bytes())
    .apv(authcrypt::didcomm::apv_octets_for(&[bob.kid().unwrap()]))
    .serialization(Serialization::Compact)
    .encrypt(&m)
    .unwrap();
    let anoncrypt = Packer::anoncrypt().to(&bob_pub).pack(&m).unwrap();
    let signed = sign(&alice_sig, &m).unwrap();
    let anon_sign = Packer::anoncrypt()
        .sign_with(&alice_sig)
        .to(&bob_pub)
        .pack(&m)
        .unwrap();
    let auth_sign = Packer::authcrypt(&alice)
        .sign_with(&alice_sig)
        .to(&bob_pub)
        .pack(&m)
        .unwrap();
    let protected = Packer::authcrypt(&alice)
        .protect_sender(true)
        .to(&bob_pub)
        .pack(&m)
        .unwrap();

    let rows = [
        ("plaintext message", m.len()),
        ("authcrypt(m), general JSON", authcrypt.len()),
        ("authcrypt(m), compact", compact.len()),
        ("anoncrypt(m)", anoncrypt.len()),
        ("sign(m), ES256", signed.len()),
        ("anoncrypt(sign(m))", anon_sign.len()),
        ("authcrypt(sign(m))", auth_sign.len()),
        ("anoncrypt(authcrypt(m))", protected.len()),
    ];
    let base = authcrypt.len() as f64;
    let mut out = String::from("| form | octets | ÷ authcrypt(m) |\n| --- | ---: | ---: |\n");
    for (name, len) in rows {
        out.push_str(&format!("| {name} | {len} | {:.2} |\n", len as f64 / base));
    }
    out
}

#[test]
fn the_readme_shows_the_envelope_sizes_the_code_produces() {
    let computed = table();
    // Two runs with fresh keys give the same sizes: they are properties of the format.
    assert_eq!(computed, table());
    println!("{computed}");
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    assert!(
        readme.contains(&computed),
        "README.md must contain the envelope size table as computed:\n{computed}"
    );
}
