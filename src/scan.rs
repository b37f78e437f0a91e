//! The fast reader for the common shape of a JSON JWE.
//!
//! A DIDComm envelope is a flat object of base64url strings and a `recipients` array whose
//! entries are `{"header":{"kid":"…"},"encrypted_key":"…"}`. The general reader
//! ([`crate::json::parse_envelope`]) runs serde_json over all of it, which means scanning the
//! megabytes of the `ciphertext` string byte by byte for escapes and building a JSON map per
//! recipient. This reader accepts only that common shape, in any member order and with any JSON
//! whitespace, and gives up (returns `None`) on anything else: an unknown or repeated member, an
//! escape in a name, a value of another type, a recipient header with more than a `kid`, more
//! recipients than allowed, trailing text. The caller then runs the general reader, so every
//! rejection, and every envelope of another shape, is handled there.
//!
//! A base64url member is taken as the bytes up to the next `"`, found with `memchr`, and is not
//! checked here: every one of them is base64url-decoded before the envelope is used, and a
//! decode succeeds only when every byte is in the base64url alphabet, which leaves no room for an
//! escape, a control character or a non-ASCII byte. So whenever the caller gets through decoding,
//! the members hold exactly what the general reader would have produced; when decoding fails,
//! the caller falls back to the general reader, which reports the error (or reads an escaped
//! string correctly).

use std::borrow::Cow;

/// A recipient entry.
#[derive(Debug, PartialEq)]
pub(crate) struct RawRecipient<'de> {
    /// The `kid` of the per-recipient header `{"kid":"…"}`; `None` when there is no header.
    pub(crate) kid: Option<&'de str>,
    /// The base64url text of `encrypted_key`.
    pub(crate) encrypted_key: Option<Cow<'de, [u8]>>,
}

/// The members of a JSON JWE as the fast reader sees them: base64url members as raw text.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Members<'de> {
    pub(crate) protected: Option<Cow<'de, [u8]>>,
    pub(crate) encrypted_key: Option<Cow<'de, [u8]>>,
    pub(crate) recipients: Option<Vec<RawRecipient<'de>>>,
    pub(crate) aad: Option<Cow<'de, [u8]>>,
    pub(crate) iv: Option<Cow<'de, [u8]>>,
    pub(crate) ciphertext: Option<Cow<'de, [u8]>>,
    pub(crate) tag: Option<Cow<'de, [u8]>>,
}

/// The nesting the common shape needs (envelope, recipients, entry, header); with a smaller
/// depth limit the general reader decides.
const NEEDED_DEPTH: usize = 4;

/// Reads the common shape, or returns `None` for the general reader to decide.
pub(crate) fn envelope(
    bytes: &[u8],
    max_depth: usize,
    max_recipients: usize,
) -> Option<Members<'_>> {
    if max_depth < NEEDED_DEPTH {
        return None;
    }
    let mut r = Reader { bytes, pos: 0 };
    let mut out = Members::default();
    r.ws();
    r.expect(b'{')?;
    r.ws();
    if r.peek()? != b'}' {
        loop {
            let name = r.name()?;
            r.ws();
            r.expect(b':')?;
            r.ws();
            if name == b"recipients" {
                if out.recipients.is_some() {
                    return None;
                }
                out.recipients = Some(r.recipients(max_recipients)?);
            } else {
                let slot = match name {
                    b"protected" => &mut out.protected,
                    b"encrypted_key" => &mut out.encrypted_key,
                    b"aad" => &mut out.aad,
                    b"iv" => &mut out.iv,
                    b"ciphertext" => &mut out.ciphertext,
                    b"tag" => &mut out.tag,
                    _ => return None,
                };
                if slot.is_some() {
                    return None;
                }
                *slot = Some(Cow::Borrowed(r.base64()?));
            }
            r.ws();
            match r.next()? {
                b',' => r.ws(),
                b'}' => break,
                _ => return None,
            }
        }
    } else {
        r.pos += 1;
    }
    r.ws();
    (r.pos == bytes.len()).then_some(out)
}

struct Reader<'de> {
    bytes: &'de [u8],
    pos: usize,
}

impl<'de> Reader<'de> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn expect(&mut self, b: u8) -> Option<()> {
        (self.next()? == b).then_some(())
    }

    /// Skips JSON whitespace (RFC 8259 §2).
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// The raw bytes of a string up to the next `"`, which may include escapes or bytes JSON
    /// does not allow: the caller validates them.
    fn raw_string(&mut self) -> Option<&'de [u8]> {
        self.expect(b'"')?;
        let rest = &self.bytes[self.pos..];
        let len = memchr::memchr(b'"', rest)?;
        self.pos += len + 1;
        Some(&rest[..len])
    }

    /// A member name, which must be plain printable ASCII without escapes.
    fn name(&mut self) -> Option<&'de [u8]> {
        let name = self.raw_string()?;
        name.iter()
            .all(|&b| (0x20..0x7f).contains(&b) && b != b'\\')
            .then_some(name)
    }

    /// A base64url member's text (validated by the decode that follows).
    fn base64(&mut self) -> Option<&'de [u8]> {
        self.raw_string()
    }

    /// A string that must be valid JSON without escapes: any UTF-8 except control characters.
    fn plain_str(&mut self) -> Option<&'de str> {
        let raw = self.raw_string()?;
        if raw.iter().any(|&b| b < 0x20 || b == b'\\') {
            return None;
        }
        std::str::from_utf8(raw).ok()
    }

    fn recipients(&mut self, max: usize) -> Option<Vec<RawRecipient<'de>>> {
        self.expect(b'[')?;
        self.ws();
        let mut out = Vec::new();
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(out);
        }
        loop {
            if out.len() == max {
                return None;
            }
            out.push(self.recipient()?);
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b']' => return Some(out),
                _ => return None,
            }
        }
    }

    fn recipient(&mut self) -> Option<RawRecipient<'de>> {
        self.expect(b'{')?;
        self.ws();
        let mut entry = RawRecipient {
            kid: None,
            encrypted_key: None,
        };
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(entry);
        }
        loop {
            let name = self.name()?;
            self.ws();
            self.expect(b':')?;
            self.ws();
            match name {
                b"header" if entry.kid.is_none() => entry.kid = Some(self.kid_header()?),
                b"encrypted_key" if entry.encrypted_key.is_none() => {
                    entry.encrypted_key = Some(Cow::Borrowed(self.base64()?))
                }
                _ => return None,
            }
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b'}' => return Some(entry),
                _ => return None,
            }
        }
    }

    /// `{"kid":"…"}`, the only per-recipient header DIDComm uses.
    fn kid_header(&mut self) -> Option<&'de str> {
        self.expect(b'{')?;
        self.ws();
        if self.name()? != b"kid" {
            return None;
        }
        self.ws();
        self.expect(b':')?;
        self.ws();
        let kid = self.plain_str()?;
        self.ws();
        self.expect(b'}')?;
        Some(kid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Option<Cow<'_, [u8]>> {
        Some(Cow::Borrowed(s.as_bytes()))
    }

    #[test]
    fn reads_the_common_shape_in_any_order_and_spacing() {
        let text = br#" {"protected":"eyJ9","recipients":[{"header":{"kid":"did:a:b#1"},"encrypted_key":"QQ"},
            { "encrypted_key" : "Qg" , "header" : { "kid" : "did:a:c#2" } }],
            "iv":"AA","ciphertext":"AAAA","tag":"AAA"} "#;
        let m = envelope(text, 32, 10).unwrap();
        assert_eq!(m.protected, b("eyJ9"));
        assert_eq!(m.iv, b("AA"));
        assert_eq!(m.ciphertext, b("AAAA"));
        assert_eq!(m.tag, b("AAA"));
        assert_eq!(m.aad, None);
        let r = m.recipients.unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].encrypted_key, b("QQ"));
        assert_eq!(r[0].kid, Some("did:a:b#1"));
        assert_eq!(r[1].kid, Some("did:a:c#2"));
        let utf8 = envelope(
            "{\"recipients\":[{\"header\":{\"kid\":\"é\"}}]}".as_bytes(),
            32,
            10,
        );
        assert_eq!(utf8.unwrap().recipients.unwrap()[0].kid, Some("é"));
        // An escape in a base64url value is left for the decoder (and then the general reader).
        let escaped = envelope(br#"{"iv":"A\u0041"}"#, 32, 10).unwrap();
        assert_eq!(escaped.iv, b("A\\u0041"));
        assert_eq!(envelope(b"{}", 32, 10), Some(Members::default()));
        let empty = envelope(br#"{"recipients":[]}"#, 32, 10).unwrap();
        assert_eq!(empty.recipients, Some(vec![]));
    }

    #[test]
    fn gives_up_on_anything_else() {
        for text in [
            &br#"{"iv":"AA","iv":"AA"}"#[..],
            br#"{"x":1}"#,
            br#"{"iv":1}"#,
            br#"{"i\u0076":"AA"}"#,
            br#"{"iv":"AA"} x"#,
            br#"{"iv":"AA",}"#,
            br#"{"iv":"AA""#,
            br#"{"iv":"AA"#,
            br#"{"unprotected":{}}"#,
            br#"{"recipients":[{"header":{"kid":"a","x":1}}]}"#,
            br#"{"recipients":[{"header":{"kid":1}}]}"#,
            br#"{"recipients":[{"header":{}}]}"#,
            br#"{"recipients":[{"header":{"kid":"a\u0001"}}]}"#,
            br#"{"recipients":[{"header":{"kid":"a\"b"}}]}"#,
            br#"{"recipients":[{"header":{"kid":"a"},"header":{"kid":"a"}}]}"#,
            br#"{"recipients":[{"other":"x"}]}"#,
            br#"{"recipients":[{},]}"#,
            br#"{"recipients":{}}"#,
            br#"{"recipients":[],"recipients":[]}"#,
            b"{\"recipients\":[{\"header\":{\"kid\":\"\x01\"}}]}",
            b"{\"recipients\":[{\"header\":{\"kid\":\"\xff\"}}]}",
            b"\x0c{}",
            b"",
            b"[]",
        ] {
            assert_eq!(
                envelope(text, 32, 10),
                None,
                "{}",
                String::from_utf8_lossy(text)
            );
        }
        let three = br#"{"recipients":[{},{},{}]}"#;
        assert!(envelope(three, 32, 3).is_some());
        assert_eq!(envelope(three, 32, 2), None);
        assert_eq!(envelope(three, 3, 10), None);
    }
}
