//! base64url without padding (RFC 7515 §2).
//!
//! Key material goes through `base64ct`, whose encoder and decoder run in constant time; public,
//! possibly large data (ciphertext, tags, headers) goes through `base64-simd`, which encodes
//! and decodes with the CPU's vector instructions (chosen at run time). Both reject padding,
//! whitespace, the standard alphabet and non-canonical trailing bits.

use base64_simd::{Out, URL_SAFE_NO_PAD as FAST};
use base64ct::{Base64UrlUnpadded, Encoding};
use zeroize::Zeroizing;

use crate::parallel::BASE64_SPLIT_MIN;

/// Encodes public data.
pub(crate) fn encode(data: &[u8]) -> String {
    FAST.encode_to_string(data)
}

/// Appends the encoding of public data to `out`.
pub(crate) fn encode_into(data: &[u8], out: &mut String) {
    FAST.encode_append(data, out)
}

/// Decodes public data.
pub(crate) fn decode(text: impl AsRef<[u8]>) -> Option<Vec<u8>> {
    FAST.decode_to_vec(text).ok()
}

/// Decodes public data, on two threads when `threads` > 1 and the text is large enough to pay
/// for it. The result is identical to [`decode`].
pub(crate) fn decode_split(text: &[u8], threads: usize) -> Option<Vec<u8>> {
    if threads < 2 || text.len() < 2 * BASE64_SPLIT_MIN {
        return decode(text);
    }
    // Split on a 4-character boundary: the first part decodes to whole 3-octet groups, so the
    // two parts fill the exactly sized output between them.
    let mid = text.len() / 2 / 4 * 4;
    let (head, tail) = text.split_at(mid);
    let mut out = vec![0u8; FAST.decoded_length(text).ok()?];
    let (out_head, out_tail) = out.split_at_mut(mid / 4 * 3);
    let part = |text: &[u8], out: &mut [u8]| FAST.decode(text, Out::from_slice(out)).is_ok();
    // This thread decodes the head while a helper from rayon's pool decodes the tail.
    let mut b = false;
    let a = rayon::in_place_scope(|s| {
        s.spawn(|_| b = part(tail, out_tail));
        part(head, out_head)
    });
    (a && b).then_some(out)
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
    fn split_decode_matches_the_plain_one() {
        let big = BASE64_SPLIT_MIN * 2 / 4 * 3;
        for len in [0usize, 1, 2, 3, big, big + 1, big + 2, big + 1000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
            let text = encode(&data);
            assert_eq!(
                decode_split(text.as_bytes(), 2).as_deref(),
                Some(&data[..]),
                "{len}"
            );
        }
        let mut bad = encode(&vec![7u8; big + 1]);
        // One bad character in the tail (the helper's half), then in the head.
        let tail_at = bad.len() - 1000;
        bad.replace_range(tail_at..tail_at + 1, "=");
        assert!(decode_split(bad.as_bytes(), 2).is_none());
        bad.replace_range(tail_at..tail_at + 1, "A");
        bad.replace_range(1000..1001, ".");
        assert!(decode_split(bad.as_bytes(), 2).is_none());
        bad.replace_range(1000..1001, "A");
        bad.push_str("AAA");
        assert!(
            decode_split(bad.as_bytes(), 2).is_none(),
            "a lone trailing character"
        );
    }

    /// The `base64` crate decodes by the same strict rules with its own scalar code: both
    /// must accept and reject the same texts and decode them to the same octets, at every
    /// length around the vector block sizes.
    #[test]
    fn agrees_with_an_independent_decoder() {
        use base64::Engine as _;
        let other = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        const URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        const BAD: &[u8] = b"+/= \n.\"\x00\x80\xff";
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let (mut accepted, mut rejected) = (0, 0);
        for len in 0..300usize {
            for round in 0..40 {
                let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                let text = encode(&data);
                assert_eq!(text, other.encode(&data), "encode, {len} octets");
                let mut encoded = String::from("x");
                encode_into(&data, &mut encoded);
                assert_eq!(encoded[1..], text);
                assert_eq!(decode(&text).as_deref(), Some(&data[..]));
                // Random text, mostly from the alphabet: every error class at every position.
                let mut text: Vec<u8> = (0..len).map(|_| URL[next() as usize % 64]).collect();
                if round % 2 == 1 && len > 0 {
                    let at = next() as usize % len;
                    text[at] = BAD[next() as usize % BAD.len()];
                }
                let ours = decode(&text);
                assert_eq!(
                    ours,
                    other.decode(&text).ok(),
                    "{:?}",
                    String::from_utf8_lossy(&text)
                );
                if ours.is_some() {
                    accepted += 1;
                } else {
                    rejected += 1;
                }
            }
        }
        assert!(
            accepted > 1000 && rejected > 1000,
            "{accepted} / {rejected}"
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
