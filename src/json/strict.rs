//! Strict JSON reading for untrusted input: duplicate member names are an error at every level,
//! nesting depth is bounded while parsing (well inside serde_json's own recursion guard), and
//! the large base64url members of a JWE are borrowed from the input instead of copied.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Error, Location, Result};

/// Parses `bytes` as one JSON value, rejecting duplicate member names anywhere and nesting
/// deeper than `max_depth`.
pub(crate) fn parse_strict(bytes: &[u8], location: Location, max_depth: usize) -> Result<Value> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    StrictSeed {
        depth: 0,
        max: max_depth,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v))
    .map_err(|e| classify(e, location, max_depth, 0))
}

/// Parses `bytes` as a JSON object.
pub(crate) fn parse_object(
    bytes: &[u8],
    location: Location,
    max_depth: usize,
) -> Result<Map<String, Value>> {
    match parse_strict(bytes, location, max_depth)? {
        Value::Object(map) => Ok(map),
        _ => Err(Error::Json {
            location,
            detail: "expected a JSON object".into(),
        }),
    }
}

const DUPLICATE: &str = "\u{1}duplicate member\u{1}";
const TOO_DEEP: &str = "\u{1}too deep\u{1}";
const TOO_MANY: &str = "\u{1}too many recipients\u{1}";
const NOT_STRING: &str = "\u{1}not a string\u{1}";
const NOT_ARRAY: &str = "\u{1}not an array\u{1}";
const NOT_OBJECT: &str = "\u{1}not an object\u{1}";

fn classify(
    e: serde_json::Error,
    location: Location,
    max_depth: usize,
    max_recipients: usize,
) -> Error {
    let text = e.to_string();
    let marked = |marker: &str| -> Option<String> {
        let rest = text.strip_prefix(marker)?;
        Some(rest.split(marker).next().unwrap_or_default().to_owned())
    };
    if let Some(name) = marked(DUPLICATE) {
        return Error::DuplicateMember {
            location,
            name: crate::error::echo(&name),
        };
    }
    if marked(TOO_DEEP).is_some() || text.starts_with("recursion limit exceeded") {
        return Error::LimitExceeded {
            what: "JSON nesting depth",
            limit: max_depth,
        };
    }
    if marked(TOO_MANY).is_some() {
        return Error::LimitExceeded {
            what: "recipient count",
            limit: max_recipients,
        };
    }
    for (marker, reason) in [
        (NOT_STRING, "expected a string"),
        (NOT_ARRAY, "expected an array"),
        (NOT_OBJECT, "expected a JSON object"),
    ] {
        if let Some(name) = marked(marker) {
            return Error::InvalidMember {
                location,
                name,
                reason,
            };
        }
    }
    Error::Json {
        location,
        detail: text,
    }
}

fn marker<E: de::Error>(marker: &str, name: &str) -> E {
    E::custom(format_args!("{marker}{name}{marker}"))
}

#[derive(Clone, Copy)]
struct StrictSeed {
    depth: usize,
    max: usize,
}

impl StrictSeed {
    fn deeper<E: de::Error>(self) -> Result<StrictSeed, E> {
        if self.depth + 1 > self.max {
            return Err(marker(TOO_DEEP, ""));
        }
        Ok(StrictSeed {
            depth: self.depth + 1,
            max: self.max,
        })
    }
}

impl<'de> DeserializeSeed<'de> for StrictSeed {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictSeed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.deeper()?;
        // Never trust a size hint from the input.
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(inner)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.deeper()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(marker(DUPLICATE, &key));
            }
            let v = map.next_value_seed(inner)?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// The members of a JSON-serialized JWE, with the base64url strings borrowed from the input
/// when they contain no escapes.
#[derive(Default)]
pub(crate) struct RawEnvelope<'de> {
    pub(crate) protected: Option<Cow<'de, str>>,
    pub(crate) unprotected: Option<Map<String, Value>>,
    pub(crate) header: Option<Map<String, Value>>,
    pub(crate) encrypted_key: Option<Cow<'de, str>>,
    pub(crate) recipients: Option<Vec<Map<String, Value>>>,
    pub(crate) aad: Option<Cow<'de, str>>,
    pub(crate) iv: Option<Cow<'de, str>>,
    pub(crate) ciphertext: Option<Cow<'de, str>>,
    pub(crate) tag: Option<Cow<'de, str>>,
}

/// Reads a JSON-serialized JWE. Unknown top-level members are checked (strictly) and ignored,
/// as RFC 7516 §7.2.1 requires.
pub(crate) fn parse_envelope(
    bytes: &[u8],
    max_depth: usize,
    max_recipients: usize,
) -> Result<RawEnvelope<'_>> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    EnvelopeVisitor {
        max_depth,
        max_recipients,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v))
    .map_err(|e| classify(e, Location::Envelope, max_depth, max_recipients))
}

#[derive(Clone, Copy)]
struct EnvelopeVisitor {
    max_depth: usize,
    max_recipients: usize,
}

impl<'de> DeserializeSeed<'de> for EnvelopeVisitor {
    type Value = RawEnvelope<'de>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = RawEnvelope<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWE JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let inner = StrictSeed {
            depth: 1,
            max: self.max_depth,
        };
        let mut out = RawEnvelope::default();
        let mut seen: HashSet<Cow<'de, str>> = HashSet::new();
        while let Some(key) = map.next_key_seed(StrSeed)? {
            if seen.contains(&key) {
                return Err(marker(DUPLICATE, &key));
            }
            let string = |map: &mut A, name: &str| -> Result<Option<Cow<'de, str>>, A::Error> {
                match map.next_value_seed(FieldSeed(inner))? {
                    Field::Str(s) => Ok(Some(s)),
                    Field::Other => Err(marker(NOT_STRING, name)),
                }
            };
            let object =
                |map: &mut A, name: &str| -> Result<Option<Map<String, Value>>, A::Error> {
                    match map.next_value_seed(inner)? {
                        Value::Object(m) => Ok(Some(m)),
                        _ => Err(marker(NOT_OBJECT, name)),
                    }
                };
            match key.as_ref() {
                "protected" => out.protected = string(&mut map, "protected")?,
                "encrypted_key" => out.encrypted_key = string(&mut map, "encrypted_key")?,
                "aad" => out.aad = string(&mut map, "aad")?,
                "iv" => out.iv = string(&mut map, "iv")?,
                "ciphertext" => out.ciphertext = string(&mut map, "ciphertext")?,
                "tag" => out.tag = string(&mut map, "tag")?,
                "unprotected" => out.unprotected = object(&mut map, "unprotected")?,
                "header" => out.header = object(&mut map, "header")?,
                "recipients" => {
                    out.recipients = Some(map.next_value_seed(RecipientsSeed {
                        inner,
                        max: self.max_recipients,
                    })?)
                }
                _ => {
                    map.next_value_seed(inner)?;
                }
            }
            seen.insert(key);
        }
        Ok(out)
    }
}

struct StrSeed;

impl<'de> DeserializeSeed<'de> for StrSeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for StrSeed {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

enum Field<'de> {
    Str(Cow<'de, str>),
    Other,
}

struct FieldSeed(StrictSeed);

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = Field<'de>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed {
    type Value = Field<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Field::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Field::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Field::Str(Cow::Owned(v)))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Field::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Field::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Field::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Field::Other)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Field::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.0.visit_seq(seq).map(|_| Field::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.visit_map(map).map(|_| Field::Other)
    }
}

struct RecipientsSeed {
    inner: StrictSeed,
    max: usize,
}

impl<'de> DeserializeSeed<'de> for RecipientsSeed {
    type Value = Vec<Map<String, Value>>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecipientsSeed {
    type Value = Vec<Map<String, Value>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of recipients")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let element = self.inner.deeper()?;
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(element)? {
            if out.len() == self.max {
                return Err(marker(TOO_MANY, ""));
            }
            match v {
                Value::Object(m) => out.push(m),
                _ => return Err(marker(NOT_OBJECT, "recipients")),
            }
        }
        Ok(out)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_map(map)?;
        Err(marker(NOT_ARRAY, "recipients"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(marker(NOT_ARRAY, "recipients"))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(marker(NOT_ARRAY, "recipients"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(marker(NOT_ARRAY, "recipients"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(marker(NOT_ARRAY, "recipients"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(marker(NOT_ARRAY, "recipients"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(marker(NOT_ARRAY, "recipients"))
    }
}

/// Reads an optional string member.
pub(crate) fn opt_str<'a>(
    map: &'a Map<String, Value>,
    name: &str,
    location: Location,
) -> Result<Option<&'a str>> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::InvalidMember {
            location,
            name: name.to_string(),
            reason: "expected a string",
        }),
    }
}

/// The string members of a JSON object, from a map or from a flat header.
pub(crate) trait StrMembers {
    /// A string member; an error when the member is not a string.
    fn member_str(&self, name: &str, location: Location) -> Result<Option<&str>>;
    /// Whether the member is present.
    fn has(&self, name: &str) -> bool;
}

impl StrMembers for Map<String, Value> {
    fn member_str(&self, name: &str, location: Location) -> Result<Option<&str>> {
        opt_str(self, name, location)
    }
    fn has(&self, name: &str) -> bool {
        self.contains_key(name)
    }
}

/// Reads a required string member.
pub(crate) fn req_str<'a>(
    map: &'a Map<String, Value>,
    name: &'static str,
    location: Location,
) -> Result<&'a str> {
    opt_str(map, name, location)?.ok_or(Error::MissingMember { location, name })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_members_rejected_at_any_depth() {
        let e = parse_strict(br#"{"a":1,"a":2}"#, Location::Envelope, 8).unwrap_err();
        assert_eq!(
            e,
            Error::DuplicateMember {
                location: Location::Envelope,
                name: "a".into()
            }
        );
        let e = parse_strict(br#"{"a":{"b":1,"b":1}}"#, Location::Protected, 8).unwrap_err();
        assert!(matches!(e, Error::DuplicateMember { ref name, .. } if name == "b"));
        let e = parse_envelope(br#"{"iv":"AA","iv":"AA"}"#, 8, 10)
            .err()
            .unwrap();
        assert!(matches!(e, Error::DuplicateMember { ref name, .. } if name == "iv"));
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "[".repeat(100) + &"]".repeat(100);
        let limit = Error::LimitExceeded {
            what: "JSON nesting depth",
            limit: 16,
        };
        assert_eq!(
            parse_strict(deep.as_bytes(), Location::Envelope, 16).unwrap_err(),
            limit
        );
        let deeper = "[".repeat(100_000) + &"]".repeat(100_000);
        assert_eq!(
            parse_strict(deeper.as_bytes(), Location::Envelope, 16).unwrap_err(),
            limit
        );
        let env = format!("{{\"x\":{deep}}}");
        assert_eq!(parse_envelope(env.as_bytes(), 16, 10).err().unwrap(), limit);
        // brackets inside strings do not count
        assert!(parse_strict(
            br#"{"a":"[[[[[[[[[[[[[[[[[[[[[[[[\"["}"#,
            Location::Envelope,
            2
        )
        .is_ok());
    }

    #[test]
    fn envelope_members_borrow_and_type_check() {
        let raw = parse_envelope(br#"{"iv":"AAAA","tag":"BB","x":{"y":[1]}}"#, 8, 10).unwrap();
        assert!(matches!(raw.iv, Some(Cow::Borrowed("AAAA"))));
        let e = parse_envelope(br#"{"iv":5}"#, 8, 10).err().unwrap();
        assert!(matches!(e, Error::InvalidMember { ref name, .. } if name == "iv"));
        let e = parse_envelope(br#"{"recipients":{}}"#, 8, 10)
            .err()
            .unwrap();
        assert!(
            matches!(e, Error::InvalidMember { ref name, reason: "expected an array", .. } if name == "recipients")
        );
        let many = format!("{{\"recipients\":[{}{{}}]}}", "{},".repeat(20));
        assert_eq!(
            parse_envelope(many.as_bytes(), 8, 10).err().unwrap(),
            Error::LimitExceeded {
                what: "recipient count",
                limit: 10
            }
        );
    }

    #[test]
    fn trailing_garbage_rejected() {
        assert!(matches!(
            parse_strict(b"{} x", Location::Envelope, 4),
            Err(Error::Json { .. })
        ));
        assert!(matches!(
            parse_envelope(b"{} x", 4, 4),
            Err(Error::Json { .. })
        ));
    }
}
