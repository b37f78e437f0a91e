//! `sign`: a DIDComm signed message (JWS, general JSON) of the plaintext message on stdin.

use std::path::{Path, PathBuf};

use authcrypt::didcomm;
use authcrypt::jws::{SigAlg, SigningKey, MAX_JWS_LEN};
use clap::Args;

use super::error::Failure;
use super::keys;
use super::{io, Output};

pub const SIGN_EXAMPLES: &str = "\
Examples:
  authcrypt keygen --crv Ed25519 --kid 'did:example:alice#key-1' > alice-sig.jwk
  authcrypt sign --key alice-sig.jwk < msg.json > signed.json
  authcrypt unpack --sender alice-sig.jwk -v < signed.json
  authcrypt pack --from alice.jwk --to bob.pub.jwk --sign alice-sig.jwk < msg.json

The output is the general JSON serialization with protected {\"typ\":
\"application/didcomm-signed+json\",\"alg\":ALG} and the signer's kid in the signature's
header. The key's kid must be a DID URL of the message's \"from\": receivers resolve it among
the authentication keys of that DID. --alg, when given, must be the key's algorithm (Ed25519:
EdDSA, P-256: ES256, secp256k1: ES256K, P-384: ES384).";

/// The largest plaintext message `sign` takes: its JWS stays within what receivers read.
pub const MAX_SIGNED_PLAINTEXT: usize = (MAX_JWS_LEN - 4096) / 4 * 3;

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The signer's private JWK (Ed25519, P-256, secp256k1 or P-384), its kid a DID URL
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The signature algorithm: EdDSA, ES256, ES256K or ES384 [default: the key's]
    #[arg(long, value_name = "ALG")]
    alg: Option<String>,
}

pub fn run(args: SignArgs) -> Result<Output, Failure> {
    let alg = args.alg.as_deref().map(parse_sig_alg).transpose()?;
    let key = load_signer(&args.key, alg, "--key")?;
    let message = io::read_stdin_within(MAX_SIGNED_PLAINTEXT)?.ok_or_else(|| {
        Failure::usage(format!(
            "the message on stdin is larger than {MAX_SIGNED_PLAINTEXT} octets: its signed \
             form would exceed the {MAX_JWS_LEN} octets receivers read"
        ))
    })?;
    if message.trim_ascii().is_empty() {
        return Err(Failure::usage(
            "no message on stdin: pipe a DIDComm plaintext message into `authcrypt sign`",
        ));
    }
    let signed = didcomm::sign(&key, &message).map_err(|e| Failure::usage(e.to_string()))?;
    let mut out = signed.into_bytes();
    out.push(b'\n');
    Ok(Output::new(out))
}

/// Parses a signature `alg` name; unknown names are "unsupported" (exit 3).
pub fn parse_sig_alg(name: &str) -> Result<SigAlg, Failure> {
    SigAlg::from_name(name).map_err(|e| {
        Failure::unsupported(e.to_string()).hint(format!(
            "supported: {}",
            SigAlg::ALL.map(SigAlg::name).join(", ")
        ))
    })
}

/// The one private signature key of a key file (of `alg`, when given), for `option`.
pub fn load_signer(path: &Path, alg: Option<SigAlg>, option: &str) -> Result<SigningKey, Failure> {
    let file = keys::load(path)?;
    let mut candidates = file
        .signing
        .iter()
        .filter(|k| alg.is_none_or(|a| k.alg() == a));
    let key = match (candidates.next(), candidates.next()) {
        (Some(key), None) => key.clone(),
        (Some(_), Some(_)) => {
            return Err(Failure::usage(format!(
                "{} holds several private signature keys: give {option} a file with one{}",
                file.what,
                if alg.is_none() {
                    ", or choose with --alg"
                } else {
                    ""
                }
            )))
        }
        (None, _) => {
            let held: Vec<&str> = file.signing.iter().map(|k| k.alg().name()).collect();
            return Err(Failure::usage(match (alg, held.is_empty()) {
                (Some(alg), false) => format!(
                    "{} holds a {} key, which does not sign with {alg}",
                    file.what,
                    held.join(", ")
                ),
                _ => format!(
                    "{} holds no private signature key (Ed25519, P-256, secp256k1 or P-384): \
                     {option} takes the signer's private JWK",
                    file.what
                ),
            }));
        }
    };
    match key.kid() {
        Some(kid) if didcomm::is_did_url(kid) => Ok(key),
        Some(kid) => Err(Failure::usage(format!(
            "{}: the signer kid \"{kid}\" is not a DID URL (did:method:id#fragment); \
             receivers resolve signers by DID URL",
            file.what
        ))),
        None => Err(Failure::usage(format!(
            "{}: the signer key has no \"kid\"; DIDComm signed messages name the signer by a \
             DID URL kid (authcrypt keygen --crv Ed25519 --kid 'did:example:alice#key-1')",
            file.what
        ))),
    }
}
