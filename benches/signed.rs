//! Signing against encrypting: the time to pack and unpack a 500-octet message on P-256 as
//! anoncrypt(sign(m)) (non-repudiable, sender known only by signature), as authcrypt(m)
//! (sender authenticated, repudiable) and as authcrypt(sign(m)) (both), with ES256 signatures
//! and one recipient.
//!
//! Run: `CARGO_TARGET_DIR=target-bench cargo bench --bench signed`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

use authcrypt::didcomm::{KeySet, Packer, Unpacker};
use authcrypt::jws::{SigAlg, SigningKey};
use authcrypt::{Curve, Jwk, Parallelism};

/// A plaintext message of exactly 500 octets.
fn message() -> Vec<u8> {
    let head = r#"{"id":"1","type":"https://didcomm.org/basicmessage/2.0/message","from":"did:example:alice","to":["did:example:bob"],"body":{"content":""#;
    let tail = r#""}}"#;
    let mut m = head.as_bytes().to_vec();
    m.resize(500 - tail.len(), b'x');
    m.extend_from_slice(tail.as_bytes());
    m
}

fn bench(c: &mut Criterion) {
    let alice = Jwk::generate(Curve::P256).with_kid("did:example:alice#key-p256-1");
    let alice_sig = SigningKey::generate(SigAlg::Es256).with_kid("did:example:alice#key-2");
    let bob = Jwk::generate(Curve::P256).with_kid("did:example:bob#key-p256-1");
    let m = message();
    let mut keys = KeySet::new();
    keys.insert(bob.clone()).unwrap();
    keys.insert(alice.to_public()).unwrap();
    keys.insert_verification_key(alice_sig.verifying_key())
        .unwrap();
    let packers = [
        (
            "authcrypt(m)",
            Packer::authcrypt(&alice)
                .parallelism(Parallelism::Off)
                .to(&bob.to_public())
                .into(),
        ),
        (
            "anoncrypt(sign(m))",
            authcrypt::didcomm::AnyPacker::from(
                Packer::anoncrypt()
                    .parallelism(Parallelism::Off)
                    .sign_with(&alice_sig)
                    .to(&bob.to_public()),
            ),
        ),
        (
            "authcrypt(sign(m))",
            Packer::authcrypt(&alice)
                .parallelism(Parallelism::Off)
                .sign_with(&alice_sig)
                .to(&bob.to_public())
                .into(),
        ),
    ];
    let unpacker = Unpacker::new(&keys).parallelism(Parallelism::Off);
    let mut pack = c.benchmark_group("signed_pack_500B_P-256");
    for (name, packer) in &packers {
        let packer: &authcrypt::didcomm::AnyPacker = packer;
        pack.bench_function(*name, |b| b.iter(|| packer.pack(black_box(&m)).unwrap()));
    }
    pack.finish();
    let mut unpack = c.benchmark_group("signed_unpack_500B_P-256");
    for (name, packer) in &packers {
        let envelope = packer.pack(&m).unwrap();
        assert_eq!(
            unpacker.unpack(envelope.as_bytes()).unwrap().plaintext[..],
            m[..]
        );
        unpack.bench_function(*name, |b| {
            b.iter(|| unpacker.unpack(black_box(envelope.as_bytes())).unwrap())
        });
    }
    unpack.finish();
}

criterion_group! {
    name = signed;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(signed);
