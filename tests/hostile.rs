//! A catalogue of hostile input. Everything a DIDComm agent unpacks comes from strangers, so each
//! case below hands the engine ([`Decrypter`], [`Jwe`]) or the DIDComm profile ([`Unpacker`],
//! [`Envelope`]) one truncated, malformed, oversized, mislabelled or tampered envelope (or key),
//! runs it inside `catch_unwind`, and asserts the precise error variant.
//!
//! Header rules are broken on envelopes that are otherwise cryptographically valid (they are
//! sealed from the primitives by [`Spec`]), so that only the rule under test can reject them.
//!
//! Every error that any case produces is also audited: its `Display` and `Debug` text must not
//! contain the private scalar of any key used here, and every [`Error::Crypto`] must print the
//! same message.

mod common;

use authcrypt::error::{KeyProblem, KeyRole, Limit, Malformed, NotJwe};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use authcrypt::didcomm::{
    apv_for, Envelope, KeySet, Mode, Packer, Unpacked, Unpacker, TYP_ENCRYPTED,
};
use authcrypt::hazmat::agreement::diffie_hellman;
use authcrypt::hazmat::content::encrypt_in_place;
use authcrypt::hazmat::kdf::FixedInfo;
use authcrypt::hazmat::wrap::wrap;
use authcrypt::KeyWrap;
use authcrypt::Sender;
use authcrypt::{
    Alg, ContentKey, Curve, Decrypted, Decrypter, Enc, Encrypter, Error, Jwe, Jwk, Limits,
    Location, ProfileError, Serialization,
};
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD as B64};
use base64::Engine as _;
use common::edit::{
    compact_parts, compact_with, edit_json, insert_first, part, part_text, protected_text,
    with_part, with_part_text, with_protected, Part,
};
use serde_json::{json, Map, Value};

const ALICE: &str = "did:example:alice#key-1";
const BOB: &str = "did:example:bob#key-1";
const CAROL: &str = "did:example:carol#key-1";
const MALLORY: &str = "did:example:mallory#key-1";
const MSG: &[u8] = br#"{"id":"1","type":"https://example.org/hostile/1.0/ping","body":{}}"#;

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Who {
    Alice,
    Bob,
    Carol,
    Mallory,
    Ephemeral,
}

const EVERYONE: [Who; 5] = [
    Who::Alice,
    Who::Bob,
    Who::Carol,
    Who::Mallory,
    Who::Ephemeral,
];

/// A deterministic key per curve and party.
fn key(curve: Curve, who: Who) -> Jwk {
    let c = Curve::ALL.iter().position(|x| *x == curve).unwrap() as u64;
    let (n, kid) = match who {
        Who::Alice => (1, ALICE),
        Who::Bob => (2, BOB),
        Who::Carol => (3, CAROL),
        Who::Mallory => (4, MALLORY),
        Who::Ephemeral => (5, "ephemeral"),
    };
    Jwk::generate_with_rng(curve, &mut common::rng(7000 + 10 * c + n)).with_kid(kid)
}

/// The base64url private scalar of every key above.
fn private_scalars() -> &'static [String] {
    static SCALARS: OnceLock<Vec<String>> = OnceLock::new();
    SCALARS.get_or_init(|| {
        let mut out = Vec::new();
        for curve in Curve::ALL {
            for who in EVERYONE {
                let d = key(curve, who).secret_key().unwrap().to_bytes();
                out.push(B64.encode(&d[..]));
            }
        }
        out
    })
}

fn keyring(curve: Curve) -> KeySet {
    let mut ks = KeySet::new();
    ks.insert(key(curve, Who::Bob)).unwrap();
    ks.insert(key(curve, Who::Alice).to_public()).unwrap();
    ks.insert(key(curve, Who::Carol).to_public()).unwrap();
    ks
}

// ---------------------------------------------------------------------------------------------
// Running a case
// ---------------------------------------------------------------------------------------------

/// Runs one hostile input: it must neither panic nor be accepted. The error is audited.
fn hostile<T>(name: &str, run: impl FnOnce() -> Result<T, Error>) -> Error {
    let Ok(outcome) = catch_unwind(AssertUnwindSafe(run)) else {
        panic!("{name}: the library panicked");
    };
    let Err(err) = outcome else {
        panic!("{name}: the hostile input was accepted");
    };
    audit(name, &err);
    err
}

/// No private key in the message; one message for every cryptographic failure.
fn audit(name: &str, err: &Error) {
    let shown = err.to_string();
    let debug = format!("{err:?}");
    for d in private_scalars() {
        // Never print the scalar itself, even in a failure message.
        assert!(
            !shown.contains(d.as_str()) && !debug.contains(d.as_str()),
            "{name}: the error message contains a private key"
        );
    }
    if matches!(err, Error::Crypto) {
        static FIRST: OnceLock<String> = OnceLock::new();
        let first = FIRST.get_or_init(|| shown.clone());
        assert_eq!(&shown, first, "{name}: Error::Crypto printed differently");
    }
}

/// The `Debug` text of an error, cut short for failure messages.
fn shorten(err: &Error) -> String {
    let text = format!("{err:?}");
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}… ({} bytes)", &text[..i], text.len()),
        None => text,
    }
}

/// One named case: `input` is built outside `catch_unwind`, `run` inside it, and the error must
/// match the pattern.
macro_rules! case {
    ($name:ident, $input:expr, |$arg:ident| $run:expr, $pat:pat $(if $guard:expr)?) => {
        #[test]
        fn $name() {
            let $arg = $input;
            let err = hostile(stringify!($name), || $run);
            assert!(
                matches!(&err, $pat $(if $guard)?),
                "{}: unexpected error {}",
                stringify!($name),
                shorten(&err)
            );
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Receivers
// ---------------------------------------------------------------------------------------------

/// The plain JOSE engine as Bob, knowing Alice's public key.
fn engine_on(curve: Curve, env: impl AsRef<[u8]>) -> Result<Decrypted, Error> {
    let bob = key(curve, Who::Bob);
    let alice = key(curve, Who::Alice).to_public();
    Decrypter::new()
        .recipient_key(&bob)
        .sender_key(&alice)
        .decrypt(env.as_ref())
}

fn engine(env: impl AsRef<[u8]>) -> Result<Decrypted, Error> {
    engine_on(Curve::X25519, env)
}

/// The DIDComm profile as Bob.
fn unpack_on(curve: Curve, env: impl AsRef<[u8]>) -> Result<Unpacked, Error> {
    let keys = keyring(curve);
    Unpacker::new(&keys).unpack(env.as_ref())
}

fn unpack(env: impl AsRef<[u8]>) -> Result<Unpacked, Error> {
    unpack_on(Curve::X25519, env)
}

fn parse(env: impl AsRef<[u8]>) -> Result<Jwe, Error> {
    Jwe::parse(env.as_ref())
}

fn envelope(env: impl AsRef<[u8]>) -> Result<Envelope, Error> {
    Envelope::parse(env.as_ref())
}

// ---------------------------------------------------------------------------------------------
// Valid envelopes
// ---------------------------------------------------------------------------------------------

/// DIDComm authcrypt from Alice to Bob and Carol.
fn packed_auth(curve: Curve) -> String {
    Packer::authcrypt(&key(curve, Who::Alice))
        .to(&key(curve, Who::Bob))
        .to(&key(curve, Who::Carol))
        .pack_with_rng(MSG, &mut common::rng(11))
        .unwrap()
}

/// DIDComm anoncrypt to Bob and Carol.
fn packed_anon(curve: Curve, enc: Enc) -> String {
    Packer::anoncrypt()
        .enc(enc)
        .to(&key(curve, Who::Bob))
        .to(&key(curve, Who::Carol))
        .pack_with_rng(MSG, &mut common::rng(12))
        .unwrap()
}

/// A plain JOSE ECDH-ES+A256KW envelope for Bob in the given serialization.
fn single(curve: Curve, enc: Enc, serialization: Serialization) -> String {
    let bob = key(curve, Who::Bob).to_public();
    Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), enc)
        .recipient(&bob)
        .serialization(serialization)
        .encrypt_with_rng(MSG, &mut common::rng(13))
        .unwrap()
}

fn compact() -> String {
    single(Curve::X25519, Enc::A256Gcm, Serialization::Compact)
}

/// Direct ECDH-ES (no key wrap), general JSON, one recipient.
fn direct() -> String {
    let bob = key(Curve::X25519, Who::Bob).to_public();
    Encrypter::new(Sender::Anonymous, None, Enc::A256Gcm)
        .recipient(&bob)
        .encrypt_with_rng(MSG, &mut common::rng(14))
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Sealing arbitrary headers from the primitives
// ---------------------------------------------------------------------------------------------

/// A JSON object written member by member, so that duplicates and odd values can be expressed.
#[derive(Debug, Clone, Default)]
struct Obj(Vec<(String, String)>);

impl Obj {
    /// Appends a member with raw JSON text as its value (a repeated name stays repeated).
    fn raw(mut self, name: &str, value: impl Into<String>) -> Obj {
        self.0.push((name.to_owned(), value.into()));
        self
    }

    fn str(self, name: &str, value: &str) -> Obj {
        self.raw(name, Value::from(value).to_string())
    }

    fn b64(self, name: &str, bytes: &[u8]) -> Obj {
        self.str(name, &B64.encode(bytes))
    }

    /// Replaces the value of a member, or appends it.
    fn set(mut self, name: &str, value: impl Into<String>) -> Obj {
        let value = value.into();
        match self.0.iter_mut().find(|(n, _)| n == name) {
            Some(member) => member.1 = value,
            None => self.0.push((name.to_owned(), value)),
        }
        self
    }

    fn without(mut self, name: &str) -> Obj {
        self.0.retain(|(n, _)| n != name);
        self
    }

    fn take(&mut self, name: &str) -> Option<String> {
        let i = self.0.iter().position(|(n, _)| n == name)?;
        Some(self.0.remove(i).1)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn text(&self) -> String {
        let members: Vec<String> = self
            .0
            .iter()
            .map(|(n, v)| format!("{}:{v}", Value::from(n.as_str())))
            .collect();
        format!("{{{}}}", members.join(","))
    }
}

fn apv_bytes(kids: &[&str]) -> Vec<u8> {
    B64.decode(apv_for(kids)).unwrap()
}

/// Everything needed to seal a general-JSON key-wrap envelope whose headers say whatever the
/// case wants, while the cryptography is computed from `alg`, `enc`, `apu` and `apv`.
#[derive(Debug, Clone)]
struct Spec {
    alg: Alg,
    enc: Enc,
    sender: Option<Jwk>,
    eph: Jwk,
    /// Seal as if every shared secret were all-zero (what a small-order `epk` yields).
    zero_z: bool,
    apu: Vec<u8>,
    apv: Vec<u8>,
    protected: Obj,
    unprotected: Option<Obj>,
    recipients: Vec<(Obj, Jwk)>,
    plaintext: Vec<u8>,
}

impl Spec {
    /// DIDComm authcrypt from Alice to Bob and Carol, every rule kept.
    fn authcrypt(curve: Curve) -> Spec {
        let eph = key(curve, Who::Ephemeral);
        let apv = apv_bytes(&[BOB, CAROL]);
        let protected = Obj::default()
            .str("typ", TYP_ENCRYPTED)
            .str("alg", Alg::Ecdh1PuA256Kw.name())
            .str("enc", Enc::A256CbcHs512.name())
            .str("skid", ALICE)
            .b64("apu", ALICE.as_bytes())
            .b64("apv", &apv)
            .raw("epk", eph.public_key().to_jwk_string());
        Spec {
            alg: Alg::Ecdh1PuA256Kw,
            enc: Enc::A256CbcHs512,
            sender: Some(key(curve, Who::Alice)),
            eph,
            zero_z: false,
            apu: ALICE.as_bytes().to_vec(),
            apv,
            protected,
            unprotected: None,
            recipients: vec![
                (Obj::default().str("kid", BOB), key(curve, Who::Bob)),
                (Obj::default().str("kid", CAROL), key(curve, Who::Carol)),
            ],
            plaintext: MSG.to_vec(),
        }
    }

    /// DIDComm anoncrypt to Bob and Carol, every rule kept.
    fn anoncrypt(curve: Curve, enc: Enc) -> Spec {
        let mut spec = Spec::authcrypt(curve);
        spec.alg = Alg::EcdhEsA256Kw;
        spec.enc = enc;
        spec.sender = None;
        spec.apu = Vec::new();
        spec.protected = spec
            .protected
            .without("skid")
            .without("apu")
            .set("alg", Value::from(Alg::EcdhEsA256Kw.name()).to_string())
            .set("enc", Value::from(enc.name()).to_string());
        spec
    }

    fn header(mut self, edit: impl FnOnce(Obj) -> Obj) -> Spec {
        self.protected = edit(self.protected);
        self
    }

    fn recipient(mut self, index: usize, edit: impl FnOnce(Obj) -> Obj) -> Spec {
        let entry = &mut self.recipients[index];
        entry.0 = edit(std::mem::take(&mut entry.0));
        self
    }

    fn unprotected(mut self, obj: Obj) -> Spec {
        self.unprotected = Some(obj);
        self
    }

    /// Moves a member from the protected header to the shared unprotected header.
    fn unprotect(mut self, name: &str) -> Spec {
        let value = self.protected.take(name).unwrap();
        self.unprotected = Some(self.unprotected.take().unwrap_or_default().raw(name, value));
        self
    }

    fn alg(mut self, alg: Alg) -> Spec {
        self.alg = alg;
        self.header(|h| h.set("alg", Value::from(alg.name()).to_string()))
    }

    fn enc(mut self, enc: Enc) -> Spec {
        self.enc = enc;
        self.header(|h| h.set("enc", Value::from(enc.name()).to_string()))
    }

    fn apu(mut self, apu: &[u8]) -> Spec {
        self.apu = apu.to_vec();
        self.header(|h| h.set("apu", Value::from(B64.encode(apu)).to_string()))
    }

    fn apv(mut self, apv: &[u8]) -> Spec {
        self.apv = apv.to_vec();
        self.header(|h| h.set("apv", Value::from(B64.encode(apv)).to_string()))
    }

    fn epk(self, epk: impl Into<String>) -> Spec {
        self.header(|h| h.set("epk", epk))
    }

    fn plaintext(mut self, plaintext: &[u8]) -> Spec {
        self.plaintext = plaintext.to_vec();
        self
    }

    fn seal(&self) -> String {
        let kw = self.alg.key_wrap().expect("a key-wrap alg");
        let protected_b64 = B64.encode(self.protected.text());
        let cek = ContentKey::from_bytes(self.enc, &vec![0x5a; self.enc.key_len()]).unwrap();
        let iv = vec![0x24; self.enc.iv_len()];
        let mut ciphertext = self.plaintext.clone();
        let tag = encrypt_in_place(
            self.enc,
            &cek,
            &iv,
            protected_b64.as_bytes(),
            &mut ciphertext,
        )
        .unwrap();
        let eph = self.eph.secret_key().unwrap();
        let mut entries = Vec::new();
        for (header, recipient) in &self.recipients {
            let len = recipient.curve().coordinate_len();
            let mut z = Vec::new();
            if self.zero_z {
                z.resize(len, 0);
            } else {
                z.extend_from_slice(
                    diffie_hellman(eph, recipient.public_key())
                        .unwrap()
                        .as_bytes(),
                );
            }
            if let Some(sender) = &self.sender {
                let zs = diffie_hellman(sender.secret_key().unwrap(), recipient.public_key());
                z.extend_from_slice(zs.unwrap().as_bytes());
            }
            let info = FixedInfo {
                algorithm_id: self.alg.name(),
                apu: &self.apu,
                apv: &self.apv,
                key_bits: (kw.key_len() * 8) as u32,
                cctag: self.alg.is_1pu().then_some(&tag[..]),
            };
            let mut kek = vec![0u8; kw.key_len()];
            concat_kdf::derive_key_into::<sha2::Sha256>(&z, &info.to_bytes(), &mut kek).unwrap();
            let encrypted_key = wrap(kw, &kek, cek.as_bytes()).unwrap();
            let mut entry = String::from("{");
            if !header.is_empty() {
                entry.push_str(&format!("\"header\":{},", header.text()));
            }
            entry.push_str(&format!(
                "\"encrypted_key\":\"{}\"}}",
                B64.encode(encrypted_key)
            ));
            entries.push(entry);
        }
        let unprotected = self
            .unprotected
            .as_ref()
            .map(|u| format!("\"unprotected\":{},", u.text()))
            .unwrap_or_default();
        format!(
            "{{\"protected\":\"{protected_b64}\",{unprotected}\"recipients\":[{}],\"iv\":\"{}\",\"ciphertext\":\"{}\",\"tag\":\"{}\"}}",
            entries.join(","),
            B64.encode(&iv),
            B64.encode(&ciphertext),
            B64.encode(&tag)
        )
    }
}

/// A public JWK with chosen members (raw JSON values).
fn jwk_text(members: &[(&str, String)]) -> String {
    members
        .iter()
        .fold(Obj::default(), |o, (n, v)| o.raw(n, v.clone()))
        .text()
}

fn q(s: &str) -> String {
    Value::from(s).to_string()
}

fn qb(bytes: &[u8]) -> String {
    q(&B64.encode(bytes))
}

/// An EC epk with the given coordinates and label.
fn ec_epk(crv: &str, x: &[u8], y: &[u8]) -> String {
    jwk_text(&[
        ("kty", q("EC")),
        ("crv", q(crv)),
        ("x", qb(x)),
        ("y", qb(y)),
    ])
}

fn okp_epk(x: &[u8]) -> String {
    jwk_text(&[("kty", q("OKP")), ("crv", q("X25519")), ("x", qb(x))])
}

fn coords(curve: Curve, who: Who) -> (Vec<u8>, Vec<u8>) {
    let k = key(curve, who);
    (k.public_key().x(), k.public_key().y().unwrap_or_default())
}

// =============================================================================================
// 1. Framing: empty, non-UTF-8, truncated, wrong top-level shape
// =============================================================================================

case!(
    empty_input,
    String::new(),
    |e| parse(&e),
    Error::NotJwe(NotJwe::Empty)
);

case!(
    whitespace_only_input,
    " \n\t\r ".to_owned(),
    |e| engine(&e),
    Error::NotJwe(NotJwe::Empty)
);

case!(
    non_utf8_inside_json,
    b"{\"protected\":\"\xff\xfe\"}".to_vec(),
    |e| engine(&e),
    Error::Json {
        location: Location::Envelope,
        ..
    }
);

case!(
    non_utf8_leading_bytes,
    b"\xff\xfe\x00{}".to_vec(),
    |e| engine(&e),
    Error::NotJwe(NotJwe::Unrecognised)
);

case!(
    non_utf8_in_compact_part,
    {
        let mut v = compact().into_bytes();
        v[3] = 0xc3; // a lone UTF-8 lead byte
        v
    },
    |e| engine(&e),
    Error::NotJwe(NotJwe::Unrecognised)
);

case!(
    non_utf8_in_protected_header,
    with_part(
        &packed_anon(Curve::X25519, Enc::A256Gcm),
        Part::Protected,
        b"{\"alg\":\"\xff\"}"
    ),
    |e| engine(&e),
    Error::Json {
        location: Location::Protected,
        ..
    }
);

case!(
    byte_order_mark_before_json,
    format!("\u{feff}{}", packed_anon(Curve::X25519, Enc::A256Gcm)),
    |e| engine(&e),
    Error::NotJwe(NotJwe::CompactParts)
);

case!(
    truncated_to_opening_brace,
    "{".to_owned(),
    |e| unpack(&e),
    Error::Json {
        location: Location::Envelope,
        ..
    }
);

case!(
    truncated_before_closing_brace,
    {
        let env = packed_auth(Curve::X25519);
        env[..env.len() - 1].to_owned()
    },
    |e| unpack(&e),
    Error::Json {
        location: Location::Envelope,
        ..
    }
);

case!(
    truncated_inside_protected_value,
    {
        let env = packed_auth(Curve::X25519);
        env[..40].to_owned()
    },
    |e| engine(&e),
    Error::Json {
        location: Location::Envelope,
        ..
    }
);

case!(
    truncated_compact_missing_tag,
    {
        let env = compact();
        env[..=env.rfind('.').unwrap()].to_owned()
    },
    |e| engine(&e),
    Error::InvalidLength {
        name: "tag",
        expected: 16,
        found: 0
    }
);

case!(
    truncated_compact_four_parts,
    {
        let env = compact();
        env[..env.rfind('.').unwrap()].to_owned()
    },
    |e| engine(&e),
    Error::NotJwe(NotJwe::CompactParts)
);

case!(
    compact_six_parts,
    format!("{}.AAAA", compact()),
    |e| engine(&e),
    Error::NotJwe(NotJwe::CompactParts)
);

case!(
    compact_one_part,
    "eyJhbGciOiJFQ0RILUVTIn0".to_owned(),
    |e| engine(&e),
    Error::NotJwe(NotJwe::CompactParts)
);

case!(
    compact_empty_protected,
    compact_with(&compact(), 0, ""),
    |e| engine(&e),
    Error::MissingMember {
        location: Location::Envelope,
        name: "protected"
    }
);

case!(
    top_level_array,
    "[{\"ciphertext\":\"AA\"}]".to_owned(),
    |e| parse(&e),
    Error::NotJwe(_)
);

case!(
    top_level_string,
    "\"eyJhbGciOiJFQ0RILUVTIn0\"".to_owned(),
    |e| parse(&e),
    Error::NotJwe(_)
);

case!(
    empty_object,
    "{}".to_owned(),
    |e| engine(&e),
    Error::NotJwe(NotJwe::NoCiphertext)
);

case!(
    trailing_garbage_after_json,
    format!("{} x", packed_auth(Curve::X25519)),
    |e| unpack(&e),
    Error::Json {
        location: Location::Envelope,
        ..
    }
);

case!(
    two_concatenated_envelopes,
    {
        let env = packed_anon(Curve::X25519, Enc::A256Gcm);
        format!("{env}{env}")
    },
    |e| engine(&e),
    Error::Json {
        location: Location::Envelope,
        ..
    }
);

case!(
    flattened_plus_recipients,
    {
        let flat = single(Curve::X25519, Enc::A256Gcm, Serialization::Flattened);
        let general = packed_anon(Curve::X25519, Enc::A256Gcm);
        let recipients: Value =
            serde_json::from_str::<Value>(&general).unwrap()["recipients"].clone();
        edit_json(&flat, |t| {
            t.insert("recipients".into(), recipients);
        })
    },
    |e| engine(&e),
    Error::NotJwe(NotJwe::MixedForms)
);

case!(
    flattened_header_plus_recipients,
    edit_json(&packed_anon(Curve::X25519, Enc::A256Gcm), |t| {
        t.insert("header".into(), json!({"kid": BOB}));
    }),
    |e| parse(&e),
    Error::NotJwe(NotJwe::MixedForms)
);

case!(
    json_without_ciphertext,
    edit_json(
        &single(Curve::X25519, Enc::A256Gcm, Serialization::Flattened),
        |t| {
            t.remove("ciphertext");
        }
    ),
    |e| engine(&e),
    Error::NotJwe(NotJwe::NoCiphertext)
);

/// Every proper prefix of a DIDComm authcrypt envelope is rejected, without a panic.
#[test]
fn every_prefix_of_a_general_envelope_is_rejected() {
    let env = packed_auth(Curve::X25519);
    let keys = keyring(Curve::X25519);
    let unpacker = Unpacker::new(&keys);
    let mut cases = 0;
    for len in 0..env.len() {
        let prefix = &env.as_bytes()[..len];
        let err = hostile(&format!("general prefix {len}"), || unpacker.unpack(prefix));
        assert!(
            matches!(err, Error::Json { .. } | Error::NotJwe(_)),
            "prefix {len}: {err:?}"
        );
        hostile(&format!("general prefix {len} (engine)"), || engine(prefix));
        cases += 1;
    }
    println!("general: {cases} prefixes rejected");
    assert_eq!(cases, env.len());
}

/// Every proper prefix of a compact envelope is rejected, without a panic.
#[test]
fn every_prefix_of_a_compact_envelope_is_rejected() {
    let env = compact();
    let mut cases = 0;
    for len in 0..env.len() {
        hostile(&format!("compact prefix {len}"), || {
            engine(&env.as_bytes()[..len])
        });
        cases += 1;
    }
    println!("compact: {cases} prefixes rejected");
    assert_eq!(cases, env.len());
}

// =============================================================================================
// 2. JSON of the wrong shape or type, member by member
// =============================================================================================

fn anon() -> String {
    packed_anon(Curve::X25519, Enc::A256Gcm)
}

case!(protected_is_a_number, edit_json(&anon(), |t| { t.insert("protected".into(), json!(7)); }),
    |e| engine(&e),
    Error::InvalidMember { location: Location::Envelope, name, .. } if name == "protected");

case!(protected_decodes_to_an_array, with_protected(&anon(), "[1,2]"), |e| engine(&e),
    Error::Json { location: Location::Protected, detail } if detail.contains("object"));

case!(
    protected_decodes_to_garbage,
    with_protected(&anon(), "alg=ECDH-ES"),
    |e| engine(&e),
    Error::Json {
        location: Location::Protected,
        ..
    }
);

case!(recipients_is_an_object, edit_json(&anon(), |t| { t.insert("recipients".into(), json!({"kid": BOB})); }),
    |e| engine(&e),
    Error::InvalidMember { location: Location::Envelope, name, .. } if name == "recipients");

case!(
    recipients_is_empty,
    edit_json(&anon(), |t| {
        t.insert("recipients".into(), json!([]));
    }),
    |e| engine(&e),
    Error::NoRecipients
);

case!(recipient_entry_is_a_string, edit_json(&anon(), |t| { t["recipients"][1] = json!(BOB); }),
    |e| engine(&e),
    Error::InvalidMember { location: Location::Envelope, name, .. } if name == "recipients");

case!(recipient_header_is_an_array, edit_json(&anon(), |t| { t["recipients"][0]["header"] = json!([BOB]); }),
    |e| engine(&e),
    Error::InvalidMember { location: Location::Recipient, name, .. } if name == "header");

case!(encrypted_key_is_a_number, edit_json(&anon(), |t| { t["recipients"][0]["encrypted_key"] = json!(42); }),
    |e| engine(&e),
    Error::InvalidMember { location: Location::Recipient, name, .. } if name == "encrypted_key");

case!(unprotected_is_a_string, edit_json(&anon(), |t| { t.insert("unprotected".into(), json!("{}")); }),
    |e| engine(&e),
    Error::InvalidMember { location: Location::Envelope, name, .. } if name == "unprotected");

case!(iv_is_a_number, edit_json(&anon(), |t| { t["iv"] = json!(12); }), |e| engine(&e),
    Error::InvalidMember { location: Location::Envelope, name, .. } if name == "iv");

case!(ciphertext_is_null, edit_json(&anon(), |t| { t["ciphertext"] = Value::Null; }), |e| engine(&e),
    Error::InvalidMember { location: Location::Envelope, name, .. } if name == "ciphertext");

case!(tag_is_an_object, edit_json(&anon(), |t| { t["tag"] = json!({}); }), |e| engine(&e),
    Error::InvalidMember { location: Location::Envelope, name, .. } if name == "tag");

case!(aad_is_a_number, edit_json(&anon(), |t| { t.insert("aad".into(), json!(1)); }), |e| engine(&e),
    Error::InvalidMember { location: Location::Envelope, name, .. } if name == "aad");

case!(
    iv_missing,
    edit_json(&anon(), |t| {
        t.remove("iv");
    }),
    |e| engine(&e),
    Error::MissingMember {
        location: Location::Envelope,
        name: "iv"
    }
);

case!(
    tag_missing,
    edit_json(&anon(), |t| {
        t.remove("tag");
    }),
    |e| engine(&e),
    Error::MissingMember {
        location: Location::Envelope,
        name: "tag"
    }
);

case!(
    ciphertext_missing_general,
    edit_json(&anon(), |t| {
        t.remove("ciphertext");
    }),
    |e| engine(&e),
    Error::MissingMember {
        location: Location::Envelope,
        name: "ciphertext"
    }
);

case!(alg_is_a_number, Spec::anoncrypt(Curve::X25519, Enc::A256Gcm).header(|h| h.set("alg", "1")).seal(),
    |e| engine(&e),
    Error::InvalidMember { location: Location::Protected, name, .. } if name == "alg");

case!(enc_is_an_array, Spec::anoncrypt(Curve::X25519, Enc::A256Gcm).header(|h| h.set("enc", "[\"A256GCM\"]")).seal(),
    |e| engine(&e),
    Error::InvalidMember { location: Location::Protected, name, .. } if name == "enc");

case!(kid_is_a_number, Spec::anoncrypt(Curve::X25519, Enc::A256Gcm).recipient(0, |r| r.set("kid", "7")).seal(),
    |e| engine(&e),
    Error::InvalidMember { location: Location::Recipient, name, .. } if name == "kid");

case!(epk_is_a_string, Spec::anoncrypt(Curve::X25519, Enc::A256Gcm).epk(q("X25519")).seal(),
    |e| engine(&e),
    Error::InvalidMember { location: Location::Epk, name, .. } if name == "epk");

case!(epk_is_an_array, Spec::anoncrypt(Curve::X25519, Enc::A256Gcm).epk("[]").seal(),
    |e| unpack(&e),
    Error::InvalidMember { location: Location::Epk, name, .. } if name == "epk");

case!(crv_is_a_number, {
    let x = key(Curve::X25519, Who::Ephemeral).public_key().x();
    Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
        .epk(jwk_text(&[("kty", q("OKP")), ("crv", "25519".into()), ("x", qb(&x))]))
        .seal()
}, |e| engine(&e),
    Error::InvalidMember { location: Location::Epk, name, .. } if name == "crv");

case!(epk_x_is_a_number, Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
    .epk(jwk_text(&[("kty", q("OKP")), ("crv", q("X25519")), ("x", "0".into())])).seal(),
    |e| engine(&e),
    Error::InvalidMember { location: Location::Epk, name, .. } if name == "x");

case!(
    epk_missing,
    Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
        .header(|h| h.without("epk"))
        .seal(),
    |e| engine(&e),
    Error::MissingMember {
        location: Location::Protected,
        name: "epk"
    }
);

case!(
    epk_missing_x,
    Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
        .epk(jwk_text(&[("kty", q("OKP")), ("crv", q("X25519"))]))
        .seal(),
    |e| engine(&e),
    Error::MissingMember {
        location: Location::Epk,
        name: "x"
    }
);

case!(
    epk_empty_object,
    Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
        .epk("{}")
        .seal(),
    |e| engine(&e),
    Error::MissingMember {
        location: Location::Epk,
        name: "kty"
    }
);

case!(
    epk_ec_missing_y,
    {
        let (x, _) = coords(Curve::P256, Who::Ephemeral);
        Spec::anoncrypt(Curve::P256, Enc::A256Gcm)
            .epk(jwk_text(&[
                ("kty", q("EC")),
                ("crv", q("P-256")),
                ("x", qb(&x)),
            ]))
            .seal()
    },
    |e| engine_on(Curve::P256, &e),
    Error::MissingMember {
        location: Location::Epk,
        name: "y"
    }
);

case!(
    epk_x25519_with_y,
    {
        let x = key(Curve::X25519, Who::Ephemeral).public_key().x();
        Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
            .epk(jwk_text(&[
                ("kty", q("OKP")),
                ("crv", q("X25519")),
                ("x", qb(&x)),
                ("y", qb(&x)),
            ]))
            .seal()
    },
    |e| engine(&e),
    Error::InvalidKey(KeyProblem::YOnOkp)
);

case!(apu_is_a_number, Spec::authcrypt(Curve::X25519).header(|h| h.set("apu", "5")).seal(),
    |e| envelope(&e),
    Error::InvalidMember { location: Location::Protected, name, .. } if name == "apu");

case!(apv_is_a_number, Spec::authcrypt(Curve::X25519).header(|h| h.set("apv", "5")).seal(),
    |e| unpack(&e),
    Error::InvalidMember { location: Location::Protected, name, .. } if name == "apv");

case!(typ_is_an_object, Spec::authcrypt(Curve::X25519).header(|h| h.set("typ", "{}")).seal(),
    |e| unpack(&e),
    Error::InvalidMember { location: Location::Protected, name, .. } if name == "typ");

case!(skid_is_a_boolean, Spec::authcrypt(Curve::X25519).header(|h| h.set("skid", "true")).seal(),
    |e| unpack(&e),
    Error::InvalidMember { location: Location::Protected, name, .. } if name == "skid");

// =============================================================================================
// 3. Duplicate member names
// =============================================================================================

case!(duplicate_top_level_member, {
    let env = anon();
    let iv = part_text(&env, Part::Iv);
    insert_first(&env, &format!("\"iv\":\"{iv}\""))
}, |e| engine(&e),
    Error::DuplicateMember { location: Location::Envelope, name } if name == "iv");

case!(duplicate_top_level_member_via_escape, {
    let env = anon();
    let iv = part_text(&env, Part::Iv);
    insert_first(&env, &format!("\"\\u0069v\":\"{iv}\""))
}, |e| engine(&e),
    Error::DuplicateMember { location: Location::Envelope, name } if name == "iv");

case!(duplicate_protected_member, Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
    .header(|h| h.str("alg", "ECDH-ES")).seal(),
    |e| engine(&e),
    Error::DuplicateMember { location: Location::Protected, name } if name == "alg");

case!(duplicate_epk_member, {
    let x = key(Curve::X25519, Who::Ephemeral).public_key().x();
    let other = key(Curve::X25519, Who::Mallory).public_key().x();
    Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
        .epk(jwk_text(&[("kty", q("OKP")), ("crv", q("X25519")), ("x", qb(&x)), ("x", qb(&other))]))
        .seal()
}, |e| unpack(&e),
    Error::DuplicateMember { location: Location::Protected, name } if name == "x");

case!(duplicate_recipient_header_member, Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
    .recipient(0, |r| r.str("kid", MALLORY)).seal(),
    |e| unpack(&e),
    Error::DuplicateMember { location: Location::Envelope, name } if name == "kid");

case!(duplicate_member_in_jwk, {
    let x = B64.encode(key(Curve::X25519, Who::Bob).public_key().x());
    format!(r#"{{"kty":"OKP","crv":"X25519","crv":"X25519","x":"{x}"}}"#)
}, |e| Jwk::from_json(&e),
    Error::DuplicateMember { location: Location::Jwk, name } if name == "crv");

case!(header_in_protected_and_recipient, Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
    .header(|h| h.str("kid", BOB)).seal(),
    |e| engine(&e), Error::DuplicateHeader(n) if n == "kid");

case!(header_in_protected_and_unprotected, Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
    .unprotected(Obj::default().str("typ", TYP_ENCRYPTED)).seal(),
    |e| unpack(&e), Error::DuplicateHeader(n) if n == "typ");

case!(header_in_unprotected_and_recipient, Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
    .unprotected(Obj::default().str("kid", CAROL)).seal(),
    |e| engine(&e), Error::DuplicateHeader(n) if n == "kid");

case!(epk_repeated_in_recipient_header, {
    let other = key(Curve::X25519, Who::Mallory).public_key().to_jwk_string();
    Spec::anoncrypt(Curve::X25519, Enc::A256Gcm).recipient(1, |r| r.raw("epk", other)).seal()
}, |e| unpack(&e), Error::DuplicateHeader(n) if n == "epk");

// =============================================================================================
// 4. Nesting depth and sizes
// =============================================================================================

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

case!(
    deep_nesting_top_level,
    insert_first(&anon(), &format!("\"x\":{}", nested(100_000))),
    |e| engine(&e),
    Error::LimitExceeded {
        what: Limit::JsonDepth,
        limit: 32
    }
);

case!(
    nesting_one_over_the_limit,
    insert_first(&anon(), &format!("\"x\":{}", nested(32))),
    |e| engine(&e),
    Error::LimitExceeded {
        what: Limit::JsonDepth,
        limit: 32
    }
);

case!(
    deep_nesting_in_protected,
    Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
        .header(|h| h.raw("x", nested(10_000)))
        .seal(),
    |e| unpack(&e),
    Error::LimitExceeded {
        what: Limit::JsonDepth,
        limit: 32
    }
);

case!(
    deep_nesting_in_epk,
    {
        let x = key(Curve::X25519, Who::Ephemeral).public_key().x();
        Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
            .epk(jwk_text(&[
                ("kty", q("OKP")),
                ("crv", q("X25519")),
                ("x", qb(&x)),
                ("ext", nested(40)),
            ]))
            .seal()
    },
    |e| engine(&e),
    Error::LimitExceeded {
        what: Limit::JsonDepth,
        limit: 32
    }
);

case!(
    deep_nesting_in_jwk,
    {
        let x = B64.encode(key(Curve::X25519, Who::Bob).public_key().x());
        format!(
            r#"{{"kty":"OKP","crv":"X25519","x":"{x}","ext":{}}}"#,
            nested(16)
        )
    },
    |e| Jwk::from_json(&e),
    Error::LimitExceeded {
        what: Limit::JsonDepth,
        limit: 16
    }
);

case!(
    nesting_over_a_custom_limit,
    anon(),
    |e| {
        let limits = Limits {
            max_json_depth: 2,
            ..Limits::default()
        };
        Jwe::parse_with_limits(e.as_bytes(), &limits)
    },
    Error::LimitExceeded {
        what: Limit::JsonDepth,
        limit: 2
    }
);

case!(envelope_over_default_size_limit, {
    let mut v = anon().into_bytes();
    v.resize((64 << 20) + 1, b' ');
    v
}, |e| engine(&e), Error::LimitExceeded { what: Limit::EnvelopeSize, limit } if *limit == 64 << 20);

case!(envelope_over_custom_size_limit, anon(), |e| {
    let keys = keyring(Curve::X25519);
    let limits = Limits { max_envelope_len: e.len() - 1, ..Limits::default() };
    Unpacker::new(&keys).limits(limits).unpack(e.as_bytes())
}, Error::LimitExceeded { what: Limit::EnvelopeSize, limit } if *limit == anon().len() - 1);

case!(
    protected_of_ten_megabytes_of_spaces,
    with_protected(&anon(), &" ".repeat(10 << 20)),
    |e| engine(&e),
    Error::Json {
        location: Location::Protected,
        ..
    }
);

case!(
    protected_padded_with_ten_megabytes_of_spaces,
    {
        let env = anon();
        let text = protected_text(&env);
        with_protected(&env, &format!("{{{}{}", " ".repeat(10 << 20), &text[1..]))
    },
    |e| engine(&e),
    Error::Crypto
);

fn many_recipients(env: &str, n: usize) -> String {
    edit_json(env, |t| {
        let first = t["recipients"][0].clone();
        t["recipients"] = Value::Array(vec![first; n]);
    })
}

case!(
    hundred_thousand_recipients_engine,
    many_recipients(&anon(), 100_000),
    |e| engine(&e),
    Error::LimitExceeded {
        what: Limit::Recipients,
        limit: 1000
    }
);

case!(
    hundred_thousand_recipients_didcomm,
    many_recipients(&packed_auth(Curve::X25519), 100_000),
    |e| unpack(&e),
    Error::LimitExceeded {
        what: Limit::Recipients,
        limit: 1000
    }
);

case!(
    recipients_over_a_custom_limit,
    anon(),
    |e| {
        let limits = Limits {
            max_recipients: 1,
            ..Limits::default()
        };
        Jwe::parse_with_limits(e.as_bytes(), &limits)
    },
    Error::LimitExceeded {
        what: Limit::Recipients,
        limit: 1
    }
);

case!(
    recipients_over_a_custom_limit_didcomm,
    packed_auth(Curve::X25519),
    |e| {
        let keys = keyring(Curve::X25519);
        let limits = Limits {
            max_recipients: 1,
            ..Limits::default()
        };
        Unpacker::new(&keys).limits(limits).unpack(e.as_bytes())
    },
    Error::LimitExceeded {
        what: Limit::Recipients,
        limit: 1
    }
);

const TRIALS: Limit = Limit::TrialDecryptions;

/// An anoncrypt envelope (general JSON) to `recipients`, whose entries carry a kid where the key
/// has one.
fn anon_to(recipients: &[Jwk]) -> String {
    Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256Gcm)
        .recipients(
            recipients
                .iter()
                .map(Jwk::to_public)
                .collect::<Vec<_>>()
                .iter(),
        )
        .encrypt_with_rng(MSG, &mut common::rng(9300))
        .unwrap()
}

/// A key without a kid.
fn nameless(seed: u64) -> Jwk {
    Jwk::generate_with_rng(Curve::X25519, &mut common::rng(seed))
}

/// Decrypts `env` holding `keys`, at most `limit` trial decryptions allowed.
fn open_with_trial_limit(env: &str, keys: &[&Jwk], limit: usize) -> Result<Decrypted, Error> {
    keys.iter()
        .fold(Decrypter::new(), |d, k| d.recipient_key(k))
        .limits(Limits {
            max_trial_decryptions: limit,
            ..Limits::default()
        })
        .decrypt(env.as_bytes())
}

#[test]
fn trial_decryptions_at_the_limit_decrypt_and_one_over_is_rejected() {
    // Three entries without a kid, ours last; the decrypter holds a stranger's key, then ours:
    // 3 × 2 = 6 trials, the last of which opens.
    let ours = nameless(9301);
    let stranger = nameless(9302);
    let env = anon_to(&[nameless(9303), nameless(9304), ours.clone()]);
    let open = |limit: usize| open_with_trial_limit(&env, &[&stranger, &ours], limit);
    let out = open(6).expect("six trials are within a limit of six");
    assert_eq!(out.recipient_index, 2);
    assert_eq!(&out.plaintext[..], MSG);
    assert_eq!(
        open(5).unwrap_err(),
        Error::LimitExceeded {
            what: TRIALS,
            limit: 5
        }
    );
}

#[test]
fn trial_decryptions_over_the_limit_are_rejected_before_any_key_is_tried() {
    // A thousand entries without a kid and a thousand keys: a million trials. The keys are
    // public, so a key that was tried would stop the decryption with `NotPrivate` instead.
    let public = nameless(9310).to_public();
    let env = many_recipients(&anon_to(&[nameless(9311)]), 1000);
    let keys = vec![&public; 1000];
    let open = |limits: Limits| {
        let mut d = Decrypter::new().limits(limits);
        for k in &keys {
            d = d.recipient_key(k);
        }
        d.decrypt(env.as_bytes())
    };
    assert_eq!(
        open(Limits::default()).unwrap_err(),
        Error::LimitExceeded {
            what: TRIALS,
            limit: 64
        }
    );
    // Within the limit the same keys are tried, and the first one stops it.
    let unbounded = Limits {
        max_trial_decryptions: usize::MAX,
        ..Limits::default()
    };
    assert_eq!(
        open(unbounded).unwrap_err(),
        Error::NotPrivate(KeyRole::Recipient)
    );
    // The default allows one key for 64 entries without a kid, not 65.
    let at = many_recipients(&anon_to(&[nameless(9311)]), 64);
    let over = many_recipients(&anon_to(&[nameless(9311)]), 65);
    let one = |env: &str| {
        Decrypter::new()
            .recipient_key(&public)
            .decrypt(env.as_bytes())
    };
    assert_eq!(one(&at).unwrap_err(), Error::NotPrivate(KeyRole::Recipient));
    assert_eq!(
        one(&over).unwrap_err(),
        Error::LimitExceeded {
            what: TRIALS,
            limit: 64
        }
    );
}

#[test]
fn entries_with_a_kid_do_not_count_as_trial_decryptions() {
    // Six entries named for other people and one without a kid, ours: 1 × 2 = 2 trials.
    let ours = nameless(9321);
    let stranger = nameless(9322);
    let mut recipients: Vec<Jwk> = (0..6)
        .map(|i| {
            Jwk::generate_with_rng(Curve::X25519, &mut common::rng(9330 + i))
                .with_kid(format!("did:example:other{i}#key-1"))
        })
        .collect();
    recipients.push(ours.clone());
    let env = anon_to(&recipients);
    let open = |limit: usize| open_with_trial_limit(&env, &[&stranger, &ours], limit);
    assert_eq!(open(2).expect("two trials").recipient_index, 6);
    assert_eq!(
        open(1).unwrap_err(),
        Error::LimitExceeded {
            what: TRIALS,
            limit: 1
        }
    );
}

#[test]
fn limits_are_inclusive_bounds() {
    let env = packed_auth(Curve::X25519);
    let keys = keyring(Curve::X25519);
    let exact = Limits {
        max_envelope_len: env.len(),
        max_recipients: 2,
        max_json_depth: 4,
        max_trial_decryptions: 0,
    };
    Unpacker::new(&keys)
        .limits(exact)
        .unpack(env.as_bytes())
        .expect("an envelope exactly at every limit is accepted");
    let depth_32 = insert_first(&anon(), &format!("\"x\":{}", nested(31)));
    engine(&depth_32).expect("nesting of exactly 32 is accepted");
}

case!(unsupported_alg_name_is_truncated, Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
    .header(|h| h.set("alg", q(&"A".repeat(100_000)))).seal(),
    |e| engine(&e), Error::UnsupportedAlg(s) if s.ends_with('…') && s.chars().count() <= 129);

/// An error that echoes an attacker's string should stay short, as `UnsupportedAlg` does.
fn bounded(err: &Error) -> bool {
    err.to_string().len() <= 512
}

case!(duplicate_member_message_is_bounded, {
    let name = "n".repeat(100_000);
    insert_first(&anon(), &format!("\"{name}\":1,\"{name}\":2"))
}, |e| engine(&e), err @ Error::DuplicateMember { .. } if bounded(err));

case!(recipient_not_found_message_is_bounded, {
    let kid = format!("did:example:{}#key-1", "b".repeat(100_000));
    Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
        .apv(&apv_bytes(&[&kid, CAROL]))
        .recipient(0, |r| r.set("kid", q(&kid)))
        .seal()
}, |e| {
    let mallory = key(Curve::X25519, Who::Mallory);
    Decrypter::new().recipient_key(&mallory).decrypt(e.as_bytes())
}, err @ Error::RecipientNotFound(_) if bounded(err));

case!(sender_not_found_message_is_bounded, {
    let skid = format!("did:example:{}#key-1", "a".repeat(100_000));
    Spec::authcrypt(Curve::X25519)
        .header(|h| h.set("skid", q(&skid)))
        .apu(skid.as_bytes())
        .seal()
}, |e| unpack(&e), err @ Error::SenderNotFound(_) if bounded(err));

// =============================================================================================
// 5. base64url strictness
// =============================================================================================

case!(protected_with_padding, {
    let env = anon();
    let mut text = protected_text(&env);
    while text.len() % 3 == 0 {
        text.push(' ');
    }
    let padded = URL_SAFE.encode(&text);
    assert!(padded.ends_with('='));
    with_part_text(&env, Part::Protected, &padded)
}, |e| engine(&e),
    Error::Base64 { location: Location::Envelope, name } if name == "protected");

case!(tag_with_padding, {
    let env = anon();
    let padded = URL_SAFE.encode(part(&env, Part::Tag));
    assert!(padded.ends_with("=="));
    with_part_text(&env, Part::Tag, &padded)
}, |e| engine(&e),
    Error::Base64 { location: Location::Envelope, name } if name == "tag");

case!(encrypted_key_with_padding, {
    let env = anon();
    let padded = URL_SAFE.encode(part(&env, Part::Key(0)));
    assert!(padded.ends_with('='));
    with_part_text(&env, Part::Key(0), &padded)
}, |e| engine(&e),
    Error::Base64 { location: Location::Recipient, name } if name == "encrypted_key");

case!(flattened_encrypted_key_with_padding, {
    let env = single(Curve::X25519, Enc::A256Gcm, Serialization::Flattened);
    edit_json(&env, |t| {
        let raw = B64.decode(t["encrypted_key"].as_str().unwrap()).unwrap();
        t["encrypted_key"] = Value::from(URL_SAFE.encode(raw));
    })
}, |e| engine(&e),
    Error::Base64 { location: Location::Envelope, name } if name == "encrypted_key");

case!(ciphertext_with_a_space, {
    let env = anon();
    let text = part_text(&env, Part::Ciphertext);
    with_part_text(&env, Part::Ciphertext, &format!("{} {}", &text[..8], &text[8..]))
}, |e| engine(&e),
    Error::Base64 { location: Location::Envelope, name } if name == "ciphertext");

case!(ciphertext_with_line_breaks, {
    let env = anon();
    let text = part_text(&env, Part::Ciphertext);
    with_part_text(&env, Part::Ciphertext, &format!("{}\r\n{}", &text[..16], &text[16..]))
}, |e| unpack(&e),
    Error::Base64 { location: Location::Envelope, name } if name == "ciphertext");

case!(encrypted_key_in_standard_alphabet, {
    // 0xfb 0xef 0xbe encodes as "++++" in the standard alphabet ("----" in base64url).
    let text = STANDARD_NO_PAD.encode([0xfb, 0xef, 0xbe].repeat(14));
    assert!(text.contains('+'));
    with_part_text(&anon(), Part::Key(0), &text)
}, |e| engine(&e),
    Error::Base64 { location: Location::Recipient, name } if name == "encrypted_key");

case!(iv_in_standard_alphabet, with_part_text(&anon(), Part::Iv, &STANDARD_NO_PAD.encode([0xff; 12])),
    |e| engine(&e),
    Error::Base64 { location: Location::Envelope, name } if name == "iv");

case!(tag_with_non_canonical_trailing_bits, {
    let env = anon();
    let mut text = part_text(&env, Part::Tag);
    // 16 octets in 22 characters: the last character carries four zero bits. Set one.
    let last = text.pop().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let i = alphabet.find(last).unwrap();
    text.push(alphabet.as_bytes()[i | 1] as char);
    with_part_text(&env, Part::Tag, &text)
}, |e| engine(&e),
    Error::Base64 { location: Location::Envelope, name } if name == "tag");

case!(compact_part_with_line_break, {
    let env = compact();
    let parts = compact_parts(&env);
    let ct = &parts[3];
    compact_with(&env, 3, &format!("{}\n{}", &ct[..4], &ct[4..]))
}, |e| engine(&e),
    Error::Base64 { location: Location::Envelope, name } if name == "ciphertext");

case!(epk_x_with_padding, {
    let x = key(Curve::X25519, Who::Ephemeral).public_key().x();
    Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
        .epk(jwk_text(&[("kty", q("OKP")), ("crv", q("X25519")), ("x", q(&URL_SAFE.encode(x)))]))
        .seal()
}, |e| engine(&e),
    Error::Base64 { location: Location::Epk, name } if name == "x");

case!(epk_x_in_standard_alphabet, {
    let mut x = [0xfb, 0xef, 0xbe].repeat(10);
    x.extend_from_slice(&[0xfb, 0xef]);
    Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
        .epk(jwk_text(&[("kty", q("OKP")), ("crv", q("X25519")), ("x", q(&STANDARD_NO_PAD.encode(x)))]))
        .seal()
}, |e| unpack(&e),
    Error::Base64 { location: Location::Epk, name } if name == "x");

case!(apv_with_padding, {
    let apv = apv_bytes(&[BOB, CAROL]);
    Spec::authcrypt(Curve::X25519).header(|h| h.set("apv", q(&URL_SAFE.encode(apv)))).seal()
}, |e| unpack(&e),
    Error::Base64 { location: Location::Protected, name } if name == "apv");

case!(apu_with_whitespace, {
    let apu = B64.encode(ALICE);
    Spec::authcrypt(Curve::X25519)
        .header(|h| h.set("apu", q(&format!("{} {}", &apu[..4], &apu[4..]))))
        .seal()
}, |e| unpack(&e),
    Error::Base64 { location: Location::Protected, name } if name == "apu");

case!(aad_with_padding, edit_json(&anon(), |t| { t.insert("aad".into(), json!("YQ==")); }),
    |e| engine(&e),
    Error::Base64 { location: Location::Envelope, name } if name == "aad");

// =============================================================================================
// 6. Empty members
// =============================================================================================

case!(
    protected_empty_string,
    with_part_text(&anon(), Part::Protected, ""),
    |e| engine(&e),
    Error::MissingMember {
        location: Location::Protected,
        name: "alg"
    }
);

case!(
    protected_absent_didcomm,
    edit_json(&packed_auth(Curve::X25519), |t| {
        t.remove("protected");
    }),
    |e| unpack(&e),
    Error::Profile(ProfileError::NotProtected("alg"))
);

case!(
    iv_empty,
    with_part_text(&anon(), Part::Iv, ""),
    |e| engine(&e),
    Error::InvalidLength {
        name: "iv",
        expected: 12,
        found: 0
    }
);

case!(
    tag_empty,
    with_part_text(&anon(), Part::Tag, ""),
    |e| engine(&e),
    Error::InvalidLength {
        name: "tag",
        expected: 16,
        found: 0
    }
);

case!(
    ciphertext_empty,
    with_part_text(&anon(), Part::Ciphertext, ""),
    |e| engine(&e),
    Error::Crypto
);

case!(
    encrypted_key_empty,
    with_part_text(&anon(), Part::Key(0), ""),
    |e| engine(&e),
    Error::MissingMember {
        location: Location::Recipient,
        name: "encrypted_key"
    }
);

case!(
    encrypted_key_absent,
    edit_json(&anon(), |t| {
        t["recipients"][0]
            .as_object_mut()
            .unwrap()
            .remove("encrypted_key");
    }),
    |e| unpack(&e),
    Error::MissingMember {
        location: Location::Recipient,
        name: "encrypted_key"
    }
);

case!(direct_mode_with_an_encrypted_key, edit_json(&direct(), |t| {
    t["recipients"][0]["encrypted_key"] = Value::from(B64.encode([7u8; 40]));
}), |e| engine(&e),
    Error::InvalidMember { location: Location::Recipient, name, .. } if name == "encrypted_key");

case!(recipient_kid_empty, Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
    .apv(&apv_bytes(&["", CAROL]))
    .recipient(0, |r| r.set("kid", q("")))
    .seal(),
    |e| unpack(&e), Error::Profile(ProfileError::NotDidUrl(k)) if k.is_empty());

case!(
    epk_x_empty,
    Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
        .epk(okp_epk(&[]))
        .seal(),
    |e| engine(&e),
    Error::InvalidLength {
        name: "x",
        expected: 32,
        found: 0
    }
);

// =============================================================================================
// 7. Wrong lengths: IV, tag, encrypted key
// =============================================================================================

case!(
    iv_one_octet_short,
    with_part(&anon(), Part::Iv, &[0x24; 11]),
    |e| engine(&e),
    Error::InvalidLength {
        name: "iv",
        expected: 12,
        found: 11
    }
);

case!(
    iv_one_octet_long_authcrypt,
    with_part(&packed_auth(Curve::X25519), Part::Iv, &[0x24; 17]),
    |e| engine(&e),
    Error::InvalidLength {
        name: "iv",
        expected: 16,
        found: 17
    }
);

case!(
    tag_one_octet_short,
    {
        let env = anon();
        let tag = part(&env, Part::Tag);
        with_part(&env, Part::Tag, &tag[..15])
    },
    |e| engine(&e),
    Error::InvalidLength {
        name: "tag",
        expected: 16,
        found: 15
    }
);

case!(
    tag_one_octet_long,
    {
        let env = anon();
        let mut tag = part(&env, Part::Tag);
        tag.push(0);
        with_part(&env, Part::Tag, &tag)
    },
    |e| engine(&e),
    Error::InvalidLength {
        name: "tag",
        expected: 16,
        found: 17
    }
);

case!(
    tag_one_octet_long_cbc_anoncrypt,
    {
        let env = packed_anon(Curve::X25519, Enc::A256CbcHs512);
        let mut tag = part(&env, Part::Tag);
        tag.push(0);
        with_part(&env, Part::Tag, &tag)
    },
    |e| unpack(&e),
    Error::InvalidLength {
        name: "tag",
        expected: 32,
        found: 33
    }
);

case!(
    tag_one_octet_short_authcrypt,
    {
        let env = packed_auth(Curve::X25519);
        let tag = part(&env, Part::Tag);
        with_part(&env, Part::Tag, &tag[..31])
    },
    |e| engine(&e),
    Error::InvalidLength {
        name: "tag",
        expected: 32,
        found: 31
    }
);

case!(tag_of_a_megabyte_authcrypt, with_part(&packed_auth(Curve::X25519), Part::Tag, &vec![0x11; 1 << 20]),
    |e| unpack(&e),
    Error::InvalidLength { name: "tag", expected: 32, found } if *found == 1 << 20);

case!(
    encrypted_key_too_short_to_unwrap,
    with_part(&anon(), Part::Key(0), &[1; 16]),
    |e| engine(&e),
    Error::Crypto
);

case!(
    encrypted_key_not_a_multiple_of_eight,
    {
        let env = anon();
        let mut k = part(&env, Part::Key(0));
        k.push(0);
        with_part(&env, Part::Key(0), &k)
    },
    |e| engine(&e),
    Error::Crypto
);

case!(
    encrypted_key_of_a_megabyte,
    with_part(&anon(), Part::Key(0), &vec![3; 1 << 20]),
    |e| unpack(&e),
    Error::Crypto
);

// =============================================================================================
// 8. EC point validation
// =============================================================================================

fn nist_case(curve: Curve, epk: String) -> String {
    Spec::anoncrypt(curve, Enc::A256Gcm).epk(epk).seal()
}

case!(
    epk_p256_all_zero_point,
    nist_case(Curve::P256, ec_epk("P-256", &[0; 32], &[0; 32])),
    |e| engine_on(Curve::P256, &e),
    Error::InvalidPoint {
        location: Location::Epk,
        curve: Curve::P256
    }
);

case!(
    epk_p384_all_zero_point,
    nist_case(Curve::P384, ec_epk("P-384", &[0; 48], &[0; 48])),
    |e| engine_on(Curve::P384, &e),
    Error::InvalidPoint {
        location: Location::Epk,
        curve: Curve::P384
    }
);

case!(
    epk_p521_all_zero_point,
    nist_case(Curve::P521, ec_epk("P-521", &[0; 66], &[0; 66])),
    |e| unpack_on(Curve::P521, &e),
    Error::InvalidPoint {
        location: Location::Epk,
        curve: Curve::P521
    }
);

fn off_curve(curve: Curve, crv: &str) -> String {
    let (x, mut y) = coords(curve, Who::Ephemeral);
    *y.last_mut().unwrap() ^= 1;
    nist_case(curve, ec_epk(crv, &x, &y))
}

case!(
    epk_p256_off_curve,
    off_curve(Curve::P256, "P-256"),
    |e| engine_on(Curve::P256, &e),
    Error::InvalidPoint {
        location: Location::Epk,
        curve: Curve::P256
    }
);

case!(
    epk_p384_off_curve,
    off_curve(Curve::P384, "P-384"),
    |e| unpack_on(Curve::P384, &e),
    Error::InvalidPoint {
        location: Location::Epk,
        curve: Curve::P384
    }
);

case!(
    epk_p521_off_curve,
    off_curve(Curve::P521, "P-521"),
    |e| engine_on(Curve::P521, &e),
    Error::InvalidPoint {
        location: Location::Epk,
        curve: Curve::P521
    }
);

case!(
    epk_p256_x_equal_to_the_field_prime,
    {
        let p = ::hex::decode("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff")
            .unwrap();
        let (_, y) = coords(Curve::P256, Who::Ephemeral);
        nist_case(Curve::P256, ec_epk("P-256", &p, &y))
    },
    |e| engine_on(Curve::P256, &e),
    Error::InvalidPoint {
        location: Location::Epk,
        curve: Curve::P256
    }
);

case!(
    epk_p521_coordinates_all_ones,
    nist_case(Curve::P521, ec_epk("P-521", &[0xff; 66], &[0xff; 66])),
    |e| engine_on(Curve::P521, &e),
    Error::InvalidPoint {
        location: Location::Epk,
        curve: Curve::P521
    }
);

case!(
    epk_p384_coordinates_labelled_p256,
    {
        let (x, y) = coords(Curve::P384, Who::Ephemeral);
        nist_case(Curve::P256, ec_epk("P-256", &x, &y))
    },
    |e| engine_on(Curve::P256, &e),
    Error::InvalidLength {
        name: "x",
        expected: 32,
        found: 48
    }
);

case!(
    epk_p384_coordinates_labelled_p256_didcomm,
    {
        let (x, y) = coords(Curve::P384, Who::Ephemeral);
        nist_case(Curve::P256, ec_epk("P-256", &x, &y))
    },
    |e| unpack_on(Curve::P256, &e),
    Error::InvalidLength {
        name: "x",
        expected: 32,
        found: 48
    }
);

case!(
    epk_p256_coordinates_labelled_p384,
    {
        let (x, y) = coords(Curve::P256, Who::Ephemeral);
        nist_case(Curve::P384, ec_epk("P-384", &x, &y))
    },
    |e| engine_on(Curve::P384, &e),
    Error::InvalidLength {
        name: "x",
        expected: 48,
        found: 32
    }
);

case!(
    epk_p256_coordinates_labelled_p384_didcomm,
    {
        // The profile left-pads short coordinates, so the mislabelled point is caught as off-curve.
        let (x, y) = coords(Curve::P256, Who::Ephemeral);
        nist_case(Curve::P384, ec_epk("P-384", &x, &y))
    },
    |e| unpack_on(Curve::P384, &e),
    Error::InvalidPoint {
        location: Location::Epk,
        curve: Curve::P384
    }
);

case!(
    epk_okp_labelled_p256,
    {
        let x = key(Curve::X25519, Who::Ephemeral).public_key().x();
        nist_case(
            Curve::P256,
            jwk_text(&[("kty", q("OKP")), ("crv", q("P-256")), ("x", qb(&x))]),
        )
    },
    |e| engine_on(Curve::P256, &e),
    Error::InvalidKey(KeyProblem::KtyMismatch)
);

case!(
    epk_ec_labelled_x25519,
    {
        let x = key(Curve::X25519, Who::Ephemeral).public_key().x();
        Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
            .epk(jwk_text(&[
                ("kty", q("EC")),
                ("crv", q("X25519")),
                ("x", qb(&x)),
            ]))
            .seal()
    },
    |e| engine(&e),
    Error::InvalidKey(KeyProblem::KtyMismatch)
);

case!(epk_carrying_a_private_key, {
    let eph = key(Curve::P256, Who::Ephemeral);
    let private = eph.to_private_json().unwrap().to_string();
    nist_case(Curve::P256, private)
}, |e| engine_on(Curve::P256, &e),
    Error::InvalidMember { location: Location::Epk, name, .. } if name == "d");

case!(epk_carrying_a_null_d, {
    let eph = key(Curve::X25519, Who::Ephemeral);
    let x = eph.public_key().x();
    Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
        .epk(jwk_text(&[("kty", q("OKP")), ("crv", q("X25519")), ("x", qb(&x)), ("d", "null".into())]))
        .seal()
}, |e| unpack(&e),
    Error::InvalidMember { location: Location::Epk, name, .. } if name == "d");

case!(
    epk_p256_x_one_octet_long,
    {
        let (mut x, y) = coords(Curve::P256, Who::Ephemeral);
        x.insert(0, 0);
        nist_case(Curve::P256, ec_epk("P-256", &x, &y))
    },
    |e| unpack_on(Curve::P256, &e),
    Error::InvalidLength {
        name: "x",
        expected: 32,
        found: 33
    }
);

case!(
    epk_p256_y_one_octet_long,
    {
        let (x, mut y) = coords(Curve::P256, Who::Ephemeral);
        y.insert(0, 0);
        nist_case(Curve::P256, ec_epk("P-256", &x, &y))
    },
    |e| engine_on(Curve::P256, &e),
    Error::InvalidLength {
        name: "y",
        expected: 32,
        found: 33
    }
);

case!(
    epk_p521_x_one_octet_long,
    {
        let (mut x, y) = coords(Curve::P521, Who::Ephemeral);
        x.insert(0, 0);
        nist_case(Curve::P521, ec_epk("P-521", &x, &y))
    },
    |e| engine_on(Curve::P521, &e),
    Error::InvalidLength {
        name: "x",
        expected: 66,
        found: 67
    }
);

case!(epk_p256_y_of_a_megabyte, {
    let (x, _) = coords(Curve::P256, Who::Ephemeral);
    nist_case(Curve::P256, ec_epk("P-256", &x, &vec![1; 1 << 20]))
}, |e| unpack_on(Curve::P256, &e),
    Error::InvalidLength { name: "y", expected: 32, found } if *found == 1 << 20);

case!(
    epk_x25519_one_octet_long,
    {
        let mut x = key(Curve::X25519, Who::Ephemeral).public_key().x();
        x.push(0);
        Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
            .epk(okp_epk(&x))
            .seal()
    },
    |e| engine(&e),
    Error::InvalidLength {
        name: "x",
        expected: 32,
        found: 33
    }
);

case!(
    epk_x25519_one_octet_short_didcomm,
    {
        let x = key(Curve::X25519, Who::Ephemeral).public_key().x();
        Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
            .epk(okp_epk(&x[1..]))
            .seal()
    },
    |e| unpack(&e),
    Error::InvalidLength {
        name: "x",
        expected: 32,
        found: 31
    }
);

case!(
    epk_negated_point,
    {
        // (x, -y) is on the curve and even yields the same Z, since Z is an x-coordinate: only
        // the authentication of the protected header can notice the substitution.
        let env = packed_anon(Curve::P256, Enc::A256Gcm);
        let header: Value = serde_json::from_str(&protected_text(&env)).unwrap();
        let y_text = header["epk"]["y"].as_str().unwrap().to_owned();
        let y = B64.decode(&y_text).unwrap();
        let p = ::hex::decode("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff")
            .unwrap();
        let mut neg = vec![0u8; 32];
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let d = p[i] as i16 - y[i] as i16 - borrow;
            neg[i] = d.rem_euclid(256) as u8;
            borrow = (d < 0) as i16;
        }
        let text = protected_text(&env).replacen(&y_text, &B64.encode(neg), 1);
        with_protected(&env, &text)
    },
    |e| unpack_on(Curve::P256, &e),
    Error::Crypto
);

case!(
    epk_curve_differs_from_recipient_key,
    {
        let epk = key(Curve::P384, Who::Ephemeral)
            .public_key()
            .to_jwk_string();
        nist_case(Curve::P256, epk)
    },
    |e| engine_on(Curve::P256, &e),
    Error::CurveMismatch {
        what: KeyRole::Recipient,
        expected: Curve::P384,
        found: Curve::P256
    }
);

case!(
    epk_curve_differs_from_recipient_key_didcomm,
    {
        let epk = key(Curve::P384, Who::Ephemeral)
            .public_key()
            .to_jwk_string();
        nist_case(Curve::X25519, epk)
    },
    |e| unpack(&e),
    Error::CurveMismatch {
        what: KeyRole::Recipient,
        expected: Curve::P384,
        found: Curve::X25519
    }
);

case!(
    sender_key_on_another_curve,
    packed_auth(Curve::X25519),
    |e| {
        let bob = key(Curve::X25519, Who::Bob);
        let alice = key(Curve::P256, Who::Alice).to_public();
        Decrypter::new()
            .recipient_key(&bob)
            .sender_key(&alice)
            .decrypt(e.as_bytes())
    },
    Error::CurveMismatch {
        what: KeyRole::Sender,
        expected: Curve::X25519,
        found: Curve::P256
    }
);

// =============================================================================================
// 9. Small-order X25519 points (RFC 7748 §6.1)
// =============================================================================================

/// The u-coordinates (little-endian) whose X25519 output is all-zero for every private key:
/// 0, 1, the two points of order 8, p-1, p, p+1, and the same values with bit 255 set.
const SMALL_ORDER: [(&str, &str); 14] = [
    (
        "zero",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ),
    (
        "one",
        "0100000000000000000000000000000000000000000000000000000000000000",
    ),
    (
        "order8_a",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    ),
    (
        "order8_b",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    ),
    (
        "p_minus_1",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "p",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "p_plus_1",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "zero_high_bit",
        "0000000000000000000000000000000000000000000000000000000000000080",
    ),
    (
        "one_high_bit",
        "0100000000000000000000000000000000000000000000000000000000000080",
    ),
    (
        "order8_a_high_bit",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
    ),
    (
        "order8_b_high_bit",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
    ),
    (
        "p_minus_1_high_bit",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    ),
    (
        "p_high_bit",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    ),
    (
        "p_plus_1_high_bit",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    ),
];

/// Each small-order epk comes with an envelope sealed under the all-zero shared secret, which
/// anyone can compute: an implementation without the check would accept it. Both receivers must
/// answer `Error::Crypto`.
#[test]
fn small_order_x25519_epk_is_a_crypto_failure() {
    let mut cases = 0;
    for (name, hex) in SMALL_ORDER {
        let u = ::hex::decode(hex).unwrap();
        let mut spec = Spec::anoncrypt(Curve::X25519, Enc::A256CbcHs512).epk(okp_epk(&u));
        spec.zero_z = true;
        let env = spec.seal();
        let err = hostile(&format!("small-order epk {name} (engine)"), || engine(&env));
        assert_eq!(err, Error::Crypto, "{name}");
        let err = hostile(&format!("small-order epk {name} (DIDComm)"), || {
            unpack(&env)
        });
        assert_eq!(err, Error::Crypto, "{name}");
        cases += 1;
    }
    assert_eq!(cases, 14);
}

/// A sender whose published X25519 key has small order: Zs is all-zero.
#[test]
fn small_order_x25519_sender_key_is_a_crypto_failure() {
    let mut cases = 0;
    for (name, hex) in SMALL_ORDER {
        let u = ::hex::decode(hex).unwrap();
        let jwk = format!(
            r#"{{"kty":"OKP","crv":"X25519","x":"{}","kid":"{ALICE}"}}"#,
            B64.encode(&u)
        );
        let alice = Jwk::from_json(&jwk).unwrap();
        let bob = key(Curve::X25519, Who::Bob);
        let env = packed_auth(Curve::X25519);
        let err = hostile(&format!("small-order sender {name}"), || {
            Decrypter::new()
                .recipient_key(&bob)
                .sender_key(&alice)
                .decrypt(env.as_bytes())
        });
        assert_eq!(err, Error::Crypto, "{name}");
        let mut keys = KeySet::new();
        keys.insert(bob.clone()).unwrap();
        keys.insert(alice).unwrap();
        let err = hostile(&format!("small-order sender {name} (DIDComm)"), || {
            Unpacker::new(&keys).unpack(env.as_bytes())
        });
        assert_eq!(err, Error::Crypto, "{name}");
        cases += 1;
    }
    assert_eq!(cases, 14);
}

// =============================================================================================
// 10. Every single-bit flip of every binary part
// =============================================================================================

/// Flips each bit of each part in turn; decryption must fail every time. Outside the protected
/// header the failure must be `Error::Crypto`. Returns the number of flips.
fn flip_every_bit(
    env: &str,
    parts: &[Part],
    receiver: impl Fn(&str) -> Result<(), Error>,
) -> usize {
    let mut cases = 0;
    for &p in parts {
        let original = part(env, p);
        for bit in 0..original.len() * 8 {
            let mut bytes = original.clone();
            bytes[bit / 8] ^= 1 << (bit % 8);
            let tampered = with_part(env, p, &bytes);
            let err = hostile(&format!("{p:?} bit {bit}"), || receiver(&tampered));
            if p != Part::Protected {
                assert_eq!(err, Error::Crypto, "{p:?} bit {bit}");
            }
            cases += 1;
        }
    }
    cases
}

fn total_bits(env: &str, parts: &[Part]) -> usize {
    parts.iter().map(|&p| part(env, p).len() * 8).sum()
}

#[test]
fn every_bit_flip_of_an_anoncrypt_envelope_fails() {
    let env = packed_anon(Curve::X25519, Enc::A256Gcm);
    engine(&env).expect("the untampered envelope decrypts");
    let parts = [
        Part::Protected,
        Part::Key(0),
        Part::Iv,
        Part::Ciphertext,
        Part::Tag,
    ];
    let n = flip_every_bit(&env, &parts, |e| engine(e).map(drop));
    println!("anoncrypt: {n} single-bit flips rejected");
    assert_eq!(n, total_bits(&env, &parts));
    assert!(n > 2000, "{n}");
}

#[test]
fn every_bit_flip_of_an_authcrypt_envelope_fails() {
    let env = packed_auth(Curve::X25519);
    unpack(&env).expect("the untampered envelope unpacks");
    let parts = [
        Part::Protected,
        Part::Key(0),
        Part::Iv,
        Part::Ciphertext,
        Part::Tag,
    ];
    let n = flip_every_bit(&env, &parts, |e| unpack(e).map(drop));
    println!("authcrypt: {n} single-bit flips rejected");
    assert_eq!(n, total_bits(&env, &parts));
    assert!(n > 3000, "{n}");
}

#[test]
fn every_bit_flip_of_a_compact_envelope_fails() {
    let env = single(Curve::P256, Enc::A128CbcHs256, Serialization::Compact);
    engine_on(Curve::P256, &env).expect("the untampered envelope decrypts");
    let parts = compact_parts(&env);
    let mut cases = 0;
    for (index, text) in parts.iter().enumerate() {
        let original = B64.decode(text).unwrap();
        for bit in 0..original.len() * 8 {
            let mut bytes = original.clone();
            bytes[bit / 8] ^= 1 << (bit % 8);
            let tampered = compact_with(&env, index, &B64.encode(&bytes));
            let err = hostile(&format!("compact part {index} bit {bit}"), || {
                engine_on(Curve::P256, &tampered)
            });
            if index > 0 {
                assert_eq!(err, Error::Crypto, "compact part {index} bit {bit}");
            }
            cases += 1;
        }
    }
    let bits: usize = parts.iter().map(|t| B64.decode(t).unwrap().len() * 8).sum();
    println!("compact: {cases} single-bit flips rejected");
    assert_eq!(cases, bits);
}

// =============================================================================================
// 11. Swapped and transplanted parts
// =============================================================================================

fn swap_keys(env: &str) -> String {
    let (a, b) = (part(env, Part::Key(0)), part(env, Part::Key(1)));
    with_part(&with_part(env, Part::Key(0), &b), Part::Key(1), &a)
}

case!(
    swapped_encrypted_keys_engine,
    swap_keys(&anon()),
    |e| engine(&e),
    Error::Crypto
);

case!(
    swapped_encrypted_keys_didcomm,
    swap_keys(&packed_auth(Curve::P256)),
    |e| unpack_on(Curve::P256, &e),
    Error::Crypto
);

case!(
    swapped_recipient_kids,
    edit_json(&packed_auth(Curve::X25519), |t| {
        let a = t["recipients"][0]["header"].clone();
        t["recipients"][0]["header"] = t["recipients"][1]["header"].clone();
        t["recipients"][1]["header"] = a;
    }),
    |e| unpack(&e),
    Error::Crypto
);

case!(
    encrypted_key_from_another_envelope,
    {
        let other = packed_anon(Curve::X25519, Enc::A256CbcHs512);
        with_part(
            &packed_anon(Curve::X25519, Enc::A256Gcm),
            Part::Key(0),
            &part(&other, Part::Key(1)),
        )
    },
    |e| engine(&e),
    Error::Crypto
);

case!(
    content_from_another_envelope,
    {
        let env = packed_auth(Curve::X25519);
        let other = Packer::authcrypt(&key(Curve::X25519, Who::Alice))
            .to(&key(Curve::X25519, Who::Bob))
            .to(&key(Curve::X25519, Who::Carol))
            .pack_with_rng(b"{\"id\":\"2\"}", &mut common::rng(99))
            .unwrap();
        let mut out = env;
        for p in [Part::Iv, Part::Ciphertext, Part::Tag] {
            out = with_part(&out, p, &part(&other, p));
        }
        out
    },
    |e| unpack(&e),
    Error::Crypto
);

case!(
    sender_key_with_the_right_kid_but_wrong_key,
    packed_auth(Curve::P384),
    |e| {
        let bob = key(Curve::P384, Who::Bob);
        let impostor = key(Curve::P384, Who::Mallory).to_public().with_kid(ALICE);
        Decrypter::new()
            .recipient_key(&bob)
            .sender_key(&impostor)
            .decrypt(e.as_bytes())
    },
    Error::Crypto
);

case!(
    recipient_key_with_the_right_kid_but_wrong_key,
    anon(),
    |e| {
        let impostor = key(Curve::X25519, Who::Mallory).with_kid(BOB);
        Decrypter::new()
            .recipient_key(&impostor)
            .decrypt(e.as_bytes())
    },
    Error::Crypto
);

/// Different cryptographic failures are indistinguishable by their message.
#[test]
fn every_crypto_failure_prints_the_same_message() {
    let auth = packed_auth(Curve::X25519);
    let mut small = Spec::anoncrypt(Curve::X25519, Enc::A256CbcHs512).epk(okp_epk(&[0; 32]));
    small.zero_z = true;
    let failures: Vec<(&str, Error)> = vec![
        (
            "tag",
            hostile("tag", || {
                let mut tag = part(&auth, Part::Tag);
                tag[0] ^= 1;
                unpack(with_part(&auth, Part::Tag, &tag))
            }),
        ),
        (
            "key unwrap",
            hostile("key unwrap", || unpack(swap_keys(&auth))),
        ),
        (
            "small order",
            hostile("small order", || unpack(small.seal())),
        ),
        (
            "wrong sender",
            hostile("wrong sender", || {
                let bob = key(Curve::X25519, Who::Bob);
                let impostor = key(Curve::X25519, Who::Mallory).to_public().with_kid(ALICE);
                Decrypter::new()
                    .recipient_key(&bob)
                    .sender_key(&impostor)
                    .decrypt(auth.as_bytes())
            }),
        ),
        (
            "empty ciphertext",
            hostile("empty ciphertext", || {
                engine(with_part_text(&anon(), Part::Ciphertext, ""))
            }),
        ),
        (
            "short key",
            hostile("short key", || {
                engine(with_part(&anon(), Part::Key(0), &[0; 8]))
            }),
        ),
    ];
    let (first_name, first) = &failures[0];
    for (name, err) in &failures {
        assert_eq!(err, &Error::Crypto, "{name}");
        assert_eq!(err.to_string(), first.to_string(), "{name} vs {first_name}");
        assert_eq!(
            format!("{err:?}"),
            format!("{first:?}"),
            "{name} vs {first_name}"
        );
    }
}

// =============================================================================================
// 12. crit and zip
// =============================================================================================

fn anon_spec() -> Spec {
    Spec::anoncrypt(Curve::X25519, Enc::A256Gcm)
}

case!(crit_names_an_unknown_extension, anon_spec()
    .header(|h| h.raw("crit", r#"["exp"]"#).raw("exp", "1700000000")).seal(),
    |e| engine(&e), Error::UnsupportedCrit(n) if n == "exp");

case!(crit_names_an_unknown_extension_didcomm, Spec::authcrypt(Curve::X25519)
    .header(|h| h.raw("crit", r#"["b64"]"#).raw("b64", "false")).seal(),
    |e| unpack(&e), Error::UnsupportedCrit(n) if n == "b64");

case!(crit_empty_array, anon_spec().header(|h| h.raw("crit", "[]")).seal(), |e| engine(&e),
    Error::InvalidMember { location: Location::Protected, name, reason: Malformed::Empty } if name == "crit");

case!(crit_names_a_registered_parameter, anon_spec().header(|h| h.raw("crit", r#"["alg"]"#)).seal(),
    |e| engine(&e),
    Error::InvalidMember { location: Location::Protected, name, reason: Malformed::ListsRegistered } if name == "crit");

case!(crit_is_a_string, anon_spec().header(|h| h.raw("crit", r#""exp""#).raw("exp", "1")).seal(),
    |e| engine(&e),
    Error::InvalidMember { location: Location::Protected, name, .. } if name == "crit");

case!(crit_names_an_absent_parameter, anon_spec().header(|h| h.raw("crit", r#"["exp"]"#)).seal(),
    |e| engine(&e),
    Error::InvalidMember { location: Location::Protected, name, reason: Malformed::ListsAbsent } if name == "crit");

case!(crit_with_a_number, anon_spec().header(|h| h.raw("crit", "[1]")).seal(), |e| engine(&e),
    Error::InvalidMember { location: Location::Protected, name, .. } if name == "crit");

case!(crit_in_unprotected_header, anon_spec()
    .unprotected(Obj::default().raw("crit", r#"["exp"]"#).raw("exp", "1")).seal(),
    |e| engine(&e),
    Error::InvalidMember { location: Location::Unprotected, name, .. } if name == "crit");

case!(crit_in_recipient_header, anon_spec().recipient(1, |r| r.raw("crit", r#"["exp"]"#)).seal(),
    |e| unpack(&e),
    Error::InvalidMember { location: Location::Recipient, name, .. } if name == "crit");

case!(crit_in_compact, {
    let bob = key(Curve::X25519, Who::Bob).to_public();
    Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256Gcm)
        .recipient(&bob)
        .serialization(Serialization::Compact)
        .protected_member("crit", json!(["exp"]))
        .protected_member("exp", json!(1))
        .encrypt_with_rng(MSG, &mut common::rng(15))
        .unwrap()
}, |e| engine(&e), Error::UnsupportedCrit(n) if n == "exp");

case!(
    zip_in_protected_header,
    anon_spec().header(|h| h.str("zip", "DEF")).seal(),
    |e| engine(&e),
    Error::UnsupportedZip
);

case!(
    zip_in_protected_header_didcomm,
    Spec::authcrypt(Curve::X25519)
        .header(|h| h.str("zip", "DEF"))
        .seal(),
    |e| unpack(&e),
    Error::UnsupportedZip
);

case!(
    zip_in_unprotected_header,
    anon_spec()
        .unprotected(Obj::default().str("zip", "DEF"))
        .seal(),
    |e| engine(&e),
    Error::UnsupportedZip
);

case!(
    zip_in_recipient_header,
    anon_spec().recipient(0, |r| r.str("zip", "DEF")).seal(),
    |e| engine(&e),
    Error::UnsupportedZip
);

case!(
    zip_in_compact,
    {
        let bob = key(Curve::X25519, Who::Bob).to_public();
        Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256Gcm)
            .recipient(&bob)
            .serialization(Serialization::Compact)
            .protected_member("zip", json!("DEF"))
            .encrypt_with_rng(MSG, &mut common::rng(16))
            .unwrap()
    },
    |e| engine(&e),
    Error::UnsupportedZip
);

// =============================================================================================
// 13. alg and enc
// =============================================================================================

case!(
    engine_1pu_key_wrap_with_gcm,
    Spec::authcrypt(Curve::X25519).enc(Enc::A256Gcm).seal(),
    |e| engine(&e),
    Error::AlgEncMismatch {
        alg: Alg::Ecdh1PuA256Kw,
        enc: Enc::A256Gcm
    }
);

case!(
    engine_1pu_a128kw_with_xc20p,
    Spec::authcrypt(Curve::X25519)
        .alg(Alg::Ecdh1PuA128Kw)
        .enc(Enc::XC20P)
        .seal(),
    |e| engine(&e),
    Error::AlgEncMismatch {
        alg: Alg::Ecdh1PuA128Kw,
        enc: Enc::XC20P
    }
);

case!(
    encrypter_refuses_1pu_with_gcm,
    MSG,
    |m| {
        let alice = key(Curve::X25519, Who::Alice);
        let bob = key(Curve::X25519, Who::Bob).to_public();
        Encrypter::new(
            Sender::Authenticated(&alice),
            Some(KeyWrap::A256Kw),
            Enc::A128Gcm,
        )
        .recipient(&bob)
        .encrypt(m)
    },
    Error::AlgEncMismatch {
        alg: Alg::Ecdh1PuA256Kw,
        enc: Enc::A128Gcm
    }
);

case!(
    didcomm_1pu_with_gcm,
    Spec::authcrypt(Curve::X25519).enc(Enc::A256Gcm).seal(),
    |e| unpack(&e),
    Error::Profile(ProfileError::EncNotAllowed {
        alg: Alg::Ecdh1PuA256Kw,
        enc: Enc::A256Gcm
    })
);

case!(
    didcomm_authcrypt_with_a128cbc,
    Spec::authcrypt(Curve::X25519).enc(Enc::A128CbcHs256).seal(),
    |e| unpack(&e),
    Error::Profile(ProfileError::EncNotAllowed {
        alg: Alg::Ecdh1PuA256Kw,
        enc: Enc::A128CbcHs256
    })
);

case!(
    didcomm_anoncrypt_with_a128gcm,
    Spec::anoncrypt(Curve::X25519, Enc::A128Gcm).seal(),
    |e| unpack(&e),
    Error::Profile(ProfileError::EncNotAllowed {
        alg: Alg::EcdhEsA256Kw,
        enc: Enc::A128Gcm
    })
);

case!(
    didcomm_alg_ecdh_es_a128kw,
    anon_spec().alg(Alg::EcdhEsA128Kw).seal(),
    |e| unpack(&e),
    Error::Profile(ProfileError::AlgNotAllowed(Alg::EcdhEsA128Kw))
);

case!(
    didcomm_alg_direct_ecdh_es,
    direct(),
    |e| envelope(&e),
    Error::Profile(ProfileError::AlgNotAllowed(Alg::EcdhEs))
);

fn with_alg(alg: &str) -> String {
    anon_spec().header(|h| h.set("alg", q(alg))).seal()
}

case!(alg_rsa_oaep, with_alg("RSA-OAEP-256"), |e| engine(&e),
    Error::UnsupportedAlg(a) if a == "RSA-OAEP-256");

case!(alg_none, with_alg("none"), |e| engine(&e), Error::UnsupportedAlg(a) if a == "none");

case!(alg_dir, with_alg("dir"), |e| unpack(&e), Error::UnsupportedAlg(a) if a == "dir");

case!(alg_in_lower_case, with_alg("ecdh-es+a256kw"), |e| engine(&e),
    Error::UnsupportedAlg(a) if a == "ecdh-es+a256kw");

case!(alg_with_trailing_nul, with_alg("ECDH-ES+A256KW\u{0}"), |e| unpack(&e),
    Error::UnsupportedAlg(a) if a == "ECDH-ES+A256KW\u{0}");

case!(
    alg_missing,
    anon_spec().header(|h| h.without("alg")).seal(),
    |e| engine(&e),
    Error::MissingMember {
        location: Location::Protected,
        name: "alg"
    }
);

case!(
    enc_missing,
    anon_spec().header(|h| h.without("enc")).seal(),
    |e| engine(&e),
    Error::MissingMember {
        location: Location::Protected,
        name: "enc"
    }
);

case!(enc_unsupported, anon_spec().header(|h| h.set("enc", q("A128CBC"))).seal(), |e| engine(&e),
    Error::UnsupportedEnc(x) if x == "A128CBC");

case!(enc_with_trailing_space, anon_spec().header(|h| h.set("enc", q("A256GCM "))).seal(),
    |e| unpack(&e), Error::UnsupportedEnc(x) if x == "A256GCM ");

fn with_epk_labels(kty: &str, crv: &str) -> String {
    let x = key(Curve::X25519, Who::Ephemeral).public_key().x();
    anon_spec()
        .epk(jwk_text(&[("kty", q(kty)), ("crv", q(crv)), ("x", qb(&x))]))
        .seal()
}

case!(epk_crv_x448, with_epk_labels("OKP", "X448"), |e| engine(&e),
    Error::UnsupportedCurve(c) if c == "X448");

case!(epk_crv_ed25519, with_epk_labels("OKP", "Ed25519"), |e| unpack(&e),
    Error::UnsupportedCurve(c) if c.starts_with("Ed25519"));

case!(epk_crv_secp256k1, with_epk_labels("EC", "secp256k1"), |e| engine(&e),
    Error::UnsupportedCurve(c) if c == "secp256k1");

case!(epk_kty_rsa, with_epk_labels("RSA", "X25519"), |e| engine(&e),
    Error::UnsupportedKeyType(k) if k == "RSA");

case!(epk_kty_oct, with_epk_labels("oct", "X25519"), |e| unpack(&e),
    Error::UnsupportedKeyType(k) if k == "oct");

// =============================================================================================
// 14. DIDComm sender and recipient rules
// =============================================================================================

fn auth_spec() -> Spec {
    Spec::authcrypt(Curve::X25519)
}

case!(
    apu_differs_from_skid,
    auth_spec().apu(b"did:example:alice#key-2").seal(),
    |e| unpack(&e),
    Error::Profile(ProfileError::ApuSkidMismatch)
);

case!(
    apv_of_one_recipient_only,
    auth_spec().apv(&apv_bytes(&[BOB])).seal(),
    |e| unpack(&e),
    Error::Profile(ProfileError::ApvMismatch)
);

case!(
    apv_of_other_recipients,
    auth_spec().apv(&apv_bytes(&[BOB, MALLORY])).seal(),
    |e| unpack(&e),
    Error::Profile(ProfileError::ApvMismatch)
);

case!(
    apv_of_unsorted_kids,
    {
        use sha2::Digest;
        let unsorted = sha2::Sha256::digest(format!("{CAROL}.{BOB}"));
        auth_spec().apv(&unsorted).seal()
    },
    |e| envelope(&e),
    Error::Profile(ProfileError::ApvMismatch)
);

case!(
    skid_without_apu,
    {
        let mut spec = auth_spec().header(|h| h.without("apu"));
        spec.apu = Vec::new();
        spec.seal()
    },
    |e| unpack(&e),
    Error::Profile(ProfileError::SkidWithoutApu)
);

case!(
    authcrypt_without_sender,
    {
        let mut spec = auth_spec().header(|h| h.without("apu").without("skid"));
        spec.apu = Vec::new();
        spec.seal()
    },
    |e| unpack(&e),
    Error::Profile(ProfileError::NoSenderKid)
);

case!(
    anoncrypt_with_skid,
    anon_spec().header(|h| h.str("skid", ALICE)).seal(),
    |e| unpack(&e),
    Error::Profile(ProfileError::SenderInAnoncrypt("skid"))
);

case!(
    anoncrypt_with_apu,
    anon_spec().apu(ALICE.as_bytes()).seal(),
    |e| unpack(&e),
    Error::Profile(ProfileError::SenderInAnoncrypt("apu"))
);

case!(anoncrypt_with_null_apu, anon_spec().header(|h| h.raw("apu", "null")).seal(),
    |e| unpack(&e),
    Error::InvalidMember { location: Location::Protected, name, .. } if name == "apu");

case!(
    skid_outside_the_protected_header,
    auth_spec().unprotect("skid").seal(),
    |e| unpack(&e),
    Error::Profile(ProfileError::NotProtected("skid"))
);

case!(
    apu_outside_the_protected_header,
    auth_spec().unprotect("apu").seal(),
    |e| unpack(&e),
    Error::Profile(ProfileError::NotProtected("apu"))
);

case!(
    epk_outside_the_protected_header,
    auth_spec().unprotect("epk").seal(),
    |e| unpack(&e),
    Error::Profile(ProfileError::NotProtected("epk"))
);

case!(
    apv_outside_the_protected_header,
    auth_spec().unprotect("apv").seal(),
    |e| unpack(&e),
    Error::Profile(ProfileError::NotProtected("apv"))
);

case!(
    enc_outside_the_protected_header,
    anon_spec().unprotect("enc").seal(),
    |e| unpack(&e),
    Error::Profile(ProfileError::NotProtected("enc"))
);

case!(
    recipient_without_kid,
    auth_spec().recipient(1, |r| r.without("kid")).seal(),
    |e| unpack(&e),
    Error::Profile(ProfileError::MissingKid)
);

case!(recipient_kid_not_a_did_url, auth_spec()
    .apv(&apv_bytes(&[BOB, "carol-key-1"]))
    .recipient(1, |r| r.set("kid", q("carol-key-1")))
    .seal(),
    |e| unpack(&e), Error::Profile(ProfileError::NotDidUrl(k)) if k == "carol-key-1");

case!(recipient_kid_repeated, auth_spec()
    .apv(&apv_bytes(&[BOB, BOB]))
    .recipient(1, |r| r.set("kid", q(BOB)))
    .seal(),
    |e| unpack(&e), Error::Profile(ProfileError::DuplicateKid(k)) if k == BOB);

case!(skid_not_a_did_url, auth_spec().header(|h| h.set("skid", q("alice"))).apu(b"alice").seal(),
    |e| unpack(&e), Error::Profile(ProfileError::NotDidUrl(k)) if k == "alice");

case!(
    apu_not_utf8_without_skid,
    {
        let mut spec = auth_spec().header(|h| h.without("skid"));
        spec = spec.apu(&[0xff, 0xfe, 0x80]);
        spec.seal()
    },
    |e| unpack(&e),
    Error::Profile(ProfileError::NotDidUrl(_))
);

case!(wrong_typ, auth_spec().header(|h| h.set("typ", q("application/didcomm-plain+json"))).seal(),
    |e| unpack(&e), Error::Profile(ProfileError::WrongTyp(t)) if t == "application/didcomm-plain+json");

case!(
    flattened_envelope_in_didcomm,
    single(Curve::X25519, Enc::A256CbcHs512, Serialization::Flattened),
    |e| unpack(&e),
    Error::Profile(ProfileError::NotGeneralJson(Serialization::Flattened))
);

case!(
    compact_envelope_in_didcomm,
    compact(),
    |e| unpack(&e),
    Error::Profile(ProfileError::NotGeneralJson(Serialization::Compact))
);

case!(recipient_not_found_engine, anon(), |e| {
    let mallory = key(Curve::X25519, Who::Mallory);
    Decrypter::new().recipient_key(&mallory).decrypt(e.as_bytes())
}, Error::RecipientNotFound(kids) if kids.contains(BOB) && kids.contains(CAROL));

case!(recipient_not_found_didcomm, packed_auth(Curve::X25519), |e| {
    let mut keys = KeySet::new();
    keys.insert(key(Curve::X25519, Who::Alice).to_public()).unwrap();
    keys.insert(key(Curve::X25519, Who::Mallory)).unwrap();
    Unpacker::new(&keys).unpack(e.as_bytes())
}, Error::RecipientNotFound(kids) if kids.contains(BOB));

case!(
    recipient_key_without_private_part,
    anon(),
    |e| {
        let bob = key(Curve::X25519, Who::Bob).to_public();
        Decrypter::new().recipient_key(&bob).decrypt(e.as_bytes())
    },
    Error::NotPrivate(_)
);

case!(sender_not_found_engine, packed_auth(Curve::X25519), |e| {
    let bob = key(Curve::X25519, Who::Bob);
    Decrypter::new().recipient_key(&bob).decrypt(e.as_bytes())
}, Error::SenderNotFound(kid) if kid == ALICE);

case!(sender_not_found_didcomm, packed_auth(Curve::X25519), |e| {
    let mut keys = KeySet::new();
    keys.insert(key(Curve::X25519, Who::Bob)).unwrap();
    keys.insert(key(Curve::X25519, Who::Carol).to_public()).unwrap();
    Unpacker::new(&keys).unpack(e.as_bytes())
}, Error::SenderNotFound(kid) if kid == ALICE);

fn layers(n: usize) -> String {
    let bob = key(Curve::X25519, Who::Bob);
    let mut message = MSG.to_vec();
    for i in 0..n {
        message = Packer::anoncrypt()
            .to(&bob)
            .pack_with_rng(&message, &mut common::rng(200 + i as u64))
            .unwrap()
            .into_bytes();
    }
    String::from_utf8(message).unwrap()
}

case!(
    nested_layers_beyond_the_default_maximum,
    layers(4),
    |e| {
        let keys = keyring(Curve::X25519);
        Unpacker::new(&keys).any_nesting(true).unpack(e.as_bytes())
    },
    Error::Profile(ProfileError::TooDeep)
);

case!(
    anoncrypt_inside_anoncrypt_is_not_a_didcomm_nesting,
    layers(2),
    |e| unpack(&e),
    Error::Profile(ProfileError::DisallowedNesting {
        outer: Mode::Anoncrypt,
        inner: Mode::Anoncrypt
    })
);

case!(
    nested_layers_beyond_a_custom_maximum,
    {
        Packer::authcrypt(&key(Curve::X25519, Who::Alice))
            .to(&key(Curve::X25519, Who::Bob))
            .protect_sender(true)
            .pack_with_rng(MSG, &mut common::rng(17))
            .unwrap()
    },
    |e| {
        let keys = keyring(Curve::X25519);
        Unpacker::new(&keys).max_layers(1).unpack(e.as_bytes())
    },
    Error::Profile(ProfileError::TooDeep)
);

#[test]
fn nesting_up_to_the_maximum_is_accepted() {
    let keys = keyring(Curve::X25519);
    let out = Unpacker::new(&keys)
        .any_nesting(true)
        .unpack(layers(3).as_bytes())
        .unwrap();
    assert_eq!(out.layers.len(), 3);
    assert_eq!(out.sender_kid(), None);
    assert_eq!(&out.plaintext[..], MSG);
}

case!(
    plaintext_from_is_not_the_sender,
    auth_spec()
        .plaintext(br#"{"id":"1","from":"did:example:mallory","to":["did:example:bob"]}"#)
        .seal(),
    |e| unpack(&e),
    Error::Profile(ProfileError::FromMismatch)
);

case!(
    plaintext_to_does_not_name_the_recipient,
    auth_spec()
        .plaintext(br#"{"id":"1","from":"did:example:alice","to":["did:example:mallory"]}"#)
        .seal(),
    |e| unpack(&e),
    Error::Profile(ProfileError::ToMismatch)
);

// =============================================================================================
// 15. Hostile keys (Jwk::from_json)
// =============================================================================================

fn p256_private_json(edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    let k = key(Curve::P256, Who::Bob);
    let mut v: Value = serde_json::from_str(&k.to_private_json().unwrap()).unwrap();
    edit(v.as_object_mut().unwrap());
    v.to_string()
}

case!(
    jwk_non_utf8,
    b"{\"kty\":\"\xff\"}".to_vec(),
    |e| { Jwk::from_json_with(&e, authcrypt::Coordinates::Strict) },
    Error::Json {
        location: Location::Jwk,
        ..
    }
);

case!(
    jwk_not_an_object,
    "[\"OKP\"]".to_owned(),
    |e| Jwk::from_json(&e),
    Error::Json {
        location: Location::Jwk,
        ..
    }
);

case!(
    jwk_private_key_does_not_match,
    p256_private_json(|m| {
        let other = key(Curve::P256, Who::Mallory)
            .secret_key()
            .unwrap()
            .to_bytes();
        m.insert("d".into(), Value::from(B64.encode(&other[..])));
    }),
    |e| Jwk::from_json(&e),
    Error::InvalidKey(KeyProblem::PrivateMismatch)
);

case!(
    jwk_private_scalar_zero,
    p256_private_json(|m| {
        m.insert("d".into(), Value::from(B64.encode([0u8; 32])));
    }),
    |e| Jwk::from_json(&e),
    Error::InvalidKey(KeyProblem::InvalidScalar)
);

case!(
    jwk_private_scalar_equal_to_the_order,
    p256_private_json(|m| {
        let n = ::hex::decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
            .unwrap();
        m.insert("d".into(), Value::from(B64.encode(n)));
    }),
    |e| Jwk::from_json(&e),
    Error::InvalidKey(KeyProblem::InvalidScalar)
);

case!(
    jwk_private_scalar_one_octet_short,
    p256_private_json(|m| {
        let d = B64.decode(m["d"].as_str().unwrap()).unwrap();
        m.insert("d".into(), Value::from(B64.encode(&d[1..])));
    }),
    |e| Jwk::from_json(&e),
    Error::InvalidLength {
        name: "d",
        expected: 32,
        found: 31
    }
);

case!(jwk_private_scalar_with_padding, p256_private_json(|m| {
    let d = B64.decode(m["d"].as_str().unwrap()).unwrap();
    m.insert("d".into(), Value::from(URL_SAFE.encode(d)));
}), |e| Jwk::from_json(&e),
    Error::Base64 { location: Location::Jwk, name } if name == "d");

case!(
    jwk_off_curve_public_key,
    p256_private_json(|m| {
        m.remove("d");
        let mut y = B64.decode(m["y"].as_str().unwrap()).unwrap();
        y[31] ^= 1;
        m.insert("y".into(), Value::from(B64.encode(y)));
    }),
    |e| Jwk::from_json(&e),
    Error::InvalidPoint {
        location: Location::Jwk,
        curve: Curve::P256
    }
);

// =============================================================================================
// Controls: the sealing helper makes envelopes that both receivers accept
// =============================================================================================

#[test]
fn sealed_envelopes_are_valid_when_no_rule_is_broken() {
    for curve in Curve::ALL {
        let auth = Spec::authcrypt(curve).seal();
        let out = unpack_on(curve, &auth).unwrap();
        assert_eq!(out.sender_kid(), Some(ALICE));
        engine_on(curve, &auth).unwrap();
        for enc in [Enc::A256CbcHs512, Enc::A256Gcm, Enc::XC20P] {
            let anon = Spec::anoncrypt(curve, enc).seal();
            assert_eq!(&unpack_on(curve, &anon).unwrap().plaintext[..], MSG);
            engine_on(curve, &anon).unwrap();
        }
    }
    // Header changes that no rule forbids keep the sealed envelope valid.
    let reordered = auth_spec().header(|h| {
        let mut h = h;
        let typ = h.take("typ").unwrap();
        h.raw("typ", typ)
    });
    unpack(reordered.seal()).unwrap();
}
