//! # authcrypt
//!
//! JWE (RFC 7516) for DIDComm v2: ECDH-ES *anoncrypt* and ECDH-1PU *authcrypt*
//! (draft-madden-jose-ecdh-1pu-04), direct or with AES key wrap, on X25519, P-256, P-384 and
//! P-521, with AES-CBC-HMAC-SHA2, AES-GCM and XChaCha20-Poly1305 content encryption, in the
//! general JSON, flattened JSON and compact serializations.
//!
//! The crate has layers, each usable on its own, and each module imports only the layers below
//! it:
//!
//! - [`didcomm`]: the DIDComm v2 profile — pack and unpack with every receiver check;
//! - [`jwe`]: the JWE engine ([`Encrypter`], [`Jwe`], [`Decrypter`]), which knows nothing of
//!   DIDComm;
//! - [`hazmat`]: the primitives the engine is made of (key agreement, Concat KDF, AES key wrap,
//!   content encryption) as thin, typed wrappers over the RustCrypto and dalek crates;
//! - [`key`] and [`jwk`]: key material by curve, and its JSON Web Key form;
//! - [`error`]: the one error type, and underneath everything the names of curves and
//!   algorithms ([`Curve`], [`Alg`], [`Enc`], [`Serialization`]) and the [`Parallelism`]
//!   switch.
//!
//! The Cargo feature `aws-lc` moves the ECDH scalar multiplications (ephemeral public keys, Ze,
//! Zs) onto AWS-LC's assembly-optimised curve code; the results are the same octets, and
//! [`BACKEND`] says which code a build uses.
//!
//! ```
//! use authcrypt::{Curve, Decrypter, Enc, Encrypter, Jwk, KeyWrap, Sender};
//!
//! let alice = Jwk::generate(Curve::P384).with_kid("did:example:alice#key-1");
//! let bob = Jwk::generate(Curve::P384).with_kid("did:example:bob#key-1");
//!
//! // ECDH-1PU+A256KW: the content is encrypted first, then the tag enters the KDF.
//! let from_alice = Sender::Authenticated(&alice);
//! let envelope = Encrypter::new(from_alice, Some(KeyWrap::A256Kw), Enc::A256CbcHs512)
//!     .recipient(&bob.to_public())
//!     .encrypt(b"three is a magic number")?;
//!
//! let alice_public = alice.to_public();
//! let opened = Decrypter::new()
//!     .recipient_key(&bob)
//!     .sender_key(&alice_public)
//!     .decrypt(envelope.as_bytes())?;
//! assert_eq!(&opened.plaintext[..], b"three is a magic number");
//! assert_eq!(opened.sender_kid.as_deref(), Some("did:example:alice#key-1"));
//! # Ok::<(), authcrypt::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod agreement;
mod b64;
mod content;
pub mod did;
pub mod didcomm;
pub mod error;
pub mod hazmat;
mod json;
pub mod jwe;
pub mod jwk;
pub mod jws;
mod kdf;
pub mod key;
mod names;
mod parallel;
mod random;
mod wrap;
mod zs_cache;

/// The code the ECDH scalar multiplications run on: `"aws-lc"` with the `aws-lc` feature,
/// else `"rustcrypto"` (x25519-dalek and the RustCrypto curve crates).
pub const BACKEND: &str = if cfg!(feature = "aws-lc") {
    "aws-lc"
} else {
    "rustcrypto"
};

pub use content::{ContentKey, Plaintext};
pub use error::{Error, Location, ProfileError, Result};
pub use jwe::{Decrypted, Decrypter, Encrypter, Jwe, Limits, Sender};
pub use jwk::{Coordinates, Jwk};
pub use key::{PublicKey, SecretKey};
pub use names::{Alg, Curve, Enc, Serialization};
pub use parallel::Parallelism;
pub use wrap::KeyWrap;
pub use zs_cache::ZsCache;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Cross-checks for the fuzz targets, compiled only under `cfg(fuzzing)` (cargo-fuzz sets it).
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    /// Panics when a fast reader and the general one disagree on `data`: the envelope reader
    /// under the default and under tight limits, the plaintext reader of the message checks, and
    /// the protected-header reader.
    pub fn check_readers(data: &[u8]) {
        let tight = crate::Limits {
            max_envelope_len: 1 << 20,
            max_recipients: 2,
            max_json_depth: 4,
            max_trial_decryptions: 2,
        };
        crate::jwe::readers_agree(data, &crate::Limits::default());
        crate::jwe::readers_agree(data, &tight);
        crate::didcomm::message_readers_agree(data);
        // The input read as a decoded protected header.
        crate::jwe::protected_readers_agree(data, tight.max_json_depth);
        crate::jwe::protected_readers_agree(data, 1);
    }
}
