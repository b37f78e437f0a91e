//! The peer implementation for the side-by-side benchmarks: DIDComm v2 authcrypt
//! (ECDH-1PU+A256KW) and anoncrypt (ECDH-ES+A256KW) with A256CBC-HS512 on askar-crypto, used
//! the way didcomm-rust uses it:
//!
//! - pack: CEK and ephemeral key from askar's default RNG; `apv` = SHA-256 of the sorted kids
//!   joined by "."; the protected header (with the ephemeral key as askar's public JWK, parsed
//!   into a `serde_json::Value`) serialized by serde and base64url-encoded; the content
//!   encrypted in place in a `SecretBytes` buffer with the protected text as AAD; per recipient
//!   an `AesKey<A256Kw>` derived by `Ecdh1PU` (with the tag as `cc_tag`) or `EcdhEs`, wrapping
//!   the CEK; the general JSON envelope written by serde.
//! - unpack: the envelope read by serde with borrowed strings; the protected header
//!   base64url-decoded and read by serde; `apv` and `apu`/`skid` checked; the ephemeral key
//!   re-serialized and read with `from_jwk`; the KEK derived, the CEK unwrapped; ciphertext, IV
//!   and tag decoded and copied into a `SecretBytes` buffer that is decrypted in place; then the
//!   plaintext parsed as JSON, as didcomm-rust does when it reads the message.
//!
//! The shared fixtures, this crate's configuration and the primitive floor are the main
//! crate's bench modules, included by path.

use askar_crypto::{
    alg::{
        aes::{A256CbcHs512, A256Kw, AesKey},
        p256::P256KeyPair,
        p384::P384KeyPair,
        x25519::X25519KeyPair,
    },
    buffer::SecretBytes,
    encrypt::{KeyAeadInPlace, KeyAeadMeta},
    jwk::{FromJwk, ToJwk},
    kdf::{ecdh_1pu::Ecdh1PU, ecdh_es::EcdhEs, FromKeyDerivation, KeyExchange},
    random,
    repr::{KeyGen, KeySecretBytes, ToSecretBytes},
};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use authcrypt::Curve;

#[path = "../../common/fixtures.rs"]
pub mod fixtures;
#[path = "../../common/floor.rs"]
pub mod floor;
#[path = "../../common/ours.rs"]
pub mod ours;

use fixtures::{Mode, Parties, SENDER_KID};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;
const TYP: &str = "application/didcomm-encrypted+json";
const ENC: &str = "A256CBC-HS512";

#[derive(Serialize)]
struct ProtectedOut<'a> {
    typ: &'a str,
    alg: &'a str,
    enc: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    skid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    apu: Option<&'a str>,
    apv: &'a str,
    epk: Value,
}

#[derive(Deserialize)]
struct ProtectedIn<'a> {
    #[serde(borrow)]
    #[allow(dead_code)]
    typ: Option<&'a str>,
    alg: &'a str,
    enc: &'a str,
    skid: Option<&'a str>,
    apu: Option<&'a str>,
    apv: &'a str,
    epk: Value,
}

#[derive(Serialize, Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    protected: &'a str,
    recipients: Vec<Entry<'a>>,
    iv: &'a str,
    ciphertext: &'a str,
    tag: &'a str,
}

#[derive(Serialize, Deserialize)]
struct Entry<'a> {
    #[serde(borrow)]
    header: EntryHeader<'a>,
    encrypted_key: &'a str,
}

#[derive(Serialize, Deserialize)]
struct EntryHeader<'a> {
    kid: &'a str,
}

/// An error of the peer path (the benches only ever unwrap it).
#[derive(Debug)]
pub struct PeerError(pub String);

type Result<T> = std::result::Result<T, PeerError>;

fn err<E: std::fmt::Debug>(what: &'static str) -> impl FnOnce(E) -> PeerError {
    move |e| PeerError(format!("{what}: {e:?}"))
}

/// A key agreement key type of askar-crypto.
pub trait AskarKey: KeyExchange + KeyGen + ToJwk + FromJwk + 'static {}

impl<K: KeyExchange + KeyGen + ToJwk + FromJwk + 'static> AskarKey for K {}

/// One case on askar-crypto: pack for every recipient, unpack as the last one.
pub trait PeerCase {
    /// Packs `message`.
    fn pack(&self, message: &[u8]) -> Result<String>;
    /// Unpacks `envelope`, returning the plaintext.
    fn unpack(&self, envelope: &str) -> Result<Vec<u8>>;
}

struct Case<K: AskarKey> {
    mode: Mode,
    sender: K,
    sender_public: K,
    recipients: Vec<(String, K)>,
    unpacker: (String, K),
}

/// Builds the askar case for `parties` (the same keys as this crate's case, converted through
/// their JWKs once, at setup).
pub fn case(mode: Mode, parties: &Parties) -> Box<dyn PeerCase> {
    match parties.curve {
        Curve::X25519 => Box::new(Case::<X25519KeyPair>::new(mode, parties)),
        Curve::P256 => Box::new(Case::<P256KeyPair>::new(mode, parties)),
        Curve::P384 => Box::new(Case::<P384KeyPair>::new(mode, parties)),
        other => panic!("askar-crypto has no {other} key agreement"),
    }
}

impl<K: AskarKey> Case<K> {
    fn new(mode: Mode, parties: &Parties) -> Self {
        let private = |jwk: &authcrypt::Jwk| {
            K::from_jwk(&jwk.to_private_json().expect("private key")).expect("askar key")
        };
        let public = |jwk: &authcrypt::Jwk| K::from_jwk(&jwk.to_public_json()).expect("askar key");
        let recipients = parties
            .recipients_public
            .iter()
            .map(|k| (k.kid().expect("kid").to_owned(), public(k)))
            .collect();
        let me = parties.unpacking_recipient();
        Case {
            mode,
            sender: private(&parties.sender),
            sender_public: public(&parties.sender),
            recipients,
            unpacker: (me.kid().expect("kid").to_owned(), private(me)),
        }
    }

    fn derive(
        &self,
        ephemeral: &K,
        peer: &K,
        info: &KdfInfo<'_>,
        receive: bool,
    ) -> Result<AesKey<A256Kw>> {
        let KdfInfo {
            alg,
            apu,
            apv,
            cc_tag,
        } = *info;
        let kw = match self.mode {
            Mode::Authcrypt => {
                let sender = if receive {
                    &self.sender_public
                } else {
                    &self.sender
                };
                AesKey::<A256Kw>::from_key_derivation(Ecdh1PU::new(
                    ephemeral,
                    sender,
                    peer,
                    alg.as_bytes(),
                    apu,
                    apv,
                    cc_tag,
                    receive,
                ))
            }
            Mode::Anoncrypt => AesKey::<A256Kw>::from_key_derivation(EcdhEs::new(
                ephemeral,
                peer,
                alg.as_bytes(),
                apu,
                apv,
                receive,
            )),
        };
        kw.map_err(err("derive"))
    }
}

/// The Concat KDF inputs other than Z.
#[derive(Clone, Copy)]
struct KdfInfo<'a> {
    alg: &'a str,
    apu: &'a [u8],
    apv: &'a [u8],
    cc_tag: &'a [u8],
}

fn wrap_key(kw: &AesKey<A256Kw>, cek: &AesKey<A256CbcHs512>) -> Result<SecretBytes> {
    let len = cek.secret_bytes_length().map_err(err("cek length"))?;
    let mut buf = SecretBytes::with_capacity(len + kw.aead_params().tag_length);
    cek.write_secret_bytes(&mut buf).map_err(err("cek"))?;
    kw.encrypt_in_place(&mut buf, &[], &[])
        .map_err(err("wrap"))?;
    Ok(buf)
}

fn unwrap_key(kw: &AesKey<A256Kw>, wrapped: &[u8]) -> Result<AesKey<A256CbcHs512>> {
    let mut buf = SecretBytes::from_slice(wrapped);
    kw.decrypt_in_place(&mut buf, &[], &[])
        .map_err(err("unwrap"))?;
    AesKey::<A256CbcHs512>::from_secret_bytes(buf.as_ref()).map_err(err("cek"))
}

fn apv_of<'k>(kids: impl Iterator<Item = &'k str>) -> Vec<u8> {
    let mut kids: Vec<&str> = kids.collect();
    kids.sort();
    Sha256::digest(kids.join(".").as_bytes()).to_vec()
}

impl<K: AskarKey> PeerCase for Case<K> {
    fn pack(&self, message: &[u8]) -> Result<String> {
        let alg = self.mode.alg();
        let skid = (self.mode == Mode::Authcrypt).then_some(SENDER_KID);
        let mut rng = random::default_rng();
        let cek = AesKey::<A256CbcHs512>::generate(&mut rng).map_err(err("cek"))?;
        let apv = apv_of(self.recipients.iter().map(|(kid, _)| kid.as_str()));
        let ephemeral = K::generate(&mut rng).map_err(err("epk"))?;

        let protected = {
            let epk = ephemeral.to_jwk_public(None).map_err(err("epk jwk"))?;
            let epk: Value = serde_json::from_str(&epk).map_err(err("epk json"))?;
            let apu = skid.map(|s| B64.encode(s));
            let apv = B64.encode(&apv);
            let header = ProtectedOut {
                typ: TYP,
                alg,
                enc: ENC,
                skid,
                apu: apu.as_deref(),
                apv: &apv,
                epk,
            };
            let header = serde_json::to_string(&header).map_err(err("header"))?;
            B64.encode(header)
        };

        let mut buf = SecretBytes::with_capacity(message.len() + cek.aead_params().tag_length);
        buf.extend_from_slice(message);
        let iv = AesKey::<A256CbcHs512>::random_nonce();
        let ct_len = cek
            .encrypt_in_place(&mut buf, &iv[..], protected.as_bytes())
            .map_err(err("encrypt"))?;
        let (ciphertext, tag_raw) = buf.as_ref().split_at(ct_len);
        let ciphertext = B64.encode(ciphertext);
        let tag = B64.encode(tag_raw);
        let iv = B64.encode(iv);

        let info = KdfInfo {
            alg,
            apu: skid.map(str::as_bytes).unwrap_or(&[]),
            apv: &apv,
            cc_tag: tag_raw,
        };
        let mut encrypted_keys = Vec::with_capacity(self.recipients.len());
        for (kid, key) in &self.recipients {
            let kw = self.derive(&ephemeral, key, &info, false)?;
            let wrapped = wrap_key(&kw, &cek)?;
            encrypted_keys.push((kid.as_str(), B64.encode(&wrapped)));
        }
        let recipients = encrypted_keys
            .iter()
            .map(|(kid, encrypted_key)| Entry {
                header: EntryHeader { kid },
                encrypted_key,
            })
            .collect();
        let envelope = Envelope {
            protected: &protected,
            recipients,
            iv: &iv,
            ciphertext: &ciphertext,
            tag: &tag,
        };
        serde_json::to_string(&envelope).map_err(err("envelope"))
    }

    fn unpack(&self, envelope: &str) -> Result<Vec<u8>> {
        let jwe: Envelope<'_> = serde_json::from_str(envelope).map_err(err("envelope"))?;
        let mut header_buf = Vec::new();
        B64.decode_vec(jwe.protected, &mut header_buf)
            .map_err(err("protected"))?;
        let header: ProtectedIn<'_> =
            serde_json::from_slice(&header_buf).map_err(err("protected json"))?;
        if header.enc != ENC {
            return Err(PeerError(format!("unexpected enc {}", header.enc)));
        }
        let apv = B64.decode(header.apv).map_err(err("apv"))?;
        let apu = header
            .apu
            .map(|apu| B64.decode(apu))
            .transpose()
            .map_err(err("apu"))?;

        // The DIDComm checks: apv binds the kids, apu names skid.
        if apv != apv_of(jwe.recipients.iter().map(|r| r.header.kid)) {
            return Err(PeerError("apv mismatch".into()));
        }
        let apu_text = apu
            .as_deref()
            .map(std::str::from_utf8)
            .transpose()
            .map_err(err("apu utf-8"))?;
        match (apu_text, header.skid) {
            (Some(apu), Some(skid)) if apu != skid => return Err(PeerError("apu mismatch".into())),
            (None, Some(_)) => return Err(PeerError("skid without apu".into())),
            _ => {}
        }
        if (self.mode == Mode::Authcrypt) != header.skid.is_some() {
            return Err(PeerError("wrong mode".into()));
        }

        let (kid, key) = (&self.unpacker.0, &self.unpacker.1);
        let encrypted_key = jwe
            .recipients
            .iter()
            .find(|r| r.header.kid == kid)
            .ok_or_else(|| PeerError("recipient not found".into()))?
            .encrypted_key;
        let encrypted_key = B64.decode(encrypted_key).map_err(err("encrypted_key"))?;
        let epk = serde_json::to_string(&header.epk).map_err(err("epk"))?;
        let epk = K::from_jwk(&epk).map_err(err("epk jwk"))?;

        let tag = B64.decode(jwe.tag).map_err(err("tag"))?;
        let info = KdfInfo {
            alg: header.alg,
            apu: apu.as_deref().unwrap_or(&[]),
            apv: &apv,
            cc_tag: &tag,
        };
        let kw = self.derive(&epk, key, &info, true)?;
        let cek = unwrap_key(&kw, &encrypted_key)?;

        let ciphertext = B64.decode(jwe.ciphertext).map_err(err("ciphertext"))?;
        let iv = B64.decode(jwe.iv).map_err(err("iv"))?;
        let mut buf = SecretBytes::with_capacity(ciphertext.len() + tag.len());
        buf.extend_from_slice(&ciphertext);
        buf.extend_from_slice(&tag);
        cek.decrypt_in_place(&mut buf, &iv, jwe.protected.as_bytes())
            .map_err(err("decrypt"))?;
        let plaintext = buf.to_vec();

        // didcomm-rust reads the plaintext as a message next.
        let _message: Value = serde_json::from_slice(&plaintext).map_err(err("message"))?;
        Ok(plaintext)
    }
}
