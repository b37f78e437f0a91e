//! Where keys come from: the [`KeyResolver`] trait and the [`KeySet`] of JWKs.

use std::collections::HashMap;

use super::url::did_of;
use crate::error::{self, Error, KeyProblem, Result};
use crate::jwk::Jwk;
use crate::jws::VerifyingKey;

/// Where keys come from: a JWK, a JWK Set, a DID document, or an application's own store.
pub trait KeyResolver {
    /// The public key with this kid (a DID URL), if known.
    fn public_key(&self, kid: &str) -> Option<Jwk>;

    /// The private key with this kid, if held.
    fn secret_key(&self, kid: &str) -> Option<Jwk> {
        let _ = kid;
        None
    }

    /// The `keyAgreement` keys of a DID, in document order, each with its absolute kid.
    fn key_agreement(&self, did: &str) -> Vec<Jwk> {
        let _ = did;
        Vec::new()
    }

    /// The signature verification key with this kid, if known. For a DID URL this must be one
    /// of the DID's `authentication` methods: a signed message's signer is resolved here, and
    /// never from `keyAgreement`.
    fn verification_key(&self, kid: &str) -> Option<VerifyingKey> {
        let _ = kid;
        None
    }
}

impl<R: KeyResolver + ?Sized> KeyResolver for &R {
    fn public_key(&self, kid: &str) -> Option<Jwk> {
        (**self).public_key(kid)
    }
    fn secret_key(&self, kid: &str) -> Option<Jwk> {
        (**self).secret_key(kid)
    }
    fn key_agreement(&self, did: &str) -> Vec<Jwk> {
        (**self).key_agreement(did)
    }
    fn verification_key(&self, kid: &str) -> Option<VerifyingKey> {
        (**self).verification_key(kid)
    }
}

/// Several sources, asked in order.
impl<R: KeyResolver> KeyResolver for [R] {
    fn public_key(&self, kid: &str) -> Option<Jwk> {
        self.iter().find_map(|r| r.public_key(kid))
    }
    fn secret_key(&self, kid: &str) -> Option<Jwk> {
        self.iter().find_map(|r| r.secret_key(kid))
    }
    fn key_agreement(&self, did: &str) -> Vec<Jwk> {
        self.iter().flat_map(|r| r.key_agreement(did)).collect()
    }
    fn verification_key(&self, kid: &str) -> Option<VerifyingKey> {
        self.iter().find_map(|r| r.verification_key(kid))
    }
}

impl<R: KeyResolver> KeyResolver for Vec<R> {
    fn public_key(&self, kid: &str) -> Option<Jwk> {
        self.as_slice().public_key(kid)
    }
    fn secret_key(&self, kid: &str) -> Option<Jwk> {
        self.as_slice().secret_key(kid)
    }
    fn key_agreement(&self, did: &str) -> Vec<Jwk> {
        self.as_slice().key_agreement(did)
    }
    fn verification_key(&self, kid: &str) -> Option<VerifyingKey> {
        self.as_slice().verification_key(kid)
    }
}

/// A single signature key answers for its own kid.
impl KeyResolver for VerifyingKey {
    fn public_key(&self, _kid: &str) -> Option<Jwk> {
        None
    }
    fn verification_key(&self, kid: &str) -> Option<VerifyingKey> {
        (self.kid() == Some(kid)).then(|| self.clone())
    }
}

/// A single JWK answers for its own kid.
impl KeyResolver for Jwk {
    fn public_key(&self, kid: &str) -> Option<Jwk> {
        (self.kid() == Some(kid)).then(|| self.to_public())
    }
    fn secret_key(&self, kid: &str) -> Option<Jwk> {
        (self.kid() == Some(kid) && self.is_private()).then(|| self.clone())
    }
    fn key_agreement(&self, did: &str) -> Vec<Jwk> {
        match self.kid() {
            Some(kid) if did_of(kid) == did => vec![self.to_public()],
            _ => Vec::new(),
        }
    }
}

/// A set of keys by kid: a JWK Set, or keys gathered from several files and DID documents.
///
/// It holds two kinds of key, each by kid: key-agreement keys ([`Jwk`], for encryption) and
/// signature verification keys ([`VerifyingKey`]). A P-256 or P-384 JWK read from a file can
/// be both, unless its `use` says `enc` or `sig`.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    agreement: ByKid<Jwk>,
    verifying: ByKid<VerifyingKey>,
}

/// Keys in insertion order with their positions by kid; every key has a kid.
#[derive(Debug, Clone)]
struct ByKid<T> {
    keys: Vec<T>,
    index: HashMap<String, usize>,
}

impl<T> Default for ByKid<T> {
    fn default() -> Self {
        ByKid {
            keys: Vec::new(),
            index: HashMap::new(),
        }
    }
}

/// What [`ByKid`] needs of a key.
trait Keyed {
    fn kid(&self) -> Option<&str>;
    /// Whether `other` is the same public key.
    fn same_key(&self, other: &Self) -> bool;
    /// Whether `other` should replace this one (its private form).
    fn improved_by(&self, other: &Self) -> bool;
}

impl Keyed for Jwk {
    fn kid(&self) -> Option<&str> {
        Jwk::kid(self)
    }
    fn same_key(&self, other: &Self) -> bool {
        self.public_key() == other.public_key()
    }
    fn improved_by(&self, other: &Self) -> bool {
        other.is_private() && !self.is_private()
    }
}

impl Keyed for VerifyingKey {
    fn kid(&self) -> Option<&str> {
        VerifyingKey::kid(self)
    }
    fn same_key(&self, other: &Self) -> bool {
        self == other
    }
    fn improved_by(&self, _other: &Self) -> bool {
        false
    }
}

impl<T: Keyed> ByKid<T> {
    /// Up to this many keys, a lookup compares kids in order, which is quicker than hashing
    /// one (an envelope for ten recipients asks once per recipient).
    const LINEAR: usize = 8;

    fn insert(&mut self, key: T) -> Result<()> {
        let kid = key.kid().ok_or(Error::InvalidKey(KeyProblem::MissingKid))?;
        if let Some(i) = self.position(kid) {
            let held = &mut self.keys[i];
            if !held.same_key(&key) {
                return Err(Error::ConflictingKey(error::echo(kid)));
            }
            if held.improved_by(&key) {
                *held = key;
            }
            return Ok(());
        }
        self.index.insert(kid.to_owned(), self.keys.len());
        self.keys.push(key);
        Ok(())
    }

    fn position(&self, kid: &str) -> Option<usize> {
        if self.keys.len() > Self::LINEAR {
            return self.index.get(kid).copied();
        }
        self.keys.iter().position(|k| k.kid() == Some(kid))
    }

    fn get(&self, kid: &str) -> Option<&T> {
        self.position(kid).map(|i| &self.keys[i])
    }
}

impl KeySet {
    /// An empty set.
    pub fn new() -> KeySet {
        KeySet::default()
    }

    /// Adds a key-agreement key; it must have a kid. A kid names one key: adding a different
    /// key under a kid the set holds is [`Error::ConflictingKey`], so no later source can
    /// replace an earlier one. The same key again is accepted (its private form, if it comes
    /// second, is kept).
    pub fn insert(&mut self, key: Jwk) -> Result<()> {
        self.agreement.insert(key)
    }

    /// Adds a signature verification key under the rule of [`KeySet::insert`].
    pub fn insert_verification_key(&mut self, key: VerifyingKey) -> Result<()> {
        self.verifying.insert(key)
    }

    pub(crate) fn get(&self, kid: &str) -> Option<&Jwk> {
        self.agreement.get(kid)
    }

    pub(crate) fn get_verification_key(&self, kid: &str) -> Option<&VerifyingKey> {
        self.verifying.get(kid)
    }

    /// Adds every key of another set, under the rule of [`KeySet::insert`].
    pub fn extend(&mut self, other: KeySet) -> Result<()> {
        other
            .agreement
            .keys
            .into_iter()
            .try_for_each(|key| self.insert(key))?;
        other
            .verifying
            .keys
            .into_iter()
            .try_for_each(|key| self.insert_verification_key(key))
    }

    /// The key-agreement keys in insertion order.
    pub fn keys(&self) -> impl Iterator<Item = &Jwk> {
        self.agreement.keys.iter()
    }

    /// The signature verification keys in insertion order.
    pub fn verification_keys(&self) -> impl Iterator<Item = &VerifyingKey> {
        self.verifying.keys.iter()
    }

    /// Number of key-agreement keys.
    pub fn len(&self) -> usize {
        self.agreement.keys.len()
    }

    /// Whether the set holds no key of either kind.
    pub fn is_empty(&self) -> bool {
        self.agreement.keys.is_empty() && self.verifying.keys.is_empty()
    }
}

impl KeyResolver for KeySet {
    fn public_key(&self, kid: &str) -> Option<Jwk> {
        self.get(kid).map(Jwk::to_public)
    }
    fn secret_key(&self, kid: &str) -> Option<Jwk> {
        self.get(kid).filter(|k| k.is_private()).cloned()
    }
    fn key_agreement(&self, did: &str) -> Vec<Jwk> {
        self.keys()
            .filter(|k| k.kid().is_some_and(|kid| did_of(kid) == did))
            .map(Jwk::to_public)
            .collect()
    }
    fn verification_key(&self, kid: &str) -> Option<VerifyingKey> {
        self.get_verification_key(kid).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwk::Curve;

    #[test]
    fn key_set_lookups_agree_below_and_above_the_linear_size() {
        let keys: Vec<Jwk> = (0..3 * ByKid::<Jwk>::LINEAR)
            .map(|i| Jwk::generate(Curve::X25519).with_kid(format!("did:example:k#{i}")))
            .collect();
        let mut set = KeySet::new();
        for (n, key) in keys.iter().enumerate() {
            set.insert(key.clone()).unwrap();
            assert_eq!(set.len(), n + 1);
            for (i, k) in keys.iter().enumerate() {
                let kid = k.kid().unwrap();
                assert_eq!(set.secret_key(kid).is_some(), i <= n, "{i} after {n}");
            }
            assert!(set.secret_key("did:example:k#x").is_none());
        }
        // A different key under a held kid is refused on either side of the limit; the same
        // key again is accepted, and its private form replaces a public one.
        for i in [1, 2 * ByKid::<Jwk>::LINEAR] {
            let kid = format!("did:example:k#{i}");
            let fresh = Jwk::generate(Curve::X25519).with_kid(kid.clone());
            assert_eq!(
                set.insert(fresh.to_public()),
                Err(Error::ConflictingKey(kid.clone()))
            );
            assert_eq!(
                set.keys().nth(i).unwrap().public_key(),
                keys[i].public_key()
            );
            let mut public_first = KeySet::new();
            public_first.insert(keys[i].to_public()).unwrap();
            public_first.insert(keys[i].clone()).unwrap();
            public_first.insert(keys[i].to_public()).unwrap();
            assert_eq!(public_first.len(), 1);
            assert!(public_first.secret_key(&kid).is_some());
        }
        let mut small = KeySet::new();
        small.insert(keys[0].clone()).unwrap();
        small.extend(set.clone()).unwrap();
        assert_eq!(small.len(), keys.len());
        assert_eq!(
            small.keys().map(|k| k.kid().unwrap()).collect::<Vec<_>>(),
            set.keys().map(|k| k.kid().unwrap()).collect::<Vec<_>>()
        );
        let mut other = KeySet::new();
        other
            .insert(Jwk::generate(Curve::X25519).with_kid("did:example:k#0"))
            .unwrap();
        assert!(matches!(small.extend(other), Err(Error::ConflictingKey(_))));
    }
}
