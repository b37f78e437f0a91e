//! How this crate is driven in the benches: the default configuration and its tuned variants.
//!
//! A variant is one arm of [`Tuning`]; adding one means adding the arm, its name, which modes
//! it applies to and how it configures the packer and unpacker.

#![allow(dead_code)]

use authcrypt::didcomm::{AnyPacker, KeySet, Packer, Unpacker};
use authcrypt::{Parallelism, ZsCache};

use super::fixtures::{Mode, Parties};

/// How this crate is configured for a measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tuning {
    /// The defaults (which may use a second core).
    Default,
    /// Authcrypt with a warmed cache of the static-static secret Zs on both sides.
    Cached,
    /// Everything on the calling thread (`Parallelism::Off`).
    SingleCore,
}

impl Tuning {
    /// The variants measured.
    pub const ALL: [Tuning; 3] = [Tuning::Default, Tuning::Cached, Tuning::SingleCore];

    /// The criterion function id (`ours`, `ours-cached`, `ours-1core`; with the `aws-lc`
    /// backend `ours-awslc`, `ours-awslc-cached`, `ours-awslc-1core`).
    pub fn function_id(self) -> &'static str {
        let aws = authcrypt::BACKEND == "aws-lc";
        match (self, aws) {
            (Tuning::Default, false) => "ours",
            (Tuning::Cached, false) => "ours-cached",
            (Tuning::SingleCore, false) => "ours-1core",
            (Tuning::Default, true) => "ours-awslc",
            (Tuning::Cached, true) => "ours-awslc-cached",
            (Tuning::SingleCore, true) => "ours-awslc-1core",
        }
    }

    /// Whether the variant means anything for `mode`.
    pub fn applies_to(self, mode: Mode) -> bool {
        match self {
            Tuning::Default | Tuning::SingleCore => true,
            Tuning::Cached => mode == Mode::Authcrypt,
        }
    }

    /// A packer for the case, configured for this variant. It is built once and reused for
    /// every message, keys held parsed.
    pub fn packer(self, mode: Mode, parties: &Parties) -> AnyPacker {
        let packer = match (mode, self) {
            (Mode::Authcrypt, Tuning::Cached) => Packer::authcrypt(&parties.sender)
                .zs_cache(ZsCache::new(1024))
                .into(),
            (Mode::Authcrypt, _) => AnyPacker::from(Packer::authcrypt(&parties.sender)),
            (Mode::Anoncrypt, _) => AnyPacker::from(Packer::anoncrypt()),
        };
        let packer = packer.to_all(&parties.recipients_public);
        match self {
            Tuning::Default | Tuning::Cached => packer,
            Tuning::SingleCore => packer.parallelism(Parallelism::Off),
        }
    }

    /// An unpacker over `keys`, configured for this variant.
    pub fn unpacker(self, keys: &KeySet) -> Unpacker<'_> {
        let unpacker = Unpacker::new(keys);
        match self {
            Tuning::Default => unpacker,
            Tuning::Cached => unpacker.zs_cache(ZsCache::new(1024)),
            Tuning::SingleCore => unpacker.parallelism(Parallelism::Off),
        }
    }
}

/// A packer and an unpacker of one case, configured and brought to their steady state (a
/// cached variant has seen the keys once) before anything is measured.
pub struct Ours<'a> {
    /// Packs.
    pub packer: AnyPacker,
    /// Unpacks.
    pub unpacker: Unpacker<'a>,
}

impl<'a> Ours<'a> {
    /// Builds and warms the variant; `msg` is packed and unpacked once and checked.
    pub fn new(
        tuning: Tuning,
        mode: Mode,
        parties: &Parties,
        keys: &'a KeySet,
        msg: &[u8],
    ) -> Self {
        let packer = tuning.packer(mode, parties);
        let unpacker = tuning.unpacker(keys);
        let envelope = packer.pack(msg).expect("pack");
        let out = unpacker.unpack(envelope.as_bytes()).expect("unpack");
        assert_eq!(&out.plaintext[..], msg, "round trip");
        Ours { packer, unpacker }
    }
}
