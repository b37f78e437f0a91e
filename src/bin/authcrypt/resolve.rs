//! `resolve`: the DID document of a DID whose method is computed locally (did:key,
//! did:peer:0, did:peer:2, the long form of did:peer:4).

use authcrypt::did::LocalDids;
use clap::Args;

use super::error::Failure;
use super::keygen::pretty;
use super::Output;

pub const RESOLVE_EXAMPLES: &str = "\
Examples:
  authcrypt resolve did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp
  authcrypt resolve did:key:z6Mk... > alice-did.json && authcrypt unpack --sender alice-did.json ...

The document is computed from the DID alone, without any network: a did:key's (or did:peer:0's)
key is a Multikey method under the fragment of its own multibase text, and an Ed25519 one also
has its X25519 key-agreement key; a did:peer:2's keys are #key-1, #key-2, ... and its services
are expanded; a long did:peer:4 is checked against its hash and contextualized. The output is a
DID document any key-file option reads.";

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The DID (did:key, did:peer:0, did:peer:2, or did:peer:4 in its long form)
    #[arg(value_name = "DID")]
    did: String,
}

pub fn run(args: ResolveArgs) -> Result<Output, Failure> {
    let doc = LocalDids::document_json(&args.did).map_err(|e| match e {
        authcrypt::Error::UnsupportedDid(_) => Failure::unsupported(e.to_string()),
        e => Failure::usage(e.to_string()),
    })?;
    // Read back, so that what is printed is what this crate accepts.
    authcrypt::did::DidDocument::from_value(&doc).map_err(|e| Failure::usage(e.to_string()))?;
    pretty(&doc)
}
