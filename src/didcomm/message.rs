//! The DIDComm plaintext message as a type: its headers, its body, its attachments, and every
//! header it does not know kept as received.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::rules::{typ_is, TYP_PLAIN};
use crate::error::{echo, Error, Location, ProfileError, Result};
use crate::json;

/// Nesting allowed in a message read by [`Message::from_json`].
const MESSAGE_DEPTH: usize = 64;

/// A DIDComm v2 plaintext message.
///
/// ```
/// use authcrypt::didcomm::Message;
/// use serde_json::json;
///
/// let m = Message::build("1", "https://didcomm.org/basicmessage/2.0/message", json!({"content": "Hi"}))
///     .from("did:example:alice")
///     .to(["did:example:bob"])
///     .created_time(1_700_000_000)
///     .header("lang", json!("en"))?
///     .finalize();
/// let text = m.to_json();
/// let again = Message::from_json(text.as_bytes())?;
/// assert_eq!(again, m);
/// assert_eq!(again.extra["lang"], "en");
/// # Ok::<(), authcrypt::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Unique id of the message.
    pub id: String,
    /// The message type (a protocol URI).
    #[serde(rename = "type")]
    pub type_: String,
    /// The media type, `application/didcomm-plain+json` when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    /// The sender's DID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The recipients' DIDs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Vec<String>>,
    /// The thread id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thid: Option<String>,
    /// The parent thread id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pthid: Option<String>,
    /// When the message was created, in seconds since the UNIX epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<u64>,
    /// When the message expires, in seconds since the UNIX epoch: a receiver that knows the
    /// time refuses it after then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_time: Option<u64>,
    /// A DID rotation: a compact JWS by the sender's prior DID (see
    /// [`FromPrior`](super::FromPrior)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_prior: Option<String>,
    /// The body: a JSON object.
    pub body: Map<String, Value>,
    /// The attachments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Attachment>>,
    /// Every other header, as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An attachment of a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    /// The attachment's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// The media type of the content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The format of the content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// When the content was last modified, in seconds since the UNIX epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lastmod_time: Option<u64>,
    /// The size of the content, in octets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte_count: Option<u64>,
    /// The content: one of `base64`, `json` or `links`, with optional `hash` and `jws`.
    pub data: Map<String, Value>,
    /// Every other member, as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Message {
    /// Starts a message with its required headers and body.
    pub fn build(id: impl Into<String>, type_: impl Into<String>, body: Value) -> MessageBuilder {
        let body = match body {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            other => {
                let mut map = Map::new();
                map.insert("value".into(), other);
                map
            }
        };
        MessageBuilder(Message {
            id: id.into(),
            type_: type_.into(),
            typ: Some(TYP_PLAIN.to_owned()),
            from: None,
            to: None,
            thid: None,
            pthid: None,
            created_time: None,
            expires_time: None,
            from_prior: None,
            body,
            attachments: None,
            extra: Map::new(),
        })
    }

    /// Reads a plaintext message strictly: one JSON object without repeated members, `id`,
    /// `type` and `body` present, every known header of its type, and a `typ`, when present,
    /// that is the plaintext media type.
    pub fn from_json(bytes: &[u8]) -> Result<Message> {
        let value = json::parse_strict(bytes, Location::Message, MESSAGE_DEPTH)?;
        Message::from_value(value)
    }

    /// [`Message::from_json`] on parsed JSON.
    pub fn from_value(value: Value) -> Result<Message> {
        let Value::Object(map) = value else {
            return Err(ProfileError::NotAMessage.into());
        };
        // Headers the type knows but whose value is wrong would otherwise land in `extra`.
        let message: Message = serde_json::from_value(Value::Object(map)).map_err(json_error)?;
        if let Some(typ) = &message.typ {
            if !typ_is(typ, TYP_PLAIN) {
                return Err(ProfileError::WrongPlainTyp(echo(typ)).into());
            }
        }
        Ok(message)
    }

    /// The JSON text of the message.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Whether the message has expired at `now` (seconds since the UNIX epoch): it has an
    /// `expires_time` and `now` is after it.
    pub fn is_expired_at(&self, now: u64) -> bool {
        self.expires_time.is_some_and(|t| now > t)
    }
}

/// Builds a [`Message`]; see [`Message::build`].
#[derive(Debug, Clone)]
pub struct MessageBuilder(Message);

impl MessageBuilder {
    /// The sender's DID.
    pub fn from(mut self, did: impl Into<String>) -> Self {
        self.0.from = Some(did.into());
        self
    }

    /// The recipients' DIDs.
    pub fn to<S: Into<String>>(mut self, dids: impl IntoIterator<Item = S>) -> Self {
        self.0.to = Some(dids.into_iter().map(Into::into).collect());
        self
    }

    /// The thread id.
    pub fn thid(mut self, thid: impl Into<String>) -> Self {
        self.0.thid = Some(thid.into());
        self
    }

    /// The parent thread id.
    pub fn pthid(mut self, pthid: impl Into<String>) -> Self {
        self.0.pthid = Some(pthid.into());
        self
    }

    /// When the message was created (seconds since the UNIX epoch).
    pub fn created_time(mut self, t: u64) -> Self {
        self.0.created_time = Some(t);
        self
    }

    /// When the message expires (seconds since the UNIX epoch).
    pub fn expires_time(mut self, t: u64) -> Self {
        self.0.expires_time = Some(t);
        self
    }

    /// A DID rotation (see [`FromPrior::sign`](super::FromPrior::sign)).
    pub fn from_prior(mut self, jwt: impl Into<String>) -> Self {
        self.0.from_prior = Some(jwt.into());
        self
    }

    /// Adds an attachment.
    pub fn attachment(mut self, attachment: Attachment) -> Self {
        self.0
            .attachments
            .get_or_insert_with(Vec::new)
            .push(attachment);
        self
    }

    /// Adds a header. A name this type has a field for sets that field, and must have a value
    /// of its type (`Error::Json` otherwise); any other is kept as received.
    pub fn header(mut self, name: impl Into<String>, value: Value) -> Result<Self> {
        let name = name.into();
        if !known_header(&name) {
            self.0.extra.insert(name, value);
            return Ok(self);
        }
        let mut text = serde_json::to_value(&self.0).map_err(json_error)?;
        if let Some(map) = text.as_object_mut() {
            map.insert(name, value);
        }
        self.0 = Message::from_value(text)?;
        Ok(self)
    }

    /// No `typ` header (it is optional).
    pub fn without_typ(mut self) -> Self {
        self.0.typ = None;
        self
    }

    /// The message.
    pub fn finalize(self) -> Message {
        self.0
    }
}

/// serde's message quotes the value it refused, which is plaintext: only its kind is kept.
fn json_error(e: serde_json::Error) -> Error {
    let detail = match e.classify() {
        serde_json::error::Category::Data => {
            "a header is missing or of the wrong type (id, type and body are required; times are \
             non-negative integers; to is an array of strings)"
        }
        _ => "the message is not valid JSON",
    };
    Error::Json {
        location: Location::Message,
        detail: detail.into(),
    }
}

/// The headers [`Message`] has a field for.
fn known_header(name: &str) -> bool {
    matches!(
        name,
        "id" | "type"
            | "typ"
            | "from"
            | "to"
            | "thid"
            | "pthid"
            | "created_time"
            | "expires_time"
            | "from_prior"
            | "body"
            | "attachments"
    )
}
