//! The primitive floor: what one DIDComm message costs when nothing but the primitives run,
//! written directly on the RustCrypto and dalek crates the library uses.
//!
//! Pack: ephemeral key generation (with its public key), CEK and IV from the OS RNG,
//! AES-256-CBC + HMAC-SHA-512 over the content, then per recipient the Diffie–Hellman
//! operation(s) (two for ECDH-1PU: ephemeral and static sender; one for ECDH-ES), a Concat KDF
//! (SHA-256) and an AES-256 key wrap of the CEK, and finally the base64url encoding of the
//! ciphertext. Unpack: base64url decoding of the ciphertext, decoding of the ephemeral public
//! key, the DH operation(s) of one recipient, Concat KDF, AES key unwrap, HMAC-SHA-512
//! verification and AES-256-CBC decryption.
//!
//! No JSON, no header checks, no key lookup: the additional authenticated data is the
//! `protected` text of a real envelope of the same case, taken once at setup.

#![allow(dead_code)]

use aes_kw::KekAes256;
use base64::Engine as _;
use cbc::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

use authcrypt::Curve;

use super::fixtures::{recipient_kid, Mode, SENDER_KID};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The key operations of one curve.
pub trait FloorCurve: 'static {
    /// A private key.
    type Secret;
    /// A public key.
    type Public;
    /// A fresh private key from the OS RNG.
    fn generate() -> Self::Secret;
    /// Its public key.
    fn public(secret: &Self::Secret) -> Self::Public;
    /// The public key's octets as they travel (X25519 u-coordinate, SEC1 uncompressed point).
    fn encode(public: &Self::Public) -> Vec<u8>;
    /// Decodes and validates a public key.
    fn decode(bytes: &[u8]) -> Self::Public;
    /// Appends Z = DH(secret, public) to `z`.
    fn dh(secret: &Self::Secret, public: &Self::Public, z: &mut Vec<u8>);
}

/// X25519 on x25519-dalek.
pub struct X25519;

impl FloorCurve for X25519 {
    type Secret = x25519_dalek::StaticSecret;
    type Public = x25519_dalek::PublicKey;
    fn generate() -> Self::Secret {
        x25519_dalek::StaticSecret::random_from_rng(OsRng)
    }
    fn public(secret: &Self::Secret) -> Self::Public {
        x25519_dalek::PublicKey::from(secret)
    }
    fn encode(public: &Self::Public) -> Vec<u8> {
        public.as_bytes().to_vec()
    }
    fn decode(bytes: &[u8]) -> Self::Public {
        let raw: [u8; 32] = bytes.try_into().expect("32 octets");
        x25519_dalek::PublicKey::from(raw)
    }
    fn dh(secret: &Self::Secret, public: &Self::Public, z: &mut Vec<u8>) {
        let shared = secret.diffie_hellman(public);
        assert!(shared.was_contributory());
        z.extend_from_slice(shared.as_bytes());
    }
}

macro_rules! nist_curve {
    ($name:ident, $krate:ident) => {
        /// A NIST curve on its RustCrypto crate.
        pub struct $name;

        impl FloorCurve for $name {
            type Secret = $krate::SecretKey;
            type Public = $krate::PublicKey;
            fn generate() -> Self::Secret {
                $krate::SecretKey::random(&mut OsRng)
            }
            fn public(secret: &Self::Secret) -> Self::Public {
                secret.public_key()
            }
            fn encode(public: &Self::Public) -> Vec<u8> {
                use $krate::elliptic_curve::sec1::ToEncodedPoint;
                public.to_encoded_point(false).as_bytes().to_vec()
            }
            fn decode(bytes: &[u8]) -> Self::Public {
                $krate::PublicKey::from_sec1_bytes(bytes).expect("valid point")
            }
            fn dh(secret: &Self::Secret, public: &Self::Public, z: &mut Vec<u8>) {
                let shared =
                    $krate::ecdh::diffie_hellman(secret.to_nonzero_scalar(), public.as_affine());
                z.extend_from_slice(shared.raw_secret_bytes());
            }
        }
    };
}

nist_curve!(P256, p256);
nist_curve!(P384, p384);

/// What the floor's pack produces and its unpack consumes.
pub struct FloorEnvelope {
    /// The ephemeral public key octets.
    pub epk: Vec<u8>,
    /// The wrapped CEK of every recipient.
    pub wrapped: Vec<[u8; 72]>,
    /// The IV.
    pub iv: [u8; 16],
    /// The base64url ciphertext.
    pub ciphertext: String,
    /// The tag (first half of the HMAC-SHA-512 output).
    pub tag: [u8; 32],
}

/// One case of the floor, with its keys in native form.
pub trait FloorCase {
    /// Encrypts `message` for every recipient.
    fn pack(&self, message: &[u8]) -> FloorEnvelope;
    /// Decrypts `envelope` as the unpacking recipient.
    fn unpack(&self, envelope: &FloorEnvelope) -> Vec<u8>;
}

struct Case<C: FloorCurve> {
    mode: Mode,
    sender: C::Secret,
    sender_public: C::Public,
    recipients: Vec<C::Public>,
    unpacker: C::Secret,
    unpacker_index: usize,
    apu: Vec<u8>,
    apv: Vec<u8>,
    aad: Vec<u8>,
}

/// Builds the floor of a case. `aad` is the `protected` text of a real envelope of the case.
pub fn case(mode: Mode, curve: Curve, recipients: usize, aad: &str) -> Box<dyn FloorCase> {
    match curve {
        Curve::X25519 => Box::new(Case::<X25519>::new(mode, recipients, aad)),
        Curve::P256 => Box::new(Case::<P256>::new(mode, recipients, aad)),
        Curve::P384 => Box::new(Case::<P384>::new(mode, recipients, aad)),
        other => panic!("no floor for {other}"),
    }
}

impl<C: FloorCurve> Case<C> {
    fn new(mode: Mode, n: usize, aad: &str) -> Self {
        let sender = C::generate();
        let sender_public = C::public(&sender);
        let secrets: Vec<C::Secret> = (0..n).map(|_| C::generate()).collect();
        let recipients = secrets.iter().map(C::public).collect();
        let unpacker_index = n - 1;
        let unpacker = secrets.into_iter().nth(unpacker_index).expect("n > 0");
        let mut kids: Vec<String> = (0..n).map(recipient_kid).collect();
        kids.sort_unstable();
        let apv = Sha256::digest(kids.join(".").as_bytes()).to_vec();
        let apu = match mode {
            Mode::Authcrypt => SENDER_KID.as_bytes().to_vec(),
            Mode::Anoncrypt => Vec::new(),
        };
        Case {
            mode,
            sender,
            sender_public,
            recipients,
            unpacker,
            unpacker_index,
            apu,
            apv,
            aad: aad.as_bytes().to_vec(),
        }
    }

    /// Concat KDF OtherInfo: AlgorithmID ‖ PartyUInfo ‖ PartyVInfo ‖ keydatalen [‖ cctag].
    fn other_info(&self, tag: &[u8]) -> Vec<u8> {
        let alg = self.mode.alg().as_bytes();
        let mut info = Vec::with_capacity(64 + alg.len() + self.apu.len() + self.apv.len());
        for part in [alg, &self.apu[..], &self.apv[..]] {
            info.extend_from_slice(&(part.len() as u32).to_be_bytes());
            info.extend_from_slice(part);
        }
        info.extend_from_slice(&256u32.to_be_bytes());
        if self.mode == Mode::Authcrypt {
            info.extend_from_slice(&(tag.len() as u32).to_be_bytes());
            info.extend_from_slice(tag);
        }
        info
    }

    fn kek(z: &[u8], info: &[u8]) -> KekAes256 {
        let mut kek = [0u8; 32];
        concat_kdf::derive_key_into::<Sha256>(z, info, &mut kek).expect("KDF");
        KekAes256::from(kek)
    }

    fn mac(&self, mac_key: &[u8], iv: &[u8], ciphertext: &[u8]) -> [u8; 32] {
        let mut mac = <Hmac<Sha512> as Mac>::new_from_slice(mac_key).expect("HMAC key");
        mac.update(&self.aad);
        mac.update(iv);
        mac.update(ciphertext);
        mac.update(&((self.aad.len() as u64) * 8).to_be_bytes());
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; 32];
        tag.copy_from_slice(&full[..32]);
        tag
    }
}

impl<C: FloorCurve> FloorCase for Case<C> {
    fn pack(&self, message: &[u8]) -> FloorEnvelope {
        let ephemeral = C::generate();
        let epk = C::encode(&C::public(&ephemeral));
        let mut cek = [0u8; 64];
        OsRng.fill_bytes(&mut cek);
        let mut iv = [0u8; 16];
        OsRng.fill_bytes(&mut iv);

        let len = message.len();
        let mut buf = Vec::with_capacity((len / 16 + 1) * 16);
        buf.extend_from_slice(message);
        buf.resize((len / 16 + 1) * 16, 0);
        let ct_len = cbc::Encryptor::<aes::Aes256>::new(cek[32..].into(), (&iv).into())
            .encrypt_padded_mut::<Pkcs7>(&mut buf, len)
            .expect("room for padding")
            .len();
        buf.truncate(ct_len);
        let tag = self.mac(&cek[..32], &iv, &buf);

        let info = self.other_info(&tag);
        let dhs = if self.mode == Mode::Authcrypt { 2 } else { 1 };
        let mut z = Vec::with_capacity(dhs * 66);
        let mut wrapped = Vec::with_capacity(self.recipients.len());
        for recipient in &self.recipients {
            z.clear();
            C::dh(&ephemeral, recipient, &mut z);
            if self.mode == Mode::Authcrypt {
                C::dh(&self.sender, recipient, &mut z);
            }
            let mut out = [0u8; 72];
            Self::kek(&z, &info).wrap(&cek, &mut out).expect("wrap");
            wrapped.push(out);
        }
        FloorEnvelope {
            epk,
            wrapped,
            iv,
            ciphertext: B64.encode(&buf),
            tag,
        }
    }

    fn unpack(&self, envelope: &FloorEnvelope) -> Vec<u8> {
        let mut buf = B64.decode(&envelope.ciphertext).expect("base64url");
        let epk = C::decode(&envelope.epk);
        let mut z = Vec::with_capacity(2 * 66);
        C::dh(&self.unpacker, &epk, &mut z);
        if self.mode == Mode::Authcrypt {
            C::dh(&self.unpacker, &self.sender_public, &mut z);
        }
        let info = self.other_info(&envelope.tag);
        let mut cek = [0u8; 64];
        Self::kek(&z, &info)
            .unwrap(&envelope.wrapped[self.unpacker_index], &mut cek)
            .expect("unwrap");
        let tag = self.mac(&cek[..32], &envelope.iv, &buf);
        assert!(bool::from(tag.ct_eq(&envelope.tag)), "tag mismatch");
        let pt_len = cbc::Decryptor::<aes::Aes256>::new(cek[32..].into(), (&envelope.iv).into())
            .decrypt_padded_mut::<Pkcs7>(&mut buf)
            .expect("padding")
            .len();
        buf.truncate(pt_len);
        buf
    }
}
