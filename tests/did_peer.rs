//! did:peer:0 and did:peer:2 (rule K8 of `docs/rules.md`): the specification's worked example
//! resolved to its published document, both key-id forms, and hostile DIDs refused with a
//! precise error.

mod common;

use authcrypt::did::key_method::{self, LocalDids};
use authcrypt::did::multikey::{encode_multikey, KeyKind};
use authcrypt::did::{peer, KeyResolver};
use authcrypt::didcomm::{KeySet, Packer, Unpacker};
use authcrypt::error::{DidProblem, MethodProblem};
use authcrypt::{Curve, Error, Jwk};
use common::{b64, vector};
use serde_json::{json, Value};

#[test]
fn the_specs_did_peer_2_example_resolves_to_its_document() {
    let v = vector("did-peer-spec-examples.json");
    let did = v["did_peer_2"]["did"].as_str().unwrap();
    let mut published = v["did_peer_2"]["document"].clone();
    published.as_object_mut().unwrap().remove("alsoKnownAs");
    let ours = peer::document_json(did).unwrap();
    assert_eq!(ours, published);
    // And it reads as a document: one key for each use, under the #key-N ids.
    let doc = LocalDids::resolve(did).unwrap();
    assert_eq!(
        doc.key_agreement_keys()[0].kid().unwrap(),
        format!("{did}#key-2")
    );
    assert_eq!(
        doc.authentication_keys()[0].kid().unwrap(),
        format!("{did}#key-1")
    );
}

#[test]
fn did_peer_0_is_its_did_key() {
    let v = vector("did-peer-spec-examples.json");
    let peer0 = v["did_peer_0"]["did"].as_str().unwrap();
    let key = v["did_peer_0"]["equivalent_did_key"].as_str().unwrap();
    let a = LocalDids::resolve(peer0).unwrap();
    let b = key_method::resolve(key).unwrap();
    let fragment = |d: &authcrypt::did::DidDocument| -> Vec<String> {
        d.authentication_keys()
            .iter()
            .map(|k| {
                let kid = k.kid().unwrap();
                format!("{}={}", &kid[kid.find('#').unwrap()..], k.thumbprint())
            })
            .collect()
    };
    assert_eq!(fragment(&a), fragment(&b));
    assert_eq!(a.id(), peer0);
}

/// A did:peer:2 for one X25519 key (E) and one Ed25519 key (V), and a service.
fn two_keys(x: &Jwk) -> (String, String) {
    let e = encode_multikey(KeyKind::X25519, &x.public_key().x());
    let v = encode_multikey(
        KeyKind::Ed25519,
        &[
            0x3d, 0x40, 0x17, 0xc3, 0xe8, 0x43, 0x89, 0x5a, 0x92, 0xb7, 0x0a, 0xa7, 0x4d, 0x1b,
            0x7e, 0xbc, 0x9c, 0x98, 0x2c, 0xcf, 0x2e, 0xc4, 0x96, 0x8c, 0xc0, 0xcd, 0x55, 0xf1,
            0x2a, 0xf4, 0x66, 0x0c,
        ],
    );
    let service = b64(
        json!({"t": "dm", "s": {"uri": "https://example.com/didcomm", "a": ["didcomm/v2"]}})
            .to_string()
            .as_bytes(),
    );
    (format!("did:peer:2.E{e}.V{v}.S{service}"), e)
}

#[test]
fn rule_k8_both_key_id_forms_name_the_same_key_and_a_message_reaches_it() {
    let bob = Jwk::generate(Curve::X25519);
    let (did, e) = two_keys(&bob);
    let by_number = format!("{did}#key-1");
    let by_multibase = format!("{did}#{e}");
    for kid in [&by_number, &by_multibase] {
        let key = LocalDids.public_key(kid).unwrap_or_else(|| panic!("{kid}"));
        assert_eq!(key.public_key(), bob.public_key());
        assert_eq!(
            key.kid(),
            Some(kid.as_str()),
            "answered under the kid asked for"
        );
    }
    let doc = peer::document_json(&did).unwrap();
    assert_eq!(doc["service"][0]["type"], "DIDCommMessaging");
    assert_eq!(
        doc["service"][0]["serviceEndpoint"]["accept"][0],
        "didcomm/v2"
    );
    assert_eq!(doc["service"][0]["id"], "#service");
    // Packed to the DID with keys from the resolver alone, opened with Bob's secret.
    let envelope = Packer::anoncrypt()
        .to_did(&LocalDids, &did)
        .unwrap()
        .pack(br#"{"id":"1","type":"t","body":{}}"#)
        .unwrap();
    let mut keys = KeySet::new();
    keys.insert(bob.with_kid(by_number)).unwrap();
    Unpacker::new(&keys).unpack(envelope.as_bytes()).unwrap();
}

#[test]
fn rule_k8_hostile_did_peer_2_values_are_refused_precisely() {
    let x = Jwk::generate(Curve::X25519);
    let e = encode_multikey(KeyKind::X25519, &x.public_key().x());
    let problem = |did: &str| match peer::document_json(did) {
        Err(Error::MalformedDid(p)) => p,
        other => panic!(
            "{}: expected MalformedDid, got {}",
            &did[..did.len().min(60)],
            format!("{other:?}").chars().take(200).collect::<String>()
        ),
    };
    let many = format!("did:peer:2{}", format!(".E{e}").repeat(65));
    assert_eq!(problem(&many), DidProblem::TooManyElements { limit: 64 });
    let thousands = format!("did:peer:2{}", ".Ez".repeat(5000));
    assert_eq!(
        problem(&thousands),
        DidProblem::TooManyElements { limit: 64 }
    );
    let huge = format!("did:peer:2.E{}", "z".repeat(20_000));
    assert_eq!(problem(&huge), DidProblem::TooLong { limit: 16 * 1024 });
    assert_eq!(problem("did:peer:2"), DidProblem::NoElements);
    assert_eq!(
        problem(&format!("did:peer:2.E{e}..")),
        DidProblem::EmptyElement
    );
    assert_eq!(
        problem(&format!("did:peer:2.X{e}")),
        DidProblem::UnknownPurpose('X')
    );
    assert_eq!(
        problem(&format!("did:peer:2.E{e}#frag")),
        DidProblem::NotADid
    );
    assert_eq!(problem("did:peer:2.Snot-base64!"), DidProblem::BadService);
    assert_eq!(
        problem(&format!("did:peer:2.S{}", b64(b"[1]"))),
        DidProblem::BadService
    );
    let deep = format!("{}{}", "[".repeat(40), "]".repeat(40));
    assert_eq!(
        problem(&format!(
            "did:peer:2.S{}",
            b64(format!(r#"{{"t":{deep}}}"#).as_bytes())
        )),
        DidProblem::BadService
    );
    // A bad key names its method.
    match peer::document_json(&format!("did:peer:2.E{e}.Vz6Mk")) {
        Err(Error::InvalidMethod { id, problem }) => {
            assert!(id.ends_with("#key-2"), "{id}");
            assert!(matches!(
                problem,
                MethodProblem::KeyLength { .. } | MethodProblem::UnknownCodec(_)
            ));
        }
        other => panic!("expected InvalidMethod, got {other:?}"),
    }
    assert!(matches!(
        LocalDids::resolve("did:peer:1zQmZ"),
        Err(Error::UnsupportedDid(_))
    ));
    assert!(LocalDids.public_key("did:peer:2.Ez#key-1").is_none());
    let _: Value = peer::document_json(&format!("did:peer:2.E{e}")).unwrap();
}

#[test]
fn the_specs_did_peer_4_resolves_in_both_forms_and_its_hash_is_checked() {
    use authcrypt::did::PeerDids;
    let v = vector("did-peer-spec-examples.json");
    let long = v["did_peer_4"]["long_form"].as_str().unwrap();
    let short = v["did_peer_4"]["short_form"].as_str().unwrap();
    assert_eq!(peer::peer4_short(long).unwrap(), short);
    assert_eq!(
        peer::peer4_document(long, long).unwrap(),
        v["did_peer_4"]["long_form_document"]
    );
    assert_eq!(
        peer::peer4_document(long, short).unwrap(),
        v["did_peer_4"]["short_form_document"]
    );
    // The long form resolves alone; the short form once its long form was seen.
    let x = LocalDids::resolve(long).unwrap().key_agreement_keys();
    assert_eq!(x.len(), 1);
    assert_eq!(x[0].kid().unwrap(), format!("{long}#6LSqPZfn"));
    assert!(matches!(
        LocalDids::resolve(short),
        Err(Error::MalformedDid(DidProblem::ShortForm))
    ));
    let mut store = PeerDids::new();
    assert_eq!(store.remember(long).unwrap(), short);
    let by_short = store.public_key(&format!("{short}#6LSqPZfn")).unwrap();
    assert_eq!(by_short.public_key(), x[0].public_key());
    assert!(store
        .verification_key(&format!("{short}#6MkrCD1c"))
        .is_some());
    // An input document encoded here resolves back to itself, contextualized.
    let mut input = v["did_peer_4"]["long_form_document"].clone();
    let map = input.as_object_mut().unwrap();
    map.remove("id");
    map.remove("alsoKnownAs");
    for m in map["verificationMethod"].as_array_mut().unwrap() {
        m.as_object_mut().unwrap().remove("controller");
    }
    let again = peer::peer4_from_input(&input).unwrap();
    let mut back = peer::peer4_document(&again, &again).unwrap();
    assert_eq!(back["id"], again.as_str());
    assert_eq!(
        back["alsoKnownAs"],
        json!([peer::peer4_short(&again).unwrap()])
    );
    let map = back.as_object_mut().unwrap();
    map.remove("id");
    map.remove("alsoKnownAs");
    for m in map["verificationMethod"].as_array_mut().unwrap() {
        assert_eq!(
            m.as_object_mut().unwrap().remove("controller"),
            Some(json!(again))
        );
    }
    assert_eq!(back, input);
    // A changed document, or a hash of another one, is refused.
    let (hash, encoded) = long
        .strip_prefix("did:peer:4")
        .unwrap()
        .split_once(':')
        .unwrap();
    let mut chars: Vec<char> = encoded.chars().collect();
    let last = chars.len() - 1;
    chars[last] = if chars[last] == 'z' { 'y' } else { 'z' };
    let changed = format!("did:peer:4{hash}:{}", chars.into_iter().collect::<String>());
    for bad in [changed, format!("did:peer:4zQmWrong:{encoded}")] {
        assert!(
            matches!(
                LocalDids::resolve(&bad),
                Err(Error::MalformedDid(DidProblem::HashMismatch))
            ),
            "{}",
            &bad[..40]
        );
    }
    assert!(matches!(
        peer::peer4_from_input(&json!({"id": "x"})),
        Err(Error::MalformedDid(DidProblem::InputHasId))
    ));
    let huge = format!("did:peer:4z:{}", "z".repeat(9_000));
    assert!(matches!(
        LocalDids::resolve(&huge),
        Err(Error::MalformedDid(DidProblem::TooLong { .. }))
    ));
}
