//! DIDComm services of DID documents (rule K9 of `docs/rules.md`): every form of
//! `serviceEndpoint` read, bounded, and a malformed DIDComm service refused by name.

mod common;

use authcrypt::did::{DidDocument, LocalDids, MAX_SERVICE_ITEMS};
use authcrypt::error::ServiceProblem;
use authcrypt::Error;
use common::vector;
use serde_json::{json, Value};

fn doc(services: Value) -> Result<DidDocument, Error> {
    DidDocument::from_value(&json!({"id": "did:example:bob", "service": services}))
}

#[test]
fn rule_k9_every_endpoint_form_is_read() {
    let d = doc(json!([
        {"id": "#a", "type": "DIDCommMessaging",
         "serviceEndpoint": {"uri": "https://a.example", "accept": ["didcomm/v2"],
                             "routingKeys": ["did:example:mediator#key-1"]}},
        {"id": "#b", "type": ["DIDCommMessaging", "Other"],
         "serviceEndpoint": [{"uri": "did:example:mediator"}, "wss://b.example"]},
        {"id": "did:example:bob#c", "type": "DIDCommMessaging", "serviceEndpoint": "https://c.example",
         "accept": ["didcomm/v2"], "routingKeys": ["did:example:m2#k"]},
        {"id": "#web", "type": "LinkedDomains", "serviceEndpoint": {"origins": ["x"]}},
        {"type": "NotOurs"},
    ]))
    .unwrap();
    let e = d.didcomm_endpoints();
    let summary: Vec<(&str, &str, usize, usize, bool)> = e
        .iter()
        .map(|e| {
            (
                e.service_id.as_str(),
                e.uri.as_str(),
                e.accept.len(),
                e.routing_keys.len(),
                e.uri_is_did(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("did:example:bob#a", "https://a.example", 1, 1, false),
            ("did:example:bob#b", "did:example:mediator", 0, 0, true),
            ("did:example:bob#b", "wss://b.example", 0, 0, false),
            ("did:example:bob#c", "https://c.example", 1, 1, false),
        ]
    );
    // The did:peer:2 example of the specification: its two services, expanded.
    let v = vector("did-peer-spec-examples.json");
    let peer = LocalDids::resolve(v["did_peer_2"]["did"].as_str().unwrap()).unwrap();
    let uris: Vec<&str> = peer
        .didcomm_endpoints()
        .iter()
        .map(|e| e.uri.as_str())
        .collect();
    assert_eq!(
        uris,
        ["http://example.com/didcomm", "http://example.com/another"]
    );
    assert_eq!(
        peer.didcomm_endpoints()[1].routing_keys,
        ["did:example:123456789abcdefghi#key-2"]
    );
}

#[test]
fn rule_k9_malformed_didcomm_services_are_refused_by_name() {
    let problem = |services: Value| match doc(services) {
        Err(Error::InvalidService { problem, .. }) => problem,
        other => panic!("expected InvalidService, got {other:?}"),
    };
    let dm = |endpoint: Value| json!([{"id": "#s", "type": "DIDCommMessaging", "serviceEndpoint": endpoint}]);
    assert_eq!(problem(json!({})), ServiceProblem::NotArray);
    assert_eq!(problem(json!([1])), ServiceProblem::NotObject);
    assert_eq!(
        problem(json!([{"type": "DIDCommMessaging"}])),
        ServiceProblem::NoId
    );
    assert_eq!(problem(dm(json!(42))), ServiceProblem::BadEndpoint);
    assert_eq!(problem(dm(json!({"accept": []}))), ServiceProblem::NoUri);
    assert_eq!(problem(dm(json!(""))), ServiceProblem::NoUri);
    assert_eq!(
        problem(dm(json!({"uri": "https://x", "accept": "didcomm/v2"}))),
        ServiceProblem::NotStrings
    );
    assert_eq!(
        problem(dm(
            json!({"uri": "https://x", "routingKeys": ["https://mediator"]})
        )),
        ServiceProblem::RoutingKeyNotDid("https://mediator".into())
    );
    let many: Vec<Value> = (0..=MAX_SERVICE_ITEMS)
        .map(|i| json!({"id": format!("#s{i}"), "type": "X", "serviceEndpoint": "x"}))
        .collect();
    assert_eq!(
        problem(Value::Array(many)),
        ServiceProblem::TooMany {
            limit: MAX_SERVICE_ITEMS
        }
    );
    let keys: Vec<String> = (0..1000).map(|i| format!("did:example:m#{i}")).collect();
    assert_eq!(
        problem(dm(json!({"uri": "https://x", "routingKeys": keys}))),
        ServiceProblem::TooMany {
            limit: MAX_SERVICE_ITEMS
        }
    );
    assert!(matches!(
        problem(dm(json!({"uri": "x".repeat(5000)}))),
        ServiceProblem::TooLong { .. }
    ));
    // Nesting deeper than a document may have is refused while it is read.
    let deep = format!(
        r##"{{"id":"did:example:bob","service":[{{"id":"#s","type":"DIDCommMessaging","serviceEndpoint":{}{}}}]}}"##,
        "[".repeat(100),
        "]".repeat(100)
    );
    assert!(DidDocument::from_json(deep.as_bytes()).is_err());
}
