//! The DIDComm profile's fixed choices, written once: the media type, `apv` from the
//! recipient kids, DID URLs, and which `alg` and `enc` each mode uses.

use sha2::{Digest, Sha256};

use crate::b64;
use crate::content::Enc;
pub(super) use crate::did::require_did_url;
pub use crate::did::{did_of, is_did_url};
use crate::error::{self, ProfileError, Result};
use crate::jwe::Alg;
use crate::names::Mode;

/// The media type of a DIDComm encrypted message.
pub const TYP_ENCRYPTED: &str = "application/didcomm-encrypted+json";

/// The media type of a DIDComm signed message.
pub const TYP_SIGNED: &str = "application/didcomm-signed+json";

/// The media type of a DIDComm plaintext message.
pub const TYP_PLAIN: &str = "application/didcomm-plain+json";

/// Whether a `typ` value names `media_type`: case-insensitively, and with or without its
/// `application/` prefix (RFC 7515 §4.1.9).
pub(super) fn typ_is(typ: &str, media_type: &str) -> bool {
    match media_type.strip_prefix("application/") {
        Some(short) if !typ.contains('/') => typ.eq_ignore_ascii_case(short),
        _ => typ.eq_ignore_ascii_case(media_type),
    }
}

impl Mode {
    /// Both modes.
    pub const ALL: [Mode; 2] = [Mode::Authcrypt, Mode::Anoncrypt];

    /// The content encryption a packer uses unless told otherwise, and the only one authcrypt
    /// allows.
    pub const DEFAULT_ENC: Enc = Enc::A256CbcHs512;

    /// The key management algorithm of this mode's envelopes (rule 32 of `docs/rules.md`).
    pub fn alg(self) -> Alg {
        match self {
            Mode::Authcrypt => Alg::Ecdh1PuA256Kw,
            Mode::Anoncrypt => Alg::EcdhEsA256Kw,
        }
    }

    /// The mode whose envelopes use `alg`, if the profile allows `alg` at all.
    pub fn of_alg(alg: Alg) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.alg() == alg)
    }

    /// Whether this mode allows the content encryption `enc`: authcrypt A256CBC-HS512 only,
    /// anoncrypt also A256GCM and XC20P (rule 32 of `docs/rules.md`).
    pub fn allows(self, enc: Enc) -> bool {
        match self {
            Mode::Authcrypt => enc == Mode::DEFAULT_ENC,
            Mode::Anoncrypt => matches!(enc, Enc::A256CbcHs512 | Enc::A256Gcm | Enc::XC20P),
        }
    }

    /// [`Mode::allows`] as a check, with the profile's error when `enc` is not allowed.
    pub(super) fn check_enc(self, enc: Enc) -> Result<()> {
        if self.allows(enc) {
            return Ok(());
        }
        Err(ProfileError::EncNotAllowed {
            alg: self.alg(),
            enc,
        }
        .into())
    }
}

/// `apv` for a set of recipient kids: b64u(SHA-256(kids sorted byte-wise, joined by "."))
/// (rule 24 of `docs/rules.md`); the base64url text of [`apv_octets_for`].
pub fn apv_for<S: AsRef<str>>(kids: &[S]) -> String {
    b64::encode(&apv_octets_for(kids))
}

/// The PartyVInfo octets behind [`apv_for`]: SHA-256(kids sorted byte-wise, joined by "."), as
/// [`Encrypter::apv`](crate::Encrypter::apv) takes them.
pub fn apv_octets_for<S: AsRef<str>>(kids: &[S]) -> [u8; 32] {
    let mut sorted: Vec<&str> = kids.iter().map(AsRef::as_ref).collect();
    sorted.sort_unstable();
    apv_digest(&sorted)
}

/// SHA-256 of already sorted kids joined by ".".
fn apv_digest(sorted: &[&str]) -> [u8; 32] {
    let mut hash = Sha256::new();
    for (i, kid) in sorted.iter().enumerate() {
        if i > 0 {
            hash.update(b".");
        }
        hash.update(kid.as_bytes());
    }
    hash.finalize().into()
}

/// The raw `apv` (PartyVInfo) for an envelope's recipient kids, which must be distinct DID URLs.
pub(super) fn checked_apv(kids: &[&str]) -> Result<[u8; 32]> {
    for kid in kids {
        require_did_url(kid)?;
    }
    let mut sorted = kids.to_vec();
    sorted.sort_unstable();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(ProfileError::DuplicateKid(error::echo(w[0])).into());
    }
    Ok(apv_digest(&sorted))
}
