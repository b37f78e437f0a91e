//! base64url without padding (RFC 7515 §2).
//!
//! Key material goes through `base64ct`, whose encoder and decoder run in constant time; public,
//! possibly large data (ciphertext, tags, headers) goes through the faster `base64` crate. Both
//! reject padding, whitespace, the standard alphabet and non-canonical trailing bits.

use base64::Engine as _;
use base64ct::{Base64UrlUnpadded, Encoding};
use zeroize::Zeroizing;

const FAST: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Encodes public data.
pub(crate) fn encode(data: &[u8]) -> String {
    FAST.encode(data)
}

/// Appends the encoding of public data to `out`.
pub(crate) fn encode_into(data: &[u8], out: &mut String) {
    FAST.encode_string(data, out)
}

/// Decodes public data.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    FAST.decode(text).ok()
}

/// Encodes secret data in constant time.
pub(crate) fn encode_secret(data: &[u8]) -> Zeroizing<String> {
    Zeroizing::new(Base64UrlUnpadded::encode_string(data))
}

/// Decodes secret data in constant time into a zeroizing buffer.
pub(crate) fn decode_secret(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    Base64UrlUnpadded::decode_vec(text).ok().map(Zeroizing::new)
}

/// Decodes a public key coordinate (constant time is not needed, but strictness is the same).
pub(crate) fn decode_key(text: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(text).ok()
}

/// Encodes a public key coordinate.
pub(crate) fn encode_key(data: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_padding_whitespace_and_standard_alphabet() {
        assert_eq!(decode("QWxpY2U").as_deref(), Some(&b"Alice"[..]));
        assert!(decode("QWxpY2U=").is_none());
        assert!(decode("QWxp Y2U").is_none());
        assert!(decode("a+/b").is_none());
        assert!(decode_key("QWxpY2U=").is_none());
        assert!(decode_secret("QWxp\nY2U").is_none());
        // non-canonical trailing bits
        assert!(decode("QWxpY2V").is_none());
        assert!(decode_key("QWxpY2V").is_none());
    }
}
