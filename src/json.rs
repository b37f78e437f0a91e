//! Strict JSON reading for untrusted input: duplicate member names are an error at every level,
//! and nesting depth is bounded before the parser sees the text.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

use crate::error::{Error, Location, Result};

/// Parses `bytes` as one JSON value, rejecting duplicate member names anywhere and nesting
/// deeper than `max_depth`.
pub(crate) fn parse_strict(bytes: &[u8], location: Location, max_depth: usize) -> Result<Value> {
    check_depth(bytes, max_depth)?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = StrictSeed
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| classify(e, location))?;
    Ok(value)
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

const DUPLICATE_MARKER: &str = "\u{1}duplicate member\u{1}";

fn classify(e: serde_json::Error, location: Location) -> Error {
    let text = e.to_string();
    if let Some(rest) = text.strip_prefix(DUPLICATE_MARKER) {
        let name = rest.split(DUPLICATE_MARKER).next().unwrap_or_default();
        return Error::DuplicateMember {
            location,
            name: name.to_string(),
        };
    }
    Error::Json {
        location,
        detail: text,
    }
}

/// Rejects input nested deeper than `max` arrays/objects, scanning the raw text once.
fn check_depth(bytes: &[u8], max: usize) -> Result<()> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return Err(Error::LimitExceeded {
                        what: "JSON nesting depth",
                        limit: max,
                    });
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

struct StrictSeed;

impl<'de> DeserializeSeed<'de> for StrictSeed {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
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
        // Never trust a size hint from the input.
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(StrictSeed)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "{DUPLICATE_MARKER}{key}{DUPLICATE_MARKER}"
                )));
            }
            let v = map.next_value_seed(StrictSeed)?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
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
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert_eq!(
            parse_strict(deep.as_bytes(), Location::Envelope, 16).unwrap_err(),
            Error::LimitExceeded {
                what: "JSON nesting depth",
                limit: 16
            }
        );
        // brackets inside strings do not count
        assert!(parse_strict(
            br#"{"a":"[[[[[[[[[[[[[[[[[[[[[[[[\"["}"#,
            Location::Envelope,
            2
        )
        .is_ok());
    }

    #[test]
    fn trailing_garbage_rejected() {
        assert!(matches!(
            parse_strict(b"{} x", Location::Envelope, 4),
            Err(Error::Json { .. })
        ));
    }
}
