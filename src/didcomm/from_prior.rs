//! `from_prior`: a DID rotation, carried in a message as a compact JWS (a JWT) signed by a key
//! of the sender's prior DID, whose claims say `iss` = the prior DID, `sub` = the new DID.

use serde_json::{json, Map, Value};

use super::rules::{did_of, require_did_url};
use crate::did::is_did;
use crate::did::KeyResolver;
use crate::error::{echo, FromPriorProblem, Location, ProfileError, Result};
use crate::json;
use crate::jws::{Jws, SigAlg, Signer, SigningKey};
use crate::names::Serialization;

/// Nesting allowed in the claims of a `from_prior`.
const CLAIMS_DEPTH: usize = 8;

/// A verified DID rotation: the prior DID's key signed that the message's `from` replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromPrior {
    /// The prior DID (`iss`).
    pub iss: String,
    /// The new DID (`sub`), the message's `from`.
    pub sub: String,
    /// The key of the prior DID that signed the rotation.
    pub kid: String,
    /// Its signature algorithm.
    pub alg: SigAlg,
    /// When the rotation was issued (`iat`), if it says.
    pub iat: Option<u64>,
}

fn problem(p: FromPriorProblem) -> crate::error::Error {
    ProfileError::InvalidFromPrior(p).into()
}

impl FromPrior {
    /// Signs a rotation from the DID of `prior`'s kid to `new_did`, issued at `iat` (seconds
    /// since the UNIX epoch): a compact JWS with `typ` `JWT` and the kid in its protected
    /// header.
    ///
    /// ```
    /// use authcrypt::didcomm::{FromPrior, KeySet};
    /// use authcrypt::jws::{SigAlg, SigningKey};
    ///
    /// let old = SigningKey::generate(SigAlg::EdDsa).with_kid("did:example:old#key-1");
    /// let jwt = FromPrior::sign(&old, "did:example:new", 1_700_000_000)?;
    /// let mut keys = KeySet::new();
    /// keys.insert_verification_key(old.verifying_key())?; // the prior DID's authentication
    /// let rotation = FromPrior::verify(&jwt, Some("did:example:new"), &keys, Some(1_700_000_100))?;
    /// assert_eq!(rotation.iss, "did:example:old");
    /// # Ok::<(), authcrypt::Error>(())
    /// ```
    pub fn sign(prior: &SigningKey, new_did: &str, iat: u64) -> Result<String> {
        let kid = prior
            .kid()
            .ok_or_else(|| problem(FromPriorProblem::NoKid))?;
        require_did_url(kid)?;
        let iss = did_of(kid);
        if !is_did(new_did) {
            return Err(problem(FromPriorProblem::Claims));
        }
        if iss == new_did {
            return Err(problem(FromPriorProblem::SameDid));
        }
        let claims = json!({"iss": iss, "sub": new_did, "iat": iat}).to_string();
        Signer::new(prior)
            .typ("JWT")
            .serialization(Serialization::Compact)
            .sign(claims.as_bytes())
    }

    /// Verifies `jwt` as the `from_prior` of a message whose `from` is `from` (rule M9 of
    /// `docs/rules.md`): a compact JWS whose `kid` is a DID URL of its `iss`, signed by that
    /// key as `keys` resolves it (an `authentication` key of the prior DID), with `sub` = `from`
    /// ≠ `iss`. Given the time `now`, `iat` and `nbf` must not be after it and `exp` must be
    /// after it.
    pub fn verify(
        jwt: &str,
        from: Option<&str>,
        keys: &dyn KeyResolver,
        now: Option<u64>,
    ) -> Result<FromPrior> {
        let jws = Jws::parse(jwt.as_bytes())?;
        let [signature] = jws.signatures() else {
            return Err(problem(FromPriorProblem::NotCompactJws));
        };
        if jws.serialization() != Serialization::Compact {
            return Err(problem(FromPriorProblem::NotCompactJws));
        }
        let kid = signature
            .kid()?
            .ok_or_else(|| problem(FromPriorProblem::NoKid))?;
        require_did_url(kid)?;
        let key = keys
            .verification_key(kid)
            .ok_or_else(|| ProfileError::UnknownSigner(echo(kid)))?;
        let verified = jws.verify(&[&key])?;
        // Only what the prior DID's key signed is read from here on.
        let claims = match json::parse_strict(jws.payload(), Location::FromPrior, CLAIMS_DEPTH) {
            Ok(Value::Object(claims)) => claims,
            _ => return Err(problem(FromPriorProblem::Claims)),
        };
        let iss = did_claim(&claims, "iss")?;
        let sub = did_claim(&claims, "sub")?;
        if did_of(kid) != iss {
            return Err(problem(FromPriorProblem::KidNotOfIss));
        }
        if iss == sub {
            return Err(problem(FromPriorProblem::SameDid));
        }
        if from != Some(sub) {
            return Err(problem(FromPriorProblem::SubNotFrom));
        }
        let iat = time_claim(&claims, "iat")?;
        let nbf = time_claim(&claims, "nbf")?;
        let exp = time_claim(&claims, "exp")?;
        if let Some(now) = now {
            if iat.is_some_and(|t| t > now) || nbf.is_some_and(|t| t > now) {
                return Err(problem(FromPriorProblem::NotYetValid));
            }
            if exp.is_some_and(|t| t <= now) {
                return Err(problem(FromPriorProblem::Expired));
            }
        }
        Ok(FromPrior {
            iss: iss.to_owned(),
            sub: sub.to_owned(),
            kid: kid.to_owned(),
            alg: verified[0].alg,
            iat,
        })
    }
}

fn did_claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Result<&'a str> {
    match claims.get(name) {
        Some(Value::String(s)) if is_did(s) => Ok(s),
        _ => Err(problem(FromPriorProblem::Claims)),
    }
}

fn time_claim(claims: &Map<String, Value>, name: &str) -> Result<Option<u64>> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| problem(FromPriorProblem::Claims)),
    }
}
