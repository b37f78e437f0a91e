//! Properties over generated inputs: every message round-trips, and no change to an envelope
//! ever yields a different plaintext.

mod common;

use authcrypt::Sender;
use authcrypt::{Alg, Curve, Decrypter, Enc, Encrypter, Jwk, Serialization};
use proptest::prelude::*;

fn alg() -> impl Strategy<Value = Alg> {
    prop::sample::select(Alg::ALL.to_vec())
}
fn enc() -> impl Strategy<Value = Enc> {
    prop::sample::select(Enc::ALL.to_vec())
}
fn curve() -> impl Strategy<Value = Curve> {
    prop::sample::select(Curve::ALL.to_vec())
}
fn serialization() -> impl Strategy<Value = Serialization> {
    prop::sample::select(Serialization::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn encrypt_then_decrypt_returns_the_plaintext_and_mutations_never_change_it(
        alg in alg(),
        enc in enc(),
        curve in curve(),
        serialization in serialization(),
        plaintext in prop::collection::vec(any::<u8>(), 0..600),
        seed in any::<u64>(),
        mutations in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4),
    ) {
        prop_assume!(alg.check_enc(enc).is_ok());
        let mut rng = common::rng(seed);
        let sender = Jwk::generate_with_rng(curve, &mut rng).with_kid("did:example:alice#1");
        let recipient = Jwk::generate_with_rng(curve, &mut rng).with_kid("did:example:bob#1");
        let recipient_public = recipient.to_public();
        let mut encrypter = Encrypter::new(Sender::for_alg(alg, &sender), alg.key_wrap(), enc)
            .recipient(&recipient_public)
            .serialization(serialization);
        if alg.is_1pu() {
            encrypter = encrypter.skid("did:example:alice#1");
        }
        let envelope = encrypter.encrypt_with_rng(&plaintext, &mut rng).unwrap();
        let sender_public = sender.to_public();
        let mut decrypter = Decrypter::new().recipient_key(&recipient);
        if alg.is_1pu() {
            decrypter = decrypter.sender_key(&sender_public);
        }
        let opened = decrypter.decrypt(envelope.as_bytes()).unwrap();
        prop_assert_eq!(&opened.plaintext[..], &plaintext[..]);
        prop_assert_eq!(opened.alg, alg);
        prop_assert_eq!(opened.enc, enc);

        let mut mutated = envelope.into_bytes();
        for (at, xor) in &mutations {
            let i = at.index(mutated.len());
            mutated[i] ^= xor;
        }
        if let Ok(other) = decrypter.decrypt(&mutated) {
            // Only changes the format ignores (e.g. whitespace, an unknown member) may pass.
            prop_assert_eq!(&other.plaintext[..], &plaintext[..]);
        }
    }
}
