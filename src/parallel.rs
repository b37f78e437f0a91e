//! When a second core pays: the [`Parallelism`] switch, the helper that spreads tasks over the
//! cores, and every rule that decides whether a piece of work goes to another core.
//!
//! Handing work to rayon's pool costs the wake-up of a pool thread, which can take as long as
//! a key agreement: each rule below says which work is large enough to pay for it. The
//! measurements behind the rules and thresholds are in `benches/README.md` ("The measurements
//! behind the code's choices").

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use crate::names::{Curve, Enc};

/// Whether the library may use a second core.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Parallelism {
    /// Everything on the calling thread.
    Off,
    /// Use the other cores where it measurably pays (on rayon's global pool, started once per
    /// process and shared with the application): the key agreements of a message beside its
    /// header and content (per recipient, and Ze beside Zs for ECDH-1PU), base64url decoding of
    /// a large ciphertext, and CBC alongside HMAC for large payloads.
    #[default]
    Auto,
}

impl Parallelism {
    /// How many threads to use for `work_items` items of which at least `min_per_thread` make
    /// a thread worth starting.
    pub(crate) fn threads(self, work_items: usize, min_per_thread: usize) -> usize {
        if self == Parallelism::Off || work_items < 2 * min_per_thread.max(1) {
            return 1;
        }
        static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
        let cores =
            *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        cores.min(work_items / min_per_thread.max(1)).max(1)
    }
}

/// Runs `first` and then tasks `0..n` on the calling thread, while `threads - 1` helpers from
/// rayon's pool take tasks from the same counter: whoever is free takes the next one, so a
/// helper that starts late, or a core that is busy elsewhere, costs nothing but its share.
/// Returns `first`'s result and the task results in order.
pub(crate) fn spread<A, T: Send + Sync>(
    threads: usize,
    n: usize,
    first: impl FnOnce() -> A,
    task: impl Fn(usize) -> T + Sync,
) -> (A, Vec<T>) {
    let next = AtomicUsize::new(0);
    let slots: Vec<OnceLock<T>> = (0..n).map(|_| OnceLock::new()).collect();
    let run = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= n {
            break;
        }
        let _ = slots[i].set(task(i));
    };
    let a = rayon::in_place_scope(|scope| {
        for _ in 1..threads {
            scope.spawn(|_| run());
        }
        let a = first();
        run();
        a
    });
    // Every task has run by the end of the scope; a slot left empty would be computed here.
    let results = slots
        .into_iter()
        .enumerate()
        .map(|(i, slot)| slot.into_inner().unwrap_or_else(|| task(i)))
        .collect();
    (a, results)
}

/// Whether one scalar multiplication on `curve` is worth handing to another core. An X25519
/// agreement on AWS-LC takes about as long as handing work to the pool costs, so there it is not:
/// computing Ze beside Zs would make unpacking slower than on one core. Every other agreement
/// is long enough to pay for the hand-over.
pub(crate) fn worth_sharing(curve: Curve) -> bool {
    !(cfg!(feature = "aws-lc") && curve == Curve::X25519)
}

/// Whether one agreement on `curve` is worth running on another core beside the encryption of
/// a large content (see `OVERLAP_MIN` in the encrypter). A pool thread that has gone to sleep
/// can take as long to wake as a fast agreement (X25519, or P-256 on AWS-LC) takes to compute,
/// and the calling thread then waits for it, so such an agreement stays on the calling thread;
/// a slower one (P-256 on the curve crates, P-384 and P-521) leaves time for the wake-up.
pub(crate) fn single_agreement_beside_content_pays(curve: Curve) -> bool {
    match curve {
        Curve::X25519 => false,
        Curve::P256 => !cfg!(feature = "aws-lc"),
        _ => true,
    }
}

/// Whether computing the public key of a fresh private key is separate work from an agreement
/// with it, and large enough to run beside one. With the curve crates it is separate, and on
/// P-384 and P-521 it is large enough; on P-256 it is too small to pay for the hand-over. AWS-LC
/// computes the public key when it reads the private key, which the agreement needs anyway.
pub(crate) fn public_key_beside_agreement_pays(curve: Curve) -> bool {
    !cfg!(feature = "aws-lc") && matches!(curve, Curve::P384 | Curve::P521)
}

/// Payloads from this size on are encrypted with AES-CBC and HMAC on two cores (when allowed):
/// below it, starting a thread costs more than the overlap saves.
pub(crate) const ENCRYPT_PIPELINE_MIN: usize = 128 * 1024;

/// Whether encrypting `len` octets with `enc` takes both cores itself (the CBC/HMAC pipeline).
pub(crate) fn pipelined(enc: Enc, len: usize, parallelism: Parallelism) -> bool {
    enc.is_cbc_hmac() && parallelism.threads(len, ENCRYPT_PIPELINE_MIN / 2) > 1
}

/// The same for decryption, where only the (fast) CBC decryption overlaps the HMAC.
pub(crate) const DECRYPT_PIPELINE_MIN: usize = 512 * 1024;

/// Ze and Zs are computed on two cores only for a ciphertext up to this size: the content
/// decryption that follows on the calling thread runs slower beside the pool helper that has
/// just finished its share, and with more content that costs more than the saved scalar
/// multiplication.
pub(crate) const SPLIT_AGREEMENT_MAX: usize = 16 * 1024;

/// A single costly key agreement runs beside the content only from this size of content on (or
/// where the ephemeral public key is itself costly): below it, handing the agreement to another
/// core costs more than it saves.
pub(crate) const OVERLAP_MIN: usize = 16 * 1024;

/// Below twice this many characters, splitting a decode costs more than it saves: the vector
/// decoder is fast enough that a smaller half is done before a sleeping helper wakes.
pub(crate) const BASE64_SPLIT_MIN: usize = 2 * 1024 * 1024;
