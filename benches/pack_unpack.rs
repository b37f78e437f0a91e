//! DIDComm pack and unpack against the primitive floor.
//!
//! Matrix: authcrypt and anoncrypt × X25519, P-256, P-384 × 1 and 10 recipients × 1 KiB,
//! 64 KiB and 1 MiB messages, pack and unpack; plus 100 recipients for X25519 authcrypt at
//! 1 KiB (the recipients sweep). Each case is measured for this crate (`ours`, and the tuned
//! variants of [`Tuning`] where the crate offers them) and for the floor of
//! `benches/common/floor.rs`, in the same run.
//!
//! Groups are `pack_{size}` and `unpack_{size}`, functions are the implementation, parameters
//! the case (`authcrypt-X25519-r10`); the group `agreement` times one key agreement per curve,
//! ours against the floor's. `python3 benches/report.py` turns the results into
//! tables.
//!
//! Run: `CARGO_TARGET_DIR=target-bench cargo bench --bench pack_unpack` (add a filter such as
//! `-- pack_1KiB/` to run a subset).

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion};

use authcrypt::didcomm::KeySet;
use authcrypt::hazmat::agreement::diffie_hellman;
use authcrypt::{Curve, SecretKey};

#[path = "common/fixtures.rs"]
mod fixtures;
#[path = "common/floor.rs"]
mod floor;
#[path = "common/measure.rs"]
mod measure;
#[path = "common/ours.rs"]
mod ours;

use fixtures::{case_id, message, Mode, Parties, CURVES, RECIPIENTS, SIZES, SWEEP_RECIPIENTS};
use floor::FloorCurve;
use ours::Tuning;

/// One case with everything prepared outside the measured loop.
struct Case {
    id: String,
    mode: Mode,
    parties: Parties,
    keys: KeySet,
    floor: Box<dyn floor::FloorCase>,
}

impl Case {
    fn ours(&self) -> measure::OursCase<'_> {
        measure::OursCase {
            id: &self.id,
            mode: self.mode,
            parties: &self.parties,
            keys: &self.keys,
        }
    }

    fn new(mode: Mode, curve: Curve, recipients: usize, msg: &[u8]) -> Case {
        let parties = Parties::new(curve, recipients);
        let keys = parties.keyset(mode);
        let envelope = Tuning::Default
            .packer(mode, &parties)
            .pack(msg)
            .expect("pack");
        let aad = fixtures::protected_member(&envelope);
        let floor = floor::case(mode, curve, recipients, &aad);
        let check = floor.unpack(&floor.pack(msg));
        assert_eq!(check, msg, "floor round trip");
        Case {
            id: case_id(mode, curve, recipients),
            mode,
            parties,
            keys,
            floor,
        }
    }
}

/// The cases of one payload size.
fn cases(size: usize, msg: &[u8]) -> Vec<Case> {
    let mut out = Vec::new();
    for mode in Mode::ALL {
        for curve in CURVES {
            for n in RECIPIENTS {
                out.push(Case::new(mode, curve, n, msg));
            }
        }
    }
    if size == SIZES[0].0 {
        for n in SWEEP_RECIPIENTS {
            if !RECIPIENTS.contains(&n) {
                out.push(Case::new(Mode::Authcrypt, Curve::X25519, n, msg));
            }
        }
    }
    out
}

fn matrix(c: &mut Criterion) {
    for (size, label) in SIZES {
        let msg = message(size);
        let cases = cases(size, &msg);

        let mut group = c.benchmark_group(format!("pack_{label}"));
        measure::configure(&mut group, size);
        for case in &cases {
            measure::bench_pack(&mut group, &case.ours(), &msg, &Tuning::ALL);
            measure::bench_floor_pack(&mut group, &case.id, case.floor.as_ref(), &msg);
        }
        group.finish();

        let mut group = c.benchmark_group(format!("unpack_{label}"));
        measure::configure(&mut group, size);
        for case in &cases {
            measure::bench_unpack(&mut group, &case.ours(), &msg, &Tuning::ALL);
            measure::bench_floor_unpack(&mut group, &case.id, case.floor.as_ref(), &msg);
        }
        group.finish();
    }
}

/// One key agreement (Z for a fresh peer public key and a held private key) per curve: this
/// crate's `agreement::diffie_hellman` against the floor's call into the curve crate, so that
/// what the agreement path itself buys is visible apart from the rest of a message.
fn agreement(c: &mut Criterion) {
    let mut group = c.benchmark_group("agreement");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500));
    for curve in CURVES {
        let ours = SecretKey::generate(curve);
        let peer = SecretKey::generate(curve).public_key();
        group.bench_function(
            BenchmarkId::new(Tuning::Default.function_id(), curve.name()),
            |b| b.iter(|| diffie_hellman(&ours, black_box(&peer)).expect("agreement")),
        );
        match curve {
            Curve::X25519 => floor_agreement::<floor::X25519>(&mut group, curve),
            Curve::P256 => floor_agreement::<floor::P256>(&mut group, curve),
            Curve::P384 => floor_agreement::<floor::P384>(&mut group, curve),
            other => panic!("no floor for {other}"),
        }
    }
    group.finish();
}

fn floor_agreement<C: FloorCurve>(group: &mut BenchmarkGroup<'_, WallTime>, curve: Curve) {
    let secret = C::generate();
    let peer = C::public(&C::generate());
    let mut z = Vec::with_capacity(66);
    group.bench_function(BenchmarkId::new("floor", curve.name()), |b| {
        b.iter(|| {
            z.clear();
            C::dh(&secret, black_box(&peer), &mut z);
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = matrix, agreement
}
criterion_main!(benches);
