//! The two JSON readers of untrusted input.
//!
//! `strict` is the general reader: serde_json with duplicate member names rejected at every
//! level and the nesting depth bounded while parsing. `fast` reads only the common shapes of a
//! DIDComm envelope, protected header and plaintext message, and gives up on anything else, so
//! that the general reader decides every rejection. Both must give the same result wherever the
//! fast one answers; the fuzz targets check that they do.

pub(crate) mod fast;
mod strict;

pub(crate) use strict::{
    opt_str, parse_envelope, parse_object, parse_strict, req_str, RawEnvelope, StrMembers,
    WipedKey, WipedValue,
};

/// Every input of the fuzz corpus that the readers are checked on, from the corpus folders
/// the repository keeps (tests run from its root).
#[cfg(test)]
pub(crate) fn fuzz_corpus() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for dir in [
        "fuzz/corpus/parse",
        "fuzz/corpus/unpack_jose",
        "fuzz/corpus/unpack_didcomm",
    ] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            out.push(std::fs::read(entry.path()).expect("a corpus file is readable"));
        }
    }
    assert!(
        out.len() > 1000,
        "the fuzz corpus is part of the repository"
    );
    out
}
