//! `resolve`: the DID document of a DID whose method is computed locally (did:key).

use authcrypt::did::key_method;
use clap::Args;

use super::error::Failure;
use super::keygen::pretty;
use super::Output;

pub const RESOLVE_EXAMPLES: &str = "\
Examples:
  authcrypt resolve did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp
  authcrypt resolve did:key:z6Mk... > alice-did.json && authcrypt unpack --sender alice-did.json ...

The document is computed from the DID alone, without any network: every key is a Multikey
method under the fragment of its own multibase text; an Ed25519 did:key also has its X25519
key-agreement key. The output is a DID document any key-file option reads.";

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The DID (did:key)
    #[arg(value_name = "DID")]
    did: String,
}

pub fn run(args: ResolveArgs) -> Result<Output, Failure> {
    let doc = key_method::document_json(&args.did).map_err(|e| match e {
        authcrypt::Error::UnsupportedDid(_) => Failure::unsupported(e.to_string()),
        e => Failure::usage(e.to_string()),
    })?;
    // Read back, so that what is printed is what this crate accepts.
    authcrypt::did::DidDocument::from_value(&doc).map_err(|e| Failure::usage(e.to_string()))?;
    pretty(&doc)
}
