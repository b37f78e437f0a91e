//! DIDComm services of a DID document: where to deliver a message and through which mediators.
//!
//! A `DIDCommMessaging` service's `serviceEndpoint` is an object (`uri`, `accept`,
//! `routingKeys`), an array of such objects, or, in the legacy form, a string URI with `accept`
//! and `routingKeys` beside it in the service. Other service types are not DIDComm's and are
//! left alone. Every list is bounded.

use serde_json::{Map, Value};

use super::url::{did_of, is_did};
use crate::error::{echo, Error, Result, ServiceProblem};

/// The most services of a document, endpoints of a service, and entries of `accept` and
/// `routingKeys` that are read.
pub const MAX_ITEMS: usize = 32;
/// The longest URI, media type or routing key read.
pub const MAX_TEXT: usize = 2048;

/// One way to reach a DID over DIDComm v2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DidCommEndpoint {
    /// The service's id, absolute.
    pub service_id: String,
    /// Where to deliver: a URI, or a DID whose own services say where (a mediator).
    pub uri: String,
    /// The media types and profiles accepted (`didcomm/v2`, …); empty when not stated.
    pub accept: Vec<String>,
    /// The mediators' keys (DID URLs, or DIDs), innermost last: a message is wrapped for each
    /// in turn before delivery to `uri`.
    pub routing_keys: Vec<String>,
}

impl DidCommEndpoint {
    /// Whether `uri` is a DID (a mediator reached through its own services) rather than a
    /// transport address.
    pub fn uri_is_did(&self) -> bool {
        self.uri.starts_with("did:")
    }
}

fn problem(id: &str, p: ServiceProblem) -> Error {
    Error::InvalidService {
        id: echo(id),
        problem: p,
    }
}

/// The DIDComm endpoints of a document's `service` member, in order; `own_url` makes a
/// relative service id absolute.
pub(super) fn didcomm_endpoints(
    services: Option<&Value>,
    own_url: impl Fn(&str) -> String,
) -> Result<Vec<DidCommEndpoint>> {
    let Some(services) = services else {
        return Ok(Vec::new());
    };
    let Value::Array(services) = services else {
        return Err(problem("service", ServiceProblem::NotArray));
    };
    if services.len() > MAX_ITEMS {
        return Err(problem(
            "service",
            ServiceProblem::TooMany { limit: MAX_ITEMS },
        ));
    }
    let mut out = Vec::new();
    for service in services {
        let Value::Object(service) = service else {
            return Err(problem("service", ServiceProblem::NotObject));
        };
        // Services of other types are not DIDComm's to judge.
        if !is_didcomm(service.get("type")) {
            continue;
        }
        let id = match service.get("id") {
            Some(Value::String(id)) => own_url(id),
            _ => return Err(problem("service", ServiceProblem::NoId)),
        };
        out.extend(endpoints(&id, service)?);
    }
    Ok(out)
}

/// Whether a service `type` (a string or an array of strings) is `DIDCommMessaging`.
fn is_didcomm(typ: Option<&Value>) -> bool {
    match typ {
        Some(Value::String(t)) => t == "DIDCommMessaging",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "DIDCommMessaging"),
        _ => false,
    }
}

fn endpoints(id: &str, service: &Map<String, Value>) -> Result<Vec<DidCommEndpoint>> {
    match service.get("serviceEndpoint") {
        // The legacy form: the URI alone, its lists beside it.
        Some(Value::String(uri)) => Ok(vec![endpoint(id, uri, service)?]),
        Some(Value::Object(e)) => Ok(vec![object_endpoint(id, e)?]),
        Some(Value::Array(list)) => {
            if list.len() > MAX_ITEMS {
                return Err(problem(id, ServiceProblem::TooMany { limit: MAX_ITEMS }));
            }
            list.iter()
                .map(|e| match e {
                    Value::Object(e) => object_endpoint(id, e),
                    Value::String(uri) => endpoint(id, uri, &Map::new()),
                    _ => Err(problem(id, ServiceProblem::BadEndpoint)),
                })
                .collect()
        }
        _ => Err(problem(id, ServiceProblem::BadEndpoint)),
    }
}

fn object_endpoint(id: &str, e: &Map<String, Value>) -> Result<DidCommEndpoint> {
    match e.get("uri") {
        Some(Value::String(uri)) => endpoint(id, uri, e),
        _ => Err(problem(id, ServiceProblem::NoUri)),
    }
}

/// One endpoint: `uri`, with `accept` and `routingKeys` read from `lists`.
fn endpoint(id: &str, uri: &str, lists: &Map<String, Value>) -> Result<DidCommEndpoint> {
    text(id, uri)?;
    if uri.is_empty() {
        return Err(problem(id, ServiceProblem::NoUri));
    }
    let list = |name: &str| -> Result<Vec<String>> {
        match lists.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => {
                if items.len() > MAX_ITEMS {
                    return Err(problem(id, ServiceProblem::TooMany { limit: MAX_ITEMS }));
                }
                items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => text(id, s).map(|()| s.clone()),
                        _ => Err(problem(id, ServiceProblem::NotStrings)),
                    })
                    .collect()
            }
            Some(_) => Err(problem(id, ServiceProblem::NotStrings)),
        }
    };
    let routing_keys = list("routingKeys")?;
    if let Some(k) = routing_keys.iter().find(|k| !is_did(did_of(k))) {
        return Err(problem(id, ServiceProblem::RoutingKeyNotDid(echo(k))));
    }
    Ok(DidCommEndpoint {
        service_id: id.to_owned(),
        uri: uri.to_owned(),
        accept: list("accept")?,
        routing_keys,
    })
}

fn text(id: &str, s: &str) -> Result<()> {
    if s.len() > MAX_TEXT {
        return Err(problem(id, ServiceProblem::TooLong { limit: MAX_TEXT }));
    }
    Ok(())
}
