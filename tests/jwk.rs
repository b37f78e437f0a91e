//! JSON Web Keys (RFC 7517/7518/8037): parse, emit, validate, thumbprint, generate.

mod common;

use authcrypt::error::KeyProblem;
use authcrypt::KeyWrap;
use authcrypt::Sender;
use authcrypt::{Coordinates, Curve, Error, Jwk, Location};
use base64ct::{Base64UrlUnpadded as B64, Encoding};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

#[test]
fn generated_keys_round_trip_through_private_and_public_json_on_every_curve() {
    for curve in Curve::ALL {
        let k = Jwk::generate_with_rng(curve, &mut common::rng(5)).with_kid("k\"1");
        let private = k.to_private_json().unwrap();
        let back = Jwk::from_json(&private).unwrap();
        assert_eq!(back.public_key(), k.public_key());
        assert_eq!(back.kid(), Some("k\"1"));
        assert!(back.is_private());
        let public = Jwk::from_json(&k.to_public_json()).unwrap();
        assert!(!public.is_private());
        assert_eq!(public.public_key(), k.public_key());
        let v: Value = serde_json::from_str(&k.to_public_json()).unwrap();
        assert_eq!(v["kty"], curve.kty());
        assert_eq!(v["crv"], curve.name());
        let x = B64::decode_vec(v["x"].as_str().unwrap()).unwrap();
        assert_eq!(x.len(), curve.coordinate_len(), "full-length coordinates");
        assert!(v.get("d").is_none());
        assert_eq!(v.get("y").is_some(), curve != Curve::X25519);
    }
}

#[test]
fn rfc7638_thumbprint_hashes_the_canonical_member_order() {
    let keys = common::vector("didcomm-v2-test-keys.json");
    let entry = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == "did:example:bob#key-p256-1")
        .unwrap();
    let pk = &entry["public_jwk"];
    let canonical = format!(
        r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
        pk["x"].as_str().unwrap(),
        pk["y"].as_str().unwrap()
    );
    let expected = B64::encode_string(&Sha256::digest(canonical.as_bytes()));
    assert_eq!(common::jwk(pk).thumbprint(), expected);
    let x = &keys["keys"].as_array().unwrap()[6]["public_jwk"];
    let canonical = format!(
        r#"{{"crv":"X25519","kty":"OKP","x":"{}"}}"#,
        x["x"].as_str().unwrap()
    );
    let expected = B64::encode_string(&Sha256::digest(canonical.as_bytes()));
    assert_eq!(common::jwk(x).thumbprint(), expected);
}

#[test]
fn malformed_keys_are_rejected_precisely() {
    let p256 = Jwk::generate_with_rng(Curve::P256, &mut common::rng(1));
    let good: Value = serde_json::from_str(&p256.to_private_json().unwrap()).unwrap();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        Jwk::from_json(&v.to_string()).unwrap_err()
    };
    assert_eq!(
        with(&|v| v["kty"] = json!("OKP")),
        Error::InvalidKey(KeyProblem::KtyMismatch)
    );
    assert_eq!(
        with(&|v| v["kty"] = json!("RSA")),
        Error::UnsupportedKeyType("RSA".into())
    );
    assert_eq!(
        with(&|v| v["crv"] = json!("secp256k1")),
        Error::UnsupportedCurve("secp256k1".into())
    );
    assert!(matches!(
        with(&|v| v["x"] = json!(B64::encode_string(&[1u8; 33]))),
        Error::InvalidLength {
            name: "x",
            expected: 32,
            found: 33
        }
    ));
    assert!(matches!(
        with(&|v| v["d"] = json!(B64::encode_string(&[1u8; 31]))),
        Error::InvalidLength {
            name: "d",
            expected: 32,
            found: 31
        }
    ));
    assert_eq!(
        with(&|v| v["y"] = good["x"].clone()),
        Error::InvalidPoint {
            location: Location::Jwk,
            curve: Curve::P256
        }
    );
    let other = Jwk::generate_with_rng(Curve::P256, &mut common::rng(2));
    let other: Value = serde_json::from_str(&other.to_private_json().unwrap()).unwrap();
    assert_eq!(
        with(&|v| v["d"] = other["d"].clone()),
        Error::InvalidKey(KeyProblem::PrivateMismatch)
    );
    assert!(matches!(
        with(&|v| {
            v.as_object_mut().unwrap().remove("y");
        }),
        Error::MissingMember { name: "y", .. }
    ));
    assert!(matches!(
        with(&|v| v["x"] = json!("AA==")),
        Error::Base64 { .. }
    ));
    assert!(matches!(
        with(&|v| v["x"] = json!(5)),
        Error::InvalidMember { .. }
    ));
    let x25519 = Jwk::generate(Curve::X25519);
    let mut v: Value = serde_json::from_str(&x25519.to_public_json()).unwrap();
    v["y"] = v["x"].clone();
    assert_eq!(
        Jwk::from_json(&v.to_string()).unwrap_err(),
        Error::InvalidKey(KeyProblem::YOnOkp)
    );
    v["crv"] = json!("Ed25519");
    assert!(matches!(
        Jwk::from_json(&v.to_string()).unwrap_err(),
        Error::UnsupportedCurve(_)
    ));
    assert!(matches!(
        Jwk::from_json_with(b"[1]", Coordinates::Strict).unwrap_err(),
        Error::Json { .. }
    ));
}

#[test]
fn p521_keys_keep_their_66_octet_coordinates() {
    // About one P-521 x coordinate in two starts with a zero octet.
    let mut seen_leading_zero = false;
    for seed in 0..32 {
        let k = Jwk::generate_with_rng(Curve::P521, &mut common::rng(seed));
        let x = k.public_key().x();
        assert_eq!(x.len(), 66);
        seen_leading_zero |= x[0] == 0;
        let back = Jwk::from_json(&k.to_private_json().unwrap()).unwrap();
        assert_eq!(back.public_key(), k.public_key());
    }
    assert!(seen_leading_zero);
}

#[test]
fn small_order_x25519_recipient_key_is_refused_when_sending() {
    let zero = Jwk::from_json(r#"{"kty":"OKP","crv":"X25519","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","kid":"did:example:z#1"}"#).unwrap();
    let e = authcrypt::Encrypter::new(
        Sender::Anonymous,
        Some(KeyWrap::A256Kw),
        authcrypt::Enc::A256Gcm,
    )
    .recipient(&zero)
    .encrypt(b"x")
    .unwrap_err();
    assert_eq!(e, Error::InvalidKey(KeyProblem::SmallOrder));
}
