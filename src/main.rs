//! `authcrypt`: pack, unpack and inspect DIDComm v2 encrypted messages from the command line.
//!
//! Exit codes: 0 success, 1 the message was rejected, 2 usage error or unusable key file,
//! 3 unsupported algorithm, curve or serialization, 70 internal error.

#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
