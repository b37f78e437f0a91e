//! The benchmark matrix and its inputs, shared by the main crate's benches and the
//! peer-comparison crate (included with `#[path]`).
//!
//! Every case is named `{mode}-{curve}-r{recipients}` (e.g. `authcrypt-P-256-r10`), and every
//! criterion group `{prefix}{op}_{size}` (e.g. `pack_64KiB`, `peer_unpack_1MiB`), so that
//! `benches/report.py` can put the numbers side by side.

#![allow(dead_code)]

use authcrypt::didcomm::KeySet;
use authcrypt::{Curve, Jwk};

/// One kibibyte.
pub const KIB: usize = 1024;

/// Payload sizes: the length of the DIDComm plaintext message that is packed.
pub const SIZES: [(usize, &str); 3] = [(KIB, "1KiB"), (64 * KIB, "64KiB"), (1024 * KIB, "1MiB")];

/// Curves of the matrix.
pub const CURVES: [Curve; 3] = [Curve::X25519, Curve::P256, Curve::P384];

/// Recipient counts of the matrix.
pub const RECIPIENTS: [usize; 2] = [1, 10];

/// The recipient counts of the sweep (X25519 authcrypt, 1 KiB).
pub const SWEEP_RECIPIENTS: [usize; 3] = [1, 10, 100];

/// The sender's kid.
pub const SENDER_KID: &str = "did:example:alice#key-1";

/// The DIDComm envelope modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// ECDH-1PU+A256KW with A256CBC-HS512.
    Authcrypt,
    /// ECDH-ES+A256KW with A256CBC-HS512.
    Anoncrypt,
}

impl Mode {
    /// Both modes.
    pub const ALL: [Mode; 2] = [Mode::Authcrypt, Mode::Anoncrypt];

    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Authcrypt => "authcrypt",
            Mode::Anoncrypt => "anoncrypt",
        }
    }

    /// The JOSE `alg` of the mode.
    pub fn alg(self) -> &'static str {
        match self {
            Mode::Authcrypt => "ECDH-1PU+A256KW",
            Mode::Anoncrypt => "ECDH-ES+A256KW",
        }
    }
}

/// The identifier of one case.
pub fn case_id(mode: Mode, curve: Curve, recipients: usize) -> String {
    format!("{}-{}-r{}", mode.name(), curve.name(), recipients)
}

/// The kid of recipient `i`.
pub fn recipient_kid(i: usize) -> String {
    format!("did:example:bob#key-{}", i + 1)
}

/// A DIDComm v2 plaintext message of exactly `len` octets (`len` ≥ 256): a basic message whose
/// body content is filler text, so that unpacking sees the JSON an agent would.
pub fn message(len: usize) -> Vec<u8> {
    let head = concat!(
        r#"{"id":"6f1c8e2a-0b57-4c43-9d2e-2a1f3b9e7c10","#,
        r#""type":"https://didcomm.org/basicmessage/2.0/message","#,
        r#""from":"did:example:alice","to":["did:example:bob"],"#,
        r#""created_time":1700000000,"body":{"content":""#
    );
    let tail = r#""}}"#;
    assert!(len >= head.len() + tail.len(), "message too short");
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(head.as_bytes());
    // Deterministic, printable, no escapes: an xorshift over a 62-letter alphabet.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    while out.len() < len - tail.len() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.push(ALPHABET[(state % ALPHABET.len() as u64) as usize]);
    }
    out.extend_from_slice(tail.as_bytes());
    debug_assert_eq!(out.len(), len);
    out
}

/// The keys of one case, generated once and held parsed.
pub struct Parties {
    /// The curve.
    pub curve: Curve,
    /// The sender's key pair (used by authcrypt).
    pub sender: Jwk,
    /// Every recipient's key pair.
    pub recipients: Vec<Jwk>,
    /// Every recipient's public key.
    pub recipients_public: Vec<Jwk>,
    /// Which recipient unpacks (the last one, so that a lookup walks the whole list).
    pub unpacker: usize,
}

impl Parties {
    /// Fresh keys for `n` recipients on `curve`.
    pub fn new(curve: Curve, n: usize) -> Parties {
        let sender = Jwk::generate(curve).with_kid(SENDER_KID);
        let recipients: Vec<Jwk> = (0..n)
            .map(|i| Jwk::generate(curve).with_kid(recipient_kid(i)))
            .collect();
        let recipients_public = recipients.iter().map(Jwk::to_public).collect();
        Parties {
            curve,
            sender,
            recipients,
            recipients_public,
            unpacker: n - 1,
        }
    }

    /// The unpacking recipient's key pair.
    pub fn unpacking_recipient(&self) -> &Jwk {
        &self.recipients[self.unpacker]
    }

    /// The key set of the unpacking recipient: its own key pair and, for authcrypt, the
    /// sender's public key (as resolved from the sender's DID).
    pub fn keyset(&self, mode: Mode) -> KeySet {
        let mut keys = KeySet::new();
        keys.insert(self.unpacking_recipient().clone())
            .expect("recipient key has a kid");
        if mode == Mode::Authcrypt {
            keys.insert(self.sender.to_public())
                .expect("sender key has a kid");
        }
        keys
    }

    /// The recipient kids in envelope order.
    pub fn kids(&self) -> Vec<String> {
        (0..self.recipients.len()).map(recipient_kid).collect()
    }
}

/// The `protected` member (base64url text) of a general-JSON envelope.
pub fn protected_member(envelope: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(envelope).expect("envelope is JSON");
    value["protected"]
        .as_str()
        .expect("envelope has a protected header")
        .to_owned()
}
