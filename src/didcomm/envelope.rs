//! A received envelope: the receiver checks, before any key is touched, and what it claims.

use std::fmt;
use std::sync::OnceLock;

use crate::b64;
use crate::content::{Enc, Plaintext};
use crate::error::{echo, Error, KeyRole, Location, ProfileError, Result};

use crate::jwe::{Alg, EntryOptions, Jwe, Limits, Protected, Serialization};
use crate::jwk::{Coordinates, Curve, Jwk};

use super::rules::{checked_apv, require_did_url};
use super::rules::{typ_is, TYP_ENCRYPTED};
use crate::names::Mode;

/// A DIDComm envelope that has passed every header check (rules 31–35 of `docs/rules.md`), not yet
/// decrypted. Read who it claims to be from and for, resolve the keys, then
/// [`Envelope::decrypt`].
#[derive(Clone)]
pub struct Envelope {
    pub(super) jwe: Jwe,
    pub(super) mode: Mode,
    alg: Alg,
    enc: Enc,
    curve: Curve,
    epk: Jwk,
    pub(super) sender_kid: Option<String>,
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

    pub(super) fn check(jwe: Jwe) -> Result<Envelope> {
        // 31: general JSON only.
        if jwe.serialization() != Serialization::General {
            return Err(ProfileError::NotGeneralJson(jwe.serialization()).into());
        }
        let protected = &jwe.protected;
        // 32: alg, enc allowed for the mode; epk and apv protected.
        let alg = Alg::from_name(in_protected(protected, "alg")?)?;
        let mode = Mode::of_alg(alg).ok_or(ProfileError::AlgNotAllowed(alg))?;
        let enc = Enc::from_name(in_protected(protected, "enc")?)?;
        mode.check_enc(enc)?;
        if !protected.contains("epk") {
            return Err(ProfileError::NotProtected("epk").into());
        }
        let epk = jwe.headers(0).epk(Coordinates::LeftPadShort)?;
        let apv = in_protected(protected, "apv")?;
        check_typ(protected)?;
        check_kids_and_apv(&jwe, apv)?;
        let sender_kid = sender_kid(&jwe, mode)?;
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
    pub(super) fn kids(&self) -> impl Iterator<Item = &str> + Clone {
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
    /// [`Layer`] to [`check_message`](super::check_message), which also says when the plaintext is a further
    /// envelope, or use [`Unpacker`](super::Unpacker), which does both and enforces the nesting rule.
    pub fn decrypt(&self, recipient: &Jwk, sender: Option<&Jwk>) -> Result<(Plaintext, Layer)> {
        let opts = EntryOptions {
            coordinates: Coordinates::LeftPadShort,
            ..EntryOptions::default()
        };
        self.decrypt_owned(recipient, sender, &opts, self.jwe.ciphertext().to_vec())
    }

    pub(super) fn decrypt_owned(
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
                what: KeyRole::Recipient,
                expected: self.curve,
                found: recipient.curve(),
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
                        what: KeyRole::Sender,
                        expected: self.curve,
                        found: s.curve(),
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

/// A string member that must be in the protected header (rule 32).
fn in_protected<'a>(protected: &'a Protected, name: &'static str) -> Result<&'a str> {
    protected
        .str(name)?
        .ok_or_else(|| ProfileError::NotProtected(name).into())
}

/// Rule 26: a `typ`, when present, is the encrypted media type, with or without its
/// `application/` prefix.
fn check_typ(protected: &Protected) -> Result<()> {
    let Some(typ) = protected.str("typ")? else {
        return Ok(());
    };
    if !typ_is(typ, TYP_ENCRYPTED) {
        return Err(ProfileError::WrongTyp(echo(typ)).into());
    }
    Ok(())
}

/// Rules 33 and 34: a DID URL kid per recipient, no repeats, and `apv` (the protected text
/// `apv_text`) binds them.
fn check_kids_and_apv(jwe: &Jwe, apv_text: &str) -> Result<()> {
    let kids = jwe
        .recipient_kids()?
        .into_iter()
        .map(|k| k.ok_or(ProfileError::MissingKid))
        .collect::<Result<Vec<&str>, _>>()?;
    let expected_apv = checked_apv(&kids)?;
    let apv = b64::decode(apv_text).ok_or(Error::Base64 {
        location: Location::Protected,
        name: "apv".into(),
    })?;
    if apv[..] != expected_apv[..] {
        return Err(ProfileError::ApvMismatch.into());
    }
    Ok(())
}

/// Rule 35: the sender kid of an authcrypt envelope (protected `skid` and `apu`, which agree),
/// and none at all, in any header, for anoncrypt.
fn sender_kid(jwe: &Jwe, mode: Mode) -> Result<Option<String>> {
    let headers = jwe.headers(0);
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
    if mode == Mode::Anoncrypt {
        // In any header: an anonymous message names no sender.
        for name in ["skid", "apu"] {
            if sender_located(name, false) {
                return Err(ProfileError::SenderInAnoncrypt(name).into());
            }
        }
        return Ok(None);
    }
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
        (None, Some(apu)) => String::from_utf8(apu)
            .map_err(|_| Error::from(ProfileError::NotDidUrl("(apu is not UTF-8)".into())))?,
        (None, None) => return Err(ProfileError::NoSenderKid.into()),
    };
    require_did_url(&kid)?;
    Ok(Some(kid))
}
