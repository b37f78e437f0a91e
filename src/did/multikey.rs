//! Keys as DID documents write them besides JWKs: base58btc multibase text of a
//! multicodec-prefixed key (`Multikey` and the 2020 suites), and bare base58 (the 2018 and
//! 2019 suites).

use crate::error::MethodProblem;

/// The kind of a key named by its multicodec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// `x25519-pub` (0xec), 32 octets.
    X25519,
    /// `ed25519-pub` (0xed), 32 octets.
    Ed25519,
    /// `p256-pub` (0x1200), a 33-octet compressed SEC1 point.
    P256,
    /// `p384-pub` (0x1201), a 49-octet compressed SEC1 point.
    P384,
    /// `p521-pub` (0x1202), a 67-octet compressed SEC1 point.
    P521,
    /// `secp256k1-pub` (0xe7), a 33-octet compressed SEC1 point.
    Secp256k1,
}

impl KeyKind {
    /// Every kind, with its multicodec code.
    pub const ALL: [(KeyKind, u64); 6] = [
        (KeyKind::X25519, 0xec),
        (KeyKind::Ed25519, 0xed),
        (KeyKind::P256, 0x1200),
        (KeyKind::P384, 0x1201),
        (KeyKind::P521, 0x1202),
        (KeyKind::Secp256k1, 0xe7),
    ];

    /// The multicodec code.
    pub fn code(self) -> u64 {
        KeyKind::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map_or(0, |(_, c)| *c)
    }

    /// The length of the key's encoding.
    pub fn key_len(self) -> usize {
        match self {
            KeyKind::X25519 | KeyKind::Ed25519 => 32,
            KeyKind::P256 | KeyKind::Secp256k1 => 33,
            KeyKind::P384 => 49,
            KeyKind::P521 => 67,
        }
    }

    fn of_code(code: u64) -> Option<KeyKind> {
        KeyKind::ALL
            .iter()
            .find(|(_, c)| *c == code)
            .map(|(k, _)| *k)
    }
}

/// Longer key text than this is refused before it is decoded (the longest key, P-521 with its
/// prefix, is 69 octets: under 100 base58 characters).
const MAX_TEXT: usize = 128;

/// Decodes bare base58 (the Bitcoin alphabet).
pub fn decode_base58(text: &str) -> Result<Vec<u8>, MethodProblem> {
    if text.len() > MAX_TEXT {
        return Err(MethodProblem::KeyLength {
            expected: MAX_TEXT,
            found: text.len(),
        });
    }
    bs58::decode(text)
        .into_vec()
        .map_err(|_| MethodProblem::NotBase58)
}

/// Decodes base58btc multibase text (`z…`).
pub fn decode_multibase(text: &str) -> Result<Vec<u8>, MethodProblem> {
    let rest = text.strip_prefix('z').ok_or(MethodProblem::NotBase58btc)?;
    decode_base58(rest)
}

/// Reads an unsigned varint (LEB128, as multicodec writes it) from the front of `bytes`: the
/// value and its length. At most 9 octets, and only its shortest encoding.
fn read_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(9) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            // A final zero octet after the first would be a longer encoding of the same value.
            if i > 0 && b == 0 {
                return None;
            }
            return Some((value, i + 1));
        }
    }
    None
}

fn write_varint(mut value: u64, out: &mut Vec<u8>) {
    loop {
        let b = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Decodes `publicKeyMultibase` text: base58btc of a multicodec code and the key, whose length
/// must be its kind's.
pub fn decode_multikey(text: &str) -> Result<(KeyKind, Vec<u8>), MethodProblem> {
    let bytes = decode_multibase(text)?;
    let (code, n) = read_varint(&bytes).ok_or(MethodProblem::UnknownCodec(0))?;
    let kind = KeyKind::of_code(code).ok_or(MethodProblem::UnknownCodec(code))?;
    let key = bytes[n..].to_vec();
    if key.len() != kind.key_len() {
        return Err(MethodProblem::KeyLength {
            expected: kind.key_len(),
            found: key.len(),
        });
    }
    Ok((kind, key))
}

/// The `publicKeyMultibase` text of a key: base58btc of its multicodec code and `key`.
pub fn encode_multikey(kind: KeyKind, key: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(key.len() + 2);
    write_varint(kind.code(), &mut bytes);
    bytes.extend_from_slice(key);
    format!("z{}", bs58::encode(bytes).into_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_are_read_in_their_shortest_form_only() {
        for (kind, code) in KeyKind::ALL {
            let mut out = Vec::new();
            write_varint(code, &mut out);
            assert_eq!(read_varint(&out), Some((code, out.len())), "{kind:?}");
        }
        assert_eq!(read_varint(&[0xed, 0x01]), Some((0xed, 2)));
        assert_eq!(read_varint(&[0xed, 0x81, 0x00]), None, "a padded encoding");
        assert_eq!(read_varint(&[0x80; 12]), None, "too long");
        assert_eq!(read_varint(&[]), None);
    }

    #[test]
    fn multikeys_round_trip_and_bad_ones_are_named() {
        for (kind, _) in KeyKind::ALL {
            let key = vec![7u8; kind.key_len()];
            let text = encode_multikey(kind, &key);
            assert_eq!(decode_multikey(&text), Ok((kind, key)), "{kind:?}");
        }
        assert_eq!(decode_multikey("f00"), Err(MethodProblem::NotBase58btc));
        assert_eq!(decode_multikey("z0OIl"), Err(MethodProblem::NotBase58));
        let short = encode_multikey(KeyKind::Ed25519, &[1; 31]);
        assert_eq!(
            decode_multikey(&short),
            Err(MethodProblem::KeyLength {
                expected: 32,
                found: 31
            })
        );
        let mut other = Vec::new();
        write_varint(0x12, &mut other); // sha2-256, not a key
        other.extend([0; 32]);
        let text = format!("z{}", bs58::encode(other).into_string());
        assert_eq!(
            decode_multikey(&text),
            Err(MethodProblem::UnknownCodec(0x12))
        );
        let long = format!("z{}", "1".repeat(400));
        assert!(matches!(
            decode_multikey(&long),
            Err(MethodProblem::KeyLength { .. })
        ));
    }
}
