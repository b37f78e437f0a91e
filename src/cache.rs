//! An opt-in cache of the static-static ECDH-1PU secret Zs.
//!
//! Zs = ECDH(sender static, recipient static) is the same for every message between two keys,
//! so a sender or recipient that exchanges many messages with the same peer can compute it once.
//! With the cache, authcrypt costs one scalar multiplication per recipient instead of two.
//!
//! **Security.** An entry holds nothing that the static private key it was computed with does
//! not already give: anyone who could read the cache could also read that key. Entries are keyed
//! by *both* public keys (ours and the peer's), so an entry computed with one of our keys is never
//! used with another; a peer cannot plant an entry, because every value is computed locally from
//! our own private key. Values zeroize when evicted, cleared, or when the last handle is dropped.
//! The cache does not weaken forward secrecy beyond what static keys already imply: 1PU's Zs is a
//! long-term secret by construction, and the ephemeral half Ze is never cached.
//!
//! **Memory bound.** At most `max_entries` entries; each holds two public keys (at most
//! 2 × 133 octets for P-521) and one Zs (at most 66 octets), about 400 octets with overhead, so
//! a cache of 10 000 entries stays under 4 MiB. When full, the oldest entry is evicted.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use zeroize::Zeroizing;

use crate::error::Result;
use crate::jwk::{Jwk, PublicKey, SecretKey};

type Key = (Vec<u8>, Vec<u8>);

#[derive(Default)]
struct Inner {
    map: HashMap<Key, Zeroizing<Vec<u8>>>,
    order: VecDeque<Key>,
}

/// A bounded, zeroizing, thread-safe cache of Zs values. Cloning gives another handle to the
/// same cache.
#[derive(Clone)]
pub struct ZsCache {
    inner: Arc<Mutex<Inner>>,
    max_entries: usize,
}

impl ZsCache {
    /// A cache holding at most `max_entries` secrets.
    pub fn new(max_entries: usize) -> ZsCache {
        ZsCache {
            inner: Arc::new(Mutex::new(Inner::default())),
            max_entries,
        }
    }

    /// The number of secrets held.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The configured bound.
    pub fn max_entries(&self) -> usize {
        self.max_entries
    }

    /// Drops (and zeroizes) every entry.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.map.clear();
        inner.order.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the map inconsistent (each operation
        // is a single insert or remove), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends the Zs held under `key` to `out`; `false` if there is none.
    fn extend_held(&self, key: &Key, out: &mut crate::agreement::SharedSecret) -> bool {
        match self.lock().map.get(key) {
            Some(zs) => {
                out.extend(zs);
                true
            }
            None => false,
        }
    }

    /// Zs for `our_public` and `theirs`, if the cache holds it.
    pub(crate) fn get(
        &self,
        our_public: &PublicKey,
        theirs: &PublicKey,
    ) -> Option<crate::agreement::SharedSecret> {
        // Sized for the Zs of the curve up front: a buffer that grew would leave a copy behind.
        let mut out =
            crate::agreement::SharedSecret::with_capacity(our_public.curve().coordinate_len());
        self.extend_held(&key(our_public, theirs), &mut out)
            .then_some(out)
    }

    /// Appends Zs = ECDH(`ours`, `theirs`) to `out`, from the cache when present.
    pub(crate) fn append(
        &self,
        ours: &SecretKey,
        our_public: &PublicKey,
        theirs: &Jwk,
        out: &mut crate::agreement::SharedSecret,
    ) -> Result<()> {
        let key = key(our_public, theirs.public_key());
        if self.extend_held(&key, out) {
            return Ok(());
        }
        let zs = crate::agreement::agree_peer(ours, theirs)?;
        out.extend(zs.as_bytes());
        if self.max_entries == 0 {
            return Ok(());
        }
        let mut inner = self.lock();
        if inner.map.contains_key(&key) {
            return Ok(());
        }
        while inner.map.len() >= self.max_entries {
            match inner.order.pop_front() {
                Some(old) => {
                    inner.map.remove(&old);
                }
                None => break,
            }
        }
        inner.order.push_back(key.clone());
        inner
            .map
            .insert(key, Zeroizing::new(zs.as_bytes().to_vec()));
        Ok(())
    }
}

/// The map key of a pair of public keys: each one's curve and encoded point.
fn key(ours: &PublicKey, theirs: &PublicKey) -> Key {
    let encode = |k: &PublicKey| [&[k.curve() as u8][..], &k.encoded()].concat();
    (encode(ours), encode(theirs))
}

impl fmt::Debug for ZsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ZsCache({} of {} entries, values redacted)",
            self.len(),
            self.max_entries
        )
    }
}

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
