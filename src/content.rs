//! Content encryption: AES_CBC_HMAC_SHA2 (RFC 7518 §5.2), AES-GCM (RFC 7518 §5.3) and
//! XChaCha20-Poly1305 (`XC20P`, draft-amringer-jose-chacha).
//!
//! Decryption verifies the tag first, in constant time, and only then touches the ciphertext:
//! with CBC-HMAC no padding is examined and no plaintext octet is produced unless the tag is
//! valid. Every failure is [`Error::Crypto`].

use std::fmt;

use aes_gcm::aead::{AeadInPlace, KeyInit};
use cbc::cipher::block_padding::{Padding, Pkcs7};
use cbc::cipher::consts::U16;
use cbc::cipher::generic_array::GenericArray;
use cbc::cipher::inout::InOutBuf;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::{Hmac, Mac};
use rand_core::CryptoRngCore;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::cache::Parallelism;
use crate::error::{Error, Result};

/// A content encryption algorithm (`enc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Enc {
    /// AES-128-CBC with HMAC-SHA-256, 256-bit key.
    A128CbcHs256,
    /// AES-192-CBC with HMAC-SHA-384, 384-bit key.
    A192CbcHs384,
    /// AES-256-CBC with HMAC-SHA-512, 512-bit key.
    A256CbcHs512,
    /// AES-128-GCM.
    A128Gcm,
    /// AES-192-GCM.
    A192Gcm,
    /// AES-256-GCM.
    A256Gcm,
    /// XChaCha20-Poly1305.
    XC20P,
}

impl Enc {
    /// Every supported `enc`.
    pub const ALL: [Enc; 7] = [
        Enc::A128CbcHs256,
        Enc::A192CbcHs384,
        Enc::A256CbcHs512,
        Enc::A128Gcm,
        Enc::A192Gcm,
        Enc::A256Gcm,
        Enc::XC20P,
    ];

    /// The `enc` header value.
    pub fn name(self) -> &'static str {
        match self {
            Enc::A128CbcHs256 => "A128CBC-HS256",
            Enc::A192CbcHs384 => "A192CBC-HS384",
            Enc::A256CbcHs512 => "A256CBC-HS512",
            Enc::A128Gcm => "A128GCM",
            Enc::A192Gcm => "A192GCM",
            Enc::A256Gcm => "A256GCM",
            Enc::XC20P => "XC20P",
        }
    }

    /// Parses an `enc` header value.
    pub fn from_name(name: &str) -> Result<Enc> {
        Enc::ALL
            .into_iter()
            .find(|e| e.name() == name)
            .ok_or_else(|| Error::UnsupportedEnc(name.chars().take(64).collect()))
    }

    /// Content encryption key length in octets.
    pub fn key_len(self) -> usize {
        match self {
            Enc::A128CbcHs256 => 32,
            Enc::A192CbcHs384 => 48,
            Enc::A256CbcHs512 => 64,
            Enc::A128Gcm => 16,
            Enc::A192Gcm => 24,
            Enc::A256Gcm | Enc::XC20P => 32,
        }
    }

    /// Initialization vector length in octets.
    pub fn iv_len(self) -> usize {
        match self {
            Enc::A128CbcHs256 | Enc::A192CbcHs384 | Enc::A256CbcHs512 => 16,
            Enc::A128Gcm | Enc::A192Gcm | Enc::A256Gcm => 12,
            Enc::XC20P => 24,
        }
    }

    /// Authentication tag length in octets.
    pub fn tag_len(self) -> usize {
        match self {
            Enc::A128CbcHs256 => 16,
            Enc::A192CbcHs384 => 24,
            Enc::A256CbcHs512 => 32,
            _ => 16,
        }
    }

    /// Whether this is one of the AES_CBC_HMAC_SHA2 algorithms, the only compactly committing
    /// ones, and so the only ones ECDH-1PU key wrapping accepts.
    pub fn is_cbc_hmac(self) -> bool {
        matches!(
            self,
            Enc::A128CbcHs256 | Enc::A192CbcHs384 | Enc::A256CbcHs512
        )
    }

    /// Length of the ciphertext for a plaintext of `len` octets.
    pub fn ciphertext_len(self, len: usize) -> usize {
        if self.is_cbc_hmac() {
            (len / 16 + 1) * 16
        } else {
            len
        }
    }
}

impl std::fmt::Display for Enc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
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

/// Payloads from this size on are encrypted with AES-CBC and HMAC on two cores (when allowed):
/// below it, starting a thread costs more than the overlap saves.
pub(crate) const ENCRYPT_PIPELINE_MIN: usize = 128 * 1024;

/// Whether encrypting `len` octets with `enc` takes both cores itself (the CBC/HMAC pipeline).
pub(crate) fn pipelined(enc: Enc, len: usize, parallelism: Parallelism) -> bool {
    enc.is_cbc_hmac() && parallelism.threads(len, ENCRYPT_PIPELINE_MIN / 2) > 1
}

/// The same for decryption, where only the (fast) CBC decryption overlaps the HMAC.
pub(crate) const DECRYPT_PIPELINE_MIN: usize = 512 * 1024;
const PIPELINE_CHUNK: usize = 32 * 1024;

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
    let k = cek.as_bytes();
    if pipelined(enc, buf.len(), parallelism) {
        return match enc {
            Enc::A128CbcHs256 => cbc_encrypt_pipelined::<
                cbc::Encryptor<aes::Aes128>,
                Hmac<sha2::Sha256>,
            >(k, iv, aad, buf, 16),
            Enc::A192CbcHs384 => cbc_encrypt_pipelined::<
                cbc::Encryptor<aes::Aes192>,
                Hmac<sha2::Sha384>,
            >(k, iv, aad, buf, 24),
            _ => cbc_encrypt_pipelined::<cbc::Encryptor<aes::Aes256>, Hmac<sha2::Sha512>>(
                k, iv, aad, buf, 32,
            ),
        };
    }
    match enc {
        Enc::A128CbcHs256 => {
            cbc_encrypt::<cbc::Encryptor<aes::Aes128>, Hmac<sha2::Sha256>>(k, iv, aad, buf, 16)
        }
        Enc::A192CbcHs384 => {
            cbc_encrypt::<cbc::Encryptor<aes::Aes192>, Hmac<sha2::Sha384>>(k, iv, aad, buf, 24)
        }
        Enc::A256CbcHs512 => {
            cbc_encrypt::<cbc::Encryptor<aes::Aes256>, Hmac<sha2::Sha512>>(k, iv, aad, buf, 32)
        }
        Enc::A128Gcm => aead_encrypt::<aes_gcm::Aes128Gcm>(k, iv, aad, buf),
        Enc::A192Gcm => aead_encrypt::<aes_gcm::AesGcm<aes::Aes192, aes_gcm::aead::consts::U12>>(
            k, iv, aad, buf,
        ),
        Enc::A256Gcm => aead_encrypt::<aes_gcm::Aes256Gcm>(k, iv, aad, buf),
        Enc::XC20P => aead_encrypt::<chacha20poly1305::XChaCha20Poly1305>(k, iv, aad, buf),
    }
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
    let k = cek.as_bytes();
    if enc.is_cbc_hmac() && parallelism.threads(buf.len(), DECRYPT_PIPELINE_MIN / 2) > 1 {
        let done = match enc {
            Enc::A128CbcHs256 => cbc_decrypt_pipelined::<
                cbc::Decryptor<aes::Aes128>,
                Hmac<sha2::Sha256>,
            >(k, iv, aad, buf, tag),
            Enc::A192CbcHs384 => cbc_decrypt_pipelined::<
                cbc::Decryptor<aes::Aes192>,
                Hmac<sha2::Sha384>,
            >(k, iv, aad, buf, tag),
            _ => cbc_decrypt_pipelined::<cbc::Decryptor<aes::Aes256>, Hmac<sha2::Sha512>>(
                k, iv, aad, buf, tag,
            ),
        };
        if done.is_err() {
            buf.zeroize();
            buf.clear();
        }
        return done;
    }
    let done = match enc {
        Enc::A128CbcHs256 => {
            cbc_decrypt::<cbc::Decryptor<aes::Aes128>, Hmac<sha2::Sha256>>(k, iv, aad, buf, tag)
        }
        Enc::A192CbcHs384 => {
            cbc_decrypt::<cbc::Decryptor<aes::Aes192>, Hmac<sha2::Sha384>>(k, iv, aad, buf, tag)
        }
        Enc::A256CbcHs512 => {
            cbc_decrypt::<cbc::Decryptor<aes::Aes256>, Hmac<sha2::Sha512>>(k, iv, aad, buf, tag)
        }
        Enc::A128Gcm => aead_decrypt::<aes_gcm::Aes128Gcm>(k, iv, aad, buf, tag),
        Enc::A192Gcm => aead_decrypt::<aes_gcm::AesGcm<aes::Aes192, aes_gcm::aead::consts::U12>>(
            k, iv, aad, buf, tag,
        ),
        Enc::A256Gcm => aead_decrypt::<aes_gcm::Aes256Gcm>(k, iv, aad, buf, tag),
        Enc::XC20P => aead_decrypt::<chacha20poly1305::XChaCha20Poly1305>(k, iv, aad, buf, tag),
    };
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

/// The full HMAC over A ‖ IV ‖ E ‖ AL (RFC 7518 §5.2.2.1 step 5).
fn cbc_mac<M: Mac + KeyInit>(mac_key: &[u8], aad: &[u8], iv: &[u8], ct: &[u8]) -> Result<M> {
    let mut mac = <M as Mac>::new_from_slice(mac_key).map_err(|_| Error::Crypto)?;
    mac.update(aad);
    mac.update(iv);
    mac.update(ct);
    mac.update(&((aad.len() as u64) * 8).to_be_bytes());
    Ok(mac)
}

fn cbc_encrypt<C: KeyIvInit + BlockEncryptMut, M: Mac + KeyInit>(
    k: &[u8],
    iv: &[u8],
    aad: &[u8],
    buf: &mut Vec<u8>,
    tag_len: usize,
) -> Result<Vec<u8>> {
    let (mac_key, enc_key) = k.split_at(k.len() / 2);
    let len = buf.len();
    buf.resize((len / 16 + 1) * 16, 0);
    let cipher = C::new_from_slices(enc_key, iv).map_err(|_| Error::Crypto)?;
    let ct_len = cipher
        .encrypt_padded_mut::<Pkcs7>(buf, len)
        .map_err(|_| Error::Crypto)?
        .len();
    buf.truncate(ct_len);
    let full = cbc_mac::<M>(mac_key, aad, iv, buf)?.finalize().into_bytes();
    Ok(full[..tag_len].to_vec())
}

fn cbc_decrypt<C: KeyIvInit + BlockDecryptMut, M: Mac + KeyInit>(
    k: &[u8],
    iv: &[u8],
    aad: &[u8],
    buf: &mut Vec<u8>,
    tag: &[u8],
) -> Result<()> {
    let (mac_key, enc_key) = k.split_at(k.len() / 2);
    let full = cbc_mac::<M>(mac_key, aad, iv, buf)?.finalize().into_bytes();
    // Constant-time comparison of the truncated MAC; nothing below runs unless it matches.
    if !bool::from(full[..tag.len()].ct_eq(tag)) {
        return Err(Error::Crypto);
    }
    if buf.is_empty() || buf.len() % 16 != 0 {
        return Err(Error::Crypto);
    }
    let cipher = C::new_from_slices(enc_key, iv).map_err(|_| Error::Crypto)?;
    let pt_len = cipher
        .decrypt_padded_mut::<Pkcs7>(buf)
        .map_err(|_| Error::Crypto)?
        .len();
    buf.truncate(pt_len);
    Ok(())
}

/// The cipher under the second half of `k` and the HMAC under the first half, already fed
/// A ‖ IV (RFC 7518 §5.2.2.1).
fn cbc_start<C: KeyIvInit, M: Mac + KeyInit>(k: &[u8], iv: &[u8], aad: &[u8]) -> Result<(C, M)> {
    let (mac_key, enc_key) = k.split_at(k.len() / 2);
    let cipher = C::new_from_slices(enc_key, iv).map_err(|_| Error::Crypto)?;
    let mut mac = <M as Mac>::new_from_slice(mac_key).map_err(|_| Error::Crypto)?;
    mac.update(aad);
    mac.update(iv);
    Ok((cipher, mac))
}

/// CBC encryption of each chunk on this thread, HMAC of each finished chunk on a helper from
/// rayon's pool. This side never waits for the helper until the end, so a pool with no free
/// thread only delays the HMAC.
fn cbc_encrypt_pipelined<C: KeyIvInit + BlockEncryptMut + Send, M: Mac + KeyInit + Send>(
    k: &[u8],
    iv: &[u8],
    aad: &[u8],
    buf: &mut Vec<u8>,
    tag_len: usize,
) -> Result<Vec<u8>> {
    let len = buf.len();
    let pad = 16 - len % 16;
    buf.resize(len + pad, pad as u8);
    let (mut cipher, mut mac) = cbc_start::<C, M>(k, iv, aad)?;
    let (tx, rx) = std::sync::mpsc::channel::<&[u8]>();
    let (mac_tx, mac_rx) = std::sync::mpsc::channel::<M>();
    rayon::in_place_scope(|s| {
        s.spawn(move |_| {
            for chunk in rx {
                mac.update(chunk);
            }
            // The receiver lives until the scope ends, so this cannot fail.
            let _ = mac_tx.send(mac);
        });
        for chunk in buf.chunks_mut(PIPELINE_CHUNK) {
            let (blocks, _) = InOutBuf::from(&mut *chunk).into_chunks();
            cipher.encrypt_blocks_inout_mut(blocks);
            let done: &[u8] = chunk;
            if tx.send(done).is_err() {
                break;
            }
        }
        drop(tx);
    });
    let mut mac = mac_rx.recv().map_err(|_| Error::Crypto)?;
    mac.update(&((aad.len() as u64) * 8).to_be_bytes());
    let full = mac.finalize().into_bytes();
    Ok(full[..tag_len].to_vec())
}

/// HMAC of each chunk on this thread; CBC decryption of each chunk, once authenticated-so-far,
/// on a helper from rayon's pool (as for encryption). Nothing leaves this function unless the
/// whole tag verifies, and the padding is read only then; on failure the buffer is wiped.
fn cbc_decrypt_pipelined<C: KeyIvInit + BlockDecryptMut + Send, M: Mac + KeyInit + Send>(
    k: &[u8],
    iv: &[u8],
    aad: &[u8],
    buf: &mut Vec<u8>,
    tag: &[u8],
) -> Result<()> {
    if buf.is_empty() || buf.len() % 16 != 0 {
        return Err(Error::Crypto);
    }
    let (mut cipher, mut mac) = cbc_start::<C, M>(k, iv, aad)?;
    let (tx, rx) = std::sync::mpsc::channel::<&mut [u8]>();
    rayon::in_place_scope(|s| {
        // The HMAC is the long pole; the decrypting side polls instead of sleeping so that
        // handing it a chunk never costs the HMAC side a wake-up call.
        s.spawn(move |_| loop {
            match rx.try_recv() {
                Ok(chunk) => {
                    let (blocks, _) = InOutBuf::from(chunk).into_chunks();
                    cipher.decrypt_blocks_inout_mut(blocks);
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => std::thread::yield_now(),
                Err(std::sync::mpsc::TryRecvError::Disconnected) => break,
            }
        });
        for chunk in buf.chunks_mut(PIPELINE_CHUNK) {
            mac.update(chunk);
            if tx.send(chunk).is_err() {
                break;
            }
        }
        drop(tx);
    });
    mac.update(&((aad.len() as u64) * 8).to_be_bytes());
    let full = mac.finalize().into_bytes();
    if !bool::from(full[..tag.len()].ct_eq(tag)) {
        return Err(Error::Crypto);
    }
    let len = buf.len();
    let last = GenericArray::from_slice(&buf[len - 16..]);
    let kept = <Pkcs7 as Padding<U16>>::unpad(last)
        .map_err(|_| Error::Crypto)?
        .len();
    buf.truncate(len - 16 + kept);
    Ok(())
}

fn aead_encrypt<A: AeadInPlace + KeyInit>(
    k: &[u8],
    iv: &[u8],
    aad: &[u8],
    buf: &mut [u8],
) -> Result<Vec<u8>> {
    let cipher = A::new_from_slice(k).map_err(|_| Error::Crypto)?;
    let tag = cipher
        .encrypt_in_place_detached(iv.into(), aad, buf)
        .map_err(|_| Error::Crypto)?;
    Ok(tag.to_vec())
}

fn aead_decrypt<A: AeadInPlace + KeyInit>(
    k: &[u8],
    iv: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8],
) -> Result<()> {
    let cipher = A::new_from_slice(k).map_err(|_| Error::Crypto)?;
    cipher
        .decrypt_in_place_detached(iv.into(), aad, buf, tag.into())
        .map_err(|_| Error::Crypto)
}
