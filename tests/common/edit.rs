//! Editing envelopes: the top-level JSON object, the protected header and the base64url parts,
//! in whichever serialization the envelope is.

use serde_json::{Map, Value};

use super::{b64, unb64};

/// A base64url part of an envelope, named as the JWE members are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Protected,
    /// The `encrypted_key` of recipient `i` (the top-level one when there is no `recipients`).
    Key(usize),
    Iv,
    Ciphertext,
    Tag,
}

impl Part {
    /// The parts of a one-recipient envelope, in compact order.
    pub const ALL: [Part; 5] = [
        Part::Protected,
        Part::Key(0),
        Part::Iv,
        Part::Ciphertext,
        Part::Tag,
    ];

    /// The JWE member name of the part.
    pub fn name(self) -> &'static str {
        match self {
            Part::Protected => "protected",
            Part::Key(_) => "encrypted_key",
            Part::Iv => "iv",
            Part::Ciphertext => "ciphertext",
            Part::Tag => "tag",
        }
    }

    /// The position of the part in the compact serialization.
    fn compact_index(self) -> usize {
        match self {
            Part::Protected => 0,
            Part::Key(0) => 1,
            Part::Key(i) => panic!("a compact envelope has no recipient {i}"),
            Part::Iv => 2,
            Part::Ciphertext => 3,
            Part::Tag => 4,
        }
    }
}

impl std::fmt::Display for Part {
    /// Shows the JWE member name of the part.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether the envelope is in a JSON serialization rather than the compact one.
fn is_json(env: &str) -> bool {
    env.starts_with('{')
}

/// Re-writes a JSON envelope after `f` has changed its top-level object.
pub fn edit_json(env: &str, f: impl FnOnce(&mut Map<String, Value>)) -> String {
    let mut value: Value = serde_json::from_str(env).unwrap();
    f(value.as_object_mut().expect("a JSON object"));
    value.to_string()
}

/// The member holding `part` in a JSON envelope, inserted as `null` when absent.
fn slot(top: &mut Map<String, Value>, part: Part) -> &mut Value {
    let map = match part {
        Part::Key(i) if top.contains_key("recipients") => {
            top["recipients"][i].as_object_mut().unwrap()
        }
        _ => top,
    };
    map.entry(part.name()).or_insert(Value::Null)
}

/// The base64url text of `part` in any serialization; an absent part reads as empty.
pub fn part_text(env: &str, part: Part) -> String {
    if is_json(env) {
        let mut value: Value = serde_json::from_str(env).unwrap();
        let top = value.as_object_mut().expect("a JSON object");
        slot(top, part).as_str().unwrap_or("").to_owned()
    } else {
        compact_parts(env)[part.compact_index()].clone()
    }
}

/// The decoded octets of `part` in any serialization.
pub fn part(env: &str, part: Part) -> Vec<u8> {
    unb64(&part_text(env, part))
}

/// Replaces the base64url text of `part` in any serialization with `f` of that text (an absent
/// part reads as empty and is added).
pub fn edit_part_text(env: &str, part: Part, f: impl FnOnce(&str) -> String) -> String {
    if is_json(env) {
        edit_json(env, |top| {
            let member = slot(top, part);
            let new = f(member.as_str().unwrap_or(""));
            *member = Value::String(new);
        })
    } else {
        let index = part.compact_index();
        let new = f(&compact_parts(env)[index]);
        compact_with(env, index, &new)
    }
}

/// Replaces `part` in any serialization with `f` of its decoded octets.
pub fn edit_part(env: &str, part: Part, f: impl FnOnce(Vec<u8>) -> Vec<u8>) -> String {
    edit_part_text(env, part, |text| b64(&f(unb64(text))))
}

/// Sets the base64url text of `part` in any serialization to `text`.
pub fn with_part_text(env: &str, part: Part, text: &str) -> String {
    edit_part_text(env, part, |_| text.to_owned())
}

/// Sets `part` in any serialization to the encoding of `bytes`.
pub fn with_part(env: &str, part: Part, bytes: &[u8]) -> String {
    with_part_text(env, part, &b64(bytes))
}

/// Changes the first character of the base64url text of `part` (`A` to `B`, anything else to
/// `A`), so that its first octet changes and the text stays canonical.
pub fn flip_first(env: &str, part: Part) -> String {
    edit_part_text(env, part, |s| {
        let first = if s.starts_with('A') { "B" } else { "A" };
        format!("{first}{}", &s[1..])
    })
}

/// The decoded protected header of any serialization, as text.
pub fn protected_text(env: &str) -> String {
    String::from_utf8(part(env, Part::Protected)).unwrap()
}

/// Sets the protected header of any serialization to the encoding of `header`.
pub fn with_protected(env: &str, header: &str) -> String {
    with_part(env, Part::Protected, header.as_bytes())
}

/// Replaces the protected header of any serialization with `f` of its decoded text.
pub fn edit_protected_text(env: &str, f: impl FnOnce(String) -> String) -> String {
    edit_part(env, Part::Protected, |bytes| {
        f(String::from_utf8(bytes).unwrap()).into_bytes()
    })
}

/// Replaces the protected header of any serialization with `f` of its decoded JSON object.
pub fn edit_protected(env: &str, f: impl FnOnce(&mut Map<String, Value>)) -> String {
    edit_protected_text(env, |text| {
        let mut header: Value = serde_json::from_str(&text).unwrap();
        f(header
            .as_object_mut()
            .expect("protected header is an object"));
        header.to_string()
    })
}

/// The dot-separated parts of a compact envelope.
pub fn compact_parts(env: &str) -> Vec<String> {
    env.split('.').map(str::to_owned).collect()
}

/// A compact envelope with part `index` replaced by `text`.
pub fn compact_with(env: &str, index: usize, text: &str) -> String {
    let mut parts = compact_parts(env);
    parts[index] = text.to_owned();
    parts.join(".")
}

/// A JSON object's text with `member` (raw `"name":value` text) inserted right after the
/// opening brace.
pub fn insert_first(object: &str, member: &str) -> String {
    let rest = object.strip_prefix('{').expect("a JSON object");
    format!("{{{member},{rest}")
}
