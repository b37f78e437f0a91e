//! DID URLs: the DID of a key id, and what a key id must look like.

use crate::error::{self, ProfileError, Result};

/// The DID of a DID URL (`did:example:alice#key-1` → `did:example:alice`).
pub fn did_of(kid: &str) -> &str {
    kid.find(['#', '?', '/']).map_or(kid, |i| &kid[..i])
}

/// Whether `s` is a DID: `did:` and more, without fragment, path or query.
pub fn is_did(s: &str) -> bool {
    s.len() > 4 && s.starts_with("did:") && did_of(s) == s
}

/// Whether `kid` is a DID URL with a non-empty fragment (`did:method:id#fragment`).
pub fn is_did_url(kid: &str) -> bool {
    let Some(rest) = kid.strip_prefix("did:") else {
        return false;
    };
    let Some((method, rest)) = rest.split_once(':') else {
        return false;
    };
    let Some((id, fragment)) = rest.split_once('#') else {
        return false;
    };
    !method.is_empty()
        && method
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && !id.is_empty()
        && !fragment.is_empty()
}

pub(crate) fn require_did_url(kid: &str) -> Result<()> {
    if is_did_url(kid) {
        Ok(())
    } else {
        Err(ProfileError::NotDidUrl(error::echo(kid)).into())
    }
}
