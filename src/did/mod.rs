//! Decentralised identifiers as key sources: DID URLs, DID documents (every common key
//! format), the [`KeyResolver`] trait through which every key of a message is found, and the
//! methods resolved by computation alone: did:key, did:peer:0, did:peer:2 and did:peer:4.

mod document;
pub mod key_method;
pub mod multikey;
pub mod peer;
mod resolver;
mod service;
mod url;

pub use document::{read_key_uses, DidDocument, KeyUses};
pub use key_method::{LocalDids, PeerDids};
pub use resolver::{KeyResolver, KeySet};
pub use service::{DidCommEndpoint, MAX_ITEMS as MAX_SERVICE_ITEMS, MAX_TEXT as MAX_SERVICE_TEXT};
pub(crate) use url::require_did_url;
pub use url::{did_of, is_did, is_did_url};
