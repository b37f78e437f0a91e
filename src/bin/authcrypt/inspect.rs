//! `inspect`: what an envelope claims, without decrypting it.

use std::fmt::Write as _;

use authcrypt::didcomm::{apv_for, Envelope};
use authcrypt::jwe::Headers;
use authcrypt::{Alg, Coordinates, Enc, Jwe, Location};
use clap::Args;
use serde_json::{json, Value};

use super::error::{one_line, Failure};
use super::keygen::pretty;
use super::{decode_b64url, io, Output};

pub const INSPECT_EXAMPLES: &str = "\
Examples:
  authcrypt inspect < msg.jwe
  authcrypt inspect --json < msg.jwe | jq .didcomm

Nothing is decrypted and no key is needed: this shows what the envelope claims (serialization,
alg, enc, the curve of epk, typ, skid, apu decoded, whether apv matches the recipient kids,
the recipient kids and the sizes of the parts) and whether it meets the DIDComm v2 header
rules. The exit code is 0 for any well-formed JWE, whatever the DIDComm verdict.";

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Print JSON instead of text
    #[arg(long)]
    json: bool,
}

/// A header parameter as found in the header union of the first recipient.
struct Member {
    value: Option<String>,
    location: Option<Location>,
    error: Option<String>,
}

impl Member {
    fn read(h: &Headers<'_>, name: &str) -> Member {
        let location = h.find(name).map(|(_, l)| l);
        match h.str(name) {
            Ok(v) => Member {
                value: v.map(str::to_owned),
                location,
                error: None,
            },
            Err(e) => Member {
                value: None,
                location,
                error: Some(e.to_string()),
            },
        }
    }

    /// Where the member was, when it is not in the protected header.
    fn where_note(&self) -> Option<String> {
        match self.location {
            Some(Location::Protected) | None => None,
            Some(l) => Some(format!("in the {l}")),
        }
    }
}

/// Everything `inspect` reports.
struct Facts {
    serialization: &'static str,
    protected_names: Vec<String>,
    unprotected_names: Option<Vec<String>>,
    alg: Member,
    alg_supported: bool,
    enc: Member,
    enc_supported: bool,
    curve: Option<&'static str>,
    epk_error: Option<String>,
    typ: Member,
    cty: Member,
    skid: Member,
    apu_b64: Member,
    apu_text: Option<String>,
    apu_octets: Option<usize>,
    apv_b64: Member,
    apv_check: ApvCheck,
    recipients: Vec<RecipientFacts>,
    sizes: Sizes,
    didcomm: Result<Envelope, String>,
}

struct RecipientFacts {
    kid: Option<String>,
    kid_error: Option<String>,
    encrypted_key: usize,
    header_names: Vec<String>,
}

struct Sizes {
    envelope: usize,
    protected: usize,
    iv: usize,
    ciphertext: usize,
    tag: usize,
    aad: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ApvCheck {
    Absent,
    Matches,
    Differs,
    NotBase64,
    KidsMissing,
}

impl ApvCheck {
    fn describe(self, n: usize) -> String {
        match self {
            ApvCheck::Absent => "absent".into(),
            ApvCheck::Matches => format!(
                "matches the {n} recipient kid{}",
                if n == 1 { "" } else { "s" }
            ),
            ApvCheck::Differs => "does NOT match the recipient kids".into(),
            ApvCheck::NotBase64 => "is not valid base64url".into(),
            ApvCheck::KidsMissing => "cannot be checked: a recipient has no kid".into(),
        }
    }

    fn json(self) -> Value {
        match self {
            ApvCheck::Matches => Value::Bool(true),
            ApvCheck::Differs | ApvCheck::NotBase64 => Value::Bool(false),
            ApvCheck::Absent | ApvCheck::KidsMissing => Value::Null,
        }
    }
}

impl RecipientFacts {
    /// What each recipient entry holds.
    fn all(jwe: &Jwe) -> Vec<RecipientFacts> {
        let mut recipients = Vec::with_capacity(jwe.recipients().len());
        for (i, r) in jwe.recipients().iter().enumerate() {
            let (kid, kid_error) = match jwe.headers(i).kid() {
                Ok(k) => (k.map(str::to_owned), None),
                Err(e) => (None, Some(e.to_string())),
            };
            recipients.push(RecipientFacts {
                kid,
                kid_error,
                encrypted_key: r.encrypted_key().len(),
                header_names: r
                    .header()
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default(),
            });
        }
        recipients
    }
}

impl ApvCheck {
    /// How `apv` (its base64url text, if present) compares with the recipients' kids.
    fn of(apv: Option<&str>, recipients: &[RecipientFacts]) -> ApvCheck {
        match apv {
            None => ApvCheck::Absent,
            Some(text) => match decode_b64url(text) {
                None => ApvCheck::NotBase64,
                Some(_) => {
                    let kids: Option<Vec<&str>> =
                        recipients.iter().map(|r| r.kid.as_deref()).collect();
                    match kids {
                        None => ApvCheck::KidsMissing,
                        Some(kids) => {
                            // A strict base64url text has exactly one encoding, so the texts
                            // compare as the octets do.
                            if apv_for(&kids) == text {
                                ApvCheck::Matches
                            } else {
                                ApvCheck::Differs
                            }
                        }
                    }
                }
            },
        }
    }
}

fn gather(jwe: &Jwe, input: &[u8]) -> Facts {
    let h = jwe.headers(0);
    let alg = Member::read(&h, "alg");
    let enc = Member::read(&h, "enc");
    let alg_supported = alg
        .value
        .as_deref()
        .is_some_and(|a| Alg::from_name(a).is_ok());
    let enc_supported = enc
        .value
        .as_deref()
        .is_some_and(|e| Enc::from_name(e).is_ok());
    let (curve, epk_error) = match h.epk(Coordinates::LeftPadShort) {
        Ok(k) => (Some(k.curve().name()), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let apu_b64 = Member::read(&h, "apu");
    let apu = apu_b64.value.as_deref().map(decode_b64url);
    let apu_text = match &apu {
        Some(Some(raw)) => String::from_utf8(raw.clone()).ok(),
        _ => None,
    };
    let apu_octets = apu.as_ref().and_then(|a| a.as_ref().map(Vec::len));

    let recipients = RecipientFacts::all(jwe);
    let apv_b64 = Member::read(&h, "apv");
    let apv_check = ApvCheck::of(apv_b64.value.as_deref(), &recipients);
    Facts {
        serialization: jwe.serialization().name(),
        protected_names: jwe.protected_header().keys().cloned().collect(),
        unprotected_names: jwe
            .unprotected_header()
            .map(|m| m.keys().cloned().collect()),
        alg,
        alg_supported,
        enc,
        enc_supported,
        curve,
        epk_error,
        typ: Member::read(&h, "typ"),
        cty: Member::read(&h, "cty"),
        skid: Member::read(&h, "skid"),
        apu_b64,
        apu_text,
        apu_octets,
        apv_b64,
        apv_check,
        recipients,
        sizes: Sizes {
            envelope: input.trim_ascii().len(),
            protected: jwe.protected_b64().len(),
            iv: jwe.iv().len(),
            ciphertext: jwe.ciphertext().len(),
            tag: jwe.tag().len(),
            aad: jwe
                .aad_b64()
                .map(|a| decode_b64url(a).map_or(a.len(), |r| r.len())),
        },
        didcomm: Envelope::parse(input).map_err(|e| e.to_string()),
    }
}

pub fn run(args: InspectArgs) -> Result<Output, Failure> {
    let input = io::read_stdin(io::MAX_ENVELOPE)?;
    if input.trim_ascii().is_empty() {
        return Err(Failure::usage(
            "no envelope on stdin: pipe a JWE into `authcrypt inspect`",
        ));
    }
    let jwe = Jwe::parse(&input).map_err(|e| Failure::envelope(&e))?;
    let facts = gather(&jwe, &input);
    if args.json {
        pretty(&to_json(&facts))
    } else {
        Ok(Output::new(to_text(&facts).into_bytes()))
    }
}

impl Facts {
    /// The `apu` line: its text when it is UTF-8, compared with `skid`.
    fn apu_line(&self) -> String {
        match (&self.apu_b64.value, &self.apu_text, self.apu_octets) {
            (None, _, _) => self.apu_b64.show(None),
            (Some(_), Some(text), _) => {
                let mut s = format!("\"{text}\"");
                match &self.skid.value {
                    Some(skid) if skid == text => s.push_str(" (equals skid)"),
                    Some(_) => s.push_str(" (differs from skid)"),
                    None => {}
                }
                if let Some(w) = self.apu_b64.where_note() {
                    let _ = write!(s, " ({w})");
                }
                s
            }
            (Some(raw), None, Some(n)) => format!("{raw} ({n} octets, not UTF-8)"),
            (Some(raw), None, None) => format!("{raw} (not valid base64url)"),
        }
    }

    /// Where a member outside the protected header was found, for each member that is.
    fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for (name, m) in [
            ("alg", &self.alg),
            ("enc", &self.enc),
            ("typ", &self.typ),
            ("skid", &self.skid),
            ("apu", &self.apu_b64),
            ("apv", &self.apv_b64),
        ] {
            if let Some(w) = m.where_note() {
                notes.push(format!("\"{name}\" is {w}"));
            }
        }
        notes
    }
}

impl Member {
    /// The value for the text report, marked when unsupported or outside the protected header.
    fn show(&self, supported: Option<bool>) -> String {
        let mut s = match (&self.value, &self.error) {
            (Some(v), _) => v.clone(),
            (None, Some(e)) => format!("(invalid: {e})"),
            (None, None) => "(absent)".to_owned(),
        };
        if supported == Some(false) && self.value.is_some() {
            s.push_str(" (not supported)");
        }
        if let Some(w) = self.where_note() {
            let _ = write!(s, " ({w})");
        }
        s
    }

    /// The value for the JSON report: a string, an error object, or null.
    fn json(&self) -> Value {
        match (&self.value, &self.error) {
            (Some(v), _) => Value::String(v.clone()),
            (None, Some(e)) => json!({ "error": e }),
            (None, None) => Value::Null,
        }
    }
}

impl RecipientFacts {
    /// One recipient's line of the text report.
    fn line(&self) -> String {
        let kid = match (&self.kid, &self.kid_error) {
            (Some(k), _) => k.clone(),
            (None, Some(e)) => format!("(invalid kid: {e})"),
            (None, None) => "(no kid)".to_owned(),
        };
        let key = if self.encrypted_key == 0 {
            "no encrypted_key".to_owned()
        } else {
            format!("encrypted_key {} octets", self.encrypted_key)
        };
        let extra: Vec<&str> = self
            .header_names
            .iter()
            .map(String::as_str)
            .filter(|n| *n != "kid")
            .collect();
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!("; header also has {}", extra.join(", "))
        };
        format!("{kid}  ({key}{extra})")
    }

    /// One recipient in the JSON report.
    fn json(&self) -> Value {
        json!({
            "kid": self.kid,
            "kid_error": self.kid_error,
            "encrypted_key_octets": self.encrypted_key,
            "header": self.header_names,
        })
    }
}

impl Sizes {
    /// The sizes line of the text report.
    fn line(&self) -> String {
        let mut sizes = format!(
            "envelope {}, protected header {} (base64url), iv {}, ciphertext {}, tag {}",
            self.envelope, self.protected, self.iv, self.ciphertext, self.tag
        );
        if let Some(aad) = self.aad {
            let _ = write!(sizes, ", aad {aad}");
        }
        sizes
    }
}

/// The DIDComm verdict of the text report.
fn didcomm_line(didcomm: &Result<Envelope, String>) -> String {
    match didcomm {
        Ok(env) => {
            let from = match env.sender_kid() {
                Some(kid) => format!(" from {kid}"),
                None => " (anonymous sender)".to_owned(),
            };
            format!("meets the DIDComm v2 header rules: {}{from}", env.mode())
        }
        Err(e) => format!("does not meet the DIDComm v2 rules: {e}"),
    }
}

fn to_json(f: &Facts) -> Value {
    json!({
        "serialization": f.serialization,
        "protected_header": f.protected_names,
        "unprotected_header": f.unprotected_names,
        "alg": f.alg.json(),
        "alg_supported": f.alg_supported,
        "enc": f.enc.json(),
        "enc_supported": f.enc_supported,
        "crv": f.curve,
        "epk_error": f.epk_error,
        "typ": f.typ.json(),
        "cty": f.cty.json(),
        "skid": f.skid.json(),
        "apu": f.apu_b64.json(),
        "apu_decoded": f.apu_text,
        "apu_matches_skid": match (&f.apu_text, &f.skid.value) {
            (Some(a), Some(s)) => Value::Bool(a == s),
            _ => Value::Null,
        },
        "apv": f.apv_b64.json(),
        "apv_matches_kids": f.apv_check.json(),
        "recipients": f.recipients.iter().map(RecipientFacts::json).collect::<Vec<_>>(),
        "sizes": {
            "envelope": f.sizes.envelope,
            "protected_header_b64u": f.sizes.protected,
            "iv": f.sizes.iv,
            "ciphertext": f.sizes.ciphertext,
            "tag": f.sizes.tag,
            "aad": f.sizes.aad,
        },
        "notes": f.notes(),
        "didcomm": didcomm_json(&f.didcomm),
    })
}

/// The DIDComm verdict: valid or not, and the mode and sender kid of a valid envelope.
fn didcomm_json(didcomm: &Result<Envelope, String>) -> Value {
    match didcomm {
        Ok(env) => json!({
            "valid": true,
            "mode": env.mode().to_string(),
            "sender_kid": env.sender_kid(),
            "error": null,
        }),
        Err(e) => json!({
            "valid": false,
            "mode": null,
            "sender_kid": null,
            "error": e,
        }),
    }
}

fn to_text(f: &Facts) -> String {
    let mut out = String::new();
    let mut line = |label: &str, value: &str| {
        let _ = writeln!(out, "{label:<15} {}", one_line(value));
    };
    line("serialization", f.serialization);
    line("protected", &f.protected_names.join(", "));
    if let Some(names) = &f.unprotected_names {
        line("unprotected", &names.join(", "));
    }
    line("alg", &f.alg.show(Some(f.alg_supported)));
    line("enc", &f.enc.show(Some(f.enc_supported)));
    match (f.curve, &f.epk_error) {
        (Some(c), _) => line("curve", &format!("{c} (epk)")),
        (None, Some(e)) => line("curve", &format!("unknown: {e}")),
        (None, None) => line("curve", "unknown"),
    }
    if f.typ.value.is_some() || f.typ.error.is_some() {
        line("typ", &f.typ.show(None));
    }
    if f.cty.value.is_some() || f.cty.error.is_some() {
        line("cty", &f.cty.show(None));
    }
    line("skid", &f.skid.show(None));
    line("apu", &f.apu_line());
    let mut apv = f.apv_check.describe(f.recipients.len());
    if let Some(w) = f.apv_b64.where_note() {
        let _ = write!(apv, " ({w})");
    }
    line("apv", &apv);
    line("recipients", &f.recipients.len().to_string());
    for (i, r) in f.recipients.iter().enumerate() {
        line(&format!("  [{i}]"), &r.line());
    }
    line("sizes (octets)", &f.sizes.line());
    line("didcomm", &didcomm_line(&f.didcomm));
    out
}
