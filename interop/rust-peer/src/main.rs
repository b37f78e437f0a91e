//! The didcomm-rust side of the authcrypt interoperability matrix.
//!
//! `didcomm-rust-peer pack|unpack|version < request.json > response.json`, the same protocol as
//! `interop/python/peer.py` (see `interop/README.md`). didcomm-rust 0.4 implements X25519 and
//! P-256 only; cases on other curves come back as errors, like any other failing case.

use std::future::Future;
use std::io::Read;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use didcomm::algorithms::{AnonCryptAlg, AuthCryptAlg, SignAlg};
use didcomm::did::resolvers::ExampleDIDResolver;
use didcomm::did::{DIDDoc, VerificationMaterial, VerificationMethod, VerificationMethodType};
use didcomm::secrets::resolvers::ExampleSecretsResolver;
use didcomm::secrets::{Secret, SecretMaterial, SecretType};
use didcomm::{Message, PackEncryptedOptions, UnpackOptions};
use serde_json::{json, Value};

/// Drives a future whose resolvers never wait (everything is in memory).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

fn did_of(kid: &str) -> &str {
    kid.split('#').next().unwrap_or(kid)
}

/// A verification method: kid, public JWK, relationship (`keyAgreement` or `authentication`).
type Method = (String, Value, String);

/// The test identities: the methods of each DID, and every secret.
struct World {
    methods: Vec<(String, Vec<Method>)>,
    secrets: Vec<Secret>,
}

impl World {
    fn load(request: &Value) -> Result<World, String> {
        let path = request["keys_file"].as_str().ok_or("no keys_file")?;
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        let vectors: Value = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
        let mut world = World {
            methods: Vec::new(),
            secrets: Vec::new(),
        };
        for doc in vectors["did_documents"]
            .as_object()
            .ok_or("no did_documents")?
            .values()
        {
            let did = doc["id"]
                .as_str()
                .ok_or("DID document without id")?
                .to_owned();
            for rel in ["keyAgreement", "authentication"] {
                for entry in doc[rel].as_array().into_iter().flatten() {
                    if let Some(kid) = entry["id"].as_str() {
                        let kid = if kid.starts_with('#') {
                            format!("{did}{kid}")
                        } else {
                            kid.to_owned()
                        };
                        world.add_method(&kid, entry["publicKeyJwk"].clone(), rel);
                    }
                }
            }
        }
        for key in vectors["keys"].as_array().ok_or("no keys")? {
            let kid = key["kid"].as_str().ok_or("key without kid")?;
            world.add_secret(kid, key["private_jwk"].clone());
            if let Some(rel) = key["did_doc_relationship"].as_str() {
                world.add_method(kid, key["public_jwk"].clone(), rel);
            }
        }
        for extra in request["extra_keys"].as_array().into_iter().flatten() {
            let kid = extra["kid"].as_str().ok_or("extra key without kid")?;
            let private = extra["private_jwk"].clone();
            let mut public = private.clone();
            public
                .as_object_mut()
                .ok_or("extra key is not an object")?
                .remove("d");
            world.add_secret(kid, private);
            world.add_method(kid, public, "keyAgreement");
        }
        Ok(world)
    }

    fn add_method(&mut self, kid: &str, jwk: Value, rel: &str) {
        let did = did_of(kid).to_owned();
        let index = match self.methods.iter().position(|(d, _)| *d == did) {
            Some(i) => i,
            None => {
                self.methods.push((did, Vec::new()));
                self.methods.len() - 1
            }
        };
        let methods = &mut self.methods[index].1;
        if !methods.iter().any(|(k, _, _)| k == kid) {
            methods.push((kid.to_owned(), jwk, rel.to_owned()));
        }
    }

    fn add_secret(&mut self, kid: &str, mut jwk: Value) {
        if let Some(map) = jwk.as_object_mut() {
            map.insert("kid".into(), json!(kid));
        }
        self.secrets.push(Secret {
            id: kid.to_owned(),
            type_: SecretType::JsonWebKey2020,
            secret_material: SecretMaterial::JWK {
                private_key_jwk: jwk,
            },
        });
    }

    /// The DID documents; with `curve`, keyAgreement lists only the keys on that curve.
    fn did_resolver(&self, curve: Option<&str>) -> ExampleDIDResolver {
        let docs = self
            .methods
            .iter()
            .map(|(did, methods)| DIDDoc {
                id: did.clone(),
                key_agreement: methods
                    .iter()
                    .filter(|(_, jwk, rel)| {
                        rel == "keyAgreement" && curve.is_none_or(|c| jwk["crv"] == c)
                    })
                    .map(|(kid, _, _)| kid.clone())
                    .collect(),
                authentication: methods
                    .iter()
                    .filter(|(_, _, rel)| rel == "authentication")
                    .map(|(kid, _, _)| kid.clone())
                    .collect(),
                verification_method: methods
                    .iter()
                    .map(|(kid, jwk, _)| VerificationMethod {
                        id: kid.clone(),
                        type_: VerificationMethodType::JsonWebKey2020,
                        controller: did.clone(),
                        verification_material: VerificationMaterial::JWK {
                            public_key_jwk: jwk.clone(),
                        },
                    })
                    .collect(),
                service: Vec::new(),
            })
            .collect();
        ExampleDIDResolver::new(docs)
    }

    fn secrets_resolver(&self) -> ExampleSecretsResolver {
        ExampleSecretsResolver::new(self.secrets.clone())
    }
}

fn anon_alg(enc: &str) -> Result<AnonCryptAlg, String> {
    match enc {
        "A256CBC-HS512" => Ok(AnonCryptAlg::A256cbcHs512EcdhEsA256kw),
        "A256GCM" => Ok(AnonCryptAlg::A256gcmEcdhEsA256kw),
        "XC20P" => Ok(AnonCryptAlg::Xc20pEcdhEsA256kw),
        other => Err(format!("unknown enc {other}")),
    }
}

fn enc_name(alg: &AnonCryptAlg) -> &'static str {
    match alg {
        AnonCryptAlg::A256cbcHs512EcdhEsA256kw => "A256CBC-HS512",
        AnonCryptAlg::A256gcmEcdhEsA256kw => "A256GCM",
        AnonCryptAlg::Xc20pEcdhEsA256kw => "XC20P",
    }
}

fn sign_alg_name(alg: &SignAlg) -> &'static str {
    match alg {
        SignAlg::EdDSA => "EdDSA",
        SignAlg::ES256 => "ES256",
        SignAlg::ES256K => "ES256K",
    }
}

fn pack(world: &World, case: &Value) -> Result<Value, String> {
    let mode = case["mode"].as_str().unwrap_or_default();
    let message: Message =
        serde_json::from_value(case["message"].clone()).map_err(|e| format!("message: {e}"))?;
    let sign_by = case["sign_by"].as_str();
    if mode == "signed" {
        let dids = world.did_resolver(None);
        let secrets = world.secrets_resolver();
        let (packed, _) = block_on(message.pack_signed(
            sign_by.ok_or("a signed case needs sign_by")?,
            &dids,
            &secrets,
        ))
        .map_err(|e| format!("{e:#}"))?;
        return Ok(json!({"packed": packed, "to_kids": [], "from_kid": null}));
    }
    let options = PackEncryptedOptions {
        protect_sender: mode == "protect-sender",
        forward: false,
        enc_alg_auth: AuthCryptAlg::A256cbcHs512Ecdh1puA256kw,
        enc_alg_anon: anon_alg(case["enc"].as_str().unwrap_or_default())?,
        ..PackEncryptedOptions::default()
    };
    let from = match mode {
        "authcrypt" | "protect-sender" => case["from"].as_str(),
        _ => None,
    };
    let to = case["to"].as_str().ok_or("no to")?;
    let dids = world.did_resolver(case["curve"].as_str());
    let secrets = world.secrets_resolver();
    let (packed, meta) =
        block_on(message.pack_encrypted(to, from, sign_by, &dids, &secrets, &options))
            .map_err(|e| format!("{e:#}"))?;
    Ok(json!({"packed": packed, "to_kids": meta.to_kids, "from_kid": meta.from_kid}))
}

fn unpack(world: &World, case: &Value) -> Result<Value, String> {
    let packed = case["packed"].as_str().ok_or("no packed")?;
    let options = UnpackOptions {
        expect_decrypt_by_all_keys: case["all_keys"].as_bool().unwrap_or(false),
        unwrap_re_wrapping_forward: false,
    };
    let dids = world.did_resolver(None);
    let secrets = world.secrets_resolver();
    let (message, m) = block_on(Message::unpack(packed, &dids, &secrets, &options))
        .map_err(|e| format!("{e:#}"))?;
    Ok(json!({
        "message": serde_json::to_value(&message).map_err(|e| e.to_string())?,
        "metadata": {
            "encrypted": m.encrypted,
            "authenticated": m.authenticated,
            "anonymous_sender": m.anonymous_sender,
            "non_repudiation": m.non_repudiation,
            "encrypted_from": m.encrypted_from_kid,
            "encrypted_to": m.encrypted_to_kids.unwrap_or_default(),
            "enc_alg_auth": m.enc_alg_auth.map(|_| "A256CBC-HS512"),
            "enc_alg_anon": m.enc_alg_anon.as_ref().map(enc_name),
            "sign_from": m.sign_from,
            "sign_alg": m.sign_alg.as_ref().map(sign_alg_name),
            "from_prior_issuer_kid": m.from_prior_issuer_kid,
        },
    }))
}

fn main() {
    let command = std::env::args().nth(1).unwrap_or_default();
    let peer = json!({"didcomm": "0.4.1", "curves": ["X25519", "P-256"]});
    if command == "version" {
        println!("{}", json!({ "peer": peer }));
        return;
    }
    let handler: fn(&World, &Value) -> Result<Value, String> = match command.as_str() {
        "pack" => pack,
        "unpack" => unpack,
        _ => {
            eprintln!("usage: didcomm-rust-peer pack|unpack|version < request.json");
            std::process::exit(2);
        }
    };
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .expect("read stdin");
    let request: Value = serde_json::from_str(&input).expect("request is JSON");
    let world = World::load(&request).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1);
    });
    let mut results = Vec::new();
    for case in request["cases"].as_array().into_iter().flatten() {
        let id = case["id"].clone();
        let result = std::panic::catch_unwind(|| handler(&world, case))
            .unwrap_or_else(|_| Err("the peer panicked".to_owned()));
        results.push(match result {
            Ok(Value::Object(mut out)) => {
                out.insert("id".into(), id);
                out.insert("ok".into(), json!(true));
                Value::Object(out)
            }
            Ok(_) => json!({"id": id, "ok": false, "error": "no result"}),
            Err(e) => json!({"id": id, "ok": false, "error": e}),
        });
    }
    println!("{}", json!({"peer": peer, "results": results}));
}
