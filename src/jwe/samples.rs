//! Envelopes for the engine's own unit tests, shaped as DIDComm packs them (`typ`, `skid`,
//! `apu`, `apv` in the protected header, general JSON) but built with the engine alone.

use serde_json::Value;

use crate::jwe::{Encrypter, Sender};
use crate::jwk::Jwk;
use crate::wrap::KeyWrap;
use crate::Enc;

/// An ECDH-1PU+A256KW envelope from `sender` (or, without one, ECDH-ES+A256KW) to
/// `recipients`, in general JSON, with the protected members a DIDComm packer writes.
pub(crate) fn envelope(sender: Option<&Jwk>, recipients: &[Jwk], plaintext: &[u8]) -> String {
    let mut kids: Vec<&str> = recipients.iter().filter_map(Jwk::kid).collect();
    kids.sort_unstable();
    let apv = <sha2::Sha256 as sha2::Digest>::digest(kids.join(".").as_bytes()).to_vec();
    let mut e = Encrypter::new(
        sender.map_or(Sender::Anonymous, Sender::Authenticated),
        Some(KeyWrap::A256Kw),
        Enc::A256CbcHs512,
    )
    .recipients(recipients)
    .apv(apv)
    .protected_member("typ", Value::from("application/didcomm-encrypted+json"));
    if let Some(s) = sender {
        let skid = s.kid().expect("a sample sender has a kid");
        e = e.skid(skid).apu(skid.as_bytes().to_vec());
    }
    e.encrypt(plaintext).expect("a sample envelope encrypts")
}
