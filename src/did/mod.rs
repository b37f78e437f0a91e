//! Decentralised identifiers as key sources: DID URLs, DID documents and the [`KeyResolver`]
//! trait through which every key of a message is found.

mod document;
pub mod key_method;
pub mod multikey;
pub mod peer;
mod resolver;
mod url;

pub use document::DidDocument;
pub use key_method::LocalDids;
pub use resolver::{KeyResolver, KeySet};
pub(crate) use url::require_did_url;
pub use url::{did_of, is_did_url};
