//! Peak heap use of one pack and one unpack of a 1 MiB message, for this crate, askar-crypto
//! and the primitive floor, measured with a counting global allocator.
//!
//! "Peak" is the highest number of live heap bytes during the call minus the live bytes just
//! before it: the input (message or envelope) already exists and is not counted; the output is
//! counted, since it is alive when the call returns. One thread runs at a time, so the counts
//! belong to the call (a call that spawns threads has their allocations counted too).
//!
//! Run from benches/peer: `CARGO_TARGET_DIR=../../target-bench cargo bench --bench memory`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use authcrypt::Curve;
use authcrypt_peer_bench::fixtures::{case_id, message, Mode, Parties};
use authcrypt_peer_bench::floor;
use authcrypt_peer_bench::ours::{Ours, Tuning};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static CALLS: AtomicUsize = AtomicUsize::new(0);

impl Counting {
    fn grow(by: usize) {
        let now = LIVE.fetch_add(by, Relaxed) + by;
        PEAK.fetch_max(now, Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            Counting::grow(layout.size());
            CALLS.fetch_add(1, Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            Counting::grow(layout.size());
            CALLS.fetch_add(1, Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // Counted as a change of size; a moving realloc that briefly holds both blocks is
            // not charged for the old one.
            if new_size > layout.size() {
                Counting::grow(new_size - layout.size());
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Relaxed);
            }
            CALLS.fetch_add(1, Relaxed);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

struct Usage {
    peak: usize,
    retained: usize,
    calls: usize,
}

fn measure<T>(f: impl FnOnce() -> T) -> (Usage, T) {
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    CALLS.store(0, Relaxed);
    let out = std::hint::black_box(f());
    let usage = Usage {
        peak: PEAK.load(Relaxed) - base,
        retained: LIVE.load(Relaxed).saturating_sub(base),
        calls: CALLS.load(Relaxed),
    };
    (usage, out)
}

fn row(implementation: &str, case: &str, op: &str, input: usize, u: &Usage) {
    println!(
        "| {implementation} | {case} | {op} | {input} | {} | {:.2} | {} | {} |",
        u.peak,
        u.peak as f64 / input as f64,
        u.retained,
        u.calls
    );
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument is ignored.
    const SIZE: usize = 1024 * 1024;
    let msg = message(SIZE);
    println!("Peak heap above the live bytes before the call, 1 MiB message (1048576 octets).");
    println!();
    println!("| impl | case | op | input octets | peak octets | peak ÷ input | retained octets | allocator calls |");
    println!("|---|---|---|---:|---:|---:|---:|---:|");
    for mode in Mode::ALL {
        for curve in [Curve::X25519] {
            for n in [1, 10] {
                let id = case_id(mode, curve, n);
                let parties = Parties::new(curve, n);
                let keys = parties.keyset(mode);
                for tuning in Tuning::ALL {
                    if !tuning.applies_to(mode) {
                        continue;
                    }
                    let ours = Ours::new(tuning, mode, &parties, &keys, &msg);
                    let (u, envelope) = measure(|| ours.packer.pack(&msg).expect("pack"));
                    row(tuning.function_id(), &id, "pack", msg.len(), &u);
                    let (u, out) =
                        measure(|| ours.unpacker.unpack(envelope.as_bytes()).expect("unpack"));
                    assert_eq!(&out.plaintext[..], &msg[..]);
                    drop(out);
                    row(tuning.function_id(), &id, "unpack", envelope.len(), &u);
                }

                let askar = authcrypt_peer_bench::case(mode, &parties);
                let (u, envelope) = measure(|| askar.pack(&msg).expect("askar pack"));
                row("askar", &id, "pack", msg.len(), &u);
                let (u, out) = measure(|| askar.unpack(&envelope).expect("askar unpack"));
                assert_eq!(out, msg);
                drop(out);
                row("askar", &id, "unpack", envelope.len(), &u);

                let aad = "e30"; // the AAD length barely matters to memory
                let floor = floor::case(mode, curve, n, aad);
                let (u, envelope) = measure(|| floor.pack(&msg));
                row("floor", &id, "pack", msg.len(), &u);
                let input = envelope.ciphertext.len();
                let (u, out) = measure(|| floor.unpack(&envelope));
                assert_eq!(out, msg);
                drop(out);
                row("floor", &id, "unpack", input, &u);
            }
        }
    }
}
