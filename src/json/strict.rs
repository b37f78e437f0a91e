//! Strict JSON reading for untrusted input: duplicate member names are an error at every level,
//! nesting depth is bounded while parsing (well inside serde_json's own recursion guard), and
//! the large base64url members of a JWE are borrowed from the input instead of copied.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Error, Limit, Location, Malformed, Result};

/// Parses `bytes` as one JSON value, rejecting duplicate member names anywhere and nesting
/// deeper than `max_depth`.
pub(crate) fn parse_strict(bytes: &[u8], location: Location, max_depth: usize) -> Result<Value> {
    clear_stop();
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

/// A parsed key object whose private member `d` is wiped when it drops, on every path.
pub(crate) struct WipedKey(pub(crate) Map<String, Value>);

impl Drop for WipedKey {
    fn drop(&mut self) {
        if let Some(Value::String(d)) = self.0.get_mut("d") {
            zeroize::Zeroize::zeroize(d);
        }
    }
}

/// A parsed document whose strings (among them any private `d`, at any depth) are wiped when
/// it drops: key files and DID documents read as a whole.
pub(crate) struct WipedValue(pub(crate) Value);

impl Drop for WipedValue {
    fn drop(&mut self) {
        fn wipe(value: &mut Value) {
            match value {
                Value::String(s) => zeroize::Zeroize::zeroize(s),
                Value::Array(items) => items.iter_mut().for_each(wipe),
                Value::Object(map) => map.values_mut().for_each(wipe),
                Value::Null | Value::Bool(_) | Value::Number(_) => {}
            }
        }
        wipe(&mut self.0);
    }
}

/// Why the reader stopped, recorded where it stops. serde's errors carry only text, so the typed
/// reason travels beside the error, in this thread, from the visitor that rejects the input to
/// [`classify`], which runs on the same thread as soon as the parse returns.
#[derive(Debug)]
enum Stop {
    /// A member name repeated in one object.
    Duplicate(String),
    /// Nesting deeper than the bound.
    TooDeep,
    /// More recipient entries than the bound.
    TooManyRecipients,
    /// A member that must be a string is not.
    NotString(String),
    /// A member that must be an array is not.
    NotArray(&'static str),
    /// A member that must be an object is not.
    NotObject(String),
}

thread_local! {
    static STOP: RefCell<Option<Stop>> = const { RefCell::new(None) };
}

/// Records `why` and returns the error that ends the parse.
fn stop<E: de::Error>(why: Stop) -> E {
    STOP.with(|s| *s.borrow_mut() = Some(why));
    E::custom("the input breaks a rule of the strict reader")
}

/// Forgets a reason left by a parse whose error was not classified.
fn clear_stop() {
    STOP.with(|s| s.borrow_mut().take());
}

fn classify(
    e: serde_json::Error,
    location: Location,
    max_depth: usize,
    max_recipients: usize,
) -> Error {
    let invalid = |name: String, reason: Malformed| Error::InvalidMember {
        location,
        name,
        reason,
    };
    match STOP.with(|s| s.borrow_mut().take()) {
        Some(Stop::Duplicate(name)) => Error::DuplicateMember {
            location,
            name: crate::error::echo(&name),
        },
        Some(Stop::TooDeep) => Error::LimitExceeded {
            what: Limit::JsonDepth,
            limit: max_depth,
        },
        Some(Stop::TooManyRecipients) => Error::LimitExceeded {
            what: Limit::Recipients,
            limit: max_recipients,
        },
        Some(Stop::NotString(name)) => invalid(name, Malformed::NotString),
        Some(Stop::NotArray(name)) => invalid(name.to_owned(), Malformed::NotArray),
        Some(Stop::NotObject(name)) => invalid(name, Malformed::NotObject),
        // serde_json's own recursion guard, for a bound set above it.
        None if e.to_string().starts_with("recursion limit exceeded") => Error::LimitExceeded {
            what: Limit::JsonDepth,
            limit: max_depth,
        },
        None => Error::Json {
            location,
            detail: e.to_string(),
        },
    }
}

#[derive(Clone, Copy)]
struct StrictSeed {
    depth: usize,
    max: usize,
}

impl StrictSeed {
    fn deeper<E: de::Error>(self) -> Result<StrictSeed, E> {
        if self.depth + 1 > self.max {
            return Err(stop(Stop::TooDeep));
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
                return Err(stop(Stop::Duplicate(key.to_string())));
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
    clear_stop();
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
                return Err(stop(Stop::Duplicate(key.to_string())));
            }
            let string = |map: &mut A, name: &str| -> Result<Option<Cow<'de, str>>, A::Error> {
                match map.next_value_seed(FieldSeed(inner))? {
                    Field::Str(s) => Ok(Some(s)),
                    Field::Other => Err(stop(Stop::NotString(name.to_owned()))),
                }
            };
            let object =
                |map: &mut A, name: &str| -> Result<Option<Map<String, Value>>, A::Error> {
                    match map.next_value_seed(inner)? {
                        Value::Object(m) => Ok(Some(m)),
                        _ => Err(stop(Stop::NotObject(name.to_owned()))),
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
                return Err(stop(Stop::TooManyRecipients));
            }
            match v {
                Value::Object(m) => out.push(m),
                _ => return Err(stop(Stop::NotObject("recipients".to_owned()))),
            }
        }
        Ok(out)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_map(map)?;
        Err(stop(Stop::NotArray("recipients")))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(stop(Stop::NotArray("recipients")))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(stop(Stop::NotArray("recipients")))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(stop(Stop::NotArray("recipients")))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(stop(Stop::NotArray("recipients")))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(stop(Stop::NotArray("recipients")))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(stop(Stop::NotArray("recipients")))
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
            reason: Malformed::NotString,
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
            what: Limit::JsonDepth,
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
            matches!(e, Error::InvalidMember { ref name, reason: Malformed::NotArray, .. } if name == "recipients")
        );
        let many = format!("{{\"recipients\":[{}{{}}]}}", "{},".repeat(20));
        assert_eq!(
            parse_envelope(many.as_bytes(), 8, 10).err().unwrap(),
            Error::LimitExceeded {
                what: Limit::Recipients,
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
