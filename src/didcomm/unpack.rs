//! Unpacking: every layer opened and every message check applied, with keys from a resolver.

use std::fmt;

use crate::content::Plaintext;
use crate::error::{Error, ProfileError, Result};
use crate::jwe::{EntryOptions, Jwe, Limits};
use crate::jwk::Coordinates;
use crate::parallel::Parallelism;
use crate::zs_cache::ZsCache;

use super::checks::MessageForm;
use super::checks::{classify, Classified, Peek, Shape, Tail};
use super::envelope::{Envelope, Layer};
use super::from_prior::FromPrior;
use super::message::Message;
use super::signed::{SignedBy, SignedMessage, VerifiedMessage};
use crate::did::KeyResolver;
use crate::names::Mode;

/// An unpacked message.
#[derive(Debug)]
pub struct Unpacked {
    /// The innermost plaintext message (for a signed message, its verified payload).
    pub plaintext: Plaintext,
    /// The layers, outermost first (none for a signed message on its own).
    pub layers: Vec<Layer>,
    /// What the plaintext is, as far as the message checks established.
    pub form: MessageForm,
    /// Who signed the message, when it was a signed message: every signature verified with an
    /// `authentication` key of the message's `from`. Empty when it was not signed.
    pub signers: Vec<SignedBy>,
    /// The signed message (the JWS) exactly as received, which a third party can verify again:
    /// the proof of non-repudiation. `None` when the message was not signed.
    pub signed_message: Option<Plaintext>,
    /// The DID rotation the message carried (`from_prior`), verified against the prior DID's
    /// `authentication` key. `None` when it carried none (or the checks were off).
    pub from_prior: Option<FromPrior>,
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

    /// Whether the message was signed, so that anyone holding the signed message and the
    /// signer's DID document can check who wrote it (authcrypt alone does not give this).
    pub fn non_repudiable(&self) -> bool {
        !self.signers.is_empty()
    }

    /// The sender kid proven by the layer that directly encloses the plaintext, or `None`
    /// (anonymous).
    pub fn sender_kid(&self) -> Option<&str> {
        self.layers.last().and_then(|l| l.sender_kid.as_deref())
    }

    /// The plaintext as a typed [`Message`] (read strictly; see [`Message::from_json`]).
    pub fn message(&self) -> Result<Message> {
        Message::from_json(&self.plaintext)
    }

    /// The kid of the first signer, when the message was signed.
    pub fn signer_kid(&self) -> Option<&str> {
        self.signers.first().map(|s| s.kid.as_str())
    }

    /// The recipient kid of the innermost layer (empty for a signed message on its own).
    pub fn recipient_kid(&self) -> &str {
        self.layers.last().map_or("", |l| l.recipient_kid.as_str())
    }

    /// The outermost layer's mode (`None` for a signed message on its own).
    pub fn mode(&self) -> Option<Mode> {
        self.layers.first().map(|l| l.mode)
    }

    fn plain(plaintext: Plaintext, layers: Vec<Layer>, form: MessageForm) -> Unpacked {
        Unpacked {
            plaintext,
            layers,
            form,
            signers: Vec::new(),
            signed_message: None,
            from_prior: None,
        }
    }

    fn signed(signed: Plaintext, layers: Vec<Layer>, verified: VerifiedMessage) -> Unpacked {
        Unpacked {
            plaintext: verified.payload,
            layers,
            form: MessageForm::Signed,
            signers: verified.signers,
            signed_message: Some(signed),
            from_prior: None,
        }
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
    now: Option<u64>,
}

impl fmt::Debug for Unpacker<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unpacker")
            .field("limits", &self.limits)
            .field("max_layers", &self.max_layers)
            .field("message_checks", &self.message_checks)
            .field("any_nesting", &self.any_nesting)
            .field("now", &self.now)
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
            now: None,
        }
    }

    /// The time to check messages against, in seconds since the UNIX epoch: a message whose
    /// `expires_time` is before it is [`ProfileError::Expired`], and a `from_prior`'s `iat`,
    /// `nbf` and `exp` are checked against it (rules M8 and M9). Without it no time is checked.
    pub fn at(mut self, now: u64) -> Unpacker<'a> {
        self.now = Some(now);
        self
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

    /// Unpacks `input`, peeling nested envelopes (anoncrypt(authcrypt(...))) and verifying a
    /// signed message inside them. `input` may also be a signed message on its own, which is
    /// verified with the resolver's `authentication` keys of its signers.
    pub fn unpack(&self, input: &[u8]) -> Result<Unpacked> {
        let mut layers = Vec::new();
        let parsed = match Jwe::parse_with(input, &self.limits, self.parallelism) {
            Ok(jwe) => jwe,
            Err(e) => return self.unpack_signed(input).unwrap_or(Err(e)),
        };
        let mut envelope = Envelope::check(parsed)?;
        loop {
            let (plaintext, layer) = self.open(&mut envelope)?;
            let form = if self.message_checks {
                classify(&plaintext, &layer)?
            } else if Peek::read(&plaintext).is_ok_and(|p| p.is_some_and(|p| p.is_jwe())) {
                Classified::Envelope
            } else {
                layers.push(layer);
                return Ok(Unpacked::plain(plaintext, layers, MessageForm::Unchecked));
            };
            layers.push(layer);
            let (unpacked, tail) = match form {
                Classified::Message(tail) => (
                    Unpacked::plain(plaintext, layers, MessageForm::Plaintext),
                    tail,
                ),
                Classified::Signed => {
                    let mut verified =
                        SignedMessage::parse(&plaintext)?.verify(self.senders, layers.last())?;
                    let tail = std::mem::take(&mut verified.tail);
                    (Unpacked::signed(plaintext, layers, verified), tail)
                }
                Classified::Envelope => {
                    envelope = self.inner(&layers, &plaintext)?;
                    continue;
                }
            };
            return self.finish(unpacked, &tail);
        }
    }

    /// Rules M8 and M9 on the message found, from what was taken when it was read.
    fn finish(&self, mut unpacked: Unpacked, tail: &Tail) -> Result<Unpacked> {
        unpacked.from_prior = tail.check(self.now, self.senders)?;
        Ok(unpacked)
    }

    /// A signed message on its own, when `input` is one (and is not an envelope).
    fn unpack_signed(&self, input: &[u8]) -> Option<Result<Unpacked>> {
        let peek = Peek::read(input).ok()??;
        if peek.shape().ok()? != Shape::Signed {
            return None;
        }
        Some(
            SignedMessage::parse(input)
                .and_then(|m| m.verify(self.senders, None))
                .and_then(|mut v| {
                    let tail = std::mem::take(&mut v.tail);
                    let signed = Plaintext::new(input.to_vec());
                    self.finish(Unpacked::signed(signed, Vec::new(), v), &tail)
                }),
        )
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
