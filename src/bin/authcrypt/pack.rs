//! `pack`: encrypt stdin for one or more recipients.

use std::path::{Path, PathBuf};

use authcrypt::didcomm::{
    apv_octets_for, is_did_url, AnyPacker, Mode, Packer, DEFAULT_CURVE_PREFERENCE, TYP_ENCRYPTED,
};
use authcrypt::{Alg, Curve, Enc, Encrypter, Jwk, Sender, Serialization};
use clap::Args;
use serde_json::Value;
use zeroize::Zeroizing;

use super::error::Failure;
use super::keys::{self, Kind};
use super::sign;
use super::{io, Output};

pub const PACK_EXAMPLES: &str = "\
Examples:
  # authcrypt (ECDH-1PU+A256KW, A256CBC-HS512) from Alice to Bob and Charlie
  authcrypt pack --from alice.jwk --to bob.pub.jwk --to charlie.pub.jwk < msg.json > msg.jwe

  # anoncrypt (ECDH-ES+A256KW) to every keyAgreement key of Bob's DID document on one curve
  authcrypt pack --to bob-did.json --enc A256GCM < msg.json > msg.jwe

  # authcrypt with the sender hidden: anoncrypt(authcrypt(message))
  authcrypt pack --from alice.jwk --to bob.pub.jwk --protect-sender < msg.json > msg.jwe

  # signed, then authcrypted: authcrypt(sign(message)); without --from, anoncrypt(sign(message))
  authcrypt pack --from alice.jwk --sign alice-sig.jwk --to bob.pub.jwk < msg.json > msg.jwe

  # a plain JOSE JWE: compact serialization, direct key agreement
  authcrypt pack --to bob.pub.jwk --alg ECDH-ES --enc A128GCM --compact < data.bin

With the DIDComm defaults every key needs a DID URL kid (did:method:id#fragment). The output
carries typ, apv over the recipient kids (when every key has a kid) and, with --from, skid and
apu = b64u(skid) (when the sender key has a kid). Other algorithms, other encryptions with
--from, and --compact give a JWE for `unpack --profile jose`.
Recipients must share one curve; from DID documents only the keys on the chosen curve are used
(the recipients' curve, else the first of X25519, P-384, P-256, P-521 that every document
offers and, with --from, the sender has a private key on).";

#[derive(Debug, Args)]
pub struct PackArgs {
    /// Recipient: a JWK (public or private; only the public part is used), a JWK Set, or a DID
    /// document (its keyAgreement keys on the chosen curve). Repeat for more recipients
    #[arg(long = "to", value_name = "FILE", required = true)]
    to: Vec<PathBuf>,
    /// The sender's private JWK: authcrypt (ECDH-1PU). Without it the sender is anonymous
    /// (anoncrypt, ECDH-ES)
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    /// Key management algorithm [default: ECDH-1PU+A256KW with --from, ECDH-ES+A256KW
    /// without]
    #[arg(long, value_name = "ALG")]
    alg: Option<String>,
    /// Content encryption algorithm [default: A256CBC-HS512]
    #[arg(long, value_name = "ENC")]
    enc: Option<String>,
    /// Compact serialization (exactly one recipient, whose kid goes in the protected header)
    #[arg(long, conflicts_with = "protect_sender")]
    compact: bool,
    /// Hide the sender's identity: wrap the authcrypt envelope in an anoncrypt one to the same
    /// recipients (--enc then names the outer encryption)
    #[arg(long, requires = "from")]
    protect_sender: bool,
    /// Sign the message first with this private signature key (Ed25519, P-256, secp256k1 or
    /// P-384; its kid a DID URL of the message's "from" and, with --from, of the sender's DID),
    /// then encrypt the signed message
    #[arg(long, value_name = "SIGNER.jwk", conflicts_with = "compact")]
    sign: Option<PathBuf>,
}

/// The keys of one `--to` file.
struct ToFile {
    what: String,
    did: Option<String>,
    keys: Vec<Jwk>,
}

/// Parses an `alg` name; unknown names are "unsupported" (exit 3).
pub fn parse_alg(name: &str) -> Result<Alg, Failure> {
    Alg::from_name(name).map_err(|e| {
        Failure::request(&e).hint(format!("supported: {}", Alg::ALL.map(Alg::name).join(", ")))
    })
}

/// Parses an `enc` name; unknown names are "unsupported" (exit 3).
pub fn parse_enc(name: &str) -> Result<Enc, Failure> {
    Enc::from_name(name).map_err(|e| {
        Failure::request(&e).hint(format!("supported: {}", Enc::ALL.map(Enc::name).join(", ")))
    })
}

pub fn run(args: PackArgs) -> Result<Output, Failure> {
    let (alg, enc) = alg_and_enc(&args)?;

    let senders = args.from.as_deref().map(load_senders).transpose()?;
    let files = load_recipients(&args.to)?;

    let curve = choose_curve(&files, senders.as_ref().map(|(_, k)| k.as_slice()))?;
    let sender = match &senders {
        None => None,
        Some((what, keys)) => Some(keys.iter().find(|k| k.curve() == curve).ok_or_else(|| {
            Failure::usage(format!(
                "{what} has no private key on {curve}, the curve of the recipient keys"
            ))
        })?),
    };
    let chosen = choose_keys(&files, curve)?;

    // A DIDComm envelope when alg and enc are a mode's (alg_and_enc has tied an ECDH-1PU alg
    // to --from and --protect-sender to authcrypt; with it, enc names the outer layer).
    let didcomm = !args.compact
        && Mode::of_alg(alg).is_some_and(|mode| args.protect_sender || mode.allows(enc));
    if didcomm {
        check_didcomm_kids(&chosen, sender, args.from.as_ref().map(|p| keys::what(p)))?;
    }

    let signer = match &args.sign {
        Some(_) if !didcomm => {
            return Err(Failure::usage(
                "--sign makes a DIDComm signed message, which is encrypted with the DIDComm \
                 algorithms only (authcrypt or anoncrypt, general JSON)",
            ))
        }
        Some(path) => Some(sign::load_signer(path, None, "--sign")?),
        None => None,
    };

    let plaintext = read_plaintext(args.protect_sender, signer.is_some())?;
    let recipients: Vec<&Jwk> = chosen.iter().map(|(k, _)| *k).collect();
    let envelope = if didcomm {
        let mut packer: AnyPacker = match sender {
            Some(s) => Packer::authcrypt(s)
                .protect_sender(args.protect_sender)
                .into(),
            None => Packer::anoncrypt().into(),
        };
        if let Some(key) = &signer {
            packer = packer.sign_with(key);
        }
        packer
            .to_all(recipients.iter().copied())
            .enc(enc)
            .pack(&plaintext)
    } else {
        encrypt(alg, enc, sender, &recipients, args.compact, &plaintext)?
    }
    .map_err(|e| Failure::request(&e))?;
    // The header, the recipients and the padding add to the encoded content, so a plaintext
    // just under the bound can still give an envelope over it.
    if envelope.len() >= io::MAX_ENVELOPE {
        return Err(Failure::usage(format!(
            "the envelope would be {} octets with its newline, more than the {} that \
             `authcrypt unpack` accepts: pack a smaller plaintext",
            envelope.len() + 1,
            io::MAX_ENVELOPE
        )));
    }
    let mut out = envelope.into_bytes();
    out.push(b'\n');
    Ok(Output::new(out))
}

/// The `alg` and `enc` of the request: named, or the DIDComm mode's, and consistent with
/// `--from` and `--protect-sender`.
fn alg_and_enc(args: &PackArgs) -> Result<(Alg, Enc), Failure> {
    let alg = match (&args.alg, &args.from) {
        (Some(name), _) => parse_alg(name)?,
        (None, Some(_)) => Mode::Authcrypt.alg(),
        (None, None) => Mode::Anoncrypt.alg(),
    };
    let enc = match &args.enc {
        Some(name) => parse_enc(name)?,
        None => Mode::DEFAULT_ENC,
    };
    match (alg.is_1pu(), args.from.is_some()) {
        (true, false) => {
            return Err(Failure::usage(format!(
                "--alg {alg} authenticates the sender: give the sender's private key with --from"
            )))
        }
        (false, true) => {
            return Err(Failure::usage(format!(
                "--alg {alg} is anonymous (ECDH-ES): drop --from, or choose an ECDH-1PU alg to \
                 authenticate the sender"
            )))
        }
        _ => {}
    }
    if args.protect_sender {
        if alg != Mode::Authcrypt.alg() {
            return Err(Failure::usage(
                "--protect-sender nests a DIDComm authcrypt envelope (ECDH-1PU+A256KW) in an \
                 anoncrypt one and takes no other --alg",
            ));
        }
        if !Mode::Anoncrypt.allows(enc) {
            return Err(Failure::unsupported(format!(
                "with --protect-sender, --enc names the outer anoncrypt encryption: \
                 A256CBC-HS512, A256GCM or XC20P, not {enc}"
            )));
        }
    } else {
        alg.check_enc(enc).map_err(|e| Failure::request(&e))?;
    }
    Ok((alg, enc))
}

/// The sender's private keys from the `--from` file, with the file's name.
fn load_senders(path: &Path) -> Result<(String, Vec<Jwk>), Failure> {
    let file = keys::load(path)?;
    let private: Vec<Jwk> = keys::merge("--from", std::slice::from_ref(&file))?
        .into_iter()
        .filter(Jwk::is_private)
        .collect();
    if private.is_empty() && !file.signing.is_empty() {
        return Err(Failure::usage(format!(
            "{} holds a signature key only: --from takes the sender's private key-agreement \
             JWK (X25519, P-256, P-384, P-521); sign with --sign",
            file.what
        )));
    }
    if private.is_empty() {
        return Err(Failure::usage(format!(
            "{} holds no private key: --from takes the sender's private JWK",
            file.what
        )));
    }
    Ok((file.what, private))
}

/// The recipients' key files (JWKs, key sets or DID documents), their keys made public.
fn load_recipients(paths: &[PathBuf]) -> Result<Vec<ToFile>, Failure> {
    let loaded = paths
        .iter()
        .map(|path| keys::load(path))
        .collect::<Result<Vec<_>, Failure>>()?;
    // Only conflicts matter here: a recipient given twice is reported below, once the curve
    // picks the keys that are used.
    keys::merge("--to", &loaded)?;
    let mut files = Vec::with_capacity(loaded.len());
    for file in loaded {
        if file.keys.is_empty() {
            let curve = file.verifying.first().map_or("", |k| k.alg().curve_name());
            return Err(Failure::unsupported(format!(
                "{}: {curve} is a signature curve, not a key agreement curve: --to takes the \
                 recipient's key-agreement key (X25519, P-256, P-384, P-521)",
                file.what
            )));
        }
        let did = match file.kind {
            Kind::DidDocument(id) => Some(id),
            Kind::Jwk | Kind::Set => None,
        };
        files.push(ToFile {
            what: file.what,
            did,
            keys: file.keys.iter().map(Jwk::to_public).collect(),
        });
    }
    Ok(files)
}

/// The recipient keys on `curve`, with the file each came from; every DID document must
/// offer one.
fn choose_keys(files: &[ToFile], curve: Curve) -> Result<Vec<(&Jwk, &str)>, Failure> {
    let mut chosen: Vec<(&Jwk, &str)> = Vec::new();
    for file in files {
        let before = chosen.len();
        chosen.extend(
            file.keys
                .iter()
                .filter(|k| k.curve() == curve)
                .map(|k| (k, file.what.as_str())),
        );
        if let (Some(did), true) = (&file.did, chosen.len() == before) {
            return Err(Failure::usage(format!(
                "{}: the DID document {did} has no keyAgreement key on {curve}, the curve of \
                 the other keys",
                file.what
            )));
        }
    }
    check_duplicates(&chosen)?;
    Ok(chosen)
}

/// The plaintext from stdin, bounded so that its envelope stays within what
/// `authcrypt unpack` accepts.
fn read_plaintext(protect_sender: bool, signed: bool) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let max = match (signed, protect_sender) {
        (true, _) => sign::MAX_SIGNED_PLAINTEXT,
        (false, true) => io::MAX_PROTECTED_PLAINTEXT,
        (false, false) => io::MAX_PLAINTEXT,
    };
    io::read_stdin_within(max)?.ok_or_else(|| {
        let with = if protect_sender {
            " with --protect-sender"
        } else {
            ""
        };
        Failure::usage(format!(
            "the plaintext on stdin is larger than {max} octets: its envelope{with} would \
             exceed the {} octets `authcrypt unpack` accepts",
            io::MAX_ENVELOPE
        ))
    })
}

/// The curve of the envelope: that of the explicit recipient keys (which must agree); with
/// only DID documents, the first curve of X25519, P-384, P-256, P-521 that every document
/// offers (and, for authcrypt, the sender has a key on).
fn choose_curve(files: &[ToFile], senders: Option<&[Jwk]>) -> Result<Curve, Failure> {
    let mut explicit = files
        .iter()
        .filter(|f| f.did.is_none())
        .flat_map(|f| f.keys.iter().map(move |k| (k.curve(), f.what.as_str())));
    if let Some((curve, what)) = explicit.next() {
        if let Some((other, other_what)) = explicit.find(|(c, _)| *c != curve) {
            return Err(Failure::usage(format!(
                "the recipient keys are on different curves ({curve} in {what}, {other} in \
                 {other_what}); pack one envelope per curve"
            )));
        }
        return Ok(curve);
    }
    let mut candidates = DEFAULT_CURVE_PREFERENCE
        .into_iter()
        .filter(|c| senders.is_none_or(|keys| keys.iter().any(|k| k.curve() == *c)));
    candidates
        .find(|c| files.iter().all(|f| f.keys.iter().any(|k| k.curve() == *c)))
        .ok_or_else(|| {
            let why = if senders.is_some() {
                "on the curve of a sender key"
            } else {
                "on one curve"
            };
            Failure::usage(format!(
                "the recipients' DID documents offer no keyAgreement keys {why}"
            ))
        })
}

fn check_duplicates(chosen: &[(&Jwk, &str)]) -> Result<(), Failure> {
    for (i, (key, what)) in chosen.iter().enumerate() {
        if let Some((_, first)) = chosen[..i].iter().find(|(k, _)| {
            k.public_key() == key.public_key() || (k.kid().is_some() && k.kid() == key.kid())
        }) {
            let name = key
                .kid()
                .map_or_else(String::new, |kid| format!(" \"{kid}\""));
            return Err(Failure::usage(format!(
                "the recipient{name} is given twice (in {first} and {what})"
            )));
        }
    }
    Ok(())
}

fn check_didcomm_kids(
    chosen: &[(&Jwk, &str)],
    sender: Option<&Jwk>,
    sender_what: Option<String>,
) -> Result<(), Failure> {
    let check = |key: &Jwk, what: &str, role: &str| -> Result<(), Failure> {
        let problem = match key.kid() {
            None => format!("the {role} key has no \"kid\""),
            Some(kid) if !is_did_url(kid) => {
                format!("the {role} kid \"{kid}\" is not a DID URL (did:method:id#fragment)")
            }
            Some(_) => return Ok(()),
        };
        Err(Failure::usage(format!(
            "{what}: {problem}; DIDComm envelopes name every key by a DID URL kid \
             (authcrypt keygen --kid 'did:example:bob#key-1')"
        )))
    };
    if let (Some(s), Some(what)) = (sender, &sender_what) {
        check(s, what, "sender")?;
    }
    for (key, what) in chosen {
        check(key, what, "recipient")?;
    }
    Ok(())
}

/// A JWE outside the DIDComm profile's algorithms, with the same header members.
fn encrypt(
    alg: Alg,
    enc: Enc,
    sender: Option<&Jwk>,
    recipients: &[&Jwk],
    compact: bool,
    plaintext: &[u8],
) -> Result<authcrypt::Result<String>, Failure> {
    // `run` has checked that a sender is given exactly when `alg` is ECDH-1PU.
    let mut e = Encrypter::new(
        sender.map_or(Sender::Anonymous, Sender::Authenticated),
        alg.key_wrap(),
        enc,
    )
    .recipients(recipients.iter().copied())
    .protected_member("typ", Value::String(TYP_ENCRYPTED.to_owned()));
    if let Some(s) = sender {
        if let Some(kid) = s.kid() {
            e = e.skid(kid).apu(kid.as_bytes());
        }
    }
    let kids: Option<Vec<&str>> = recipients.iter().map(|r| r.kid()).collect();
    if let Some(kids) = kids {
        e = e.apv(apv_octets_for(&kids));
    }
    if compact {
        e = e.serialization(Serialization::Compact);
    }
    Ok(e.encrypt(plaintext))
}
