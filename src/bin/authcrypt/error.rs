//! The one failure type of the tool: an exit code and a single line for stderr.

use authcrypt::Error;

/// The message was rejected: a cryptographic failure, a broken header rule or an envelope that
/// cannot be opened with the keys given.
pub const EXIT_REJECTED: u8 = 1;
/// Usage error, unreadable input, or an unreadable or unusable key file.
pub const EXIT_USAGE: u8 = 2;
/// An algorithm, content encryption, curve or serialization this tool does not support.
pub const EXIT_UNSUPPORTED: u8 = 3;
/// A failure that should never happen (a bug, or the system's random number generator).
pub const EXIT_INTERNAL: u8 = 70;

/// Why a command failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The process exit code.
    pub code: u8,
    /// What was wrong and where, for people.
    pub message: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::new(EXIT_USAGE, message)
    }

    pub fn rejected(message: impl Into<String>) -> Failure {
        Failure::new(EXIT_REJECTED, message)
    }

    pub fn unsupported(message: impl Into<String>) -> Failure {
        Failure::new(EXIT_UNSUPPORTED, message)
    }

    pub fn internal(message: impl Into<String>) -> Failure {
        Failure::new(EXIT_INTERNAL, message)
    }

    /// Appends a hint after the message.
    pub fn hint(mut self, hint: impl AsRef<str>) -> Failure {
        self.message.push_str(" (");
        self.message.push_str(hint.as_ref());
        self.message.push(')');
        self
    }

    /// An error met while reading, checking or decrypting the envelope given on stdin.
    pub fn envelope(e: &Error) -> Failure {
        let code = match e {
            e if is_unsupported(e) => EXIT_UNSUPPORTED,
            Error::Rng => EXIT_INTERNAL,
            _ => EXIT_REJECTED,
        };
        Failure::new(code, format!("message on stdin: {e}"))
    }

    /// An error in a key file (`what` names it, e.g. "key file bob.jwk").
    pub fn key(what: &str, e: &Error) -> Failure {
        let code = if is_unsupported(e) {
            EXIT_UNSUPPORTED
        } else {
            EXIT_USAGE
        };
        Failure::new(code, format!("{what}: {e}"))
    }

    /// An error in what was asked of the encrypter (keys, alg, enc, serialization).
    pub fn request(e: &Error) -> Failure {
        match e {
            e if is_unsupported(e) => Failure::unsupported(e.to_string()),
            Error::Serialization { .. } => Failure::unsupported(e.to_string()),
            Error::Rng => Failure::internal(e.to_string()),
            // While encrypting, the only cryptographic failure is an all-zero X25519 shared
            // secret: a recipient public key of small order.
            Error::Crypto => Failure::usage(
                "key agreement failed: a recipient public key is not usable (a small-order point)",
            ),
            _ => Failure::usage(e.to_string()),
        }
    }
}

/// The "unsupported" errors of the library: exit code 3.
pub fn is_unsupported(e: &Error) -> bool {
    matches!(
        e,
        Error::UnsupportedAlg(_)
            | Error::UnsupportedEnc(_)
            | Error::UnsupportedCurve(_)
            | Error::UnsupportedKeyType(_)
            | Error::UnsupportedZip
            | Error::UnsupportedCrit(_)
            | Error::AlgEncMismatch { .. }
            | Error::UnsupportedSigAlg(_)
    )
}

/// Makes a message safe for one terminal line: control characters, the line and paragraph
/// separators, and the bidirectional formatting characters (which a hostile envelope or file
/// name could carry, to break the line or to make a terminal show its text in another order)
/// are escaped, and very long messages are shortened.
pub fn one_line(message: &str) -> String {
    const MAX_CHARS: usize = 1000;
    let mut out = String::with_capacity(message.len().min(MAX_CHARS + 8));
    for (n, c) in message.chars().enumerate() {
        if n == MAX_CHARS {
            out.push_str(" …");
            break;
        }
        if c.is_control() || reorders(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that are not controls but change how a terminal lays out the text after them:
/// the bidirectional marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F,
/// U+202A-U+202E, U+2066-U+2069), and the line and paragraph separators (U+2028, U+2029).
fn reorders(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_escapes_controls() {
        assert_eq!(one_line("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        assert!(one_line(&"x".repeat(5000)).chars().count() < 1010);
    }

    #[test]
    fn one_line_escapes_bidi_controls() {
        assert_eq!(
            one_line("kid \u{202e}1-yek#bob:elpmaxe:did"),
            "kid \\u{202e}1-yek#bob:elpmaxe:did"
        );
        let all = [
            '\u{061c}', '\u{200e}', '\u{200f}', '\u{2028}', '\u{2029}', '\u{202a}', '\u{202b}',
            '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ];
        for c in all {
            let shown = one_line(&format!("a{c}b"));
            assert_eq!(
                shown,
                format!("a\\u{{{:x}}}b", u32::from(c)),
                "{:x}",
                u32::from(c)
            );
        }
        // Neighbours that do not reorder text are left alone.
        for c in ['\u{200d}', '\u{202f}', 'é', 'ب'] {
            assert_eq!(one_line(&format!("a{c}b")), format!("a{c}b"));
        }
    }

    #[test]
    fn codes_follow_the_variant() {
        assert_eq!(Failure::envelope(&Error::Crypto).code, EXIT_REJECTED);
        assert_eq!(
            Failure::envelope(&Error::UnsupportedAlg("RSA1_5".into())).code,
            EXIT_UNSUPPORTED
        );
        assert_eq!(
            Failure::key(
                "key file k",
                &Error::InvalidKey(authcrypt::error::KeyProblem::MissingKid)
            )
            .code,
            EXIT_USAGE
        );
        assert_eq!(
            Failure::key("key file k", &Error::UnsupportedCurve("X448".into())).code,
            EXIT_UNSUPPORTED
        );
    }
}
