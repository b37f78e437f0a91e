//! Reading the three JWE serializations into one model (RFC 7516 §7).
//!
//! The protected header is kept as the exact base64url text received: that text, never a
//! re-serialisation, is the additional authenticated data.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::b64;
use crate::cache::Parallelism;
use crate::error::{Error, Location, Result};
use crate::json;
use crate::jwe::header::{check_disjoint, check_zip_and_crit, Headers};
use crate::jwe::{Limits, Serialization};

/// One recipient of a parsed JWE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub(crate) header: Option<Map<String, Value>>,
    pub(crate) encrypted_key: Vec<u8>,
}

impl Recipient {
    /// The per-recipient unprotected header, if any.
    pub fn header(&self) -> Option<&Map<String, Value>> {
        self.header.as_ref()
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
    pub(crate) protected: Map<String, Value>,
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
                what: "envelope size",
                limit: limits.max_envelope_len,
            });
        }
        let input = input.trim_ascii();
        match input.first() {
            None => Err(Error::NotJwe("empty input")),
            Some(b'{') => Jwe::parse_json(input, limits, parallelism),
            Some(_) => Jwe::parse_compact(input, limits, parallelism),
        }
    }

    fn parse_compact(input: &[u8], limits: &Limits, parallelism: Parallelism) -> Result<Jwe> {
        let text = std::str::from_utf8(input)
            .map_err(|_| Error::NotJwe("neither JSON nor compact serialization"))?;
        let mut parts = text.split('.');
        let mut next = || parts.next();
        let (Some(p), Some(ek), Some(iv), Some(ct), Some(tag), None) =
            (next(), next(), next(), next(), next(), next())
        else {
            return Err(Error::NotJwe(
                "compact serialization must have exactly five dot-separated parts",
            ));
        };
        if p.is_empty() {
            return Err(Error::MissingMember {
                location: Location::Envelope,
                name: "protected",
            });
        }
        let protected = decode_protected(p, limits)?;
        check_zip_and_crit(&protected, &[])?;
        Ok(Jwe {
            serialization: Serialization::Compact,
            protected_b64: p.to_owned(),
            protected,
            unprotected: None,
            recipients: vec![Recipient {
                header: None,
                encrypted_key: decode_part(ek, "encrypted_key")?,
            }],
            aad_b64: None,
            iv: decode_part(iv, "iv")?,
            ciphertext: decode_ciphertext(ct, parallelism)?,
            tag: decode_part(tag, "tag")?,
        })
    }

    fn parse_json(input: &[u8], limits: &Limits, parallelism: Parallelism) -> Result<Jwe> {
        let raw = json::parse_envelope(input, limits.max_json_depth, limits.max_recipients)?;
        let loc = Location::Envelope;
        let protected_b64 = raw.protected.map(Cow::into_owned).unwrap_or_default();
        let protected = if protected_b64.is_empty() {
            Map::new()
        } else {
            decode_protected(&protected_b64, limits)?
        };
        let unprotected = raw.unprotected;
        if let Some(u) = &unprotected {
            check_disjoint(&protected, u)?;
        }
        let (serialization, recipients) = match raw.recipients {
            Some(list) => {
                if raw.header.is_some() || raw.encrypted_key.is_some() {
                    return Err(Error::NotJwe(
                        "\"recipients\" cannot be combined with top-level \"header\" or \"encrypted_key\"",
                    ));
                }
                if list.is_empty() {
                    return Err(Error::NoRecipients);
                }
                let mut out = Vec::with_capacity(list.len());
                for mut entry in list {
                    let header = take_object(&mut entry, "header", Location::Recipient)?;
                    let encrypted_key =
                        json::opt_str(&entry, "encrypted_key", Location::Recipient)?;
                    out.push(recipient(header, encrypted_key, Location::Recipient)?);
                }
                (Serialization::General, out)
            }
            None => {
                if raw.ciphertext.is_none() {
                    return Err(Error::NotJwe("a JSON JWE needs \"ciphertext\""));
                }
                let r = recipient(raw.header, raw.encrypted_key.as_deref(), loc)?;
                (Serialization::Flattened, vec![r])
            }
        };
        for r in &recipients {
            if let Some(h) = &r.header {
                check_disjoint(&protected, h)?;
                if let Some(u) = &unprotected {
                    check_disjoint(u, h)?;
                }
            }
        }
        let mut others = Vec::with_capacity(recipients.len() + 1);
        others.push((unprotected.as_ref(), Location::Unprotected));
        others.extend(
            recipients
                .iter()
                .map(|r| (r.header.as_ref(), Location::Recipient)),
        );
        check_zip_and_crit(&protected, &others)?;

        let aad_b64 = raw.aad.map(Cow::into_owned);
        if let Some(aad) = &aad_b64 {
            // It must be valid base64url even though the encoded text is what is authenticated.
            b64::decode(aad).ok_or_else(|| Error::Base64 {
                location: loc,
                name: "aad".into(),
            })?;
        }
        let field = |text: Option<Cow<'_, str>>, name: &'static str| -> Result<Vec<u8>> {
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
        &self.protected
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
    pub(crate) fn aad(&self) -> Vec<u8> {
        let mut aad = Vec::with_capacity(
            self.protected_b64.len() + self.aad_b64.as_ref().map_or(0, |a| a.len() + 1),
        );
        aad.extend_from_slice(self.protected_b64.as_bytes());
        if let Some(extra) = &self.aad_b64 {
            aad.push(b'.');
            aad.extend_from_slice(extra.as_bytes());
        }
        aad
    }
}

fn decode_protected(text: &str, limits: &Limits) -> Result<Map<String, Value>> {
    let raw = b64::decode(text).ok_or(Error::Base64 {
        location: Location::Envelope,
        name: "protected".into(),
    })?;
    json::parse_object(&raw, Location::Protected, limits.max_json_depth)
}

fn decode_ciphertext(text: &str, parallelism: Parallelism) -> Result<Vec<u8>> {
    b64::decode_split(text, parallelism.threads(text.len(), b64::SPLIT_MIN)).ok_or_else(|| {
        Error::Base64 {
            location: Location::Envelope,
            name: "ciphertext".into(),
        }
    })
}

fn decode_part(text: &str, name: &'static str) -> Result<Vec<u8>> {
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
            reason: "expected a JSON object",
        }),
    }
}

fn recipient(
    header: Option<Map<String, Value>>,
    encrypted_key: Option<&str>,
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
