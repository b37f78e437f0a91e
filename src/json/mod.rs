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
};
