//! `authcrypt`: pack, sign, unpack and inspect DIDComm v2 messages from the command line.
//!
//! This file holds argument parsing, dispatch, and the mapping of failures to exit codes.
//!
//! Exit codes: 0 success, 1 the message was rejected, 2 usage error or unusable key file,
//! 3 unsupported algorithm, curve or serialization, 70 internal error.

#![forbid(unsafe_code)]

mod demo;
mod error;
mod inspect;
mod io;
mod keygen;
mod keys;
mod pack;
mod resolve;
mod sign;
mod unpack;

use std::io::Write as _;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, Subcommand};
use zeroize::Zeroizing;

use error::{one_line, Failure, EXIT_INTERNAL, EXIT_REJECTED, EXIT_UNSUPPORTED, EXIT_USAGE};

/// What a successful command writes to stdout, in one piece.
pub type Output = Zeroizing<Vec<u8>>;

const ABOUT: &str = "Pack, sign, unpack and inspect DIDComm v2 messages: JWE with ECDH-ES \
                     anoncrypt and ECDH-1PU authcrypt on X25519, P-256, P-384 and P-521, and \
                     JWS with EdDSA, ES256, ES256K and ES384";

const EXAMPLES: &str = "\
Examples:
  authcrypt keygen --crv X25519 --kid 'did:example:alice#key-1' > alice.jwk
  authcrypt keygen --crv X25519 --kid 'did:example:bob#key-1' > bob.jwk
  authcrypt pub alice.jwk > alice.pub.jwk
  authcrypt pub bob.jwk > bob.pub.jwk
  authcrypt pack --from alice.jwk --to bob.pub.jwk < hello.json > msg.jwe
  authcrypt inspect < msg.jwe
  authcrypt unpack --key bob.jwk --sender alice.pub.jwk < msg.jwe
  authcrypt keygen --crv Ed25519 --kid 'did:example:alice#key-sig-1' > alice-sig.jwk
  authcrypt pack --from alice.jwk --to bob.pub.jwk --sign alice-sig.jwk < hello.json > signed.jwe
  authcrypt unpack --key bob.jwk --sender alice.pub.jwk --sender alice-sig.jwk -v < signed.jwe
  authcrypt demo

Exit codes:
  0  success
  1  the message was rejected (decryption or a signature failed, a header or binding rule is
     broken, or the keys given do not open or verify it)
  2  usage error, unreadable input, or an unreadable or unusable key file
  3  unsupported algorithm, content encryption, curve or serialization";

#[derive(Debug, Parser)]
#[command(
    name = "authcrypt",
    version,
    about = ABOUT,
    after_help = EXAMPLES,
    propagate_version = true,
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a private key (JWK): for key agreement (X25519, P-256, P-384, P-521) or
    /// signatures (Ed25519, secp256k1, P-256, P-384)
    #[command(after_help = keygen::KEYGEN_EXAMPLES)]
    Keygen(keygen::KeygenArgs),
    /// Print the public JWK of a private JWK
    #[command(name = "pub", after_help = keygen::PUB_EXAMPLES)]
    Pub(keygen::PubArgs),
    /// Encrypt stdin (any bytes) into a JWE: authcrypt with --from, anoncrypt without
    #[command(after_help = pack::PACK_EXAMPLES)]
    Pack(pack::PackArgs),
    /// Sign the DIDComm plaintext message on stdin: a signed message (JWS, general JSON)
    #[command(after_help = sign::SIGN_EXAMPLES)]
    Sign(sign::SignArgs),
    /// Decrypt the JWE on stdin, verify any signed message, and write exactly the plaintext
    #[command(after_help = unpack::UNPACK_EXAMPLES)]
    Unpack(unpack::UnpackArgs),
    /// Print the DID document of a did:key, computed locally
    #[command(after_help = resolve::RESOLVE_EXAMPLES)]
    Resolve(resolve::ResolveArgs),
    /// Show what the JWE on stdin claims, without decrypting it
    #[command(after_help = inspect::INSPECT_EXAMPLES)]
    Inspect(inspect::InspectArgs),
    /// List the supported alg, enc, crv and serialization values, and the key-agreement backend, as JSON
    #[command(after_help = keygen::CAPABILITIES_EXAMPLES)]
    Capabilities,
    /// Authcrypt a DIDComm message from Alice to Bob and Charlie with built-in keys, unpack it,
    /// and show tampering rejected
    #[command(after_help = demo::DEMO_EXAMPLES)]
    Demo,
}

/// Runs the tool and returns its exit code.
fn main() -> ExitCode {
    install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with code 0; usage errors become one line on stderr
            // with code 2.
            let code = u8::try_from(e.exit_code()).unwrap_or(EXIT_USAGE);
            if e.use_stderr() && e.kind() != ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                report(&Failure::new(code, usage_line(&e)));
            } else {
                let _ = e.print();
            }
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Keygen(args) => keygen::keygen(args),
        Command::Pub(args) => keygen::public(args),
        Command::Pack(args) => pack::run(args),
        Command::Sign(args) => sign::run(args),
        Command::Resolve(args) => resolve::run(args),
        Command::Unpack(args) => unpack::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Capabilities => keygen::capabilities(),
        Command::Demo => demo::run(),
    };
    match result.and_then(|out| io::write_stdout(&out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            report(&failure);
            ExitCode::from(failure.code)
        }
    }
}

/// A clap error as one line: its message without the usage block, and where to find help.
/// Decodes unpadded base64url (strict: no padding, whitespace or non-canonical trailing bits).
fn decode_b64url(text: &str) -> Option<Vec<u8>> {
    use base64ct::{Base64UrlUnpadded, Encoding};
    Base64UrlUnpadded::decode_vec(text).ok()
}

fn usage_line(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let mut parts: Vec<&str> = Vec::new();
    for line in rendered.lines() {
        let line = line.trim();
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        if !line.is_empty() {
            parts.push(line.strip_prefix("error:").map_or(line, str::trim_start));
        }
    }
    let mut line = parts.join(" ");
    if line.is_empty() {
        line = "invalid command line".to_owned();
    }
    let names: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    let sub = std::env::args_os()
        .skip(1)
        .filter_map(|a| a.to_str().map(str::to_owned))
        .find(|a| names.contains(a));
    match sub {
        Some(sub) => line.push_str(&format!(" (see authcrypt {sub} --help)")),
        None => line.push_str(" (see authcrypt --help)"),
    }
    line
}

fn report(failure: &Failure) {
    let label = match failure.code {
        EXIT_REJECTED => "rejected",
        EXIT_USAGE => "error",
        EXIT_UNSUPPORTED => "unsupported",
        _ => "internal error",
    };
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "authcrypt: {label}: {}", one_line(&failure.message));
}

/// A last resort: should anything panic, print one line instead of a panic message and exit
/// with a code of its own.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|_| {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "authcrypt: internal error: unexpected failure (please report it)"
        );
        std::process::exit(i32::from(EXIT_INTERNAL));
    }));
}
