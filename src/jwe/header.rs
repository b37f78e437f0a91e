//! The JOSE header of one recipient: the union of the protected header, the shared unprotected
//! header and that recipient's header (RFC 7516 §5.2 step 5).

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::b64;
use crate::content::Enc;
use crate::error::{Error, Location, Result};
use crate::jwe::Alg;
use crate::jwk::{Coordinates, Jwk};

/// Header parameter names defined by RFC 7516/7518 and the 1PU draft; `crit` must not list them.
const REGISTERED: &[&str] = &[
    "alg", "enc", "zip", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty",
    "crit", "epk", "apu", "apv", "skid", "iv", "tag", "p2s", "p2c",
];

/// The union of the three headers that apply to one recipient. The parts are disjoint: a name in
/// two of them was rejected when the envelope was parsed.
#[derive(Debug, Clone, Copy)]
pub struct Headers<'a> {
    protected: &'a Map<String, Value>,
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
        protected: &'a Map<String, Value>,
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
        if let Some(v) = self.protected.get(name) {
            return Some((v, Location::Protected));
        }
        if let Some(v) = self.unprotected.and_then(|m| m.get(name)) {
            return Some((v, Location::Unprotected));
        }
        self.recipient
            .and_then(|h| h.get(name))
            .map(|v| (v, Location::Recipient))
    }

    /// The value of a header parameter.
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.find(name).map(|(v, _)| v)
    }

    /// A string-valued header parameter.
    pub fn str(&self, name: &str) -> Result<Option<&'a str>> {
        match self.find(name) {
            None => Ok(None),
            Some((Value::String(s), _)) => Ok(Some(s)),
            Some((_, location)) => Err(Error::InvalidMember {
                location,
                name: name.into(),
                reason: "expected a string",
            }),
        }
    }

    /// A base64url-encoded header parameter, decoded.
    pub fn bytes(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let Some(text) = self.str(name)? else {
            return Ok(None);
        };
        let location = self.find(name).map_or(Location::Protected, |(_, l)| l);
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
        let (value, _) = self.find("epk").ok_or(Error::MissingMember {
            location: Location::Protected,
            name: "epk",
        })?;
        let Value::Object(map) = value else {
            return Err(Error::InvalidMember {
                location: Location::Epk,
                name: "epk".into(),
                reason: "expected a JWK object",
            });
        };
        if map.contains_key("d") {
            return Err(Error::InvalidMember {
                location: Location::Epk,
                name: "d".into(),
                reason: "an ephemeral public key must not carry a private key",
            });
        }
        Jwk::from_map(map, coordinates, Location::Epk)
    }
}

/// Checks `zip` and `crit` (RFC 7516 §4.1.3, RFC 7515 §4.1.11) across the headers of an envelope.
/// This implementation understands no extension, so any well-formed `crit` is rejected as
/// unsupported; a malformed one is rejected as invalid.
pub(crate) fn check_zip_and_crit<'h>(
    protected: &Map<String, Value>,
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
    check_protected_zip_and_crit(protected)
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
            reason: "\"crit\" must be in the protected header",
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
        return Err(invalid("expected an array of header names"));
    };
    if names.is_empty() {
        return Err(invalid("must not be empty"));
    }
    let mut first = None;
    for name in names {
        let Value::String(name) = name else {
            return Err(invalid("expected an array of header names"));
        };
        if REGISTERED.contains(&name.as_str()) {
            return Err(invalid("must not list a registered header parameter"));
        }
        if !protected.contains_key(name) {
            return Err(invalid(
                "lists a parameter the protected header does not carry",
            ));
        }
        first.get_or_insert(name);
    }
    if let Some(name) = first {
        return Err(Error::UnsupportedCrit(name.chars().take(64).collect()));
    }
    Ok(())
}

/// Rejects a name that appears in two of the given headers (RFC 7516 §7.2.1).
pub(crate) fn check_disjoint(a: &Map<String, Value>, b: &Map<String, Value>) -> Result<()> {
    duplicate_header(first_shared(a, b))
}

/// [`check_disjoint`] for a recipient header.
pub(crate) fn check_recipient_disjoint(a: &Map<String, Value>, b: &RecipientHeader) -> Result<()> {
    duplicate_header(match b {
        RecipientHeader::Map(m) => first_shared(a, m),
        RecipientHeader::Kid(..) => a.contains_key("kid").then_some("kid"),
    })
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
        Some(name) => Err(Error::DuplicateHeader(name.chars().take(64).collect())),
        None => Ok(()),
    }
}
