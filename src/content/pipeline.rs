//! CBC-HMAC on two cores for large payloads: the CBC pass on one, the HMAC on the other, chunk
//! by chunk, with the same results as the one-core code.

use cbc::cipher::block_padding::{Padding, Pkcs7};
use cbc::cipher::consts::U16;
use cbc::cipher::generic_array::GenericArray;
use cbc::cipher::inout::InOutBuf;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::digest::KeyInit;
use hmac::Mac;
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};

/// The size of the pieces handed between the two cores.
const PIPELINE_CHUNK: usize = 32 * 1024;

/// CBC encryption of each chunk on this thread, HMAC of each finished chunk on a helper from
/// rayon's pool. This side never waits for the helper until the end, so a pool with no free
/// thread only delays the HMAC.
pub(super) fn encrypt<C: KeyIvInit + BlockEncryptMut + Send, M: Mac + KeyInit + Send>(
    k: &[u8],
    iv: &[u8],
    aad: &[u8],
    buf: &mut Vec<u8>,
    tag_len: usize,
) -> Result<Vec<u8>> {
    let len = buf.len();
    let pad = 16 - len % 16;
    buf.resize(len + pad, pad as u8);
    let (mut cipher, mut mac) = start::<C, M>(k, iv, aad)?;
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
pub(super) fn decrypt<C: KeyIvInit + BlockDecryptMut + Send, M: Mac + KeyInit + Send>(
    k: &[u8],
    iv: &[u8],
    aad: &[u8],
    buf: &mut Vec<u8>,
    tag: &[u8],
) -> Result<()> {
    if buf.is_empty() || buf.len() % 16 != 0 {
        return Err(Error::Crypto);
    }
    let (mut cipher, mut mac) = start::<C, M>(k, iv, aad)?;
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

/// The cipher under the second half of `k` and the HMAC under the first half, already fed
/// A ‖ IV (RFC 7518 §5.2.2.1).
fn start<C: KeyIvInit, M: Mac + KeyInit>(k: &[u8], iv: &[u8], aad: &[u8]) -> Result<(C, M)> {
    let (mac_key, enc_key) = k.split_at(k.len() / 2);
    let cipher = C::new_from_slices(enc_key, iv).map_err(|_| Error::Crypto)?;
    let mut mac = <M as Mac>::new_from_slice(mac_key).map_err(|_| Error::Crypto)?;
    mac.update(aad);
    mac.update(iv);
    Ok((cipher, mac))
}
