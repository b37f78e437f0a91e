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
pub(crate) fn decode(text: impl AsRef<[u8]>) -> Option<Vec<u8>> {
    FAST.decode(text).ok()
}

/// Decodes public data, on two threads when `threads` > 1 and the text is large enough to pay
/// for it. The result is identical to [`decode`].
pub(crate) fn decode_split(text: &[u8], threads: usize) -> Option<Vec<u8>> {
    let n = text.len();
    if threads < 2 || n < 2 * SPLIT_MIN {
        return decode(text);
    }
    let rem = match n % 4 {
        0 => 0,
        2 => 1,
        3 => 2,
        _ => return None,
    };
    // Split on a 4-character boundary: the first part decodes to whole 3-octet groups.
    let mid = n / 2 / 4 * 4;
    let (head, tail) = text.split_at(mid);
    let mut out = vec![0u8; n / 4 * 3 + rem];
    let (out_head, out_tail) = out.split_at_mut(mid / 4 * 3);
    // This thread decodes the head while a helper from rayon's pool decodes the tail.
    let mut b = Err(base64::DecodeSliceError::OutputSliceTooSmall);
    let a = rayon::in_place_scope(|s| {
        s.spawn(|_| b = FAST.decode_slice(tail, out_tail));
        FAST.decode_slice(head, out_head)
    });
    match (a, b) {
        (Ok(x), Ok(y)) if x + y == out.len() => Some(out),
        _ => None,
    }
}

/// Below twice this many characters, splitting a decode costs more than it saves.
pub(crate) const SPLIT_MIN: usize = 256 * 1024;

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
    fn split_decode_matches_the_plain_one() {
        for len in [0usize, 1, 2, 3, 400_000, 400_001, 400_002, 1 << 20] {
            let data: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
            let text = encode(&data);
            assert_eq!(
                decode_split(text.as_bytes(), 2).as_deref(),
                Some(&data[..]),
                "{len}"
            );
        }
        let mut bad = encode(&vec![7u8; 400_000]);
        bad.replace_range(350_000..350_001, "=");
        assert!(decode_split(bad.as_bytes(), 2).is_none());
        bad.replace_range(350_000..350_001, "A");
        bad.push_str("AAA");
        assert!(
            decode_split(bad.as_bytes(), 2).is_none(),
            "a lone trailing character"
        );
    }

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
