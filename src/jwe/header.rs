//! The JOSE header of one recipient: the union of the protected header, the shared unprotected
//! header and that recipient's header (RFC 7516 §5.2 step 5).

use std::ops::Range;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::b64;
use crate::content::Enc;
use crate::error::{echo, Error, Location, Malformed, Result};
use crate::json::fast::{self, FlatValue};
use crate::json::{self, StrMembers};
use crate::jwe::Alg;
use crate::jwk::{Coordinates, Jwk};

/// Header parameter names defined by RFC 7516/7518 and the 1PU draft; `crit` must not list them.
const REGISTERED: &[&str] = &[
    "alg", "enc", "zip", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty",
    "crit", "epk", "apu", "apv", "skid", "iv", "tag", "p2s", "p2c",
];

/// The protected header. The common shape, string members and objects of string members (the
/// DIDComm header with its `epk`), is read by [`fast::header`] into ranges of the decoded text
/// and answered from there; anything else is read by the strict reader into a map. The map of
/// a flat header is built only when someone asks for it.
#[derive(Clone, Default)]
pub(crate) struct Protected {
    text: String,
    flat: Option<Vec<(Range<usize>, FlatValue)>>,
    map: OnceLock<Map<String, Value>>,
}

/// A member of the protected header or of one of the other headers.
#[derive(Clone, Copy)]
pub(crate) enum Field<'a> {
    /// A string of a flat header.
    Str(&'a str),
    /// An object of strings of a flat header.
    Object(FlatObject<'a>),
    /// A member of a JSON map.
    Json(&'a Value),
}

/// An object of strings inside a flat header (`epk`).
#[derive(Clone, Copy)]
pub(crate) struct FlatObject<'a> {
    text: &'a str,
    members: &'a [(Range<usize>, Range<usize>)],
}

impl<'a> FlatObject<'a> {
    fn get(&self, name: &str) -> Option<&'a str> {
        let text = self.text;
        self.members
            .iter()
            .find(|(n, _)| text.get(n.clone()) == Some(name))
            .and_then(|(_, v)| text.get(v.clone()))
    }
}

impl StrMembers for FlatObject<'_> {
    fn member_str(&self, name: &str, _location: Location) -> Result<Option<&str>> {
        Ok(self.get(name))
    }
    fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

impl Protected {
    /// Reads the decoded protected header (which must be a JSON object).
    pub(crate) fn parse(bytes: Vec<u8>, max_depth: usize) -> Result<Protected> {
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => return Protected::general(e.as_bytes(), max_depth),
        };
        match fast::header(text.as_bytes(), max_depth) {
            Some(flat) => Ok(Protected {
                text,
                flat: Some(flat),
                map: OnceLock::new(),
            }),
            None => Protected::general(text.as_bytes(), max_depth),
        }
    }

    fn general(bytes: &[u8], max_depth: usize) -> Result<Protected> {
        let map = json::parse_object(bytes, Location::Protected, max_depth)?;
        Ok(Protected {
            text: String::new(),
            flat: None,
            map: OnceLock::from(map),
        })
    }

    /// Whether the header was read without a map (tests).
    #[cfg(test)]
    pub(crate) fn is_flat(&self) -> bool {
        self.flat.is_some()
    }

    fn text(&self, range: &Range<usize>) -> &str {
        self.text.get(range.clone()).unwrap_or_default()
    }

    /// The header as a JSON object.
    pub(crate) fn map(&self) -> &Map<String, Value> {
        self.map.get_or_init(|| {
            let mut map = Map::new();
            for (name, value) in self.flat.iter().flatten() {
                let value = match value {
                    FlatValue::Str(v) => Value::String(self.text(v).to_owned()),
                    FlatValue::Object(members) => Value::Object(
                        members
                            .iter()
                            .map(|(n, v)| {
                                (
                                    self.text(n).to_owned(),
                                    Value::String(self.text(v).to_owned()),
                                )
                            })
                            .collect(),
                    ),
                };
                map.insert(self.text(name).to_owned(), value);
            }
            map
        })
    }

    /// Member `name`.
    pub(crate) fn field(&self, name: &str) -> Option<Field<'_>> {
        let Some(flat) = &self.flat else {
            return self.map().get(name).map(Field::Json);
        };
        let (_, value) = flat.iter().find(|(n, _)| self.text(n) == name)?;
        Some(match value {
            FlatValue::Str(v) => Field::Str(self.text(v)),
            FlatValue::Object(members) => Field::Object(FlatObject {
                text: &self.text,
                members,
            }),
        })
    }

    /// Whether member `name` is present.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.field(name).is_some()
    }

    /// A string member.
    pub(crate) fn str(&self, name: &str) -> Result<Option<&str>> {
        self.field(name)
            .map(|f| f.as_str(name, Location::Protected))
            .transpose()
    }
}

impl std::fmt::Debug for Protected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.map().fmt(f)
    }
}

impl<'a> Field<'a> {
    fn as_str(self, name: &str, location: Location) -> Result<&'a str> {
        match self {
            Field::Str(s) => Ok(s),
            Field::Json(Value::String(s)) => Ok(s),
            _ => Err(Error::InvalidMember {
                location,
                name: name.into(),
                reason: Malformed::NotString,
            }),
        }
    }
}

/// The union of the three headers that apply to one recipient. The parts are disjoint: a name in
/// two of them is rejected when the envelope is parsed.
#[derive(Debug, Clone, Copy)]
pub struct Headers<'a> {
    protected: &'a Protected,
    unprotected: Option<&'a Map<String, Value>>,
    recipient: Option<&'a RecipientHeader>,
}

/// A per-recipient unprotected header. The DIDComm shape, `{"kid": "…"}`, is held as its one
/// value: an envelope for a hundred recipients then builds no map per recipient.
#[derive(Clone)]
pub(crate) enum RecipientHeader {
    /// Exactly one member, `kid`; the map is built only if someone asks for it.
    Kid(Value, OnceLock<Map<String, Value>>),
    /// Any other header.
    Map(Map<String, Value>),
}

impl RecipientHeader {
    pub(crate) fn kid(kid: String) -> RecipientHeader {
        RecipientHeader::Kid(Value::String(kid), OnceLock::new())
    }

    /// The header as a JSON object.
    pub(crate) fn map(&self) -> &Map<String, Value> {
        match self {
            RecipientHeader::Map(m) => m,
            RecipientHeader::Kid(kid, map) => map.get_or_init(|| {
                let mut m = Map::new();
                m.insert("kid".to_owned(), kid.clone());
                m
            }),
        }
    }

    /// The value of member `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        match self {
            RecipientHeader::Map(m) => m.get(name),
            RecipientHeader::Kid(kid, _) => (name == "kid").then_some(kid),
        }
    }
}

impl PartialEq for RecipientHeader {
    fn eq(&self, other: &RecipientHeader) -> bool {
        match (self, other) {
            (RecipientHeader::Map(a), RecipientHeader::Map(b)) => a == b,
            (RecipientHeader::Kid(a, _), RecipientHeader::Kid(b, _)) => a == b,
            (RecipientHeader::Kid(kid, _), RecipientHeader::Map(m))
            | (RecipientHeader::Map(m), RecipientHeader::Kid(kid, _)) => {
                m.len() == 1 && m.get("kid") == Some(kid)
            }
        }
    }
}

impl Eq for RecipientHeader {}

impl std::fmt::Debug for RecipientHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.map().fmt(f)
    }
}

impl<'a> Headers<'a> {
    pub(crate) fn new(
        protected: &'a Protected,
        unprotected: Option<&'a Map<String, Value>>,
        recipient: Option<&'a RecipientHeader>,
    ) -> Headers<'a> {
        Headers {
            protected,
            unprotected,
            recipient,
        }
    }

    /// The value of a header parameter and the header it was found in.
    pub fn find(&self, name: &str) -> Option<(&'a Value, Location)> {
        if let Some(v) = self.protected.map().get(name) {
            return Some((v, Location::Protected));
        }
        self.other(name)
    }

    /// A member of the shared unprotected or the recipient header.
    fn other(&self, name: &str) -> Option<(&'a Value, Location)> {
        if let Some(v) = self.unprotected.and_then(|m| m.get(name)) {
            return Some((v, Location::Unprotected));
        }
        self.recipient
            .and_then(|h| h.get(name))
            .map(|v| (v, Location::Recipient))
    }

    /// [`Headers::find`] without building the protected header's map. The headers are
    /// disjoint, so the order they are searched in changes nothing but the cost: the recipient's
    /// own header (often just its `kid`) comes first.
    pub(crate) fn field(&self, name: &str) -> Option<(Field<'a>, Location)> {
        if let Some(v) = self.recipient.and_then(|h| h.get(name)) {
            return Some((Field::Json(v), Location::Recipient));
        }
        if let Some(f) = self.protected.field(name) {
            return Some((f, Location::Protected));
        }
        self.unprotected
            .and_then(|m| m.get(name))
            .map(|v| (Field::Json(v), Location::Unprotected))
    }

    /// Where a header parameter is, if anywhere.
    pub(crate) fn location(&self, name: &str) -> Option<Location> {
        self.field(name).map(|(_, l)| l)
    }

    /// The value of a header parameter.
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.find(name).map(|(v, _)| v)
    }

    /// A string-valued header parameter.
    pub fn str(&self, name: &str) -> Result<Option<&'a str>> {
        self.field(name)
            .map(|(f, location)| f.as_str(name, location))
            .transpose()
    }

    /// A base64url-encoded header parameter, decoded.
    pub fn bytes(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let Some((field, location)) = self.field(name) else {
            return Ok(None);
        };
        let text = field.as_str(name, location)?;
        b64::decode(text).map(Some).ok_or_else(|| Error::Base64 {
            location,
            name: name.into(),
        })
    }

    /// `alg`, required.
    pub fn alg(&self) -> Result<Alg> {
        let name = self.str("alg")?.ok_or(Error::MissingMember {
            location: Location::Protected,
            name: "alg",
        })?;
        Alg::from_name(name)
    }

    /// `enc`, required.
    pub fn enc(&self) -> Result<Enc> {
        let name = self.str("enc")?.ok_or(Error::MissingMember {
            location: Location::Protected,
            name: "enc",
        })?;
        Enc::from_name(name)
    }

    /// `kid`, if present.
    pub fn kid(&self) -> Result<Option<&'a str>> {
        self.str("kid")
    }

    /// The ephemeral public key `epk`, validated (on its curve, no private part).
    pub fn epk(&self, coordinates: Coordinates) -> Result<Jwk> {
        let (value, _) = self.field("epk").ok_or(Error::MissingMember {
            location: Location::Protected,
            name: "epk",
        })?;
        match value {
            Field::Object(members) => epk_from(&members, coordinates),
            Field::Json(Value::Object(map)) => epk_from(map, coordinates),
            _ => Err(Error::InvalidMember {
                location: Location::Epk,
                name: "epk".into(),
                reason: Malformed::NotJwk,
            }),
        }
    }
}

fn epk_from<M: StrMembers + ?Sized>(members: &M, coordinates: Coordinates) -> Result<Jwk> {
    if members.has("d") {
        return Err(Error::InvalidMember {
            location: Location::Epk,
            name: "d".into(),
            reason: Malformed::PrivateKey,
        });
    }
    Jwk::from_map(members, coordinates, Location::Epk)
}

/// Checks `zip` and `crit` (RFC 7516 §4.1.3, RFC 7515 §4.1.11) across the headers of an envelope.
/// This implementation understands no extension, so any well-formed `crit` is rejected as
/// unsupported; a malformed one is rejected as invalid.
pub(crate) fn check_zip_and_crit<'h>(
    protected: &Protected,
    unprotected: Option<&Map<String, Value>>,
    recipients: impl IntoIterator<Item = &'h RecipientHeader>,
) -> Result<()> {
    if let Some(map) = unprotected {
        check_no_zip_or_crit(
            map.contains_key("zip"),
            map.contains_key("crit"),
            Location::Unprotected,
        )?;
    }
    for header in recipients {
        check_recipient_zip_and_crit(header)?;
    }
    // A flat header has neither (fast::header leaves them to the map).
    if protected.contains("zip") || protected.contains("crit") {
        check_protected_zip_and_crit(protected.map())?;
    }
    Ok(())
}

/// Checks a recipient header for `zip` and `crit`, which belong in the protected header.
fn check_recipient_zip_and_crit(header: &RecipientHeader) -> Result<()> {
    check_no_zip_or_crit(
        header.get("zip").is_some(),
        header.get("crit").is_some(),
        Location::Recipient,
    )
}

fn check_no_zip_or_crit(zip: bool, crit: bool, location: Location) -> Result<()> {
    if zip {
        return Err(Error::UnsupportedZip);
    }
    if crit {
        return Err(Error::InvalidMember {
            location,
            name: "crit".into(),
            reason: Malformed::Unprotected,
        });
    }
    Ok(())
}

fn check_protected_zip_and_crit(protected: &Map<String, Value>) -> Result<()> {
    if protected.contains_key("zip") {
        return Err(Error::UnsupportedZip);
    }
    let Some(crit) = protected.get("crit") else {
        return Ok(());
    };
    let invalid = |reason| Error::InvalidMember {
        location: Location::Protected,
        name: "crit".into(),
        reason,
    };
    let Value::Array(names) = crit else {
        return Err(invalid(Malformed::NotNameArray));
    };
    if names.is_empty() {
        return Err(invalid(Malformed::Empty));
    }
    let mut first = None;
    for name in names {
        let Value::String(name) = name else {
            return Err(invalid(Malformed::NotNameArray));
        };
        if REGISTERED.contains(&name.as_str()) {
            return Err(invalid(Malformed::ListsRegistered));
        }
        if !protected.contains_key(name) {
            return Err(invalid(Malformed::ListsAbsent));
        }
        first.get_or_insert(name);
    }
    if let Some(name) = first {
        return Err(Error::UnsupportedCrit(echo(name)));
    }
    Ok(())
}

/// Rejects a name that appears in both the protected and the shared unprotected header
/// (RFC 7516 §7.2.1).
pub(crate) fn check_disjoint(
    protected: &Protected,
    unprotected: &Map<String, Value>,
) -> Result<()> {
    if unprotected.is_empty() {
        return Ok(());
    }
    duplicate_header(first_shared(protected.map(), unprotected))
}

/// [`check_disjoint`] for each recipient header, against the protected and then the shared
/// unprotected header. A `{"kid":…}` header can only collide on `kid`, which is looked up once.
pub(crate) fn check_recipients_disjoint<'h>(
    protected: &Protected,
    unprotected: Option<&Map<String, Value>>,
    headers: impl IntoIterator<Item = &'h RecipientHeader>,
) -> Result<()> {
    let shared_kid =
        protected.contains("kid") || unprotected.is_some_and(|u| u.contains_key("kid"));
    for header in headers {
        match header {
            RecipientHeader::Kid(..) if shared_kid => return duplicate_header(Some("kid")),
            RecipientHeader::Kid(..) => {}
            RecipientHeader::Map(m) => {
                if !m.is_empty() {
                    duplicate_header(first_shared(protected.map(), m))?;
                }
                duplicate_header(unprotected.and_then(|u| first_shared(u, m)))?;
            }
        }
    }
    Ok(())
}

/// A name in both maps: the first, in order, of the smaller one that the larger one has.
fn first_shared<'m>(a: &'m Map<String, Value>, b: &'m Map<String, Value>) -> Option<&'m str> {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small
        .keys()
        .find(|k| large.contains_key(*k))
        .map(String::as_str)
}

fn duplicate_header(name: Option<&str>) -> Result<()> {
    match name {
        Some(name) => Err(Error::DuplicateHeader(echo(name))),
        None => Ok(()),
    }
}

/// Panics unless the flat reading of a protected header and the strict map reading agree on
/// `text`: the same error, or the same members with the same answers to every lookup (tests
/// and fuzzing).
#[cfg(any(test, fuzzing))]
pub(crate) fn protected_readers_agree(text: &[u8], max_depth: usize) {
    let shown = || String::from_utf8_lossy(text).into_owned();
    let both = Protected::parse(text.to_vec(), max_depth);
    let general = Protected::general(text, max_depth);
    let (both, general) = match (both, general) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(a), Err(b)) => return assert_eq!(a, b, "{}", shown()),
        (a, b) => panic!("protected readers disagree on {}: {a:?} / {b:?}", shown()),
    };
    assert_eq!(both.map(), general.map(), "{}", shown());
    let names = general.map().keys().map(String::as_str);
    for name in names.chain(["kid", "zip", "crit", "absent", ""]) {
        assert_eq!(
            both.contains(name),
            general.contains(name),
            "{name}: {}",
            shown()
        );
        assert_eq!(both.str(name), general.str(name), "{name}: {}", shown());
    }
    let epk = |p: &Protected| {
        Headers::new(p, None, None)
            .epk(Coordinates::Strict)
            .map(|k| k.public_key().clone())
    };
    assert_eq!(epk(&both), epk(&general), "{}", shown());
    assert_eq!(
        check_zip_and_crit(&both, None, []),
        check_zip_and_crit(&general, None, []),
        "{}",
        shown()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwe::samples::envelope;
    use crate::jwk::{Curve, Jwk};

    fn headers() -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for curve in [Curve::X25519, Curve::P256] {
            let alice = Jwk::generate(curve).with_kid("did:example:alice#1");
            let bob = Jwk::generate(curve).with_kid("did:example:bob#1");
            for env in [
                envelope(Some(&alice), std::slice::from_ref(&bob), b"{}"),
                envelope(None, std::slice::from_ref(&bob), b"{}"),
            ] {
                let jwe = crate::jwe::Jwe::parse(env.as_bytes()).unwrap();
                let text = b64::decode(jwe.protected_b64()).unwrap();
                assert!(Protected::parse(text.clone(), 8).unwrap().is_flat());
                let value: Value = serde_json::from_slice(&text).unwrap();
                out.push(serde_json::to_vec_pretty(&value).unwrap());
                out.push(text);
            }
        }
        out.push(br#"{}"#.to_vec());
        out.push(br#" { "a" : "b" , "c" : { } } "#.to_vec());
        out
    }

    #[test]
    fn flat_and_map_readers_agree_on_protected_headers() {
        let inserts: &[&[u8]] = &[
            b"[1]",
            b"\\u0041",
            b"\"kid\":\"x\",",
            b"\"zip\":\"DEF\",",
            b"\"crit\":[\"b64\"],",
            b"\"d\":\"AA\",",
            b"\"alg\":\"A\",",
        ];
        for sample in headers() {
            for depth in [0, 1, 2, 8] {
                protected_readers_agree(&sample, depth);
            }
            for m in fast::mutants(&sample, inserts, 2) {
                protected_readers_agree(&m, 8);
            }
        }
    }

    #[test]
    fn a_flat_header_answers_without_building_its_map() {
        let text = headers().remove(1);
        let p = Protected::parse(text, 8).unwrap();
        assert!(p.is_flat());
        assert_eq!(p.str("alg").unwrap(), Some("ECDH-1PU+A256KW"));
        assert!(p.str("epk").is_err(), "epk is an object");
        assert!(Headers::new(&p, None, None)
            .epk(Coordinates::Strict)
            .is_ok());
        assert!(p.map.get().is_none());
        assert!(p.map().contains_key("epk"));
    }
}
