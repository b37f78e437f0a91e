//! DIDComm pack and unpack against the primitive floor.
//!
//! Matrix: authcrypt and anoncrypt × X25519, P-256, P-384 × 1 and 10 recipients × 1 KiB,
//! 64 KiB and 1 MiB messages, pack and unpack; plus 100 recipients for X25519 authcrypt at
//! 1 KiB (the recipients sweep). Each case is measured for this crate (`ours`, and the tuned
//! variants of [`Tuning`] where the crate offers them) and for the floor of
//! `benches/common/floor.rs`, in the same run.
//!
//! Groups are `pack_{size}` and `unpack_{size}`, functions are the implementation, parameters
//! the case (`authcrypt-X25519-r10`). `python3 benches/report.py` turns the results into
//! tables.
//!
//! Run: `CARGO_TARGET_DIR=target-bench cargo bench --bench pack_unpack` (add a filter such as
//! `-- pack_1KiB/` to run a subset).

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};

use authcrypt::didcomm::KeySet;
use authcrypt::Curve;

#[path = "common/fixtures.rs"]
mod fixtures;
#[path = "common/floor.rs"]
mod floor;
#[path = "common/ours.rs"]
mod ours;

use fixtures::{case_id, message, Mode, Parties, CURVES, RECIPIENTS, SIZES, SWEEP_RECIPIENTS};
use ours::{Ours, Tuning};

/// One case with everything prepared outside the measured loop.
struct Case {
    id: String,
    mode: Mode,
    parties: Parties,
    keys: KeySet,
    floor: Box<dyn floor::FloorCase>,
}

impl Case {
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

/// Measurement settings per payload size: flat sampling (the slow cases take tens of
/// milliseconds an iteration), short warm-up, fewer resamples, so that the whole matrix runs in
/// about a quarter of an hour on two cores.
fn configure<M: criterion::measurement::Measurement>(
    group: &mut criterion::BenchmarkGroup<'_, M>,
    size: usize,
) {
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(if size >= 1024 * 1024 { 15 } else { 20 })
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(if size >= 1024 * 1024 {
            2500
        } else {
            1500
        }))
        .nresamples(10_000)
        .throughput(Throughput::Bytes(size as u64));
}

fn matrix(c: &mut Criterion) {
    for (size, label) in SIZES {
        let msg = message(size);
        let cases = cases(size, &msg);

        let mut group = c.benchmark_group(format!("pack_{label}"));
        configure(&mut group, size);
        for case in &cases {
            for tuning in Tuning::ALL {
                if !tuning.applies_to(case.mode) {
                    continue;
                }
                let ours = Ours::new(tuning, case.mode, &case.parties, &case.keys, &msg);
                group.bench_function(BenchmarkId::new(tuning.function_id(), &case.id), |b| {
                    b.iter(|| ours.packer.pack(black_box(&msg)).expect("pack"))
                });
            }
            group.bench_function(BenchmarkId::new("floor", &case.id), |b| {
                b.iter(|| case.floor.pack(black_box(&msg)))
            });
        }
        group.finish();

        let mut group = c.benchmark_group(format!("unpack_{label}"));
        configure(&mut group, size);
        for case in &cases {
            for tuning in Tuning::ALL {
                if !tuning.applies_to(case.mode) {
                    continue;
                }
                let ours = Ours::new(tuning, case.mode, &case.parties, &case.keys, &msg);
                let envelope = ours.packer.pack(&msg).expect("pack");
                group.bench_function(BenchmarkId::new(tuning.function_id(), &case.id), |b| {
                    b.iter(|| {
                        ours.unpacker
                            .unpack(black_box(envelope.as_bytes()))
                            .expect("unpack")
                    })
                });
            }
            let envelope = case.floor.pack(&msg);
            group.bench_function(BenchmarkId::new("floor", &case.id), |b| {
                b.iter(|| case.floor.unpack(black_box(&envelope)))
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = matrix
}
criterion_main!(benches);
