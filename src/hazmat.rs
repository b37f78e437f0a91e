//! The primitives the JWE engine is made of, for those who need them: ECDH on validated keys,
//! the Concat KDF, AES key wrap, content encryption in place, and encryption with caller-chosen
//! randomness.
//!
//! Nothing here checks a JOSE or DIDComm rule: a caller that combines these pieces takes on
//! what [`Encrypter`](crate::Encrypter) and [`Decrypter`](crate::Decrypter) otherwise check
//! (`docs/rules.md`). Fixed randomness is for reproducing published vectors only; a message
//! encrypted twice with the same ephemeral key, CEK and IV loses its confidentiality.

/// Elliptic-curve Diffie–Hellman on validated keys.
pub mod agreement {
    pub use crate::agreement::{diffie_hellman, one_pass_unified, SharedSecret};
}

/// The Concat KDF of NIST SP 800-56A with SHA-256, as ECDH-ES and ECDH-1PU use it.
pub mod kdf {
    pub use crate::kdf::{derive, FixedInfo};
}

/// AES Key Wrap (RFC 3394) as JOSE's `A128KW`, `A192KW` and `A256KW`.
pub mod wrap {
    pub use crate::wrap::{unwrap, wrap, KeyWrap};
}

/// Content encryption in place: AES-CBC-HMAC-SHA2, AES-GCM and XChaCha20-Poly1305.
pub mod content {
    pub use crate::content::{
        decrypt_in_place, decrypt_in_place_with, encrypt_in_place, encrypt_in_place_with,
        ContentKey, Enc, Plaintext,
    };
}

pub use crate::jwe::FixedRandomness;
