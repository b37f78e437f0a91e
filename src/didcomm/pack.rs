//! Packing DIDComm encrypted messages: authcrypt, anoncrypt, and the protected sender.

use rand_core::CryptoRngCore;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::content::Enc;
use crate::error::{self, Error, KeyRole, ProfileError, Result};
use crate::jwe::{Encrypter, Sender};
use crate::jwk::{Curve, Jwk};
use crate::jws::SigningKey;
use crate::parallel::Parallelism;
use crate::zs_cache::ZsCache;

use super::rules::TYP_ENCRYPTED;
use super::rules::{checked_apv, did_of, require_did_url};
use super::signed::sign;
use crate::did::KeyResolver;
use crate::names::Mode;

/// The curves, in order of preference, used to choose anoncrypt recipients from DID documents
/// that offer several key types.
pub const DEFAULT_CURVE_PREFERENCE: [Curve; 4] =
    [Curve::X25519, Curve::P384, Curve::P256, Curve::P521];

/// What a [`Packer`] seals with: [`Authcrypt`] (a sender key) or [`Anoncrypt`] (none). The
/// trait is sealed: these two are the only modes.
pub trait PackMode: sealed::Sealed {}

mod sealed {
    /// The sender part of a pack mode, read by the packer only.
    pub trait Sealed {
        fn sender(&self) -> Option<&super::Authcrypt>;
    }
}

use sealed::Sealed;

/// The authcrypt mode of a [`Packer`]: its sender keys (one per curve), whether the envelope is
/// wrapped in anoncrypt to hide the sender, and the optional Zs cache.
#[derive(Debug, Clone)]
pub struct Authcrypt {
    senders: Vec<Jwk>,
    protect_sender: bool,
    zs_cache: Option<ZsCache>,
}

/// The anoncrypt mode of a [`Packer`]: no sender key.
#[derive(Debug, Clone, Copy)]
pub struct Anoncrypt;

impl Sealed for Authcrypt {
    fn sender(&self) -> Option<&Authcrypt> {
        Some(self)
    }
}

impl Sealed for Anoncrypt {
    fn sender(&self) -> Option<&Authcrypt> {
        None
    }
}

impl PackMode for Authcrypt {}
impl PackMode for Anoncrypt {}

/// A recipient key of a [`Packer`], and how it was given.
#[derive(Debug, Clone)]
enum Addressee {
    /// Named by the caller ([`Packer::to`]): every named key must be used, so they share a curve.
    Named(Jwk),
    /// One of the `keyAgreement` keys of a DID ([`Packer::to_did`]): used if on the chosen curve.
    OfDid(Jwk),
}

impl Addressee {
    fn key(&self) -> &Jwk {
        match self {
            Addressee::Named(k) | Addressee::OfDid(k) => k,
        }
    }
}

/// Packs DIDComm v2 encrypted messages, in the mode `M` it was made for:
/// [`Packer::authcrypt`] or [`Packer::anoncrypt`]. What only authcrypt has (more sender keys,
/// the protected sender, the Zs cache) exists only on `Packer<Authcrypt>`:
///
/// ```compile_fail
/// // An anonymous message has no sender to protect.
/// let _ = authcrypt::didcomm::Packer::anoncrypt().protect_sender(true);
/// ```
///
/// [`AnyPacker`] holds either when the mode is chosen at run time.
#[derive(Debug, Clone)]
pub struct Packer<M: PackMode> {
    mode: M,
    recipients: Vec<Addressee>,
    enc: Enc,
    prefer: Vec<Curve>,
    parallelism: Parallelism,
    signer: Option<SigningKey>,
}

impl Packer<Authcrypt> {
    /// Authcrypt from `sender` (a private key whose kid is a DID URL).
    pub fn authcrypt(sender: &Jwk) -> Packer<Authcrypt> {
        Packer::with_mode(Authcrypt {
            senders: vec![sender.clone()],
            protect_sender: false,
            zs_cache: None,
        })
    }

    /// Uses (and fills) a cache of the static-static secret Zs, saving one scalar
    /// multiplication per recipient on every authcrypt message to a known recipient.
    pub fn zs_cache(mut self, cache: ZsCache) -> Self {
        self.mode.zs_cache = Some(cache);
        self
    }

    /// Adds another sender key (on another curve), for [`Packer::pack_each_curve`].
    pub fn also_from(mut self, sender: &Jwk) -> Self {
        self.mode.senders.push(sender.clone());
        self
    }

    /// Wraps the authcrypt envelope in an anoncrypt one, hiding `skid` (rule 38 of
    /// `docs/rules.md`).
    pub fn protect_sender(mut self, on: bool) -> Self {
        self.mode.protect_sender = on;
        self
    }
}

impl Packer<Anoncrypt> {
    /// Anoncrypt (the sender stays anonymous).
    pub fn anoncrypt() -> Packer<Anoncrypt> {
        Packer::with_mode(Anoncrypt)
    }
}

impl<M: PackMode> Packer<M> {
    fn with_mode(mode: M) -> Packer<M> {
        Packer {
            mode,
            recipients: Vec::new(),
            enc: Mode::DEFAULT_ENC,
            prefer: DEFAULT_CURVE_PREFERENCE.to_vec(),
            parallelism: Parallelism::Auto,
            signer: None,
        }
    }

    /// Whether a second core may be used (default [`Parallelism::Auto`]).
    pub fn parallelism(mut self, parallelism: Parallelism) -> Self {
        self.parallelism = parallelism;
        self
    }

    /// Adds a recipient key (its public part is used). Explicit recipients must share a curve.
    pub fn to(mut self, recipient: &Jwk) -> Self {
        self.recipients
            .push(Addressee::Named(recipient.to_public()));
        self
    }

    /// Adds recipient keys.
    pub fn to_all<'a>(mut self, recipients: impl IntoIterator<Item = &'a Jwk>) -> Self {
        for r in recipients {
            self = self.to(r);
        }
        self
    }

    /// Adds every `keyAgreement` key of `did` from `resolver`; at packing time those on the
    /// chosen curve are used (rules 28 and 29 of `docs/rules.md`).
    pub fn to_did(mut self, resolver: &(impl KeyResolver + ?Sized), did: &str) -> Result<Self> {
        let keys = resolver.key_agreement(did);
        if keys.is_empty() {
            return Err(ProfileError::NoKeyAgreementKey(error::echo(did)).into());
        }
        self.recipients
            .extend(keys.into_iter().map(Addressee::OfDid));
        Ok(self)
    }

    /// The anoncrypt content encryption (default A256CBC-HS512; A256GCM and XC20P allowed). With
    /// [`Packer::protect_sender`] it applies to the outer layer; authcrypt itself always uses
    /// A256CBC-HS512.
    pub fn enc(mut self, enc: Enc) -> Self {
        self.enc = enc;
        self
    }

    /// The curve preference for anoncrypt recipients taken from DID documents.
    pub fn prefer_curves(mut self, curves: &[Curve]) -> Self {
        self.prefer = curves.to_vec();
        self
    }

    /// Signs the message with `key` before encrypting it: anoncrypt(sign(m)) or
    /// authcrypt(sign(m)) (see [`sign`]). The key's kid must be a DID URL of the message's
    /// `from`, and for authcrypt of the sender's DID too (the receiver checks both).
    pub fn sign_with(mut self, key: &SigningKey) -> Self {
        self.signer = Some(key.clone());
        self
    }

    /// Packs `message` with the operating system's RNG.
    pub fn pack(&self, message: &[u8]) -> Result<String> {
        self.pack_with_rng(message, &mut crate::random::OsBatch::new())
    }

    /// Packs `message`, drawing randomness from `rng`.
    pub fn pack_with_rng(&self, message: &[u8], rng: &mut impl CryptoRngCore) -> Result<String> {
        let curve = self.choose_curve()?;
        let signed = self.signed(message)?;
        self.pack_curve(
            signed.as_ref().map_or(message, |s| s.as_bytes()),
            curve,
            rng,
        )
    }

    /// The signed form of `message` when a signing key is set, checked against the senders.
    fn signed(&self, message: &[u8]) -> Result<Option<Zeroizing<String>>> {
        let Some(key) = &self.signer else {
            return Ok(None);
        };
        if let (Some(auth), Some(kid)) = (self.mode.sender(), key.kid()) {
            let signer = did_of(kid);
            if auth
                .senders
                .iter()
                .any(|s| s.kid().is_some_and(|skid| did_of(skid) != signer))
            {
                return Err(ProfileError::SignerNotSender.into());
            }
        }
        sign(key, message).map(|s| Some(Zeroizing::new(s)))
    }

    /// Packs one envelope per curve among the recipients (rule 28 of `docs/rules.md`), for a
    /// recipient whose DID has keys of several types. Authcrypt needs a sender key on each curve.
    pub fn pack_each_curve(&self, message: &[u8]) -> Result<Vec<(Curve, String)>> {
        self.pack_each_curve_with_rng(message, &mut crate::random::OsBatch::new())
    }

    /// [`Packer::pack_each_curve`], drawing randomness from `rng`.
    pub fn pack_each_curve_with_rng(
        &self,
        message: &[u8],
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<(Curve, String)>> {
        let mut curves: Vec<Curve> = self.recipients.iter().map(|a| a.key().curve()).collect();
        curves.sort();
        curves.dedup();
        let signed = self.signed(message)?;
        let message = signed.as_ref().map_or(message, |s| s.as_bytes());
        curves
            .into_iter()
            .map(|c| Ok((c, self.pack_curve(message, c, rng)?)))
            .collect()
    }

    /// The curve to pack on: that of the named recipients, else the first of the sender's
    /// curves (authcrypt) or of the preference (anoncrypt) that a recipient DID offers.
    fn choose_curve(&self) -> Result<Curve> {
        if self.recipients.is_empty() {
            return Err(Error::NoRecipients);
        }
        let named: Vec<Curve> = self
            .recipients
            .iter()
            .filter_map(|a| match a {
                Addressee::Named(k) => Some(k.curve()),
                Addressee::OfDid(_) => None,
            })
            .collect();
        if let Some(&first) = named.first() {
            if named.iter().any(|c| *c != first) {
                return Err(ProfileError::MixedCurves.into());
            }
            return Ok(first);
        }
        let available = |c: &Curve| self.recipients.iter().any(|a| a.key().curve() == *c);
        match self.mode.sender() {
            Some(auth) => auth
                .senders
                .iter()
                .map(Jwk::curve)
                .find(available)
                .ok_or_else(|| {
                    ProfileError::NoKeyAgreementKey("the recipients on the sender's curve".into())
                        .into()
                }),
            None => {
                self.prefer.iter().copied().find(available).ok_or_else(|| {
                    ProfileError::NoKeyAgreementKey("a preferred curve".into()).into()
                })
            }
        }
    }

    /// Packs `message` for the recipients on `curve`.
    fn pack_curve(
        &self,
        message: &[u8],
        curve: Curve,
        rng: &mut impl CryptoRngCore,
    ) -> Result<String> {
        let recipients: Vec<&Jwk> = self
            .recipients
            .iter()
            .map(Addressee::key)
            .filter(|k| k.curve() == curve)
            .collect();
        if recipients.is_empty() {
            return Err(Error::NoRecipients);
        }
        let kids = recipients
            .iter()
            .map(|r| r.kid().ok_or(ProfileError::MissingKid))
            .collect::<Result<Vec<&str>, _>>()?;
        let apv = checked_apv(&kids)?.to_vec();
        let Some(auth) = self.mode.sender() else {
            return anoncrypt(message, &recipients, self.enc, apv, self.parallelism, rng);
        };
        let inner = self.authcrypt_layer(auth, message, curve, &recipients, &apv, rng)?;
        if !auth.protect_sender {
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

    /// The authcrypt envelope of `message` from `auth`'s sender key on `curve`.
    fn authcrypt_layer(
        &self,
        auth: &Authcrypt,
        message: &[u8],
        curve: Curve,
        recipients: &[&Jwk],
        apv: &[u8],
        rng: &mut impl CryptoRngCore,
    ) -> Result<String> {
        let sender = auth
            .senders
            .iter()
            .find(|s| s.curve() == curve)
            .ok_or_else(|| ProfileError::NoKeyAgreementKey(format!("the sender on {curve}")))?;
        let skid = sender.kid().ok_or(ProfileError::MissingKid)?;
        require_did_url(skid)?;
        if !sender.is_private() {
            return Err(Error::NotPrivate(KeyRole::Sender));
        }
        let mut inner = Encrypter::new(
            Sender::Authenticated(sender),
            Mode::Authcrypt.alg().key_wrap(),
            Mode::DEFAULT_ENC,
        )
        .parallelism(self.parallelism)
        .recipients(recipients.iter().copied())
        .protected_member("typ", Value::String(TYP_ENCRYPTED.into()))
        .skid(skid)
        .apu(skid.as_bytes())
        .apv(apv.to_vec());
        if let Some(cache) = &auth.zs_cache {
            inner = inner.zs_cache(cache.clone());
        }
        inner.encrypt_with_rng(message, rng)
    }
}

/// A packer whose mode is chosen at run time (a tool's flag, a configuration), with the
/// builder steps both modes share. The mode-specific steps are set before the conversion:
/// `AnyPacker::from(Packer::authcrypt(&alice).protect_sender(true))`.
#[derive(Debug, Clone)]
pub enum AnyPacker {
    /// Authcrypt, possibly with the protected sender.
    Authcrypt(Packer<Authcrypt>),
    /// Anoncrypt.
    Anoncrypt(Packer<Anoncrypt>),
}

impl From<Packer<Authcrypt>> for AnyPacker {
    fn from(packer: Packer<Authcrypt>) -> AnyPacker {
        AnyPacker::Authcrypt(packer)
    }
}

impl From<Packer<Anoncrypt>> for AnyPacker {
    fn from(packer: Packer<Anoncrypt>) -> AnyPacker {
        AnyPacker::Anoncrypt(packer)
    }
}

impl AnyPacker {
    /// Applies a step that both modes have.
    fn map(
        self,
        auth: impl FnOnce(Packer<Authcrypt>) -> Packer<Authcrypt>,
        anon: impl FnOnce(Packer<Anoncrypt>) -> Packer<Anoncrypt>,
    ) -> AnyPacker {
        match self {
            AnyPacker::Authcrypt(p) => AnyPacker::Authcrypt(auth(p)),
            AnyPacker::Anoncrypt(p) => AnyPacker::Anoncrypt(anon(p)),
        }
    }

    /// [`Packer::to`].
    pub fn to(self, recipient: &Jwk) -> AnyPacker {
        self.map(|p| p.to(recipient), |p| p.to(recipient))
    }

    /// [`Packer::to_all`].
    pub fn to_all<'a>(self, recipients: impl IntoIterator<Item = &'a Jwk>) -> AnyPacker {
        let recipients: Vec<&Jwk> = recipients.into_iter().collect();
        self.map(
            |p| p.to_all(recipients.iter().copied()),
            |p| p.to_all(recipients.iter().copied()),
        )
    }

    /// [`Packer::to_did`].
    pub fn to_did(self, resolver: &(impl KeyResolver + ?Sized), did: &str) -> Result<AnyPacker> {
        Ok(match self {
            AnyPacker::Authcrypt(p) => AnyPacker::Authcrypt(p.to_did(resolver, did)?),
            AnyPacker::Anoncrypt(p) => AnyPacker::Anoncrypt(p.to_did(resolver, did)?),
        })
    }

    /// [`Packer::sign_with`].
    pub fn sign_with(self, key: &SigningKey) -> AnyPacker {
        self.map(|p| p.sign_with(key), |p| p.sign_with(key))
    }

    /// [`Packer::enc`].
    pub fn enc(self, enc: Enc) -> AnyPacker {
        self.map(|p| p.enc(enc), |p| p.enc(enc))
    }

    /// [`Packer::prefer_curves`].
    pub fn prefer_curves(self, curves: &[Curve]) -> AnyPacker {
        self.map(|p| p.prefer_curves(curves), |p| p.prefer_curves(curves))
    }

    /// [`Packer::parallelism`].
    pub fn parallelism(self, parallelism: Parallelism) -> AnyPacker {
        self.map(
            |p| p.parallelism(parallelism),
            |p| p.parallelism(parallelism),
        )
    }

    /// The mode this packer packs in.
    pub fn mode(&self) -> Mode {
        match self {
            AnyPacker::Authcrypt(_) => Mode::Authcrypt,
            AnyPacker::Anoncrypt(_) => Mode::Anoncrypt,
        }
    }

    /// [`Packer::pack`].
    pub fn pack(&self, message: &[u8]) -> Result<String> {
        self.pack_with_rng(message, &mut crate::random::OsBatch::new())
    }

    /// [`Packer::pack_with_rng`].
    pub fn pack_with_rng(&self, message: &[u8], rng: &mut impl CryptoRngCore) -> Result<String> {
        match self {
            AnyPacker::Authcrypt(p) => p.pack_with_rng(message, rng),
            AnyPacker::Anoncrypt(p) => p.pack_with_rng(message, rng),
        }
    }

    /// [`Packer::pack_each_curve`].
    pub fn pack_each_curve(&self, message: &[u8]) -> Result<Vec<(Curve, String)>> {
        match self {
            AnyPacker::Authcrypt(p) => p.pack_each_curve(message),
            AnyPacker::Anoncrypt(p) => p.pack_each_curve(message),
        }
    }
}

/// The anoncrypt envelope of `message` (the outer layer of a protected sender, or the whole
/// message).
fn anoncrypt(
    message: &[u8],
    recipients: &[&Jwk],
    enc: Enc,
    apv: Vec<u8>,
    parallelism: Parallelism,
    rng: &mut impl CryptoRngCore,
) -> Result<String> {
    Mode::Anoncrypt.check_enc(enc)?;
    Encrypter::new(Sender::Anonymous, Mode::Anoncrypt.alg().key_wrap(), enc)
        .parallelism(parallelism)
        .recipients(recipients.iter().copied())
        .protected_member("typ", Value::String(TYP_ENCRYPTED.into()))
        .apv(apv)
        .encrypt_with_rng(message, rng)
}
