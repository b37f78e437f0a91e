//! The Edwards form of a peer's X25519 public key, kept with the key.
//!
//! X25519 agreements run faster through the Edwards form of the curve where the CPU has AVX2
//! (the `agreement::x25519` module says why the result is the ladder's). Mapping a
//! u-coordinate to its Edwards point is a noticeable part of an agreement's cost (see
//! `benches/README.md`), so a key that is a peer of many agreements keeps the point once it is
//! computed.

use std::sync::{Arc, OnceLock};

use curve25519_dalek::{EdwardsPoint, MontgomeryPoint};

use crate::key::PublicKey;

/// The Edwards point of a u-coordinate, or `None` for a point of the twist (and u = −1).
pub(crate) fn edwards_form(public: &x25519_dalek::PublicKey) -> Option<EdwardsPoint> {
    MontgomeryPoint(*public.as_bytes()).to_edwards(0)
}

/// The Edwards form of a peer's X25519 public key, computed on the first agreement with it and
/// shared by the key's clones, so that a key held by a packer or a key set is mapped once, not
/// per message (the mapping is a noticeable part of an agreement's cost). Empty for other
/// curves, where the Edwards path does not pay, and with the `aws-lc` backend.
#[derive(Clone, Default)]
pub(crate) struct PeerForm(Option<Arc<OnceLock<Option<EdwardsPoint>>>>);

impl PeerForm {
    /// A form to fill for `public`, if it is an X25519 key that will be multiplied here and not
    /// the public half of a key pair (`private`), which is rarely anyone's peer.
    pub(crate) fn for_key(public: &PublicKey, private: bool) -> PeerForm {
        let used = !private
            && matches!(public, PublicKey::X25519(_))
            && !cfg!(feature = "aws-lc")
            && edwards_pays();
        PeerForm(used.then(Arc::default))
    }

    /// `public`'s Edwards point where the CPU makes the Edwards path pay: taken from (or first
    /// put into) this cell, or computed for this agreement when the cell is empty. `None` for a
    /// point of the twist, or where the ladder is faster. `public` must be the key the cell was
    /// made for.
    pub(crate) fn point(&self, public: &x25519_dalek::PublicKey) -> Option<EdwardsPoint> {
        match &self.0 {
            Some(cell) => *cell.get_or_init(|| edwards_form(public)),
            None => edwards_pays().then(|| edwards_form(public)).flatten(),
        }
    }

    /// Whether this key keeps a cell, and what the cell holds so far.
    #[cfg(test)]
    pub(crate) fn held(&self) -> Option<Option<Option<EdwardsPoint>>> {
        self.0.as_ref().map(|cell| cell.get().copied())
    }
}

/// Whether the Edwards path is the faster one here: curve25519-dalek multiplies Edwards points
/// with AVX2 when the CPU has it, and otherwise one limb at a time, where the two conversions
/// would make the Edwards path slower than the ladder.
pub(crate) fn edwards_pays() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}
