//! `keygen`, `pub` and `capabilities`.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use authcrypt::didcomm::is_did_url;
use authcrypt::jws::{SigAlg, SigningKey};
use authcrypt::{Alg, Curve, Enc, Jwk, Serialization};
use clap::Args;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use super::error::Failure;
use super::{io, keys, Output};

pub const KEYGEN_EXAMPLES: &str = "\
Examples:
  authcrypt keygen --crv X25519 --kid 'did:example:alice#key-1' > alice.jwk
  authcrypt keygen --crv P-384 --kid 'did:example:bob#key-p384-1' -o bob.jwk
  authcrypt keygen --crv P-256 | authcrypt pub
  authcrypt keygen --crv Ed25519 --kid 'did:example:alice#key-sig-1' > alice-sig.jwk

X25519 and P-521 keys are for key agreement, Ed25519 and secp256k1 keys for signatures
(EdDSA, ES256K), and P-256 and P-384 keys for either. The kid of a key used with the DIDComm defaults must be a DID URL with a fragment
(did:method:id#fragment): envelopes name the sender and every recipient by kid.";

pub const PUB_EXAMPLES: &str = "\
Examples:
  authcrypt pub alice.jwk > alice.pub.jwk
  authcrypt keygen --crv P-521 --kid 'did:example:carol#key-1' | authcrypt pub
  authcrypt pub keys.jwks          # a JWK Set gives the JWK Set of its public keys";

pub const CAPABILITIES_EXAMPLES: &str = "\
Example:
  authcrypt capabilities | jq -r '.alg[]'";

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Curve of the key: X25519, P-256, P-384, P-521, Ed25519 or secp256k1
    #[arg(long, value_name = "CURVE", default_value = "X25519")]
    crv: String,
    /// Key id, normally a DID URL such as did:example:alice#key-1
    #[arg(long, value_name = "KID")]
    kid: Option<String>,
    /// Write the key to FILE (created with owner-only permissions; never overwritten) instead
    /// of stdout
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PubArgs {
    /// The private JWK (or JWK Set); stdin when absent or "-"
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
}

/// A curve name without case, `-` or `_`, so that a few spellings are one (`P-256`, `p256`).
fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_uppercase)
        .collect()
}

/// Parses a curve name; a few spellings are accepted (`P-256`, `P256`, `p256`).
pub fn parse_curve(name: &str) -> Result<Curve, Failure> {
    let curve = match fold(name).as_str() {
        "X25519" => Curve::X25519,
        "P256" => Curve::P256,
        "P384" => Curve::P384,
        "P521" => Curve::P521,
        _ => {
            return Err(Failure::unsupported(format!(
                "unsupported curve \"{}\" (supported: {})",
                name.chars().take(64).collect::<String>(),
                Curve::ALL.map(Curve::name).join(", ")
            )))
        }
    };
    Ok(curve)
}

/// The signature algorithm of a signature-only curve name (`Ed25519`, `secp256k1`).
fn signature_curve(name: &str) -> Option<SigAlg> {
    match fold(name).as_str() {
        "ED25519" => Some(SigAlg::EdDsa),
        "SECP256K1" | "K256" => Some(SigAlg::Es256K),
        _ => None,
    }
}

pub fn keygen(args: KeygenArgs) -> Result<Output, Failure> {
    /// What kind of key the curve asks for.
    enum Generate {
        Signature(SigAlg),
        Agreement(Curve),
    }
    let generate = match signature_curve(&args.crv) {
        Some(alg) => Generate::Signature(alg),
        None => Generate::Agreement(
            parse_curve(&args.crv)
                .map_err(|f| f.hint("signature curves: Ed25519, secp256k1, P-256, P-384"))?,
        ),
    };
    if let Some(kid) = &args.kid {
        if kid.is_empty() {
            return Err(Failure::usage("--kid must not be empty"));
        }
        if !is_did_url(kid) {
            io::warn(&format!(
                "note: the kid \"{kid}\" is not a DID URL (did:method:id#fragment); \
                 the DIDComm defaults of `pack`, `sign` and `unpack` need one"
            ));
        }
    }
    let text = match generate {
        Generate::Signature(alg) => {
            let mut key = SigningKey::generate(alg);
            if let Some(kid) = args.kid {
                key = key.with_kid(kid);
            }
            key.to_json()
        }
        Generate::Agreement(curve) => {
            let mut key = Jwk::generate(curve);
            if let Some(kid) = args.kid {
                key = key.with_kid(kid);
            }
            key.to_private_json()
                .map_err(|e| Failure::internal(e.to_string()))?
        }
    };
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() + 1));
    out.extend_from_slice(text.as_bytes());
    out.push(b'\n');
    match args.output {
        None => Ok(out),
        Some(path) => {
            write_private(&path, &out)?;
            Ok(Output::default())
        }
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let shown = io::show(path);
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Failure::usage(format!(
                "{shown} already exists; not overwriting a key file"
            ))
        } else {
            Failure::usage(format!("cannot create {shown}: {e}"))
        }
    })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Failure::usage(format!("cannot write {shown}: {e}")))
}

pub fn public(args: PubArgs) -> Result<Output, Failure> {
    let path = args.file.unwrap_or_else(|| PathBuf::from("-"));
    let file = keys::load(&path)?;
    if let keys::Kind::DidDocument(_) = file.kind {
        return Err(Failure::usage(format!(
            "{}: a DID document holds public keys already; give a JWK or a JWK Set",
            file.what
        )));
    }
    // Each key once: a P-256 or P-384 key serves both uses and is one JWK.
    let mut publics: Vec<String> = file.keys.iter().map(Jwk::to_public_json).collect();
    for k in &file.verifying {
        let text = k.to_json();
        if !publics.contains(&text) {
            publics.push(text);
        }
    }
    let text = match file.kind {
        keys::Kind::Jwk => publics.into_iter().next().unwrap_or_default(),
        _ => format!("{{\"keys\":[{}]}}", publics.join(",")),
    };
    let mut out = text.into_bytes();
    out.push(b'\n');
    Ok(Output::new(out))
}

pub fn capabilities() -> Result<Output, Failure> {
    let serializations = [
        Serialization::Compact,
        Serialization::Flattened,
        Serialization::General,
    ];
    let value = json!({
        "alg": Alg::ALL.map(Alg::name),
        "enc": Enc::ALL.map(Enc::name),
        "crv": Curve::ALL.map(Curve::name),
        "serialization": serializations.map(Serialization::name),
        "sig_alg": SigAlg::ALL.map(SigAlg::name),
        "key_agreement_backend": authcrypt::BACKEND,
    });
    pretty(&value)
}

/// Pretty JSON followed by a newline.
pub fn pretty(value: &Value) -> Result<Output, Failure> {
    let mut out = serde_json::to_vec_pretty(value).map_err(|e| Failure::internal(e.to_string()))?;
    out.push(b'\n');
    Ok(Output::new(out))
}
