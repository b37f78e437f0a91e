//! The operating system's RNG, read once per message.
//!
//! A message needs an ephemeral private key, a content key and an IV: at most 146 octets (P-521
//! with A256CBC-HS512). Most of the cost of a `getrandom` call is the call itself, whatever the
//! length (see `benches/README.md`), so [`OsBatch`] reads them in one call and hands them out in
//! order.
//! Octets are wiped from the buffer as they are handed out, and the rest when it is dropped.
//! Anything the buffer cannot serve (a request longer than it, or a failed read) goes straight
//! to [`OsRng`], exactly as without it.

use rand_core::{CryptoRng, OsRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

const LEN: usize = 160;

/// [`OsRng`] read [`LEN`] octets at a time.
pub(crate) struct OsBatch {
    buf: Zeroizing<[u8; LEN]>,
    /// The next unread octet.
    pos: usize,
}

impl OsBatch {
    /// An empty batch: the first request reads the operating system's RNG.
    pub(crate) fn new() -> OsBatch {
        OsBatch {
            buf: Zeroizing::new([0; LEN]),
            pos: LEN,
        }
    }

    /// Fills `dest` from the buffer, refilling it first when it holds too few octets; `false`
    /// when it cannot.
    fn take(&mut self, dest: &mut [u8]) -> bool {
        if dest.len() > LEN {
            return false;
        }
        if LEN - self.pos < dest.len() {
            if OsRng.try_fill_bytes(&mut self.buf[..]).is_err() {
                return false;
            }
            self.pos = 0;
        }
        let end = self.pos + dest.len();
        dest.copy_from_slice(&self.buf[self.pos..end]);
        self.buf[self.pos..end].zeroize();
        self.pos = end;
        true
    }
}

impl RngCore for OsBatch {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }

    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if !self.take(dest) {
            OsRng.fill_bytes(dest);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        if self.take(dest) {
            Ok(())
        } else {
            OsRng.try_fill_bytes(dest)
        }
    }
}

impl CryptoRng for OsBatch {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_out_each_octet_once_and_wipes_it() {
        let mut rng = OsBatch::new();
        let mut a = [0u8; 100];
        rng.fill_bytes(&mut a);
        // What was handed out is gone from the buffer; the rest is still unread.
        assert!(rng.buf[..100].iter().all(|&b| b == 0));
        assert_eq!(rng.pos, 100);
        let unread = rng.buf[100..].to_vec();
        let mut b = [0u8; 60];
        rng.fill_bytes(&mut b);
        assert_eq!(&b[..], &unread[..]);
        assert_eq!(rng.pos, LEN);
        // Too few left: a fresh read, from the start of the buffer.
        let mut c = [0u8; 8];
        rng.try_fill_bytes(&mut c).unwrap();
        assert_eq!(rng.pos, 8);
        // Longer than the buffer: straight from the operating system.
        let mut long = [0u8; 2 * LEN];
        rng.fill_bytes(&mut long);
        assert_eq!(rng.pos, 8);
        assert!(long.iter().any(|&x| x != 0));
        // Two batches do not repeat each other.
        let mut other = OsBatch::new();
        let mut d = [0u8; 32];
        other.fill_bytes(&mut d);
        assert_ne!(d, a[..32]);
    }
}
