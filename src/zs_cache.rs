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
//! our own private key. When a message is decrypted, a Zs the cache misses enters it only once
//! the message's content has verified: forged messages, whatever sender and ephemeral keys they
//! name, neither add entries nor evict the ones held. Values zeroize when evicted, cleared, or
//! when the last handle is dropped.
//! The cache does not weaken forward secrecy beyond what static keys already imply: 1PU's Zs is a
//! long-term secret by construction, and the ephemeral half Ze is never cached.
//!
//! **Memory bound.** At most `max_entries` entries; each holds two public keys (at most
//! 2 × 133 octets for P-521) and one Zs (at most 66 octets), about 400 octets with overhead, so
//! a cache of 10 000 entries stays under 4 MiB. When full, the oldest entry is evicted.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};

use zeroize::Zeroizing;

use crate::agreement::SharedSecret;
use crate::error::Result;
use crate::jwk::Jwk;
use crate::key::{PublicKey, SecretKey};

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
    fn extend_held(&self, key: &Key, out: &mut SharedSecret) -> bool {
        match self.lock().map.get(key) {
            Some(zs) => {
                out.extend(zs);
                true
            }
            None => false,
        }
    }

    /// Zs for `our_public` and `theirs`, if the cache holds it.
    pub(crate) fn get(&self, our_public: &PublicKey, theirs: &PublicKey) -> Option<SharedSecret> {
        // Sized for the Zs of the curve up front: a buffer that grew would leave a copy behind.
        let mut out = SharedSecret::with_capacity(our_public.curve().coordinate_len());
        self.extend_held(&key(our_public, theirs), &mut out)
            .then_some(out)
    }

    /// Appends Zs = ECDH(`ours`, `theirs`) to `out`, from the cache when present; a Zs computed
    /// here is inserted at once. For the sending side, where the Zs is our own computation for
    /// our own message.
    pub(crate) fn append(
        &self,
        ours: &SecretKey,
        our_public: &PublicKey,
        theirs: &Jwk,
        out: &mut SharedSecret,
    ) -> Result<()> {
        if let Some((key, zs)) = self.held_or_agree(ours, our_public, theirs, out)? {
            self.insert(key, zs.as_bytes());
        }
        Ok(())
    }

    /// Appends Zs = ECDH(`ours`, `theirs`) to `out`, from the cache when present; a Zs computed
    /// here is returned, not inserted. For the receiving side: the Zs enters the cache through
    /// [`PendingZs::commit`] once the message it opened has verified, so that input which is not
    /// authentic cannot evict the entries of real peers.
    pub(crate) fn append_pending(
        &self,
        ours: &SecretKey,
        our_public: &PublicKey,
        theirs: &Jwk,
        out: &mut SharedSecret,
    ) -> Result<Option<PendingZs>> {
        Ok(self
            .held_or_agree(ours, our_public, theirs, out)?
            .map(|(key, zs)| PendingZs {
                cache: self.clone(),
                key,
                zs,
            }))
    }

    /// Appends Zs to `out` from the cache, or computes it and returns it with its map key when
    /// the cache holds none and has room for any.
    fn held_or_agree(
        &self,
        ours: &SecretKey,
        our_public: &PublicKey,
        theirs: &Jwk,
        out: &mut SharedSecret,
    ) -> Result<Option<(Key, SharedSecret)>> {
        let key = key(our_public, theirs.public_key());
        if self.extend_held(&key, out) {
            return Ok(None);
        }
        let zs = crate::agreement::agree_peer(ours, theirs.public_key(), theirs.peer_form())?;
        out.extend(zs.as_bytes());
        Ok((self.max_entries > 0).then_some((key, zs)))
    }

    /// Inserts `zs` under `key`, evicting the oldest entries while the cache is full.
    fn insert(&self, key: Key, zs: &[u8]) {
        if self.max_entries == 0 {
            return;
        }
        let mut inner = self.lock();
        if inner.map.contains_key(&key) {
            return;
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
        inner.map.insert(key, Zeroizing::new(zs.to_vec()));
    }
}

/// A Zs computed on a cache miss while a message is being decrypted, held (zeroizing) until the
/// message has verified; dropped unused when it does not.
pub(crate) struct PendingZs {
    cache: ZsCache,
    key: Key,
    zs: SharedSecret,
}

impl PendingZs {
    /// Inserts the Zs into its cache: to be called only once the content it helped decrypt has
    /// verified.
    pub(crate) fn commit(&self) {
        self.cache.insert(self.key.clone(), self.zs.as_bytes());
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

#[cfg(test)]
impl ZsCache {
    /// The key pairs held, oldest first.
    pub(crate) fn held(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.lock().order.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::Curve;

    #[test]
    fn a_pending_zs_is_the_one_an_insert_would_have_held() {
        let bob = Jwk::generate(Curve::P384);
        let alice = Jwk::generate(Curve::P384);
        let alice_public = alice.to_public();
        let (deferred, direct) = (ZsCache::new(4), ZsCache::new(4));
        let secret = bob.secret_key().unwrap();
        let mut z1 = SharedSecret::with_capacity(48);
        let pending = deferred
            .append_pending(secret, bob.public_key(), &alice_public, &mut z1)
            .unwrap()
            .expect("a miss is pending");
        assert!(deferred.is_empty(), "nothing enters before the commit");
        let mut z2 = SharedSecret::with_capacity(48);
        direct
            .append(secret, bob.public_key(), &alice_public, &mut z2)
            .unwrap();
        assert_eq!(z1.as_bytes(), z2.as_bytes());
        pending.commit();
        assert_eq!(deferred.held(), direct.held());
        let held = deferred
            .get(bob.public_key(), alice_public.public_key())
            .unwrap();
        assert_eq!(held.as_bytes(), z1.as_bytes());
        assert_eq!(
            held.capacity(),
            48,
            "a held Zs is read into a buffer of its size"
        );
        // A hit appends the held value and leaves nothing pending.
        let mut z3 = SharedSecret::with_capacity(48);
        let again = deferred
            .append_pending(secret, bob.public_key(), &alice_public, &mut z3)
            .unwrap();
        assert!(again.is_none());
        assert_eq!(z3.as_bytes(), z1.as_bytes());
        // A cache of no entries holds nothing back either.
        let none = ZsCache::new(0);
        let mut z4 = SharedSecret::with_capacity(48);
        assert!(none
            .append_pending(secret, bob.public_key(), &alice_public, &mut z4)
            .unwrap()
            .is_none());
        assert_eq!(z4.as_bytes(), z1.as_bytes());
    }
}
