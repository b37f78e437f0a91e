//! JSON Web Signature (RFC 7515): signing and verifying with `EdDSA` (Ed25519, RFC 8037),
//! `ES256`, `ES256K` (RFC 8812) and `ES384`, in the general and flattened JSON and the compact
//! serializations.
//!
//! Every signature of a message is verified, and any failure fails the message. A signature's
//! `alg` is read from its protected header only, and must be the algorithm of the key that its
//! `kid` names. The signing input is the protected header and the payload exactly as received.
//! Unencoded payloads (`b64: false`, RFC 7797) and every `crit` extension are refused.
//!
//! ```
//! use authcrypt::jws::{Jws, SigAlg, Signer, SigningKey};
//!
//! let alice = SigningKey::generate(SigAlg::EdDsa).with_kid("did:example:alice#key-1");
//! let signed = Signer::new(&alice).sign(br#"{"id":"1","type":"t","body":{}}"#)?;
//! let jws = Jws::parse(signed.as_bytes())?;
//! let verified = jws.verify(&[&alice.verifying_key()])?;
//! assert_eq!(verified[0].kid.as_deref(), Some("did:example:alice#key-1"));
//! assert_eq!(jws.payload(), br#"{"id":"1","type":"t","body":{}}"#);
//! # Ok::<(), authcrypt::Error>(())
//! ```

mod key;
mod parse;
mod sign;

pub use key::{SigningKey, VerifyingKey};
pub use parse::{Jws, Signature, MAX_JWS_LEN};
pub use sign::Signer;

pub use crate::names::{Serialization, SigAlg};

use crate::error::{echo, Error, Result};

/// The most signatures one message may carry.
pub const MAX_SIGNATURES: usize = 16;

impl SigAlg {
    /// Parses a registered `alg` value (exact, case-sensitive).
    pub fn from_name(name: &str) -> Result<SigAlg> {
        SigAlg::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .ok_or_else(|| Error::UnsupportedSigAlg(echo(name)))
    }
}

/// One signature that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The index of the signature in the message.
    pub index: usize,
    /// Its algorithm.
    pub alg: SigAlg,
    /// The `kid` of the key that verified it: the signer.
    pub kid: Option<String>,
}
