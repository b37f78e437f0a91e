//! Decryption (RFC 7516 §5.2), with ECDH-1PU feeding the received tag into the KDF.

use crate::agreement::{agree_peer, SharedSecret};
use crate::content::{self, ContentKey, Enc, Plaintext};
use crate::error::{Error, KeyRole, Limit, Location, Malformed, Result, Unrepresentable};
use crate::jwe::{Alg, Jwe, Limits, Recipient, Serialization};
use crate::jwk::{Coordinates, Curve, Jwk};
use crate::kdf::{self, FixedInfo};
use crate::key::SecretKey;
use crate::parallel::{spread, worth_sharing, Parallelism, SPLIT_AGREEMENT_MAX};
use crate::wrap;
use crate::zs_cache::{PendingZs, ZsCache};

/// A decrypted message and what was used to decrypt it.
#[derive(Debug)]
pub struct Decrypted {
    /// The plaintext, in a buffer that zeroizes on drop.
    pub plaintext: Plaintext,
    /// The key management algorithm.
    pub alg: Alg,
    /// The content encryption algorithm.
    pub enc: Enc,
    /// The curve of the key agreement.
    pub curve: Curve,
    /// The serialization of the envelope.
    pub serialization: Serialization,
    /// Index of the recipient entry that was decrypted.
    pub recipient_index: usize,
    /// The `kid` of that recipient entry (or of the key used, when the entry had none).
    pub recipient_kid: Option<String>,
    /// For ECDH-1PU: the `kid` of the sender key that was checked (`None` when that key has no
    /// kid — the caller chose it — and always `None` for ECDH-ES; see [`Decrypted::authenticated`]).
    pub sender_kid: Option<String>,
}

impl Decrypted {
    /// Whether the sender was authenticated (ECDH-1PU).
    pub fn authenticated(&self) -> bool {
        self.alg.is_1pu()
    }
}

impl Jwe {
    /// Decrypts for `recipient` (a private key): the recipient entry whose `kid` equals the key's
    /// kid is used; entries without a `kid` are tried in turn (at most
    /// [`Limits::max_trial_decryptions`] of them, with the default limits).
    ///
    /// `sender` says what the caller expects of the message. `Some(key)`: the message must be
    /// ECDH-1PU from that key, as [`Decrypter::require_sender`] demands; an anonymous (ECDH-ES)
    /// message is [`Error::SenderRequired`]. `None`: the message must be anonymous; an ECDH-1PU
    /// message is [`Error::SenderNotFound`], since its sender cannot be checked.
    pub fn decrypt(&self, recipient: &Jwk, sender: Option<&Jwk>) -> Result<Decrypted> {
        let decrypter = Decrypter::new().recipient_key(recipient);
        let decrypter = match sender {
            Some(sender) => decrypter.sender_key(sender).require_sender(),
            None => decrypter,
        };
        decrypter.decrypt_parsed(self, self.ciphertext.clone())
    }

    /// Decrypts recipient entry `index` with `recipient` and, for ECDH-1PU, `sender`. As with
    /// [`Jwe::decrypt`], a `sender` given for an anonymous (ECDH-ES) entry is
    /// [`Error::SenderRequired`], and none given for an ECDH-1PU entry is
    /// [`Error::SenderNotFound`].
    pub fn decrypt_recipient(
        &self,
        index: usize,
        recipient: &Jwk,
        sender: Option<&Jwk>,
    ) -> Result<Decrypted> {
        self.decrypt_entry(
            index,
            recipient,
            sender,
            &EntryOptions::default(),
            self.ciphertext.clone(),
        )
    }

    pub(crate) fn decrypt_entry(
        &self,
        index: usize,
        recipient: &Jwk,
        sender: Option<&Jwk>,
        opts: &EntryOptions<'_>,
        buf: Vec<u8>,
    ) -> Result<Decrypted> {
        let opened = self.open_entry(index, recipient, sender, opts, buf.len())?;
        self.finish(opened, buf, opts.parallelism)
    }

    /// Everything up to the content key: header checks, key agreement, KDF and unwrap.
    /// `content_len` is the length of the ciphertext that will be decrypted with it.
    pub(crate) fn open_entry<'k>(
        &self,
        index: usize,
        recipient: &'k Jwk,
        sender: Option<&'k Jwk>,
        opts: &EntryOptions<'_>,
        content_len: usize,
    ) -> Result<Opened<'k>> {
        let entry = self.recipients.get(index).ok_or(Error::NoRecipients)?;
        let h = self.headers(index);
        let alg = h.alg()?;
        let enc = h.enc()?;
        alg.check_enc(enc)?;
        self.check_lengths(enc)?;
        let secret = recipient
            .secret_key()
            .ok_or(Error::NotPrivate(KeyRole::Recipient))?;
        let parsed;
        let epk = match opts.epk {
            Some(epk) => epk,
            None => {
                parsed = h.epk(opts.coordinates)?;
                &parsed
            }
        };
        let curve = epk.curve();
        if recipient.curve() != curve {
            return Err(Error::CurveMismatch {
                what: KeyRole::Recipient,
                expected: curve,
                found: recipient.curve(),
            });
        }
        let sender = self.sender_for(alg, sender, curve)?;
        let apu = h.bytes("apu")?.unwrap_or_default();
        let apv = h.bytes("apv")?.unwrap_or_default();
        let peers = Peers {
            secret,
            recipient,
            epk,
            sender,
        };
        let (z, pending) = peers.agree(opts, content_len)?;
        let cek = self.content_key(entry, alg, enc, &z, (&apu, &apv))?;
        drop(z);
        Ok(Opened {
            cek,
            alg,
            enc,
            curve,
            index,
            recipient,
            sender,
            pending,
        })
    }

    /// The content key of `entry` from Z: derived directly, or unwrapped from the entry's
    /// `encrypted_key` with the key derived from Z (and, for ECDH-1PU, the tag).
    fn content_key(
        &self,
        entry: &Recipient,
        alg: Alg,
        enc: Enc,
        z: &SharedSecret,
        (apu, apv): (&[u8], &[u8]),
    ) -> Result<ContentKey> {
        let info = |algorithm_id, key_bits: usize, cctag| FixedInfo {
            algorithm_id,
            apu,
            apv,
            key_bits: (key_bits * 8) as u32,
            cctag,
        };
        match alg.key_wrap() {
            None => {
                if !entry.encrypted_key.is_empty() {
                    return Err(Error::InvalidMember {
                        location: Location::Recipient,
                        name: "encrypted_key".into(),
                        reason: Malformed::NotEmptyWithDirect,
                    });
                }
                let key = kdf::derive(z, &info(enc.name(), enc.key_len(), None))?;
                ContentKey::from_zeroizing(enc, key)
            }
            Some(kw) => {
                if entry.encrypted_key.is_empty() {
                    return Err(Error::MissingMember {
                        location: Location::Recipient,
                        name: "encrypted_key",
                    });
                }
                let cctag = alg.is_1pu().then_some(&self.tag[..]);
                let kek = kdf::derive(z, &info(alg.name(), kw.key_len(), cctag))?;
                let cek = wrap::unwrap(kw, &kek, &entry.encrypted_key)?;
                ContentKey::from_zeroizing(enc, cek).map_err(|_| Error::Crypto)
            }
        }
    }

    /// The tag and IV lengths `enc` requires. Checked first: with ECDH-1PU key wrap the tag
    /// feeds the KDF, and a tag of the wrong length is a structural error, not a failed unwrap.
    fn check_lengths(&self, enc: Enc) -> Result<()> {
        for (name, expected, found) in [
            ("tag", enc.tag_len(), self.tag.len()),
            ("iv", enc.iv_len(), self.iv.len()),
        ] {
            if expected != found {
                return Err(Error::InvalidLength {
                    name,
                    expected,
                    found,
                });
            }
        }
        Ok(())
    }

    /// The sender key an entry of `alg` on `curve` is checked against: the caller's key for
    /// ECDH-1PU, none for ECDH-ES, and an error when the caller's expectation and `alg` differ.
    fn sender_for<'k>(
        &self,
        alg: Alg,
        sender: Option<&'k Jwk>,
        curve: Curve,
    ) -> Result<Option<&'k Jwk>> {
        match (alg.is_1pu(), sender) {
            (true, Some(s)) if s.curve() != curve => Err(Error::CurveMismatch {
                what: KeyRole::Sender,
                expected: curve,
                found: s.curve(),
            }),
            (true, Some(s)) => Ok(Some(s)),
            (true, None) => Err(Error::sender_not_found(
                self.sender_kid()?.as_deref().unwrap_or("(not named)"),
            )),
            // A sender key was given to be checked, and an anonymous message cannot be.
            (false, Some(_)) => Err(Error::SenderRequired),
            (false, None) => Ok(None),
        }
    }

    /// Verifies and decrypts the content with an opened entry's key: the plaintext alone. Only
    /// then does a Zs computed for the entry on a cache miss enter the cache.
    pub(crate) fn decrypt_content(
        &self,
        opened: &Opened<'_>,
        mut buf: Vec<u8>,
        parallelism: Parallelism,
    ) -> Result<Plaintext> {
        content::decrypt_in_place_with(
            opened.enc,
            &opened.cek,
            &self.iv,
            &self.aad(),
            &mut buf,
            &self.tag,
            parallelism,
        )?;
        if let Some(pending) = &opened.pending {
            pending.commit();
        }
        Ok(Plaintext::new(buf))
    }

    /// [`Jwe::decrypt_content`] and what was used.
    pub(crate) fn finish(
        &self,
        opened: Opened<'_>,
        buf: Vec<u8>,
        parallelism: Parallelism,
    ) -> Result<Decrypted> {
        let enc = opened.enc;
        let plaintext = self.decrypt_content(&opened, buf, parallelism)?;
        let recipient_kid = match self.headers(opened.index).kid()? {
            Some(kid) => Some(kid.to_owned()),
            None => opened.recipient.kid().map(str::to_owned),
        };
        // Only the kid of the key that was actually checked: a claim in the header is not
        // evidence of anything when the caller supplied a key without a kid.
        let sender_kid = opened.sender.and_then(Jwk::kid).map(str::to_owned);
        Ok(Decrypted {
            plaintext,
            alg: opened.alg,
            enc,
            curve: opened.curve,
            serialization: self.serialization,
            recipient_index: opened.index,
            recipient_kid,
            sender_kid,
        })
    }
}

/// Decrypts envelopes with a set of recipient private keys and, for ECDH-1PU, a set of sender
/// public keys.
///
/// A recipient entry is matched to a key by `kid`; entries without a `kid` are tried with every
/// key on the `epk` curve, at most [`Limits::max_trial_decryptions`] (entry, key) pairs in all.
/// The sender key is the one whose `kid` equals `skid` (or, without `skid`, the UTF-8 of `apu`);
/// a single supplied sender key without a `kid` is taken as the caller's explicit choice.
/// Anonymous (ECDH-ES) messages are accepted unless [`Decrypter::require_sender`] is set.
#[derive(Debug, Clone, Default)]
pub struct Decrypter<'a> {
    keys: Vec<&'a Jwk>,
    senders: Vec<&'a Jwk>,
    limits: Limits,
    coordinates: Coordinates,
    zs_cache: Option<ZsCache>,
    parallelism: Parallelism,
    require_sender: bool,
}

/// A recipient entry whose content key has been recovered.
pub(crate) struct Opened<'k> {
    cek: ContentKey,
    alg: Alg,
    enc: Enc,
    curve: Curve,
    index: usize,
    recipient: &'k Jwk,
    sender: Option<&'k Jwk>,
    /// The Zs computed on a cache miss, inserted once the content has verified.
    pending: Option<PendingZs>,
}

/// The keys of one entry's agreement: the recipient's secret, the ephemeral key and, for
/// ECDH-1PU, the sender's key.
struct Peers<'a> {
    secret: &'a SecretKey,
    recipient: &'a Jwk,
    epk: &'a Jwk,
    sender: Option<&'a Jwk>,
}

impl Peers<'_> {
    /// Z = Ze (‖ Zs for ECDH-1PU), with Zs from the cache when one is given, and the Zs to
    /// insert into it once the content verifies.
    fn agree(
        &self,
        opts: &EntryOptions<'_>,
        content_len: usize,
    ) -> Result<(SharedSecret, Option<PendingZs>)> {
        let (secret, epk) = (self.secret, self.epk);
        let curve = epk.curve();
        let mut z = SharedSecret::with_capacity(2 * curve.coordinate_len());
        let mut pending = None;
        let split = content_len <= SPLIT_AGREEMENT_MAX
            && worth_sharing(curve)
            && opts.parallelism.threads(2, 1) > 1;
        match (self.sender, opts.cache) {
            (Some(s), None) if split => {
                // Ze and Zs are independent: one on each core.
                let peers = [epk, s];
                let ((), parts) = spread(
                    2,
                    2,
                    || (),
                    |i| agree_peer(secret, peers[i].public_key(), peers[i].peer_form()),
                );
                for part in parts {
                    z.extend(part?.as_bytes());
                }
            }
            (Some(s), Some(cache)) => {
                z.append_peer(secret, epk.public_key(), epk.peer_form())?;
                pending = cache.append_pending(secret, self.recipient.public_key(), s, &mut z)?;
            }
            (Some(s), None) => {
                z.append_peer(secret, epk.public_key(), epk.peer_form())?;
                z.append_peer(secret, s.public_key(), s.peer_form())?;
            }
            (None, _) => z.append_peer(secret, epk.public_key(), epk.peer_form())?,
        }
        Ok((z, pending))
    }
}

/// How one recipient entry is decrypted.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct EntryOptions<'a> {
    pub(crate) coordinates: Coordinates,
    pub(crate) cache: Option<&'a ZsCache>,
    pub(crate) parallelism: Parallelism,
    /// The entry's `epk`, when the caller has already read it with these `coordinates`.
    pub(crate) epk: Option<&'a Jwk>,
}

impl<'a> Decrypter<'a> {
    /// A decrypter with no keys, default limits and strict coordinates.
    pub fn new() -> Decrypter<'a> {
        Decrypter::default()
    }

    /// Adds a recipient private key.
    pub fn recipient_key(mut self, key: &'a Jwk) -> Self {
        self.keys.push(key);
        self
    }

    /// Adds sender public keys (ECDH-1PU).
    pub fn sender_keys(mut self, keys: impl IntoIterator<Item = &'a Jwk>) -> Self {
        self.senders.extend(keys);
        self
    }

    /// Adds a sender public key (ECDH-1PU). On its own this does not reject anonymous
    /// (ECDH-ES) messages, which decrypt with [`Decrypted::sender_kid`] `None`; see
    /// [`Decrypter::require_sender`].
    pub fn sender_key(mut self, key: &'a Jwk) -> Self {
        self.senders.push(key);
        self
    }

    /// Accepts only sender-authenticated (ECDH-1PU) messages: an anonymous (ECDH-ES) message is
    /// rejected with [`Error::SenderRequired`] before any key agreement. An ECDH-1PU message
    /// still needs its sender among the [sender keys](Decrypter::sender_key).
    pub fn require_sender(mut self) -> Self {
        self.require_sender = true;
        self
    }

    /// Sets the input limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets how EC coordinates in `epk` are read.
    pub fn coordinates(mut self, coordinates: Coordinates) -> Self {
        self.coordinates = coordinates;
        self
    }

    /// Uses (and fills) a cache of the static-static secret Zs (ECDH-1PU). A Zs the cache does
    /// not hold is computed and enters the cache only once the message has verified, so forged
    /// messages do not evict the entries of real senders.
    pub fn zs_cache(mut self, cache: ZsCache) -> Self {
        self.zs_cache = Some(cache);
        self
    }

    /// Whether a second core may be used (default [`Parallelism::Auto`]).
    pub fn parallelism(mut self, parallelism: Parallelism) -> Self {
        self.parallelism = parallelism;
        self
    }

    /// Parses and decrypts an envelope in any serialization.
    pub fn decrypt(&self, input: &[u8]) -> Result<Decrypted> {
        let mut jwe = Jwe::parse_with(input, &self.limits, self.parallelism)?;
        let buf = std::mem::take(&mut jwe.ciphertext);
        self.decrypt_parsed(&jwe, buf)
    }

    /// Decrypts a parsed envelope, consuming `buf` (its ciphertext) in place.
    pub(crate) fn decrypt_parsed(&self, jwe: &Jwe, buf: Vec<u8>) -> Result<Decrypted> {
        let kids = jwe.recipient_kids()?;
        let alg = jwe.headers(0).alg()?;
        if self.require_sender && !alg.is_1pu() {
            return Err(Error::SenderRequired);
        }
        self.check_trials(&kids)?;
        let sender = if alg.is_1pu() {
            Some(self.pick_sender(jwe)?)
        } else {
            None
        };
        let attempts = self.attempts(&kids)?;
        // Recover the content key entry by entry (cheap: one or two scalar multiplications and
        // an unwrap each); the content itself is verified and decrypted once, with the first key
        // that unwraps, and that result is final.
        let opts = EntryOptions {
            coordinates: self.coordinates,
            cache: self.zs_cache.as_ref(),
            parallelism: self.parallelism,
            epk: None,
        };
        let n = attempts.len();
        let direct = alg.key_wrap().is_none();
        if direct && jwe.recipients.len() > 1 {
            return Err(Error::Serialization {
                serialization: Serialization::General,
                reason: Unrepresentable::SeveralDirectRecipients,
            });
        }
        let content_len = buf.len();
        let mut buf = Some(buf);
        let mut last = Error::Crypto;
        for (done, (i, key)) in attempts.into_iter().enumerate() {
            let more = done + 1 < n;
            match jwe.open_entry(i, key, sender, &opts, content_len) {
                // Direct key agreement derives a key from any private key: only the content can
                // tell whether it was the right one, so each of the caller's keys is tried.
                Ok(opened) if direct && more => {
                    let input = buf.clone().unwrap_or_default();
                    match jwe.finish(opened, input, self.parallelism) {
                        Err(Error::Crypto) => last = Error::Crypto,
                        other => return other,
                    }
                }
                Ok(opened) => {
                    return jwe.finish(opened, buf.take().unwrap_or_default(), self.parallelism)
                }
                Err(e @ (Error::Crypto | Error::CurveMismatch { .. })) if more => last = e,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// Every entry without a kid is tried with every key: bounded before any of that work.
    fn check_trials(&self, kids: &[Option<&str>]) -> Result<()> {
        let trials = kids
            .iter()
            .filter(|kid| kid.is_none())
            .count()
            .saturating_mul(self.keys.len());
        if trials > self.limits.max_trial_decryptions {
            return Err(Error::LimitExceeded {
                what: Limit::TrialDecryptions,
                limit: self.limits.max_trial_decryptions,
            });
        }
        Ok(())
    }

    /// The (entry, key) pairs to try, in entry order: the key whose kid the entry names, or
    /// every key for an entry without a kid.
    fn attempts(&self, kids: &[Option<&str>]) -> Result<Vec<(usize, &'a Jwk)>> {
        let mut attempts = Vec::new();
        for (i, kid) in kids.iter().enumerate() {
            match kid {
                Some(kid) => {
                    if let Some(k) = self.keys.iter().find(|k| k.kid() == Some(*kid)) {
                        attempts.push((i, *k));
                    }
                }
                None => attempts.extend(self.keys.iter().map(|k| (i, *k))),
            }
        }
        if attempts.is_empty() {
            return Err(Error::recipient_not_found(kids.iter().copied()));
        }
        Ok(attempts)
    }

    fn pick_sender(&self, jwe: &Jwe) -> Result<&'a Jwk> {
        let h = jwe.headers(0);
        let claimed = jwe.sender_kid()?;
        if let Some(claimed) = &claimed {
            if let Some(s) = self
                .senders
                .iter()
                .find(|s| s.kid() == Some(claimed.as_str()))
            {
                return Ok(s);
            }
        }
        let has_skid = h.str("skid")?.is_some();
        match self.senders.as_slice() {
            // A single key the caller named: it has no kid to compare, or the envelope names
            // no `skid` (in plain JOSE `apu` need not be a key id, e.g. "Alice").
            [only] if only.kid().is_none() || !has_skid => Ok(only),
            _ => Err(Error::sender_not_found(
                claimed.as_deref().unwrap_or("(not named)"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwe::{Encrypter, Sender};

    /// An authcrypt message from `sender` to `bob`, general JSON.
    fn authcrypt(alg: Alg, sender: &Jwk, bob: &Jwk) -> String {
        Encrypter::new(
            Sender::for_alg(alg, sender),
            alg.key_wrap(),
            Enc::A256CbcHs512,
        )
        .recipient(&bob.to_public())
        .encrypt(b"hello")
        .unwrap()
    }

    /// `envelope` with the first character of member `name`'s base64url value changed, which
    /// changes its first octet and keeps the text canonical.
    fn tampered(envelope: &str, name: &str) -> String {
        let at = envelope.find(&format!("\"{name}\":\"")).unwrap() + name.len() + 4;
        let mut text = envelope.as_bytes().to_vec();
        text[at] = if text[at] == b'A' { b'B' } else { b'A' };
        String::from_utf8(text).unwrap()
    }

    fn open(cache: &ZsCache, bob: &Jwk, sender: &Jwk, envelope: &str) -> Result<()> {
        Decrypter::new()
            .recipient_key(bob)
            .sender_key(sender)
            .zs_cache(cache.clone())
            .decrypt(envelope.as_bytes())
            .map(|_| ())
    }

    #[test]
    fn a_full_cache_keeps_its_entries_through_a_stream_of_forged_messages() {
        for curve in [Curve::X25519, Curve::P256] {
            let bob = Jwk::generate(curve);
            let cache = ZsCache::new(3);
            let friends: Vec<Jwk> = (0..3).map(|_| Jwk::generate(curve)).collect();
            for friend in &friends {
                let envelope = authcrypt(Alg::Ecdh1PuA256Kw, friend, &bob);
                open(&cache, &bob, &friend.to_public(), &envelope).unwrap();
            }
            let before = cache.held();
            assert_eq!(before.len(), 3);
            let forger = Jwk::generate(curve);
            let strangers: Vec<Jwk> = (0..12).map(|_| Jwk::generate(curve)).collect();
            for (i, stranger) in strangers.iter().enumerate() {
                let alg = [Alg::Ecdh1PuA256Kw, Alg::Ecdh1Pu][i % 2];
                // Each message has a fresh ephemeral key and names a sender the cache has not
                // seen: a real message spoiled in transit, and one sealed with another key.
                let real = authcrypt(alg, stranger, &bob);
                let claimed = stranger.to_public();
                for forged in [
                    tampered(&real, "ciphertext"),
                    tampered(&real, "tag"),
                    authcrypt(alg, &forger, &bob),
                ] {
                    assert_eq!(
                        open(&cache, &bob, &claimed, &forged),
                        Err(Error::Crypto),
                        "{curve:?} {alg}"
                    );
                }
            }
            assert_eq!(cache.held(), before, "{curve:?}: no entry evicted or added");
            // A message that verifies does take an entry, in place of the oldest.
            let envelope = authcrypt(Alg::Ecdh1PuA256Kw, &strangers[0], &bob);
            open(&cache, &bob, &strangers[0].to_public(), &envelope).unwrap();
            let after = cache.held();
            assert_eq!(after[..2], before[1..]);
            assert_ne!(after[2], before[0]);
        }
    }
}
