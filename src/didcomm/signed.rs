//! DIDComm signed messages: a JWS whose payload is a plaintext message, verified with keys
//! of the signer DID's `authentication` methods and bound to the message's `from` and, inside
//! authcrypt, to the authenticated sender.

use serde_json::Value;

use super::checks::{check_addressing, Peek, Shape, Tail};
use super::envelope::Layer;
use super::rules::{did_of, require_did_url, typ_is, TYP_SIGNED};
use crate::content::Plaintext;
use crate::did::KeyResolver;
use crate::error::{echo, Location, ProfileError, Result, SignedProblem};
use crate::json;
use crate::jws::{Jws, SigAlg, Signer, SigningKey, VerifyingKey};
use crate::names::{Mode, Serialization};

/// A signer that a signature proved: the kid of the key that verified it, and its algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedBy {
    /// The signer's key, a DID URL of the message's `from`.
    pub kid: String,
    /// The signature algorithm.
    pub alg: SigAlg,
}

/// A DIDComm signed message (`application/didcomm-signed+json`) as received, its signatures
/// not yet verified: the two-step form, which tells the signer kids before any key is
/// resolved, as [`Envelope`](super::Envelope) tells the sender kid before decryption.
///
/// ```
/// use authcrypt::didcomm::{sign, KeySet, SignedMessage};
/// use authcrypt::jws::{SigAlg, SigningKey};
///
/// let alice = SigningKey::generate(SigAlg::EdDsa).with_kid("did:example:alice#key-1");
/// let jws = sign(&alice, br#"{"id":"1","type":"t","from":"did:example:alice","body":{}}"#)?;
///
/// let signed = SignedMessage::parse(jws.as_bytes())?;
/// assert_eq!(signed.signer_kids(), ["did:example:alice#key-1"]);
/// let mut keys = KeySet::new();
/// keys.insert_verification_key(alice.verifying_key())?; // from Alice's `authentication`
/// let verified = signed.verify(&keys, None)?;
/// assert_eq!(verified.signers[0].kid, "did:example:alice#key-1");
/// # Ok::<(), authcrypt::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SignedMessage {
    jws: Jws,
}

/// A signed message whose every signature verified and whose signers are bound to its `from`.
#[derive(Debug)]
pub struct VerifiedMessage {
    /// The plaintext message that was signed (the JWS payload).
    pub payload: Plaintext,
    /// Who signed it, one entry per signature, in the message's order.
    pub signers: Vec<SignedBy>,
    /// What the unpacker's last checks need of the payload, read with the others.
    pub(super) tail: Tail,
}

impl SignedMessage {
    /// Parses a signed message in the general or flattened JSON serialization. Every
    /// signature must name its signer by a `kid` that is a DID URL, and a `typ`, where
    /// present, must be the signed media type. Nothing is verified yet.
    pub fn parse(bytes: &[u8]) -> Result<SignedMessage> {
        let jws = Jws::parse(bytes)?;
        if jws.serialization() == Serialization::Compact {
            return Err(ProfileError::NotGeneralJson(Serialization::Compact).into());
        }
        for signature in jws.signatures() {
            if let Some(typ) =
                json::opt_str(signature.protected_header(), "typ", Location::Protected)?
            {
                if !typ_is(typ, TYP_SIGNED) {
                    return Err(ProfileError::WrongSignedTyp(echo(typ)).into());
                }
            }
            let kid = signature
                .kid()?
                .ok_or(ProfileError::InvalidSignedMessage(SignedProblem::NoKid))?;
            require_did_url(kid)?;
        }
        Ok(SignedMessage { jws })
    }

    /// The signer kids, one per signature, in the message's order: resolve these from the
    /// signers' DID documents (`authentication`) before verifying.
    pub fn signer_kids(&self) -> Vec<&str> {
        self.jws
            .signatures()
            .iter()
            .filter_map(|s| s.kid().ok().flatten())
            .collect()
    }

    /// The JWS.
    pub fn jws(&self) -> &Jws {
        &self.jws
    }

    /// Verifies the message with each signer's key from `keys`
    /// ([`KeyResolver::verification_key`], which for a DID document answers `authentication`
    /// keys only), then binds it; see [`SignedMessage::verify_with`].
    pub fn verify(self, keys: &dyn KeyResolver, layer: Option<&Layer>) -> Result<VerifiedMessage> {
        let resolved = self
            .signer_kids()
            .into_iter()
            .map(|kid| {
                // Only a key carrying exactly the kid asked for is believed (as rule K4).
                keys.verification_key(kid)
                    .filter(|k| k.kid() == Some(kid))
                    .ok_or_else(|| ProfileError::UnknownSigner(echo(kid)).into())
            })
            .collect::<Result<Vec<VerifyingKey>>>()?;
        self.verify_with(&resolved.iter().collect::<Vec<_>>(), layer)
    }

    /// Verifies every signature with the key of its kid among `keys`, then binds the message
    /// (rules V2–V6 of `docs/rules.md`): the payload is one plaintext message; inside
    /// authcrypt (`layer`) every signer's DID is the DID of the sender key; every signer's
    /// DID is the message's `from`; and the message is addressed as its layer was (`from`
    /// the sender's DID, `to` naming the recipient's). Without a layer (a signed message on
    /// its own) there is no recipient to check `to` against.
    pub fn verify_with(
        self,
        keys: &[&VerifyingKey],
        layer: Option<&Layer>,
    ) -> Result<VerifiedMessage> {
        if layer.is_some_and(|l| l.mode == Mode::Authcrypt && l.sender_kid.is_none()) {
            return Err(ProfileError::NoSenderKid.into());
        }
        let verified = self.jws.verify(keys)?;
        let signers: Vec<SignedBy> = verified
            .into_iter()
            .map(|v| SignedBy {
                kid: v.kid.unwrap_or_default(),
                alg: v.alg,
            })
            .collect();
        let payload = Plaintext::new(std::mem::take(&mut *self.jws.into_payload()));
        let not_message = ProfileError::InvalidSignedMessage(SignedProblem::PayloadNotMessage);
        let message = Peek::read(&payload)?.ok_or(not_message.clone())?;
        if message.shape()? != Shape::Message {
            return Err(not_message.into());
        }
        let tail = Tail::of(&message)?;
        if let Some(sender) = layer.and_then(|l| l.sender_kid.as_deref()) {
            if signers.iter().any(|s| did_of(&s.kid) != did_of(sender)) {
                return Err(ProfileError::SignerNotSender.into());
            }
        }
        let from = match &message.from {
            Some(Value::String(from)) => from,
            Some(_) => return Err(ProfileError::FromNotString.into()),
            None => return Err(ProfileError::InvalidSignedMessage(SignedProblem::NoFrom).into()),
        };
        if signers.iter().any(|s| did_of(&s.kid) != from) {
            return Err(ProfileError::SignerNotFrom.into());
        }
        if let Some(layer) = layer {
            check_addressing(layer, &message)?;
        }
        drop(message);
        Ok(VerifiedMessage {
            payload,
            signers,
            tail,
        })
    }
}

/// Signs a plaintext message as a DIDComm signed message: general JSON, protected header
/// `{"typ":"application/didcomm-signed+json","alg":…}`, the signer's kid in the signature's
/// unprotected header. The key must have a kid that is a DID URL of the message's `from`.
pub fn sign(key: &SigningKey, message: &[u8]) -> Result<String> {
    check_signable(key, message)?;
    Signer::new(key).typ(TYP_SIGNED).sign(message)
}

/// What [`sign`] checks before signing: a kid that is a DID URL, and a plaintext message
/// whose `from` is that kid's DID, so that what is signed would verify.
pub(super) fn check_signable(key: &SigningKey, message: &[u8]) -> Result<()> {
    let kid = key
        .kid()
        .ok_or(ProfileError::InvalidSignedMessage(SignedProblem::NoKid))?;
    require_did_url(kid)?;
    let not_message = ProfileError::InvalidSignedMessage(SignedProblem::PayloadNotMessage);
    let peek = Peek::read(message)?.ok_or(not_message.clone())?;
    if peek.shape()? != Shape::Message {
        return Err(not_message.into());
    }
    match &peek.from {
        Some(Value::String(from)) if from == did_of(kid) => Ok(()),
        Some(Value::String(_)) => Err(ProfileError::SignerNotFrom.into()),
        Some(_) => Err(ProfileError::FromNotString.into()),
        None => Err(ProfileError::InvalidSignedMessage(SignedProblem::NoFrom).into()),
    }
}
