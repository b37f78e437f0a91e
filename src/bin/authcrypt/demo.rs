//! `demo`: authcrypt a DIDComm message from Alice to Bob and Charlie, unpack it as each of
//! them, sign one and verify it inside its envelope, and show what happens to tampered and
//! misattributed copies.

use std::fmt::Write as _;

use authcrypt::didcomm::{sign, Envelope, KeySet, Packer, Unpacked, Unpacker};
use authcrypt::jws::{SigAlg, SigningKey};
use authcrypt::{Jwk, Result};
use serde_json::Value;

use super::error::Failure;
use super::{decode_b64url, Output};

pub const DEMO_EXAMPLES: &str = "\
Example:
  cargo run --release -- demo

The keys are the X25519 keyAgreement keys of Alice, Bob and Charlie and Alice's Ed25519
authentication key from the DIDComm v2 specification's test vectors, embedded in the tool.";

/// did:example:alice#key-x25519-1 (DIDComm v2 specification, Appendix A).
const ALICE: &str = r#"{"kty":"OKP","crv":"X25519","x":"avH0O2Y4tqLAq8y9zpianr8ajii5m4F_mICrzNlatXs","d":"r-jK2cO3taR8LQnJB1_ikLBTAnOtShJOsHXRUWT-aZA","kid":"did:example:alice#key-x25519-1"}"#;
/// did:example:bob#key-x25519-1 (DIDComm v2 specification, Appendix A).
const BOB: &str = r#"{"kty":"OKP","crv":"X25519","x":"GDTrI66K0pFfO54tlCSvfjjNapIs44dzpneBgyx0S3E","d":"b9NnuOCB0hm7YGNvaE9DMhwH_wjZA1-gWD6dA0JWdL0","kid":"did:example:bob#key-x25519-1"}"#;
/// did:example:charlie#key-x25519-1 (the didcomm-rust test vectors).
const CHARLIE: &str = r#"{"kty":"OKP","crv":"X25519","x":"nTiVFj7DChMsETDdxd5dIzLAJbSQ4j4UG6ZU1ogLNlw","d":"Z-BsgFe-eCvhuZlCBX5BV2XiDE2M92gkaORCe68YdZI","kid":"did:example:charlie#key-x25519-1"}"#;

/// did:example:alice#key-1, Alice's Ed25519 authentication key (DIDComm v2 specification,
/// Appendix A).
const ALICE_SIGNING: &str = r#"{"kty":"OKP","crv":"Ed25519","x":"G-boxFB6vOZBu-wXkm-9Lh79I8nf9Z50cILaOgKKGww","d":"pFRUKkyzx4kHdJtFSnlPA9WzqkDT1HWV0xZ5OYZd2SY","kid":"did:example:alice#key-1"}"#;

/// A DIDComm v2 plaintext message (the specification's example).
const MESSAGE: &str = r#"{"id":"1234567890","type":"https://example.com/protocols/lets_do_lunch/1.0/proposal","from":"did:example:alice","to":["did:example:bob","did:example:charlie"],"created_time":1516269022,"expires_time":1516385931,"body":{"messagespecificattribute":"and its value"}}"#;

pub fn run() -> Result<Output, Failure> {
    demo().map_err(|e| Failure::internal(format!("demo failed: {e}")))
}

/// Why the demo could not finish: the library refused a step that must work, or accepted an
/// envelope it must reject.
#[derive(Debug)]
enum DemoFailure {
    /// A step that must work failed.
    Refused(authcrypt::Error),
    /// A tampered or misattributed envelope was accepted.
    Accepted,
}

impl From<authcrypt::Error> for DemoFailure {
    fn from(e: authcrypt::Error) -> DemoFailure {
        DemoFailure::Refused(e)
    }
}

impl std::fmt::Display for DemoFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DemoFailure::Refused(e) => e.fmt(f),
            DemoFailure::Accepted => {
                f.write_str("a tampered or misattributed envelope was accepted")
            }
        }
    }
}

fn demo() -> Result<Output, DemoFailure> {
    let alice = Jwk::from_json(ALICE)?;
    let bob = Jwk::from_json(BOB)?;
    let charlie = Jwk::from_json(CHARLIE)?;
    let mut out = String::new();

    authcrypt_to_two(&mut out, &alice, &bob, &charlie)?;
    anonymous_sender(&mut out, &alice, &bob)?;
    signed(&mut out, &alice, &bob)?;
    forgeries(&mut out, &alice, &bob)?;
    let _ = writeln!(
        out,
        "\nEvery recipient read the message, the sender was authenticated, the signer was \
         verified, and every tampered or misattributed copy was rejected."
    );
    Ok(Output::new(out.trim_start().as_bytes().to_vec()))
}

/// Alice's message, authcrypted to Bob and Charlie, unpacked by each, and tampered copies.
fn authcrypt_to_two(
    out: &mut String,
    alice: &Jwk,
    bob: &Jwk,
    charlie: &Jwk,
) -> Result<(), DemoFailure> {
    heading(out, "The plaintext message (Alice's DIDComm v2 message)");
    let _ = writeln!(out, "{}", pretty_json(MESSAGE.as_bytes()));

    let envelope = Packer::authcrypt(alice)
        .to(&bob.to_public())
        .to(&charlie.to_public())
        .pack(MESSAGE.as_bytes())?;
    heading(
        out,
        "authcrypt from Alice to Bob and Charlie (ECDH-1PU+A256KW, A256CBC-HS512, X25519)",
    );
    let _ = writeln!(out, "{}", pretty_json(envelope.as_bytes()));
    let claims = Envelope::parse(envelope.as_bytes())?;
    let _ = writeln!(
        out,
        "\nThe protected header, decoded: {}",
        pretty_json(&decode_b64url(claims.jwe().protected_b64()).unwrap_or_default())
    );

    for (name, me) in [("Bob", bob), ("Charlie", charlie)] {
        heading(out, &format!("{name} unpacks it"));
        let opened = unpack(me, alice, envelope.as_bytes())?;
        describe(out, &opened);
    }

    tampered(out, &envelope, alice, bob)
}

/// Tampered and misattributed copies of `envelope`, each rejected.
fn tampered(out: &mut String, envelope: &str, alice: &Jwk, bob: &Jwk) -> Result<(), DemoFailure> {
    heading(out, "Tampered copies are rejected");
    let flipped = tamper_ciphertext(envelope);
    let _ = writeln!(
        out,
        "one ciphertext character changed, Bob unpacks: {}",
        verdict(unpack(bob, alice, flipped.as_bytes()))?
    );
    let dropped = drop_recipient(envelope, "did:example:charlie#key-x25519-1");
    let _ = writeln!(
        out,
        "Charlie's entry removed, Bob unpacks:          {}",
        verdict(unpack(bob, alice, dropped.as_bytes()))?
    );
    let impostor =
        Jwk::generate(authcrypt::Curve::X25519).with_kid("did:example:alice#key-x25519-1");
    let _ = writeln!(
        out,
        "Bob checks against a key that is not Alice's:  {}",
        verdict(unpack(bob, &impostor, envelope.as_bytes()))?
    );

    Ok(())
}

/// anoncrypt, and authcrypt hidden inside anoncrypt (protect-sender).
fn anonymous_sender(out: &mut String, alice: &Jwk, bob: &Jwk) -> Result<(), DemoFailure> {
    heading(
        out,
        "anoncrypt to Bob (ECDH-ES+A256KW): the sender stays anonymous",
    );
    let anon = Packer::anoncrypt().to(&bob.to_public()).pack(
        br#"{"id":"42","type":"https://example.com/ping","to":["did:example:bob"],"body":{}}"#,
    )?;
    let claims = Envelope::parse(anon.as_bytes())?;
    let _ = writeln!(
        out,
        "protected header: {}",
        String::from_utf8_lossy(&decode_b64url(claims.jwe().protected_b64()).unwrap_or_default())
    );
    describe(out, &unpack(bob, alice, anon.as_bytes())?);

    heading(
        out,
        "protect-sender: anoncrypt(authcrypt(message)) to Bob hides Alice's kid",
    );
    let hidden = Packer::authcrypt(alice)
        .to(&bob.to_public())
        .protect_sender(true)
        .pack(MESSAGE.as_bytes())?;
    let claims = Envelope::parse(hidden.as_bytes())?;
    let _ = writeln!(
        out,
        "outer envelope: {} {}, sender as seen from outside: {}",
        claims.alg(),
        claims.enc(),
        claims.sender_kid().unwrap_or("(none)")
    );
    describe(out, &unpack(bob, alice, hidden.as_bytes())?);
    Ok(())
}

/// Alice signs the message: alone, and inside authcrypt, each verified with her
/// authentication key; Mallory's re-sending of her signed message under his own authcrypt is
/// refused.
fn signed(out: &mut String, alice: &Jwk, bob: &Jwk) -> Result<(), DemoFailure> {
    let alice_sig = SigningKey::from_json(ALICE_SIGNING)?;
    let message = r#"{"id":"8","type":"https://example.com/ping","from":"did:example:alice","to":["did:example:bob"],"body":{}}"#;
    let mut keys = KeySet::new();
    keys.insert(bob.clone())?;
    keys.insert(alice.to_public())?;
    keys.insert_verification_key(alice_sig.verifying_key())?;
    let mallory =
        Jwk::generate(authcrypt::Curve::X25519).with_kid("did:example:mallory#key-x25519-1");
    keys.insert(mallory.to_public())?;
    let unpacker = Unpacker::new(&keys);

    heading(
        out,
        "A signed message (JWS, EdDSA): non-repudiable, readable by anyone",
    );
    let jws = sign(&alice_sig, message.as_bytes())?;
    let _ = writeln!(out, "{}", pretty_json(jws.as_bytes()));
    describe(out, &unpacker.unpack(jws.as_bytes())?);

    heading(
        out,
        "authcrypt(sign(message)) to Bob: the sender authenticated and the signer verified",
    );
    let envelope = Packer::authcrypt(alice)
        .sign_with(&alice_sig)
        .to(&bob.to_public())
        .pack(message.as_bytes())?;
    describe(out, &unpacker.unpack(envelope.as_bytes())?);

    let mut changed: Value = serde_json::from_str(&jws).unwrap_or_default();
    if let Some(Value::String(sig)) = changed.pointer_mut("/signatures/0/signature") {
        let first = if sig.starts_with('A') { "B" } else { "A" };
        sig.replace_range(..1, first);
    }
    let _ = writeln!(
        out,
        "\none signature character changed, Bob verifies:  {}",
        verdict(unpacker.unpack(changed.to_string().as_bytes()))?
    );
    let resent = Packer::authcrypt(&mallory)
        .to(&bob.to_public())
        .pack(jws.as_bytes())?;
    let _ = writeln!(
        out,
        "Mallory authcrypts Alice's signed message:      {}",
        verdict(unpacker.unpack(resent.as_bytes()))?
    );
    let impostor = SigningKey::generate(SigAlg::EdDsa).with_kid("did:example:alice#key-1");
    let _ = writeln!(
        out,
        "signed by a key that is not Alice's:            {}",
        verdict(unpacker.unpack(sign(&impostor, message.as_bytes())?.as_bytes()))?
    );
    Ok(())
}

/// Senders that no key proved: a forged `from`, and an anonymous envelope relayed by Alice.
fn forgeries(out: &mut String, alice: &Jwk, bob: &Jwk) -> Result<(), DemoFailure> {
    heading(out, "A sender that no key proved is never reported");
    let claims_alice = r#"{"id":"7","type":"https://example.com/ping","from":"did:example:alice","to":["did:example:bob"],"body":{}}"#;
    let mallory =
        Jwk::generate(authcrypt::Curve::X25519).with_kid("did:example:mallory#key-x25519-1");
    let forged = Packer::authcrypt(&mallory)
        .to(&bob.to_public())
        .pack(claims_alice.as_bytes())?;
    let _ = writeln!(
        out,
        "Mallory authcrypts a message whose from is Alice:  {}",
        verdict(unpack(bob, &mallory, forged.as_bytes()))?
    );
    let anonymous = Packer::anoncrypt()
        .to(&bob.to_public())
        .pack(claims_alice.as_bytes())?;
    let relayed = Packer::authcrypt(alice)
        .to(&bob.to_public())
        .pack(anonymous.as_bytes())?;
    let _ = writeln!(
        out,
        "Alice relays someone's anonymous envelope:         {}",
        verdict(unpack(bob, alice, relayed.as_bytes()))?
    );
    Ok(())
}

fn heading(out: &mut String, title: &str) {
    let _ = writeln!(out, "\n== {title} ==\n");
}

/// Unpacks as `me`, resolving the sender's public key from `sender`.
fn unpack(me: &Jwk, sender: &Jwk, envelope: &[u8]) -> Result<Unpacked> {
    let mut secrets = KeySet::new();
    secrets.insert(me.clone())?;
    let mut senders = KeySet::new();
    senders.insert(sender.to_public())?;
    Unpacker::new(&secrets).senders(&senders).unpack(envelope)
}

fn describe(out: &mut String, opened: &Unpacked) {
    let layers: Vec<String> = opened.layers.iter().map(|l| l.mode.to_string()).collect();
    if layers.is_empty() {
        let _ = writeln!(out, "mode:        (not encrypted)");
        let _ = writeln!(out, "recipient:   (anyone)");
    } else {
        let _ = writeln!(out, "mode:        {}", layers.join(" wrapping "));
        let _ = writeln!(out, "recipient:   {}", opened.recipient_kid());
    }
    let _ = writeln!(
        out,
        "sender kid:  {}",
        opened.sender_kid().unwrap_or("(anonymous)")
    );
    for signer in &opened.signers {
        let _ = writeln!(out, "signed by:   {} ({})", signer.kid, signer.alg);
    }
    let _ = writeln!(
        out,
        "plaintext:   {}",
        String::from_utf8_lossy(&opened.plaintext)
    );
}

/// The rejection of a tampered or misattributed envelope, as text; accepting it would be a
/// failure.
fn verdict(result: Result<Unpacked>) -> Result<String, DemoFailure> {
    match result {
        Ok(_) => Err(DemoFailure::Accepted),
        Err(e) => Ok(format!("rejected: {e}")),
    }
}

fn pretty_json(bytes: &[u8]) -> String {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The envelope with the first character of its ciphertext changed.
fn tamper_ciphertext(envelope: &str) -> String {
    edit(envelope, |v| {
        if let Some(Value::String(ct)) = v.get_mut("ciphertext").filter(|c| c != &"") {
            let first = if ct.starts_with('A') { "B" } else { "A" };
            ct.replace_range(..1, first);
        }
    })
}

/// The envelope without the recipient entry of `kid`.
fn drop_recipient(envelope: &str, kid: &str) -> String {
    edit(envelope, |v| {
        if let Some(Value::Array(list)) = v.get_mut("recipients") {
            list.retain(|r| r["header"]["kid"] != kid);
        }
    })
}

fn edit(envelope: &str, change: impl FnOnce(&mut Value)) -> String {
    match serde_json::from_str::<Value>(envelope) {
        Ok(mut v) => {
            change(&mut v);
            v.to_string()
        }
        Err(_) => envelope.to_owned(),
    }
}
