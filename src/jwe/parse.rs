//! Reading the three JWE serializations into one model (RFC 7516 §7).
//!
//! The protected header is kept as the exact base64url text received: that text, never a
//! re-serialisation, is the additional authenticated data.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::b64;
use crate::error::{Error, Limit, Location, Malformed, NotJwe, Result};
use crate::json;
use crate::json::fast;
use crate::jwe::header::{
    check_disjoint, check_recipients_disjoint, check_zip_and_crit, Headers, Protected,
    RecipientHeader,
};
use crate::jwe::{Limits, Serialization};
use crate::parallel::{Parallelism, BASE64_SPLIT_MIN};

/// One recipient of a parsed JWE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub(crate) header: Option<RecipientHeader>,
    pub(crate) encrypted_key: Vec<u8>,
}

impl Recipient {
    /// The per-recipient unprotected header, if any.
    pub fn header(&self) -> Option<&Map<String, Value>> {
        self.header.as_ref().map(RecipientHeader::map)
    }

    /// The encrypted key (empty for direct key agreement).
    pub fn encrypted_key(&self) -> &[u8] {
        &self.encrypted_key
    }
}

/// A parsed JWE: what the envelope claims, available before anything is decrypted.
#[derive(Debug, Clone)]
pub struct Jwe {
    pub(crate) serialization: Serialization,
    pub(crate) protected_b64: String,
    pub(crate) protected: Protected,
    pub(crate) unprotected: Option<Map<String, Value>>,
    pub(crate) recipients: Vec<Recipient>,
    pub(crate) aad_b64: Option<String>,
    pub(crate) iv: Vec<u8>,
    pub(crate) ciphertext: Vec<u8>,
    pub(crate) tag: Vec<u8>,
}

impl Jwe {
    /// Parses an envelope in any serialization with the default [`Limits`]. Surrounding ASCII
    /// whitespace is ignored.
    pub fn parse(input: &[u8]) -> Result<Jwe> {
        Jwe::parse_with_limits(input, &Limits::default())
    }

    /// Parses an envelope in any serialization.
    pub fn parse_with_limits(input: &[u8], limits: &Limits) -> Result<Jwe> {
        Jwe::parse_with(input, limits, Parallelism::Auto)
    }

    /// Parses, decoding a large ciphertext on two threads when `parallelism` allows.
    pub(crate) fn parse_with(
        input: &[u8],
        limits: &Limits,
        parallelism: Parallelism,
    ) -> Result<Jwe> {
        if input.len() > limits.max_envelope_len {
            return Err(Error::LimitExceeded {
                what: Limit::EnvelopeSize,
                limit: limits.max_envelope_len,
            });
        }
        let input = input.trim_ascii();
        match input.first() {
            None => Err(Error::NotJwe(NotJwe::Empty)),
            Some(b'{') => Jwe::parse_json(input, limits, parallelism),
            Some(_) => Jwe::parse_compact(input, limits, parallelism),
        }
    }

    fn parse_compact(input: &[u8], limits: &Limits, parallelism: Parallelism) -> Result<Jwe> {
        let text = std::str::from_utf8(input).map_err(|_| Error::NotJwe(NotJwe::Unrecognised))?;
        let mut parts = text.split('.');
        let mut next = || parts.next();
        let (Some(p), Some(ek), Some(iv), Some(ct), Some(tag), None) =
            (next(), next(), next(), next(), next(), next())
        else {
            return Err(Error::NotJwe(NotJwe::CompactParts));
        };
        if p.is_empty() {
            return Err(Error::MissingMember {
                location: Location::Envelope,
                name: "protected",
            });
        }
        let protected = decode_protected(p.as_bytes(), limits)?;
        check_zip_and_crit(&protected, None, [])?;
        Ok(Jwe {
            serialization: Serialization::Compact,
            protected_b64: p.to_owned(),
            protected,
            unprotected: None,
            recipients: vec![Recipient {
                header: None,
                encrypted_key: decode_part(ek.as_bytes(), "encrypted_key")?,
            }],
            aad_b64: None,
            iv: decode_part(iv.as_bytes(), "iv")?,
            ciphertext: decode_ciphertext(ct.as_bytes(), parallelism)?,
            tag: decode_part(tag.as_bytes(), "tag")?,
        })
    }

    fn parse_json(input: &[u8], limits: &Limits, parallelism: Parallelism) -> Result<Jwe> {
        // The common shape is read without serde_json; anything else, and every failure, goes
        // through the general reader, so both accept and reject exactly the same envelopes.
        if let Some(members) = fast::envelope(input, limits.max_json_depth, limits.max_recipients) {
            if let Ok(jwe) = Jwe::from_parts(Parts::fast(members), limits, parallelism) {
                return Ok(jwe);
            }
        }
        let raw = json::parse_envelope(input, limits.max_json_depth, limits.max_recipients)?;
        Jwe::from_parts(Parts::general(raw), limits, parallelism)
    }

    fn from_parts(raw: Parts<'_>, limits: &Limits, parallelism: Parallelism) -> Result<Jwe> {
        let loc = Location::Envelope;
        let (protected_b64, protected) = match raw.protected {
            None => (String::new(), Protected::default()),
            Some(text) if text.is_empty() => (String::new(), Protected::default()),
            Some(text) => {
                let protected = decode_protected(&text, limits)?;
                (ascii(text, "protected")?, protected)
            }
        };
        let unprotected = raw.unprotected;
        if let Some(u) = &unprotected {
            check_disjoint(&protected, u)?;
        }
        let (serialization, recipients) = match raw.recipients {
            Some(_) if raw.header.is_some() || raw.encrypted_key.is_some() => {
                return Err(Error::NotJwe(NotJwe::MixedForms));
            }
            Some(entries) => (Serialization::General, entries.read()?),
            None if raw.ciphertext.is_none() => return Err(Error::NotJwe(NotJwe::NoCiphertext)),
            None => {
                let r = recipient(
                    raw.header.map(RecipientHeader::Map),
                    raw.encrypted_key.as_deref(),
                    loc,
                )?;
                (Serialization::Flattened, vec![r])
            }
        };
        let headers = || recipients.iter().filter_map(|r| r.header.as_ref());
        check_recipients_disjoint(&protected, unprotected.as_ref(), headers())?;
        check_zip_and_crit(&protected, unprotected.as_ref(), headers())?;
        let aad_b64 = raw.aad.map(check_aad).transpose()?;
        let field = |text: Option<Cow<'_, [u8]>>, name: &'static str| -> Result<Vec<u8>> {
            let text = text.ok_or(Error::MissingMember {
                location: loc,
                name,
            })?;
            decode_part(&text, name)
        };
        Ok(Jwe {
            serialization,
            iv: field(raw.iv, "iv")?,
            ciphertext: decode_ciphertext(
                &raw.ciphertext.ok_or(Error::MissingMember {
                    location: loc,
                    name: "ciphertext",
                })?,
                parallelism,
            )?,
            tag: field(raw.tag, "tag")?,
            protected_b64,
            protected,
            unprotected,
            recipients,
            aad_b64,
        })
    }

    /// Which serialization the envelope used.
    pub fn serialization(&self) -> Serialization {
        self.serialization
    }

    /// The protected header exactly as received (base64url text).
    pub fn protected_b64(&self) -> &str {
        &self.protected_b64
    }

    /// The decoded protected header.
    pub fn protected_header(&self) -> &Map<String, Value> {
        self.protected.map()
    }

    /// The shared unprotected header, if any.
    pub fn unprotected_header(&self) -> Option<&Map<String, Value>> {
        self.unprotected.as_ref()
    }

    /// The recipients.
    pub fn recipients(&self) -> &[Recipient] {
        &self.recipients
    }

    /// The header union that applies to recipient `index`.
    pub fn headers(&self, index: usize) -> Headers<'_> {
        Headers::new(
            &self.protected,
            self.unprotected.as_ref(),
            self.recipients.get(index).and_then(|r| r.header.as_ref()),
        )
    }

    /// The `kid` of each recipient (from its header union), in order.
    pub fn recipient_kids(&self) -> Result<Vec<Option<&str>>> {
        (0..self.recipients.len())
            .map(|i| self.headers(i).kid())
            .collect()
    }

    /// The sender key id an ECDH-1PU envelope claims: `skid`, or else `apu` decoded as UTF-8.
    pub fn sender_kid(&self) -> Result<Option<String>> {
        let h = self.headers(0);
        if let Some(skid) = h.str("skid")? {
            return Ok(Some(skid.to_owned()));
        }
        Ok(h.bytes("apu")?.and_then(|apu| String::from_utf8(apu).ok()))
    }

    /// The `aad` member as received, if any.
    pub fn aad_b64(&self) -> Option<&str> {
        self.aad_b64.as_deref()
    }

    /// The initialization vector.
    pub fn iv(&self) -> &[u8] {
        &self.iv
    }

    /// The ciphertext.
    pub fn ciphertext(&self) -> &[u8] {
        &self.ciphertext
    }

    /// The authentication tag.
    pub fn tag(&self) -> &[u8] {
        &self.tag
    }

    /// The JWE additional authenticated data: the protected text, and `.aad` when present.
    pub(crate) fn aad(&self) -> Cow<'_, [u8]> {
        let Some(extra) = &self.aad_b64 else {
            return Cow::Borrowed(self.protected_b64.as_bytes());
        };
        let mut aad = Vec::with_capacity(self.protected_b64.len() + 1 + extra.len());
        aad.extend_from_slice(self.protected_b64.as_bytes());
        aad.push(b'.');
        aad.extend_from_slice(extra.as_bytes());
        Cow::Owned(aad)
    }
}

/// The members of a JSON JWE, from either reader.
struct Parts<'a> {
    protected: Option<Cow<'a, [u8]>>,
    unprotected: Option<Map<String, Value>>,
    header: Option<Map<String, Value>>,
    encrypted_key: Option<Cow<'a, [u8]>>,
    recipients: Option<Entries<'a>>,
    aad: Option<Cow<'a, [u8]>>,
    iv: Option<Cow<'a, [u8]>>,
    ciphertext: Option<Cow<'a, [u8]>>,
    tag: Option<Cow<'a, [u8]>>,
}

/// Recipient entries: JSON objects from the general reader, or already split by the fast one.
enum Entries<'a> {
    General(Vec<Map<String, Value>>),
    Fast(Vec<fast::RawRecipient<'a>>),
}

impl Entries<'_> {
    /// The recipient entries of a general JSON envelope: at least one.
    fn read(self) -> Result<Vec<Recipient>> {
        let out = match self {
            Entries::General(list) => list
                .into_iter()
                .map(|mut entry| {
                    let header = take_object(&mut entry, "header", Location::Recipient)?;
                    let encrypted_key =
                        json::opt_str(&entry, "encrypted_key", Location::Recipient)?;
                    recipient(
                        header.map(RecipientHeader::Map),
                        encrypted_key.map(str::as_bytes),
                        Location::Recipient,
                    )
                })
                .collect::<Result<Vec<_>>>()?,
            Entries::Fast(list) => list
                .into_iter()
                .map(|entry| {
                    recipient(
                        entry.kid.map(|k| RecipientHeader::kid(k.to_owned())),
                        entry.encrypted_key.as_deref(),
                        Location::Recipient,
                    )
                })
                .collect::<Result<Vec<_>>>()?,
        };
        if out.is_empty() {
            return Err(Error::NoRecipients);
        }
        Ok(out)
    }
}

/// The `aad` member as received: it must be valid base64url even though the encoded text is
/// what is authenticated.
fn check_aad(aad: Cow<'_, [u8]>) -> Result<String> {
    b64::decode(&aad).ok_or_else(|| Error::Base64 {
        location: Location::Envelope,
        name: "aad".into(),
    })?;
    ascii(aad, "aad")
}

impl<'a> Parts<'a> {
    fn fast(m: fast::Members<'a>) -> Parts<'a> {
        Parts {
            protected: m.protected,
            unprotected: None,
            header: None,
            encrypted_key: m.encrypted_key,
            recipients: m.recipients.map(Entries::Fast),
            aad: m.aad,
            iv: m.iv,
            ciphertext: m.ciphertext,
            tag: m.tag,
        }
    }

    fn general(raw: json::RawEnvelope<'a>) -> Parts<'a> {
        fn bytes(text: Option<Cow<'_, str>>) -> Option<Cow<'_, [u8]>> {
            text.map(|t| match t {
                Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
                Cow::Owned(s) => Cow::Owned(s.into_bytes()),
            })
        }
        Parts {
            protected: bytes(raw.protected),
            unprotected: raw.unprotected,
            header: raw.header,
            encrypted_key: bytes(raw.encrypted_key),
            recipients: raw.recipients.map(Entries::General),
            aad: bytes(raw.aad),
            iv: bytes(raw.iv),
            ciphertext: bytes(raw.ciphertext),
            tag: bytes(raw.tag),
        }
    }
}

/// Base64url text that has just been decoded successfully (so it is ASCII) as a `String`.
fn ascii(text: Cow<'_, [u8]>, name: &'static str) -> Result<String> {
    String::from_utf8(text.into_owned()).map_err(|_| Error::Base64 {
        location: Location::Envelope,
        name: name.into(),
    })
}

fn decode_protected(text: &[u8], limits: &Limits) -> Result<Protected> {
    let raw = b64::decode(text).ok_or(Error::Base64 {
        location: Location::Envelope,
        name: "protected".into(),
    })?;
    Protected::parse(raw, limits.max_json_depth)
}

fn decode_ciphertext(text: &[u8], parallelism: Parallelism) -> Result<Vec<u8>> {
    b64::decode_split(text, parallelism.threads(text.len(), BASE64_SPLIT_MIN)).ok_or_else(|| {
        Error::Base64 {
            location: Location::Envelope,
            name: "ciphertext".into(),
        }
    })
}

fn decode_part(text: &[u8], name: &'static str) -> Result<Vec<u8>> {
    b64::decode(text).ok_or_else(|| Error::Base64 {
        location: Location::Envelope,
        name: name.into(),
    })
}

fn take_object(
    map: &mut Map<String, Value>,
    name: &'static str,
    location: Location,
) -> Result<Option<Map<String, Value>>> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(Error::InvalidMember {
            location,
            name: name.into(),
            reason: Malformed::NotObject,
        }),
    }
}

fn recipient(
    header: Option<RecipientHeader>,
    encrypted_key: Option<&[u8]>,
    location: Location,
) -> Result<Recipient> {
    let encrypted_key = match encrypted_key {
        None => Vec::new(),
        Some(text) => b64::decode(text).ok_or_else(|| Error::Base64 {
            location,
            name: "encrypted_key".into(),
        })?,
    };
    Ok(Recipient {
        header,
        encrypted_key,
    })
}

/// Panics unless the fast envelope reader and the general one give the same envelope, or the
/// same error, for `input` (tests and fuzzing).
#[cfg(any(test, fuzzing))]
pub(crate) fn readers_agree(input: &[u8], limits: &Limits) {
    let input = input.trim_ascii();
    if input.first() != Some(&b'{') || input.len() > limits.max_envelope_len {
        return;
    }
    let both = Jwe::parse_json(input, limits, Parallelism::Off);
    let slow = json::parse_envelope(input, limits.max_json_depth, limits.max_recipients)
        .and_then(|raw| Jwe::from_parts(Parts::general(raw), limits, Parallelism::Off));
    match (&both, &slow) {
        (Ok(a), Ok(b)) => assert_eq!(
            format!("{a:?}"),
            format!("{b:?}"),
            "{}",
            String::from_utf8_lossy(input)
        ),
        (Err(a), Err(b)) => assert_eq!(a, b, "{}", String::from_utf8_lossy(input)),
        _ => panic!(
            "readers disagree on {}: {both:?} / {slow:?}",
            String::from_utf8_lossy(input)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwe::samples::envelope;
    use crate::jwe::Sender;
    use crate::jwk::{Curve, Jwk};
    use crate::wrap::KeyWrap;

    fn agree(input: &[u8], limits: &Limits) {
        readers_agree(input, limits);
    }

    fn samples() -> Vec<Vec<u8>> {
        let sender = Jwk::generate(Curve::X25519).with_kid("did:example:alice#1");
        let bobs: Vec<Jwk> = (0..3)
            .map(|i| Jwk::generate(Curve::X25519).with_kid(format!("did:example:bob#{i}")))
            .collect();
        let env = envelope(Some(&sender), &bobs, br#"{"id":"1","body":{}}"#);
        let pretty = serde_json::to_vec_pretty(
            &serde_json::from_str::<Value>(&env).expect("the envelope is JSON"),
        )
        .unwrap();
        let flat = crate::jwe::Encrypter::new(
            Sender::Anonymous,
            Some(KeyWrap::A256Kw),
            crate::Enc::A128Gcm,
        )
        .recipient(&bobs[0])
        .aad(b"extra")
        .serialization(Serialization::Flattened)
        .encrypt(b"hi")
        .unwrap();
        vec![env.into_bytes(), pretty, flat.into_bytes()]
    }

    #[test]
    fn fast_and_general_readers_agree_on_mutations() {
        let limits = Limits::default();
        let inserts: &[&[u8]] = &[b"\\u0041", b"A", b"\"x\":1,", b"\"iv\":\"AA\","];
        for (i, sample) in samples().into_iter().enumerate() {
            // A general-JSON envelope, compact or pretty-printed, takes the fast path.
            assert_eq!(fast::envelope(&sample, 32, 1000).is_some(), i < 2);
            agree(&sample, &limits);
            agree(
                &sample,
                &Limits {
                    max_json_depth: 3,
                    ..limits
                },
            );
            agree(
                &sample,
                &Limits {
                    max_recipients: 2,
                    ..limits
                },
            );
            // Every position: one deletion, one bit flip, and insertions of structural
            // characters, escapes and bytes JSON forbids.
            for m in fast::mutants(&sample, inserts, 3) {
                agree(&m, &limits);
            }
        }
    }

    #[test]
    fn fast_and_general_readers_agree_on_the_fuzz_corpus() {
        let limits = Limits::default();
        for bytes in crate::json::fuzz_corpus() {
            agree(&bytes, &limits);
            super::super::header::protected_readers_agree(&bytes, 8);
        }
    }

    #[test]
    fn an_escaped_base64_member_is_still_read() {
        let sample = samples().remove(0);
        let text = String::from_utf8(sample).unwrap();
        // Replace the first character of the ciphertext with its `\uXXXX` escape.
        let c = text.find("\"ciphertext\":\"").unwrap() + 14;
        let escaped = format!(
            "{}\\u{:04x}{}",
            &text[..c],
            text.as_bytes()[c],
            &text[c + 1..]
        );
        assert_ne!(escaped, text);
        let a = Jwe::parse(text.as_bytes()).unwrap();
        let b = Jwe::parse(escaped.as_bytes()).unwrap();
        assert_eq!(a.ciphertext(), b.ciphertext());
        agree(escaped.as_bytes(), &Limits::default());
    }
}
