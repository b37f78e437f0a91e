//! The one error type of the crate.
//!
//! Structural problems (a missing member, a bad base64url string, an unsupported algorithm, a
//! header rule that is broken) each have their own variant, with a message that names what was
//! wrong and where. Every cryptographic failure — a tag that does not verify, a key that does not
//! unwrap, bad padding behind a valid tag, an all-zero X25519 shared secret — is the single
//! [`Error::Crypto`] variant, whose message says nothing more, so that a failure cannot be used
//! as an oracle.

use std::fmt;

use crate::names::{Alg, Curve, Enc, Serialization};

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where a JSON member or header parameter was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Location {
    /// The JWE Protected Header.
    Protected,
    /// The shared unprotected header (`unprotected`).
    Unprotected,
    /// A per-recipient header (`header`).
    Recipient,
    /// The top-level JWE JSON object.
    Envelope,
    /// A JSON Web Key.
    Jwk,
    /// The ephemeral public key (`epk`).
    Epk,
    /// The top-level JWS JSON object.
    Jws,
    /// A signature's unprotected header (`header`).
    Signature,
    /// A DIDComm plaintext message.
    Message,
    /// The claims of a `from_prior` JWT.
    FromPrior,
    /// A service encoded in a DID.
    Service,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Location::Protected => "protected header",
            Location::Unprotected => "shared unprotected header",
            Location::Recipient => "recipient header",
            Location::Envelope => "JWE",
            Location::Jwk => "JWK",
            Location::Epk => "epk",
            Location::Jws => "JWS",
            Location::Signature => "signature header",
            Location::Message => "plaintext message",
            Location::FromPrior => "from_prior claims",
            Location::Service => "service",
        })
    }
}

/// Which key an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyRole {
    /// The sender's static key (ECDH-1PU).
    Sender,
    /// A recipient's key.
    Recipient,
    /// The ephemeral key of a message.
    Ephemeral,
    /// The other party's public key in one key agreement.
    Peer,
    /// A key given for an operation that names no role (for example a JWK's own private part).
    Key,
}

impl fmt::Display for KeyRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyRole::Sender => "the sender key",
            KeyRole::Recipient => "the recipient key",
            KeyRole::Ephemeral => "the ephemeral key",
            KeyRole::Peer => "the peer key",
            KeyRole::Key => "the key",
        })
    }
}

/// A bound of [`Limits`](crate::Limits) (or of the parser) that input exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// The envelope's length in octets.
    EnvelopeSize,
    /// The number of recipient entries.
    Recipients,
    /// The depth of JSON nesting.
    JsonDepth,
    /// Trial decryptions of recipient entries without a kid (entries × keys held).
    TrialDecryptions,
    /// The number of signatures of a JWS.
    Signatures,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::EnvelopeSize => "envelope size",
            Limit::Recipients => "recipient count",
            Limit::JsonDepth => "JSON nesting depth",
            Limit::TrialDecryptions => {
                "trial decryptions of recipient entries without a kid (entries × keys)"
            }
            Limit::Signatures => "signature count",
        })
    }
}

/// What a serialization cannot carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Unrepresentable {
    /// More than one recipient (compact and flattened JSON carry exactly one).
    SeveralRecipients,
    /// More than one signature (compact and flattened JSON carry exactly one).
    SeveralSignatures,
    /// Several recipients of a direct key agreement, which has exactly one.
    SeveralDirectRecipients,
    /// A shared unprotected header (compact has none).
    UnprotectedHeader,
    /// An `aad` member (compact has none).
    Aad,
}

impl fmt::Display for Unrepresentable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unrepresentable::SeveralRecipients => "carries exactly one recipient",
            Unrepresentable::SeveralSignatures => "carries exactly one signature",
            Unrepresentable::SeveralDirectRecipients => {
                "with direct key agreement carries exactly one recipient"
            }
            Unrepresentable::UnprotectedHeader => "has no unprotected header",
            Unrepresentable::Aad => "has no \"aad\" member",
        })
    }
}

/// Why a member's value was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Malformed {
    /// It must be a JSON string.
    NotString,
    /// It must be a JSON array.
    NotArray,
    /// It must be a JSON object.
    NotObject,
    /// It must be a JWK object.
    NotJwk,
    /// It must be an array of JWK objects.
    NotJwkArray,
    /// It must be an array of header parameter names.
    NotNameArray,
    /// It must be an array of objects.
    NotObjectArray,
    /// It must be an array of references (strings) or objects.
    NotReferenceArray,
    /// It must not be empty.
    Empty,
    /// It must be empty: direct key agreement has no encrypted key.
    NotEmptyWithDirect,
    /// `crit` names a parameter registered by RFC 7515/7516, which `crit` must not list.
    ListsRegistered,
    /// `crit` names a parameter that the protected header does not carry.
    ListsAbsent,
    /// A member that belongs in the protected header (`crit`, a signature's `alg`) is outside it.
    Unprotected,
    /// A public key carries a private key (`d`).
    PrivateKey,
    /// A DID document's `id` is not a DID (it has a fragment, path or query).
    NotDid,
    /// A JWK's `use` must be `enc` or `sig`.
    NotEncOrSig,
    /// A JWK's `use` names a use its curve does not have here (`sig` on X25519 or P-521,
    /// `enc` on Ed25519 or secp256k1).
    UseNotOfCurve,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Malformed::NotString => "expected a string",
            Malformed::NotArray => "expected an array",
            Malformed::NotObject => "expected a JSON object",
            Malformed::NotJwk => "expected a JWK object",
            Malformed::NotJwkArray => "expected an array of JWKs",
            Malformed::NotNameArray => "expected an array of header names",
            Malformed::NotObjectArray => "expected objects",
            Malformed::NotReferenceArray => "expected references or objects",
            Malformed::Empty => "must not be empty",
            Malformed::NotEmptyWithDirect => "must be empty with direct key agreement",
            Malformed::ListsRegistered => "must not list a registered header parameter",
            Malformed::ListsAbsent => "lists a parameter the protected header does not carry",
            Malformed::Unprotected => "must be in the protected header",
            Malformed::PrivateKey => "a public key must not carry a private key",
            Malformed::NotDid => "a DID document's id must be a DID (no fragment, path or query)",
            Malformed::NotEncOrSig => "expected \"enc\" or \"sig\"",
            Malformed::UseNotOfCurve => {
                "names a use this key's curve does not have (signatures: Ed25519, P-256, \
                 P-384, secp256k1; key agreement: X25519, P-256, P-384, P-521)"
            }
        })
    }
}

/// Why a key was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyProblem {
    /// `kty` names a key type that `crv` does not belong to.
    KtyMismatch,
    /// An X25519 (`OKP`) key carries a `y` coordinate.
    YOnOkp,
    /// The private scalar `d` is not valid for the curve (zero, or not below the order).
    InvalidScalar,
    /// The private key `d` does not match the public key given with it.
    PrivateMismatch,
    /// A key added to a key set has no `kid`.
    MissingKid,
    /// An X25519 recipient key is a small-order point.
    SmallOrder,
    /// A signature public key is not a valid point of its curve, or is an Ed25519 key of
    /// small order.
    InvalidPublicKey,
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyProblem::KtyMismatch => "\"kty\" does not match \"crv\"",
            KeyProblem::YOnOkp => "an X25519 (OKP) key has no \"y\"",
            KeyProblem::InvalidScalar => "\"d\" is not a valid private scalar for the curve",
            KeyProblem::PrivateMismatch => "the private key \"d\" does not match the public key",
            KeyProblem::MissingKid => "a key in a key set needs a \"kid\"",
            KeyProblem::SmallOrder => "the recipient key is a small-order X25519 point",
            KeyProblem::InvalidPublicKey => {
                "the public key is not a valid point of its curve, or is of small order"
            }
        })
    }
}

/// Why an input is not a JWE in any serialization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NotJwe {
    /// The input is empty.
    Empty,
    /// The input is neither a JSON object nor UTF-8 text of the compact form.
    Unrecognised,
    /// A compact input does not have exactly five dot-separated parts.
    CompactParts,
    /// A JSON input combines `recipients` with a top-level `header` or `encrypted_key`.
    MixedForms,
    /// A JSON input has no `ciphertext`.
    NoCiphertext,
}

impl fmt::Display for NotJwe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotJwe::Empty => "empty input",
            NotJwe::Unrecognised => "neither JSON nor compact serialization",
            NotJwe::CompactParts => {
                "compact serialization must have exactly five dot-separated parts"
            }
            NotJwe::MixedForms => {
                "\"recipients\" cannot be combined with top-level \"header\" or \"encrypted_key\""
            }
            NotJwe::NoCiphertext => "a JSON JWE needs \"ciphertext\"",
        })
    }
}

/// Why an input is not a JWS in any serialization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NotJws {
    /// The input is empty.
    Empty,
    /// The input is neither a JSON object nor UTF-8 text of the compact form.
    Unrecognised,
    /// A compact input does not have exactly three dot-separated parts.
    CompactParts,
    /// A JSON input combines `signatures` with a top-level `signature`, `protected` or
    /// `header`.
    MixedForms,
    /// A JSON input has no signature (neither `signatures` nor `signature`), or an empty
    /// `signatures`.
    NoSignature,
    /// A JSON input has no `payload`.
    NoPayload,
}

impl fmt::Display for NotJws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotJws::Empty => "empty input",
            NotJws::Unrecognised => "neither JSON nor compact serialization",
            NotJws::CompactParts => {
                "compact serialization must have exactly three dot-separated parts"
            }
            NotJws::MixedForms => {
                "\"signatures\" cannot be combined with top-level \"signature\", \"protected\" or \"header\""
            }
            NotJws::NoSignature => "a JSON JWS needs \"signatures\" (at least one) or \"signature\"",
            NotJws::NoPayload => "a JSON JWS needs \"payload\"",
        })
    }
}

/// The other message form whose members a decrypted plaintext mixes with a plaintext
/// message's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MixedForm {
    /// Members of an encrypted message (a JWE).
    Envelope,
    /// Members of a signed message (a JWS).
    Signed,
}

impl fmt::Display for MixedForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MixedForm::Envelope => "envelope",
            MixedForm::Signed => "signed-message",
        })
    }
}

/// Why a DID document's verification method gives no usable key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MethodProblem {
    /// Its `type` is not one this crate reads (the type, quoted).
    UnknownType(String),
    /// It has none of `publicKeyJwk`, `publicKeyMultibase`, `publicKeyBase58`, or not the one
    /// its type uses.
    NoKeyMaterial,
    /// `publicKeyMultibase` is not base58btc multibase (`z…`).
    NotBase58btc,
    /// `publicKeyBase58` (or the multibase text) has a character outside base58.
    NotBase58,
    /// The multicodec prefix is not a public-key codec this crate reads (the code).
    UnknownCodec(u64),
    /// The multicodec prefix names a key of another kind than the method's type.
    CodecNotOfType,
    /// The key has the wrong length for its kind.
    KeyLength {
        /// The length the kind has.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// The key is not a valid point (off the curve, or a small-order Ed25519 key).
    InvalidKey,
}

impl fmt::Display for MethodProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MethodProblem::UnknownType(t) => write!(
                f,
                "its type {t:?} is not one this crate reads (JsonWebKey2020, Multikey, \
                 X25519KeyAgreementKey2019/2020, Ed25519VerificationKey2018/2020)"
            ),
            MethodProblem::NoKeyMaterial => f.write_str(
                "it has no publicKeyJwk, publicKeyMultibase or publicKeyBase58 its type uses",
            ),
            MethodProblem::NotBase58btc => {
                f.write_str("publicKeyMultibase must be base58btc multibase (starting with 'z')")
            }
            MethodProblem::NotBase58 => f.write_str("the key text is not base58"),
            MethodProblem::UnknownCodec(c) => {
                write!(
                    f,
                    "the multicodec 0x{c:x} is not a public key this crate reads"
                )
            }
            MethodProblem::CodecNotOfType => {
                f.write_str("the multicodec names another kind of key than the method's type")
            }
            MethodProblem::KeyLength { expected, found } => {
                write!(f, "the key is {found} octets, not {expected}")
            }
            MethodProblem::InvalidKey => f.write_str("the key is not a valid point"),
        }
    }
}

/// Why a DIDComm service of a DID document was refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServiceProblem {
    /// `service` is not an array.
    NotArray,
    /// A service is not an object.
    NotObject,
    /// A service has no `id` string.
    NoId,
    /// More entries than allowed.
    TooMany {
        /// The most read.
        limit: usize,
    },
    /// A string longer than allowed.
    TooLong {
        /// The longest read, in octets.
        limit: usize,
    },
    /// `serviceEndpoint` is not a URI, an endpoint object or an array of them.
    BadEndpoint,
    /// An endpoint has no `uri` string.
    NoUri,
    /// `accept` or `routingKeys` is not an array of strings.
    NotStrings,
    /// A routing key is not a DID or DID URL (quoted).
    RoutingKeyNotDid(String),
}

impl fmt::Display for ServiceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceProblem::NotArray => f.write_str("\"service\" must be an array"),
            ServiceProblem::NotObject => f.write_str("a service must be an object"),
            ServiceProblem::NoId => f.write_str("a service needs an \"id\" string"),
            ServiceProblem::TooMany { limit } => write!(f, "more than {limit} entries"),
            ServiceProblem::TooLong { limit } => write!(f, "a value is longer than {limit} octets"),
            ServiceProblem::BadEndpoint => f.write_str(
                "\"serviceEndpoint\" must be a URI, an endpoint object or an array of them",
            ),
            ServiceProblem::NoUri => f.write_str("an endpoint needs a \"uri\""),
            ServiceProblem::NotStrings => {
                f.write_str("\"accept\" and \"routingKeys\" must be arrays of strings")
            }
            ServiceProblem::RoutingKeyNotDid(k) => {
                write!(f, "the routing key {k:?} is not a DID or DID URL")
            }
        }
    }
}

/// Why a DID of a local method is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DidProblem {
    /// It is longer than the method allows.
    TooLong {
        /// The longest accepted, in octets.
        limit: usize,
    },
    /// It carries more elements than allowed.
    TooManyElements {
        /// The most accepted.
        limit: usize,
    },
    /// It has a fragment, path or query where a DID is expected.
    NotADid,
    /// A did:peer:2 without elements.
    NoElements,
    /// A did:peer:2 element with nothing in it.
    EmptyElement,
    /// A did:peer:2 element with a purpose code that is not A, E, V, I, D or S.
    UnknownPurpose(char),
    /// A did:peer:2 service that is not base64url of a JSON object.
    BadService,
    /// A did:peer:4 whose hash is not the hash of its encoded document (or a short form that is
    /// not the long form's).
    HashMismatch,
    /// A did:peer:4 short form, which resolves only from a long form seen before.
    ShortForm,
    /// A did:peer:4 encoded document that is not base58btc of multicodec JSON of an object.
    BadDocument,
    /// A did:peer:4 input document with an `id` at its root.
    InputHasId,
}

impl fmt::Display for DidProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DidProblem::TooLong { limit } => write!(f, "it is longer than {limit} octets"),
            DidProblem::TooManyElements { limit } => {
                write!(f, "it has more than {limit} keys and services")
            }
            DidProblem::NotADid => f.write_str("a DID has no fragment, path or query"),
            DidProblem::NoElements => f.write_str("did:peer:2 needs '.'-separated elements"),
            DidProblem::EmptyElement => f.write_str("an element is empty"),
            DidProblem::UnknownPurpose(c) => write!(
                f,
                "the purpose code {c:?} is not one of A, E, V, I, D (keys) and S (services)"
            ),
            DidProblem::BadService => {
                f.write_str("a service element is not base64url of a JSON object")
            }
            DidProblem::HashMismatch => {
                f.write_str("the did:peer:4 hash is not the hash of its encoded document")
            }
            DidProblem::ShortForm => f.write_str(
                "a did:peer:4 short form resolves only from its long form, which was not given",
            ),
            DidProblem::BadDocument => f.write_str(
                "the did:peer:4 document is not base58btc multibase of multicodec JSON of an object",
            ),
            DidProblem::InputHasId => {
                f.write_str("a did:peer:4 input document must not have an id at its root")
            }
        }
    }
}

/// Why a `from_prior` was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FromPriorProblem {
    /// It is not a string holding a compact JWS.
    NotCompactJws,
    /// Its header names no `kid`.
    NoKid,
    /// Its claims are not a JSON object with `iss` and `sub` strings that are DIDs, or a time
    /// claim is not a non-negative integer.
    Claims,
    /// Its `kid` is not a key of the `iss` DID.
    KidNotOfIss,
    /// Its `sub` is not the message's `from` (or the message has no `from`).
    SubNotFrom,
    /// `iss` and `sub` are the same DID.
    SameDid,
    /// Its `iat` or `nbf` is after the caller's time.
    NotYetValid,
    /// Its `exp` is not after the caller's time.
    Expired,
}

impl fmt::Display for FromPriorProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FromPriorProblem::NotCompactJws => "it must be a compact JWS (a JWT)",
            FromPriorProblem::NoKid => "its header names no \"kid\"",
            FromPriorProblem::Claims => {
                "its claims must be an object with \"iss\" and \"sub\" DIDs and integer times"
            }
            FromPriorProblem::KidNotOfIss => "its \"kid\" is not a key of the \"iss\" DID",
            FromPriorProblem::SubNotFrom => "its \"sub\" is not the message's \"from\"",
            FromPriorProblem::SameDid => "\"iss\" and \"sub\" are the same DID",
            FromPriorProblem::NotYetValid => "its \"iat\" or \"nbf\" is after the time given",
            FromPriorProblem::Expired => "its \"exp\" has passed at the time given",
        })
    }
}

/// Why a signed message (JWS) is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignedProblem {
    /// Its payload is not a plaintext message.
    PayloadNotMessage,
    /// It has both or neither of `signatures` (general) and `signature` (flattened).
    Signatures,
    /// A signature has no `kid`, so its signer cannot be resolved.
    NoKid,
    /// Its payload has no `from`, so the signer cannot be bound to a sender.
    NoFrom,
}

impl fmt::Display for SignedProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SignedProblem::PayloadNotMessage => "the payload is not a plaintext message",
            SignedProblem::Signatures => "it needs exactly one of \"signatures\" and \"signature\"",
            SignedProblem::NoKid => "a signature has no \"kid\" naming its signer",
            SignedProblem::NoFrom => "its payload has no \"from\" to bind the signer to",
        })
    }
}

/// Everything that can go wrong in authcrypt.
///
/// Messages never contain key material, shared secrets or plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A cryptographic check failed: authentication tag, key unwrap, padding, an all-zero
    /// X25519 shared secret, or a signature. Deliberately carries no detail.
    #[error("decryption failed or a signature did not verify: the message is not authentic for the keys used")]
    Crypto,

    /// The input is not well-formed JSON (or not UTF-8), or has the wrong JSON shape.
    #[error("invalid JSON in {location}: {detail}")]
    Json {
        /// Where the JSON was being read.
        location: Location,
        /// What the parser reported.
        detail: String,
    },

    /// A JSON object repeats a member name.
    #[error("duplicate member \"{name}\" in {location}")]
    DuplicateMember {
        /// Where.
        location: Location,
        /// The repeated name.
        name: String,
    },

    /// A required member is absent.
    #[error("missing \"{name}\" in {location}")]
    MissingMember {
        /// Where.
        location: Location,
        /// The missing member.
        name: &'static str,
    },

    /// A member has the wrong JSON type or a value that is not allowed.
    #[error("invalid \"{name}\" in {location}: {reason}")]
    InvalidMember {
        /// Where.
        location: Location,
        /// The member.
        name: String,
        /// Why it was rejected.
        reason: Malformed,
    },

    /// A member is not valid unpadded base64url.
    #[error("\"{name}\" in {location} is not valid unpadded base64url")]
    Base64 {
        /// Where.
        location: Location,
        /// The member.
        name: String,
    },

    /// An octet string has the wrong length.
    #[error("\"{name}\" has {found} octets, expected {expected}")]
    InvalidLength {
        /// The member or value.
        name: &'static str,
        /// The length required.
        expected: usize,
        /// The length found.
        found: usize,
    },

    /// A header parameter appears in more than one of the protected, shared unprotected and
    /// per-recipient headers (RFC 7516 §7.2.1).
    #[error("header parameter \"{0}\" appears in more than one header")]
    DuplicateHeader(String),

    /// `crit` names an extension this implementation does not understand, or is malformed.
    #[error("unsupported critical header parameter: {0}")]
    UnsupportedCrit(String),

    /// `zip` (compression) is not supported.
    #[error("compressed content (\"zip\") is not supported")]
    UnsupportedZip,

    /// The `alg` value is not one this crate implements.
    #[error("unsupported key management algorithm \"{0}\"")]
    UnsupportedAlg(String),

    /// The `enc` value is not one this crate implements.
    #[error("unsupported content encryption algorithm \"{0}\"")]
    UnsupportedEnc(String),

    /// The curve (`crv`) is not one this crate implements.
    #[error("unsupported curve \"{0}\"")]
    UnsupportedCurve(String),

    /// The key type (`kty`) is not one this crate implements.
    #[error("unsupported key type \"{0}\"")]
    UnsupportedKeyType(String),

    /// `alg` and `enc` may not be combined (ECDH-1PU key wrap needs a CBC-HMAC `enc`).
    #[error("\"{alg}\" cannot be used with \"{enc}\": ECDH-1PU key wrapping requires an AES-CBC-HMAC content encryption")]
    AlgEncMismatch {
        /// The key management algorithm.
        alg: Alg,
        /// The content encryption algorithm.
        enc: Enc,
    },

    /// A JWK is malformed or inconsistent.
    #[error("invalid key: {0}")]
    InvalidKey(KeyProblem),

    /// A public key is not a valid point on its curve.
    #[error("invalid {location}: the point is not on curve {curve} (or is the identity)")]
    InvalidPoint {
        /// Where the point came from.
        location: Location,
        /// The curve it claims.
        curve: Curve,
    },

    /// Keys that must share a curve do not.
    #[error("curve mismatch: {what} is on {found}, expected {expected}")]
    CurveMismatch {
        /// Which key disagrees.
        what: KeyRole,
        /// The curve required.
        expected: Curve,
        /// The curve found.
        found: Curve,
    },

    /// A private key was needed but only a public key was given.
    #[error("{0} must be a private key")]
    NotPrivate(KeyRole),

    /// Direct key agreement (`ECDH-ES`, `ECDH-1PU` without a key wrap) derives the CEK from
    /// one recipient's agreement, so it has exactly one recipient.
    #[error("{alg} (direct key agreement) has exactly one recipient, {found} given: choose a key-wrap algorithm for several")]
    DirectRecipients {
        /// The direct algorithm.
        alg: crate::names::Alg,
        /// The number of recipients given.
        found: usize,
    },

    /// None of the keys supplied matches a recipient of the message.
    #[error("no key supplied for any recipient of the message (recipient kids: {0})")]
    RecipientNotFound(String),

    /// The sender key named by `skid`/`apu` was not supplied or cannot be resolved.
    #[error("sender key \"{0}\" not found")]
    SenderNotFound(String),

    /// No recipients were given when encrypting, or the JWE has none.
    #[error("no recipients")]
    NoRecipients,

    /// Two key sources give different keys for the same kid (a kid names one key).
    #[error("two different keys are given for kid \"{0}\"")]
    ConflictingKey(String),

    /// A DID document declares a verification method, or refers to one, that belongs to
    /// another DID: a document answers only for DID URLs of its own `id`.
    #[error("the DID document of {document} declares \"{kid}\", a key of another DID")]
    ForeignKey {
        /// The document's `id`.
        document: String,
        /// The method id that names another DID.
        kid: String,
    },

    /// The serialization cannot carry what was asked of it.
    #[error("{serialization} serialization {reason}")]
    Serialization {
        /// Which serialization.
        serialization: Serialization,
        /// What it cannot carry.
        reason: Unrepresentable,
    },

    /// The input is not any JWE serialization.
    #[error("input is not a JWE: {0}")]
    NotJwe(NotJwe),

    /// The input is not any JWS serialization.
    #[error("input is not a JWS: {0}")]
    NotJws(NotJws),

    /// The signature `alg` is not one this crate implements.
    #[error("unsupported signature algorithm \"{0}\" (supported: EdDSA, ES256, ES256K, ES384)")]
    UnsupportedSigAlg(String),

    /// The signature's `alg` is not the algorithm of the key it names.
    #[error("the signature's alg {alg} does not match its key, an {key} key")]
    SigAlgMismatch {
        /// The `alg` of the signature.
        alg: crate::names::SigAlg,
        /// The algorithm the key signs with.
        key: crate::names::SigAlg,
    },

    /// A DID whose method is not resolved here, or that is malformed for its method.
    #[error(
        "the DID {0:?} cannot be resolved here (local methods: did:key, did:peer:0, did:peer:2, did:peer:4)"
    )]
    UnsupportedDid(String),

    /// A DIDComm service of a DID document was refused.
    #[error("service {id:?}: {problem}")]
    InvalidService {
        /// The service's id (or "service" when it has none).
        id: String,
        /// What is wrong with it.
        problem: ServiceProblem,
    },

    /// A DID of a local method is malformed.
    #[error("malformed DID: {0}")]
    MalformedDid(DidProblem),

    /// A verification method of a DID document gives no usable key.
    #[error("verification method {id:?}: {problem}")]
    InvalidMethod {
        /// The method's id.
        id: String,
        /// What is wrong with it.
        problem: MethodProblem,
    },

    /// No key was given for a signature's `kid` (or, for a signature without one, for its
    /// `alg`).
    #[error("no verification key for signer \"{0}\"")]
    SignerNotFound(String),

    /// `b64: false` (RFC 7797, an unencoded payload) is not supported.
    #[error("an unencoded payload (\"b64\": false) is not supported")]
    UnsupportedB64,

    /// A configured limit was exceeded.
    #[error("{what} exceeds the limit of {limit}")]
    LimitExceeded {
        /// What grew too large.
        what: Limit,
        /// The limit in force.
        limit: usize,
    },

    /// A DIDComm profile rule is broken (`docs/rules.md`, sections C–G, K, M and N).
    #[error("DIDComm rule violated: {0}")]
    Profile(#[from] ProfileError),

    /// The message is anonymous (ECDH-ES) where an authenticated sender was required
    /// ([`Decrypter::require_sender`](crate::Decrypter::require_sender), or a sender key given to
    /// [`Jwe::decrypt`](crate::Jwe::decrypt)).
    #[error("the message is anonymous (ECDH-ES): a sender was required, so it was rejected")]
    SenderRequired,

    /// The operating system's random number generator failed.
    #[error("random number generator failure")]
    Rng,
}

/// Longest piece of input text an error message repeats.
pub(crate) const ECHO_MAX: usize = 128;

/// `text` cut to [`ECHO_MAX`] characters, for error messages that name input.
pub(crate) fn echo(text: &str) -> String {
    let mut out: String = text.chars().take(ECHO_MAX).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

impl Error {
    /// [`Error::RecipientNotFound`] listing at most eight kids, each cut to a bounded length.
    pub(crate) fn recipient_not_found<'a>(
        kids: impl IntoIterator<Item = Option<&'a str>>,
    ) -> Error {
        let mut out = String::new();
        let mut count = 0usize;
        for kid in kids {
            if count < 8 {
                if count > 0 {
                    out.push_str(", ");
                }
                out.push_str(&kid.map_or_else(|| "(none)".to_owned(), echo));
            }
            count += 1;
        }
        if count > 8 {
            out.push_str(&format!(", … {} more", count - 8));
        }
        Error::RecipientNotFound(out)
    }

    /// [`Error::SenderNotFound`] with the kid cut to a bounded length.
    pub(crate) fn sender_not_found(kid: &str) -> Error {
        Error::SenderNotFound(echo(kid))
    }
}

/// A DIDComm v2 envelope rule that an envelope or a request breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// DIDComm envelopes use the general JSON serialization only.
    #[error("the envelope must use the general JSON serialization, found {0}")]
    NotGeneralJson(Serialization),
    /// `alg` is not one of the two DIDComm values, or is not the one of the expected mode.
    #[error("\"alg\" {0} is not allowed in DIDComm encrypted messages")]
    AlgNotAllowed(Alg),
    /// `enc` is not allowed for the mode (authcrypt: A256CBC-HS512 only).
    #[error("\"enc\" {enc} is not allowed with {alg}")]
    EncNotAllowed {
        /// The alg.
        alg: Alg,
        /// The rejected enc.
        enc: Enc,
    },
    /// A member that must be in the protected header is elsewhere or absent.
    #[error("\"{0}\" must be present in the protected header")]
    NotProtected(&'static str),
    /// `apv` differs from SHA-256 of the sorted recipient kids.
    #[error("\"apv\" does not match the recipient kids of the envelope")]
    ApvMismatch,
    /// `apu` does not decode to `skid`.
    #[error("\"apu\" does not match \"skid\"")]
    ApuSkidMismatch,
    /// `skid` is present but `apu` is not.
    #[error("\"skid\" present without \"apu\"")]
    SkidWithoutApu,
    /// Anoncrypt carries a sender identity.
    #[error("anoncrypt envelope carries \"{0}\"")]
    SenderInAnoncrypt(&'static str),
    /// A kid is not a DID URL with a fragment.
    #[error("\"{0}\" is not a DID URL with a fragment")]
    NotDidUrl(String),
    /// A recipient entry has no kid.
    #[error("a recipient has no \"kid\"")]
    MissingKid,
    /// The same recipient kid appears twice.
    #[error("recipient kid \"{0}\" appears twice")]
    DuplicateKid(String),
    /// `typ` is present but is not the DIDComm encrypted media type.
    #[error("\"typ\" {0:?} is not application/didcomm-encrypted+json")]
    WrongTyp(String),
    /// The plaintext `from` does not match the sender.
    #[error("the message's \"from\" does not match the DID of the authenticated sender")]
    FromMismatch,
    /// The plaintext `to` does not name the DID of the recipient key used.
    #[error("the message's \"to\" does not contain the DID of the recipient key used")]
    ToMismatch,
    /// The decrypted plaintext starts as a JSON object but is not valid JSON, repeats a member
    /// the message checks read, or has a `payload` that is not a string.
    #[error("the decrypted message is not valid JSON, repeats a member the checks read (from, to, id, type, body, payload, ...), or has a non-string \"payload\"")]
    InvalidMessage,
    /// An authcrypt envelope names no sender (neither `skid` nor `apu`).
    #[error("authcrypt envelope names no sender: neither \"skid\" nor \"apu\" is present")]
    NoSenderKid,
    /// Recipient keys do not share one curve.
    #[error("recipient keys are on different curves; pack one envelope per curve")]
    MixedCurves,
    /// The DID document or key source has no usable key.
    #[error("no keyAgreement key of {0} matches")]
    NoKeyAgreementKey(String),
    /// The message nests more layers than allowed.
    #[error("too many nested encryption layers")]
    TooDeep,
    /// The layers nest in an order DIDComm does not define (only anoncrypt(authcrypt(m)) is):
    /// the message's sender would be unclear.
    #[error(
        "{inner} inside {outer} is not a DIDComm nesting (only anoncrypt(authcrypt(message)) is)"
    )]
    DisallowedNesting {
        /// The enclosing layer.
        outer: crate::names::Mode,
        /// The enclosed layer.
        inner: crate::names::Mode,
    },
    /// The decrypted plaintext starts with a UTF-8 byte-order mark, which JSON forbids.
    #[error("the decrypted message starts with a byte-order mark; DIDComm messages are JSON without one")]
    ByteOrderMark,
    /// With message checks on, the plaintext is neither a DIDComm plaintext message (a JSON
    /// object) nor a signed message nor an envelope.
    #[error("the decrypted plaintext is not a DIDComm message (a JSON object); unpack with message checks off to accept other content")]
    NotAMessage,
    /// The plaintext mixes the members of an envelope or a signed message with those of a
    /// plaintext message, so it is not exactly one of them.
    #[error("the decrypted message mixes {0} members with plaintext-message members (from, to, body, id, type)")]
    AmbiguousMessage(MixedForm),
    /// A signed message (JWS) is malformed: no `payload` string, no signature, or a payload
    /// that is not base64url of a plaintext message.
    #[error("the signed message is malformed: {0}")]
    InvalidSignedMessage(SignedProblem),
    /// A signed message's `typ` is present but is not the DIDComm signed media type.
    #[error("\"typ\" {0:?} of a signed message is not application/didcomm-signed+json")]
    WrongSignedTyp(String),
    /// A signer's kid names no `authentication` key among the keys given: the signer's DID does
    /// not list it for authentication, or its document was not given.
    #[error("the signer key \"{0}\" is not an authentication key of its DID among the keys given")]
    UnknownSigner(String),
    /// A plaintext message's `typ` is present but is not the DIDComm plaintext media type.
    #[error("\"typ\" {0:?} of a plaintext message is not application/didcomm-plain+json")]
    WrongPlainTyp(String),
    /// A time header (`expires_time`, `created_time`) is not a non-negative integer.
    #[error("\"{0}\" must be a non-negative integer (seconds since the UNIX epoch)")]
    InvalidTime(&'static str),
    /// The message's `expires_time` is before the time the caller gave.
    #[error("the message expired at {expires_time}, before {now}")]
    Expired {
        /// The message's `expires_time`.
        expires_time: u64,
        /// The caller's time.
        now: u64,
    },
    /// The message's `from_prior` is not a valid rotation of its `from`.
    #[error("\"from_prior\" is not a valid DID rotation: {0}")]
    InvalidFromPrior(FromPriorProblem),
    /// A signer's DID is not the signed message's `from`.
    #[error("the signer's DID is not the message's \"from\"")]
    SignerNotFrom,
    /// Inside authcrypt, a signer's DID is not the DID of the authenticated sender (`skid`).
    #[error("the signer's DID is not the DID of the authcrypt sender (\"skid\")")]
    SignerNotSender,
    /// The message's `from` is not a string.
    #[error("the message's \"from\" must be a string (a DID)")]
    FromNotString,
    /// [`check_message`](crate::didcomm::check_message) was given a plaintext that is itself
    /// an envelope: open it as the next layer.
    #[error("the plaintext is itself an encrypted envelope: open it as the next layer")]
    NestedEnvelope,
    /// The message's `to` is not an array of strings.
    #[error("the message's \"to\" must be an array of strings (DIDs)")]
    ToNotArray,
}
