//! Unpacking: every layer opened and every message check applied, with keys from a resolver.

use std::fmt;

use crate::content::Plaintext;
use crate::error::{Error, ProfileError, Result};
use crate::jwe::{EntryOptions, Jwe, Limits};
use crate::jwk::Coordinates;
use crate::parallel::Parallelism;
use crate::zs_cache::ZsCache;

use super::envelope::{Envelope, Layer};
use super::message::MessageForm;
use super::message::{classify, Classified, Peek};
use super::resolver::KeyResolver;
use crate::names::Mode;

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
