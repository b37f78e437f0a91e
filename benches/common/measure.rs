//! Criterion settings and this crate's measurements, shared by the main bench
//! (`benches/pack_unpack.rs`) and the peer bench (`benches/peer/benches/peer.rs`) through
//! `#[path]`. Each includer has `fixtures`, `floor` and `ours` modules (or imports) at its root.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::Measurement;
use criterion::{BenchmarkGroup, BenchmarkId, SamplingMode, Throughput};

use authcrypt::didcomm::KeySet;

use super::fixtures::{Mode, Parties};
use super::floor::FloorCase;
use super::ours::{Ours, Tuning};

/// Measurement settings per payload size: flat sampling (the slow cases take tens of
/// milliseconds an iteration), short warm-up, fewer resamples, so that a whole matrix runs in
/// about a quarter of an hour on two cores.
pub fn configure<M: Measurement>(group: &mut BenchmarkGroup<'_, M>, size: usize) {
    let large = size >= 1024 * 1024;
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(if large { 15 } else { 20 })
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(if large { 2500 } else { 1500 }))
        .nresamples(10_000)
        .throughput(Throughput::Bytes(size as u64));
}

/// One case as this crate sees it.
pub struct OursCase<'a> {
    /// `{mode}-{curve}-r{recipients}`.
    pub id: &'a str,
    /// authcrypt or anoncrypt.
    pub mode: Mode,
    /// The keys.
    pub parties: &'a Parties,
    /// The unpacking recipient's key set.
    pub keys: &'a KeySet,
}

/// `pack(msg)` for each of `tunings` that applies to the case.
pub fn bench_pack<M: Measurement>(
    group: &mut BenchmarkGroup<'_, M>,
    case: &OursCase<'_>,
    msg: &[u8],
    tunings: &[Tuning],
) {
    for &tuning in tunings.iter().filter(|t| t.applies_to(case.mode)) {
        let ours = Ours::new(tuning, case.mode, case.parties, case.keys, msg);
        group.bench_function(BenchmarkId::new(tuning.function_id(), case.id), |b| {
            b.iter(|| ours.packer.pack(black_box(msg)).expect("pack"))
        });
    }
}

/// `unpack` of an envelope of `msg` for each of `tunings` that applies to the case.
pub fn bench_unpack<M: Measurement>(
    group: &mut BenchmarkGroup<'_, M>,
    case: &OursCase<'_>,
    msg: &[u8],
    tunings: &[Tuning],
) {
    for &tuning in tunings.iter().filter(|t| t.applies_to(case.mode)) {
        let ours = Ours::new(tuning, case.mode, case.parties, case.keys, msg);
        let envelope = ours.packer.pack(msg).expect("pack");
        group.bench_function(BenchmarkId::new(tuning.function_id(), case.id), |b| {
            b.iter(|| {
                ours.unpacker
                    .unpack(black_box(envelope.as_bytes()))
                    .expect("unpack")
            })
        });
    }
}

/// The floor's `pack(msg)`, as function `floor`.
pub fn bench_floor_pack<M: Measurement>(
    group: &mut BenchmarkGroup<'_, M>,
    id: &str,
    floor: &dyn FloorCase,
    msg: &[u8],
) {
    group.bench_function(BenchmarkId::new("floor", id), |b| {
        b.iter(|| floor.pack(black_box(msg)))
    });
}

/// The floor's `unpack` of its own envelope of `msg`, as function `floor`.
pub fn bench_floor_unpack<M: Measurement>(
    group: &mut BenchmarkGroup<'_, M>,
    id: &str,
    floor: &dyn FloorCase,
    msg: &[u8],
) {
    let envelope = floor.pack(msg);
    group.bench_function(BenchmarkId::new("floor", id), |b| {
        b.iter(|| floor.unpack(black_box(&envelope)))
    });
}
