//! The JWE engine (RFC 7516) with ECDH-ES (RFC 7518 §4.6) and ECDH-1PU
//! (draft-madden-jose-ecdh-1pu-04) key agreement.
//!
//! It knows nothing of DIDComm: [`Encrypter`] produces any of the three serializations for any
//! supported `alg` × `enc` × curve, and [`Jwe`] parses any of them, tells what the envelope
//! claims before anything is decrypted, and decrypts for a recipient key (and, for ECDH-1PU, a
//! sender key).

mod decrypt;
mod encrypt;
mod header;
mod parse;
#[cfg(test)]
mod samples;
mod write;

pub(crate) use decrypt::EntryOptions;
pub use decrypt::{Decrypted, Decrypter};
pub use encrypt::{Encrypter, FixedRandomness, Sender};
#[cfg(fuzzing)]
pub(crate) use header::protected_readers_agree;
pub use header::Headers;
pub(crate) use header::Protected;
#[cfg(fuzzing)]
pub(crate) use parse::readers_agree;
pub use parse::{Jwe, Recipient};

use crate::content::Enc;
use crate::error::{echo, Error, Result};
pub use crate::names::{Alg, Serialization};
use crate::wrap::KeyWrap;

/// Bounds on untrusted input. Each is checked before the work it bounds is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted envelope, in octets (default 64 MiB).
    pub max_envelope_len: usize,
    /// Most recipients in one envelope (default 1 000).
    pub max_recipients: usize,
    /// Deepest JSON nesting (default 32).
    pub max_json_depth: usize,
    /// Most trial decryptions of recipient entries without a `kid` (default 64). A
    /// [`Decrypter`] tries each such entry with every recipient key it holds, so the count is
    /// those entries × the keys held; entries with a `kid` are matched to one key and not
    /// counted. An envelope over the limit is rejected before any key agreement. With the
    /// default, a decrypter holding one key accepts up to 64 entries without a `kid`, and one
    /// holding more than 64 keys accepts none (name the keys and the entries with kids, or
    /// raise the limit).
    pub max_trial_decryptions: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_envelope_len: 64 << 20,
            max_recipients: 1000,
            max_json_depth: 32,
            max_trial_decryptions: 64,
        }
    }
}

impl Alg {
    /// The algorithm of an `authenticated` (ECDH-1PU) or anonymous (ECDH-ES) sender with
    /// `key_wrap`, or direct key agreement for `None`.
    pub fn of(authenticated: bool, key_wrap: Option<KeyWrap>) -> Alg {
        match (authenticated, key_wrap) {
            (false, None) => Alg::EcdhEs,
            (false, Some(KeyWrap::A128Kw)) => Alg::EcdhEsA128Kw,
            (false, Some(KeyWrap::A192Kw)) => Alg::EcdhEsA192Kw,
            (false, Some(KeyWrap::A256Kw)) => Alg::EcdhEsA256Kw,
            (true, None) => Alg::Ecdh1Pu,
            (true, Some(KeyWrap::A128Kw)) => Alg::Ecdh1PuA128Kw,
            (true, Some(KeyWrap::A192Kw)) => Alg::Ecdh1PuA192Kw,
            (true, Some(KeyWrap::A256Kw)) => Alg::Ecdh1PuA256Kw,
        }
    }

    /// Parses an `alg` header value.
    pub fn from_name(name: &str) -> Result<Alg> {
        Alg::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .ok_or_else(|| Error::UnsupportedAlg(echo(name)))
    }

    /// The key wrap of this algorithm, `None` for direct key agreement.
    pub fn key_wrap(self) -> Option<KeyWrap> {
        match self {
            Alg::EcdhEs | Alg::Ecdh1Pu => None,
            Alg::EcdhEsA128Kw | Alg::Ecdh1PuA128Kw => Some(KeyWrap::A128Kw),
            Alg::EcdhEsA192Kw | Alg::Ecdh1PuA192Kw => Some(KeyWrap::A192Kw),
            Alg::EcdhEsA256Kw | Alg::Ecdh1PuA256Kw => Some(KeyWrap::A256Kw),
        }
    }

    /// Checks that `enc` may be used with this algorithm: ECDH-1PU key wrapping requires an
    /// AES_CBC_HMAC_SHA2 `enc` (1PU draft §2.1).
    pub fn check_enc(self, enc: Enc) -> Result<()> {
        if self.is_1pu() && self.key_wrap().is_some() && !enc.is_cbc_hmac() {
            return Err(Error::AlgEncMismatch { alg: self, enc });
        }
        Ok(())
    }
}
