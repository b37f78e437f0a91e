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

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use rand_core::CryptoRngCore;
use serde::de::IgnoredAny;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::b64;
use crate::content::{Enc, Plaintext};
use crate::error::{self, Error, Location, ProfileError, Result};
use crate::json;
use crate::jwe::{Alg, Encrypter, EntryOptions, Jwe, Limits, Serialization};
use crate::jwk::{Coordinates, Curve, Jwk};
use crate::parallel::Parallelism;
use crate::zs_cache::ZsCache;

pub use crate::names::Mode;

/// The media type of a DIDComm encrypted message.
pub const TYP_ENCRYPTED: &str = "application/didcomm-encrypted+json";

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
fn checked_apv(kids: &[&str]) -> Result<[u8; 32]> {
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

/// The DID of a DID URL (`did:example:alice#key-1` → `did:example:alice`).
pub fn did_of(kid: &str) -> &str {
    kid.find(['#', '?', '/']).map_or(kid, |i| &kid[..i])
}

/// Whether `kid` is a DID URL with a non-empty fragment (`did:method:id#fragment`).
pub fn is_did_url(kid: &str) -> bool {
    let Some(rest) = kid.strip_prefix("did:") else {
        return false;
    };
    let Some((method, rest)) = rest.split_once(':') else {
        return false;
    };
    let Some((id, fragment)) = rest.split_once('#') else {
        return false;
    };
    !method.is_empty()
        && method
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && !id.is_empty()
        && !fragment.is_empty()
}

fn require_did_url(kid: &str) -> Result<()> {
    if is_did_url(kid) {
        Ok(())
    } else {
        Err(ProfileError::NotDidUrl(kid.chars().take(128).collect()).into())
    }
}

// ---------------------------------------------------------------------------------------------
// Key sources
// ---------------------------------------------------------------------------------------------

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
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    /// The keys in insertion order; every one has a kid.
    keys: Vec<Jwk>,
    /// Position by kid.
    index: HashMap<String, usize>,
}

impl KeySet {
    /// Up to this many keys, a lookup compares kids in order, which is quicker than hashing
    /// one (an envelope for ten recipients asks once per recipient).
    const LINEAR: usize = 8;

    /// An empty set.
    pub fn new() -> KeySet {
        KeySet::default()
    }

    /// Reads a JWK Set (`{"keys":[...]}`), a single JWK, or a DID document. EC coordinates
    /// shorter than the field size are accepted (left-padded). Keys on curves this crate does
    /// not implement are skipped in a set or document; a single JWK must be supported.
    pub fn from_json(bytes: &[u8]) -> Result<KeySet> {
        let value = json::parse_strict(bytes, Location::Jwk, 64)?;
        let mut set = KeySet::new();
        set.add_json(&value)?;
        Ok(set)
    }

    fn add_json(&mut self, value: &Value) -> Result<()> {
        let Value::Object(map) = value else {
            return Err(Error::Json {
                location: Location::Jwk,
                detail: "expected a JWK, a JWK Set or a DID document".into(),
            });
        };
        if let Some(keys) = map.get("keys") {
            let Value::Array(keys) = keys else {
                return Err(Error::InvalidMember {
                    location: Location::Jwk,
                    name: "keys".into(),
                    reason: "expected an array of JWKs",
                });
            };
            for k in keys {
                match Jwk::from_value(k, Coordinates::LeftPadShort) {
                    Ok(jwk) => self.insert(jwk)?,
                    Err(Error::UnsupportedCurve(_) | Error::UnsupportedKeyType(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            return Ok(());
        }
        if map.contains_key("kty") {
            return self.insert(Jwk::from_map(
                map,
                Coordinates::LeftPadShort,
                Location::Jwk,
            )?);
        }
        // A document's keys for encryption are its `keyAgreement` keys, and only those.
        for key in DidDocument::from_value(value)?.key_agreement_keys() {
            self.insert(key)?;
        }
        Ok(())
    }

    /// Adds a key; it must have a kid. A kid names one key: adding a different key under a kid
    /// the set holds is [`Error::ConflictingKey`], so no later source can replace an earlier
    /// one. The same key again is accepted (its private form, if it comes second, is kept).
    pub fn insert(&mut self, key: Jwk) -> Result<()> {
        let kid = key
            .kid()
            .ok_or(Error::InvalidKey("a key in a key set needs a \"kid\""))?;
        if let Some(i) = self.position(kid) {
            let held = &mut self.keys[i];
            if held.public_key() != key.public_key() {
                return Err(Error::ConflictingKey(error::echo(kid)));
            }
            if key.is_private() && !held.is_private() {
                *held = key;
            }
            return Ok(());
        }
        self.index.insert(kid.to_owned(), self.keys.len());
        self.keys.push(key);
        Ok(())
    }

    fn position(&self, kid: &str) -> Option<usize> {
        if self.keys.len() > KeySet::LINEAR {
            return self.index.get(kid).copied();
        }
        self.keys.iter().position(|k| k.kid() == Some(kid))
    }

    fn get(&self, kid: &str) -> Option<&Jwk> {
        self.position(kid).map(|i| &self.keys[i])
    }

    /// Adds every key of another set, under the rule of [`KeySet::insert`].
    pub fn extend(&mut self, other: KeySet) -> Result<()> {
        other.keys.into_iter().try_for_each(|key| self.insert(key))
    }

    /// The keys in insertion order.
    pub fn keys(&self) -> impl Iterator<Item = &Jwk> {
        self.keys.iter()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
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
}

/// The key-agreement view of a DID document: `verificationMethod` entries with
/// `publicKeyJwk`, and `keyAgreement` entries given by reference (relative or absolute) or
/// embedded.
///
/// A document answers only for DID URLs of its own `id`: a method or reference that names
/// another DID is [`Error::ForeignKey`], and one method id given twice with different keys is
/// [`Error::ConflictingKey`]. As a [`KeyResolver`] it answers with `keyAgreement` keys only.
#[derive(Debug, Clone)]
pub struct DidDocument {
    id: String,
    /// The supported verification methods, each under its absolute id.
    methods: KeySet,
    /// The `keyAgreement` methods among them, in document order.
    key_agreement: KeySet,
}

impl DidDocument {
    /// Parses a DID document.
    pub fn from_json(bytes: &[u8]) -> Result<DidDocument> {
        DidDocument::from_value(&json::parse_strict(bytes, Location::Jwk, 64)?)
    }

    /// Reads a DID document from parsed JSON.
    pub fn from_value(value: &Value) -> Result<DidDocument> {
        let Value::Object(map) = value else {
            return Err(Error::Json {
                location: Location::Jwk,
                detail: "a DID document must be a JSON object".into(),
            });
        };
        let id = json::req_str(map, "id", Location::Jwk)?;
        if !id.starts_with("did:") || did_of(id) != id {
            return Err(invalid_member(
                "id",
                "a DID document's id must be a DID (no fragment, path or query)",
            ));
        }
        let mut doc = DidDocument {
            id: id.to_owned(),
            methods: KeySet::new(),
            key_agreement: KeySet::new(),
        };
        if let Some(vms) = map.get("verificationMethod") {
            let Value::Array(vms) = vms else {
                return Err(invalid_member("verificationMethod", "expected an array"));
            };
            for vm in vms {
                let Value::Object(vm) = vm else {
                    return Err(invalid_member("verificationMethod", "expected objects"));
                };
                doc.add_method(vm)?;
            }
        }
        if let Some(ka) = map.get("keyAgreement") {
            let Value::Array(ka) = ka else {
                return Err(invalid_member("keyAgreement", "expected an array"));
            };
            for entry in ka {
                let method = match entry {
                    Value::String(r) => doc.methods.get(&doc.own_url(r)?).cloned(),
                    Value::Object(m) => doc.add_method(m)?,
                    _ => {
                        return Err(invalid_member(
                            "keyAgreement",
                            "expected references or objects",
                        ))
                    }
                };
                // A method referenced twice is one key, listed once.
                if let Some(method) = method {
                    doc.key_agreement.insert(method)?;
                }
            }
        }
        Ok(doc)
    }

    /// `reference` made absolute, which must be a DID URL of this document's DID.
    fn own_url(&self, reference: &str) -> Result<String> {
        let url = if reference.starts_with('#') {
            format!("{}{reference}", self.id)
        } else {
            reference.to_owned()
        };
        if did_of(&url) != self.id {
            return Err(Error::ForeignKey {
                document: error::echo(&self.id),
                kid: error::echo(&url),
            });
        }
        Ok(url)
    }

    /// Adds a verification method with a supported `publicKeyJwk`, under its absolute id, and
    /// returns its key; `None` for a method this crate cannot use.
    fn add_method(&mut self, method: &Map<String, Value>) -> Result<Option<Jwk>> {
        let mid = self.own_url(json::req_str(method, "id", Location::Jwk)?)?;
        let Some(jwk) = method.get("publicKeyJwk") else {
            return Ok(None);
        };
        let key = match Jwk::from_value(jwk, Coordinates::LeftPadShort) {
            Ok(k) => k,
            Err(Error::UnsupportedCurve(_) | Error::UnsupportedKeyType(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        if key.is_private() {
            return Err(invalid_member(
                "publicKeyJwk",
                "must not contain a private key",
            ));
        }
        let key = key.with_kid(mid);
        self.methods.insert(key.clone())?;
        Ok(Some(key))
    }

    /// The DID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The supported `keyAgreement` keys, in document order.
    pub fn key_agreement_keys(&self) -> Vec<Jwk> {
        self.key_agreement.keys().cloned().collect()
    }
}

fn invalid_member(name: &str, reason: &'static str) -> Error {
    Error::InvalidMember {
        location: Location::Jwk,
        name: name.into(),
        reason,
    }
}

/// A document answers for its own `keyAgreement` keys only: a sender key (`skid`) must be a
/// key-agreement method of the sender's DID.
impl KeyResolver for DidDocument {
    fn public_key(&self, kid: &str) -> Option<Jwk> {
        self.key_agreement.get(kid).cloned()
    }
    fn key_agreement(&self, did: &str) -> Vec<Jwk> {
        if did == self.id {
            self.key_agreement_keys()
        } else {
            Vec::new()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Packing
// ---------------------------------------------------------------------------------------------

/// The curves, in order of preference, used to choose anoncrypt recipients from DID documents
/// that offer several key types.
pub const DEFAULT_CURVE_PREFERENCE: [Curve; 4] =
    [Curve::X25519, Curve::P384, Curve::P256, Curve::P521];

/// Packs DIDComm v2 encrypted messages.
#[derive(Debug, Clone)]
pub struct Packer {
    senders: Vec<Jwk>,
    recipients: Vec<(Jwk, bool)>,
    enc: Enc,
    protect_sender: bool,
    prefer: Vec<Curve>,
    zs_cache: Option<ZsCache>,
    parallelism: Parallelism,
}

impl Packer {
    /// Authcrypt from `sender` (a private key whose kid is a DID URL).
    pub fn authcrypt(sender: &Jwk) -> Packer {
        Packer {
            senders: vec![sender.clone()],
            ..Packer::anoncrypt()
        }
    }

    /// Anoncrypt (the sender stays anonymous).
    pub fn anoncrypt() -> Packer {
        Packer {
            senders: Vec::new(),
            recipients: Vec::new(),
            enc: Enc::A256CbcHs512,
            protect_sender: false,
            prefer: DEFAULT_CURVE_PREFERENCE.to_vec(),
            zs_cache: None,
            parallelism: Parallelism::Auto,
        }
    }

    /// Uses (and fills) a cache of the static-static secret Zs, saving one scalar
    /// multiplication per recipient on every authcrypt message to a known recipient.
    pub fn zs_cache(mut self, cache: ZsCache) -> Packer {
        self.zs_cache = Some(cache);
        self
    }

    /// Whether a second core may be used (default [`Parallelism::Auto`]).
    pub fn parallelism(mut self, parallelism: Parallelism) -> Packer {
        self.parallelism = parallelism;
        self
    }

    /// Adds another sender key (on another curve), for [`Packer::pack_each_curve`].
    pub fn also_from(mut self, sender: &Jwk) -> Packer {
        self.senders.push(sender.clone());
        self
    }

    /// Adds a recipient key (its public part is used). Explicit recipients must share a curve.
    pub fn to(mut self, recipient: &Jwk) -> Packer {
        self.recipients.push((recipient.to_public(), true));
        self
    }

    /// Adds recipient keys.
    pub fn to_all<'a>(mut self, recipients: impl IntoIterator<Item = &'a Jwk>) -> Packer {
        for r in recipients {
            self = self.to(r);
        }
        self
    }

    /// Adds every `keyAgreement` key of `did` from `resolver`; at packing time those on the
    /// chosen curve are used (rules 28 and 29 of `docs/rules.md`).
    pub fn to_did(mut self, resolver: &(impl KeyResolver + ?Sized), did: &str) -> Result<Packer> {
        let keys = resolver.key_agreement(did);
        if keys.is_empty() {
            return Err(ProfileError::NoKeyAgreementKey(did.chars().take(128).collect()).into());
        }
        self.recipients.extend(keys.into_iter().map(|k| (k, false)));
        Ok(self)
    }

    /// The anoncrypt content encryption (default A256CBC-HS512; A256GCM and XC20P allowed). With
    /// [`Packer::protect_sender`] it applies to the outer layer; authcrypt itself always uses
    /// A256CBC-HS512.
    pub fn enc(mut self, enc: Enc) -> Packer {
        self.enc = enc;
        self
    }

    /// Wraps the authcrypt envelope in an anoncrypt one, hiding `skid` (rule 38 of `docs/rules.md`).
    pub fn protect_sender(mut self, on: bool) -> Packer {
        self.protect_sender = on;
        self
    }

    /// The curve preference for anoncrypt recipients taken from DID documents.
    pub fn prefer_curves(mut self, curves: &[Curve]) -> Packer {
        self.prefer = curves.to_vec();
        self
    }

    /// Packs `message` with the operating system's RNG.
    pub fn pack(&self, message: &[u8]) -> Result<String> {
        self.pack_with_rng(message, &mut crate::random::OsBatch::new())
    }

    /// Packs `message`, drawing randomness from `rng`.
    pub fn pack_with_rng(&self, message: &[u8], rng: &mut impl CryptoRngCore) -> Result<String> {
        let curve = self.choose_curve()?;
        self.pack_curve(message, curve, rng)
    }

    /// Packs one envelope per curve among the recipients (rule 28 of `docs/rules.md`), for a recipient whose
    /// DID has keys of several types. Authcrypt needs a sender key on each curve.
    pub fn pack_each_curve(&self, message: &[u8]) -> Result<Vec<(Curve, String)>> {
        self.pack_each_curve_with_rng(message, &mut crate::random::OsBatch::new())
    }

    /// [`Packer::pack_each_curve`], drawing randomness from `rng`.
    pub fn pack_each_curve_with_rng(
        &self,
        message: &[u8],
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<(Curve, String)>> {
        let mut curves: Vec<Curve> = self.recipients.iter().map(|(k, _)| k.curve()).collect();
        curves.sort();
        curves.dedup();
        curves
            .into_iter()
            .map(|c| Ok((c, self.pack_curve(message, c, rng)?)))
            .collect()
    }

    fn choose_curve(&self) -> Result<Curve> {
        if self.recipients.is_empty() {
            return Err(Error::NoRecipients);
        }
        let explicit: Vec<Curve> = self
            .recipients
            .iter()
            .filter(|(_, e)| *e)
            .map(|(k, _)| k.curve())
            .collect();
        if let Some(&first) = explicit.first() {
            if explicit.iter().any(|c| *c != first) {
                return Err(ProfileError::MixedCurves.into());
            }
            return Ok(first);
        }
        let available = |c: Curve| self.recipients.iter().any(|(k, _)| k.curve() == c);
        if !self.senders.is_empty() {
            return self
                .senders
                .iter()
                .map(Jwk::curve)
                .find(|c| available(*c))
                .ok_or_else(|| {
                    ProfileError::NoKeyAgreementKey("the recipients on the sender's curve".into())
                        .into()
                });
        }
        self.prefer
            .iter()
            .copied()
            .find(|c| available(*c))
            .ok_or_else(|| ProfileError::NoKeyAgreementKey("a preferred curve".into()).into())
    }

    fn pack_curve(
        &self,
        message: &[u8],
        curve: Curve,
        rng: &mut impl CryptoRngCore,
    ) -> Result<String> {
        let recipients: Vec<&Jwk> = self
            .recipients
            .iter()
            .filter(|(k, _)| k.curve() == curve)
            .map(|(k, _)| k)
            .collect();
        if recipients.is_empty() {
            return Err(Error::NoRecipients);
        }
        let kids = recipients
            .iter()
            .map(|r| r.kid().ok_or(ProfileError::MissingKid))
            .collect::<Result<Vec<&str>, _>>()?;
        let apv = checked_apv(&kids)?.to_vec();
        if self.senders.is_empty() {
            return anoncrypt(message, &recipients, self.enc, apv, self.parallelism, rng);
        }
        let sender = self
            .senders
            .iter()
            .find(|s| s.curve() == curve)
            .ok_or_else(|| ProfileError::NoKeyAgreementKey(format!("the sender on {curve}")))?;
        let skid = sender.kid().ok_or(ProfileError::MissingKid)?;
        require_did_url(skid)?;
        if !sender.is_private() {
            return Err(Error::NotPrivate("the sender key"));
        }
        let mut inner = Encrypter::new(Alg::Ecdh1PuA256Kw, Enc::A256CbcHs512)
            .parallelism(self.parallelism)
            .sender(sender)
            .recipients(recipients.iter().copied())
            .protected_member("typ", Value::String(TYP_ENCRYPTED.into()))
            .skid(skid)
            .apu(skid.as_bytes())
            .apv(apv.clone());
        if let Some(cache) = &self.zs_cache {
            inner = inner.zs_cache(cache.clone());
        }
        let inner = inner.encrypt_with_rng(message, rng)?;
        if !self.protect_sender {
            return Ok(inner);
        }
        anoncrypt(
            inner.as_bytes(),
            &recipients,
            self.enc,
            apv,
            self.parallelism,
            rng,
        )
    }
}

fn anoncrypt(
    message: &[u8],
    recipients: &[&Jwk],
    enc: Enc,
    apv: Vec<u8>,
    parallelism: Parallelism,
    rng: &mut impl CryptoRngCore,
) -> Result<String> {
    if !matches!(enc, Enc::A256CbcHs512 | Enc::A256Gcm | Enc::XC20P) {
        return Err(ProfileError::EncNotAllowed {
            alg: Alg::EcdhEsA256Kw.name(),
            enc: enc.name(),
        }
        .into());
    }
    Encrypter::new(Alg::EcdhEsA256Kw, enc)
        .parallelism(parallelism)
        .recipients(recipients.iter().copied())
        .protected_member("typ", Value::String(TYP_ENCRYPTED.into()))
        .apv(apv)
        .encrypt_with_rng(message, rng)
}

// ---------------------------------------------------------------------------------------------
// Unpacking
// ---------------------------------------------------------------------------------------------

/// A DIDComm envelope that has passed every header check (rules 31–35 of `docs/rules.md`), not yet
/// decrypted. Read who it claims to be from and for, resolve the keys, then
/// [`Envelope::decrypt`].
#[derive(Clone)]
pub struct Envelope {
    jwe: Jwe,
    mode: Mode,
    alg: Alg,
    enc: Enc,
    curve: Curve,
    epk: Jwk,
    sender_kid: Option<String>,
    /// Built when [`Envelope::recipient_kids`] is first called; [`Envelope::kids`] reads them
    /// from the headers.
    recipient_kids: OnceLock<Vec<String>>,
}

impl fmt::Debug for Envelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Envelope")
            .field("mode", &self.mode)
            .field("alg", &self.alg)
            .field("enc", &self.enc)
            .field("curve", &self.curve)
            .field("epk", &self.epk)
            .field("sender_kid", &self.sender_kid)
            .field("recipient_kids", &self.kids().collect::<Vec<_>>())
            .field("jwe", &self.jwe)
            .finish()
    }
}

impl Envelope {
    /// Parses and checks an envelope with the default limits.
    pub fn parse(input: &[u8]) -> Result<Envelope> {
        Envelope::parse_with_limits(input, &Limits::default())
    }

    /// Parses and checks an envelope.
    pub fn parse_with_limits(input: &[u8], limits: &Limits) -> Result<Envelope> {
        Envelope::check(Jwe::parse_with_limits(input, limits)?)
    }

    fn check(jwe: Jwe) -> Result<Envelope> {
        // 31: general JSON only.
        if jwe.serialization() != Serialization::General {
            return Err(ProfileError::NotGeneralJson(jwe.serialization().name()).into());
        }
        let protected = &jwe.protected;
        let in_protected = |name: &'static str| -> Result<&str> {
            protected
                .str(name)?
                .ok_or_else(|| ProfileError::NotProtected(name).into())
        };
        // 32: alg, enc allowed for the mode; epk and apv protected.
        let alg = Alg::from_name(in_protected("alg")?)?;
        let mode = match alg {
            Alg::Ecdh1PuA256Kw => Mode::Authcrypt,
            Alg::EcdhEsA256Kw => Mode::Anoncrypt,
            other => return Err(ProfileError::AlgNotAllowed(other.name()).into()),
        };
        let enc = Enc::from_name(in_protected("enc")?)?;
        let enc_ok = match mode {
            Mode::Authcrypt => enc == Enc::A256CbcHs512,
            Mode::Anoncrypt => matches!(enc, Enc::A256CbcHs512 | Enc::A256Gcm | Enc::XC20P),
        };
        if !enc_ok {
            return Err(ProfileError::EncNotAllowed {
                alg: alg.name(),
                enc: enc.name(),
            }
            .into());
        }
        if !protected.contains("epk") {
            return Err(ProfileError::NotProtected("epk").into());
        }
        let headers = jwe.headers(0);
        let epk = headers.epk(Coordinates::LeftPadShort)?;
        let apv_text = in_protected("apv")?;
        if let Some(typ) = protected.str("typ")? {
            let full = if typ.contains('/') {
                Cow::Borrowed(typ)
            } else {
                Cow::Owned(format!("application/{typ}"))
            };
            if !full.eq_ignore_ascii_case(TYP_ENCRYPTED) {
                return Err(ProfileError::WrongTyp(typ.chars().take(128).collect()).into());
            }
        }
        // 33: a DID URL kid per recipient, no repeats.
        let kids = jwe
            .recipient_kids()?
            .into_iter()
            .map(|k| k.ok_or(ProfileError::MissingKid))
            .collect::<Result<Vec<&str>, _>>()?;
        let expected_apv = checked_apv(&kids)?;
        // 34: apv binds the kids.
        let apv = b64::decode(apv_text).ok_or(Error::Base64 {
            location: Location::Protected,
            name: "apv".into(),
        })?;
        if apv[..] != expected_apv[..] {
            return Err(ProfileError::ApvMismatch.into());
        }
        // 35: the sender.
        let skid = headers.str("skid")?;
        let apu = headers.bytes("apu")?;
        // Every recipient's headers, not only the first one's: a sender named in a later
        // entry's header would be read by another implementation.
        let sender_located = |name: &str, outside_protected: bool| {
            (0..jwe.recipients.len()).any(|i| {
                jwe.headers(i)
                    .location(name)
                    .is_some_and(|l| !outside_protected || l != Location::Protected)
            })
        };
        let sender_kid = match mode {
            Mode::Anoncrypt => {
                // In any header: an anonymous message names no sender.
                for name in ["skid", "apu"] {
                    if sender_located(name, false) {
                        return Err(ProfileError::SenderInAnoncrypt(name).into());
                    }
                }
                None
            }
            Mode::Authcrypt => {
                for name in ["skid", "apu"] {
                    if sender_located(name, true) {
                        return Err(ProfileError::NotProtected(name).into());
                    }
                }
                let kid = match (skid, apu) {
                    (Some(skid), Some(apu)) => {
                        if apu != skid.as_bytes() {
                            return Err(ProfileError::ApuSkidMismatch.into());
                        }
                        skid.to_owned()
                    }
                    (Some(_), None) => return Err(ProfileError::SkidWithoutApu.into()),
                    (None, Some(apu)) => String::from_utf8(apu).map_err(|_| {
                        Error::from(ProfileError::NotDidUrl("(apu is not UTF-8)".into()))
                    })?,
                    (None, None) => return Err(ProfileError::NoSenderKid.into()),
                };
                require_did_url(&kid)?;
                Some(kid)
            }
        };
        Ok(Envelope {
            curve: epk.curve(),
            epk,
            jwe,
            mode,
            alg,
            enc,
            sender_kid,
            recipient_kids: OnceLock::new(),
        })
    }

    /// authcrypt or anoncrypt.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The key management algorithm.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// The content encryption algorithm.
    pub fn enc(&self) -> Enc {
        self.enc
    }

    /// The curve of the ephemeral key (and so of every key involved).
    pub fn curve(&self) -> Curve {
        self.curve
    }

    /// The sender kid the envelope claims (authcrypt): `skid`, or decoded `apu`.
    pub fn sender_kid(&self) -> Option<&str> {
        self.sender_kid.as_deref()
    }

    /// The recipient kids, in envelope order.
    pub fn recipient_kids(&self) -> &[String] {
        self.recipient_kids
            .get_or_init(|| self.kids().map(str::to_owned).collect())
    }

    /// The recipient kids, in envelope order, as [`Envelope::check`] found them: every entry
    /// has one.
    fn kids(&self) -> impl Iterator<Item = &str> + Clone {
        (0..self.jwe.recipients.len())
            .map(|i| self.jwe.headers(i).kid().ok().flatten().unwrap_or_default())
    }

    /// The underlying JWE.
    pub fn jwe(&self) -> &Jwe {
        &self.jwe
    }

    /// Decrypts this one layer with `recipient` (whose kid must be one of
    /// [`Envelope::recipient_kids`]) and, for authcrypt, `sender` (whose kid must equal
    /// [`Envelope::sender_kid`]); so the reported sender is always the key that was checked.
    ///
    /// This opens one layer only and runs no message checks: pass the plaintext and the
    /// [`Layer`] to [`check_message`], which also says when the plaintext is a further
    /// envelope, or use [`Unpacker`], which does both and enforces the nesting rule.
    pub fn decrypt(&self, recipient: &Jwk, sender: Option<&Jwk>) -> Result<(Plaintext, Layer)> {
        let opts = EntryOptions {
            coordinates: Coordinates::LeftPadShort,
            ..EntryOptions::default()
        };
        self.decrypt_owned(recipient, sender, &opts, self.jwe.ciphertext().to_vec())
    }

    fn decrypt_owned(
        &self,
        recipient: &Jwk,
        sender: Option<&Jwk>,
        opts: &EntryOptions<'_>,
        buf: Vec<u8>,
    ) -> Result<(Plaintext, Layer)> {
        let kid = recipient.kid().unwrap_or_default();
        let index = self
            .kids()
            .position(|k| k == kid)
            .ok_or_else(|| Error::recipient_not_found(self.kids().map(Some)))?;
        if recipient.curve() != self.curve {
            return Err(Error::CurveMismatch {
                what: "recipient key",
                expected: self.curve.name(),
                found: recipient.curve().name(),
            });
        }
        let sender = match self.mode {
            Mode::Anoncrypt => None,
            Mode::Authcrypt => {
                let claimed = self.sender_kid.as_deref().unwrap_or_default();
                let s = sender.ok_or_else(|| Error::sender_not_found(claimed))?;
                if s.kid() != Some(claimed) {
                    return Err(Error::sender_not_found(claimed));
                }
                if s.curve() != self.curve {
                    return Err(Error::CurveMismatch {
                        what: "sender key",
                        expected: self.curve.name(),
                        found: s.curve().name(),
                    });
                }
                Some(s)
            }
        };
        // The ephemeral key was read and checked with the envelope.
        let opts = EntryOptions {
            epk: Some(&self.epk),
            ..*opts
        };
        let opened = self
            .jwe
            .open_entry(index, recipient, sender, &opts, buf.len())?;
        let plaintext = self.jwe.decrypt_content(&opened, buf, opts.parallelism)?;
        Ok((
            plaintext,
            Layer {
                mode: self.mode,
                alg: self.alg,
                enc: self.enc,
                curve: self.curve,
                sender_kid: self.sender_kid.clone(),
                recipient_kid: kid.to_owned(),
            },
        ))
    }
}

/// What one encryption layer was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// authcrypt or anoncrypt.
    pub mode: Mode,
    /// The key management algorithm.
    pub alg: Alg,
    /// The content encryption algorithm.
    pub enc: Enc,
    /// The curve.
    pub curve: Curve,
    /// The authenticated sender kid (authcrypt), or `None` (anonymous).
    pub sender_kid: Option<String>,
    /// The recipient kid whose key decrypted this layer.
    pub recipient_kid: String,
}

/// What the innermost plaintext of an unpacked message was found to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageForm {
    /// A DIDComm plaintext message (a JSON object) whose `from` and `to` were checked against
    /// the keys of the layer that encloses it.
    Plaintext,
    /// A DIDComm signed message (a JWS) directly inside anoncrypt. Its shape and its payload's
    /// `from`/`to` types and `to` were checked; its signature was **not** verified, so its
    /// `from` proves nothing until the caller verifies the signature.
    SignedUnverified,
    /// Message checks were off: the plaintext was not examined.
    Unchecked,
}

/// An unpacked message.
#[derive(Debug)]
pub struct Unpacked {
    /// The innermost plaintext (a DIDComm plaintext or signed message).
    pub plaintext: Plaintext,
    /// The layers, outermost first.
    pub layers: Vec<Layer>,
    /// What the plaintext is, as far as the message checks established.
    pub form: MessageForm,
}

impl Unpacked {
    /// Whether the layer that directly encloses the plaintext authenticated its sender
    /// (authcrypt). An outer authcrypt layer around an anonymous inner one does not count: its
    /// sender only relayed an opaque envelope.
    pub fn authenticated(&self) -> bool {
        self.layers
            .last()
            .is_some_and(|l| l.mode == Mode::Authcrypt)
    }

    /// The sender kid proven by the layer that directly encloses the plaintext, or `None`
    /// (anonymous).
    pub fn sender_kid(&self) -> Option<&str> {
        self.layers.last().and_then(|l| l.sender_kid.as_deref())
    }

    /// The recipient kid of the innermost layer.
    pub fn recipient_kid(&self) -> &str {
        self.layers.last().map_or("", |l| l.recipient_kid.as_str())
    }

    /// The outermost layer's mode.
    pub fn mode(&self) -> Mode {
        self.layers.first().map_or(Mode::Anoncrypt, |l| l.mode)
    }
}

/// Unpacks DIDComm encrypted messages with keys from a [`KeyResolver`].
pub struct Unpacker<'a> {
    secrets: &'a dyn KeyResolver,
    senders: &'a dyn KeyResolver,
    limits: Limits,
    max_layers: usize,
    message_checks: bool,
    any_nesting: bool,
    zs_cache: Option<ZsCache>,
    parallelism: Parallelism,
}

impl fmt::Debug for Unpacker<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unpacker")
            .field("limits", &self.limits)
            .field("max_layers", &self.max_layers)
            .field("message_checks", &self.message_checks)
            .field("any_nesting", &self.any_nesting)
            .finish_non_exhaustive()
    }
}

impl<'a> Unpacker<'a> {
    /// An unpacker that finds recipient secrets and sender public keys in `keys`.
    pub fn new(keys: &'a dyn KeyResolver) -> Unpacker<'a> {
        Unpacker {
            secrets: keys,
            senders: keys,
            limits: Limits::default(),
            max_layers: 3,
            message_checks: true,
            any_nesting: false,
            zs_cache: None,
            parallelism: Parallelism::Auto,
        }
    }

    /// Uses a cache of the static-static secret Zs, saving one scalar multiplication per
    /// authcrypt message from a known sender; a value enters it only once a message it opened
    /// has authenticated.
    pub fn zs_cache(mut self, cache: ZsCache) -> Unpacker<'a> {
        self.zs_cache = Some(cache);
        self
    }

    /// Whether a second core may be used (default [`Parallelism::Auto`]).
    pub fn parallelism(mut self, parallelism: Parallelism) -> Unpacker<'a> {
        self.parallelism = parallelism;
        self
    }

    /// Resolve sender public keys from `senders` instead.
    pub fn senders(mut self, senders: &'a dyn KeyResolver) -> Unpacker<'a> {
        self.senders = senders;
        self
    }

    /// Input limits for each layer.
    pub fn limits(mut self, limits: Limits) -> Unpacker<'a> {
        self.limits = limits;
        self
    }

    /// How many nested encryption layers to peel at most (default 3).
    pub fn max_layers(mut self, n: usize) -> Unpacker<'a> {
        self.max_layers = n;
        self
    }

    /// Whether the plaintext must be a DIDComm message whose `from`/`to` match the keys used
    /// (default on; rules M1–M6 of `docs/rules.md`). Off, any plaintext is returned as
    /// [`MessageForm::Unchecked`]; the reported sender is still the key that was checked.
    pub fn message_checks(mut self, on: bool) -> Unpacker<'a> {
        self.message_checks = on;
        self
    }

    /// Whether nestings other than anoncrypt(authcrypt(message)) are peeled (default off:
    /// they are [`ProfileError::DisallowedNesting`]). Either way the sender of the message is
    /// the one proven by the layer that directly encloses it.
    pub fn any_nesting(mut self, on: bool) -> Unpacker<'a> {
        self.any_nesting = on;
        self
    }

    /// Unpacks `input`, peeling nested envelopes (anoncrypt(authcrypt(...))).
    pub fn unpack(&self, input: &[u8]) -> Result<Unpacked> {
        let mut layers = Vec::new();
        let mut envelope =
            Envelope::check(Jwe::parse_with(input, &self.limits, self.parallelism)?)?;
        loop {
            let (plaintext, layer) = self.open(&mut envelope)?;
            let form = if self.message_checks {
                classify(&plaintext, &layer)?
            } else if Peek::read(&plaintext).is_ok_and(|p| p.is_some_and(|p| p.is_jwe())) {
                Classified::Envelope
            } else {
                Classified::Message(MessageForm::Unchecked)
            };
            layers.push(layer);
            match form {
                Classified::Message(form) => {
                    return Ok(Unpacked {
                        plaintext,
                        layers,
                        form,
                    })
                }
                Classified::Envelope => envelope = self.inner(&layers, &plaintext)?,
            }
        }
    }

    /// The envelope a layer's plaintext holds, if this nesting may be peeled.
    fn inner(&self, layers: &[Layer], plaintext: &[u8]) -> Result<Envelope> {
        if layers.len() >= self.max_layers {
            return Err(ProfileError::TooDeep.into());
        }
        let inner = Envelope::check(Jwe::parse_with(plaintext, &self.limits, self.parallelism)?)?;
        let outer = layers.last().map_or(Mode::Anoncrypt, |l| l.mode);
        let defined =
            layers.len() == 1 && outer == Mode::Anoncrypt && inner.mode == Mode::Authcrypt;
        if !defined && !self.any_nesting {
            return Err(ProfileError::DisallowedNesting {
                outer,
                inner: inner.mode,
            }
            .into());
        }
        Ok(inner)
    }

    fn open(&self, envelope: &mut Envelope) -> Result<(Plaintext, Layer)> {
        let recipient = envelope
            .kids()
            .find_map(|kid| self.secrets.secret_key(kid))
            .ok_or_else(|| Error::recipient_not_found(envelope.kids().map(Some)))?;
        let sender = match &envelope.sender_kid {
            Some(kid) => Some(
                self.senders
                    .public_key(kid)
                    .ok_or_else(|| Error::sender_not_found(kid))?,
            ),
            None => None,
        };
        let buf = std::mem::take(&mut envelope.jwe.ciphertext);
        let opts = EntryOptions {
            coordinates: Coordinates::LeftPadShort,
            cache: self.zs_cache.as_ref(),
            parallelism: self.parallelism,
            epk: None,
        };
        envelope.decrypt_owned(&recipient, sender.as_ref(), &opts, buf)
    }
}

/// The message checks of [`Unpacker`] for one decrypted layer, for two-step unpacking:
/// `plaintext` must be exactly one DIDComm message — a plaintext message whose `from` is the
/// DID of `layer`'s sender and whose `to` names the DID of `layer`'s recipient, or a signed
/// message inside anoncrypt (see [`MessageForm::SignedUnverified`]). A plaintext that is
/// itself an envelope is [`ProfileError::NestedEnvelope`]: parse and open it as the next
/// layer (only anoncrypt(authcrypt(message)) nests), then check its plaintext.
pub fn check_message(plaintext: &[u8], layer: &Layer) -> Result<MessageForm> {
    match classify(plaintext, layer)? {
        Classified::Message(form) => Ok(form),
        Classified::Envelope => Err(ProfileError::NestedEnvelope.into()),
    }
}

/// A checked plaintext: a message, or another envelope to open.
enum Classified {
    Message(MessageForm),
    Envelope,
}

/// Rules M1–M6: the plaintext of `layer` is exactly one of an envelope, a signed message or a
/// plaintext message, and a message's `from`/`to` agree with that layer's keys.
fn classify(plaintext: &[u8], layer: &Layer) -> Result<Classified> {
    let peek = Peek::read(plaintext)?.ok_or(ProfileError::NotAMessage)?;
    match peek.shape()? {
        Shape::Envelope => Ok(Classified::Envelope),
        Shape::Message => {
            check_addressing(layer, &peek)?;
            Ok(Classified::Message(MessageForm::Plaintext))
        }
        Shape::Signed => {
            if layer.mode == Mode::Authcrypt {
                return Err(ProfileError::SignedInAuthcrypt.into());
            }
            let payload = peek
                .payload
                .as_deref()
                .ok_or(ProfileError::InvalidSignedMessage("no \"payload\" string"))?;
            let decoded = b64::decode(payload.as_bytes()).map(Zeroizing::new).ok_or(
                ProfileError::InvalidSignedMessage("the payload is not base64url"),
            )?;
            let not_message =
                ProfileError::InvalidSignedMessage("the payload is not a plaintext message");
            let inner = Peek::read(&decoded)?.ok_or(not_message.clone())?;
            if inner.shape()? != Shape::Message {
                return Err(not_message.into());
            }
            check_addressing(layer, &inner)?;
            Ok(Classified::Message(MessageForm::SignedUnverified))
        }
    }
}

/// Which of the three DIDComm forms a plaintext object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Envelope,
    Signed,
    Message,
}

/// The members of a decrypted plaintext that the unpacker looks at: those that tell an
/// envelope, a signed message and a plaintext message apart, and `from`/`to`. Everything else
/// is skipped without being built.
#[derive(serde::Deserialize, Default)]
struct Peek<'a> {
    #[serde(default)]
    protected: Option<IgnoredAny>,
    #[serde(default)]
    ciphertext: Option<IgnoredAny>,
    #[serde(default)]
    iv: Option<IgnoredAny>,
    #[serde(default)]
    tag: Option<IgnoredAny>,
    #[serde(default)]
    recipients: Option<IgnoredAny>,
    #[serde(default)]
    encrypted_key: Option<IgnoredAny>,
    #[serde(default, borrow)]
    payload: Option<Cow<'a, str>>,
    #[serde(default)]
    signatures: Option<IgnoredAny>,
    #[serde(default)]
    signature: Option<IgnoredAny>,
    #[serde(default)]
    from: Option<Value>,
    #[serde(default)]
    to: Option<Value>,
    #[serde(default)]
    id: Option<IgnoredAny>,
    #[serde(default, rename = "type")]
    type_: Option<IgnoredAny>,
    #[serde(default)]
    body: Option<IgnoredAny>,
}

/// JSON's own white space (RFC 8259 §2), which is less than `u8::is_ascii_whitespace`.
fn json_ws(b: &u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl Peek<'_> {
    /// `Ok(None)` for a plaintext that is not a JSON object; an error for one that starts with
    /// a byte-order mark, or starts like an object but is not valid JSON or repeats a member
    /// this check reads.
    fn read(bytes: &[u8]) -> Result<Option<Peek<'_>>> {
        if bytes.starts_with(b"\xEF\xBB\xBF") {
            return Err(ProfileError::ByteOrderMark.into());
        }
        let start = bytes
            .iter()
            .position(|b| !json_ws(b))
            .unwrap_or(bytes.len());
        let t = &bytes[start..];
        if t.first() != Some(&b'{') {
            return Ok(None);
        }
        // The fast reader validates the whole text and hands over the few members read here;
        // whatever it does not handle, or rejects, serde_json decides.
        if let Some(peek) = crate::json::fast::message(t).and_then(Peek::from_members) {
            return Ok(Some(peek));
        }
        serde_json::from_slice(t)
            .map(Some)
            .map_err(|_| ProfileError::InvalidMessage.into())
    }

    /// The same values serde would give for these members (a JSON `null` reads as absent).
    fn from_members(m: crate::json::fast::MessageMembers<'_>) -> Option<Peek<'_>> {
        fn present(raw: Option<&[u8]>) -> Option<IgnoredAny> {
            raw.filter(|r| *r != b"null").map(|_| IgnoredAny)
        }
        fn value(raw: Option<&[u8]>) -> Option<Option<Value>> {
            match raw {
                None => Some(None),
                Some(raw) => serde_json::from_slice(raw).ok(),
            }
        }
        let payload = match m.payload {
            None | Some(b"null") => None,
            Some(raw) => {
                // A validated string without escapes is its own value.
                let inner = raw.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
                if inner.contains(&b'\\') {
                    return None;
                }
                Some(Cow::Borrowed(std::str::from_utf8(inner).ok()?))
            }
        };
        Some(Peek {
            protected: present(m.protected),
            ciphertext: present(m.ciphertext),
            iv: present(m.iv),
            tag: present(m.tag),
            recipients: present(m.recipients),
            encrypted_key: present(m.encrypted_key),
            payload,
            signatures: present(m.signatures),
            signature: present(m.signature),
            from: value(m.from)?,
            to: value(m.to)?,
            id: present(m.id),
            type_: present(m.type_),
            body: present(m.body),
        })
    }

    fn is_jwe(&self) -> bool {
        self.protected.is_some() && self.ciphertext.is_some() && self.iv.is_some()
    }

    /// Rule M2: an object is exactly one form. Any member only an envelope has makes it an
    /// envelope (the envelope reader then names what is missing); any member only a signed
    /// message has makes it a signed message; neither may carry plaintext-message members.
    fn shape(&self) -> Result<Shape> {
        let envelope = self.ciphertext.is_some()
            || self.iv.is_some()
            || self.tag.is_some()
            || self.recipients.is_some()
            || self.encrypted_key.is_some();
        let signed =
            self.payload.is_some() || self.signatures.is_some() || self.signature.is_some();
        let message = self.from.is_some()
            || self.to.is_some()
            || self.id.is_some()
            || self.type_.is_some()
            || self.body.is_some();
        match (envelope, signed, message) {
            (true, false, false) => Ok(Shape::Envelope),
            (true, _, _) => Err(ProfileError::AmbiguousMessage("envelope").into()),
            (false, true, true) => Err(ProfileError::AmbiguousMessage("signed-message").into()),
            (false, true, false) => {
                if self.signatures.is_some() == self.signature.is_some() {
                    return Err(ProfileError::InvalidSignedMessage(
                        "it needs exactly one of \"signatures\" and \"signature\"",
                    )
                    .into());
                }
                Ok(Shape::Signed)
            }
            (false, false, _) => Ok(Shape::Message),
        }
    }
}

/// Rules M4–M6: `from` is a string, and the DID of the authenticated sender when there is
/// one; `to` is an array of strings that names the DID of the recipient key used.
fn check_addressing(layer: &Layer, msg: &Peek<'_>) -> Result<()> {
    match (&msg.from, layer.sender_kid.as_deref()) {
        (None, _) => {}
        (Some(Value::String(from)), Some(sender)) => {
            if from != did_of(sender) {
                return Err(ProfileError::FromMismatch.into());
            }
        }
        (Some(Value::String(_)), None) => {}
        (Some(_), _) => return Err(ProfileError::FromNotString.into()),
    }
    match &msg.to {
        None => Ok(()),
        Some(Value::Array(to)) => {
            let did = did_of(&layer.recipient_kid);
            let mut named = false;
            for t in to {
                let t = t.as_str().ok_or(ProfileError::ToNotArray)?;
                named |= did_of(t) == did;
            }
            if named {
                Ok(())
            } else {
                Err(ProfileError::ToMismatch.into())
            }
        }
        Some(_) => Err(ProfileError::ToNotArray.into()),
    }
}

/// Whenever the fast message reader answers, serde_json accepts the text and reads the same
/// values; returns whether the fast reader answered (tests and fuzzing).
#[cfg(any(test, fuzzing))]
pub(crate) fn message_readers_agree(text: &[u8]) -> bool {
    fn facts(p: &Peek<'_>) -> String {
        format!(
            "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            p.protected.is_some(),
            p.ciphertext.is_some(),
            p.iv.is_some(),
            p.tag.is_some(),
            p.recipients.is_some(),
            p.encrypted_key.is_some(),
            p.payload,
            p.signatures.is_some(),
            p.signature.is_some(),
            p.from,
            p.to,
            p.id.is_some(),
            p.type_.is_some(),
            p.body.is_some(),
        )
    }
    let Some(fast) = crate::json::fast::message(text).and_then(Peek::from_members) else {
        return false;
    };
    let slow: Peek<'_> = serde_json::from_slice(text).unwrap_or_else(|e| {
        panic!(
            "fast reader accepted what serde_json rejects ({e}): {}",
            String::from_utf8_lossy(text)
        )
    });
    assert_eq!(
        facts(&fast),
        facts(&slow),
        "{}",
        String::from_utf8_lossy(text)
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agree(text: &[u8]) -> bool {
        message_readers_agree(text)
    }

    const SAMPLES: &[&str] = &[
        r#"{"id":"1","type":"t","from":"did:example:alice","to":["did:example:bob"],"body":{"a":[1,-2.5e3,0.0,true,false,null,{"b":"c\"\\\/\b\f\n\r\t\u00e9\u20AC"}]}}"#,
        r#" { "from" : null , "to" : null , "x" : [ ] , "y" : { } , "z" : "é€😀" } "#,
        r#"{"payload":"eyJmcm9tIjoiZGlkOmE6YiJ9","signatures":[{"protected":"x","signature":"y"}]}"#,
        r#"{"protected":"a","iv":"b","ciphertext":"c","tag":"d","recipients":[{"header":{"kid":"k"}}]}"#,
        r#"{"payload":null,"signature":null,"from":{"nested":[1,2]},"to":"did:x:y"}"#,
        r#"{}"#,
        r#"{"a":-0,"b":1E+2,"c":1e-2,"d":123456789012345678901234567890}"#,
    ];

    #[test]
    fn message_readers_agree_on_the_fuzz_corpus() {
        let mut seen = 0;
        for dir in [
            "fuzz/corpus/parse",
            "fuzz/corpus/unpack_jose",
            "fuzz/corpus/unpack_didcomm",
        ] {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                message_readers_agree(&std::fs::read(entry.path()).unwrap());
                seen += 1;
            }
        }
        assert!(seen > 1000, "the fuzz corpus is part of the repository");
    }

    #[test]
    fn fast_message_reader_agrees_with_serde() {
        for sample in SAMPLES {
            assert!(agree(sample.as_bytes()), "not taken: {sample}");
        }
        let inserts: &[&[u8]] = &[
            b":",
            b"\\u",
            b"\\ud800",
            b"\xc3",
            b"0",
            b"-",
            b".",
            b"e",
            b"n",
            b"\"from\":1,",
        ];
        for sample in SAMPLES {
            let sample = sample.as_bytes();
            for m in crate::json::fast::mutants(sample, inserts, 1) {
                agree(&m);
            }
        }
    }

    #[test]
    fn fast_message_reader_declines_what_it_does_not_handle() {
        for text in [
            &br#"{"from":"a","from":"b"}"#[..],
            br#"{"fr\u006fm":"a"}"#,
            br#"{"a":"\ud83d\ude00"}"#,
            br#"{"a":"x"} x"#,
            br#"{"a":01}"#,
            br#"{"a":1.}"#,
            br#"{"a":.5}"#,
            br#"{"a":+1}"#,
            br#"{"a":"\x"}"#,
            br#"{"a":tru}"#,
            br#"{"a":[1,]}"#,
            br#"{"a":{"b":1,}}"#,
            b"{\"a\":\"\x1f\"}",
            b"{\"a\":\"\xc3\x28\"}",
        ] {
            assert!(
                crate::json::fast::message(text).is_none(),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(70), "]".repeat(70));
        assert!(crate::json::fast::message(deep.as_bytes()).is_none());
        // ...and serde_json still reads it, so the unpacker's answer does not change.
        assert!(Peek::read(deep.as_bytes()).unwrap().is_some());
    }

    #[test]
    fn key_set_lookups_agree_below_and_above_the_linear_size() {
        let keys: Vec<Jwk> = (0..3 * KeySet::LINEAR)
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
        for i in [1, 2 * KeySet::LINEAR] {
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
