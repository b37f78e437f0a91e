//! The typed plaintext message and the checks on it (rules M7–M9 of `docs/rules.md`): `typ`,
//! `expires_time` against the caller's clock, and `from_prior` verified against the prior DID.

mod common;

use authcrypt::didcomm::{
    Attachment, FromPrior, KeySet, Message, Packer, Unpacked, Unpacker, TYP_PLAIN,
};
use authcrypt::error::FromPriorProblem;
use authcrypt::jws::{SigAlg, Signer, SigningKey};
use authcrypt::{Curve, Error, Jwk, ProfileError, Serialization};
use common::{profile, vector};
use serde_json::{json, Map, Value};

const NOW: u64 = 1_700_000_000;

struct World {
    alice: Jwk,
    bob: Jwk,
    /// The key of Alice's prior DID, did:example:alice-old.
    old: SigningKey,
}

fn world() -> World {
    World {
        alice: Jwk::generate(Curve::X25519).with_kid("did:example:alice#key-1"),
        bob: Jwk::generate(Curve::X25519).with_kid("did:example:bob#key-1"),
        old: SigningKey::generate(SigAlg::EdDsa).with_kid("did:example:alice-old#key-1"),
    }
}

fn keys(w: &World) -> KeySet {
    let mut keys = KeySet::new();
    keys.insert(w.bob.clone()).unwrap();
    keys.insert(w.alice.to_public()).unwrap();
    keys.insert_verification_key(w.old.verifying_key()).unwrap();
    keys
}

fn message(extra: Value) -> Vec<u8> {
    let mut m = json!({"id": "1", "type": "https://example.org/t", "from": "did:example:alice",
                       "to": ["did:example:bob"], "body": {}});
    for (k, v) in extra.as_object().unwrap() {
        m[k] = v.clone();
    }
    m.to_string().into_bytes()
}

/// Alice authcrypts `plaintext` to Bob; Bob unpacks, at `now` when given.
fn unpack(w: &World, plaintext: &[u8], now: Option<u64>) -> Result<Unpacked, Error> {
    let env = Packer::authcrypt(&w.alice)
        .to(&w.bob.to_public())
        .pack(plaintext)
        .unwrap();
    let keys = keys(w);
    let mut unpacker = Unpacker::new(&keys);
    if let Some(now) = now {
        unpacker = unpacker.at(now);
    }
    unpacker.unpack(env.as_bytes())
}

fn rotation_problem(e: Error) -> FromPriorProblem {
    match profile(e) {
        ProfileError::InvalidFromPrior(p) => p,
        other => panic!("expected InvalidFromPrior, got {other:?}"),
    }
}

/// A from_prior JWT with any claims, signed by `key`.
fn jwt(key: &SigningKey, claims: Value) -> String {
    Signer::new(key)
        .typ("JWT")
        .serialization(Serialization::Compact)
        .sign(claims.to_string().as_bytes())
        .unwrap()
}

#[test]
fn a_message_reads_strictly_keeps_unknown_headers_and_writes_back() {
    let spec = vector("didcomm-v2-encrypted-messages.json")["messages"][0]
        ["expected_plaintext_utf8"]
        .as_str()
        .unwrap()
        .to_owned();
    let m = Message::from_json(spec.as_bytes()).unwrap();
    assert_eq!(m.id, "1234567890");
    assert_eq!(m.typ.as_deref(), Some(TYP_PLAIN));
    assert_eq!(m.expires_time, Some(1_516_385_931));
    let back: Value = serde_json::from_str(&m.to_json()).unwrap();
    assert_eq!(back, serde_json::from_str::<Value>(&spec).unwrap());

    let built = Message::build("2", "https://example.org/t", json!({"a": 1}))
        .from("did:example:alice")
        .to(["did:example:bob"])
        .thid("t-1")
        .pthid("p-1")
        .created_time(NOW)
        .expires_time(NOW + 60)
        .attachment(Attachment {
            id: Some("a1".into()),
            description: None,
            filename: None,
            media_type: Some("application/json".into()),
            format: None,
            lastmod_time: None,
            byte_count: None,
            data: serde_json::from_value(json!({"json": {"x": 1}})).unwrap(),
            extra: Map::new(),
        })
        .header("lang", json!("en"))
        .unwrap()
        .header("created_time", json!(NOW + 1))
        .unwrap()
        .finalize();
    assert_eq!(
        built.created_time,
        Some(NOW + 1),
        "a known name sets its field"
    );
    assert!(matches!(
        Message::build("3", "t", json!({})).header("to", json!("did:example:bob")),
        Err(Error::Json { .. })
    ));
    let again = Message::from_json(built.to_json().as_bytes()).unwrap();
    assert_eq!(again, built);
    assert_eq!(again.extra["lang"], "en");
    assert!(!again.is_expired_at(NOW + 60));
    assert!(again.is_expired_at(NOW + 61));

    // Unknown members of an attachment are kept too; required members are required.
    let with_extra = message(json!({"attachments": [{"data": {"base64": "AA"}, "x-note": 1}]}));
    let m = Message::from_json(&with_extra).unwrap();
    assert_eq!(m.attachments.unwrap()[0].extra["x-note"], 1);
    for bad in [
        json!({"type": "t", "body": {}}),
        json!({"id": "1", "body": {}}),
        json!({"id": "1", "type": "t"}),
        json!({"id": 1, "type": "t", "body": {}}),
        json!({"id": "1", "type": "t", "body": {}, "created_time": -1}),
        json!({"id": "1", "type": "t", "body": {}, "attachments": [{}]}),
    ] {
        assert!(
            matches!(
                Message::from_json(bad.to_string().as_bytes()),
                Err(Error::Json { .. })
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        Message::from_json(br#"{"id":"1","id":"2","type":"t","body":{}}"#),
        Err(Error::DuplicateMember { .. })
    ));
    assert_eq!(
        profile(Message::from_json(&message(json!({"typ": "application/json"}))).unwrap_err()),
        ProfileError::WrongPlainTyp("application/json".into())
    );
}

#[test]
fn rule_m7_a_typ_is_the_plaintext_media_type() {
    let w = world();
    for typ in [
        TYP_PLAIN,
        "didcomm-plain+json",
        "APPLICATION/DIDCOMM-PLAIN+JSON",
    ] {
        unpack(&w, &message(json!({ "typ": typ })), None).unwrap();
    }
    assert_eq!(
        profile(
            unpack(
                &w,
                &message(json!({"typ": "application/didcomm-encrypted+json"})),
                None
            )
            .unwrap_err()
        ),
        ProfileError::WrongPlainTyp("application/didcomm-encrypted+json".into())
    );
    assert!(matches!(
        profile(unpack(&w, &message(json!({"typ": 1})), None).unwrap_err()),
        ProfileError::WrongPlainTyp(_)
    ));
    // Inside a signed message too.
    let signer = SigningKey::generate(SigAlg::EdDsa).with_kid("did:example:alice#key-sig");
    let signed = Signer::new(&signer)
        .sign(&message(json!({"typ": "text/plain"})))
        .unwrap();
    let mut keys = keys(&w);
    keys.insert_verification_key(signer.verifying_key())
        .unwrap();
    assert_eq!(
        profile(Unpacker::new(&keys).unpack(signed.as_bytes()).unwrap_err()),
        ProfileError::WrongPlainTyp("text/plain".into())
    );
}

#[test]
fn rule_m8_an_expired_message_is_refused_when_the_time_is_given() {
    let w = world();
    let m = message(json!({"expires_time": NOW}));
    // Without a time nothing is checked; at the expiry itself the message is still valid.
    unpack(&w, &m, None).unwrap();
    unpack(&w, &m, Some(NOW)).unwrap();
    assert_eq!(
        profile(unpack(&w, &m, Some(NOW + 1)).unwrap_err()),
        ProfileError::Expired {
            expires_time: NOW,
            now: NOW + 1
        }
    );
    for bad in [json!("1700000000"), json!(-1), json!(1.5)] {
        assert_eq!(
            profile(unpack(&w, &message(json!({ "expires_time": bad })), None).unwrap_err()),
            ProfileError::InvalidTime("expires_time")
        );
    }
}

#[test]
fn rule_m9_from_prior_is_verified_against_the_prior_dids_key_and_the_clock() {
    let w = world();
    let good = FromPrior::sign(&w.old, "did:example:alice", NOW).unwrap();
    let out = unpack(&w, &message(json!({ "from_prior": good })), Some(NOW)).unwrap();
    let rotation = out.from_prior.clone().expect("the rotation is reported");
    assert_eq!(rotation.iss, "did:example:alice-old");
    assert_eq!(rotation.sub, "did:example:alice");
    assert_eq!(rotation.kid, "did:example:alice-old#key-1");
    assert_eq!(rotation.alg, SigAlg::EdDsa);
    assert_eq!(
        out.message().unwrap().from_prior.as_deref(),
        Some(good.as_str())
    );

    let with = |from_prior: Value, now: Option<u64>| {
        unpack(&w, &message(json!({ "from_prior": from_prior })), now).unwrap_err()
    };
    // Signed by a key nobody lists for the prior DID, or changed after signing.
    let stranger = SigningKey::generate(SigAlg::EdDsa).with_kid("did:example:alice-old#key-9");
    assert_eq!(
        profile(with(
            FromPrior::sign(&stranger, "did:example:alice", NOW)
                .unwrap()
                .into(),
            None
        )),
        ProfileError::UnknownSigner("did:example:alice-old#key-9".into())
    );
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    parts[1] = common::b64(
        br#"{"iat":1700000000,"iss":"did:example:alice-old","sub":"did:example:alicf"}"#,
    );
    assert_eq!(with(parts.join(".").into(), None), Error::Crypto);
    // The claims: iss is the kid's DID, sub is `from`, and they differ.
    let cases = [
        (
            json!({"iss": "did:example:mallory", "sub": "did:example:alice"}),
            FromPriorProblem::KidNotOfIss,
        ),
        (
            json!({"iss": "did:example:alice-old", "sub": "did:example:carol"}),
            FromPriorProblem::SubNotFrom,
        ),
        (
            json!({"iss": "did:example:alice-old", "sub": "did:example:alice-old"}),
            FromPriorProblem::SameDid,
        ),
        (
            json!({"iss": "did:example:alice-old", "sub": "did:example:alice#key-1"}),
            FromPriorProblem::Claims,
        ),
        (
            json!({"iss": "did:example:alice-old"}),
            FromPriorProblem::Claims,
        ),
        (json!(["not", "an", "object"]), FromPriorProblem::Claims),
        (
            json!({"iss": "did:example:alice-old", "sub": "did:example:alice", "iat": "x"}),
            FromPriorProblem::Claims,
        ),
    ];
    for (claims, want) in cases {
        assert_eq!(
            rotation_problem(with(jwt(&w.old, claims.clone()).into(), None)),
            want,
            "{claims}"
        );
    }
    // The times, against the caller's clock only.
    let timed = |extra: Value| {
        let mut claims = json!({"iss": "did:example:alice-old", "sub": "did:example:alice"});
        for (k, v) in extra.as_object().unwrap() {
            claims[k] = v.clone();
        }
        jwt(&w.old, claims)
    };
    for (extra, want) in [
        (json!({"iat": NOW + 1}), FromPriorProblem::NotYetValid),
        (json!({"nbf": NOW + 1}), FromPriorProblem::NotYetValid),
        (json!({"exp": NOW}), FromPriorProblem::Expired),
    ] {
        let token = timed(extra.clone());
        assert_eq!(
            rotation_problem(with(token.clone().into(), Some(NOW))),
            want,
            "{extra}"
        );
        // Without a clock the rotation is verified but its times are not.
        unpack(&w, &message(json!({ "from_prior": token })), None).unwrap();
    }
    unpack(
        &w,
        &message(json!({"from_prior": timed(json!({"iat": NOW, "nbf": NOW, "exp": NOW + 1}))})),
        Some(NOW),
    )
    .unwrap();
    // Only a compact JWS with a kid.
    let general = Signer::new(&w.old)
        .sign(br#"{"iss":"did:example:alice-old","sub":"did:example:alice"}"#)
        .unwrap();
    assert_eq!(
        rotation_problem(with(general.into(), None)),
        FromPriorProblem::NotCompactJws
    );
    assert_eq!(
        rotation_problem(with(json!(42), None)),
        FromPriorProblem::NotCompactJws
    );
    let no_kid = SigningKey::generate(SigAlg::EdDsa);
    let anonymous = Signer::new(&no_kid)
        .serialization(Serialization::Compact)
        .sign(br#"{"iss":"did:example:alice-old","sub":"did:example:alice"}"#)
        .unwrap();
    assert_eq!(
        rotation_problem(with(anonymous.into(), None)),
        FromPriorProblem::NoKid
    );
    // FromPrior::sign refuses what would not verify.
    assert_eq!(
        rotation_problem(FromPrior::sign(&w.old, "did:example:alice-old", NOW).unwrap_err()),
        FromPriorProblem::SameDid
    );
    assert_eq!(
        rotation_problem(FromPrior::sign(&w.old, "did:example:alice#1", NOW).unwrap_err()),
        FromPriorProblem::Claims
    );
}

#[test]
fn didcomm_rust_from_prior_vector_is_recreated_and_verifies_only_without_a_clock() {
    let v = vector("didcomm-rust-from-prior-jwt.json");
    let kid = v["signer_kid"].as_str().unwrap();
    let charlie = SigningKey::from_json(&v["signer_private_jwk"].to_string())
        .unwrap()
        .with_kid(kid);
    let published = v["from_prior_jwt"].as_str().unwrap();
    let exact = Signer::new(&charlie)
        .typ("JWT")
        .serialization(Serialization::Compact)
        .sign(v["claims_utf8"].as_str().unwrap().as_bytes())
        .unwrap();
    assert_eq!(exact, published, "EdDSA recreates the published JWT");
    let mut keys = KeySet::new();
    keys.insert_verification_key(charlie.verifying_key())
        .unwrap();
    let rotation = FromPrior::verify(published, Some("did:example:alice"), &keys, None).unwrap();
    assert_eq!(
        (rotation.iss.as_str(), rotation.sub.as_str(), rotation.iat),
        ("did:example:charlie", "did:example:alice", Some(123_456))
    );
    // exp 1234 < nbf 12345 < iat 123456: at no time is it valid.
    for (now, want) in [
        (1_000, FromPriorProblem::NotYetValid),
        (20_000, FromPriorProblem::NotYetValid),
        (NOW, FromPriorProblem::Expired),
    ] {
        let e = FromPrior::verify(published, Some("did:example:alice"), &keys, Some(now));
        assert_eq!(rotation_problem(e.unwrap_err()), want, "at {now}");
    }
    let bad = v["from_prior_jwt_invalid_signature"].as_str().unwrap();
    assert!(FromPrior::verify(bad, Some("did:example:alice"), &keys, None).is_err());
    assert_eq!(
        rotation_problem(
            FromPrior::verify(published, Some("did:example:bob"), &keys, None).unwrap_err()
        ),
        FromPriorProblem::SubNotFrom
    );
}
