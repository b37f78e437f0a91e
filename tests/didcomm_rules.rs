//! The DIDComm v2 profile, rule by rule (`docs/rules.md` C–G, P). Each receiver check is broken by a
//! hand-built envelope that is cryptographically valid, so only the rule can catch it.

mod common;

use authcrypt::didcomm::{
    apv_for, is_did_url, DidDocument, Envelope, KeySet, MessageForm, Mode, Packer, Unpacker,
    TYP_ENCRYPTED,
};
use authcrypt::error::KeyRole;
use authcrypt::hazmat::agreement::{diffie_hellman, one_pass_unified};
use authcrypt::hazmat::content::encrypt_in_place;
use authcrypt::hazmat::kdf::{derive, FixedInfo};
use authcrypt::hazmat::wrap::{wrap, KeyWrap};
use authcrypt::Sender;
use authcrypt::{
    Alg, ContentKey, Coordinates, Curve, Decrypter, Enc, Encrypter, Error, Jwe, Jwk, ProfileError,
    Serialization,
};
use common::edit::{edit_json, edit_part, with_part_text, Part};
use common::keys::key;
use common::{b64, msg, profile, unb64};
use serde_json::{json, Value};

const ALICE: &str = "did:example:alice#key-1";
const BOB: &str = "did:example:bob#key-1";
const CAROL: &str = "did:example:carol#key-1";

struct Party {
    alice: Jwk,
    bob: Jwk,
    carol: Jwk,
}

fn party(curve: Curve) -> Party {
    Party {
        alice: key(curve, ALICE, 1),
        bob: key(curve, BOB, 2),
        carol: key(curve, CAROL, 3),
    }
}

/// Bob's keyring: his secret, Alice's and Carol's public keys.
fn bob_keys(p: &Party) -> KeySet {
    let mut ks = KeySet::new();
    ks.insert(p.bob.clone()).unwrap();
    ks.insert(p.alice.to_public()).unwrap();
    ks.insert(p.carol.to_public()).unwrap();
    ks
}

fn unpack(p: &Party, envelope: &str) -> Result<authcrypt::didcomm::Unpacked, Error> {
    let keys = bob_keys(p);
    Unpacker::new(&keys).unpack(envelope.as_bytes())
}

/// An authcrypt envelope from Alice to Bob and Carol with DIDComm headers, through the engine,
/// with `tweak` applied to the builder first.
fn authcrypt_with(p: &Party, tweak: impl FnOnce(Encrypter<'_>) -> Encrypter<'_>) -> String {
    let (bob, carol) = (p.bob.to_public(), p.carol.to_public());
    let e = Encrypter::new(
        Sender::Authenticated(&p.alice),
        Some(KeyWrap::A256Kw),
        Enc::A256CbcHs512,
    )
    .recipient(&bob)
    .recipient(&carol);
    tweak(e).encrypt(b"{\"id\":\"1\"}").unwrap()
}

fn didcomm_auth(e: Encrypter<'_>) -> Encrypter<'_> {
    e.protected_member("typ", json!(TYP_ENCRYPTED))
        .skid(ALICE)
        .apu(ALICE.as_bytes())
        .apv(unb64(&apv_for(&[BOB, CAROL])))
}

/// A general-JSON envelope built from the primitives, so that any header layout can be made
/// cryptographically valid.
struct Seal<'a> {
    alg: Alg,
    enc: Enc,
    protected: Value,
    sender: Option<&'a Jwk>,
    eph: Jwk,
    apu: Vec<u8>,
    apv: Vec<u8>,
    recipients: Vec<(Value, &'a Jwk)>,
}

impl Seal<'_> {
    fn build(&self, plaintext: &[u8]) -> String {
        let protected = b64(self.protected.to_string().as_bytes());
        let cek = ContentKey::from_bytes(self.enc, &vec![0x42; self.enc.key_len()]).unwrap();
        let iv = vec![7u8; self.enc.iv_len()];
        let mut ct = plaintext.to_vec();
        let tag = encrypt_in_place(self.enc, &cek, &iv, protected.as_bytes(), &mut ct).unwrap();
        let mut recipients = Vec::new();
        for (header, r) in &self.recipients {
            let eph = self.eph.secret_key().unwrap();
            let z = match self.sender {
                Some(s) => {
                    one_pass_unified(eph, r.public_key(), s.secret_key().unwrap(), r.public_key())
                        .unwrap()
                }
                None => diffie_hellman(eph, r.public_key()).unwrap(),
            };
            let kek = derive(
                &z,
                &FixedInfo {
                    algorithm_id: self.alg.name(),
                    apu: &self.apu,
                    apv: &self.apv,
                    key_bits: 256,
                    cctag: self.alg.is_1pu().then_some(&tag[..]),
                },
            )
            .unwrap();
            let ek = wrap(KeyWrap::A256Kw, &kek, cek.as_bytes()).unwrap();
            recipients.push(json!({"header": header, "encrypted_key": b64(&ek)}));
        }
        json!({
            "protected": protected,
            "recipients": recipients,
            "iv": b64(&iv),
            "ciphertext": b64(&ct),
            "tag": b64(&tag),
        })
        .to_string()
    }
}

fn epk_json(k: &Jwk) -> Value {
    serde_json::from_str(&k.public_key().to_jwk_string()).unwrap()
}

fn auth_seal<'a>(p: &'a Party, eph: Jwk) -> Seal<'a> {
    Seal {
        alg: Alg::Ecdh1PuA256Kw,
        enc: Enc::A256CbcHs512,
        protected: json!({
            "typ": TYP_ENCRYPTED, "alg": "ECDH-1PU+A256KW", "enc": "A256CBC-HS512",
            "skid": ALICE, "apu": b64(ALICE.as_bytes()),
            "apv": apv_for(&[BOB]), "epk": epk_json(&eph),
        }),
        sender: Some(&p.alice),
        apu: ALICE.as_bytes().to_vec(),
        apv: unb64(&apv_for(&[BOB])),
        eph,
        recipients: vec![(json!({ "kid": BOB }), &p.bob)],
    }
}

// ------------------------------------------------------------------------------------------
// Packing (rules 18, 20–27)
// ------------------------------------------------------------------------------------------

#[test]
fn authcrypt_envelope_has_the_didcomm_shape() {
    for curve in Curve::ALL {
        let p = party(curve);
        let env = Packer::authcrypt(&p.alice)
            .to(&p.carol)
            .to(&p.bob)
            .pack(&msg("hi"))
            .unwrap();
        let v: Value = serde_json::from_str(&env).unwrap();
        let recipients = v["recipients"].as_array().unwrap();
        assert_eq!(recipients.len(), 2);
        for r in recipients {
            assert_eq!(
                r["header"].as_object().unwrap().len(),
                1,
                "only kid per recipient"
            );
            assert_eq!(unb64(r["encrypted_key"].as_str().unwrap()).len(), 72);
        }
        let jwe = Jwe::parse(env.as_bytes()).unwrap();
        let h = jwe.protected_header();
        assert_eq!(h["alg"], "ECDH-1PU+A256KW");
        assert_eq!(h["enc"], "A256CBC-HS512");
        assert_eq!(h["typ"], TYP_ENCRYPTED);
        assert_eq!(h["skid"], ALICE);
        assert_eq!(h["apu"], b64(ALICE.as_bytes()));
        assert_eq!(h["apv"], apv_for(&[BOB, CAROL]));
        let epk = Jwk::from_json(&h["epk"].to_string()).unwrap();
        assert_eq!(epk.curve(), curve);
        assert!(!h["epk"].as_object().unwrap().contains_key("d"));
        assert!(jwe.unprotected_header().is_none());
        let out = unpack(&p, &env).unwrap();
        assert_eq!(&out.plaintext[..], &msg("hi")[..]);
        assert_eq!(out.sender_kid(), Some(ALICE));
        assert_eq!(out.recipient_kid(), BOB);
        assert!(out.authenticated());
    }
}

#[test]
fn anoncrypt_with_each_allowed_enc_and_no_sender_identity() {
    for enc in [Enc::A256CbcHs512, Enc::A256Gcm, Enc::XC20P] {
        let p = party(Curve::P384);
        let env = Packer::anoncrypt()
            .to(&p.bob)
            .enc(enc)
            .pack(&msg("x")[..])
            .unwrap();
        let jwe = Jwe::parse(env.as_bytes()).unwrap();
        let h = jwe.protected_header();
        assert_eq!(h["alg"], "ECDH-ES+A256KW");
        assert_eq!(h["enc"], enc.name());
        assert!(!h.contains_key("skid") && !h.contains_key("apu"));
        assert_eq!(h["apv"], apv_for(&[BOB]));
        let out = unpack(&p, &env).unwrap();
        assert_eq!(out.mode(), Some(Mode::Anoncrypt));
        assert_eq!(out.sender_kid(), None);
        assert!(!out.authenticated());
    }
    let p = party(Curve::X25519);
    let e = Packer::anoncrypt()
        .to(&p.bob)
        .enc(Enc::A128Gcm)
        .pack(&msg("x")[..])
        .unwrap_err();
    assert!(matches!(profile(e), ProfileError::EncNotAllowed { .. }));
}

#[test]
fn protect_sender_nests_authcrypt_in_anoncrypt_and_unpack_reports_both() {
    let p = party(Curve::X25519);
    let env = Packer::authcrypt(&p.alice)
        .to(&p.bob)
        .protect_sender(true)
        .enc(Enc::XC20P)
        .pack(b"{\"from\":\"did:example:alice\",\"to\":[\"did:example:bob\"]}")
        .unwrap();
    assert!(!env.contains("skid"), "the outer layer hides the sender");
    let out = unpack(&p, &env).unwrap();
    assert_eq!(out.layers.len(), 2);
    assert_eq!(out.layers[0].mode, Mode::Anoncrypt);
    assert_eq!(out.layers[0].enc, Enc::XC20P);
    assert_eq!(out.layers[1].mode, Mode::Authcrypt);
    assert_eq!(out.sender_kid(), Some(ALICE));
    // The layer limit is enforced.
    let keys = bob_keys(&p);
    let e = Unpacker::new(&keys)
        .max_layers(1)
        .unpack(env.as_bytes())
        .unwrap_err();
    assert_eq!(profile(e), ProfileError::TooDeep);
}

#[test]
fn rule_20_one_epk_per_message_fresh_each_time() {
    let p = party(Curve::X25519);
    let packer = Packer::authcrypt(&p.alice).to(&p.bob).to(&p.carol);
    let a = Jwe::parse(packer.pack(&msg("m")).unwrap().as_bytes()).unwrap();
    let b = Jwe::parse(packer.pack(&msg("m")).unwrap().as_bytes()).unwrap();
    assert_ne!(a.protected_header()["epk"], b.protected_header()["epk"]);
    assert_ne!(a.ciphertext(), b.ciphertext());
}

#[test]
fn rule_28_29_did_recipients_on_the_senders_curve_and_one_envelope_per_curve() {
    let docs = common::vector("didcomm-v2-test-keys.json");
    let bob_doc = DidDocument::from_json(
        docs["did_documents"]["did:example:bob"]
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    let alice = common::didcomm_secret("did:example:alice#key-p256-1");
    let env = Packer::authcrypt(&alice)
        .to_did(&bob_doc, "did:example:bob")
        .unwrap()
        .pack(&msg("x")[..])
        .unwrap();
    let jwe = Envelope::parse(env.as_bytes()).unwrap();
    assert_eq!(jwe.curve(), Curve::P256);
    assert_eq!(
        jwe.recipient_kids(),
        ["did:example:bob#key-p256-1", "did:example:bob#key-p256-2"]
    );
    // Anoncrypt picks the first preferred curve the DID offers.
    let env = Packer::anoncrypt()
        .prefer_curves(&[Curve::P521, Curve::X25519])
        .to_did(&bob_doc, "did:example:bob")
        .unwrap()
        .pack(&msg("x")[..])
        .unwrap();
    assert_eq!(
        Envelope::parse(env.as_bytes()).unwrap().curve(),
        Curve::P521
    );
    // All curves: one envelope each.
    let all = Packer::anoncrypt()
        .to_did(&bob_doc, "did:example:bob")
        .unwrap()
        .pack_each_curve(&msg("x")[..])
        .unwrap();
    let curves: Vec<Curve> = all.iter().map(|(c, _)| *c).collect();
    assert_eq!(curves, Curve::ALL);
    for (c, env) in &all {
        assert_eq!(Envelope::parse(env.as_bytes()).unwrap().curve(), *c);
    }
    // A DID without keyAgreement keys cannot be a recipient.
    let e = Packer::anoncrypt()
        .to_did(&bob_doc, "did:example:nobody")
        .unwrap_err();
    assert!(matches!(profile(e), ProfileError::NoKeyAgreementKey(_)));
}

#[test]
fn rule_28_explicit_recipients_on_mixed_curves_rejected() {
    let a = party(Curve::X25519);
    let b = party(Curve::P256);
    let e = Packer::anoncrypt()
        .to(&a.bob)
        .to(&b.carol)
        .pack(&msg("x")[..])
        .unwrap_err();
    assert_eq!(profile(e), ProfileError::MixedCurves);
}

#[test]
fn pack_requires_did_url_kids() {
    let p = party(Curve::X25519);
    let bad = p.bob.clone().with_kid("bob-key-1");
    let e = Packer::anoncrypt()
        .to(&bad)
        .pack(&msg("x")[..])
        .unwrap_err();
    assert!(matches!(profile(e), ProfileError::NotDidUrl(_)));
    let nokid = Jwk::generate(Curve::X25519);
    let e = Packer::anoncrypt()
        .to(&nokid)
        .pack(&msg("x")[..])
        .unwrap_err();
    assert_eq!(profile(e), ProfileError::MissingKid);
    assert!(is_did_url("did:example:alice#key-1"));
    assert!(!is_did_url("did:example:alice"));
    assert!(!is_did_url("did:example:alice#"));
    assert!(!is_did_url("did::x#k"));
}

// ------------------------------------------------------------------------------------------
// Receiver checks (rules 31–38)
// ------------------------------------------------------------------------------------------

#[test]
fn rule_31_general_json_only() {
    let p = party(Curve::X25519);
    let bob = p.bob.to_public();
    for s in [Serialization::Compact, Serialization::Flattened] {
        let env = Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256CbcHs512)
            .recipient(&bob)
            .protected_member("typ", json!(TYP_ENCRYPTED))
            .apv(unb64(&apv_for(&[BOB])))
            .serialization(s)
            .encrypt(&msg("x")[..])
            .unwrap();
        assert!(matches!(
            profile(unpack(&p, &env).unwrap_err()),
            ProfileError::NotGeneralJson(_)
        ));
        // The plain-JOSE path decrypts it.
        let d = Decrypter::new()
            .recipient_key(&p.bob)
            .decrypt(env.as_bytes())
            .unwrap();
        assert_eq!(&d.plaintext[..], &msg("x")[..]);
    }
}

#[test]
fn rule_32_alg_must_be_a_didcomm_alg() {
    let p = party(Curve::X25519);
    let bob = p.bob.to_public();
    let env = Encrypter::new(Sender::Anonymous, Some(KeyWrap::A128Kw), Enc::A256CbcHs512)
        .recipient(&bob)
        .apv(unb64(&apv_for(&[BOB])))
        .encrypt(&msg("x")[..])
        .unwrap();
    assert_eq!(
        profile(unpack(&p, &env).unwrap_err()),
        ProfileError::AlgNotAllowed(Alg::EcdhEsA128Kw)
    );
}

#[test]
fn rule_32_authcrypt_enc_must_be_a256cbc_hs512() {
    let p = party(Curve::X25519);
    let bob = p.bob.to_public();
    let env = Encrypter::new(
        Sender::Authenticated(&p.alice),
        Some(KeyWrap::A256Kw),
        Enc::A128CbcHs256,
    )
    .recipient(&bob)
    .skid(ALICE)
    .apu(ALICE.as_bytes())
    .apv(unb64(&apv_for(&[BOB])))
    .encrypt(&msg("x")[..])
    .unwrap();
    assert_eq!(
        profile(unpack(&p, &env).unwrap_err()),
        ProfileError::EncNotAllowed {
            alg: Alg::Ecdh1PuA256Kw,
            enc: Enc::A128CbcHs256
        }
    );
}

#[test]
fn rule_32_anoncrypt_enc_must_be_allowed() {
    let p = party(Curve::X25519);
    let bob = p.bob.to_public();
    let env = Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A128Gcm)
        .recipient(&bob)
        .apv(unb64(&apv_for(&[BOB])))
        .encrypt(&msg("x")[..])
        .unwrap();
    assert_eq!(
        profile(unpack(&p, &env).unwrap_err()),
        ProfileError::EncNotAllowed {
            alg: Alg::EcdhEsA256Kw,
            enc: Enc::A128Gcm
        }
    );
}

#[test]
fn rule_32_epk_must_be_protected_while_plain_jose_accepts_it_per_recipient() {
    let p = party(Curve::X25519);
    let eph = key(Curve::X25519, "eph", 9);
    let mut seal = auth_seal(&p, eph.clone());
    seal.protected.as_object_mut().unwrap().remove("epk");
    seal.recipients[0].0["epk"] = epk_json(&eph);
    let env = seal.build(&msg("x")[..]);
    assert_eq!(
        profile(unpack(&p, &env).unwrap_err()),
        ProfileError::NotProtected("epk")
    );
    let alice = p.alice.to_public();
    let d = Decrypter::new()
        .recipient_key(&p.bob)
        .sender_key(&alice)
        .decrypt(env.as_bytes())
        .unwrap();
    assert_eq!(&d.plaintext[..], &msg("x")[..]);
}

#[test]
fn rule_32_apv_must_be_protected_while_plain_jose_accepts_it_per_recipient() {
    let p = party(Curve::X25519);
    let eph = key(Curve::X25519, "eph", 9);
    let mut seal = auth_seal(&p, eph);
    let apv = seal
        .protected
        .as_object_mut()
        .unwrap()
        .remove("apv")
        .unwrap();
    seal.recipients[0].0["apv"] = apv;
    let env = seal.build(&msg("x")[..]);
    assert_eq!(
        profile(unpack(&p, &env).unwrap_err()),
        ProfileError::NotProtected("apv")
    );
    let alice = p.alice.to_public();
    let d = Decrypter::new()
        .recipient_key(&p.bob)
        .sender_key(&alice)
        .decrypt(env.as_bytes())
        .unwrap();
    assert_eq!(&d.plaintext[..], &msg("x")[..]);
}

#[test]
fn hand_built_envelope_is_valid_when_no_rule_is_broken() {
    let p = party(Curve::X25519);
    let env = auth_seal(&p, key(Curve::X25519, "eph", 9)).build(&msg("ok"));
    let out = unpack(&p, &env).unwrap();
    assert_eq!(&out.plaintext[..], &msg("ok")[..]);
}

#[test]
fn rule_33_recipient_kid_required_and_a_did_url() {
    let p = party(Curve::X25519);
    let eph = key(Curve::X25519, "eph", 9);
    let mut seal = auth_seal(&p, eph.clone());
    seal.recipients[0].0 = json!({});
    assert_eq!(
        profile(unpack(&p, &seal.build(&msg("x")[..])).unwrap_err()),
        ProfileError::MissingKid
    );
    let mut seal = auth_seal(&p, eph);
    seal.recipients[0].0 = json!({"kid": "bob-key-1"});
    seal.apv = unb64(&apv_for(&["bob-key-1"]));
    seal.protected["apv"] = json!(apv_for(&["bob-key-1"]));
    assert_eq!(
        profile(unpack(&p, &seal.build(&msg("x")[..])).unwrap_err()),
        ProfileError::NotDidUrl("bob-key-1".into())
    );
}

#[test]
fn rule_33_duplicate_recipient_kid_rejected() {
    let p = party(Curve::X25519);
    let eph = key(Curve::X25519, "eph", 9);
    let mut seal = auth_seal(&p, eph);
    seal.recipients.push((json!({"kid": BOB}), &p.bob));
    assert_eq!(
        profile(unpack(&p, &seal.build(&msg("x")[..])).unwrap_err()),
        ProfileError::DuplicateKid(BOB.into())
    );
}

#[test]
fn rule_33_recipient_key_on_another_curve_than_epk_rejected() {
    let p = party(Curve::X25519);
    // Bob's kid resolves to a P-256 key while the envelope is X25519.
    let env = Packer::authcrypt(&p.alice)
        .to(&p.bob)
        .pack(&msg("x")[..])
        .unwrap();
    let mut keys = KeySet::new();
    keys.insert(key(Curve::P256, BOB, 2)).unwrap();
    keys.insert(p.alice.to_public()).unwrap();
    let e = Unpacker::new(&keys).unpack(env.as_bytes()).unwrap_err();
    assert!(matches!(
        e,
        Error::CurveMismatch {
            what: KeyRole::Recipient,
            ..
        }
    ));
}

#[test]
fn rule_34_apv_must_match_the_recipient_kids() {
    let p = party(Curve::X25519);
    // apv computed over Bob only, while the envelope is for Bob and Carol.
    let env = authcrypt_with(&p, |e| {
        e.protected_member("typ", json!(TYP_ENCRYPTED))
            .skid(ALICE)
            .apu(ALICE.as_bytes())
            .apv(unb64(&apv_for(&[BOB])))
    });
    assert_eq!(
        profile(unpack(&p, &env).unwrap_err()),
        ProfileError::ApvMismatch
    );
    // Sorted byte-wise: key-10 before key-2, upper case before lower case.
    assert_eq!(
        apv_for(&["a#key-2", "a#key-10"]),
        apv_for(&["a#key-10", "a#key-2"])
    );
    // A kid rewritten in the unprotected recipient header breaks the binding.
    let swapped = edit_json(&authcrypt_with(&p, didcomm_auth), |t| {
        t["recipients"][1]["header"]["kid"] = json!("did:example:carol#key-2");
    });
    assert_eq!(
        profile(unpack(&p, &swapped).unwrap_err()),
        ProfileError::ApvMismatch
    );
}

#[test]
fn rule_35_apu_must_equal_skid() {
    let p = party(Curve::X25519);
    let env = authcrypt_with(&p, |e| {
        e.protected_member("typ", json!(TYP_ENCRYPTED))
            .skid(ALICE)
            .apu(CAROL.as_bytes())
            .apv(unb64(&apv_for(&[BOB, CAROL])))
    });
    assert_eq!(
        profile(unpack(&p, &env).unwrap_err()),
        ProfileError::ApuSkidMismatch
    );
}

#[test]
fn rule_35_skid_without_apu_rejected() {
    let p = party(Curve::X25519);
    let env = authcrypt_with(&p, |e| {
        e.protected_member("typ", json!(TYP_ENCRYPTED))
            .skid(ALICE)
            .apv(unb64(&apv_for(&[BOB, CAROL])))
    });
    assert_eq!(
        profile(unpack(&p, &env).unwrap_err()),
        ProfileError::SkidWithoutApu
    );
}

#[test]
fn rule_35_sender_taken_from_apu_when_skid_absent() {
    let p = party(Curve::X25519);
    let env = authcrypt_with(&p, |e| {
        e.protected_member("typ", json!(TYP_ENCRYPTED))
            .apu(ALICE.as_bytes())
            .apv(unb64(&apv_for(&[BOB, CAROL])))
    });
    let out = unpack(&p, &env).unwrap();
    assert_eq!(out.sender_kid(), Some(ALICE));
}

#[test]
fn rule_35_authcrypt_without_any_sender_id_rejected() {
    let p = party(Curve::X25519);
    let env = authcrypt_with(&p, |e| {
        e.protected_member("typ", json!(TYP_ENCRYPTED))
            .apv(unb64(&apv_for(&[BOB, CAROL])))
    });
    assert_eq!(
        profile(unpack(&p, &env).unwrap_err()),
        ProfileError::NoSenderKid
    );
}

#[test]
fn rule_35_sender_key_on_another_curve_rejected() {
    let p = party(Curve::X25519);
    let env = authcrypt_with(&p, didcomm_auth);
    let mut keys = KeySet::new();
    keys.insert(p.bob.clone()).unwrap();
    keys.insert(key(Curve::P256, ALICE, 1).to_public()).unwrap();
    let e = Unpacker::new(&keys).unpack(env.as_bytes()).unwrap_err();
    assert!(matches!(
        e,
        Error::CurveMismatch {
            what: KeyRole::Sender,
            ..
        }
    ));
}

#[test]
fn rule_35_unresolvable_sender_rejected() {
    let p = party(Curve::X25519);
    let env = authcrypt_with(&p, didcomm_auth);
    let mut keys = KeySet::new();
    keys.insert(p.bob.clone()).unwrap();
    let e = Unpacker::new(&keys).unpack(env.as_bytes()).unwrap_err();
    assert_eq!(e, Error::SenderNotFound(ALICE.into()));
}

#[test]
fn rule_35_the_reported_sender_is_the_key_that_was_checked() {
    let p = party(Curve::X25519);
    let env = authcrypt_with(&p, didcomm_auth);
    let parsed = Envelope::parse(env.as_bytes()).unwrap();
    assert_eq!(parsed.sender_kid(), Some(ALICE));
    // A key with another kid cannot stand in for the claimed sender.
    let impostor = p.alice.to_public().with_kid(CAROL);
    assert_eq!(
        parsed.decrypt(&p.bob, Some(&impostor)).unwrap_err(),
        Error::SenderNotFound(ALICE.into())
    );
    // The right kid with the wrong key material fails cryptographically.
    let wrong = key(Curve::X25519, ALICE, 77).to_public();
    assert_eq!(
        parsed.decrypt(&p.bob, Some(&wrong)).unwrap_err(),
        Error::Crypto
    );
    let (pt, layer) = parsed.decrypt(&p.bob, Some(&p.alice.to_public())).unwrap();
    assert_eq!(&pt[..], b"{\"id\":\"1\"}");
    assert_eq!(layer.sender_kid.as_deref(), Some(ALICE));
}

#[test]
fn rule_35_anoncrypt_must_not_name_a_sender() {
    let p = party(Curve::X25519);
    let bob = p.bob.to_public();
    let env = Encrypter::new(Sender::Anonymous, Some(KeyWrap::A256Kw), Enc::A256CbcHs512)
        .recipient(&bob)
        .skid(ALICE)
        .apv(unb64(&apv_for(&[BOB])))
        .encrypt(&msg("x")[..])
        .unwrap();
    assert_eq!(
        profile(unpack(&p, &env).unwrap_err()),
        ProfileError::SenderInAnoncrypt("skid")
    );
}

#[test]
fn rule_26_typ_with_and_without_application_prefix() {
    let p = party(Curve::X25519);
    for (typ, ok) in [
        ("application/didcomm-encrypted+json", true),
        ("didcomm-encrypted+json", true),
        ("application/didcomm-plain+json", false),
        ("application/json", false),
    ] {
        let env = authcrypt_with(&p, |e| {
            e.protected_member("typ", json!(typ))
                .skid(ALICE)
                .apu(ALICE.as_bytes())
                .apv(unb64(&apv_for(&[BOB, CAROL])))
        });
        match unpack(&p, &env) {
            Ok(_) => assert!(ok, "{typ}"),
            Err(e) => {
                assert!(!ok, "{typ}");
                assert_eq!(profile(e), ProfileError::WrongTyp(typ.into()));
            }
        }
    }
}

#[test]
fn rule_36_no_key_for_any_recipient() {
    let p = party(Curve::X25519);
    let env = Packer::anoncrypt()
        .to(&p.carol)
        .pack(&msg("x")[..])
        .unwrap();
    assert!(matches!(
        unpack(&p, &env).unwrap_err(),
        Error::RecipientNotFound(_)
    ));
}

#[test]
fn rule_37_tampering_is_one_generic_error() {
    let p = party(Curve::P256);
    let env = Packer::authcrypt(&p.alice)
        .to(&p.bob)
        .pack(&msg("secret"))
        .unwrap();
    let tampered = edit_part(&env, Part::Ciphertext, |mut raw| {
        raw[0] ^= 1;
        raw
    });
    assert_eq!(unpack(&p, &tampered).unwrap_err(), Error::Crypto);
}

#[test]
fn rule_38_from_must_match_the_sender_and_to_the_recipient() {
    let p = party(Curve::X25519);
    let packer = Packer::authcrypt(&p.alice).to(&p.bob);
    let ok = packer
        .pack(br#"{"from":"did:example:alice","to":["did:example:bob"]}"#)
        .unwrap();
    assert!(unpack(&p, &ok).is_ok());
    let bad_from = packer
        .pack(br#"{"from":"did:example:mallory","to":["did:example:bob"]}"#)
        .unwrap();
    assert_eq!(
        profile(unpack(&p, &bad_from).unwrap_err()),
        ProfileError::FromMismatch
    );
    let bad_to = packer
        .pack(br#"{"from":"did:example:alice","to":["did:example:carol"]}"#)
        .unwrap();
    assert_eq!(
        profile(unpack(&p, &bad_to).unwrap_err()),
        ProfileError::ToMismatch
    );
    // The checks can be switched off for messages that are not DIDComm plaintexts.
    let keys = bob_keys(&p);
    assert!(Unpacker::new(&keys)
        .message_checks(false)
        .unpack(bad_from.as_bytes())
        .is_ok());
}

// ------------------------------------------------------------------------------------------
// Compatibility with what peers emit (issue: real peers)
// ------------------------------------------------------------------------------------------

/// A P-256 key whose x coordinate starts with a zero octet.
fn p256_key_with_short_x(kid: &str) -> Jwk {
    (0..10_000u64)
        .map(|seed| key(Curve::P256, kid, 1000 + seed))
        .find(|k| k.public_key().x()[0] == 0)
        .unwrap()
}

fn shorten_x(jwk_json: &str) -> String {
    let mut v: Value = serde_json::from_str(jwk_json).unwrap();
    let x = unb64(v["x"].as_str().unwrap());
    assert_eq!(x[0], 0);
    v["x"] = json!(b64(&x[1..]));
    v.to_string()
}

#[test]
fn short_ec_coordinates_accepted_by_left_padding_and_emitted_full_length() {
    let bob = p256_key_with_short_x(BOB);
    let short = shorten_x(&bob.to_private_json().unwrap());
    // Strict JOSE parsing rejects it; the lenient policy pads it.
    assert_eq!(
        Jwk::from_json(&short).unwrap_err(),
        Error::InvalidLength {
            name: "x",
            expected: 32,
            found: 31
        }
    );
    let padded = Jwk::from_json_with(short.as_bytes(), Coordinates::LeftPadShort).unwrap();
    assert_eq!(padded.public_key(), bob.public_key());
    let set = KeySet::from_json(short.as_bytes()).unwrap();
    assert_eq!(set.len(), 1);
    // Emission is always full length.
    let emitted: Value = serde_json::from_str(&padded.to_public_json()).unwrap();
    assert_eq!(unb64(emitted["x"].as_str().unwrap()).len(), 32);
}

#[test]
fn epk_with_short_coordinates_from_a_peer_unpacks() {
    let p = party(Curve::P256);
    let eph = p256_key_with_short_x("eph");
    let mut seal = auth_seal(&p, eph.clone());
    let short_epk: Value =
        serde_json::from_str(&shorten_x(&eph.public_key().to_jwk_string())).unwrap();
    seal.protected["epk"] = short_epk;
    seal.alg = Alg::Ecdh1PuA256Kw;
    let env = seal.build(&msg("short"));
    assert_eq!(&unpack(&p, &env).unwrap().plaintext[..], &msg("short")[..]);
}

#[test]
fn empty_encrypted_key_accepted_with_direct_key_agreement_never_emitted() {
    let p = party(Curve::X25519);
    let bob = p.bob.to_public();
    let env = Encrypter::new(Sender::Anonymous, None, Enc::A256Gcm)
        .recipient(&bob)
        .encrypt(b"direct")
        .unwrap();
    assert!(!env.contains("encrypted_key"));
    let emptied = with_part_text(&env, Part::Key(0), "");
    let d = Decrypter::new()
        .recipient_key(&p.bob)
        .decrypt(emptied.as_bytes())
        .unwrap();
    assert_eq!(&d.plaintext[..], b"direct");
}

#[test]
fn key_sources_jwk_jwk_set_and_did_document() {
    let p = party(Curve::X25519);
    let set_json = format!(
        "{{\"keys\":[{},{}]}}",
        p.alice.to_public_json(),
        p.bob.to_private_json().unwrap().as_str()
    );
    let set = KeySet::from_json(set_json.as_bytes()).unwrap();
    assert_eq!(set.len(), 2);
    let env = Packer::authcrypt(&p.alice)
        .to(&p.bob)
        .pack(&msg("x")[..])
        .unwrap();
    assert!(Unpacker::new(&set).unpack(env.as_bytes()).is_ok());
    // A single JWK as a resolver.
    let env2 = Packer::anoncrypt().to(&p.bob).pack(&msg("y")).unwrap();
    assert_eq!(
        &Unpacker::new(&p.bob)
            .unpack(env2.as_bytes())
            .unwrap()
            .plaintext[..],
        &msg("y")[..]
    );
    // A DID document with relative and absolute references and an embedded method.
    let doc = json!({
        "id": "did:example:bob",
        "verificationMethod": [
            {"id": "#key-1", "type": "JsonWebKey2020", "controller": "did:example:bob",
             "publicKeyJwk": serde_json::from_str::<Value>(&p.bob.public_key().to_jwk_string()).unwrap()},
            {"id": "did:example:bob#key-2", "type": "JsonWebKey2020", "controller": "did:example:bob",
             "publicKeyJwk": serde_json::from_str::<Value>(&p.carol.public_key().to_jwk_string()).unwrap()},
        ],
        "keyAgreement": ["#key-1", "did:example:bob#key-2",
            {"id": "#key-3", "type": "JsonWebKey2020", "controller": "did:example:bob",
             "publicKeyJwk": serde_json::from_str::<Value>(&p.alice.public_key().to_jwk_string()).unwrap()}],
    });
    let doc = DidDocument::from_json(doc.to_string().as_bytes()).unwrap();
    let kids: Vec<String> = doc
        .key_agreement_keys()
        .iter()
        .map(|k| k.kid().unwrap().to_owned())
        .collect();
    assert_eq!(
        kids,
        [
            "did:example:bob#key-1",
            "did:example:bob#key-2",
            "did:example:bob#key-3"
        ]
    );
}

#[test]
fn rule_35_anoncrypt_names_no_sender_in_any_header() {
    let p = party(Curve::X25519);
    let eph = key(Curve::X25519, "eph", 9);
    let mut seal = auth_seal(&p, eph);
    seal.alg = Alg::EcdhEsA256Kw;
    seal.sender = None;
    seal.apu = Vec::new();
    let h = seal.protected.as_object_mut().unwrap();
    h.insert("alg".into(), json!("ECDH-ES+A256KW"));
    h.remove("skid");
    h.remove("apu");
    seal.recipients[0].0["skid"] = json!(ALICE);
    assert_eq!(
        profile(unpack(&p, &seal.build(&msg("x")[..])).unwrap_err()),
        ProfileError::SenderInAnoncrypt("skid")
    );
}

#[test]
fn direct_key_agreement_envelope_with_two_recipients_is_refused() {
    let p = party(Curve::X25519);
    let bob = p.bob.to_public();
    let env = Encrypter::new(Sender::Anonymous, None, Enc::A256Gcm)
        .recipient(&bob)
        .encrypt(&msg("x")[..])
        .unwrap();
    let doubled = edit_json(&env, |t| {
        let r = t["recipients"][0].clone();
        t["recipients"].as_array_mut().unwrap().push(r);
    });
    let e = Decrypter::new()
        .recipient_key(&p.bob)
        .decrypt(doubled.as_bytes())
        .unwrap_err();
    assert!(matches!(e, Error::Serialization { .. }), "{e:?}");
}

#[test]
fn pitfall_p10_the_sender_reads_its_own_message_only_as_a_listed_recipient() {
    let p = party(Curve::X25519);
    let mut alice_keys = KeySet::new();
    alice_keys.insert(p.alice.clone()).unwrap();
    let env = Packer::authcrypt(&p.alice)
        .to(&p.bob)
        .pack(&msg("x")[..])
        .unwrap();
    assert!(matches!(
        Unpacker::new(&alice_keys)
            .unpack(env.as_bytes())
            .unwrap_err(),
        Error::RecipientNotFound(_)
    ));
    let env = Packer::authcrypt(&p.alice)
        .to(&p.bob)
        .to(&p.alice)
        .pack(&msg("x")[..])
        .unwrap();
    let out = Unpacker::new(&alice_keys).unpack(env.as_bytes()).unwrap();
    assert_eq!(out.sender_kid(), Some(ALICE));
}

#[test]
fn rule_38_a_repeated_from_cannot_slip_past_the_check() {
    let p = party(Curve::X25519);
    let env = Packer::authcrypt(&p.alice)
        .to(&p.bob)
        .pack(br#"{"from":"did:example:alice","from":"did:example:mallory","to":["did:example:bob"]}"#)
        .unwrap();
    assert_eq!(
        profile(unpack(&p, &env).unwrap_err()),
        ProfileError::InvalidMessage
    );
    // A plaintext that is not a JSON object is not a message: refused with the checks on,
    // returned unexamined with them off.
    let env = Packer::authcrypt(&p.alice)
        .to(&p.bob)
        .pack(b"\x00binary")
        .unwrap();
    assert_eq!(
        profile(unpack(&p, &env).unwrap_err()),
        ProfileError::NotAMessage
    );
    let keys = bob_keys(&p);
    let out = Unpacker::new(&keys)
        .message_checks(false)
        .unpack(env.as_bytes())
        .unwrap();
    assert_eq!(out.form, MessageForm::Unchecked);
    assert_eq!(&out.plaintext[..], b"\x00binary");
}
