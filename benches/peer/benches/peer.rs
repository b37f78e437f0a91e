//! This crate, askar-crypto (as didcomm-rust uses it) and the primitive floor, side by side in
//! one criterion run.
//!
//! Matrix: authcrypt and anoncrypt × X25519, P-256, P-384 × 1 and 10 recipients × 1 KiB,
//! 64 KiB and 1 MiB messages, pack and unpack. Groups are `peer_pack_{size}` and
//! `peer_unpack_{size}`; functions `ours` (and tuned variants), `askar` and `floor`; parameters
//! the case.
//!
//! Run from benches/peer: `CARGO_TARGET_DIR=../../target-bench cargo bench --bench peer`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};

use authcrypt::didcomm::KeySet;
use authcrypt::Curve;
use authcrypt_peer_bench::fixtures::{case_id, message, Mode, Parties, CURVES, RECIPIENTS, SIZES};
use authcrypt_peer_bench::ours::{Ours, Tuning};
use authcrypt_peer_bench::{floor, PeerCase};

struct Case {
    id: String,
    mode: Mode,
    parties: Parties,
    keys: KeySet,
    askar: Box<dyn PeerCase>,
    floor: Box<dyn floor::FloorCase>,
}

impl Case {
    fn new(mode: Mode, curve: Curve, recipients: usize, msg: &[u8]) -> Case {
        let parties = Parties::new(curve, recipients);
        let keys = parties.keyset(mode);
        let ours = Ours::new(Tuning::Default, mode, &parties, &keys, msg);
        let askar = authcrypt_peer_bench::case(mode, &parties);

        // The two implementations read each other's envelopes: the askar path is the same
        // protocol, not a look-alike.
        let ours_envelope = ours.packer.pack(msg).expect("pack");
        let askar_envelope = askar.pack(msg).expect("askar pack");
        assert_eq!(askar.unpack(&ours_envelope).expect("askar unpack"), msg);
        assert_eq!(askar.unpack(&askar_envelope).expect("askar unpack"), msg);
        let opened = ours
            .unpacker
            .unpack(askar_envelope.as_bytes())
            .expect("unpack askar's envelope");
        assert_eq!(&opened.plaintext[..], msg);

        let aad = authcrypt_peer_bench::fixtures::protected_member(&ours_envelope);
        let floor = floor::case(mode, curve, recipients, &aad);
        assert_eq!(floor.unpack(&floor.pack(msg)), msg, "floor round trip");
        Case {
            id: case_id(mode, curve, recipients),
            mode,
            parties,
            keys,
            askar,
            floor,
        }
    }
}

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

fn side_by_side(c: &mut Criterion) {
    for (size, label) in SIZES {
        let msg = message(size);
        let mut cases = Vec::new();
        for mode in Mode::ALL {
            for curve in CURVES {
                for n in RECIPIENTS {
                    cases.push(Case::new(mode, curve, n, &msg));
                }
            }
        }

        let mut group = c.benchmark_group(format!("peer_pack_{label}"));
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
            group.bench_function(BenchmarkId::new("askar", &case.id), |b| {
                b.iter(|| case.askar.pack(black_box(&msg)).expect("askar pack"))
            });
            group.bench_function(BenchmarkId::new("floor", &case.id), |b| {
                b.iter(|| case.floor.pack(black_box(&msg)))
            });
        }
        group.finish();

        let mut group = c.benchmark_group(format!("peer_unpack_{label}"));
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
            let envelope = case.askar.pack(&msg).expect("askar pack");
            group.bench_function(BenchmarkId::new("askar", &case.id), |b| {
                b.iter(|| {
                    case.askar
                        .unpack(black_box(&envelope))
                        .expect("askar unpack")
                })
            });
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
    targets = side_by_side
}
criterion_main!(benches);
