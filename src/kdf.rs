//! The Concat KDF of NIST SP 800-56A with SHA-256, laid out as RFC 7518 §4.6.2 and the
//! ECDH-1PU draft §2.3 require.

use zeroize::Zeroizing;

use crate::agreement::SharedSecret;
use crate::error::{Error, Result};

/// The FixedInfo inputs of one derivation.
#[derive(Debug, Clone, Copy)]
pub struct FixedInfo<'a> {
    /// AlgorithmID: the `alg` value in key-wrap mode, the `enc` value in direct mode.
    pub algorithm_id: &'a str,
    /// PartyUInfo: the base64url-decoded `apu` (empty when absent).
    pub apu: &'a [u8],
    /// PartyVInfo: the base64url-decoded `apv` (empty when absent).
    pub apv: &'a [u8],
    /// keydatalen in bits.
    pub key_bits: u32,
    /// The JWE authentication tag, for ECDH-1PU key-wrap mode only.
    pub cctag: Option<&'a [u8]>,
}

impl FixedInfo<'_> {
    /// The FixedInfo octets: AlgorithmID ‖ PartyUInfo ‖ PartyVInfo ‖ SuppPubInfo, where the first
    /// three carry a 32-bit big-endian length prefix and SuppPubInfo is keydatalen, followed for
    /// 1PU key wrap by the length-prefixed tag.
    pub fn to_bytes(&self) -> Vec<u8> {
        let tag_len = self.cctag.map_or(0, |t| 4 + t.len());
        let mut out = Vec::with_capacity(
            16 + self.algorithm_id.len() + self.apu.len() + self.apv.len() + tag_len,
        );
        for part in [self.algorithm_id.as_bytes(), self.apu, self.apv] {
            out.extend_from_slice(&len32(part.len()));
            out.extend_from_slice(part);
        }
        out.extend_from_slice(&self.key_bits.to_be_bytes());
        if let Some(tag) = self.cctag {
            out.extend_from_slice(&len32(tag.len()));
            out.extend_from_slice(tag);
        }
        out
    }
}

fn len32(len: usize) -> [u8; 4] {
    // Every input is bounded far below 4 GiB by the envelope size limit.
    u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes()
}

/// Derives `key_bits / 8` octets from Z and FixedInfo, running as many SHA-256 rounds as needed.
pub fn derive(z: &SharedSecret, info: &FixedInfo<'_>) -> Result<Zeroizing<Vec<u8>>> {
    let mut key = Zeroizing::new(vec![0u8; (info.key_bits / 8) as usize]);
    concat_kdf::derive_key_into::<sha2::Sha256>(z.as_bytes(), &info.to_bytes(), &mut key)
        .map_err(|_| Error::Crypto)?;
    Ok(key)
}
