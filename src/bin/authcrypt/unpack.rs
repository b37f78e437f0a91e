//! `unpack`: decrypt the envelope on stdin, and verify the signed message inside it or on its
//! own.

use std::path::PathBuf;

use authcrypt::did::LocalDids;
use authcrypt::didcomm::{KeyResolver, KeySet, MessageForm, Unpacked, Unpacker};
use authcrypt::jws::VerifyingKey;
use authcrypt::{Coordinates, Decrypter, Error, Jwk};
use clap::{Args, ValueEnum};

use super::error::Failure;
use super::keys::{self, KeyFile};
use super::{io, Output};

pub const UNPACK_EXAMPLES: &str = "\
Examples:
  authcrypt unpack --key bob.jwk --sender alice.pub.jwk < msg.jwe > msg.json
  authcrypt unpack --key bob.jwk < anoncrypted.jwe
  authcrypt unpack --key bob-keys.jwks --sender alice-did.json < msg.jwe
  authcrypt unpack --key bob.jwk --sender alice-did.json -v < signed-then-encrypted.jwe
  authcrypt unpack --sender alice-did.json < signed.json
  authcrypt unpack --profile jose --key bob.jwk < compact.jwe

The plaintext bytes, exactly, are the only output: for a signed message, its payload (the
plaintext message) once every signature has verified. The recipient key is the --key whose kid
matches a recipient kid of the envelope (under --profile jose, envelope entries without a kid
are tried with every --key). An authcrypt sender key is the --sender whose kid equals skid (or
the decoded apu). A signer's key is the --sender signature key whose kid the signature names:
from a DID document, only its authentication keys. Without --sender, the keys of did:key and did:peer
(0, 2, long 4) senders and signers come from their DIDs; with --sender, only its files are
believed. The signer's DID must be the message's
\"from\" and, inside authcrypt, the DID of the sender key. A signed message on its own needs no
--key. When --sender is given, a message that neither authenticates nor signs its sender is
rejected.

Profiles:
  didcomm  (default) the DIDComm v2 rules: general JSON serialization; ECDH-1PU+A256KW with
           A256CBC-HS512, or ECDH-ES+A256KW; typ, epk, apv, skid and apu protected and
           consistent; DID URL kids; only anoncrypt(authcrypt(message)) nests, and the
           sender is the inner layer's; the plaintext must be a DIDComm message (a JSON
           object) whose from/to match the sender and recipient keys (--no-message-checks
           returns any plaintext, a signed message unverified); a signed message is verified
           at any of sign(m), anoncrypt(sign(m)), authcrypt(sign(m)) and
           anoncrypt(authcrypt(sign(m)))
  jose     RFC 7516/7518/8037 and ECDH-1PU (draft-madden-jose-ecdh-1pu-04) only, any
           serialization, one layer";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// The DIDComm v2 envelope rules
    Didcomm,
    /// Plain JOSE: RFC 7516/7518/8037 and the ECDH-1PU draft
    Jose,
}

#[derive(Debug, Args)]
pub struct UnpackArgs {
    /// A recipient private key: a JWK or a JWK Set. Repeat to offer several (not needed for a
    /// signed message on its own)
    #[arg(long = "key", value_name = "FILE")]
    key: Vec<PathBuf>,
    /// A possible sender's or signer's public keys: a JWK, a JWK Set or a DID document (its
    /// keyAgreement keys for authcrypt, its authentication keys for signatures). Repeat to
    /// offer several
    #[arg(long = "sender", value_name = "FILE")]
    sender: Vec<PathBuf>,
    /// Which rules the envelope must follow
    #[arg(long, value_enum, default_value_t = Profile::Didcomm)]
    profile: Profile,
    /// Return the innermost plaintext whatever it is, without checking that it is a DIDComm
    /// message whose from and to match the keys used (the reported sender is still the key
    /// that was checked)
    #[arg(long)]
    no_message_checks: bool,
    /// Check the message's expires_time, and a from_prior's iat, nbf and exp, against this
    /// time: seconds since the UNIX epoch, or "now" for the system clock [default: no time
    /// checks]
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// Report on stderr how the message was protected and by whom
    #[arg(short, long)]
    verbose: bool,
}

/// The `--at` time in seconds since the UNIX epoch.
fn parse_time(text: &str) -> Result<u64, Failure> {
    if text == "now" {
        return std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .map_err(|_| Failure::usage("the system clock is before 1970"));
    }
    text.parse().map_err(|_| {
        Failure::usage(format!(
            "--at takes seconds since the UNIX epoch or \"now\", not \"{}\"",
            text.chars().take(64).collect::<String>()
        ))
    })
}

/// What was learned about the message, for `--verbose`.
struct Report {
    authenticated: bool,
    signed: bool,
    summary: String,
}

pub fn run(args: UnpackArgs) -> Result<Output, Failure> {
    let mut key_files: Vec<KeyFile> = Vec::with_capacity(args.key.len());
    for path in &args.key {
        let file = keys::load(path)?;
        if file.private_keys().next().is_none() {
            return Err(Failure::usage(format!(
                "{} holds no private key: --key takes the recipient's private JWK",
                file.what
            )));
        }
        key_files.push(file);
    }
    let secrets: Vec<Jwk> = keys::merge("--key", &key_files)?
        .into_iter()
        .filter(Jwk::is_private)
        .collect();
    let sender_files = args
        .sender
        .iter()
        .map(|path| keys::load(path))
        .collect::<Result<Vec<KeyFile>, Failure>>()?;
    let senders: Vec<Jwk> = keys::merge("--sender", &sender_files)?
        .iter()
        .map(Jwk::to_public)
        .collect();
    let signers = keys::merge_verifying("--sender", &sender_files)?;

    let input = io::read_stdin(io::MAX_ENVELOPE)?;
    if input.trim_ascii().is_empty() {
        return Err(Failure::usage(
            "no envelope on stdin: pipe a JWE or a signed message into `authcrypt unpack`",
        ));
    }
    let at = args.at.as_deref().map(parse_time).transpose()?;
    if args.key.is_empty() && args.profile == Profile::Jose {
        return Err(Failure::usage(
            "--profile jose decrypts a JWE: give the recipient's private key with --key",
        ));
    }
    let hints = Hints {
        secrets: &secrets,
        senders: &senders,
        profile: args.profile,
    };
    let (plaintext, report) = match args.profile {
        Profile::Didcomm => unpack_didcomm(
            &input,
            &secrets,
            (&senders, &signers),
            (!args.no_message_checks, at, args.sender.is_empty()),
        ),
        Profile::Jose => unpack_jose(&input, &secrets, &senders),
    }
    .map_err(|e| hints.explain(&e))?;
    if !args.sender.is_empty() && !report.authenticated && !report.signed {
        return Err(Failure::rejected(
            "the message is anonymous (anoncrypt or ECDH-ES) and not signed, so it does not \
             come from an authenticated --sender",
        )
        .hint("drop --sender to accept anonymous messages"));
    }
    if args.verbose {
        io::warn(&report.summary);
    }
    Ok(plaintext)
}

fn unpack_didcomm(
    input: &[u8],
    secrets: &[Jwk],
    (senders, signers): (&[Jwk], &[VerifyingKey]),
    (message_checks, at, local_dids): (bool, Option<u64>, bool),
) -> Result<(Output, Report), Error> {
    let mut secret_set = KeySet::new();
    for k in secrets.iter().filter(|k| k.kid().is_some()) {
        secret_set.insert(k.clone())?;
    }
    let mut sender_set = KeySet::new();
    for k in senders.iter().filter(|k| k.kid().is_some()) {
        sender_set.insert(k.clone())?;
    }
    for k in signers.iter().filter(|k| k.kid().is_some()) {
        sender_set.insert_verification_key(k.clone())?;
    }
    // Keys of DIDs that are their own documents (did:key, did:peer) need no --sender file; but
    // when --sender names who may have sent the message, only those files are believed.
    let with_local: [&dyn KeyResolver; 2] = [&sender_set, &LocalDids];
    let senders: &[&dyn KeyResolver] = if local_dids {
        &with_local
    } else {
        &with_local[..1]
    };
    let mut unpacker = Unpacker::new(&secret_set)
        .senders(&senders)
        .message_checks(message_checks);
    if let Some(at) = at {
        unpacker = unpacker.at(at);
    }
    let opened = unpacker.unpack(input)?;
    let report = Report {
        authenticated: opened.authenticated(),
        signed: opened.non_repudiable(),
        summary: summary(&opened),
    };
    Ok((opened.plaintext.into_zeroizing(), report))
}

/// The `--verbose` line: the layers, who sent the message, and who signed it.
fn summary(opened: &Unpacked) -> String {
    let layers: Vec<String> = opened
        .layers
        .iter()
        .map(|l| format!("{} ({}, {}, {})", l.mode, l.alg, l.enc, l.curve))
        .collect();
    let mut line = if layers.is_empty() {
        "a signed message, not encrypted".to_owned()
    } else {
        format!(
            "{} for {}, from {}",
            layers.join(" wrapping "),
            opened.recipient_kid(),
            opened.sender_kid().unwrap_or("an anonymous sender"),
        )
    };
    match opened.form {
        MessageForm::Plaintext | MessageForm::Signed => {}
        MessageForm::SignedUnverified => line.push_str("; a signed message NOT verified"),
        MessageForm::Unchecked => line.push_str("; the plaintext was not checked"),
    }
    for signer in &opened.signers {
        line.push_str(&format!("; signed by {} ({})", signer.kid, signer.alg));
    }
    if let Some(rotation) = &opened.from_prior {
        line.push_str(&format!(
            "; rotated from {} by {} ({})",
            rotation.iss, rotation.kid, rotation.alg
        ));
    }
    line
}

fn unpack_jose(input: &[u8], secrets: &[Jwk], senders: &[Jwk]) -> Result<(Output, Report), Error> {
    let mut decrypter = Decrypter::new()
        .coordinates(Coordinates::LeftPadShort)
        .sender_keys(senders);
    if !senders.is_empty() {
        // With --sender, an anonymous message is refused by the library itself.
        decrypter = decrypter.require_sender();
    }
    for k in secrets {
        decrypter = decrypter.recipient_key(k);
    }
    let d = decrypter.decrypt(input)?;
    let summary = format!(
        "{} {} on {} ({}), recipient {}, from {}",
        d.alg,
        d.enc,
        d.curve,
        d.serialization,
        d.recipient_kid.as_deref().unwrap_or("(no kid)"),
        match (&d.sender_kid, d.authenticated()) {
            (Some(kid), true) => kid.as_str(),
            (None, true) => "the --sender key (no kid)",
            _ => "an anonymous sender",
        }
    );
    let authenticated = d.authenticated();
    Ok((
        d.plaintext.into_zeroizing(),
        Report {
            authenticated,
            signed: false,
            summary,
        },
    ))
}

/// Turns a library error into a failure, with a hint about the keys given where it helps.
struct Hints<'a> {
    secrets: &'a [Jwk],
    senders: &'a [Jwk],
    profile: Profile,
}

impl Hints<'_> {
    fn explain(&self, e: &Error) -> Failure {
        let failure = Failure::envelope(e);
        let kids = |keys: &[Jwk]| -> String {
            let kids: Vec<&str> = keys.iter().filter_map(Jwk::kid).take(8).collect();
            if kids.is_empty() {
                "none has a kid".to_owned()
            } else {
                kids.join(", ")
            }
        };
        match e {
            Error::RecipientNotFound(_) if self.secrets.is_empty() => Failure::usage(
                "the message on stdin is encrypted: give the recipient's private key with --key",
            ),
            Error::RecipientNotFound(_) => {
                failure.hint(format!("--key kids: {}", kids(self.secrets)))
            }
            Error::Profile(authcrypt::ProfileError::UnknownSigner(_)) => failure.hint(
                "give the signer's DID document (its authentication keys) or public key with \
                 --sender",
            ),
            Error::SenderRequired => failure.hint("drop --sender to accept anonymous messages"),
            Error::SenderNotFound(_) if self.senders.is_empty() => {
                failure.hint("the message is authcrypt: give the sender's public key with --sender")
            }
            Error::SenderNotFound(_) => {
                failure.hint(format!("--sender kids: {}", kids(self.senders)))
            }
            Error::Profile(authcrypt::ProfileError::NotGeneralJson(_))
                if self.profile == Profile::Didcomm =>
            {
                failure.hint("use --profile jose for other JWE serializations")
            }
            Error::Profile(authcrypt::ProfileError::AlgNotAllowed(_))
            | Error::Profile(authcrypt::ProfileError::EncNotAllowed { .. }) => {
                failure.hint("use --profile jose for other algorithms")
            }
            _ => failure,
        }
    }
}
