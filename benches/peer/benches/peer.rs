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

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

use authcrypt::didcomm::KeySet;
use authcrypt::Curve;
use authcrypt_peer_bench::fixtures::{case_id, message, Mode, Parties, CURVES, RECIPIENTS, SIZES};
use authcrypt_peer_bench::ours::{Ours, Tuning};
use authcrypt_peer_bench::{fixtures, floor, ours, PeerCase};

#[path = "../../common/measure.rs"]
mod measure;

struct Case {
    id: String,
    mode: Mode,
    parties: Parties,
    keys: KeySet,
    askar: Box<dyn PeerCase>,
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
        measure::configure(&mut group, size);
        for case in &cases {
            measure::bench_pack(&mut group, &case.ours(), &msg, &Tuning::ALL);
            group.bench_function(BenchmarkId::new("askar", &case.id), |b| {
                b.iter(|| case.askar.pack(black_box(&msg)).expect("askar pack"))
            });
            measure::bench_floor_pack(&mut group, &case.id, case.floor.as_ref(), &msg);
        }
        group.finish();

        let mut group = c.benchmark_group(format!("peer_unpack_{label}"));
        measure::configure(&mut group, size);
        for case in &cases {
            measure::bench_unpack(&mut group, &case.ours(), &msg, &Tuning::ALL);
            let envelope = case.askar.pack(&msg).expect("askar pack");
            group.bench_function(BenchmarkId::new("askar", &case.id), |b| {
                b.iter(|| {
                    case.askar
                        .unpack(black_box(&envelope))
                        .expect("askar unpack")
                })
            });
            measure::bench_floor_unpack(&mut group, &case.id, case.floor.as_ref(), &msg);
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
