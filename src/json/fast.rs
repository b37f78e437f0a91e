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
use std::ops::Range;

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

/// Strings up to this length are scanned inline (an `encrypted_key` of a 512-bit content key
/// is 96 characters).
const SHORT: usize = 128;

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
    r.sequence(b'{', b'}', |r| {
        let name = r.name_colon()?;
        if name == b"recipients" {
            if out.recipients.is_some() {
                return None;
            }
            out.recipients = Some(r.recipients(max_recipients)?);
            return Some(());
        }
        let slot = match name {
            b"protected" => &mut out.protected,
            b"encrypted_key" => &mut out.encrypted_key,
            b"aad" => &mut out.aad,
            b"iv" => &mut out.iv,
            b"ciphertext" => &mut out.ciphertext,
            b"tag" => &mut out.tag,
            _ => return None,
        };
        // The text is validated by the base64url decode that follows.
        slot.replace(Cow::Borrowed(r.raw_string()?))
            .is_none()
            .then_some(())
    })?;
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
        // Names, kids and keys are short: a plain loop finds their end sooner than a call into
        // `memchr`, which wins on the long ciphertext.
        let len = match find_quote(&rest[..rest.len().min(SHORT)]) {
            Some(len) => len,
            None => SHORT + memchr::memchr(b'"', rest.get(SHORT..)?)?,
        };
        self.pos += len + 1;
        Some(&rest[..len])
    }

    /// A member name and its colon. Envelope names are raw bytes that the caller compares with
    /// the names it knows, so an escape or a byte JSON forbids never matches and the reader
    /// gives up.
    fn name_colon(&mut self) -> Option<&'de [u8]> {
        let name = self.raw_string()?;
        self.ws();
        self.expect(b':')?;
        self.ws();
        Some(name)
    }

    /// `open`, items separated by commas, `close`, with JSON whitespace anywhere between;
    /// `item` reads one element (for an object, a name, its colon and its value).
    fn sequence(
        &mut self,
        open: u8,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        self.expect(open)?;
        self.ws();
        if self.peek()? == close {
            self.pos += 1;
            return Some(());
        }
        loop {
            item(self)?;
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b if b == close => return Some(()),
                _ => return None,
            }
        }
    }

    /// A string that must be valid JSON without escapes: any UTF-8 except control characters.
    fn plain_str(&mut self) -> Option<&'de str> {
        let raw = self.raw_string()?;
        if raw.iter().any(|&b| b < 0x20 || b == b'\\') {
            return None;
        }
        std::str::from_utf8(raw).ok()
    }

    /// [`Reader::plain_str`] as the range of its contents.
    fn plain_span(&mut self) -> Option<Range<usize>> {
        let start = self.pos + 1;
        self.plain_str()?;
        Some(start..self.pos - 1)
    }

    /// A member name that is not among `earlier`, and its colon.
    fn flat_name<'r>(
        &mut self,
        mut earlier: impl Iterator<Item = &'r Range<usize>>,
    ) -> Option<Range<usize>> {
        let name = self.plain_span()?;
        let text = &self.bytes[name.clone()];
        if earlier.any(|n| &self.bytes[n.clone()] == text) {
            return None;
        }
        self.ws();
        self.expect(b':')?;
        self.ws();
        Some(name)
    }

    fn recipients(&mut self, max: usize) -> Option<Vec<RawRecipient<'de>>> {
        let mut out = Vec::new();
        self.sequence(b'[', b']', |r| {
            if out.len() == max {
                return None;
            }
            out.push(r.recipient()?);
            Some(())
        })?;
        Some(out)
    }

    fn recipient(&mut self) -> Option<RawRecipient<'de>> {
        let mut entry = RawRecipient {
            kid: None,
            encrypted_key: None,
        };
        self.sequence(b'{', b'}', |r| {
            match r.name_colon()? {
                b"header" if entry.kid.is_none() => entry.kid = Some(r.kid_header()?),
                b"encrypted_key" if entry.encrypted_key.is_none() => {
                    entry.encrypted_key = Some(Cow::Borrowed(r.raw_string()?))
                }
                _ => return None,
            }
            Some(())
        })?;
        Some(entry)
    }

    /// `{"kid":"…"}`, the only per-recipient header DIDComm uses.
    fn kid_header(&mut self) -> Option<&'de str> {
        self.expect(b'{')?;
        self.ws();
        if self.name_colon()? != b"kid" {
            return None;
        }
        let kid = self.plain_str()?;
        self.ws();
        self.expect(b'}')?;
        Some(kid)
    }
}

/// A member value of a flat JOSE header, as byte ranges of the header's text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FlatValue {
    /// A string without escapes: the range of its contents.
    Str(Range<usize>),
    /// An object of such strings (`epk`): the ranges of each name and value.
    Object(Vec<(Range<usize>, Range<usize>)>),
}

/// The most members a flat header or flat object is read with: repeats are found by
/// comparing each name with the earlier ones, and a longer list is left to serde_json.
const FLAT_MEMBERS: usize = 24;

/// Reads a JOSE header of the common shape, an object whose members are strings without
/// escapes or objects of such strings (the DIDComm protected header and its `epk`), as the
/// ranges of its names and values; `None` for anything else, for serde_json to decide: another
/// value type, an escape, a repeated name, `zip` or `crit` (checked elsewhere from the map),
/// more than [`FLAT_MEMBERS`] members, nesting beyond `max_depth`, trailing text.
///
/// Every string is checked as JSON requires (no control characters, valid UTF-8), so what this
/// reader accepts, the strict reader accepts with the same members.
pub(crate) fn header(bytes: &[u8], max_depth: usize) -> Option<Vec<(Range<usize>, FlatValue)>> {
    if max_depth < 1 {
        return None;
    }
    let mut r = Reader { bytes, pos: 0 };
    let mut out: Vec<(Range<usize>, FlatValue)> = Vec::with_capacity(8);
    r.ws();
    r.sequence(b'{', b'}', |r| {
        let name = r.flat_name(out.iter().map(|(n, _)| n))?;
        if out.len() == FLAT_MEMBERS || matches!(&bytes[name.clone()], b"zip" | b"crit") {
            return None;
        }
        let value = match r.peek()? {
            b'"' => FlatValue::Str(r.plain_span()?),
            b'{' if max_depth >= 2 => {
                let mut inner: Vec<(Range<usize>, Range<usize>)> = Vec::with_capacity(4);
                r.sequence(b'{', b'}', |r| {
                    let name = r.flat_name(inner.iter().map(|(n, _)| n))?;
                    if inner.len() == FLAT_MEMBERS || r.peek()? != b'"' {
                        return None;
                    }
                    inner.push((name, r.plain_span()?));
                    Some(())
                })?;
                FlatValue::Object(inner)
            }
            _ => return None,
        };
        out.push((name, value));
        Some(())
    })?;
    r.ws();
    (r.pos == bytes.len()).then_some(out)
}

/// The top-level members of a decrypted plaintext that the DIDComm unpacker looks at, as raw
/// JSON text; `None` for an absent member.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct MessageMembers<'de> {
    pub(crate) protected: Option<&'de [u8]>,
    pub(crate) ciphertext: Option<&'de [u8]>,
    pub(crate) iv: Option<&'de [u8]>,
    pub(crate) payload: Option<&'de [u8]>,
    pub(crate) signatures: Option<&'de [u8]>,
    pub(crate) signature: Option<&'de [u8]>,
    pub(crate) from: Option<&'de [u8]>,
    pub(crate) to: Option<&'de [u8]>,
    pub(crate) id: Option<&'de [u8]>,
    pub(crate) type_: Option<&'de [u8]>,
    pub(crate) body: Option<&'de [u8]>,
    pub(crate) tag: Option<&'de [u8]>,
    pub(crate) recipients: Option<&'de [u8]>,
    pub(crate) encrypted_key: Option<&'de [u8]>,
    pub(crate) typ: Option<&'de [u8]>,
    pub(crate) expires_time: Option<&'de [u8]>,
    pub(crate) from_prior: Option<&'de [u8]>,
}

/// Nesting deeper than this is left to serde_json (whose own limit is 128).
const MESSAGE_DEPTH: usize = 64;

/// Validates `bytes` as one JSON object (RFC 8259, as strictly as serde_json) and returns the
/// raw text of the members [`MessageMembers`] names; `None` when the text is not valid JSON, or
/// is valid but outside what this reader handles (a name with an escape, a `\u` escape of a
/// surrogate, a repeated member of interest, deep nesting), for serde_json to decide.
///
/// Every byte is checked, but long strings, the bulk of a message body, are crossed with
/// `memchr` and a vectorised control-character test instead of byte-at-a-time parsing.
pub(crate) fn message(bytes: &[u8]) -> Option<MessageMembers<'_>> {
    let mut r = Reader { bytes, pos: 0 };
    let mut out = MessageMembers::default();
    r.ws();
    r.sequence(b'{', b'}', |r| {
        // Names must be plain printable ASCII here: the unknown ones are skipped, not matched.
        let name = r.name_colon()?;
        if name
            .iter()
            .any(|&b| !(0x20..0x7f).contains(&b) || b == b'\\')
        {
            return None;
        }
        let start = r.pos;
        r.skip_value(1)?;
        let value = &bytes[start..r.pos];
        let slot = match name {
            b"protected" => &mut out.protected,
            b"ciphertext" => &mut out.ciphertext,
            b"iv" => &mut out.iv,
            b"payload" => &mut out.payload,
            b"signatures" => &mut out.signatures,
            b"signature" => &mut out.signature,
            b"from" => &mut out.from,
            b"to" => &mut out.to,
            b"id" => &mut out.id,
            b"type" => &mut out.type_,
            b"body" => &mut out.body,
            b"tag" => &mut out.tag,
            b"recipients" => &mut out.recipients,
            b"encrypted_key" => &mut out.encrypted_key,
            b"typ" => &mut out.typ,
            b"expires_time" => &mut out.expires_time,
            b"from_prior" => &mut out.from_prior,
            _ => return Some(()),
        };
        slot.replace(value).is_none().then_some(())
    })?;
    r.ws();
    (r.pos == bytes.len()).then_some(out)
}

impl Reader<'_> {
    /// Skips one JSON value, validating it.
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' | b'[' if depth >= MESSAGE_DEPTH => None,
            b'{' => self.sequence(b'{', b'}', |r| {
                r.skip_string()?;
                r.ws();
                r.expect(b':')?;
                r.ws();
                r.skip_value(depth + 1)
            }),
            b'[' => self.sequence(b'[', b']', |r| r.skip_value(depth + 1)),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.pos.checked_add(word.len())?;
        (self.bytes.get(self.pos..end)? == word).then(|| self.pos = end)
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn skip_number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.one_or_more_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.one_or_more_digits()?;
        }
        Some(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    fn one_or_more_digits(&mut self) -> Option<()> {
        let start = self.pos;
        self.digits();
        (self.pos > start).then_some(())
    }

    /// Skips a string, validating its escapes, its UTF-8 and the absence of control characters.
    fn skip_string(&mut self) -> Option<()> {
        self.expect(b'"')?;
        loop {
            let rest = &self.bytes[self.pos..];
            let i = memchr::memchr2(b'"', b'\\', rest)?;
            plain(&rest[..i])?;
            self.pos += i + 1;
            if rest[i] == b'"' {
                return Some(());
            }
            match self.next()? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                b'u' => {
                    let end = self.pos.checked_add(4)?;
                    let hex = std::str::from_utf8(self.bytes.get(self.pos..end)?).ok()?;
                    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return None;
                    }
                    // Surrogates (paired or not) are left to serde_json.
                    let unit = u16::from_str_radix(hex, 16).ok()?;
                    if (0xD800..=0xDFFF).contains(&unit) {
                        return None;
                    }
                    self.pos = end;
                }
                _ => return None,
            }
        }
    }
}

/// The index of the first `"` in `s`, eight bytes at a time (the classic has-zero-byte test on
/// the bytes XOR `"`; the lowest flagged byte is always a true match).
fn find_quote(s: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const QUOTES: u64 = 0x2222_2222_2222_2222;
    let mut chunks = s.chunks_exact(8);
    for (i, chunk) in chunks.by_ref().enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let v = u64::from_le_bytes(word) ^ QUOTES;
        let hit = v.wrapping_sub(ONES) & !v & HIGHS;
        if hit != 0 {
            return Some(i * 8 + (hit.trailing_zeros() / 8) as usize);
        }
    }
    let done = s.len() - chunks.remainder().len();
    chunks
        .remainder()
        .iter()
        .position(|&b| b == b'"')
        .map(|p| done + p)
}

/// Checks a run of string content without escapes: no control characters, valid UTF-8.
fn plain(run: &[u8]) -> Option<()> {
    // Written without early exit so that it compiles to vector compares.
    let control = run.iter().fold(false, |any, &b| any | (b < 0x20));
    if control {
        return None;
    }
    if !run.is_ascii() {
        std::str::from_utf8(run).ok()?;
    }
    Some(())
}

/// What [`mutants`] inserts into every sample: JSON's structural characters, an escape, a
/// control character and a byte that is never UTF-8.
#[cfg(test)]
const STRUCTURAL: &[&[u8]] = &[
    b"\\", b"\"", b" ", b",", b"}", b"]", b"{", b"[", b"\x01", b"\xff",
];

/// Variants of `sample` for the tests that hold the fast readers against the general ones: at
/// every position one byte deleted and one bit flipped, and at every `insert_every`-th position
/// each of [`STRUCTURAL`] and of `inserts` inserted.
#[cfg(test)]
pub(crate) fn mutants<'a>(
    sample: &'a [u8],
    inserts: &'a [&'a [u8]],
    insert_every: usize,
) -> impl Iterator<Item = Vec<u8>> + 'a {
    (0..sample.len()).flat_map(move |i| {
        let mut deleted = sample.to_vec();
        deleted.remove(i);
        let mut flipped = sample.to_vec();
        flipped[i] ^= 1 << (i % 8);
        let inserted = STRUCTURAL
            .iter()
            .chain(inserts)
            .filter(move |_| i % insert_every == 0)
            .map(move |ins| {
                let mut m = sample.to_vec();
                m.splice(i..i, ins.iter().copied());
                m
            });
        [deleted, flipped].into_iter().chain(inserted)
    })
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
    fn find_quote_finds_the_first_quote() {
        for len in 0..40 {
            for at in 0..=len {
                let mut s = vec![b'a'; len];
                for (i, b) in s.iter_mut().enumerate() {
                    // Bytes around '"' (0x21, 0x23, 0xa2) must not be taken for it.
                    *b = [b'!', b'#', 0xa2, b'a'][i % 4];
                }
                if at < len {
                    s[at] = b'"';
                    if at + 3 < len {
                        s[at + 3] = b'"';
                    }
                }
                let want = s.iter().position(|&b| b == b'"');
                assert_eq!(find_quote(&s), want, "{len} {at}");
            }
        }
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
