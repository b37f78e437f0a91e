//! Published vectors, reproduced byte for byte from their published inputs.

mod common;

use authcrypt::hazmat::agreement::{diffie_hellman, one_pass_unified};
use authcrypt::hazmat::content::{decrypt_in_place, encrypt_in_place};
use authcrypt::hazmat::kdf::{derive, FixedInfo};
use authcrypt::hazmat::wrap::{unwrap, wrap, KeyWrap};
use authcrypt::jwe::FixedRandomness;
use authcrypt::Sender;
use authcrypt::{ContentKey, Curve, Enc, Encrypter, Error, Jwe, Jwk, SecretKey, Serialization};
use common::{b64, hex, jwk, vector};
use serde_json::Value;

#[test]
fn rfc7518_appendix_b_aes_cbc_hmac_sha2_all_three_cases() {
    let v = vector("rfc7518-appendix-b-aes-cbc-hmac-sha2.json");
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    for case in cases {
        let enc = Enc::from_name(case["enc"].as_str().unwrap()).unwrap();
        let cek = ContentKey::from_bytes(enc, &hex(&case["K"])).unwrap();
        let (iv, aad, p) = (hex(&case["IV"]), hex(&case["A"]), hex(&case["P"]));
        let mut buf = p.clone();
        let tag = encrypt_in_place(enc, &cek, &iv, &aad, &mut buf).unwrap();
        assert_eq!(buf, hex(&case["E"]), "{enc} ciphertext");
        assert_eq!(tag, hex(&case["T"]), "{enc} tag");
        decrypt_in_place(enc, &cek, &iv, &aad, &mut buf, &tag).unwrap();
        assert_eq!(buf, p, "{enc} decrypts");
    }
}

#[test]
fn rfc7518_appendix_c_ecdh_es_direct_derived_key() {
    let v = vector("rfc7518-appendix-c-ecdh-es.json");
    let eph = jwk(&v["alice_ephemeral_jwk"]);
    let bob = jwk(&v["bob_static_jwk"]);
    let z = diffie_hellman(eph.secret_key().unwrap(), bob.public_key()).unwrap();
    assert_eq!(z.as_bytes(), hex(&v["Z_hex"]));
    let z_recipient = diffie_hellman(bob.secret_key().unwrap(), eph.public_key()).unwrap();
    assert_eq!(z_recipient.as_bytes(), hex(&v["Z_hex"]));
    let info = FixedInfo {
        algorithm_id: "A128GCM",
        apu: b"Alice",
        apv: b"Bob",
        key_bits: 128,
        cctag: None,
    };
    assert_eq!(info.to_bytes(), hex(&v["FixedInfo_hex"]));
    assert_eq!(&derive(&z, &info).unwrap()[..], hex(&v["derived_key_hex"]));

    // The same computation through the engine: encrypt with the published ephemeral key, then
    // decrypt with Bob's key.
    let iv = [7u8; 12];
    let out = Encrypter::new(Sender::Anonymous, None, Enc::A128Gcm)
        .recipient(&bob.to_public())
        .apu(*b"Alice")
        .apv(*b"Bob")
        .serialization(Serialization::Compact)
        .encrypt_with_fixed(
            b"direct",
            FixedRandomness {
                ephemeral: eph.secret_key().unwrap(),
                cek: None,
                iv: &iv,
            },
        )
        .unwrap();
    let jwe = Jwe::parse(out.as_bytes()).unwrap();
    // The engine derived the published key: decrypt the content with it directly.
    let cek = ContentKey::from_bytes(Enc::A128Gcm, &hex(&v["derived_key_hex"])).unwrap();
    let mut buf = jwe.ciphertext().to_vec();
    decrypt_in_place(
        Enc::A128Gcm,
        &cek,
        jwe.iv(),
        jwe.protected_b64().as_bytes(),
        &mut buf,
        jwe.tag(),
    )
    .unwrap();
    assert_eq!(buf, b"direct");
    assert_eq!(&jwe.decrypt(&bob, None).unwrap().plaintext[..], b"direct");
}

#[test]
fn rfc8037_appendix_a6_x25519_shared_secret() {
    let v = vector("rfc8037-appendix-a6-a7-ecdh-es-x25519-x448.json");
    let case = &v["cases"][0];
    let eph = SecretKey::from_bytes(Curve::X25519, &hex(&case["ephemeral_secret_hex"])).unwrap();
    assert_eq!(
        eph.public_key().x(),
        hex(&case["ephemeral_public_key_hex"]),
        "ephemeral public key"
    );
    let bob = jwk(&case["recipient_public_jwk"]);
    assert_eq!(bob.kid(), Some("Bob"));
    assert_eq!(bob.public_key().x(), hex(&case["recipient_public_key_hex"]));
    let z = diffie_hellman(&eph, bob.public_key()).unwrap();
    assert_eq!(z.as_bytes(), hex(&case["Z_hex"]));
    // Recipient side, with the matching RFC 7748 §6.1 secret.
    let bob_secret = SecretKey::from_bytes(
        Curve::X25519,
        &hex(&case["supplementary_recipient_secret_hex"]),
    )
    .unwrap();
    assert_eq!(bob_secret.public_key(), *bob.public_key());
    let epk = jwk(&case["ephemeral_public_jwk"]);
    let z2 = diffie_hellman(&bob_secret, epk.public_key()).unwrap();
    assert_eq!(z2.as_bytes(), hex(&case["Z_hex"]));
}

#[test]
fn rfc8037_appendix_a7_x448_is_reported_unsupported() {
    let v = vector("rfc8037-appendix-a6-a7-ecdh-es-x25519-x448.json");
    let case = &v["cases"][1];
    let e = Jwk::from_json(&case["recipient_public_jwk"].to_string()).unwrap_err();
    assert_eq!(e, Error::UnsupportedCurve("X448".into()));
}

#[test]
fn rfc3394_section4_all_cases_wrap_and_unwrap() {
    let v = vector("rfc3394-section4-aes-key-wrap.json");
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for case in cases {
        let kek = hex(&case["KEK"]);
        let alg = match kek.len() {
            16 => KeyWrap::A128Kw,
            24 => KeyWrap::A192Kw,
            32 => KeyWrap::A256Kw,
            n => panic!("KEK of {n} octets"),
        };
        let data = hex(&case["key_data"]);
        let wrapped = wrap(alg, &kek, &data).unwrap();
        assert_eq!(wrapped, hex(&case["ciphertext"]), "{}", case["section"]);
        assert_eq!(&unwrap(alg, &kek, &wrapped).unwrap()[..], &data[..]);
        let mut tampered = wrapped.clone();
        tampered[3] ^= 1;
        assert_eq!(unwrap(alg, &kek, &tampered).unwrap_err(), Error::Crypto);
    }
}

#[test]
fn rfc7516_appendix_a3_unwrap_decrypt_and_recreate() {
    let v = vector("rfc7516-appendix-a3-a128kw-a128cbc-hs256.json");
    let compact = v["compact_serialization"].as_str().unwrap();
    let jwe = Jwe::parse(compact.as_bytes()).unwrap();
    assert_eq!(jwe.serialization(), Serialization::Compact);
    assert_eq!(
        jwe.protected_b64(),
        v["protected_header_b64u"].as_str().unwrap()
    );
    let kek = hex(&v["kek_hex"]);
    let cek = unwrap(KeyWrap::A128Kw, &kek, jwe.recipients()[0].encrypted_key()).unwrap();
    assert_eq!(&cek[..], hex(&v["cek_hex"]));
    let cek = ContentKey::from_bytes(Enc::A128CbcHs256, &cek).unwrap();
    let mut buf = jwe.ciphertext().to_vec();
    decrypt_in_place(
        Enc::A128CbcHs256,
        &cek,
        jwe.iv(),
        jwe.protected_b64().as_bytes(),
        &mut buf,
        jwe.tag(),
    )
    .unwrap();
    assert_eq!(buf, b"Live long and prosper.");

    // Re-create the same bytes from the published CEK and IV.
    let ek = wrap(KeyWrap::A128Kw, &kek, cek.as_bytes()).unwrap();
    assert_eq!(ek, hex(&v["encrypted_key_hex"]));
    let iv = hex(&v["iv_hex"]);
    let protected = v["protected_header_b64u"].as_str().unwrap();
    let mut ct = b"Live long and prosper.".to_vec();
    let tag =
        encrypt_in_place(Enc::A128CbcHs256, &cek, &iv, protected.as_bytes(), &mut ct).unwrap();
    assert_eq!(ct, hex(&v["ciphertext_hex"]));
    assert_eq!(tag, hex(&v["tag_hex"]));
    let rebuilt = format!(
        "{protected}.{}.{}.{}.{}",
        b64(&ek),
        b64(&iv),
        b64(&ct),
        b64(&tag)
    );
    assert_eq!(rebuilt, compact);
}

#[test]
fn ecdh_1pu_draft_appendix_a_direct_p256() {
    let v = vector("draft-madden-jose-ecdh-1pu-04-appendix-a.json");
    let alice = jwk(&v["alice_static_jwk"]);
    let bob = jwk(&v["bob_static_jwk"]);
    let eph = jwk(&v["alice_ephemeral_jwk"]);
    let z = one_pass_unified(
        eph.secret_key().unwrap(),
        bob.public_key(),
        alice.secret_key().unwrap(),
        bob.public_key(),
    )
    .unwrap();
    assert_eq!(&z.as_bytes()[..32], hex(&v["Ze_hex"]));
    assert_eq!(&z.as_bytes()[32..], hex(&v["Zs_hex"]));
    assert_eq!(z.as_bytes(), hex(&v["Z_hex"]));
    let recipient_side = one_pass_unified(
        bob.secret_key().unwrap(),
        eph.public_key(),
        bob.secret_key().unwrap(),
        alice.public_key(),
    )
    .unwrap();
    assert_eq!(recipient_side.as_bytes(), z.as_bytes());
    let info = FixedInfo {
        algorithm_id: "A256GCM",
        apu: b"Alice",
        apv: b"Bob",
        key_bits: 256,
        cctag: None,
    };
    assert_eq!(info.to_bytes(), hex(&v["FixedInfo_hex"]));
    assert_eq!(&derive(&z, &info).unwrap()[..], hex(&v["derived_key_hex"]));

    // Through the engine: ECDH-1PU direct with the published ephemeral key; the content key it
    // derives is the published one.
    let iv = [1u8; 12];
    let out = Encrypter::new(Sender::Authenticated(&alice), None, Enc::A256Gcm)
        .recipient(&bob.to_public())
        .apu(*b"Alice")
        .apv(*b"Bob")
        .encrypt_with_fixed(
            b"1PU direct",
            FixedRandomness {
                ephemeral: eph.secret_key().unwrap(),
                cek: None,
                iv: &iv,
            },
        )
        .unwrap();
    let jwe = Jwe::parse(out.as_bytes()).unwrap();
    let cek = ContentKey::from_bytes(Enc::A256Gcm, &hex(&v["derived_key_hex"])).unwrap();
    let mut buf = jwe.ciphertext().to_vec();
    decrypt_in_place(
        Enc::A256Gcm,
        &cek,
        jwe.iv(),
        jwe.protected_b64().as_bytes(),
        &mut buf,
        jwe.tag(),
    )
    .unwrap();
    assert_eq!(buf, b"1PU direct");
    let opened = jwe.decrypt(&bob, Some(&alice.to_public())).unwrap();
    assert_eq!(&opened.plaintext[..], b"1PU direct");
}

#[test]
fn ecdh_1pu_draft_appendix_b_every_intermediate_and_the_exact_jwe() {
    let v = vector("draft-madden-jose-ecdh-1pu-04-appendix-b.json");
    let alice = jwk(&v["alice_static_jwk"]);
    let eph = jwk(&v["alice_ephemeral_jwk"]);
    let cek = ContentKey::from_bytes(Enc::A256CbcHs512, &hex(&v["cek_hex"])).unwrap();
    let iv = hex(&v["iv_hex"]);
    let plaintext = v["plaintext_utf8"].as_str().unwrap().as_bytes();
    let recipients: Vec<(Jwk, &Value)> = v["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                jwk(&r["static_jwk"]).with_kid(r["kid"].as_str().unwrap()),
                r,
            )
        })
        .collect();

    // Content encryption (B.8) with AAD = the base64url protected header (erratum E2).
    let protected = v["protected_header_b64u"].as_str().unwrap();
    let mut ct = plaintext.to_vec();
    let tag =
        encrypt_in_place(Enc::A256CbcHs512, &cek, &iv, protected.as_bytes(), &mut ct).unwrap();
    assert_eq!(ct, hex(&v["content_encryption"]["ciphertext_hex"]));
    assert_eq!(tag, hex(&v["content_encryption"]["tag_hex"]));

    // KDF inputs (B.9) and each recipient's Ze, Zs, KEK and encrypted key (B.10, B.11).
    let info = FixedInfo {
        algorithm_id: "ECDH-1PU+A128KW",
        apu: b"Alice",
        apv: b"Bob and Charlie",
        key_bits: 128,
        cctag: Some(&tag),
    };
    assert_eq!(info.to_bytes(), hex(&v["kdf_common"]["FixedInfo_hex"]));
    for (key, r) in &recipients {
        let z = one_pass_unified(
            eph.secret_key().unwrap(),
            key.public_key(),
            alice.secret_key().unwrap(),
            key.public_key(),
        )
        .unwrap();
        assert_eq!(&z.as_bytes()[..32], hex(&r["Ze_hex"]));
        assert_eq!(&z.as_bytes()[32..], hex(&r["Zs_hex"]));
        let kek = derive(&z, &info).unwrap();
        assert_eq!(&kek[..], hex(&r["derived_kek_hex"]));
        let ek = wrap(KeyWrap::A128Kw, &kek, cek.as_bytes()).unwrap();
        assert_eq!(ek, hex(&r["encrypted_key_hex"]));
    }

    // The whole general-JSON JWE, re-created through the engine.
    let publics: Vec<Jwk> = recipients.iter().map(|(k, _)| k.to_public()).collect();
    let out = Encrypter::new(
        Sender::Authenticated(&alice),
        Some(KeyWrap::A128Kw),
        Enc::A256CbcHs512,
    )
    .recipients(&publics)
    .apu(*b"Alice")
    .apv(*b"Bob and Charlie")
    .unprotected_member("jku", v["shared_unprotected_header"]["jku"].clone())
    .encrypt_with_fixed(
        plaintext,
        FixedRandomness {
            ephemeral: eph.secret_key().unwrap(),
            cek: Some(&cek),
            iv: &iv,
        },
    )
    .unwrap();
    let produced: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(produced, v["jwe_general_json"]);
    assert_eq!(produced["protected"], v["protected_header_b64u"]);

    // Each recipient decrypts the published JWE.
    let published = v["jwe_general_json"].to_string();
    let jwe = Jwe::parse(published.as_bytes()).unwrap();
    for (key, _) in &recipients {
        let opened = jwe.decrypt(key, Some(&alice.to_public())).unwrap();
        assert_eq!(&opened.plaintext[..], plaintext);
        assert_eq!(opened.recipient_kid.as_deref(), key.kid());
        // Alice's published key has no kid: the sender is the key the caller supplied.
        assert_eq!(opened.sender_kid, None);
        assert!(opened.authenticated());
    }
}
