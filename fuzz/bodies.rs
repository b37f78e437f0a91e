//! The bodies of the fuzz targets, as plain functions over the public authcrypt API.
//!
//! Each `fuzz_targets/<name>.rs` calls the function of the same name here, and
//! `tests/fuzz_replay.rs` includes this file too and replays the committed corpus through the
//! same functions on the stable toolchain. Every function takes the raw input bytes, so a
//! corpus file means exactly the same thing to the fuzzer and to the replay test.

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use authcrypt::didcomm::{
    did_of, AnyPacker, Envelope, KeySet, MessageForm, Mode, Packer, Unpacked, Unpacker,
};
use authcrypt::{
    Alg, Coordinates, Curve, Decrypted, Decrypter, Enc, Encrypter, Jwe, Jwk, Limits, PublicKey,
    SecretKey, Sender, Serialization,
};
use base64ct::Encoding as _;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// How many recipients per curve the fixed key set has.
pub const RECIPIENTS: usize = 3;

/// Every serialization, in a fixed order.
pub const SERIALIZATIONS: [Serialization; 3] = [
    Serialization::Compact,
    Serialization::Flattened,
    Serialization::General,
];

const RECIPIENT_NAMES: [&str; RECIPIENTS] = ["bob", "carol", "dave"];

/// The fixed keys every target uses: one sender and three recipients per curve, derived from a
/// seeded RNG so that every run (and the seed corpus) sees the same keys.
pub struct Keys {
    /// Sender private keys, indexed like [`Curve::ALL`].
    pub senders: Vec<Jwk>,
    /// The public halves of `senders`.
    pub senders_public: Vec<Jwk>,
    /// Recipient private keys, `recipients[curve][i]`.
    pub recipients: Vec<Vec<Jwk>>,
    /// A key set with every recipient private key and every sender public key.
    pub keyset: KeySet,
}

/// A short lower-case curve label used in kids.
pub fn curve_label(curve: Curve) -> &'static str {
    match curve {
        Curve::X25519 => "x25519",
        Curve::P256 => "p256",
        Curve::P384 => "p384",
        Curve::P521 => "p521",
    }
}

/// Index of a curve in [`Curve::ALL`].
pub fn curve_index(curve: Curve) -> usize {
    Curve::ALL
        .iter()
        .position(|c| *c == curve)
        .expect("every curve is in Curve::ALL")
}

/// The fixed keys, built once per process.
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(0x6175_7468_6372_7970);
        let mut senders = Vec::new();
        let mut recipients = Vec::new();
        for curve in Curve::ALL {
            let label = curve_label(curve);
            senders.push(
                Jwk::generate_with_rng(curve, &mut rng)
                    .with_kid(format!("did:example:alice#key-{label}")),
            );
            recipients.push(
                RECIPIENT_NAMES
                    .iter()
                    .map(|name| {
                        Jwk::generate_with_rng(curve, &mut rng)
                            .with_kid(format!("did:example:{name}#key-{label}"))
                    })
                    .collect::<Vec<_>>(),
            );
        }
        let senders_public: Vec<Jwk> = senders.iter().map(Jwk::to_public).collect();
        let mut keyset = KeySet::new();
        for k in recipients.iter().flatten() {
            keyset.insert(k.clone()).expect("fixed keys have kids");
        }
        for k in &senders_public {
            keyset.insert(k.clone()).expect("fixed keys have kids");
        }
        Keys {
            senders,
            senders_public,
            recipients,
            keyset,
        }
    })
}

impl Keys {
    fn recipient_by_kid(&self, kid: &str) -> Option<&Jwk> {
        self.recipients
            .iter()
            .flatten()
            .find(|k| k.kid() == Some(kid))
    }

    fn sender_by_kid(&self, kid: &str) -> Option<&Jwk> {
        self.senders_public.iter().find(|k| k.kid() == Some(kid))
    }

    /// A decrypter holding every recipient key and every sender public key.
    pub fn decrypter_all(&self) -> Decrypter<'_> {
        let mut d = Decrypter::new();
        for k in self.recipients.iter().flatten() {
            d = d.recipient_key(k);
        }
        d.sender_keys(self.senders_public.iter())
    }
}

// ---------------------------------------------------------------------------------------------
// parse
// ---------------------------------------------------------------------------------------------

const HEADER_NAMES: [&str; 12] = [
    "alg", "enc", "kid", "epk", "apu", "apv", "skid", "typ", "crit", "zip", "cty", "",
];

/// Any bytes through `Jwe::parse` (and the DIDComm envelope checks); every accessor is read.
pub fn parse(data: &[u8]) {
    // The fast readers answer exactly as the general ones (built into the library only when
    // fuzzing; `cargo test` runs the same check over the corpus in the library's unit tests).
    #[cfg(fuzzing)]
    authcrypt::fuzzing::check_readers(data);

    let parsed = Jwe::parse(data);
    if let Ok(jwe) = &parsed {
        touch_jwe(jwe);
    }

    // Tight limits never accept what the default limits reject.
    let tight = Limits {
        max_envelope_len: 512,
        max_recipients: 2,
        max_json_depth: 4,
        max_trial_decryptions: 2,
    };
    let limited = Jwe::parse_with_limits(data, &tight);
    if limited.is_ok() {
        assert!(
            parsed.is_ok(),
            "accepted under tight limits but rejected under default limits: {:?}",
            parsed.err()
        );
    }
    if data.len() > tight.max_envelope_len {
        assert!(limited.is_err(), "the envelope size limit was not applied");
    }

    if let Ok(env) = Envelope::parse(data) {
        let jwe = parsed.as_ref().expect("a DIDComm envelope is a JWE");
        assert_eq!(env.jwe().serialization(), Serialization::General);
        assert!(matches!(env.alg(), Alg::EcdhEsA256Kw | Alg::Ecdh1PuA256Kw));
        assert_eq!(env.mode() == Mode::Authcrypt, env.alg().is_1pu());
        assert_eq!(env.mode() == Mode::Authcrypt, env.sender_kid().is_some());
        if env.mode() == Mode::Authcrypt {
            assert_eq!(env.enc(), Enc::A256CbcHs512);
        }
        let _ = env.curve();
        let kids: Vec<Option<&str>> = jwe.recipient_kids().expect("kids were read once");
        let env_kids: Vec<Option<&str>> =
            env.recipient_kids().iter().map(|k| Some(&k[..])).collect();
        assert_eq!(kids, env_kids);
        if let Some(sender) = env.sender_kid() {
            assert_eq!(jwe.sender_kid().ok().flatten().as_deref(), Some(sender));
        }
        touch_jwe(env.jwe());
    }
}

fn touch_jwe(jwe: &Jwe) {
    let serialization = jwe.serialization();
    let _ = serialization.name();
    assert!(!jwe.recipients().is_empty(), "a parsed JWE has a recipient");
    if serialization != Serialization::General {
        assert_eq!(jwe.recipients().len(), 1);
    }
    if serialization == Serialization::Compact {
        assert!(jwe.unprotected_header().is_none());
        assert!(jwe.aad_b64().is_none());
        assert!(jwe.recipients()[0].header().is_none());
    }
    let _ = jwe.protected_b64().len();
    let protected = jwe.protected_header();
    for (name, value) in protected {
        assert!(
            jwe.headers(0).get(name) == Some(value),
            "the protected header is part of every header union"
        );
    }
    if let Some(u) = jwe.unprotected_header() {
        for name in u.keys() {
            assert!(!protected.contains_key(name), "headers are disjoint");
        }
    }
    for r in jwe.recipients() {
        let _ = r.encrypted_key().len();
        if let Some(h) = r.header() {
            for name in h.keys() {
                assert!(!protected.contains_key(name), "headers are disjoint");
            }
        }
    }
    // One past the end too: the header union of a missing recipient is the shared part.
    for i in 0..=jwe.recipients().len().min(4) {
        let h = jwe.headers(i);
        for name in HEADER_NAMES {
            let _ = h.find(name);
            let _ = h.get(name);
            let _ = h.str(name);
            let _ = h.bytes(name);
        }
        let _ = h.alg();
        let _ = h.enc();
        let _ = h.kid();
        for coordinates in [Coordinates::Strict, Coordinates::LeftPadShort] {
            if let Ok(epk) = h.epk(coordinates) {
                assert!(!epk.is_private(), "an epk never carries a private key");
                touch_public(epk.public_key());
            }
        }
    }
    let _ = jwe.recipient_kids();
    let _ = jwe.sender_kid();
    let _ = jwe.aad_b64();
    let _ = (jwe.iv().len(), jwe.ciphertext().len(), jwe.tag().len());
}

fn touch_public(key: &PublicKey) {
    let curve = key.curve();
    let x = key.x();
    assert_eq!(x.len(), curve.coordinate_len());
    let y = key.y();
    assert_eq!(y.is_some(), curve != Curve::X25519);
    if let Some(y) = &y {
        assert_eq!(y.len(), curve.coordinate_len());
    }
    let again = PublicKey::from_coordinates(curve, &x, y.as_deref())
        .expect("the coordinates of a valid key rebuild it");
    assert!(again == *key);
    assert_eq!(again.thumbprint(), key.thumbprint());
}

// ---------------------------------------------------------------------------------------------
// jwk
// ---------------------------------------------------------------------------------------------

/// Any bytes through `Jwk::from_json_with` under both coordinate policies; whatever parses
/// must survive the public (and private) JSON round trip unchanged.
pub fn jwk(data: &[u8]) {
    let strict = Jwk::from_json_with(data, Coordinates::Strict);
    let lenient = Jwk::from_json_with(data, Coordinates::LeftPadShort);
    if let Ok(s) = &strict {
        let l = lenient
            .as_ref()
            .expect("a key read strictly is also read with left padding");
        assert!(s.public_key() == l.public_key());
        assert_eq!(s.kid(), l.kid());
        assert_eq!(s.is_private(), l.is_private());
    }
    if let Ok(text) = std::str::from_utf8(data) {
        assert_eq!(Jwk::from_json(text).is_ok(), strict.is_ok());
    }
    for key in [strict.as_ref().ok(), lenient.as_ref().ok()]
        .into_iter()
        .flatten()
    {
        check_jwk(key);
    }
    let _ = KeySet::from_json(data).map(|set| {
        for k in set.keys() {
            assert!(k.kid().is_some(), "every key of a key set has a kid");
            check_jwk(k);
        }
    });
    let _ = authcrypt::didcomm::DidDocument::from_json(data).map(|doc| {
        let _ = doc.id();
        for k in doc.key_agreement_keys() {
            assert!(!k.is_private());
            check_jwk(&k);
        }
    });
}

fn check_jwk(key: &Jwk) {
    touch_public(key.public_key());
    assert_eq!(key.curve(), key.public_key().curve());
    let thumbprint = key.thumbprint();
    assert_eq!(
        thumbprint.len(),
        43,
        "a SHA-256 thumbprint is 43 base64url characters"
    );

    let public_json = key.to_public_json();
    let public = Jwk::from_json_with(public_json.as_bytes(), Coordinates::Strict)
        .unwrap_or_else(|e| panic!("to_public_json does not re-parse: {e}: {public_json}"));
    assert!(public.public_key() == key.public_key());
    assert_eq!(public.kid(), key.kid());
    assert!(!public.is_private());
    assert_eq!(public.thumbprint(), thumbprint);
    assert_eq!(
        public.to_public_json(),
        public_json,
        "emission is canonical"
    );

    let bare = key.public_key().to_jwk_string();
    let reparsed = Jwk::from_json_with(bare.as_bytes(), Coordinates::Strict)
        .unwrap_or_else(|e| panic!("to_jwk_string does not re-parse: {e}: {bare}"));
    assert!(reparsed.public_key() == key.public_key());
    assert_eq!(reparsed.kid(), None);

    let as_public = key.to_public();
    assert!(!as_public.is_private());
    assert_eq!(as_public.to_public_json(), public_json);
    assert!(as_public.to_private_json().is_err());

    match key.secret_key() {
        None => assert!(key.to_private_json().is_err()),
        Some(secret) => {
            assert_eq!(secret.curve(), key.curve());
            assert!(secret.public_key() == *key.public_key());
            let bytes = secret.to_bytes();
            let rebuilt = SecretKey::from_bytes(key.curve(), &bytes)
                .expect("the scalar of a valid key rebuilds it");
            assert!(rebuilt.public_key() == *key.public_key());
            let private_json = key
                .to_private_json()
                .expect("a private key has private JSON");
            let again = Jwk::from_json_with(private_json.as_bytes(), Coordinates::Strict)
                .expect("to_private_json re-parses");
            assert!(again.is_private());
            assert!(again.public_key() == key.public_key());
            assert_eq!(again.kid(), key.kid());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// unpack_jose
// ---------------------------------------------------------------------------------------------

/// Any bytes through the plain JOSE decrypt path with every fixed key.
pub fn unpack_jose(data: &[u8]) {
    let k = keys();
    let all = k.decrypter_all().decrypt(data);
    if let Ok(d) = &all {
        check_decrypted(k, d);
    }
    let Ok(jwe) = Jwe::parse(data) else {
        assert!(all.is_err(), "decrypted what does not parse");
        return;
    };
    // The curve of the entry that decrypted, or else the one the first entry claims.
    let curve = match &all {
        Ok(d) => d.curve,
        Err(_) => match jwe.headers(0).epk(Coordinates::LeftPadShort) {
            Ok(epk) => epk.curve(),
            Err(_) => return,
        },
    };
    let c = curve_index(curve);
    // One curve's keys, a single sender key (so one without a kid claim is still picked), and
    // lenient epk coordinates.
    let mut one = Decrypter::new().coordinates(Coordinates::LeftPadShort);
    for r in &k.recipients[c] {
        one = one.recipient_key(r);
    }
    let one = one.sender_key(&k.senders_public[c]).decrypt(data);
    if let Ok(d) = &one {
        check_decrypted(k, d);
    }
    if let Ok(d) = &all {
        let o = one
            .as_ref()
            .expect("decrypted with every key but not with the keys of its curve");
        assert_eq!(o.plaintext[..], d.plaintext[..]);
    }
    // The entry-level API agrees with the decrypter.
    if let Ok(d) = &one {
        let key = k
            .recipient_by_kid(d.recipient_kid.as_deref().unwrap_or_default())
            .expect("checked above");
        let sender = d.alg.is_1pu().then_some(&k.senders_public[c]);
        if jwe
            .headers(d.recipient_index)
            .epk(Coordinates::Strict)
            .is_ok()
        {
            let again = jwe
                .decrypt_recipient(d.recipient_index, key, sender)
                .expect("the entry that decrypted decrypts again");
            assert_eq!(again.plaintext[..], d.plaintext[..]);
        }
    } else {
        for (i, kid) in jwe
            .recipient_kids()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .take(4)
        {
            if let Some(key) = kid.and_then(|kid| k.recipient_by_kid(kid)) {
                let sender = Some(&k.senders_public[c]);
                let _ = jwe.decrypt_recipient(i, key, sender);
                let _ = jwe.decrypt_recipient(i, key, None);
            }
        }
    }
}

fn check_decrypted(k: &Keys, d: &Decrypted) {
    let kid = d
        .recipient_kid
        .as_deref()
        .expect("every fixed key has a kid");
    let key = k
        .recipient_by_kid(kid)
        .unwrap_or_else(|| panic!("decrypted for {kid:?}, which is none of the keys"));
    assert_eq!(key.curve(), d.curve);
    assert!(SERIALIZATIONS.contains(&d.serialization));
    assert!(d.alg.check_enc(d.enc).is_ok());
    assert_eq!(d.authenticated(), d.alg.is_1pu());
    match &d.sender_kid {
        Some(s) => {
            assert!(d.alg.is_1pu(), "ECDH-ES reported a sender");
            let sender = k
                .sender_by_kid(s)
                .unwrap_or_else(|| panic!("sender {s:?} is none of the keys"));
            assert_eq!(sender.curve(), d.curve);
        }
        None => assert!(!d.alg.is_1pu(), "ECDH-1PU without a sender"),
    }
}

// ---------------------------------------------------------------------------------------------
// unpack_didcomm
// ---------------------------------------------------------------------------------------------

/// Any bytes through the DIDComm unpack path with a key set holding every fixed key.
pub fn unpack_didcomm(data: &[u8]) {
    let k = keys();
    let unpacked = Unpacker::new(&k.keyset).unpack(data);
    if let Ok(u) = &unpacked {
        check_unpacked(k, u);
        check_sender_proven(k, data, u);
        check_addressing(u);
    }
    let unchecked = Unpacker::new(&k.keyset)
        .message_checks(false)
        .max_layers(1)
        .unpack(data);
    if let Ok(u) = &unchecked {
        check_unpacked(k, u);
        check_sender_proven(k, data, u);
        assert_eq!(u.layers.len(), 1);
        assert_eq!(u.form, MessageForm::Unchecked);
    }
    let Ok(env) = Envelope::parse(data) else {
        assert!(
            unpacked.is_err() && unchecked.is_err(),
            "unpacked an invalid envelope"
        );
        return;
    };
    let sender = env.sender_kid().and_then(|s| k.sender_by_kid(s));
    for kid in env.recipient_kids().iter().take(4) {
        let Some(key) = k.recipient_by_kid(kid) else {
            continue;
        };
        let opened = env.decrypt(key, sender);
        if let Ok((plaintext, layer)) = &opened {
            assert_eq!(layer.recipient_kid, *kid);
            assert_eq!(layer.mode, env.mode());
            assert_eq!(layer.curve, key.curve());
            if let Ok(u) = &unchecked {
                assert_eq!(u.plaintext[..], plaintext[..]);
            }
        }
    }
}

fn check_unpacked(k: &Keys, u: &Unpacked) {
    assert!(!u.layers.is_empty() && u.layers.len() <= 3);
    for layer in &u.layers {
        let key = k
            .recipient_by_kid(&layer.recipient_kid)
            .unwrap_or_else(|| panic!("unpacked for {:?}, none of the keys", layer.recipient_kid));
        assert_eq!(key.curve(), layer.curve);
        match layer.mode {
            Mode::Authcrypt => {
                assert_eq!(layer.alg, Alg::Ecdh1PuA256Kw);
                assert_eq!(layer.enc, Enc::A256CbcHs512);
                let s = layer.sender_kid.as_deref().expect("authcrypt has a sender");
                let sender = k
                    .sender_by_kid(s)
                    .unwrap_or_else(|| panic!("sender {s:?} is none of the keys"));
                assert_eq!(sender.curve(), layer.curve);
            }
            Mode::Anoncrypt => {
                assert_eq!(layer.alg, Alg::EcdhEsA256Kw);
                assert!(layer.sender_kid.is_none());
            }
        }
    }
    // The sender is the innermost layer's, and only DIDComm's nesting is opened by default.
    let innermost = u.layers.last().expect("a layer");
    assert_eq!(u.authenticated(), innermost.mode == Mode::Authcrypt);
    assert_eq!(u.sender_kid(), innermost.sender_kid.as_deref());
    assert_eq!(u.sender_kid().is_some(), u.authenticated());
    assert_eq!(u.mode(), Some(u.layers[0].mode));
    if u.layers.len() == 2 {
        assert_eq!(
            (u.layers[0].mode, u.layers[1].mode),
            (Mode::Anoncrypt, Mode::Authcrypt)
        );
    }
}

/// The reported sender kid belongs to the key that passed the KDF: the plain engine, given
/// only that sender key (and required to authenticate), opens the innermost layer to the same
/// plaintext, and an anonymous innermost layer opens with no sender.
fn check_sender_proven(k: &Keys, data: &[u8], u: &Unpacked) {
    let mut layer_bytes = data.to_vec();
    for (i, layer) in u.layers.iter().enumerate() {
        let recipient = k.recipient_by_kid(&layer.recipient_kid).expect("recipient");
        let mut d = Decrypter::new()
            .coordinates(Coordinates::LeftPadShort)
            .recipient_key(recipient);
        let sender = layer
            .sender_kid
            .as_deref()
            .map(|s| k.sender_by_kid(s).expect("sender"));
        if let Some(s) = sender {
            d = d.sender_key(s).require_sender();
        }
        let opened = d
            .decrypt(&layer_bytes)
            .unwrap_or_else(|e| panic!("layer {i} does not open with the reported keys: {e}"));
        assert_eq!(opened.sender_kid.as_deref(), layer.sender_kid.as_deref());
        layer_bytes = opened.plaintext.to_vec();
    }
    match &u.signed_message {
        Some(signed) => assert_eq!(layer_bytes[..], signed[..]),
        None => assert_eq!(layer_bytes[..], u.plaintext[..]),
    }
}

/// With the checks on, a returned plaintext message's `from` is the proven sender's DID and
/// its `to` names the recipient's DID; a signed message's `from` is every signer's DID too.
fn check_addressing(u: &Unpacked) {
    let value: serde_json::Value =
        serde_json::from_slice(&u.plaintext).expect("a checked message is JSON");
    let message = match u.form {
        MessageForm::Plaintext => value,
        MessageForm::Signed => {
            assert!(u.non_repudiable(), "a verified signed message has signers");
            for signer in &u.signers {
                assert_eq!(value["from"].as_str(), Some(did_of(&signer.kid)));
            }
            value
        }
        MessageForm::SignedUnverified => panic!("only check_message leaves a signature unverified"),
        MessageForm::Unchecked => panic!("checks were on"),
    };
    let message = message.as_object().expect("an object");
    if let (Some(from), Some(sender)) = (message.get("from"), u.sender_kid()) {
        assert_eq!(
            from.as_str(),
            Some(did_of(sender)),
            "from names another DID"
        );
    }
    if let Some(to) = message.get("to") {
        let did = did_of(u.recipient_kid());
        let to = to.as_array().expect("to is an array");
        assert!(to.iter().any(|t| t.as_str().map(did_of) == Some(did)));
    }
}

// ---------------------------------------------------------------------------------------------
// roundtrip
// ---------------------------------------------------------------------------------------------

/// How the roundtrip target packs a message.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Packing {
    /// The JOSE engine: any alg, enc and serialization.
    Jose,
    /// DIDComm authcrypt.
    Authcrypt,
    /// DIDComm anoncrypt.
    Anoncrypt,
    /// DIDComm anoncrypt(authcrypt(message)).
    ProtectedSender,
}

/// A change applied to the envelope text after encryption.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Mutation {
    /// XOR the byte at `index` (modulo the length) with `value`.
    Xor {
        /// Byte position, reduced modulo the envelope length.
        index: u32,
        /// The XOR mask.
        value: u8,
    },
    /// Cut the envelope to `len` bytes (modulo its length plus one).
    Truncate {
        /// The new length, reduced modulo the envelope length plus one.
        len: u32,
    },
    /// Insert `value` before `index` (modulo the length plus one).
    Insert {
        /// Byte position, reduced modulo the envelope length plus one.
        index: u32,
        /// The inserted byte.
        value: u8,
    },
}

/// The structured input of the roundtrip target.
#[derive(Arbitrary, Debug, Clone)]
pub struct RoundtripInput {
    /// How to pack.
    pub packing: Packing,
    /// Index into [`Alg::ALL`] (JOSE only).
    pub alg: u8,
    /// Index into [`Enc::ALL`].
    pub enc: u8,
    /// Index into [`Curve::ALL`].
    pub curve: u8,
    /// Index into [`SERIALIZATIONS`] (JOSE only).
    pub serialization: u8,
    /// Number of recipients minus one, modulo [`RECIPIENTS`].
    pub recipients: u8,
    /// Which recipient decrypts, modulo the count.
    pub decrypt_as: u8,
    /// Seed of the encryption RNG.
    pub seed: u64,
    /// JOSE `apu`, `apv`, `skid` and `aad`.
    pub apu: Option<Vec<u8>>,
    /// JOSE `apv`.
    pub apv: Option<Vec<u8>>,
    /// Whether to put the sender kid in `skid` (JOSE, ECDH-1PU).
    pub skid: bool,
    /// JOSE `aad`.
    pub aad: Option<Vec<u8>>,
    /// The message.
    pub plaintext: Vec<u8>,
    /// Changes to the envelope, applied in order.
    pub mutations: Vec<Mutation>,
}

/// Structured input (decoded with `arbitrary` from the bytes) through encrypt → decrypt, then
/// through the same decrypt after the envelope text was changed: that must fail or give the
/// same plaintext, never another one.
pub fn roundtrip(data: &[u8]) {
    let Ok(input) = RoundtripInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    roundtrip_input(&input);
}

/// The body of [`roundtrip`] on decoded input.
pub fn roundtrip_input(input: &RoundtripInput) {
    let k = keys();
    let curve = Curve::ALL[usize::from(input.curve) % Curve::ALL.len()];
    let c = curve_index(curve);
    let enc = Enc::ALL[usize::from(input.enc) % Enc::ALL.len()];
    let n = 1 + usize::from(input.recipients) % RECIPIENTS;
    let recipients = &k.recipients[c][..n];
    let me = &recipients[usize::from(input.decrypt_as) % n];
    let mut rng = ChaCha20Rng::seed_from_u64(input.seed);
    match input.packing {
        Packing::Jose => roundtrip_jose(input, k, c, enc, recipients, me, &mut rng),
        packing => roundtrip_didcomm(input, packing, k, c, enc, recipients, me, &mut rng),
    }
}

fn roundtrip_jose(
    input: &RoundtripInput,
    k: &Keys,
    c: usize,
    enc: Enc,
    recipients: &[Jwk],
    me: &Jwk,
    rng: &mut ChaCha20Rng,
) {
    let alg = Alg::ALL[usize::from(input.alg) % Alg::ALL.len()];
    let serialization = SERIALIZATIONS[usize::from(input.serialization) % SERIALIZATIONS.len()];
    let n = recipients.len();
    let sender = &k.senders[c];
    let mut e = Encrypter::new(Sender::for_alg(alg, sender), alg.key_wrap(), enc)
        .serialization(serialization)
        .recipients(recipients.iter());
    if alg.is_1pu() && input.skid {
        e = e.skid(sender.kid().expect("fixed keys have kids"));
    }
    if let Some(apu) = &input.apu {
        e = e.apu(apu.clone());
    }
    if let Some(apv) = &input.apv {
        e = e.apv(apv.clone());
    }
    if let Some(aad) = &input.aad {
        e = e.aad(aad.clone());
    }
    let allowed = alg.check_enc(enc).is_ok()
        && (alg.key_wrap().is_some() || n == 1)
        && (serialization == Serialization::General || n == 1)
        && (serialization != Serialization::Compact || input.aad.is_none());
    let envelope = e.encrypt_with_rng(&input.plaintext, rng);
    let envelope = match (allowed, envelope) {
        (true, Ok(envelope)) => envelope,
        (false, Err(_)) => return,
        (true, Err(err)) => panic!(
            "{alg} {enc} {curve} {serialization} with {n} recipients was rejected: {err}",
            curve = Curve::ALL[c]
        ),
        (false, Ok(_)) => panic!(
            "{alg} {enc} {serialization} with {n} recipients (aad: {}) was accepted",
            input.aad.is_some()
        ),
    };
    let mut decrypter = Decrypter::new().recipient_key(me);
    if alg.is_1pu() {
        decrypter = decrypter.sender_key(&k.senders_public[c]);
    }
    let d = decrypter.decrypt(envelope.as_bytes()).unwrap_or_else(|e| {
        panic!("{alg} {enc} {serialization}: the envelope does not decrypt: {e}")
    });
    assert_eq!(
        d.plaintext[..],
        input.plaintext[..],
        "a different plaintext came back"
    );
    assert_eq!(
        (d.alg, d.enc, d.curve, d.serialization),
        (alg, enc, Curve::ALL[c], serialization)
    );
    assert_eq!(d.recipient_kid.as_deref(), me.kid());
    let expected_sender = alg
        .is_1pu()
        .then(|| sender.kid().expect("fixed keys have kids"));
    assert_eq!(d.sender_kid.as_deref(), expected_sender);

    let Some(mutated) = mutate(envelope.as_bytes(), &input.mutations) else {
        return;
    };
    if let Ok(m) = decrypter.decrypt(&mutated) {
        assert_eq!(
            m.plaintext[..],
            input.plaintext[..],
            "a changed envelope decrypted to a different plaintext"
        );
        assert_eq!((m.alg, m.enc, m.curve), (alg, enc, Curve::ALL[c]));
        assert_eq!(m.sender_kid.as_deref(), expected_sender);
    }
}

#[allow(clippy::too_many_arguments)]
fn roundtrip_didcomm(
    input: &RoundtripInput,
    packing: Packing,
    k: &Keys,
    c: usize,
    enc: Enc,
    recipients: &[Jwk],
    me: &Jwk,
    rng: &mut ChaCha20Rng,
) {
    // A plaintext that looks like a JSON object could look like a nested envelope; keep the
    // message opaque so the unpacked plaintext is exactly the packed one.
    let mut message = input.plaintext.clone();
    if message.trim_ascii_start().first() == Some(&b'{') {
        message.insert(0, b'm');
    }
    let sender = &k.senders[c];
    let packer: AnyPacker = match packing {
        Packing::Anoncrypt => Packer::anoncrypt().into(),
        Packing::Authcrypt => Packer::authcrypt(sender).into(),
        _ => Packer::authcrypt(sender).protect_sender(true).into(),
    };
    let packer = packer.enc(enc).to_all(recipients.iter());
    let allowed = matches!(packing, Packing::Authcrypt) || Mode::Anoncrypt.allows(enc);
    let envelope = match (allowed, packer.pack_with_rng(&message, rng)) {
        (true, Ok(envelope)) => envelope,
        (false, Err(_)) => return,
        (true, Err(err)) => panic!("{packing:?} with {enc} was rejected: {err}"),
        (false, Ok(_)) => panic!("{packing:?} with {enc} was accepted"),
    };
    let mut keyset = KeySet::new();
    keyset.insert(me.clone()).expect("fixed keys have kids");
    for s in &k.senders_public {
        keyset.insert(s.clone()).expect("fixed keys have kids");
    }
    let unpacker = Unpacker::new(&keyset).message_checks(false);
    let u = unpacker
        .unpack(envelope.as_bytes())
        .unwrap_or_else(|e| panic!("{packing:?} {enc}: the envelope does not unpack: {e}"));
    assert_eq!(
        u.plaintext[..],
        message[..],
        "a different plaintext came back"
    );
    let layers = if matches!(packing, Packing::ProtectedSender) {
        2
    } else {
        1
    };
    assert_eq!(u.layers.len(), layers);
    for layer in &u.layers {
        assert_eq!(Some(layer.recipient_kid.as_str()), me.kid());
        assert_eq!(layer.curve, Curve::ALL[c]);
    }
    let expected_sender = (!matches!(packing, Packing::Anoncrypt))
        .then(|| sender.kid().expect("fixed keys have kids"));
    assert_eq!(u.sender_kid(), expected_sender);

    let Some(mutated) = mutate(envelope.as_bytes(), &input.mutations) else {
        return;
    };
    if let Ok(m) = unpacker.unpack(&mutated) {
        assert_eq!(
            m.plaintext[..],
            message[..],
            "a changed envelope unpacked to a different plaintext"
        );
        assert_eq!(m.sender_kid(), expected_sender);
        assert_eq!(m.layers.len(), layers);
    }
}

/// Applies the mutations (at most 16); `None` when they leave the envelope unchanged.
pub fn mutate(envelope: &[u8], mutations: &[Mutation]) -> Option<Vec<u8>> {
    let mut out = envelope.to_vec();
    for m in mutations.iter().take(16) {
        match *m {
            Mutation::Xor { index, value } => {
                if !out.is_empty() {
                    let i = index as usize % out.len();
                    out[i] ^= value;
                }
            }
            Mutation::Truncate { len } => {
                let len = len as usize % (out.len() + 1);
                out.truncate(len);
            }
            Mutation::Insert { index, value } => {
                let i = index as usize % (out.len() + 1);
                out.insert(i, value);
            }
        }
    }
    (out != envelope).then_some(out)
}

// ---------------------------------------------------------------------------------------------
// Seeds
// ---------------------------------------------------------------------------------------------

/// A DIDComm plaintext from alice to the given recipients.
pub fn seed_message(to: &[Jwk]) -> Vec<u8> {
    let mut dids: Vec<String> = Vec::new();
    for r in to {
        let kid = r.kid().unwrap_or_default();
        let did = authcrypt::didcomm::did_of(kid).to_owned();
        if !dids.contains(&did) {
            dids.push(did);
        }
    }
    let to: Vec<String> = dids.iter().map(|d| format!("\"{d}\"")).collect();
    format!(
        "{{\"id\":\"1234567890\",\"type\":\"https://didcomm.org/basicmessage/2.0/message\",\
         \"from\":\"did:example:alice\",\"to\":[{}],\"body\":{{\"content\":\"hi\"}}}}",
        to.join(",")
    )
    .into_bytes()
}

/// Envelopes produced with the fixed keys: every alg × enc × curve × serialization the JOSE
/// engine accepts (with one, two and three recipients where allowed), then DIDComm authcrypt,
/// anoncrypt and protected-sender envelopes on every curve.
pub fn seed_envelopes() -> Vec<(String, String)> {
    let k = keys();
    let mut out = Vec::new();
    let mut seed = 0u64;
    for (c, curve) in Curve::ALL.into_iter().enumerate() {
        let label = curve_label(curve);
        for alg in Alg::ALL {
            for enc in Enc::ALL {
                if alg.check_enc(enc).is_err() {
                    continue;
                }
                for serialization in SERIALIZATIONS {
                    let max = if serialization == Serialization::General && alg.key_wrap().is_some()
                    {
                        RECIPIENTS
                    } else {
                        1
                    };
                    for n in 1..=max {
                        seed += 1;
                        let mut rng = ChaCha20Rng::seed_from_u64(seed);
                        let mut e = Encrypter::new(
                            Sender::for_alg(alg, &k.senders[c]),
                            alg.key_wrap(),
                            enc,
                        )
                        .serialization(serialization)
                        .recipients(k.recipients[c][..n].iter())
                        .apv(b"Bob".to_vec());
                        if alg.is_1pu() {
                            let s = &k.senders[c];
                            let kid = s.kid().expect("fixed keys have kids");
                            e = e.skid(kid).apu(kid.as_bytes().to_vec());
                        }
                        if serialization != Serialization::Compact && n == 2 {
                            e = e.aad(b"extra authenticated data".to_vec());
                        }
                        let text = e
                            .encrypt_with_rng(&seed_message(&k.recipients[c][..n]), &mut rng)
                            .expect("every allowed combination encrypts");
                        let name = format!(
                            "jose-{label}-{}-{}-{}-{n}",
                            alg.name(),
                            enc.name(),
                            match serialization {
                                Serialization::Compact => "compact",
                                Serialization::Flattened => "flattened",
                                Serialization::General => "general",
                            }
                        );
                        out.push((name, text));
                    }
                }
            }
        }
        for n in 1..=RECIPIENTS {
            let to = &k.recipients[c][..n];
            let message = seed_message(to);
            seed += 1;
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let text = Packer::authcrypt(&k.senders[c])
                .to_all(to.iter())
                .pack_with_rng(&message, &mut rng)
                .expect("authcrypt packs");
            out.push((format!("didcomm-{label}-authcrypt-{n}"), text));
            for enc in [Enc::A256CbcHs512, Enc::A256Gcm, Enc::XC20P] {
                for protect in [false, true] {
                    seed += 1;
                    let mut rng = ChaCha20Rng::seed_from_u64(seed);
                    let packer: AnyPacker = if protect {
                        Packer::authcrypt(&k.senders[c]).protect_sender(true).into()
                    } else {
                        Packer::anoncrypt().into()
                    };
                    let text = packer
                        .enc(enc)
                        .to_all(to.iter())
                        .pack_with_rng(&message, &mut rng)
                        .expect("anoncrypt packs");
                    let kind = if protect { "protected" } else { "anoncrypt" };
                    out.push((format!("didcomm-{label}-{kind}-{}-{n}", enc.name()), text));
                }
            }
        }
    }
    out
}

/// The private and public JSON of every fixed key, named by kid.
pub fn seed_keys() -> Vec<(String, String)> {
    let k = keys();
    let mut out = Vec::new();
    for key in k.senders.iter().chain(k.recipients.iter().flatten()) {
        let kid = key.kid().unwrap_or_default().replace([':', '#'], "-");
        out.push((
            format!("{kid}-private"),
            key.to_private_json()
                .expect("fixed keys are private")
                .to_string(),
        ));
        out.push((format!("{kid}-public"), key.to_public_json()));
    }
    out
}

/// Deterministic byte strings for the structured roundtrip target.
pub fn seed_roundtrip_inputs() -> Vec<Vec<u8>> {
    use rand_chacha::rand_core::RngCore;
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut out = Vec::new();
    for len in [0usize, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256] {
        for _ in 0..4 {
            let mut bytes = vec![0u8; len];
            rng.fill_bytes(&mut bytes);
            out.push(bytes);
        }
    }
    out
}

/// The fixed signature keys of the `jws` target: one per algorithm, with DID URL kids.
pub fn signing_keys() -> &'static [authcrypt::jws::SigningKey] {
    static KEYS: OnceLock<Vec<authcrypt::jws::SigningKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(0x006a_7773);
        authcrypt::jws::SigAlg::ALL
            .into_iter()
            .enumerate()
            .map(|(i, alg)| {
                authcrypt::jws::SigningKey::generate_with_rng(alg, &mut rng)
                    .with_kid(format!("did:example:alice#sig-{i}"))
            })
            .collect()
    })
}

/// Parses `data` as a JWS and verifies it with the fixed keys: never a panic, and what parses
/// keeps its invariants (the payload is the decoding of its text; a verified signature names
/// one of the keys and has the length of its algorithm). Then the same input as a DIDComm
/// signed message, alone and unpacked: a message that verifies names only signers whose DID is
/// its `from`.
pub fn jws(data: &[u8]) {
    use authcrypt::jws::{Jws, VerifyingKey};
    signed_message(data);
    let Ok(jws) = Jws::parse(data) else {
        return;
    };
    assert_eq!(
        base64ct::Base64UrlUnpadded::decode_vec(jws.payload_b64())
            .ok()
            .as_deref(),
        Some(jws.payload())
    );
    assert!(!jws.signatures().is_empty());
    let public: Vec<VerifyingKey> = signing_keys().iter().map(|k| k.verifying_key()).collect();
    let refs: Vec<&VerifyingKey> = public.iter().collect();
    if let Ok(verified) = jws.verify(&refs) {
        assert_eq!(verified.len(), jws.signatures().len());
        for v in &verified {
            let key = public.iter().find(|k| k.kid() == v.kid.as_deref()).unwrap();
            assert_eq!(key.alg(), v.alg);
            assert_eq!(
                jws.signatures()[v.index].signature().len(),
                v.alg.signature_len()
            );
        }
    }
}

/// The DIDComm signed-message reader on `data`, in two steps and through the unpacker, which
/// must agree; whatever verifies is bound to its `from`.
fn signed_message(data: &[u8]) {
    use authcrypt::didcomm::{did_of, KeySet, SignedMessage, Unpacker};
    let mut keys = KeySet::new();
    for key in signing_keys() {
        keys.insert_verification_key(key.verifying_key())
            .expect("distinct kids");
    }
    let two_step = SignedMessage::parse(data).and_then(|m| m.verify(&keys, None));
    let unpacked = Unpacker::new(&keys).unpack(data);
    match (&two_step, &unpacked) {
        (Ok(v), Ok(u)) => {
            assert_eq!(v.payload[..], u.plaintext[..]);
            assert_eq!(v.signers, u.signers);
            assert!(u.layers.is_empty() && !u.authenticated());
            let message: serde_json::Value =
                serde_json::from_slice(&v.payload).expect("a verified payload is JSON");
            for s in &v.signers {
                assert_eq!(message["from"].as_str(), Some(did_of(&s.kid)));
            }
        }
        (Ok(_), Err(e)) => panic!("the unpacker refused a signed message that verifies: {e}"),
        (Err(_), Ok(u)) => assert!(!u.non_repudiable(), "the unpacker verified what fails"),
        (Err(_), Err(_)) => {}
    }
}

/// Seed inputs of the `jws` target: a signed message per key and serialization.
pub fn seed_jws() -> Vec<(String, String)> {
    use authcrypt::jws::Signer;
    let mut out = Vec::new();
    for key in signing_keys() {
        for serialization in SERIALIZATIONS {
            let text = Signer::new(key)
                .typ("application/didcomm-signed+json")
                .serialization(serialization)
                .sign(br#"{"id":"1","type":"t","from":"did:example:alice","body":{}}"#)
                .expect("the fixed keys sign");
            out.push((format!("{}-{serialization:?}", key.alg()), text));
        }
    }
    out
}

/// Reads `data` as a DID document and, as text, as a DID of a local method (did:key,
/// did:peer:0, did:peer:2): never a panic, and what reads
/// keeps its invariants (every key answers for a DID URL of the document's own DID; a did:key
/// document's keys decode from the DID itself).
pub fn did(data: &[u8]) {
    use authcrypt::did::{did_of, DidDocument, KeyResolver, LocalDids};
    if let Ok(doc) = DidDocument::from_json(data) {
        for k in doc.key_agreement_keys() {
            let kid = k.kid().expect("a document's key has its method id");
            assert_eq!(did_of(kid), doc.id());
            assert_eq!(
                doc.public_key(kid).map(|j| j.to_public_json()),
                Some(k.to_public_json())
            );
        }
        for k in doc.authentication_keys() {
            let kid = k.kid().expect("a document's key has its method id");
            assert_eq!(did_of(kid), doc.id());
            assert_eq!(doc.verification_key(kid).as_ref(), Some(&k));
        }
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(doc) = LocalDids::resolve(text.trim()) {
        assert_eq!(doc.id(), text.trim());
        assert!(
            !doc.key_agreement_keys().is_empty() || !doc.authentication_keys().is_empty(),
            "a did:key names a key"
        );
        // The JSON form reads back to the same document.
        let again = DidDocument::from_value(&LocalDids::document_json(doc.id()).unwrap()).unwrap();
        let jsons = |d: &DidDocument| -> Vec<String> {
            d.key_agreement_keys()
                .iter()
                .map(|k| k.to_public_json())
                .collect()
        };
        assert_eq!(jsons(&again), jsons(&doc));
    }
}

/// Seed inputs of the `did` target: the did:key vectors' DIDs and documents.
pub fn seed_did() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (i, did) in [
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
        "did:key:z6LSeu9HkTHSfLLeUs2nnzUSNedgDUevfNQgQjQC23ZCit6F",
        "did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv",
        "did:key:z82Lm1MpAkeJcix9K8TMiLd5NMAhnwkjjCBeWHXyu3U4oT2MVJJKXkcVBgjGhnLBn2Kaau9",
        "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",
        "did:peer:2.Vz6Mkj3PUd1WjvaDhNZhhhXQdz5UnZXmS7ehtx8bsPpD47kKc.Ez6LSg8zQom395jKLrGiBNruB9MM6V8PWuf2FpEy4uRFiqQBR.SeyJ0IjoiZG0iLCJzIjp7InVyaSI6Imh0dHA6Ly9leGFtcGxlLmNvbS9kaWRjb21tIiwiYSI6WyJkaWRjb21tL3YyIl0sInIiOlsiZGlkOmV4YW1wbGU6MTIzNDU2Nzg5YWJjZGVmZ2hpI2tleS0xIl19fQ",
        "did:peer:0z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH",
    ]
    .into_iter()
    .enumerate()
    {
        out.push((format!("did-key-{i}"), did.as_bytes().to_vec()));
        let doc = authcrypt::did::LocalDids::document_json(did).expect("a vector DID");
        out.push((format!("document-{i}"), doc.to_string().into_bytes()));
    }
    out
}
