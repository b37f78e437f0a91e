//! The DIDComm v2 encryption profile: pack and unpack as agents do.
//!
//! - **authcrypt**: `ECDH-1PU+A256KW` with `A256CBC-HS512`, `skid`, `apu` = b64u(skid).
//! - **anoncrypt**: `ECDH-ES+A256KW` with `A256CBC-HS512` (default), `A256GCM` or `XC20P`.
//! - **protected sender**: anoncrypt(authcrypt(message)).
//!
//! Every envelope is general JSON with `typ` = `application/didcomm-encrypted+json`, one `epk`
//! and `apv` = b64u(SHA-256(sorted recipient kids joined by ".")) in the protected header, and a
//! `kid` per recipient. [`Envelope::parse`] applies every receiver check before any key is
//! touched, and tells who claims to have sent the message and to whom, so that keys can be
//! resolved in whatever way the application likes (two-step unpack); [`Unpacker`] does both
//! steps with a [`KeyResolver`].
//!
//! ```
//! use authcrypt::didcomm::{KeySet, Packer, Unpacker};
//! use authcrypt::{Curve, Jwk};
//!
//! let alice = Jwk::generate(Curve::X25519).with_kid("did:example:alice#key-1");
//! let bob = Jwk::generate(Curve::X25519).with_kid("did:example:bob#key-1");
//!
//! let envelope = Packer::authcrypt(&alice).to(&bob.to_public()).pack(br#"{"id":"1"}"#)?;
//!
//! let mut keys = KeySet::new();
//! keys.insert(bob)?; // Bob's secret
//! keys.insert(alice.to_public())?; // Alice's public key, as resolved from her DID
//! let opened = Unpacker::new(&keys).unpack(envelope.as_bytes())?;
//! assert_eq!(&opened.plaintext[..], br#"{"id":"1"}"#);
//! assert_eq!(opened.sender_kid(), Some("did:example:alice#key-1"));
//! # Ok::<(), authcrypt::Error>(())
//! ```

mod checks;
mod envelope;
mod from_prior;
mod message;
mod pack;
mod rules;
mod signed;
mod unpack;

pub use crate::did::DidDocument;
pub use crate::did::{KeyResolver, KeySet};
pub use checks::check_message;
#[cfg(fuzzing)]
pub(crate) use checks::message_readers_agree;
pub use checks::MessageForm;
pub use envelope::Envelope;
pub use envelope::Layer;
pub use from_prior::FromPrior;
pub use message::{Attachment, Message, MessageBuilder};
pub use pack::{Anoncrypt, AnyPacker, Authcrypt, PackMode, Packer, DEFAULT_CURVE_PREFERENCE};
pub use rules::{
    apv_for, apv_octets_for, did_of, is_did_url, TYP_ENCRYPTED, TYP_PLAIN, TYP_SIGNED,
};
pub use signed::{sign, SignedBy, SignedMessage, VerifiedMessage};
pub use unpack::{Unpacked, Unpacker};

pub use crate::names::Mode;
