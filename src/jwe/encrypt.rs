//! Encryption (RFC 7516 §5.1). In ECDH-1PU key-wrap mode the content is encrypted first and
//! its tag enters the KDF as `cctag`; only then is the CEK wrapped for each recipient
//! (1PU draft §2.1).

use super::write::Message;
use rand_core::CryptoRngCore;
use serde_json::Value;

use crate::agreement::SharedSecret;
use crate::b64;
use crate::content::{self, ContentKey, Enc};
use crate::error::{Error, KeyProblem, KeyRole, Result, Unrepresentable};
use crate::jwe::{Alg, Serialization};
use crate::jwk::{Curve, Jwk, PublicKey, SecretKey};
use crate::kdf::{self, FixedInfo};
use crate::parallel::{self, spread, Parallelism, OVERLAP_MIN};
use crate::wrap::{self, KeyWrap};
use crate::zs_cache::ZsCache;

/// Builds and encrypts a JWE.
///
/// ```
/// use authcrypt::{Enc, Encrypter, Jwe, Jwk, Curve};
/// let alice = Jwk::generate(Curve::X25519).with_kid("alice#1");
/// let bob = Jwk::generate(Curve::X25519).with_kid("bob#1");
/// use authcrypt::{KeyWrap, Sender};
/// let jwe = Encrypter::new(Sender::Authenticated(&alice), Some(KeyWrap::A256Kw), Enc::A256CbcHs512)
///     .recipient(&bob.to_public())
///     .encrypt(b"hello")?;
/// let out = Jwe::parse(jwe.as_bytes())?.decrypt(&bob, Some(&alice.to_public()))?;
/// assert_eq!(&out.plaintext[..], b"hello");
/// # Ok::<(), authcrypt::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Encrypter<'a> {
    alg: Alg,
    enc: Enc,
    sender: Sender<'a>,
    recipients: Vec<&'a Jwk>,
    apu: Option<Vec<u8>>,
    apv: Option<Vec<u8>>,
    skid: Option<String>,
    protected: Vec<(String, Value)>,
    unprotected: Vec<(String, Value)>,
    aad: Option<Vec<u8>>,
    serialization: Serialization,
    zs_cache: Option<ZsCache>,
    parallelism: Parallelism,
}

/// Who a JWE is from: nobody the recipient can tell (ECDH-ES), or the holder of a static key
/// (ECDH-1PU), whose private part joins the key agreement.
#[derive(Debug, Clone, Copy)]
pub enum Sender<'a> {
    /// An anonymous sender: ECDH-ES.
    Anonymous,
    /// A sender authenticated by its private key: ECDH-1PU.
    Authenticated(&'a Jwk),
}

impl<'a> Sender<'a> {
    /// The sender an `alg` chosen at run time calls for: `key` for ECDH-1PU, none for ECDH-ES.
    pub fn for_alg(alg: Alg, key: &'a Jwk) -> Sender<'a> {
        if alg.is_1pu() {
            Sender::Authenticated(key)
        } else {
            Sender::Anonymous
        }
    }

    /// The sender's key, if the sender is authenticated.
    pub fn key(self) -> Option<&'a Jwk> {
        match self {
            Sender::Anonymous => None,
            Sender::Authenticated(key) => Some(key),
        }
    }
}

/// Caller-supplied ephemeral key, CEK and IV, for known-answer tests only.
#[derive(Debug)]
pub struct FixedRandomness<'a> {
    /// The ephemeral private key.
    pub ephemeral: &'a SecretKey,
    /// The content encryption key: required with a key wrap, ignored in direct mode, where the
    /// KDF produces it.
    pub cek: Option<&'a ContentKey>,
    /// The initialization vector.
    pub iv: &'a [u8],
}

impl<'a> Encrypter<'a> {
    /// A new encrypter from `sender` (anonymous: ECDH-ES; authenticated: ECDH-1PU), with the
    /// CEK wrapped by `key_wrap` for each recipient or, with `None`, agreed directly with the one
    /// recipient; content encryption `enc`, general JSON serialization. For an `alg` chosen at
    /// run time: `Encrypter::new(Sender::for_alg(alg, &key), alg.key_wrap(), enc)`.
    pub fn new(sender: Sender<'a>, key_wrap: Option<KeyWrap>, enc: Enc) -> Encrypter<'a> {
        Encrypter {
            alg: Alg::of(matches!(sender, Sender::Authenticated(_)), key_wrap),
            enc,
            sender,
            recipients: Vec::new(),
            apu: None,
            apv: None,
            skid: None,
            protected: Vec::new(),
            unprotected: Vec::new(),
            aad: None,
            serialization: Serialization::General,
            zs_cache: None,
            parallelism: Parallelism::Auto,
        }
    }

    /// Uses (and fills) a cache of the static-static secret Zs (ECDH-1PU).
    pub fn zs_cache(mut self, cache: ZsCache) -> Self {
        self.zs_cache = Some(cache);
        self
    }

    /// Whether a second core may be used (default [`Parallelism::Auto`]).
    pub fn parallelism(mut self, parallelism: Parallelism) -> Self {
        self.parallelism = parallelism;
        self
    }

    /// Adds a recipient (its public part is used; its `kid` goes into the recipient header).
    pub fn recipient(mut self, key: &'a Jwk) -> Self {
        self.recipients.push(key);
        self
    }

    /// Adds recipients.
    pub fn recipients(mut self, keys: impl IntoIterator<Item = &'a Jwk>) -> Self {
        self.recipients.extend(keys);
        self
    }

    /// Sets `apu` (Agreement PartyUInfo), given as raw octets.
    pub fn apu(mut self, apu: impl Into<Vec<u8>>) -> Self {
        self.apu = Some(apu.into());
        self
    }

    /// Sets `apv` (Agreement PartyVInfo), given as raw octets.
    pub fn apv(mut self, apv: impl Into<Vec<u8>>) -> Self {
        self.apv = Some(apv.into());
        self
    }

    /// Sets `skid` in the protected header.
    pub fn skid(mut self, skid: impl Into<String>) -> Self {
        self.skid = Some(skid.into());
        self
    }

    /// Adds a member to the protected header (after `alg` and `enc`).
    pub fn protected_member(mut self, name: impl Into<String>, value: Value) -> Self {
        self.protected.push((name.into(), value));
        self
    }

    /// Adds a member to the shared unprotected header (JSON serializations only).
    pub fn unprotected_member(mut self, name: impl Into<String>, value: Value) -> Self {
        self.unprotected.push((name.into(), value));
        self
    }

    /// Sets the JWE `aad` member (JSON serializations only).
    pub fn aad(mut self, aad: impl Into<Vec<u8>>) -> Self {
        self.aad = Some(aad.into());
        self
    }

    /// Chooses the serialization (default general JSON).
    pub fn serialization(mut self, serialization: Serialization) -> Self {
        self.serialization = serialization;
        self
    }

    /// Encrypts with the operating system's RNG (read once for the ephemeral key, CEK and IV).
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<String> {
        self.encrypt_with_rng(plaintext, &mut crate::random::OsBatch::new())
    }

    /// Encrypts, drawing the ephemeral key, CEK and IV from `rng`.
    pub fn encrypt_with_rng(
        &self,
        plaintext: &[u8],
        rng: &mut impl CryptoRngCore,
    ) -> Result<String> {
        let curve = self.check()?;
        let ephemeral = SecretKey::generate_with_rng(curve, rng);
        let cek = self
            .alg
            .key_wrap()
            .map(|_| ContentKey::generate_with_rng(self.enc, rng));
        let mut iv = vec![0u8; self.enc.iv_len()];
        rng.try_fill_bytes(&mut iv).map_err(|_| Error::Rng)?;
        self.encrypt_with_fixed(
            plaintext,
            FixedRandomness {
                ephemeral: &ephemeral,
                cek: cek.as_ref(),
                iv: &iv,
            },
        )
    }

    /// Encrypts with a caller-supplied ephemeral key, CEK and IV. **For known-answer tests
    /// only**: reusing any of them across messages destroys confidentiality.
    pub fn encrypt_with_fixed(
        &self,
        plaintext: &[u8],
        fixed: FixedRandomness<'_>,
    ) -> Result<String> {
        let curve = self.check()?;
        let ephemeral = fixed.ephemeral;
        if ephemeral.curve() != curve {
            return Err(Error::CurveMismatch {
                what: KeyRole::Ephemeral,
                expected: curve,
                found: ephemeral.curve(),
            });
        }
        let agreements = Agreements::new(self, ephemeral, curve)?;
        let mut buf = Vec::with_capacity(self.enc.ciphertext_len(plaintext.len()));
        buf.extend_from_slice(plaintext);
        let Some(kw) = self.alg.key_wrap() else {
            return self.encrypt_direct(&agreements, fixed.iv, buf);
        };
        let cek = fixed_cek(fixed.cek, self.enc)?;
        let (header, tag, encrypted_keys) =
            self.seal_and_wrap(&agreements, kw, cek, ephemeral, fixed.iv, &mut buf)?;
        Ok(self.write(&header, &encrypted_keys, fixed.iv, &buf, &tag))
    }

    /// The header and the content sealed under `cek`, and `cek` wrapped for every recipient:
    /// on the calling thread, or with the agreements on the pool when a second core pays.
    fn seal_and_wrap(
        &self,
        agreements: &Agreements<'_>,
        kw: KeyWrap,
        cek: &ContentKey,
        ephemeral: &SecretKey,
        iv: &[u8],
        buf: &mut Vec<u8>,
    ) -> Result<(Header, Vec<u8>, Vec<Vec<u8>>)> {
        let curve = ephemeral.curve();
        let wrap_with = |z: &SharedSecret, cctag: Option<&[u8]>| self.wrap_cek(kw, cek, z, cctag);
        // The header (with the ephemeral public key) and the content, on the calling thread.
        let seal = |buf: &mut Vec<u8>| -> Result<(Header, Vec<u8>)> {
            let header = self.header(&ephemeral.public_key())?;
            let tag = content::encrypt_in_place_with(
                self.enc,
                cek,
                iv,
                &header.aad,
                buf,
                self.parallelism,
            )?;
            Ok((header, tag))
        };
        let (n, parts) = (self.recipients.len(), agreements.parts());
        let count = agreements.to_compute();
        let overlap = self.overlap_pays(count, buf.len(), curve);
        let threads = self
            .parallelism
            .threads(if overlap { count + 1 } else { count }, 1);
        let (header, tag, encrypted_keys) = if threads <= 1 {
            let (header, tag) = seal(buf)?;
            let cctag = self.alg.is_1pu().then_some(&tag[..]);
            let keys = (0..n)
                .map(|i| wrap_with(&agreements.whole(i)?, cctag))
                .collect::<Result<Vec<_>>>()?;
            (header, tag, keys)
        } else if parts == 2 {
            // ECDH-1PU: Ze and Zs are separate tasks (a Zs the cache holds is only read); the
            // keys are wrapped once the tag is known.
            let ((header, tag), zs) = seal_and_spread(
                threads,
                parts * n,
                overlap,
                || seal(buf),
                |i| agreements.part(i / 2, i % 2),
            )?;
            let keys = zs
                .chunks(2)
                .map(|pair| {
                    let mut z = SharedSecret::with_capacity(2 * curve.coordinate_len());
                    for part in pair {
                        z.extend(part.as_bytes());
                    }
                    wrap_with(&z, Some(&tag))
                })
                .collect::<Result<Vec<_>>>()?;
            (header, tag, keys)
        } else {
            // ECDH-ES: each key is wrapped as soon as it is agreed.
            let ((header, tag), keys) = seal_and_spread(
                threads,
                count,
                overlap,
                || seal(buf),
                |i| wrap_with(&agreements.part(i, 0)?, None),
            )?;
            (header, tag, keys)
        };
        Ok((header, tag, encrypted_keys))
    }

    /// Direct key agreement: one recipient, whose agreed key is the CEK.
    fn encrypt_direct(
        &self,
        agreements: &Agreements<'_>,
        iv: &[u8],
        mut buf: Vec<u8>,
    ) -> Result<String> {
        let enc = self.enc;
        let header = self.header(&agreements.ephemeral.public_key())?;
        let z = agreements.whole(0)?;
        let key = kdf::derive(
            &z,
            &FixedInfo {
                algorithm_id: enc.name(),
                apu: self.apu.as_deref().unwrap_or_default(),
                apv: self.apv.as_deref().unwrap_or_default(),
                key_bits: (enc.key_len() * 8) as u32,
                cctag: None,
            },
        )?;
        let cek = ContentKey::from_zeroizing(enc, key)?;
        let tag =
            content::encrypt_in_place_with(enc, &cek, iv, &header.aad, &mut buf, self.parallelism)?;
        Ok(self.write(&header, &[Vec::new()], iv, &buf, &tag))
    }

    /// The CEK wrapped under the KEK derived from `z` (with the content's tag for ECDH-1PU).
    fn wrap_cek(
        &self,
        kw: KeyWrap,
        cek: &ContentKey,
        z: &SharedSecret,
        cctag: Option<&[u8]>,
    ) -> Result<Vec<u8>> {
        let kek = kdf::derive(
            z,
            &FixedInfo {
                algorithm_id: self.alg.name(),
                apu: self.apu.as_deref().unwrap_or_default(),
                apv: self.apv.as_deref().unwrap_or_default(),
                key_bits: (kw.key_len() * 8) as u32,
                cctag,
            },
        )?;
        wrap::wrap(kw, &kek, cek.as_bytes())
    }

    /// Whether the `count` key agreements still to compute run beside the header and the
    /// content. They need neither, so on two cores they do, unless the content takes both
    /// cores itself (a large CBC/HMAC message) or there is too little to share: a single
    /// agreement goes beside the content only if the content is large and the agreement
    /// costly, or if the header's ephemeral public key is itself costly work.
    fn overlap_pays(&self, count: usize, len: usize, curve: Curve) -> bool {
        !parallel::pipelined(self.enc, len, self.parallelism)
            && (count >= 2
                || (len >= OVERLAP_MIN && parallel::single_agreement_beside_content_pays(curve))
                || parallel::public_key_beside_agreement_pays(curve))
    }

    /// The protected header for ephemeral public key `epk`, its base64url text and the AAD.
    fn header(&self, epk: &PublicKey) -> Result<Header> {
        let (header, names) = self.protected_text(epk);
        self.check_names(&names)?;
        let protected_b64 = b64::encode(header.as_bytes());
        let aad_b64 = self.aad.as_ref().map(|a| b64::encode(a));
        let mut aad =
            Vec::with_capacity(protected_b64.len() + aad_b64.as_ref().map_or(0, |a| a.len() + 1));
        aad.extend_from_slice(protected_b64.as_bytes());
        if let Some(a) = &aad_b64 {
            aad.push(b'.');
            aad.extend_from_slice(a.as_bytes());
        }
        Ok(Header {
            protected_b64,
            aad_b64,
            aad,
        })
    }

    /// The protected header's JSON text, written once (its base64url text is the AAD), and
    /// the names of its members and of the per-recipient members.
    fn protected_text(&self, epk: &PublicKey) -> (String, Vec<&str>) {
        let (alg, enc) = (self.alg, self.enc);
        let compact = self.serialization == Serialization::Compact;

        // Protected header, written once; its base64url text is the AAD.
        let mut header = String::with_capacity(320);
        header.push_str("{\"alg\":\"");
        header.push_str(alg.name());
        header.push_str("\",\"enc\":\"");
        header.push_str(enc.name());
        header.push('"');
        let mut names: Vec<&str> = vec!["alg", "enc", "epk"];
        if !compact && self.recipients.iter().any(|r| r.kid().is_some()) {
            // Recipient kids go into the per-recipient headers.
            names.push("kid");
        }
        if compact {
            if let Some(kid) = self.recipients[0].kid() {
                push_member(&mut header, "kid", &Value::String(kid.to_owned()));
                names.push("kid");
            }
        }
        for (name, value) in &self.protected {
            push_member(&mut header, name, value);
            names.push(name);
        }
        if let Some(skid) = &self.skid {
            push_member(&mut header, "skid", &Value::String(skid.clone()));
            names.push("skid");
        }
        for (name, value) in [("apu", &self.apu), ("apv", &self.apv)] {
            if let Some(v) = value {
                header.push_str(",\"");
                header.push_str(name);
                header.push_str("\":\"");
                b64::encode_into(v, &mut header);
                header.push('"');
                names.push(name);
            }
        }
        header.push_str(",\"epk\":{");
        epk.write_members(&mut header);
        header.push_str("}}");
        (header, names)
    }

    /// No member is named twice within a header or across the headers.
    fn check_names(&self, names: &[&str]) -> Result<()> {
        check_unique(names)?;
        let unprotected_names: Vec<&str> =
            self.unprotected.iter().map(|(n, _)| n.as_str()).collect();
        check_unique(&unprotected_names)?;
        for n in &unprotected_names {
            if names.contains(n)
                || (*n == "kid" && self.recipients.iter().any(|r| r.kid().is_some()))
            {
                return Err(Error::DuplicateHeader((*n).to_owned()));
            }
        }

        Ok(())
    }

    /// Validates the request and returns the curve of the message.
    fn check(&self) -> Result<crate::jwk::Curve> {
        self.alg.check_enc(self.enc)?;
        let first = self.recipients.first().ok_or(Error::NoRecipients)?;
        let curve = first.curve();
        if let Some(r) = self.recipients.iter().find(|r| r.curve() != curve) {
            return Err(Error::CurveMismatch {
                what: KeyRole::Recipient,
                expected: curve,
                found: r.curve(),
            });
        }
        if let Sender::Authenticated(s) = self.sender {
            if !s.is_private() {
                return Err(Error::NotPrivate(KeyRole::Sender));
            }
            if s.curve() != curve {
                return Err(Error::CurveMismatch {
                    what: KeyRole::Sender,
                    expected: curve,
                    found: s.curve(),
                });
            }
        }
        if self.alg.key_wrap().is_none() && self.recipients.len() > 1 {
            return Err(Error::DirectRecipients {
                alg: self.alg,
                found: self.recipients.len(),
            });
        }
        self.check_representable()?;
        Ok(curve)
    }

    /// Whether the serialization can carry the request: compact and flattened JSON carry one
    /// recipient, and compact neither a shared unprotected header nor `aad`.
    fn check_representable(&self) -> Result<()> {
        let reason = match self.serialization {
            Serialization::General => return Ok(()),
            _ if self.recipients.len() != 1 => Unrepresentable::SeveralRecipients,
            Serialization::Compact if !self.unprotected.is_empty() => {
                Unrepresentable::UnprotectedHeader
            }
            Serialization::Compact if self.aad.is_some() => Unrepresentable::Aad,
            _ => return Ok(()),
        };
        Err(Error::Serialization {
            serialization: self.serialization,
            reason,
        })
    }

    fn write(
        &self,
        header: &Header,
        encrypted_keys: &[Vec<u8>],
        iv: &[u8],
        ciphertext: &[u8],
        tag: &[u8],
    ) -> String {
        Message {
            serialization: self.serialization,
            protected_b64: &header.protected_b64,
            unprotected: &self.unprotected,
            recipients: &self.recipients,
            encrypted_keys,
            aad_b64: header.aad_b64.as_deref(),
            iv,
            ciphertext,
            tag,
        }
        .write()
    }
}

/// The protected header of a message being encrypted.
struct Header {
    /// Its base64url text.
    protected_b64: String,
    /// The `aad` member, base64url-encoded, if any.
    aad_b64: Option<String>,
    /// The additional authenticated data: `protected_b64`, and `.aad_b64` if any.
    aad: Vec<u8>,
}

/// A message's header and the tag of its encrypted content.
type Sealed = (Header, Vec<u8>);

/// The key agreements of one message: per recipient, Ze with the ephemeral key and, for
/// ECDH-1PU, Zs with the sender key. The Zs values a cache already holds cost nothing: they are
/// read once, up front, so that only the agreements still to compute are counted and shared
/// between the cores.
struct Agreements<'e> {
    ephemeral: &'e SecretKey,
    sender: Option<(&'e SecretKey, &'e PublicKey)>,
    cache: Option<&'e ZsCache>,
    recipients: &'e [&'e Jwk],
    held: Vec<Option<SharedSecret>>,
    curve: Curve,
}

impl<'e> Agreements<'e> {
    fn new(
        encrypter: &'e Encrypter<'e>,
        ephemeral: &'e SecretKey,
        curve: Curve,
    ) -> Result<Agreements<'e>> {
        let sender = match encrypter.sender.key() {
            Some(s) => Some((
                s.secret_key().ok_or(Error::NotPrivate(KeyRole::Sender))?,
                s.public_key(),
            )),
            None => None,
        };
        let cache = encrypter.zs_cache.as_ref();
        let held = match (sender, cache) {
            (Some((_, s_pub)), Some(cache)) => encrypter
                .recipients
                .iter()
                .map(|r| cache.get(s_pub, r.public_key()))
                .collect(),
            _ => Vec::new(),
        };
        Ok(Agreements {
            ephemeral,
            sender,
            cache,
            recipients: &encrypter.recipients,
            held,
            curve,
        })
    }

    /// The parts of each recipient's Z: Ze, and Zs for ECDH-1PU.
    fn parts(&self) -> usize {
        if self.sender.is_some() {
            2
        } else {
            1
        }
    }

    /// The agreements not already held.
    fn to_compute(&self) -> usize {
        self.parts() * self.recipients.len() - self.held.iter().filter(|z| z.is_some()).count()
    }

    /// Appends part `part` of recipient `i`'s Z (0: Ze; 1: Zs) to `z`, which is already sized
    /// for every part it will hold.
    fn append(&self, i: usize, part: usize, z: &mut SharedSecret) -> Result<()> {
        if let (1, Some(Some(zs))) = (part, self.held.get(i)) {
            z.extend(zs.as_bytes());
            return Ok(());
        }
        let recipient = self.recipients[i];
        let agreed = match (part, self.sender, self.cache) {
            (0, _, _) | (_, None, _) => z.append_peer(
                self.ephemeral,
                recipient.public_key(),
                recipient.peer_form(),
            ),
            (_, Some((s, s_pub)), Some(cache)) => cache.append(s, s_pub, recipient, z),
            (_, Some((s, _)), None) => {
                z.append_peer(s, recipient.public_key(), recipient.peer_form())
            }
        };
        match agreed {
            // Only a small-order X25519 point gives an all-zero secret; on the sending side
            // that is a bad recipient key, not a failed decryption.
            Err(Error::Crypto) => Err(Error::InvalidKey(KeyProblem::SmallOrder)),
            other => other,
        }
    }

    /// Part `part` of recipient `i`'s Z on its own.
    fn part(&self, i: usize, part: usize) -> Result<SharedSecret> {
        let mut z = SharedSecret::with_capacity(self.curve.coordinate_len());
        self.append(i, part, &mut z)?;
        Ok(z)
    }

    /// Recipient `i`'s whole Z.
    fn whole(&self, i: usize) -> Result<SharedSecret> {
        let mut z = SharedSecret::with_capacity(self.parts() * self.curve.coordinate_len());
        for part in 0..self.parts() {
            self.append(i, part, &mut z)?;
        }
        Ok(z)
    }
}

/// The caller's CEK for a key-wrapped message; a missing one is a CEK of no octets.
fn fixed_cek(cek: Option<&ContentKey>, enc: Enc) -> Result<&ContentKey> {
    match cek {
        Some(cek) if cek.as_bytes().len() == enc.key_len() => Ok(cek),
        other => Err(Error::InvalidLength {
            name: "content encryption key",
            expected: enc.key_len(),
            found: other.map_or(0, |cek| cek.as_bytes().len()),
        }),
    }
}

/// `seal` (header and content) and `count` fallible tasks on `threads` threads: beside each
/// other when `overlap`, else the content first (it then uses both cores itself). The first
/// error in that order is returned.
fn seal_and_spread<T: Send + Sync>(
    threads: usize,
    count: usize,
    overlap: bool,
    seal: impl FnOnce() -> Result<Sealed>,
    task: impl Fn(usize) -> Result<T> + Sync,
) -> Result<(Sealed, Vec<T>)> {
    let (sealed, results) = if overlap {
        spread(threads, count, seal, task)
    } else {
        let sealed = seal()?;
        let ((), results) = spread(threads, count, || (), task);
        (Ok(sealed), results)
    };
    let sealed = sealed?;
    let results = results.into_iter().collect::<Result<Vec<T>>>()?;
    Ok((sealed, results))
}

fn push_member(out: &mut String, name: &str, value: &Value) {
    out.push(',');
    out.push_str(&Value::String(name.to_owned()).to_string());
    out.push(':');
    out.push_str(&value.to_string());
}

fn check_unique(names: &[&str]) -> Result<()> {
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(Error::DuplicateHeader((*n).to_owned()));
        }
    }
    Ok(())
}
