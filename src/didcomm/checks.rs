//! The message checks on a decrypted layer: one DIDComm message, addressed as its envelope was.

use std::borrow::Cow;

use serde::de::IgnoredAny;
use serde_json::Value;

use super::envelope::Layer;
use super::from_prior::FromPrior;
use super::rules::{did_of, typ_is, TYP_PLAIN};
use crate::did::KeyResolver;
use crate::error::{echo, FromPriorProblem, MixedForm, ProfileError, Result, SignedProblem};

/// What the innermost plaintext of an unpacked message was found to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageForm {
    /// A DIDComm plaintext message (a JSON object) whose `from` and `to` were checked against
    /// the keys of the layer that encloses it.
    Plaintext,
    /// A DIDComm signed message whose signatures all verified with `authentication` keys of
    /// its `from`, bound to the enclosing layer's sender and recipient; the plaintext
    /// returned is its payload, the plaintext message.
    Signed,
    /// From [`check_message`] only: a DIDComm signed message, not verified yet. Verify it with
    /// [`SignedMessage`](super::SignedMessage) and the layer it came from.
    SignedUnverified,
    /// Message checks were off: the plaintext was not examined.
    Unchecked,
}

/// The message checks of [`Unpacker`](super::Unpacker) for one decrypted layer, for two-step unpacking:
/// `plaintext` must be exactly one DIDComm message — a plaintext message whose `from` is the
/// DID of `layer`'s sender and whose `to` names the DID of `layer`'s recipient, or a signed
/// message ([`MessageForm::SignedUnverified`]: parse it with
/// [`SignedMessage::parse`](super::SignedMessage::parse), resolve its signer kids, and verify
/// it with `layer`). A plaintext that is itself an envelope is
/// [`ProfileError::NestedEnvelope`]: parse and open it as the next layer (only
/// anoncrypt(authcrypt(message)) nests), then check its plaintext.
pub fn check_message(plaintext: &[u8], layer: &Layer) -> Result<MessageForm> {
    match classify(plaintext, layer)? {
        Classified::Message(_) => Ok(MessageForm::Plaintext),
        Classified::Signed => Ok(MessageForm::SignedUnverified),
        Classified::Envelope => Err(ProfileError::NestedEnvelope.into()),
    }
}

/// A checked plaintext: a plaintext message, a signed message to verify, or another
/// envelope to open.
pub(super) enum Classified {
    Message(Tail),
    Signed,
    Envelope,
}

/// Rules M1–M6: the plaintext of `layer` is exactly one of an envelope, a signed message or a
/// plaintext message, and a plaintext message's `from`/`to` agree with that layer's keys (a
/// signed message's are checked when it is verified).
pub(super) fn classify(plaintext: &[u8], layer: &Layer) -> Result<Classified> {
    let peek = Peek::read(plaintext)?.ok_or(ProfileError::NotAMessage)?;
    match peek.shape()? {
        Shape::Envelope => Ok(Classified::Envelope),
        Shape::Signed => Ok(Classified::Signed),
        Shape::Message => {
            let tail = Tail::of(&peek)?;
            check_addressing(layer, &peek)?;
            Ok(Classified::Message(tail))
        }
    }
}

/// Which of the three DIDComm forms a plaintext object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    Envelope,
    Signed,
    Message,
}

/// The members of a decrypted plaintext that the unpacker looks at: those that tell an
/// envelope, a signed message and a plaintext message apart, and `from`/`to`. Everything else
/// is skipped without being built.
#[derive(serde::Deserialize, Default)]
pub(super) struct Peek<'a> {
    #[serde(default)]
    protected: Option<IgnoredAny>,
    #[serde(default)]
    ciphertext: Option<IgnoredAny>,
    #[serde(default)]
    iv: Option<IgnoredAny>,
    #[serde(default)]
    tag: Option<IgnoredAny>,
    #[serde(default)]
    recipients: Option<IgnoredAny>,
    #[serde(default)]
    encrypted_key: Option<IgnoredAny>,
    #[serde(default, borrow)]
    payload: Option<Cow<'a, str>>,
    #[serde(default)]
    signatures: Option<IgnoredAny>,
    #[serde(default)]
    signature: Option<IgnoredAny>,
    #[serde(default)]
    pub(super) from: Option<Value>,
    #[serde(default)]
    to: Option<Value>,
    #[serde(default)]
    id: Option<IgnoredAny>,
    #[serde(default, rename = "type")]
    type_: Option<IgnoredAny>,
    #[serde(default)]
    body: Option<IgnoredAny>,
    #[serde(default)]
    pub(super) typ: Option<Value>,
    #[serde(default)]
    pub(super) expires_time: Option<Value>,
    #[serde(default)]
    pub(super) from_prior: Option<Value>,
}

/// JSON's own white space (RFC 8259 §2), which is less than `u8::is_ascii_whitespace`.
fn json_ws(b: &u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl Peek<'_> {
    /// `Ok(None)` for a plaintext that is not a JSON object; an error for one that starts with
    /// a byte-order mark, or starts like an object but is not valid JSON or repeats a member
    /// this check reads.
    pub(super) fn read(bytes: &[u8]) -> Result<Option<Peek<'_>>> {
        if bytes.starts_with(b"\xEF\xBB\xBF") {
            return Err(ProfileError::ByteOrderMark.into());
        }
        let start = bytes
            .iter()
            .position(|b| !json_ws(b))
            .unwrap_or(bytes.len());
        let t = &bytes[start..];
        if t.first() != Some(&b'{') {
            return Ok(None);
        }
        // The fast reader validates the whole text and hands over the few members read here;
        // whatever it does not handle, or rejects, serde_json decides.
        if let Some(peek) = crate::json::fast::message(t).and_then(Peek::from_members) {
            return Ok(Some(peek));
        }
        serde_json::from_slice(t)
            .map(Some)
            .map_err(|_| ProfileError::InvalidMessage.into())
    }

    /// The same values serde would give for these members (a JSON `null` reads as absent).
    fn from_members(m: crate::json::fast::MessageMembers<'_>) -> Option<Peek<'_>> {
        fn present(raw: Option<&[u8]>) -> Option<IgnoredAny> {
            raw.filter(|r| *r != b"null").map(|_| IgnoredAny)
        }
        fn value(raw: Option<&[u8]>) -> Option<Option<Value>> {
            match raw {
                None => Some(None),
                Some(raw) => serde_json::from_slice(raw).ok(),
            }
        }
        let payload = match m.payload {
            None | Some(b"null") => None,
            Some(raw) => {
                // A validated string without escapes is its own value.
                let inner = raw.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
                if inner.contains(&b'\\') {
                    return None;
                }
                Some(Cow::Borrowed(std::str::from_utf8(inner).ok()?))
            }
        };
        Some(Peek {
            protected: present(m.protected),
            ciphertext: present(m.ciphertext),
            iv: present(m.iv),
            tag: present(m.tag),
            recipients: present(m.recipients),
            encrypted_key: present(m.encrypted_key),
            payload,
            signatures: present(m.signatures),
            signature: present(m.signature),
            from: value(m.from)?,
            to: value(m.to)?,
            id: present(m.id),
            type_: present(m.type_),
            body: present(m.body),
            typ: value(m.typ)?,
            expires_time: value(m.expires_time)?,
            from_prior: value(m.from_prior)?,
        })
    }

    pub(super) fn is_jwe(&self) -> bool {
        self.protected.is_some() && self.ciphertext.is_some() && self.iv.is_some()
    }

    /// Rule M2: an object is exactly one form. Any member only an envelope has makes it an
    /// envelope (the envelope reader then names what is missing); any member only a signed
    /// message has makes it a signed message; neither may carry plaintext-message members.
    pub(super) fn shape(&self) -> Result<Shape> {
        let envelope = self.ciphertext.is_some()
            || self.iv.is_some()
            || self.tag.is_some()
            || self.recipients.is_some()
            || self.encrypted_key.is_some();
        let signed =
            self.payload.is_some() || self.signatures.is_some() || self.signature.is_some();
        let message = self.from.is_some()
            || self.to.is_some()
            || self.id.is_some()
            || self.type_.is_some()
            || self.body.is_some();
        match (envelope, signed, message) {
            (true, false, false) => Ok(Shape::Envelope),
            (true, _, _) => Err(ProfileError::AmbiguousMessage(MixedForm::Envelope).into()),
            (false, true, true) => Err(ProfileError::AmbiguousMessage(MixedForm::Signed).into()),
            (false, true, false) => {
                if self.signatures.is_some() == self.signature.is_some() {
                    return Err(
                        ProfileError::InvalidSignedMessage(SignedProblem::Signatures).into(),
                    );
                }
                Ok(Shape::Signed)
            }
            (false, false, _) => Ok(Shape::Message),
        }
    }
}

/// What rules M8 and M9 need of a message, taken while it is read for the other checks, so
/// that the message is not read again once it (and any signature) has been accepted.
#[derive(Debug, Default)]
pub(super) struct Tail {
    expires_time: Option<u64>,
    /// `from`, kept only when there is a `from_prior` to bind to it.
    from: Option<String>,
    from_prior: Option<Value>,
}

impl Tail {
    /// Rules M7 and M8 on `msg`: a `typ` is the plaintext media type, and `expires_time` is a
    /// time; the tail is what the last checks need.
    pub(super) fn of(msg: &Peek<'_>) -> Result<Tail> {
        match &msg.typ {
            None => {}
            Some(Value::String(typ)) if typ_is(typ, TYP_PLAIN) => {}
            Some(Value::String(typ)) => return Err(ProfileError::WrongPlainTyp(echo(typ)).into()),
            Some(_) => return Err(ProfileError::WrongPlainTyp("(not a string)".into()).into()),
        }
        let expires_time = match &msg.expires_time {
            None => None,
            Some(t) => Some(
                t.as_u64()
                    .ok_or(ProfileError::InvalidTime("expires_time"))?,
            ),
        };
        let from = match (&msg.from_prior, &msg.from) {
            (Some(_), Some(Value::String(from))) => Some(from.clone()),
            _ => None,
        };
        Ok(Tail {
            expires_time,
            from,
            from_prior: msg.from_prior.clone(),
        })
    }

    /// Rules M8 and M9, once the message is accepted (and any signature has verified): not
    /// expired at `now`, and a `from_prior` verified with `keys`.
    pub(super) fn check(
        &self,
        now: Option<u64>,
        keys: &dyn KeyResolver,
    ) -> Result<Option<FromPrior>> {
        if let (Some(now), Some(expires_time)) = (now, self.expires_time) {
            if now > expires_time {
                return Err(ProfileError::Expired { expires_time, now }.into());
            }
        }
        match &self.from_prior {
            None => Ok(None),
            Some(Value::String(jwt)) => {
                FromPrior::verify(jwt, self.from.as_deref(), keys, now).map(Some)
            }
            Some(_) => Err(ProfileError::InvalidFromPrior(FromPriorProblem::NotCompactJws).into()),
        }
    }
}

/// Rules M4–M6: `from` is a string, and the DID of the authenticated sender when there is
/// one; `to` is an array of strings that names the DID of the recipient key used.
pub(super) fn check_addressing(layer: &Layer, msg: &Peek<'_>) -> Result<()> {
    match (&msg.from, layer.sender_kid.as_deref()) {
        (None, _) => {}
        (Some(Value::String(from)), Some(sender)) => {
            if from != did_of(sender) {
                return Err(ProfileError::FromMismatch.into());
            }
        }
        (Some(Value::String(_)), None) => {}
        (Some(_), _) => return Err(ProfileError::FromNotString.into()),
    }
    match &msg.to {
        None => Ok(()),
        Some(Value::Array(to)) => {
            let did = did_of(&layer.recipient_kid);
            let mut named = false;
            for t in to {
                let t = t.as_str().ok_or(ProfileError::ToNotArray)?;
                named |= did_of(t) == did;
            }
            if named {
                Ok(())
            } else {
                Err(ProfileError::ToMismatch.into())
            }
        }
        Some(_) => Err(ProfileError::ToNotArray.into()),
    }
}

/// Whenever the fast message reader answers, serde_json accepts the text and reads the same
/// values; returns whether the fast reader answered (tests and fuzzing).
#[cfg(any(test, fuzzing))]
pub(crate) fn message_readers_agree(text: &[u8]) -> bool {
    fn facts(p: &Peek<'_>) -> String {
        format!(
            "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            p.protected.is_some(),
            p.ciphertext.is_some(),
            p.iv.is_some(),
            p.tag.is_some(),
            p.recipients.is_some(),
            p.encrypted_key.is_some(),
            p.payload,
            p.signatures.is_some(),
            p.signature.is_some(),
            p.from,
            p.to,
            p.id.is_some(),
            p.type_.is_some(),
            p.body.is_some(),
            p.typ,
            p.expires_time,
            p.from_prior,
        )
    }
    let Some(fast) = crate::json::fast::message(text).and_then(Peek::from_members) else {
        return false;
    };
    let slow: Peek<'_> = serde_json::from_slice(text).unwrap_or_else(|e| {
        panic!(
            "fast reader accepted what serde_json rejects ({e}): {}",
            String::from_utf8_lossy(text)
        )
    });
    assert_eq!(
        facts(&fast),
        facts(&slow),
        "{}",
        String::from_utf8_lossy(text)
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agree(text: &[u8]) -> bool {
        message_readers_agree(text)
    }

    const SAMPLES: &[&str] = &[
        r#"{"id":"1","type":"t","from":"did:example:alice","to":["did:example:bob"],"body":{"a":[1,-2.5e3,0.0,true,false,null,{"b":"c\"\\\/\b\f\n\r\t\u00e9\u20AC"}]}}"#,
        r#" { "from" : null , "to" : null , "x" : [ ] , "y" : { } , "z" : "é€😀" } "#,
        r#"{"payload":"eyJmcm9tIjoiZGlkOmE6YiJ9","signatures":[{"protected":"x","signature":"y"}]}"#,
        r#"{"protected":"a","iv":"b","ciphertext":"c","tag":"d","recipients":[{"header":{"kid":"k"}}]}"#,
        r#"{"payload":null,"signature":null,"from":{"nested":[1,2]},"to":"did:x:y"}"#,
        r#"{}"#,
        r#"{"a":-0,"b":1E+2,"c":1e-2,"d":123456789012345678901234567890}"#,
    ];

    #[test]
    fn message_readers_agree_on_the_fuzz_corpus() {
        for bytes in crate::json::fuzz_corpus() {
            message_readers_agree(&bytes);
        }
    }

    #[test]
    fn fast_message_reader_agrees_with_serde() {
        for sample in SAMPLES {
            assert!(agree(sample.as_bytes()), "not taken: {sample}");
        }
        let inserts: &[&[u8]] = &[
            b":",
            b"\\u",
            b"\\ud800",
            b"\xc3",
            b"0",
            b"-",
            b".",
            b"e",
            b"n",
            b"\"from\":1,",
        ];
        for sample in SAMPLES {
            let sample = sample.as_bytes();
            for m in crate::json::fast::mutants(sample, inserts, 1) {
                agree(&m);
            }
        }
    }

    #[test]
    fn fast_message_reader_declines_what_it_does_not_handle() {
        for text in [
            &br#"{"from":"a","from":"b"}"#[..],
            br#"{"fr\u006fm":"a"}"#,
            br#"{"a":"\ud83d\ude00"}"#,
            br#"{"a":"x"} x"#,
            br#"{"a":01}"#,
            br#"{"a":1.}"#,
            br#"{"a":.5}"#,
            br#"{"a":+1}"#,
            br#"{"a":"\x"}"#,
            br#"{"a":tru}"#,
            br#"{"a":[1,]}"#,
            br#"{"a":{"b":1,}}"#,
            b"{\"a\":\"\x1f\"}",
            b"{\"a\":\"\xc3\x28\"}",
        ] {
            assert!(
                crate::json::fast::message(text).is_none(),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(70), "]".repeat(70));
        assert!(crate::json::fast::message(deep.as_bytes()).is_none());
        // ...and serde_json still reads it, so the unpacker's answer does not change.
        assert!(Peek::read(deep.as_bytes()).unwrap().is_some());
    }
}
