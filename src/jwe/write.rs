//! Writing an encrypted message in its serialization (RFC 7516 §7): the members in a fixed
//! order, with the protected header exactly as it was authenticated.

use serde_json::Value;

use crate::b64;
use crate::jwk::Jwk;
use crate::names::Serialization;

/// Everything an encrypted message consists of, ready to be written.
pub(super) struct Message<'a> {
    pub(super) serialization: Serialization,
    /// The protected header's base64url text, as authenticated.
    pub(super) protected_b64: &'a str,
    /// The shared unprotected header's members, in order.
    pub(super) unprotected: &'a [(String, Value)],
    /// The recipients, each with its encrypted key (empty for direct key agreement).
    pub(super) recipients: &'a [&'a Jwk],
    pub(super) encrypted_keys: &'a [Vec<u8>],
    /// The `aad` member's base64url text, if any.
    pub(super) aad_b64: Option<&'a str>,
    pub(super) iv: &'a [u8],
    pub(super) ciphertext: &'a [u8],
    pub(super) tag: &'a [u8],
}

/// The length of the unpadded base64url text of `n` octets, rounded up.
fn b64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

impl Message<'_> {
    /// The message in its serialization.
    pub(super) fn write(&self) -> String {
        let mut out = String::with_capacity(self.capacity());
        match self.serialization {
            Serialization::Compact => self.write_compact(&mut out),
            Serialization::Flattened | Serialization::General => self.write_json(&mut out),
        }
        out
    }

    /// Enough room for the whole message, so that the text is allocated once.
    fn capacity(&self) -> usize {
        let keys: usize = self
            .encrypted_keys
            .iter()
            .map(|k| b64_len(k.len()) + 64)
            .sum();
        let kids: usize = self
            .recipients
            .iter()
            .map(|r| r.kid().map_or(0, |k| k.len() + 2))
            .sum();
        self.protected_b64.len()
            + b64_len(self.ciphertext.len())
            + keys
            + kids
            + 160
            + self.aad_b64.map_or(0, str::len)
    }

    fn write_compact(&self, out: &mut String) {
        out.push_str(self.protected_b64);
        for part in [
            &self.encrypted_keys[0][..],
            self.iv,
            self.ciphertext,
            self.tag,
        ] {
            out.push('.');
            b64::encode_into(part, out);
        }
    }

    fn write_json(&self, out: &mut String) {
        out.push_str("{\"protected\":\"");
        out.push_str(self.protected_b64);
        out.push('"');
        if !self.unprotected.is_empty() {
            out.push_str(",\"unprotected\":{");
            for (i, (name, value)) in self.unprotected.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(name.clone()).to_string());
                out.push(':');
                out.push_str(&value.to_string());
            }
            out.push('}');
        }
        if self.serialization == Serialization::Flattened {
            write_recipient(out, self.recipients[0], &self.encrypted_keys[0], true);
        } else {
            out.push_str(",\"recipients\":[");
            let entries = self.recipients.iter().zip(self.encrypted_keys);
            for (i, (recipient, key)) in entries.enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('{');
                write_recipient(out, recipient, key, false);
                out.push('}');
            }
            out.push(']');
        }
        if let Some(a) = self.aad_b64 {
            out.push_str(",\"aad\":\"");
            out.push_str(a);
            out.push('"');
        }
        for (name, part) in [
            ("iv", self.iv),
            ("ciphertext", self.ciphertext),
            ("tag", self.tag),
        ] {
            out.push_str(",\"");
            out.push_str(name);
            out.push_str("\":\"");
            b64::encode_into(part, out);
            out.push('"');
        }
        out.push('}');
    }
}

/// A recipient's `header` (its kid) and `encrypted_key` members, each only when it has one;
/// `comma` says whether a member precedes them in the same object.
fn write_recipient(out: &mut String, recipient: &Jwk, key: &[u8], mut comma: bool) {
    if let Some(kid) = recipient.kid() {
        if comma {
            out.push(',');
        }
        out.push_str("\"header\":{\"kid\":");
        out.push_str(&Value::String(kid.to_owned()).to_string());
        out.push('}');
        comma = true;
    }
    if !key.is_empty() {
        if comma {
            out.push(',');
        }
        out.push_str("\"encrypted_key\":\"");
        b64::encode_into(key, out);
        out.push('"');
    }
}
