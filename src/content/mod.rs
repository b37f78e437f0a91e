//! Content encryption: AES_CBC_HMAC_SHA2 (RFC 7518 §5.2), AES-GCM (RFC 7518 §5.3) and
//! XChaCha20-Poly1305 (`XC20P`, draft-amringer-jose-chacha).
//!
//! Decryption verifies the tag first, in constant time, and only then touches the ciphertext:
//! with CBC-HMAC no padding is examined and no plaintext octet is produced unless the tag is
//! valid. Every failure is [`Error::Crypto`].
//!
//! Each `enc` is one [`Cipher`] value, chosen once by [`cipher`]: the CBC-HMAC family in
//! `cbc_hmac` (with its two-core form in `pipeline`), the AEADs here.

mod cbc_hmac;
mod pipeline;

use std::fmt;
use std::marker::PhantomData;

use aes_gcm::aead::{AeadInPlace, KeyInit};
use hmac::Hmac;
use rand_core::CryptoRngCore;
use zeroize::{Zeroize, Zeroizing};

pub use crate::names::Enc;

use crate::error::{echo, Error, Result};
use crate::parallel::Parallelism;
use cbc_hmac::CbcHmac;

impl Enc {
    /// Parses an `enc` header value.
    pub fn from_name(name: &str) -> Result<Enc> {
        Enc::ALL
            .into_iter()
            .find(|e| e.name() == name)
            .ok_or_else(|| Error::UnsupportedEnc(echo(name)))
    }
}

/// A content encryption key. Zeroizes on drop; `Debug` shows only its length.
#[derive(Clone)]
pub struct ContentKey(Zeroizing<Vec<u8>>);

impl zeroize::ZeroizeOnDrop for ContentKey {}

impl ContentKey {
    /// Draws a fresh key for `enc` from the operating system's RNG.
    pub fn generate(enc: Enc) -> ContentKey {
        ContentKey::generate_with_rng(enc, &mut rand_core::OsRng)
    }

    /// Draws a fresh key for `enc` from `rng`.
    pub fn generate_with_rng(enc: Enc, rng: &mut impl CryptoRngCore) -> ContentKey {
        let mut key = Zeroizing::new(vec![0u8; enc.key_len()]);
        rng.fill_bytes(&mut key);
        ContentKey(key)
    }

    /// Wraps existing key octets; the length must match `enc`.
    pub fn from_bytes(enc: Enc, bytes: &[u8]) -> Result<ContentKey> {
        ContentKey::from_zeroizing(enc, Zeroizing::new(bytes.to_vec()))
    }

    pub(crate) fn from_zeroizing(enc: Enc, bytes: Zeroizing<Vec<u8>>) -> Result<ContentKey> {
        if bytes.len() != enc.key_len() {
            return Err(Error::InvalidLength {
                name: "content encryption key",
                expected: enc.key_len(),
                found: bytes.len(),
            });
        }
        Ok(ContentKey(bytes))
    }

    /// The key octets.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for ContentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentKey(<{} octets redacted>)", self.0.len())
    }
}

/// A decrypted plaintext, zeroized when dropped.
///
/// It dereferences to `[u8]`. The wipe runs over the whole allocation as one bulk write (the
/// `zeroize` crate's slice path), so dropping a megabyte costs a memset, not a loop of byte-wide
/// volatile stores. `Debug` shows only the length.
#[derive(Default, PartialEq, Eq)]
pub struct Plaintext(Vec<u8>);

impl Plaintext {
    pub(crate) fn new(bytes: Vec<u8>) -> Plaintext {
        Plaintext(bytes)
    }

    /// The plaintext octets.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Moves the octets out into a buffer that still zeroizes on drop.
    pub fn into_zeroizing(mut self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(std::mem::take(&mut self.0))
    }
}

impl std::ops::Deref for Plaintext {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Plaintext {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Zeroize for Plaintext {
    fn zeroize(&mut self) {
        self.0.as_mut_slice().zeroize();
        self.0.spare_capacity_mut().zeroize();
        self.0.clear();
    }
}

impl Drop for Plaintext {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for Plaintext {}

impl fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Plaintext(<{} octets>)", self.0.len())
    }
}

/// One content encryption algorithm: encryption and decryption in place, for keys and IVs of
/// the lengths its [`Enc`] requires.
pub(crate) trait Cipher: Sync {
    /// Encrypts `buf` in place (it grows by any padding) and returns the tag.
    fn encrypt(
        &self,
        k: &[u8],
        iv: &[u8],
        aad: &[u8],
        buf: &mut Vec<u8>,
        parallelism: Parallelism,
    ) -> Result<Vec<u8>>;

    /// Verifies `tag` and then decrypts `buf` in place, leaving exactly the plaintext.
    fn decrypt(
        &self,
        k: &[u8],
        iv: &[u8],
        aad: &[u8],
        buf: &mut Vec<u8>,
        tag: &[u8],
        parallelism: Parallelism,
    ) -> Result<()>;
}

type Cbc128Enc = cbc::Encryptor<aes::Aes128>;
type Cbc128Dec = cbc::Decryptor<aes::Aes128>;
type Cbc192Enc = cbc::Encryptor<aes::Aes192>;
type Cbc192Dec = cbc::Decryptor<aes::Aes192>;
type Cbc256Enc = cbc::Encryptor<aes::Aes256>;
type Cbc256Dec = cbc::Decryptor<aes::Aes256>;
type A192Gcm = aes_gcm::AesGcm<aes::Aes192, aes_gcm::aead::consts::U12>;

/// The one place an [`Enc`] becomes code.
pub(crate) fn cipher(enc: Enc) -> &'static dyn Cipher {
    match enc {
        Enc::A128CbcHs256 => &CbcHmac::<Cbc128Enc, Cbc128Dec, Hmac<sha2::Sha256>, 16>::NEW,
        Enc::A192CbcHs384 => &CbcHmac::<Cbc192Enc, Cbc192Dec, Hmac<sha2::Sha384>, 24>::NEW,
        Enc::A256CbcHs512 => &CbcHmac::<Cbc256Enc, Cbc256Dec, Hmac<sha2::Sha512>, 32>::NEW,
        Enc::A128Gcm => &Aead::<aes_gcm::Aes128Gcm>::NEW,
        Enc::A192Gcm => &Aead::<A192Gcm>::NEW,
        Enc::A256Gcm => &Aead::<aes_gcm::Aes256Gcm>::NEW,
        Enc::XC20P => &Aead::<chacha20poly1305::XChaCha20Poly1305>::NEW,
    }
}

/// Encrypts `buf` in place (it grows by the CBC padding) and returns the tag.
///
/// `cek` and `iv` must have the lengths `enc` requires.
pub fn encrypt_in_place(
    enc: Enc,
    cek: &ContentKey,
    iv: &[u8],
    aad: &[u8],
    buf: &mut Vec<u8>,
) -> Result<Vec<u8>> {
    encrypt_in_place_with(enc, cek, iv, aad, buf, Parallelism::Auto)
}

/// [`encrypt_in_place`], choosing whether a large CBC-HMAC payload may be encrypted on one core
/// while the other computes the HMAC.
pub fn encrypt_in_place_with(
    enc: Enc,
    cek: &ContentKey,
    iv: &[u8],
    aad: &[u8],
    buf: &mut Vec<u8>,
    parallelism: Parallelism,
) -> Result<Vec<u8>> {
    check_lengths(enc, cek, iv)?;
    cipher(enc).encrypt(cek.as_bytes(), iv, aad, buf, parallelism)
}

/// Verifies `tag` and decrypts `buf` in place; on success `buf` holds exactly the plaintext.
/// On any failure `buf` is cleared and [`Error::Crypto`] is returned.
pub fn decrypt_in_place(
    enc: Enc,
    cek: &ContentKey,
    iv: &[u8],
    aad: &[u8],
    buf: &mut Vec<u8>,
    tag: &[u8],
) -> Result<()> {
    decrypt_in_place_with(enc, cek, iv, aad, buf, tag, Parallelism::Auto)
}

/// [`decrypt_in_place`], choosing whether a large CBC-HMAC payload may be decrypted on one core
/// while the other verifies the HMAC. Either way no padding is examined and nothing is returned
/// unless the tag verifies.
pub fn decrypt_in_place_with(
    enc: Enc,
    cek: &ContentKey,
    iv: &[u8],
    aad: &[u8],
    buf: &mut Vec<u8>,
    tag: &[u8],
    parallelism: Parallelism,
) -> Result<()> {
    check_lengths(enc, cek, iv)?;
    if tag.len() != enc.tag_len() {
        return Err(Error::InvalidLength {
            name: "tag",
            expected: enc.tag_len(),
            found: tag.len(),
        });
    }
    let done = cipher(enc).decrypt(cek.as_bytes(), iv, aad, buf, tag, parallelism);
    if done.is_err() {
        buf.zeroize();
        buf.clear();
    }
    done
}

fn check_lengths(enc: Enc, cek: &ContentKey, iv: &[u8]) -> Result<()> {
    if cek.as_bytes().len() != enc.key_len() {
        return Err(Error::Crypto);
    }
    if iv.len() != enc.iv_len() {
        return Err(Error::InvalidLength {
            name: "iv",
            expected: enc.iv_len(),
            found: iv.len(),
        });
    }
    Ok(())
}

/// An AEAD (AES-GCM, XChaCha20-Poly1305) as a [`Cipher`].
struct Aead<A>(PhantomData<fn() -> A>);

impl<A> Aead<A> {
    const NEW: Aead<A> = Aead(PhantomData);
}

impl<A: AeadInPlace + KeyInit> Cipher for Aead<A> {
    fn encrypt(
        &self,
        k: &[u8],
        iv: &[u8],
        aad: &[u8],
        buf: &mut Vec<u8>,
        _: Parallelism,
    ) -> Result<Vec<u8>> {
        let cipher = A::new_from_slice(k).map_err(|_| Error::Crypto)?;
        let tag = cipher
            .encrypt_in_place_detached(iv.into(), aad, buf)
            .map_err(|_| Error::Crypto)?;
        Ok(tag.to_vec())
    }

    fn decrypt(
        &self,
        k: &[u8],
        iv: &[u8],
        aad: &[u8],
        buf: &mut Vec<u8>,
        tag: &[u8],
        _: Parallelism,
    ) -> Result<()> {
        let cipher = A::new_from_slice(k).map_err(|_| Error::Crypto)?;
        cipher
            .decrypt_in_place_detached(iv.into(), aad, buf, tag.into())
            .map_err(|_| Error::Crypto)
    }
}
