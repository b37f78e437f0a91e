//! AES_CBC_HMAC_SHA2 (RFC 7518 §5.2): AES-CBC with PKCS #7 padding under the second half of
//! the key, HMAC over A ‖ IV ‖ E ‖ AL under the first half, the tag its first half.

use std::marker::PhantomData;

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::digest::KeyInit;
use hmac::Mac;
use subtle::ConstantTimeEq;

use super::pipeline;
use super::Cipher;
use crate::error::{Error, Result};
use crate::parallel::{Parallelism, DECRYPT_PIPELINE_MIN, ENCRYPT_PIPELINE_MIN};

/// The marker of the three types a [`CbcHmac`] is made of; it holds none of them.
type Parts<E, D, M> = PhantomData<fn() -> (E, D, M)>;

/// CBC-HMAC with the CBC encryptor `E` and decryptor `D` of one block cipher, HMAC `M` and a
/// tag of `TAG` octets.
pub(super) struct CbcHmac<E, D, M, const TAG: usize>(Parts<E, D, M>);

impl<E, D, M, const TAG: usize> CbcHmac<E, D, M, TAG> {
    pub(super) const NEW: Self = CbcHmac(PhantomData);
}

impl<E, D, M, const TAG: usize> Cipher for CbcHmac<E, D, M, TAG>
where
    E: KeyIvInit + BlockEncryptMut + Send,
    D: KeyIvInit + BlockDecryptMut + Send,
    M: Mac + KeyInit + Send,
{
    fn encrypt(
        &self,
        k: &[u8],
        iv: &[u8],
        aad: &[u8],
        buf: &mut Vec<u8>,
        parallelism: Parallelism,
    ) -> Result<Vec<u8>> {
        if parallelism.threads(buf.len(), ENCRYPT_PIPELINE_MIN / 2) > 1 {
            return pipeline::encrypt::<E, M>(k, iv, aad, buf, TAG);
        }
        encrypt::<E, M>(k, iv, aad, buf, TAG)
    }

    fn decrypt(
        &self,
        k: &[u8],
        iv: &[u8],
        aad: &[u8],
        buf: &mut Vec<u8>,
        tag: &[u8],
        parallelism: Parallelism,
    ) -> Result<()> {
        if parallelism.threads(buf.len(), DECRYPT_PIPELINE_MIN / 2) > 1 {
            return pipeline::decrypt::<D, M>(k, iv, aad, buf, tag);
        }
        decrypt::<D, M>(k, iv, aad, buf, tag)
    }
}

/// The full HMAC over A ‖ IV ‖ E ‖ AL (RFC 7518 §5.2.2.1 step 5).
pub(super) fn mac<M: Mac + KeyInit>(mac_key: &[u8], aad: &[u8], iv: &[u8], ct: &[u8]) -> Result<M> {
    let mut mac = <M as Mac>::new_from_slice(mac_key).map_err(|_| Error::Crypto)?;
    mac.update(aad);
    mac.update(iv);
    mac.update(ct);
    mac.update(&((aad.len() as u64) * 8).to_be_bytes());
    Ok(mac)
}

fn encrypt<C: KeyIvInit + BlockEncryptMut, M: Mac + KeyInit>(
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
    let full = mac::<M>(mac_key, aad, iv, buf)?.finalize().into_bytes();
    Ok(full[..tag_len].to_vec())
}

fn decrypt<C: KeyIvInit + BlockDecryptMut, M: Mac + KeyInit>(
    k: &[u8],
    iv: &[u8],
    aad: &[u8],
    buf: &mut Vec<u8>,
    tag: &[u8],
) -> Result<()> {
    let (mac_key, enc_key) = k.split_at(k.len() / 2);
    let full = mac::<M>(mac_key, aad, iv, buf)?.finalize().into_bytes();
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
