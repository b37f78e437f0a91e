//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) and the saved regression inputs
//! (`fuzz/regressions/<target>/`) through the fuzz target bodies on the stable toolchain, so a
//! change that breaks an input the fuzzer once found interesting fails CI.
//!
//! `cargo test --test fuzz_replay -- --ignored write_seed_corpus` (re)writes the seed inputs:
//! envelopes made with the fixed fuzzing keys and the JWEs and JWKs of `rfc-vectors/`.

#[allow(dead_code)]
#[path = "../fuzz/bodies.rs"]
mod bodies;

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use serde_json::Value;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs every corpus and regression file of `target` through `body`; reports every failing
/// file at once.
fn replay(target: &str, body: fn(&[u8])) {
    let corpus = files_in(&fuzz_dir().join("corpus").join(target));
    assert!(
        !corpus.is_empty(),
        "fuzz/corpus/{target}/ is empty: the replay would test nothing"
    );
    let regressions = files_in(&fuzz_dir().join("regressions").join(target));
    let mut failures = Vec::new();
    for path in corpus.iter().chain(&regressions) {
        let data = match fs::read(path) {
            Ok(data) => data,
            // A fuzzer running on the same corpus replaces inputs by smaller ones.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        if let Err(panic) = panic::catch_unwind(AssertUnwindSafe(|| body(&data))) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failures.push(format!("{}: {message}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{target}: {} of {} inputs fail:\n{}",
        failures.len(),
        corpus.len() + regressions.len(),
        failures.join("\n")
    );
}

#[test]
fn replay_parse() {
    replay("parse", bodies::parse);
}

#[test]
fn replay_jwk() {
    replay("jwk", bodies::jwk);
}

#[test]
fn replay_unpack_jose() {
    replay("unpack_jose", bodies::unpack_jose);
}

#[test]
fn replay_unpack_didcomm() {
    replay("unpack_didcomm", bodies::unpack_didcomm);
}

#[test]
fn replay_roundtrip() {
    replay("roundtrip", bodies::roundtrip);
}

#[test]
fn replay_jws() {
    replay("jws", bodies::jws);
}

#[test]
fn replay_did() {
    replay("did", bodies::did);
}

/// The seed envelopes are valid: each one decrypts with the fixed keys.
#[test]
fn seed_envelopes_decrypt() {
    let k = bodies::keys();
    let envelopes = bodies::seed_envelopes();
    assert!(envelopes.len() > 500, "{}", envelopes.len());
    for (name, text) in envelopes.iter().step_by(7) {
        if name.starts_with("didcomm-") {
            authcrypt::didcomm::Unpacker::new(&k.keyset)
                .unpack(text.as_bytes())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        } else {
            k.decrypter_all()
                .decrypt(text.as_bytes())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

fn collect_vectors(value: &Value, jwes: &mut Vec<String>, jwks: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if map.contains_key("kty") || map.contains_key("keys") || map.contains_key("id") {
                jwks.push(value.to_string());
            }
            if map.contains_key("ciphertext") {
                jwes.push(value.to_string());
            }
            for v in map.values() {
                collect_vectors(v, jwes, jwks);
            }
        }
        Value::Array(items) => {
            for v in items {
                collect_vectors(v, jwes, jwks);
            }
        }
        Value::String(s)
            if s.matches('.').count() == 4 && authcrypt::Jwe::parse(s.as_bytes()).is_ok() =>
        {
            jwes.push(s.clone());
        }
        _ => {}
    }
}

fn write_seed(target: &str, name: &str, data: &[u8]) {
    let dir = fuzz_dir().join("corpus").join(target);
    fs::create_dir_all(&dir).expect("corpus directory");
    fs::write(dir.join(format!("seed-{name}")), data).expect("seed written");
}

/// Writes the seed corpus. Run it by hand, then minimise with `cargo fuzz cmin`.
#[test]
#[ignore]
fn write_seed_corpus() {
    let mut vector_jwes = Vec::new();
    let mut vector_jwks = Vec::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rfc-vectors");
    for path in files_in(&dir) {
        let text = fs::read_to_string(&path).expect("vector file");
        let value: Value = serde_json::from_str(&text).expect("vector JSON");
        collect_vectors(&value, &mut vector_jwes, &mut vector_jwks);
    }
    vector_jwes.sort();
    vector_jwes.dedup();
    vector_jwks.sort();
    vector_jwks.dedup();
    for (i, jwe) in vector_jwes.iter().enumerate() {
        for target in ["parse", "unpack_jose", "unpack_didcomm"] {
            write_seed(target, &format!("vector-jwe-{i}"), jwe.as_bytes());
        }
    }
    for (i, jwk) in vector_jwks.iter().enumerate() {
        write_seed("jwk", &format!("vector-{i}"), jwk.as_bytes());
    }
    for (name, jwk) in bodies::seed_keys() {
        write_seed("jwk", &name, jwk.as_bytes());
    }
    for (name, text) in bodies::seed_envelopes() {
        write_seed("parse", &name, text.as_bytes());
        let target = if name.starts_with("didcomm-") {
            "unpack_didcomm"
        } else {
            "unpack_jose"
        };
        write_seed(target, &name, text.as_bytes());
    }
    for (name, text) in bodies::seed_jws() {
        write_seed("jws", &name, text.as_bytes());
    }
    for (name, bytes) in bodies::seed_did() {
        write_seed("did", &name, &bytes);
    }
    for (i, input) in bodies::seed_roundtrip_inputs().iter().enumerate() {
        write_seed("roundtrip", &format!("random-{i}"), input);
    }
}
