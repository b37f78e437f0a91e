//! The names the crate works with: curves, key management and content encryption algorithms,
//! serializations and DIDComm modes.
//!
//! Each is a closed enum with its registered name and the constants that come with it. What a
//! name *does* is implemented in its layer (`Curve::from_name` in `key`, `Enc::from_name` in
//! `content`, `Alg::key_wrap` in `jwe`), so that this module, and the error type that names
//! these values, depend on nothing else in the crate.

use std::fmt;

/// An elliptic curve usable for key agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Curve {
    /// X25519 (RFC 7748, `kty` OKP).
    X25519,
    /// NIST P-256 (`kty` EC).
    P256,
    /// NIST P-384 (`kty` EC).
    P384,
    /// NIST P-521 (`kty` EC).
    P521,
}

impl Curve {
    /// Every supported curve.
    pub const ALL: [Curve; 4] = [Curve::X25519, Curve::P256, Curve::P384, Curve::P521];

    /// The JWK `crv` name.
    pub fn name(self) -> &'static str {
        match self {
            Curve::X25519 => "X25519",
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }

    /// The JWK `kty` of keys on this curve.
    pub fn kty(self) -> &'static str {
        match self {
            Curve::X25519 => "OKP",
            _ => "EC",
        }
    }

    /// Length in octets of a coordinate, a private scalar and a shared secret Z.
    pub fn coordinate_len(self) -> usize {
        match self {
            Curve::X25519 | Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A content encryption algorithm (`enc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Enc {
    /// AES-128-CBC with HMAC-SHA-256, 256-bit key.
    A128CbcHs256,
    /// AES-192-CBC with HMAC-SHA-384, 384-bit key.
    A192CbcHs384,
    /// AES-256-CBC with HMAC-SHA-512, 512-bit key.
    A256CbcHs512,
    /// AES-128-GCM.
    A128Gcm,
    /// AES-192-GCM.
    A192Gcm,
    /// AES-256-GCM.
    A256Gcm,
    /// XChaCha20-Poly1305.
    XC20P,
}

impl Enc {
    /// Every supported `enc`.
    pub const ALL: [Enc; 7] = [
        Enc::A128CbcHs256,
        Enc::A192CbcHs384,
        Enc::A256CbcHs512,
        Enc::A128Gcm,
        Enc::A192Gcm,
        Enc::A256Gcm,
        Enc::XC20P,
    ];

    /// The `enc` header value.
    pub fn name(self) -> &'static str {
        match self {
            Enc::A128CbcHs256 => "A128CBC-HS256",
            Enc::A192CbcHs384 => "A192CBC-HS384",
            Enc::A256CbcHs512 => "A256CBC-HS512",
            Enc::A128Gcm => "A128GCM",
            Enc::A192Gcm => "A192GCM",
            Enc::A256Gcm => "A256GCM",
            Enc::XC20P => "XC20P",
        }
    }

    /// Content encryption key length in octets.
    pub fn key_len(self) -> usize {
        match self {
            Enc::A128CbcHs256 => 32,
            Enc::A192CbcHs384 => 48,
            Enc::A256CbcHs512 => 64,
            Enc::A128Gcm => 16,
            Enc::A192Gcm => 24,
            Enc::A256Gcm | Enc::XC20P => 32,
        }
    }

    /// Initialization vector length in octets.
    pub fn iv_len(self) -> usize {
        match self {
            Enc::A128CbcHs256 | Enc::A192CbcHs384 | Enc::A256CbcHs512 => 16,
            Enc::A128Gcm | Enc::A192Gcm | Enc::A256Gcm => 12,
            Enc::XC20P => 24,
        }
    }

    /// Authentication tag length in octets.
    pub fn tag_len(self) -> usize {
        match self {
            Enc::A128CbcHs256 => 16,
            Enc::A192CbcHs384 => 24,
            Enc::A256CbcHs512 => 32,
            _ => 16,
        }
    }

    /// Whether this is one of the AES_CBC_HMAC_SHA2 algorithms, the only compactly committing
    /// ones, and so the only ones ECDH-1PU key wrapping accepts.
    pub fn is_cbc_hmac(self) -> bool {
        matches!(
            self,
            Enc::A128CbcHs256 | Enc::A192CbcHs384 | Enc::A256CbcHs512
        )
    }

    /// Length of the ciphertext for a plaintext of `len` octets.
    pub fn ciphertext_len(self, len: usize) -> usize {
        if self.is_cbc_hmac() {
            (len / 16 + 1) * 16
        } else {
            len
        }
    }
}

impl fmt::Display for Enc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A key management algorithm (`alg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alg {
    /// ECDH-ES direct key agreement.
    EcdhEs,
    /// ECDH-ES with A128KW.
    EcdhEsA128Kw,
    /// ECDH-ES with A192KW.
    EcdhEsA192Kw,
    /// ECDH-ES with A256KW (DIDComm anoncrypt).
    EcdhEsA256Kw,
    /// ECDH-1PU direct key agreement.
    Ecdh1Pu,
    /// ECDH-1PU with A128KW.
    Ecdh1PuA128Kw,
    /// ECDH-1PU with A192KW.
    Ecdh1PuA192Kw,
    /// ECDH-1PU with A256KW (DIDComm authcrypt).
    Ecdh1PuA256Kw,
}

impl Alg {
    /// Every supported `alg`.
    pub const ALL: [Alg; 8] = [
        Alg::EcdhEs,
        Alg::EcdhEsA128Kw,
        Alg::EcdhEsA192Kw,
        Alg::EcdhEsA256Kw,
        Alg::Ecdh1Pu,
        Alg::Ecdh1PuA128Kw,
        Alg::Ecdh1PuA192Kw,
        Alg::Ecdh1PuA256Kw,
    ];

    /// The `alg` header value.
    pub fn name(self) -> &'static str {
        match self {
            Alg::EcdhEs => "ECDH-ES",
            Alg::EcdhEsA128Kw => "ECDH-ES+A128KW",
            Alg::EcdhEsA192Kw => "ECDH-ES+A192KW",
            Alg::EcdhEsA256Kw => "ECDH-ES+A256KW",
            Alg::Ecdh1Pu => "ECDH-1PU",
            Alg::Ecdh1PuA128Kw => "ECDH-1PU+A128KW",
            Alg::Ecdh1PuA192Kw => "ECDH-1PU+A192KW",
            Alg::Ecdh1PuA256Kw => "ECDH-1PU+A256KW",
        }
    }

    /// Whether this is ECDH-1PU (sender-authenticated).
    pub fn is_1pu(self) -> bool {
        matches!(
            self,
            Alg::Ecdh1Pu | Alg::Ecdh1PuA128Kw | Alg::Ecdh1PuA192Kw | Alg::Ecdh1PuA256Kw
        )
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A JWE serialization (RFC 7516 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Serialization {
    /// Five dot-separated base64url parts; one recipient, protected header only.
    Compact,
    /// JSON with one recipient's `header` and `encrypted_key` at the top level.
    Flattened,
    /// JSON with a `recipients` array (DIDComm).
    General,
}

impl Serialization {
    /// Every serialization.
    pub const ALL: [Serialization; 3] = [
        Serialization::Compact,
        Serialization::Flattened,
        Serialization::General,
    ];

    /// A short lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Serialization::Compact => "compact",
            Serialization::Flattened => "flattened JSON",
            Serialization::General => "general JSON",
        }
    }
}

impl fmt::Display for Serialization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A JWS signature algorithm (RFC 7518 §3.4, RFC 8037 §3.1, RFC 8812 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SigAlg {
    /// `EdDSA` with Ed25519 (RFC 8037).
    EdDsa,
    /// `ES256`: ECDSA on P-256 with SHA-256.
    Es256,
    /// `ES256K`: ECDSA on secp256k1 with SHA-256 (RFC 8812).
    Es256K,
    /// `ES384`: ECDSA on P-384 with SHA-384.
    Es384,
}

impl SigAlg {
    /// Every signature algorithm, in the order the DIDComm specification lists them.
    pub const ALL: [SigAlg; 4] = [SigAlg::EdDsa, SigAlg::Es256, SigAlg::Es256K, SigAlg::Es384];

    /// The registered `alg` value.
    pub fn name(self) -> &'static str {
        match self {
            SigAlg::EdDsa => "EdDSA",
            SigAlg::Es256 => "ES256",
            SigAlg::Es256K => "ES256K",
            SigAlg::Es384 => "ES384",
        }
    }

    /// The JWK `crv` of the algorithm's keys.
    pub fn curve_name(self) -> &'static str {
        match self {
            SigAlg::EdDsa => "Ed25519",
            SigAlg::Es256 => "P-256",
            SigAlg::Es256K => "secp256k1",
            SigAlg::Es384 => "P-384",
        }
    }

    /// The length of a signature: 64 octets, or 96 for ES384 (ECDSA as `r ‖ s`).
    pub fn signature_len(self) -> usize {
        match self {
            SigAlg::EdDsa | SigAlg::Es256 | SigAlg::Es256K => 64,
            SigAlg::Es384 => 96,
        }
    }
}

impl fmt::Display for SigAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a layer was encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// ECDH-1PU+A256KW: the sender is authenticated.
    Authcrypt,
    /// ECDH-ES+A256KW: the sender is anonymous.
    Anoncrypt,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Authcrypt => "authcrypt",
            Mode::Anoncrypt => "anoncrypt",
        })
    }
}
