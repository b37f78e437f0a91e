//! AES Key Wrap (RFC 3394 with the default IV), as JOSE `A128KW`, `A192KW` and `A256KW`
//! (RFC 7518 §4.4).

use aes_kw::{KekAes128, KekAes192, KekAes256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// A key-wrapping algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyWrap {
    /// AES-128 Key Wrap.
    A128Kw,
    /// AES-192 Key Wrap.
    A192Kw,
    /// AES-256 Key Wrap.
    A256Kw,
}

impl KeyWrap {
    /// The KEK length in octets.
    pub fn key_len(self) -> usize {
        match self {
            KeyWrap::A128Kw => 16,
            KeyWrap::A192Kw => 24,
            KeyWrap::A256Kw => 32,
        }
    }
}

/// Wraps `key_data` (a multiple of 8 octets, at least 16) under `kek`.
pub fn wrap(alg: KeyWrap, kek: &[u8], key_data: &[u8]) -> Result<Vec<u8>> {
    check_kek(alg, kek)?;
    if key_data.len() < 16 || key_data.len() % 8 != 0 {
        return Err(Error::InvalidLength {
            name: "key to wrap",
            expected: key_data.len().max(16).next_multiple_of(8),
            found: key_data.len(),
        });
    }
    let mut out = vec![0u8; key_data.len() + 8];
    let done = match alg {
        KeyWrap::A128Kw => KekAes128::new(kek.into()).wrap(key_data, &mut out),
        KeyWrap::A192Kw => KekAes192::new(kek.into()).wrap(key_data, &mut out),
        KeyWrap::A256Kw => KekAes256::new(kek.into()).wrap(key_data, &mut out),
    };
    done.map_err(|_| Error::Crypto)?;
    Ok(out)
}

/// Unwraps `wrapped` under `kek`. Any failure — wrong length or a failed integrity check — is
/// [`Error::Crypto`].
pub fn unwrap(alg: KeyWrap, kek: &[u8], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    check_kek(alg, kek)?;
    if wrapped.len() < 24 || wrapped.len() % 8 != 0 {
        return Err(Error::Crypto);
    }
    let mut out = Zeroizing::new(vec![0u8; wrapped.len() - 8]);
    let done = match alg {
        KeyWrap::A128Kw => KekAes128::new(kek.into()).unwrap(wrapped, &mut out),
        KeyWrap::A192Kw => KekAes192::new(kek.into()).unwrap(wrapped, &mut out),
        KeyWrap::A256Kw => KekAes256::new(kek.into()).unwrap(wrapped, &mut out),
    };
    done.map_err(|_| Error::Crypto)?;
    Ok(out)
}

fn check_kek(alg: KeyWrap, kek: &[u8]) -> Result<()> {
    if kek.len() != alg.key_len() {
        return Err(Error::InvalidLength {
            name: "key-encryption key",
            expected: alg.key_len(),
            found: kek.len(),
        });
    }
    Ok(())
}
